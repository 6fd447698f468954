//! Encoded authorization failure messages and `sts:DecodeAuthorizationMessage`.
//!
//! AWS services that deny a request may hand back an opaque "encoded authorization failure
//! message": the decision's details, readable only through STS by a caller allowed
//! `sts:DecodeAuthorizationMessage`. Warden seals the same details with the master key (so any
//! node can decode them, and nobody can forge or read them without STS), URL-safe base64 like
//! AWS's. The decoded text is AWS's document: `{"allowed":…,"explicitDeny":…,
//! "matchedStatements":{"items":[…]},"failures":{"items":[]},"context":{…}}`.
//!
//! Producers are Warden's authorization answers for other services; IAM and STS themselves
//! never encode their denials, as in AWS.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use warden_policy::{Decision, Effect, Outcome};
use warden_protocol::ServiceError;
use warden_protocol::sts::{self, errors};

use crate::authz::{Target, authorize};
use crate::{Core, CoreError, MasterKey, RequestCx};

/// What the sealed message is bound to: it opens as nothing else.
const OWNER: &str = "authorization-message";
/// The model's limit on `EncodedMessage`.
const MAX_ENCODED: usize = 10_240;

/// One statement that applied to the decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageStatement {
    pub statement_id: String,
    pub effect: String,
    pub policy: String,
}

/// The details of one authorization decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizationMessage {
    pub allowed: bool,
    pub explicit_deny: bool,
    pub matched_statements: Vec<MessageStatement>,
    pub principal_id: String,
    pub principal_name: String,
    pub principal_arn: String,
    pub action: String,
    pub resource: String,
    /// Context keys and their values, as the decision saw them.
    pub conditions: Vec<(String, Vec<String>)>,
}

impl AuthorizationMessage {
    /// The message for a decision about `action` on `resource` by a principal.
    pub fn from_decision(
        decision: &Decision<'_>,
        principal: (&str, &str, &str),
        action: &str,
        resource: &str,
        conditions: Vec<(String, Vec<String>)>,
    ) -> AuthorizationMessage {
        let (principal_id, principal_name, principal_arn) = principal;
        AuthorizationMessage {
            allowed: decision.is_allowed(),
            explicit_deny: decision.outcome == Outcome::ExplicitDeny,
            matched_statements: decision
                .matched_statements
                .iter()
                .map(|m| MessageStatement {
                    statement_id: m.sid.unwrap_or_default().to_owned(),
                    effect: match m.effect {
                        Effect::Allow => "ALLOW",
                        Effect::Deny => "DENY",
                    }
                    .to_owned(),
                    policy: m.policy_name.unwrap_or_default().to_owned(),
                })
                .collect(),
            principal_id: principal_id.to_owned(),
            principal_name: principal_name.to_owned(),
            principal_arn: principal_arn.to_owned(),
            action: action.to_owned(),
            resource: resource.to_owned(),
            conditions,
        }
    }

    /// Seals the message. Context values are dropped from the end when the whole would exceed
    /// what `DecodeAuthorizationMessage` accepts, so every message Warden hands out decodes.
    pub fn encode(&self, key: &MasterKey) -> Result<String, CoreError> {
        let mut message = self.clone();
        loop {
            let json =
                serde_json::to_vec(&message).map_err(|e| CoreError::Config(e.to_string()))?;
            let encoded = URL_SAFE_NO_PAD.encode(key.seal(&json, OWNER)?);
            if encoded.len() <= MAX_ENCODED || message.conditions.is_empty() {
                return Ok(encoded);
            }
            message.conditions.pop();
        }
    }

    /// Opens a message Warden sealed; `None` for anything else.
    pub fn decode(encoded: &str, key: &MasterKey) -> Option<AuthorizationMessage> {
        let sealed = URL_SAFE_NO_PAD.decode(encoded.trim()).ok()?;
        let json = key.open(&sealed, OWNER).ok()?;
        serde_json::from_slice(&json).ok()
    }

    /// AWS's decoded document.
    pub fn to_aws_json(&self) -> String {
        let items = |values: &[String]| json!({"items": values.iter().map(|v| json!({"value": v})).collect::<Vec<Value>>()});
        let statements: Vec<Value> = self
            .matched_statements
            .iter()
            .map(|s| {
                json!({
                    "statementId": s.statement_id,
                    "effect": s.effect,
                    "policy": s.policy,
                })
            })
            .collect();
        let conditions: Vec<Value> = self
            .conditions
            .iter()
            .map(|(key, values)| json!({"key": key, "values": items(values)}))
            .collect();
        json!({
            "allowed": self.allowed,
            "explicitDeny": self.explicit_deny,
            "matchedStatements": {"items": statements},
            "failures": {"items": []},
            "context": {
                "principal": {
                    "id": self.principal_id,
                    "name": self.principal_name,
                    "arn": self.principal_arn,
                },
                "action": self.action,
                "resource": self.resource,
                "conditions": {"items": conditions},
            },
        })
        .to_string()
    }
}

impl Core {
    /// Seals a decision's details for the caller that was refused.
    pub fn encode_authorization_message(
        &self,
        message: &AuthorizationMessage,
    ) -> Result<String, CoreError> {
        message.encode(&self.master_key)
    }

    /// `DecodeAuthorizationMessage`: needs `sts:DecodeAuthorizationMessage`, like AWS.
    pub(crate) fn decode_authorization_message_op(
        &self,
        cx: &RequestCx,
        i: sts::DecodeAuthorizationMessageRequest,
    ) -> Result<sts::DecodeAuthorizationMessageResponse, ServiceError> {
        {
            let dir = self.read();
            authorize(
                cx,
                &dir,
                &Target::new("sts:DecodeAuthorizationMessage", "*".to_owned()),
            )?;
        }
        let message = AuthorizationMessage::decode(&i.encoded_message, &self.master_key)
            .ok_or_else(|| {
                ServiceError::new(
                    errors::INVALID_AUTHORIZATION_MESSAGE_EXCEPTION,
                    "The error message is not valid or was not issued by this service.",
                )
            })?;
        Ok(sts::DecodeAuthorizationMessageResponse {
            decoded_message: Some(message.to_aws_json()),
        })
    }
}
