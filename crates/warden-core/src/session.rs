//! Temporary credentials: what a session token carries, and how it is sealed.
//!
//! A session token is the session itself, sealed (AES-256-GCM) and bound to its access key id:
//! nothing about a session is stored, so a token issued by one node works on every node that
//! shares the master key, and it cannot be altered or moved to another key id. Like AWS's tokens
//! it carries the session policies and tags (hence AWS's packed-size limit).
//!
//! The sealing key rotates daily: a token names the day it was issued (its epoch), and is sealed
//! under a key derived from the master key for that day. Every node derives the same keys, no key
//! is stored, and a day's key opens only that day's tokens.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use warden_store::Tag;

use crate::{CoreError, MasterKey};

/// The token format's version, first in every token (2: sealed under the day's key).
const FORMAT: u8 = 2;
/// The version of the claims inside (`SessionClaims::version`).
const VERSION: u8 = 1;
/// Seconds per key epoch: the session-token key rotates daily.
const EPOCH_SECONDS: i64 = 86_400;

/// The epoch a token issued at `issued` is sealed in.
fn epoch_of(issued: OffsetDateTime) -> u32 {
    u32::try_from(issued.unix_timestamp().div_euclid(EPOCH_SECONDS)).unwrap_or(0)
}

/// The sealing key of one epoch.
fn epoch_key(master: &MasterKey, epoch: u32) -> Result<MasterKey, CoreError> {
    master.derive(&format!("warden/session-token/epoch/{epoch}"))
}

/// Who a session is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SessionKind {
    /// `AssumeRole`: a role session.
    AssumedRole {
        role_id: String,
        role_name: String,
        session_name: String,
    },
    /// `GetSessionToken`: the user's (or root's, `None`) own permissions, temporarily.
    UserSession { user_id: Option<String> },
    /// `GetFederationToken`: a federated user, with the permissions of the user (or root) who
    /// asked, narrowed by the session policies.
    Federated {
        user_id: Option<String>,
        name: String,
    },
}

/// Everything a session token holds.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionClaims {
    pub version: u8,
    pub kind: SessionKind,
    pub account_id: String,
    pub access_key_id: String,
    /// The session's secret access key: only ever inside the sealed token and the answer that
    /// issued it.
    pub secret: String,
    #[serde(with = "time::serde::timestamp")]
    pub issued: OffsetDateTime,
    #[serde(with = "time::serde::timestamp")]
    pub expires: OffsetDateTime,
    /// The inline session policy.
    pub policy: Option<String>,
    /// Managed session policies, by ARN.
    pub policy_arns: Vec<String>,
    pub tags: Vec<Tag>,
    pub transitive_tag_keys: Vec<String>,
    pub source_identity: Option<String>,
    /// Created with temporary credentials (role chaining): at most an hour.
    pub chained: bool,
    /// The identity provider a federated role session came from (`aws:FederatedProvider`): the
    /// provider's ARN. Absent from tokens sealed before web identity federation existed.
    #[serde(default)]
    pub federated_provider: Option<String>,
    /// When the session's creator proved an MFA code (`aws:MultiFactorAuthPresent` and
    /// `aws:MultiFactorAuthAge`); `None` for a session created without one.
    #[serde(default, with = "time::serde::timestamp::option")]
    pub mfa_authenticated: Option<OffsetDateTime>,
}

impl std::fmt::Debug for SessionClaims {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionClaims")
            .field("kind", &self.kind)
            .field("account_id", &self.account_id)
            .field("access_key_id", &self.access_key_id)
            .field("secret", &"<redacted>")
            .field("expires", &self.expires)
            .finish_non_exhaustive()
    }
}

impl SessionClaims {
    /// Seals the claims into a session token.
    pub fn seal(&self, key: &MasterKey) -> Result<String, CoreError> {
        let json = serde_json::to_vec(self).map_err(|e| CoreError::Config(e.to_string()))?;
        let epoch = epoch_of(self.issued);
        let sealed = epoch_key(key, epoch)?.seal(&json, &token_owner(&self.access_key_id))?;
        let mut bytes = Vec::with_capacity(sealed.len() + 5);
        bytes.push(FORMAT);
        bytes.extend_from_slice(&epoch.to_be_bytes());
        bytes.extend_from_slice(&sealed);
        Ok(STANDARD.encode(bytes))
    }

