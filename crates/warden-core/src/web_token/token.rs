//! A JWT taken apart before its signature is checked: the header (which key, which algorithm)
//! and the claims (which issuer, to find the provider and its keys). Nothing here is trusted
//! until [`KeyCache::verify`](super::KeyCache::verify) has checked the signature.

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use jsonwebtoken::Algorithm;
use serde_json::{Map, Value};
use time::OffsetDateTime;

use super::TokenError;

/// base64url as JWTs use it (RFC 7515 drops the padding; a padded one is read the same).
const B64URL: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// How far a provider's clock may run ahead of Warden's for `nbf` and `iat` (not for `exp`:
/// AWS refuses a token the second it expires).
const CLOCK_SKEW_SECONDS: i64 = 300;

/// The claim that sets the session's source identity (AWS's name).
const SOURCE_IDENTITY_CLAIM: &str = "https://aws.amazon.com/source_identity";
/// The claim that carries session tags (AWS's name).
const TAGS_CLAIM: &str = "https://aws.amazon.com/tags";

/// A token whose signature has not been checked yet.
#[derive(Debug, Clone)]
pub(crate) struct UnverifiedToken {
    pub alg: Algorithm,
    pub kid: Option<String>,
    pub claims: Claims,
    /// `header.payload`: what the signature covers.
    pub(super) signed: String,
    /// The third part, base64url.
    pub(super) signature: String,
}

/// The claims Warden reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Claims {
    pub iss: String,
    pub sub: String,
    pub aud: Vec<String>,
    pub azp: Option<String>,
    pub amr: Vec<String>,
    pub exp: i64,
    pub nbf: Option<i64>,
    pub iat: Option<i64>,
    pub source_identity: Option<String>,
    /// `principal_tags` of AWS's tags claim.
    pub tags: Vec<(String, String)>,
    pub transitive_tag_keys: Vec<String>,
}

fn malformed(what: impl Into<String>) -> TokenError {
    TokenError::Malformed(what.into())
}

impl UnverifiedToken {
    /// Splits and reads a compact JWS. Refuses `alg: none`, HMAC (a shared secret cannot come
    /// from a public key set) and critical header extensions this reader does not know.
    pub(crate) fn parse(token: &str) -> Result<UnverifiedToken, TokenError> {
        let token = token.trim();
        let mut parts = token.split('.');
        let (Some(header_part), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(malformed("the token is not a JWT (three base64url parts)"));
        };
        let header = json_object(header_part, "header")?;
        let alg = match header.get("alg").and_then(Value::as_str) {
            Some(name) => algorithm(name)?,
            None => return Err(malformed("the token's header has no `alg`")),
        };
        if header.contains_key("crit") {
            return Err(malformed(
                "the token's header has critical extensions (`crit`) Warden does not understand",
            ));
        }
        let kid = match header.get("kid") {
            None | Some(Value::Null) => None,
            Some(Value::String(kid)) => Some(kid.clone()),
            Some(_) => return Err(malformed("the token's `kid` is not a string")),
        };
        if signature.is_empty() {
            return Err(malformed("the token has no signature"));
        }
        let claims = Claims::read(&json_object(payload, "payload")?)?;
        Ok(UnverifiedToken {
            alg,
            kid,
            claims,
            signed: format!("{header_part}.{payload}"),
            signature: signature.to_owned(),
        })
    }
}

/// The algorithms a provider may sign with: RSA (PKCS#1 v1.5 and PSS) and ECDSA on P-256/P-384.
fn algorithm(name: &str) -> Result<Algorithm, TokenError> {
    match name {
        "RS256" => Ok(Algorithm::RS256),
        "RS384" => Ok(Algorithm::RS384),
        "RS512" => Ok(Algorithm::RS512),
        "PS256" => Ok(Algorithm::PS256),
        "PS384" => Ok(Algorithm::PS384),
        "PS512" => Ok(Algorithm::PS512),
        "ES256" => Ok(Algorithm::ES256),
        "ES384" => Ok(Algorithm::ES384),
        "none" => Err(TokenError::Algorithm(
            "the token is not signed (`alg` is `none`)".to_owned(),
        )),
        hmac if hmac.starts_with("HS") => Err(TokenError::Algorithm(format!(
            "the token is signed with a shared secret (`{hmac}`); identity provider tokens must be \
             signed with a key from the provider's JWKS"
        ))),
        other => Err(TokenError::Algorithm(format!(
            "the token's algorithm `{other}` is not supported"
        ))),
    }
}

