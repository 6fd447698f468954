//! Temporary credentials: what a session token carries, and how it is sealed.
//!
//! A session token is the session itself, sealed with the master key (AES-256-GCM) and bound to
//! its access key id: nothing about a session is stored, so a token issued by one node works on
//! every node that shares the master key, and it cannot be altered or moved to another key id.
//! Like AWS's tokens it carries the session policies and tags (hence AWS's packed-size limit).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use warden_store::Tag;

use crate::{CoreError, MasterKey};

/// The token format's version, first in every token.
const VERSION: u8 = 1;

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
        let sealed = key.seal(&json, &token_owner(&self.access_key_id))?;
        let mut bytes = Vec::with_capacity(sealed.len() + 1);
        bytes.push(VERSION);
        bytes.extend_from_slice(&sealed);
        Ok(STANDARD.encode(bytes))
    }

    /// Opens the token presented with `access_key_id`; `None` if it was not issued for that key
    /// by a holder of this master key (or is not a token at all).
    pub fn open(token: &str, access_key_id: &str, key: &MasterKey) -> Option<SessionClaims> {
        let bytes = STANDARD.decode(token.trim()).ok()?;
        let (&version, sealed) = bytes.split_first()?;
        if version != VERSION {
            return None;
        }
        let json = key.open(sealed, &token_owner(access_key_id)).ok()?;
        let claims: SessionClaims = serde_json::from_slice(&json).ok()?;
        (claims.access_key_id == access_key_id && claims.version == VERSION).then_some(claims)
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
    fn claims_sealed_before_federation_still_open() {
        let mut json = serde_json::to_value(claims()).unwrap();
        json.as_object_mut().unwrap().remove("federated_provider");
        let old: SessionClaims = serde_json::from_value(json).unwrap();
        assert_eq!(old, claims());
    }
}