    /// Opens the token presented with `access_key_id`; `None` if it was not issued for that key
    /// by a holder of this master key (or is not a token at all).
    pub fn open(token: &str, access_key_id: &str, key: &MasterKey) -> Option<SessionClaims> {
        let bytes = STANDARD.decode(token.trim()).ok()?;
        let (&format, rest) = bytes.split_first()?;
        if format != FORMAT || rest.len() < 4 {
            return None;
        }
        let (epoch, sealed) = rest.split_at(4);
        let epoch = u32::from_be_bytes(epoch.try_into().ok()?);
        let json = epoch_key(key, epoch)
            .ok()?
            .open(sealed, &token_owner(access_key_id))
            .ok()?;
        let claims: SessionClaims = serde_json::from_slice(&json).ok()?;
        (claims.access_key_id == access_key_id
            && claims.version == VERSION
            && epoch_of(claims.issued) == epoch)
            .then_some(claims)
    }
}

/// The associated data a token is sealed under: not the bare key id, so a token can never be
/// confused with a sealed secret of the same id.
fn token_owner(access_key_id: &str) -> String {
    format!("session-token/{access_key_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims() -> SessionClaims {
        SessionClaims {
            version: VERSION,
            kind: SessionKind::AssumedRole {
                role_id: "AROAEXAMPLE".into(),
                role_name: "r".into(),
                session_name: "s".into(),
            },
            account_id: "123456789012".into(),
            access_key_id: "ASIAEXAMPLE0000000001".into(),
            secret: "secret".into(),
            issued: OffsetDateTime::UNIX_EPOCH,
            expires: OffsetDateTime::UNIX_EPOCH,
            policy: None,
            policy_arns: Vec::new(),
            tags: Vec::new(),
            transitive_tag_keys: Vec::new(),
            source_identity: None,
            chained: false,
            federated_provider: None,
            mfa_authenticated: None,
        }
    }

    #[test]
    fn a_token_opens_only_for_its_key_id_and_master_key() {
        let key = MasterKey::from_bytes(&[7u8; 32]).unwrap();
        let token = claims().seal(&key).unwrap();
        assert_eq!(
            SessionClaims::open(&token, "ASIAEXAMPLE0000000001", &key),
            Some(claims())
        );
        assert_eq!(
            SessionClaims::open(&token, "ASIAEXAMPLE0000000002", &key),
            None
        );
        let other = MasterKey::from_bytes(&[8u8; 32]).unwrap();
        assert_eq!(
            SessionClaims::open(&token, "ASIAEXAMPLE0000000001", &other),
            None
        );
        assert_eq!(
            SessionClaims::open("not a token", "ASIAEXAMPLE0000000001", &key),
            None
        );
        // A flipped bit anywhere is refused.
        let mut bytes = STANDARD.decode(&token).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        assert_eq!(
            SessionClaims::open(&STANDARD.encode(bytes), "ASIAEXAMPLE0000000001", &key),
            None
        );
        assert!(!format!("{:?}", claims()).contains("secret\""));
    }

    #[test]
    fn each_day_has_its_own_sealing_key() {
        let master = MasterKey::from_bytes(&[7u8; 32]).unwrap();
        let today = claims();
        let mut tomorrow = claims();
        tomorrow.issued = today.issued + time::Duration::days(1);
        let token = tomorrow.seal(&master).unwrap();
        assert_eq!(
            SessionClaims::open(&token, "ASIAEXAMPLE0000000001", &master),
            Some(tomorrow.clone())
        );
        // Re-labelled with another day, the token no longer opens: the day's key is bound in.
        let mut bytes = STANDARD.decode(&token).unwrap();
        bytes[1..5].copy_from_slice(&epoch_of(today.issued).to_be_bytes());
        assert_eq!(
            SessionClaims::open(&STANDARD.encode(bytes), "ASIAEXAMPLE0000000001", &master),
            None
        );
        // The derived keys differ per day and from the master key itself.
        let day0 = epoch_key(&master, 0).unwrap();
        let sealed = day0.seal(b"x", "o").unwrap();
        assert!(epoch_key(&master, 1).unwrap().open(&sealed, "o").is_err());
        assert!(master.open(&sealed, "o").is_err());
        assert_eq!(day0.open(&sealed, "o").unwrap(), b"x");
    }

    #[test]
    fn claims_sealed_before_federation_still_open() {
        let mut json = serde_json::to_value(claims()).unwrap();
        json.as_object_mut().unwrap().remove("federated_provider");
        let old: SessionClaims = serde_json::from_value(json).unwrap();
        assert_eq!(old, claims());
    }
}
