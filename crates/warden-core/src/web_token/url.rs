//! Issuer URLs: which ones an OIDC provider may have, and which ones Warden will fetch from.
//!
//! AWS takes `https://` issuers only. Warden also takes `http://` on the loopback addresses
//! (127.0.0.0/8, `::1`, `localhost`): a local identity provider and the tests need no TLS
//! certificate, and nothing outside the machine can answer there.

use std::net::{IpAddr, Ipv6Addr};

/// An issuer as a token's `iss` names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Issuer {
    /// What IAM stores and the provider ARN ends with: the URL without its scheme or a
    /// trailing `/`.
    pub provider_url: String,
    /// Where its discovery document lives, without the trailing `/`.
    pub base: String,
}

impl Issuer {
    /// Reads an `iss` claim: `https://HOST[/PATH]`, `http://` on a loopback host, or a bare
    /// `HOST[/PATH]` (some providers, Google's among them, issue `accounts.google.com`), which
    /// is fetched over HTTPS. `None` for anything else.
    pub(crate) fn from_claim(iss: &str) -> Option<Issuer> {
        let (provider_url, scheme) = if let Some(rest) = iss.strip_prefix("https://") {
            (rest, "https")
        } else if let Some(rest) = iss.strip_prefix("http://") {
            if !is_loopback_authority(authority(rest)) {
                return None;
            }
            (rest, "http")
        } else if iss.contains("://") {
            return None;
        } else {
            (iss, "https")
        };
        let provider_url = provider_url.trim_end_matches('/');
        if provider_url.is_empty() || provider_url.contains(['?', '#', ' ', '@']) {
            return None;
        }
        Some(Issuer {
            provider_url: provider_url.to_owned(),
            base: format!("{scheme}://{provider_url}"),
        })
    }

    /// The OpenID Connect discovery document's URL.
    pub(crate) fn discovery_url(&self) -> String {
        format!("{}/.well-known/openid-configuration", self.base)
    }
}

/// Why an identity provider's URL was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error("the URL must begin with https:// (http:// only on a loopback address)")]
    Scheme,
    #[error("the URL has no host, or has a query, fragment, user name or space")]
    Shape,
}

/// The provider URL IAM stores for a `CreateOpenIDConnectProvider` URL: the URL without its
/// scheme and trailing `/`.
pub(crate) fn provider_url(url: &str) -> Result<&str, UrlError> {
    let rest = if let Some(rest) = url.strip_prefix("https://") {
        rest
    } else if let Some(rest) = url.strip_prefix("http://") {
        if !is_loopback_authority(authority(rest)) {
            return Err(UrlError::Scheme);
        }
        rest
    } else {
        return Err(UrlError::Scheme);
    };
    let rest = rest.trim_end_matches('/');
    if authority(rest).is_empty() || rest.contains(['?', '#', ' ', '@']) {
        return Err(UrlError::Shape);
    }
    Ok(rest)
}

/// Whether Warden may fetch `url`: HTTPS anywhere, plain HTTP only on loopback. Both the
/// verifier and the HTTP client check it, so a discovery document cannot point the client
/// elsewhere.
pub fn check_fetch_url(url: &str) -> Result<(), UrlError> {
    let rest = if let Some(rest) = url.strip_prefix("https://") {
        rest
    } else if let Some(rest) = url.strip_prefix("http://") {
        if !is_loopback_authority(authority(rest)) {
            return Err(UrlError::Scheme);
        }
        rest
    } else {
        return Err(UrlError::Scheme);
    };
    let host = authority(rest);
    if host.is_empty() || host.contains('@') || rest.contains([' ', '#']) {
        return Err(UrlError::Shape);
    }
    Ok(())
}

/// The authority (`host[:port]`) at the start of a URL without its scheme.
fn authority(rest: &str) -> &str {
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    &rest[..end]
}

/// `127.x.x.x`, `[::1]` or `localhost`, with or without a port.
fn is_loopback_authority(authority: &str) -> bool {
    if authority.contains('@') {
        return false;
    }
    let host = if let Some(bracketed) = authority.strip_prefix('[') {
        match bracketed.split_once(']') {
            Some((v6, rest)) if rest.is_empty() || rest.starts_with(':') => {
                return v6.parse::<Ipv6Addr>().is_ok_and(|ip| ip.is_loopback());
            }
            _ => return false,
        }
    } else {
        authority
            .rsplit_once(':')
            .map_or(authority, |(host, _port)| host)
    };
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuers_are_https_or_loopback_http() {
        let https = Issuer::from_claim("https://token.example.com/realms/x/").unwrap();
        assert_eq!(https.provider_url, "token.example.com/realms/x");
        assert_eq!(
            https.discovery_url(),
            "https://token.example.com/realms/x/.well-known/openid-configuration"
        );
        let bare = Issuer::from_claim("accounts.google.com").unwrap();
        assert_eq!(bare.base, "https://accounts.google.com");
        for loopback in [
            "http://127.0.0.1:4567/x",
            "http://127.8.9.10",
            "http://localhost:80",
            "http://[::1]:8080/a",
        ] {
            let issuer = Issuer::from_claim(loopback).unwrap();
            assert!(issuer.base.starts_with("http://"), "{loopback}");
        }
        for refused in [
            "http://example.com",
            "http://10.0.0.1",
            "http://127.0.0.1.example.com",
            "http://user@127.0.0.1",
            "http://[::2]",
            "ftp://example.com",
            "https://",
            "https://a.example/?q",
        ] {
            assert_eq!(Issuer::from_claim(refused), None, "{refused}");
        }
    }

    #[test]
    fn provider_urls_follow_the_same_rule() {
        assert_eq!(provider_url("https://a.example/"), Ok("a.example"));
        assert_eq!(
            provider_url("http://127.0.0.1:4567/realms/x"),
            Ok("127.0.0.1:4567/realms/x")
        );
        assert_eq!(provider_url("http://a.example"), Err(UrlError::Scheme));
        assert_eq!(provider_url("https://"), Err(UrlError::Shape));
        assert_eq!(provider_url("https://a.example/?x"), Err(UrlError::Shape));
    }

    #[test]
    fn only_https_and_loopback_http_are_fetched() {
        assert!(check_fetch_url("https://www.googleapis.com/oauth2/v3/certs").is_ok());
        assert!(check_fetch_url("http://127.0.0.1:9/jwks?x=1").is_ok());
        assert!(check_fetch_url("http://169.254.169.254/latest").is_err());
        assert!(check_fetch_url("file:///etc/passwd").is_err());
        assert!(check_fetch_url("https://user@host/").is_err());
    }
}
