//! Identity providers' signing keys: found through the discovery document
//! (`ISSUER/.well-known/openid-configuration` → `jwks_uri`), fetched, and cached per issuer.
//!
//! What bounds the fetching, since anyone may present a token: only issuers of registered
//! providers are fetched; one fetch per issuer at a time (the others wait for its answer); a
//! key set is kept for [`KEYS_TTL`]; a token naming a key the set lacks refetches it (the
//! provider may have rotated its keys) at most once per [`REFETCH_INTERVAL`]; and after a failed
//! fetch the issuer is left alone for [`FAILURE_BACKOFF`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::Value;
use time::{Duration, OffsetDateTime};

use super::token::UnverifiedToken;
use super::url::{Issuer, check_fetch_url};
use super::{FetchError, OidcFetcher, TokenError};

/// How long a fetched key set is used before it is fetched again.
pub(crate) const KEYS_TTL: Duration = Duration::minutes(10);
/// The least time between two fetches caused by tokens naming unknown keys.
pub(crate) const REFETCH_INTERVAL: Duration = Duration::seconds(30);
/// How long a failed fetch is remembered before the issuer is tried again.
pub(crate) const FAILURE_BACKOFF: Duration = Duration::seconds(5);
/// More keys than this in one set are ignored: real providers publish a handful.
const MAX_KEYS: usize = 100;
/// More issuers than this and the cache starts over (providers are at most 100 per account).
const MAX_ISSUERS: usize = 10_000;

/// One verification key of a provider.
#[derive(Debug, Clone)]
struct VerificationKey {
    kid: Option<String>,
    /// The algorithm the JWK is restricted to, when it says.
    alg: Option<Algorithm>,
    kind: KeyKind,
    key: DecodingKey,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyKind {
    Rsa,
    P256,
    P384,
}

impl VerificationKey {
    /// Whether this key can check a signature made with `alg`.
    fn fits(&self, alg: Algorithm) -> bool {
        let by_kind = match self.kind {
            KeyKind::Rsa => matches!(
                alg,
                Algorithm::RS256
                    | Algorithm::RS384
                    | Algorithm::RS512
                    | Algorithm::PS256
                    | Algorithm::PS384
                    | Algorithm::PS512
            ),
            KeyKind::P256 => alg == Algorithm::ES256,
            KeyKind::P384 => alg == Algorithm::ES384,
        };
        by_kind && self.alg.is_none_or(|a| a == alg)
    }
}

/// What is known of one issuer.
#[derive(Debug, Default)]
struct IssuerKeys {
    keys: Vec<VerificationKey>,
    fetched: Option<OffsetDateTime>,
    refetched: Option<OffsetDateTime>,
    failed: Option<(OffsetDateTime, FetchError)>,
}

/// The key sets of the issuers seen, by issuer URL.
#[derive(Debug, Default)]
pub(crate) struct KeyCache {
    issuers: Mutex<HashMap<String, Arc<tokio::sync::Mutex<IssuerKeys>>>>,
}

fn elapsed(since: OffsetDateTime, now: OffsetDateTime) -> Duration {
    now - since
}

impl KeyCache {
    /// Checks the token's signature with its issuer's key.
    pub(crate) async fn verify(
        &self,
        fetcher: Option<&dyn OidcFetcher>,
        issuer: &Issuer,
        token: &UnverifiedToken,
        now: OffsetDateTime,
    ) -> Result<(), TokenError> {
        let entry = {
            let mut issuers = self.issuers.lock().unwrap_or_else(PoisonError::into_inner);
            if issuers.len() >= MAX_ISSUERS && !issuers.contains_key(&issuer.base) {
                issuers.clear();
            }
            Arc::clone(issuers.entry(issuer.base.clone()).or_default())
        };
        // Held across the fetch: one fetch per issuer at a time, and whoever waited sees its
        // result.
        let mut state = entry.lock().await;
        let fresh = state.fetched.is_some_and(|at| elapsed(at, now) < KEYS_TTL);
        if !fresh {
            refresh(&mut state, fetcher, issuer, now).await?;
        } else if candidates(&state.keys, token).next().is_none()
            && state
                .refetched
                .is_none_or(|at| elapsed(at, now) >= REFETCH_INTERVAL)
        {
            // The provider may have rotated its keys since the set was fetched.
            state.refetched = Some(now);
            refresh(&mut state, fetcher, issuer, now).await?;
        }
        let mut found = false;
        for key in candidates(&state.keys, token) {
            found = true;
            if jsonwebtoken::crypto::verify(
                &token.signature,
                token.signed.as_bytes(),
                &key.key,
                token.alg,
            )
            .unwrap_or(false)
            {
                return Ok(());
            }
        }
        Err(if found {
            TokenError::Signature
        } else {
            TokenError::UnknownKey
        })
    }
}

/// The keys that may have signed `token`: the one its `kid` names, or without a `kid` every key
/// that fits its algorithm.
fn candidates<'k>(
    keys: &'k [VerificationKey],
    token: &'k UnverifiedToken,
) -> impl Iterator<Item = &'k VerificationKey> {
    keys.iter().filter(move |k| {
        k.fits(token.alg)
            && match (&token.kid, &k.kid) {
                (Some(wanted), Some(kid)) => wanted == kid,
                (Some(_), None) => false,
                (None, _) => true,
            }
    })
}

