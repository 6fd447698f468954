//! The end every way of assuming a role shares (`AssumeRole`, `AssumeRoleWithWebIdentity`, and
//! `AssumeRoleWithSAML` to come), once the request has been allowed: the session's duration
//! against the role's `MaxSessionDuration`, its claims sealed into credentials, and the role's
//! last use recorded.

use time::Duration;
use warden_protocol::ServiceError;
use warden_protocol::sts;
use warden_store::{Change, Object, RoleLastUse, RoleRecord, Tag};

use super::{
    CHAINED_MAX_DURATION, DEFAULT_DURATION, MIN_DURATION, issue, validation, whole_seconds,
};
use crate::session::{SessionClaims, SessionKind};
use crate::{Core, RequestInfo};

/// A role session to open, as the request described it.
#[derive(Debug)]
pub(super) struct RoleSession {
    /// The role as it was when the request was allowed.
    pub role: RoleRecord,
    pub session_name: String,
    pub duration_seconds: Option<i32>,
    /// Asked for with a role session's credentials (role chaining): at most an hour.
    pub chained: bool,
    pub policy: Option<String>,
    pub policy_arns: Vec<String>,
    pub tags: Vec<Tag>,
    pub transitive_tag_keys: Vec<String>,
    pub source_identity: Option<String>,
    /// The identity provider behind a federated session (`aws:FederatedProvider`).
    pub federated_provider: Option<String>,
    /// When the caller proved an MFA code with this request.
    pub mfa_authenticated: Option<time::OffsetDateTime>,
}

/// A role session's credentials and who it is.
#[derive(Debug)]
pub(super) struct OpenedSession {
    pub credentials: sts::Credentials,
    pub assumed_role_user: sts::AssumedRoleUser,
}

impl Core {
    /// Checks the duration, issues the credentials and records the role's use.
    pub(super) async fn open_role_session(
        &self,
        info: &RequestInfo,
        session: RoleSession,
    ) -> Result<OpenedSession, ServiceError> {
        let role = &session.role;
        let max = if session.chained {
            CHAINED_MAX_DURATION.min(role.max_session_duration)
        } else {
            role.max_session_duration
        };
        let duration = session
            .duration_seconds
            .unwrap_or(DEFAULT_DURATION.min(max));
        if duration < MIN_DURATION {
            return Err(validation(format!(
                "1 validation error detected: Value '{duration}' at 'durationSeconds' failed to \
                 satisfy constraint: Member must have value greater than or equal to 900"
            )));
        }
        if duration > max {
            return Err(validation(
                if session.chained && duration > CHAINED_MAX_DURATION {
                    "The requested DurationSeconds exceeds the 1 hour session limit for roles \
                     assumed by role chaining."
                } else {
                    "The requested DurationSeconds exceeds the MaxSessionDuration set for this \
                     role."
                },
            ));
        }
        let now = whole_seconds(info.now);
        let claims = SessionClaims {
            version: 1,
            kind: SessionKind::AssumedRole {
                role_id: role.role_id.clone(),
                role_name: role.name.clone(),
                session_name: session.session_name.clone(),
            },
            account_id: role.account_id.clone(),
            access_key_id: String::new(),
            secret: String::new(),
            issued: now,
            expires: now + Duration::seconds(i64::from(duration)),
            policy: session.policy,
            policy_arns: session.policy_arns,
            tags: session.tags,
            transitive_tag_keys: session.transitive_tag_keys,
            source_identity: session.source_identity,
            chained: session.chained,
            federated_provider: session.federated_provider,
            mfa_authenticated: session.mfa_authenticated,
        };
        let credentials = issue(self, claims)?;
        let partition = self.read().partition.clone();
        {
            // Re-read under the writer lock: a change to the role since must not be lost.
            let _writer = self.writer.lock().await;
            let current = self
                .read()
                .account(&role.account_id)
                .and_then(|a| a.roles.by_id(&role.role_id))
                .map(|r| r.record.clone());
            if let Some(mut used) = current {
                used.last_used = Some(RoleLastUse {
                    time: now,
                    region: info.region.clone(),
                });
                self.commit(vec![Change::PutObject(Object::Role(used))])
                    .await?;
            }
        }
        Ok(OpenedSession {
            credentials,
            assumed_role_user: sts::AssumedRoleUser {
                assumed_role_id: format!("{}:{}", role.role_id, session.session_name),
                arn: format!(
                    "arn:{partition}:sts::{}:assumed-role/{}/{}",
                    role.account_id, role.name, session.session_name
                ),
            },
        })
    }
}