fn json_object(part: &str, what: &str) -> Result<Map<String, Value>, TokenError> {
    let bytes = B64URL
        .decode(part)
        .map_err(|_| malformed(format!("the token's {what} is not base64url")))?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(malformed(format!(
            "the token's {what} is not a JSON object"
        ))),
    }
}

/// A string, or an array of strings (`aud`, `amr`).
fn strings(value: &Value, claim: &str) -> Result<Vec<String>, TokenError> {
    match value {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|item| {
                item.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| malformed(format!("the token's `{claim}` is not strings")))
            })
            .collect(),
        _ => Err(malformed(format!("the token's `{claim}` is not a string"))),
    }
}

/// A NumericDate: seconds since the epoch, possibly with a fraction (dropped).
fn numeric_date(value: &Value, claim: &str) -> Result<i64, TokenError> {
    let seconds = value
        .as_i64()
        .or_else(|| {
            value
                .as_f64()
                .filter(|f| f.is_finite() && f.abs() < 1e15)
                .map(|f| f.floor() as i64)
        })
        .ok_or_else(|| malformed(format!("the token's `{claim}` is not a number")))?;
    Ok(seconds)
}

fn optional_string(map: &Map<String, Value>, claim: &str) -> Result<Option<String>, TokenError> {
    match map.get(claim) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(malformed(format!("the token's `{claim}` is not a string"))),
    }
}

impl Claims {
    fn read(map: &Map<String, Value>) -> Result<Claims, TokenError> {
        let iss =
            optional_string(map, "iss")?.ok_or_else(|| malformed("the token has no `iss`"))?;
        let sub =
            optional_string(map, "sub")?.ok_or_else(|| malformed("the token has no `sub`"))?;
        let aud = match map.get("aud") {
            Some(value) => strings(value, "aud")?,
            None => Vec::new(),
        };
        if aud.is_empty() {
            return Err(malformed("the token has no `aud`"));
        }
        let amr = match map.get("amr") {
            None | Some(Value::Null) => Vec::new(),
            Some(value) => strings(value, "amr")?,
        };
        let exp = match map.get("exp") {
            Some(value) => numeric_date(value, "exp")?,
            None => return Err(malformed("the token has no `exp`")),
        };
        let date = |claim: &str| {
            map.get(claim)
                .filter(|v| !v.is_null())
                .map(|v| numeric_date(v, claim))
                .transpose()
        };
        let (tags, transitive_tag_keys) = match map.get(TAGS_CLAIM) {
            None | Some(Value::Null) => (Vec::new(), Vec::new()),
            Some(value) => session_tags(value)?,
        };
        Ok(Claims {
            iss,
            sub,
            aud,
            azp: optional_string(map, "azp")?,
            amr,
            exp,
            nbf: date("nbf")?,
            iat: date("iat")?,
            source_identity: optional_string(map, SOURCE_IDENTITY_CLAIM)?,
            tags,
            transitive_tag_keys,
        })
    }

    /// `exp`, `nbf` and `iat` against the time of the request.
    pub(crate) fn check_times(&self, now: OffsetDateTime) -> Result<(), TokenError> {
        let now = now.unix_timestamp();
        if now >= self.exp {
            return Err(TokenError::Expired { now, exp: self.exp });
        }
        if self.nbf.is_some_and(|nbf| nbf > now + CLOCK_SKEW_SECONDS) {
            return Err(TokenError::NotYetValid);
        }
        if self.iat.is_some_and(|iat| iat > now + CLOCK_SKEW_SECONDS) {
            return Err(TokenError::IssuedInFuture);
        }
        Ok(())
    }

