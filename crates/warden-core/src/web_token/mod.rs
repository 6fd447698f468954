//! OpenID Connect ID tokens, verified as STS verifies them for `AssumeRoleWithWebIdentity`:
//! the signature against the issuer's published keys, then the claims (`exp`, `nbf`, `iat`,
//! and the audience against the provider's client ids).
//!
//! `token.rs` takes a JWT apart (refusing `alg: none` and HMAC), `keys.rs` finds and caches the
//! issuer's keys, `url.rs` says which issuers and URLs are acceptable, and `fetch.rs` is the
//! trait through which keys are fetched (implemented over HTTP by warden-server).

mod fetch;
mod keys;
#[cfg(test)]
pub(crate) mod test_keys;
mod token;
mod url;

pub use fetch::{FetchError, FetchFuture, OidcFetcher};
pub(crate) use keys::KeyCache;
pub(crate) use token::UnverifiedToken;
pub(crate) use url::{Issuer, provider_url};
pub use url::{UrlError, check_fetch_url};

/// Why a token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum TokenError {
    #[error("{0}")]
    Malformed(String),
    #[error("{0}")]
    Algorithm(String),
    #[error("the token's signature does not verify with the identity provider's key")]
    Signature,
    /// No key in the provider's set matches the token's `kid` and algorithm.
    #[error("the identity provider publishes no key the token names")]
    UnknownKey,
    #[error("the token expired at {exp}; it is {now}")]
    Expired { now: i64, exp: i64 },
    #[error("the token is not valid yet (`nbf`)")]
    NotYetValid,
    #[error("the token was issued in the future (`iat`)")]
    IssuedInFuture,
    #[error("the token's audience is not a client id of the provider")]
    Audience,
    /// The discovery document or key set could not be fetched.
    #[error("{0}")]
    Unreachable(String),
}

/// Reads a token as the verifier does before any key is fetched (its parts, header, claims,
/// times, audience and issuer URL) and says whether it got that far. For the fuzz target only:
/// tokens arrive from anyone, before any signature is checked.
#[doc(hidden)]
pub fn fuzz_read_token(token: &str) -> bool {
    let Ok(token) = UnverifiedToken::parse(token) else {
        return false;
    };
    let _ = token.claims.check_times(time::OffsetDateTime::UNIX_EPOCH);
    let _ = token.claims.audience(&["app".to_owned()]);
    let _ = Issuer::from_claim(&token.claims.iss).map(|i| i.discovery_url());
    true
}