async fn refresh(
    state: &mut IssuerKeys,
    fetcher: Option<&dyn OidcFetcher>,
    issuer: &Issuer,
    now: OffsetDateTime,
) -> Result<(), TokenError> {
    if let Some((at, error)) = &state.failed
        && elapsed(*at, now) < FAILURE_BACKOFF
    {
        return Err(TokenError::Unreachable(error.to_string()));
    }
    let Some(fetcher) = fetcher else {
        return Err(TokenError::Unreachable(
            "this server was started without a way to reach identity providers".to_owned(),
        ));
    };
    match fetch_keys(fetcher, issuer).await {
        Ok(keys) => {
            state.keys = keys;
            state.fetched = Some(now);
            state.failed = None;
            Ok(())
        }
        Err(error) => {
            tracing::warn!(issuer = %issuer.base, %error, "cannot fetch an identity provider's keys");
            let message = error.to_string();
            state.failed = Some((now, error));
            Err(TokenError::Unreachable(message))
        }
    }
}

/// The discovery document, then the key set it names.
async fn fetch_keys(
    fetcher: &dyn OidcFetcher,
    issuer: &Issuer,
) -> Result<Vec<VerificationKey>, FetchError> {
    let discovery_url = issuer.discovery_url();
    let document = fetch_json(fetcher, &discovery_url).await?;
    let invalid = |reason: &str| FetchError::Unreachable {
        url: discovery_url.clone(),
        reason: reason.to_owned(),
    };
    // OpenID Connect Discovery: the document's issuer must be the issuer it was fetched for.
    if let Some(named) = document.get("issuer").and_then(Value::as_str)
        && named.trim_end_matches('/') != issuer.base
    {
        return Err(invalid(&format!(
            "the discovery document is for issuer `{named}`"
        )));
    }
    let jwks_uri = document
        .get("jwks_uri")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("the discovery document has no `jwks_uri`"))?
        .to_owned();
    let jwks = fetch_json(fetcher, &jwks_uri).await?;
    let keys =
        jwks.get("keys")
            .and_then(Value::as_array)
            .ok_or_else(|| FetchError::Unreachable {
                url: jwks_uri.clone(),
                reason: "the key set has no `keys` array".to_owned(),
            })?;
    Ok(keys
        .iter()
        .take(MAX_KEYS)
        .filter_map(verification_key)
        .collect())
}

async fn fetch_json(fetcher: &dyn OidcFetcher, url: &str) -> Result<Value, FetchError> {
    check_fetch_url(url).map_err(|e| FetchError::Refused {
        url: url.to_owned(),
        reason: e.to_string(),
    })?;
    let body = fetcher.get(url).await?;
    match serde_json::from_slice(&body) {
        Ok(value @ Value::Object(_)) => Ok(value),
        _ => Err(FetchError::Unreachable {
            url: url.to_owned(),
            reason: "the answer is not a JSON object".to_owned(),
        }),
    }
}