    /// The audience the session is for, given the provider's client ids. AWS: the `aud` key is
    /// the `azp` claim when the token has one (the party the token was issued to) and the
    /// `aud` claim otherwise; the token is accepted when its `azp` or one of its audiences is
    /// a registered client id.
    pub(crate) fn audience(&self, client_ids: &[String]) -> Result<String, TokenError> {
        let registered = |id: &String| client_ids.contains(id);
        if let Some(azp) = &self.azp
            && (registered(azp) || self.aud.iter().any(registered))
        {
            return Ok(azp.clone());
        }
        if self.azp.is_none()
            && let Some(aud) = self.aud.iter().find(|a| registered(a))
        {
            return Ok(aud.clone());
        }
        Err(TokenError::Audience)
    }
}

/// Session tags `(key, value)` and the transitive keys among them.
type SessionTags = (Vec<(String, String)>, Vec<String>);

/// AWS's tags claim: `{"principal_tags": {"KEY": ["VALUE"]}, "transitive_tag_keys": ["KEY"]}`.
fn session_tags(value: &Value) -> Result<SessionTags, TokenError> {
    let bad = || {
        malformed(format!(
            "the token's `{TAGS_CLAIM}` claim is not AWS's tag format"
        ))
    };
    let object = value.as_object().ok_or_else(bad)?;
    let mut tags = Vec::new();
    if let Some(principal_tags) = object.get("principal_tags") {
        for (key, values) in principal_tags.as_object().ok_or_else(bad)? {
            // AWS: each tag's value is an array of one string.
            let value = match values {
                Value::Array(items) if items.len() == 1 => items[0].as_str().ok_or_else(bad)?,
                Value::String(s) => s.as_str(),
                _ => return Err(bad()),
            };
            tags.push((key.clone(), value.to_owned()));
        }
    }
    let transitive = match object.get("transitive_tag_keys") {
        None | Some(Value::Null) => Vec::new(),
        Some(value) => strings(value, "transitive_tag_keys")?,
    };
    Ok((tags, transitive))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(json: &str) -> String {
        B64URL.encode(json)
    }

    fn token(header: &str, payload: &str) -> String {
        format!("{}.{}.c2ln", encode(header), encode(payload))
    }

    const CLAIMS: &str = r#"{"iss":"https://idp.example","sub":"alice","aud":"app","exp":2000000000,"iat":1000,"amr":["pwd","mfa"]}"#;

    #[test]
    fn reads_header_and_claims() {
        let t = UnverifiedToken::parse(&token(r#"{"alg":"RS256","kid":"k1"}"#, CLAIMS)).unwrap();
        assert_eq!(t.alg, Algorithm::RS256);
        assert_eq!(t.kid.as_deref(), Some("k1"));
        assert_eq!(t.claims.iss, "https://idp.example");
        assert_eq!(t.claims.aud, ["app"]);
        assert_eq!(t.claims.amr, ["pwd", "mfa"]);
        assert_eq!(t.claims.exp, 2_000_000_000);
        assert_eq!(t.signature, "c2ln");
        assert!(t.signed.ends_with(&encode(CLAIMS)));
    }

    #[test]
    fn refuses_unsigned_hmac_and_odd_tokens() {
        for (header, what) in [
            (r#"{"alg":"none"}"#, "not signed"),
            (r#"{"alg":"HS256"}"#, "shared secret"),
            (r#"{"alg":"EdDSA"}"#, "not supported"),
            (r#"{"alg":"RS256","crit":["b64"]}"#, "critical"),
            (r#"{"kid":"x"}"#, "no `alg`"),
        ] {
            let error = UnverifiedToken::parse(&token(header, CLAIMS)).unwrap_err();
            assert!(error.to_string().contains(what), "{header}: {error}");
        }
        assert!(UnverifiedToken::parse("a.b").is_err());
        assert!(UnverifiedToken::parse("a.b.c.d").is_err());
        let unsigned = format!("{}.{}.", encode(r#"{"alg":"RS256"}"#), encode(CLAIMS));
        assert!(UnverifiedToken::parse(&unsigned).is_err());
        for payload in [
            r#"{"sub":"a","aud":"x","exp":1}"#,
            r#"{"iss":"i","aud":"x","exp":1}"#,
            r#"{"iss":"i","sub":"a","exp":1}"#,
            r#"{"iss":"i","sub":"a","aud":[],"exp":1}"#,
            r#"{"iss":"i","sub":"a","aud":"x"}"#,
            r#"{"iss":"i","sub":"a","aud":"x","exp":"soon"}"#,
            r#"[1]"#,
        ] {
            assert!(
                UnverifiedToken::parse(&token(r#"{"alg":"ES256"}"#, payload)).is_err(),
                "{payload}"
            );
        }
    }

    fn claims(json: &str) -> Claims {
        UnverifiedToken::parse(&token(r#"{"alg":"ES256"}"#, json))
            .unwrap()
            .claims
    }

    #[test]
    fn times_are_checked_against_the_request() {
        let c = claims(r#"{"iss":"i","sub":"a","aud":"x","exp":1000,"nbf":500,"iat":500.7}"#);
        let at = |t: i64| OffsetDateTime::from_unix_timestamp(t).unwrap();
        assert_eq!(c.check_times(at(999)), Ok(()));
        assert_eq!(
            c.check_times(at(1000)),
            Err(TokenError::Expired {
                now: 1000,
                exp: 1000
            })
        );
        // `nbf` 500 with five minutes of skew: valid from 200.
        assert_eq!(c.check_times(at(200)), Ok(()));
        assert_eq!(c.check_times(at(199)), Err(TokenError::NotYetValid));
        let future = claims(r#"{"iss":"i","sub":"a","aud":"x","exp":9000,"iat":5000}"#);
        assert_eq!(
            future.check_times(at(4000)),
            Err(TokenError::IssuedInFuture)
        );
    }

    #[test]
    fn the_audience_is_azp_when_present() {
        let ids = vec!["app".to_owned(), "server".to_owned()];
        let plain = claims(r#"{"iss":"i","sub":"a","aud":["other","app"],"exp":1}"#);
        assert_eq!(plain.audience(&ids), Ok("app".to_owned()));
        let azp = claims(r#"{"iss":"i","sub":"a","aud":"server","azp":"android","exp":1}"#);
        assert_eq!(azp.audience(&ids), Ok("android".to_owned()));
        let stranger = claims(r#"{"iss":"i","sub":"a","aud":"nobody","exp":1}"#);
        assert_eq!(stranger.audience(&ids), Err(TokenError::Audience));
        let stranger_azp = claims(r#"{"iss":"i","sub":"a","aud":"nobody","azp":"x","exp":1}"#);
        assert_eq!(stranger_azp.audience(&ids), Err(TokenError::Audience));
    }

    #[test]
    fn reads_aws_session_claims() {
        let c = claims(
            r#"{"iss":"i","sub":"a","aud":"x","exp":1,
                "https://aws.amazon.com/source_identity":"alice@example.com",
                "https://aws.amazon.com/tags":{"principal_tags":{"team":["blue"],"cc":["42"]},
                                               "transitive_tag_keys":["team"]}}"#,
        );
        assert_eq!(c.source_identity.as_deref(), Some("alice@example.com"));
        let mut tags = c.tags.clone();
        tags.sort();
        assert_eq!(
            tags,
            [
                ("cc".to_owned(), "42".to_owned()),
                ("team".to_owned(), "blue".to_owned())
            ]
        );
        assert_eq!(c.transitive_tag_keys, ["team"]);
        assert!(
            UnverifiedToken::parse(&token(
                r#"{"alg":"ES256"}"#,
                r#"{"iss":"i","sub":"a","aud":"x","exp":1,"https://aws.amazon.com/tags":{"principal_tags":{"t":["a","b"]}}}"#
            ))
            .is_err()
        );
    }
}