/// A signing key from a JWK, or `None` for keys that cannot verify signatures here (encryption
/// keys, symmetric keys, other curves, malformed ones).
fn verification_key(value: &Value) -> Option<VerificationKey> {
    let jwk: Jwk = serde_json::from_value(value.clone()).ok()?;
    if matches!(
        jwk.common.public_key_use,
        Some(PublicKeyUse::Encryption | PublicKeyUse::Other(_))
    ) {
        return None;
    }
    let kind = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => KeyKind::Rsa,
        AlgorithmParameters::EllipticCurve(ec) => match ec.curve {
            EllipticCurve::P256 => KeyKind::P256,
            EllipticCurve::P384 => KeyKind::P384,
            _ => return None,
        },
        _ => return None,
    };
    let alg = match jwk.common.key_algorithm {
        None => None,
        Some(KeyAlgorithm::UNKNOWN_ALGORITHM) => return None,
        Some(alg) => Some(Algorithm::try_from(alg).ok()?),
    };
    Some(VerificationKey {
        kid: jwk.common.key_id.clone(),
        alg,
        kind,
        key: DecodingKey::from_jwk(&jwk).ok()?,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use base64::Engine as _;
    use jsonwebtoken::jwk::JwkSet;
    use jsonwebtoken::{EncodingKey, Header};

    use super::*;
    use crate::web_token::FetchFuture;
    use crate::web_token::test_keys::{EC_P256, RSA_1, RSA_2};

    const ISSUER: &str = "https://idp.example/realms/x";
    const DISCOVERY: &str = "https://idp.example/realms/x/.well-known/openid-configuration";
    const JWKS: &str = "https://keys.idp.example/jwks";

    /// Answers from a table, counting the fetches.
    #[derive(Debug, Default)]
    struct FakeFetcher {
        answers: Mutex<HashMap<String, Result<Vec<u8>, FetchError>>>,
        fetches: AtomicUsize,
    }

    impl FakeFetcher {
        fn answer(&self, url: &str, answer: Result<String, FetchError>) {
            self.answers
                .lock()
                .unwrap()
                .insert(url.to_owned(), answer.map(String::into_bytes));
        }

        fn fetches(&self) -> usize {
            self.fetches.load(Ordering::SeqCst)
        }
    }

    impl OidcFetcher for FakeFetcher {
        fn get<'a>(&'a self, url: &'a str) -> FetchFuture<'a> {
            self.fetches.fetch_add(1, Ordering::SeqCst);
            let answer = self.answers.lock().unwrap().get(url).cloned();
            Box::pin(async move {
                answer.unwrap_or_else(|| {
                    Err(FetchError::Status {
                        url: url.to_owned(),
                        status: 404,
                    })
                })
            })
        }
    }

    fn der(b64: &str) -> Vec<u8> {
        base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap()
    }

    fn encoding_key(which: &str) -> (EncodingKey, Algorithm) {
        match which {
            "ec" => (EncodingKey::from_ec_der(&der(EC_P256)), Algorithm::ES256),
            "rsa2" => (EncodingKey::from_rsa_der(&der(RSA_2)), Algorithm::RS256),
            _ => (EncodingKey::from_rsa_der(&der(RSA_1)), Algorithm::RS256),
        }
    }

    /// A key set publishing `keys` as `(kid, which key)`.
    fn jwks(keys: &[(&str, &str)]) -> String {
        let set = JwkSet {
            keys: keys
                .iter()
                .map(|(kid, which)| {
                    let (key, alg) = encoding_key(which);
                    let mut jwk = Jwk::from_encoding_key(&key, alg).unwrap();
                    jwk.common.key_id = Some((*kid).to_owned());
                    jwk
                })
                .collect(),
        };
        serde_json::to_string(&set).unwrap()
    }

    fn provider(keys: &[(&str, &str)]) -> FakeFetcher {
        let fetcher = FakeFetcher::default();
        fetcher.answer(
            DISCOVERY,
            Ok(format!(r#"{{"issuer":"{ISSUER}","jwks_uri":"{JWKS}"}}"#)),
        );
        fetcher.answer(JWKS, Ok(jwks(keys)));
        fetcher
    }

    /// A token signed by `which` key, naming `kid`.
    fn signed(which: &str, kid: Option<&str>) -> UnverifiedToken {
        let (key, alg) = encoding_key(which);
        let mut header = Header::new(alg);
        header.kid = kid.map(str::to_owned);
        let claims = serde_json::json!({
            "iss": ISSUER, "sub": "alice", "aud": "app", "exp": 4_000_000_000_i64,
        });
        let jwt = jsonwebtoken::encode(&header, &claims, &key).unwrap();
        UnverifiedToken::parse(&jwt).unwrap()
    }

    fn issuer() -> Issuer {
        Issuer::from_claim(ISSUER).unwrap()
    }

    fn at(seconds: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_800_000_000 + seconds).unwrap()
    }

    #[tokio::test]
    async fn a_good_signature_verifies_and_the_keys_are_cached() {
        let fetcher = provider(&[("k1", "rsa1"), ("e1", "ec")]);
        let cache = KeyCache::default();
        let token = signed("rsa1", Some("k1"));
        assert_eq!(
            cache.verify(Some(&fetcher), &issuer(), &token, at(0)).await,
            Ok(())
        );
        assert_eq!(fetcher.fetches(), 2, "discovery document, then key set");
        let ec = signed("ec", Some("e1"));
        assert_eq!(
            cache.verify(Some(&fetcher), &issuer(), &ec, at(1)).await,
            Ok(())
        );
        assert_eq!(fetcher.fetches(), 2, "served from the cache");
        // After the TTL the set is fetched again.
        let later = at(KEYS_TTL.whole_seconds() + 1);
        assert_eq!(
            cache.verify(Some(&fetcher), &issuer(), &token, later).await,
            Ok(())
        );
        assert_eq!(fetcher.fetches(), 4);
    }

    #[tokio::test]
    async fn a_token_without_kid_tries_the_keys_that_fit_its_algorithm() {
        let fetcher = provider(&[("e1", "ec"), ("k1", "rsa1")]);
        let cache = KeyCache::default();
        let token = signed("rsa1", None);
        assert_eq!(
            cache.verify(Some(&fetcher), &issuer(), &token, at(0)).await,
            Ok(())
        );
    }

    #[tokio::test]
    async fn a_wrong_key_or_a_changed_payload_fails_the_signature() {
        let fetcher = provider(&[("k1", "rsa1")]);
        let cache = KeyCache::default();
        // Signed by a key the provider does not publish, under the published key's id.
        let forged = signed("rsa2", Some("k1"));
        assert_eq!(
            cache
                .verify(Some(&fetcher), &issuer(), &forged, at(0))
                .await,
            Err(TokenError::Signature)
        );
        let mut tampered = signed("rsa1", Some("k1"));
        let other_claims = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!(
            r#"{{"iss":"{ISSUER}","sub":"mallory","aud":"app","exp":4000000000}}"#
        ));
        let header = tampered.signed.split('.').next().unwrap().to_owned();
        tampered.signed = format!("{header}.{other_claims}");
        assert_eq!(
            cache
                .verify(Some(&fetcher), &issuer(), &tampered, at(0))
                .await,
            Err(TokenError::Signature)
        );
        // An ES256 token naming an RSA key: that key cannot have signed it.
        let mismatched = signed("ec", Some("k1"));
        assert_eq!(
            cache
                .verify(Some(&fetcher), &issuer(), &mismatched, at(0))
                .await,
            Err(TokenError::UnknownKey)
        );
    }

    #[tokio::test]
    async fn a_new_kid_refetches_the_keys_once_per_interval() {
        let fetcher = provider(&[("k1", "rsa1")]);
        let cache = KeyCache::default();
        let old = signed("rsa1", Some("k1"));
        assert_eq!(
            cache.verify(Some(&fetcher), &issuer(), &old, at(0)).await,
            Ok(())
        );
        // The provider rotates to a new key.
        fetcher.answer(JWKS, Ok(jwks(&[("k2", "rsa2")])));
        let rotated = signed("rsa2", Some("k2"));
        assert_eq!(
            cache
                .verify(Some(&fetcher), &issuer(), &rotated, at(5))
                .await,
            Ok(())
        );
        assert_eq!(fetcher.fetches(), 4);
        // Tokens naming keys nobody publishes cost one refetch per interval, no more.
        let bogus = signed("rsa1", Some("nobody"));
        for second in 6..20 {
            assert_eq!(
                cache
                    .verify(Some(&fetcher), &issuer(), &bogus, at(second))
                    .await,
                Err(TokenError::UnknownKey)
            );
        }
        assert_eq!(
            fetcher.fetches(),
            4,
            "the rotation used this interval's refetch"
        );
        let next = at(5 + REFETCH_INTERVAL.whole_seconds());
        assert_eq!(
            cache.verify(Some(&fetcher), &issuer(), &bogus, next).await,
            Err(TokenError::UnknownKey)
        );
        assert_eq!(fetcher.fetches(), 6);
    }

    #[tokio::test]
    async fn an_unreachable_provider_is_left_alone_for_a_while() {
        let fetcher = FakeFetcher::default();
        fetcher.answer(
            DISCOVERY,
            Err(FetchError::Unreachable {
                url: DISCOVERY.to_owned(),
                reason: "connection refused".to_owned(),
            }),
        );
        let cache = KeyCache::default();
        let token = signed("rsa1", Some("k1"));
        for second in 0..3 {
            let result = cache
                .verify(Some(&fetcher), &issuer(), &token, at(second))
                .await;
            assert!(
                matches!(&result, Err(TokenError::Unreachable(m)) if m.contains("connection refused")),
                "{result:?}"
            );
        }
        assert_eq!(fetcher.fetches(), 1);
        // Back up after the backoff.
        let fixed = provider(&[("k1", "rsa1")]);
        let later = at(FAILURE_BACKOFF.whole_seconds() + 1);
        assert_eq!(
            cache.verify(Some(&fixed), &issuer(), &token, later).await,
            Ok(())
        );
        assert_eq!(
            cache.verify(None, &issuer(), &token, at(0)).await,
            Ok(()),
            "cached keys need no fetcher"
        );
        assert!(matches!(
            KeyCache::default()
                .verify(None, &issuer(), &token, at(0))
                .await,
            Err(TokenError::Unreachable(_))
        ));
    }

    #[tokio::test]
    async fn the_discovery_document_must_be_the_issuers_and_point_somewhere_fetchable() {
        let token = signed("rsa1", Some("k1"));
        for document in [
            r#"{"issuer":"https://other.example","jwks_uri":"https://keys.idp.example/jwks"}"#,
            r#"{"issuer":"https://idp.example/realms/x"}"#,
            r#"{"issuer":"https://idp.example/realms/x","jwks_uri":"http://10.0.0.1/jwks"}"#,
            r#"["not an object"]"#,
        ] {
            let fetcher = provider(&[("k1", "rsa1")]);
            fetcher.answer(DISCOVERY, Ok(document.to_owned()));
            let result = KeyCache::default()
                .verify(Some(&fetcher), &issuer(), &token, at(0))
                .await;
            assert!(
                matches!(result, Err(TokenError::Unreachable(_))),
                "{document}: {result:?}"
            );
        }
    }

    #[test]
    fn only_signature_keys_are_kept() {
        let rsa =
            serde_json::from_str::<Value>(&jwks(&[("k1", "rsa1")])).unwrap()["keys"][0].clone();
        assert!(verification_key(&rsa).is_some());
        let mut encryption = rsa.clone();
        encryption["use"] = "enc".into();
        assert!(verification_key(&encryption).is_none());
        let secret = serde_json::json!({"kty": "oct", "k": "c2VjcmV0", "kid": "h"});
        assert!(verification_key(&secret).is_none());
        let mut wrong_alg = rsa;
        wrong_alg["alg"] = "ES256".into();
        let key = verification_key(&wrong_alg).unwrap();
        assert!(!key.fits(Algorithm::RS256), "the JWK's alg restricts it");
    }
}
