//! The audit trail: one CloudTrail record for every request — IAM, STS, Organizations,
//! authorization decisions, sign-ins — denials and failures included.
//!
//! Records are appended to the store's hash chain by one writer task that commits whatever has
//! queued up in one transaction (group commit): a request waits for the fsync of its batch, never
//! for a lock, and is answered only once its record is durable. If the record cannot be written
//! the request fails (`ServiceUnavailable`) rather than go unrecorded.

mod shape;

pub use shape::{HIDDEN, json_body, lower_camel, query_parameters, xml_result};
pub use warden_store::{AuditFilter, AuditRow};

use std::net::IpAddr;
use std::sync::Arc;

use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use tokio::sync::{mpsc, oneshot};
use warden_protocol::ServiceError;
use warden_store::{AuditRecord, Store};

use crate::directory::Directory;
use crate::{Caller, Core, SessionKind};

/// The version of CloudTrail's record format these records follow.
const EVENT_VERSION: &str = "1.08";
/// At most this many records go into one transaction.
const MAX_BATCH: usize = 512;

type Pending = (AuditRecord, oneshot::Sender<bool>);

/// The queue to the writer task.
#[derive(Debug, Clone)]
pub(crate) struct AuditLog {
    queue: mpsc::UnboundedSender<Pending>,
}

impl AuditLog {
    /// Starts the writer task; it ends when the last `AuditLog` is dropped.
    pub(crate) fn start(store: Arc<dyn Store>) -> AuditLog {
        let (queue, mut receiver) = mpsc::unbounded_channel::<Pending>();
        tokio::spawn(async move {
            while let Some(first) = receiver.recv().await {
                let mut batch = vec![first];
                while batch.len() < MAX_BATCH {
                    match receiver.try_recv() {
                        Ok(next) => batch.push(next),
                        Err(_) => break,
                    }
                }
                let (records, waiters): (Vec<AuditRecord>, Vec<oneshot::Sender<bool>>) =
                    batch.into_iter().unzip();
                let written = match store.append_audit(&records).await {
                    Ok(()) => true,
                    Err(e) => {
                        tracing::error!(error = %e, events = records.len(), "audit trail write failed");
                        false
                    }
                };
                for waiter in waiters {
                    let _ = waiter.send(written);
                }
            }
        });
        AuditLog { queue }
    }

    /// Appends records (queued together, so they share a transaction); `Ok` once all are
    /// durable.
    pub(crate) async fn append_all(&self, records: Vec<AuditRecord>) -> Result<(), ServiceError> {
        let mut waiting = Vec::with_capacity(records.len());
        for record in records {
            let (done, written) = oneshot::channel();
            if self.queue.send((record, done)).is_err() {
                return Err(unavailable());
            }
            waiting.push(written);
        }
        for written in waiting {
            if !matches!(written.await, Ok(true)) {
                return Err(unavailable());
            }
        }
        Ok(())
    }

    /// Appends one record; `Ok` once it is durable.
    pub(crate) async fn append(&self, record: AuditRecord) -> Result<(), ServiceError> {
        let (done, written) = oneshot::channel();
        if self.queue.send((record, done)).is_err() {
            return Err(unavailable());
        }
        match written.await {
            Ok(true) => Ok(()),
            _ => Err(unavailable()),
        }
    }
}

fn unavailable() -> ServiceError {
    ServiceError {
        code: "ServiceUnavailable".into(),
        message: "The request was processed but could not be recorded in the audit trail; \
                  try again."
            .into(),
        status: 503,
        sender_fault: false,
        reason: None,
    }
}

/// What one request was, for its record.
#[derive(Debug, Clone)]
pub struct ApiEvent<'a> {
    pub time: OffsetDateTime,
    /// `iam.amazonaws.com`, `sts.amazonaws.com`, `signin.amazonaws.com`, …
    pub source: &'a str,
    pub name: &'a str,
    pub region: &'a str,
    pub source_ip: Option<IpAddr>,
    pub user_agent: Option<&'a str>,
    /// The authenticated caller; `None` when authentication failed or was not asked for.
    pub caller: Option<&'a Caller>,
    /// For a caller that is not authenticated: who it claimed to be (or, for a decision of the
    /// authorization API, the principal decided about).
    pub unauthenticated: Option<Value>,
    /// The principal's ARN for queries, when there is no `caller`.
    pub principal_arn: Option<&'a str>,
    pub request_parameters: Option<Value>,
    pub response_elements: Option<Value>,
    /// `(errorCode, errorMessage)`; an empty code is left out of the record (a failed sign-in)
    /// but still marks the event as an error for queries.
    pub error: Option<(&'a str, &'a str)>,
    pub request_id: &'a str,
    /// `AwsApiCall`, `AwsConsoleSignIn`, …
    pub event_type: &'a str,
    /// The account the event belongs to; the caller's when `None`.
    pub recipient_account: Option<&'a str>,
    pub additional_event_data: Option<Value>,
}

/// Whether a call's answer stays out of its record: CloudTrail records `responseElements` for
/// calls that change something and for those that hand out credentials (`AssumeRole*`,
/// `GetSessionToken`, `GetFederationToken`), not for reads and listings.
pub fn omits_response(name: &str) -> bool {
    let issues_credentials = matches!(name, "GetSessionToken" | "GetFederationToken");
    !issues_credentials
        && ["Get", "List", "Describe", "Simulate", "Decode", "Lookup"]
            .iter()
            .any(|p| name.starts_with(p))
}

/// Whether an operation only reads (CloudTrail's `readOnly`).
pub fn is_read_only(name: &str) -> bool {
    [
        "Get",
        "List",
        "Describe",
        "Simulate",
        "Decode",
        "Lookup",
        "AssumeRole",
    ]
    .iter()
    .any(|p| name.starts_with(p))
}

fn time_text(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// A random version-4 UUID: the record's `eventID`.
pub(crate) fn event_id() -> String {
    let mut b = [0u8; 16];
    if getrandom::fill(&mut b).is_err() {
        // Without OS randomness the request id still makes the event findable.
        b = [0u8; 16];
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// CloudTrail's `userIdentity` for an authenticated caller.
fn user_identity(caller: &Caller, dir: &Directory) -> Value {
    let account = &caller.account_id;
    let mut identity = Map::new();
    let session = caller.session.as_ref();
    let attributes = session.map(|s| {
        json!({
            "creationDate": time_text(s.claims.issued),
            "mfaAuthenticated": s.claims.mfa_authenticated.is_some().to_string(),
        })
    });
    match session.map(|s| &s.claims.kind) {
        Some(SessionKind::AssumedRole {
            role_id,
            role_name,
            session_name,
        }) => {
            let role_arn = dir
                .account(account)
                .and_then(|a| a.roles.by_id(role_id))
                .map(|r| r.arn.clone())
                .unwrap_or_else(|| dir.arn_scope(account).entity("role", "/", role_name));
            identity.insert("type".into(), "AssumedRole".into());
            identity.insert(
                "principalId".into(),
                format!("{role_id}:{session_name}").into(),
            );
            identity.insert(
                "sessionContext".into(),
                json!({
                    "sessionIssuer": {
                        "type": "Role",
                        "principalId": role_id,
                        "arn": role_arn,
                        "accountId": account,
                        "userName": role_name,
                    },
                    "attributes": attributes,
                }),
            );
        }
        Some(SessionKind::Federated { user_id, name }) => {
            identity.insert("type".into(), "FederatedUser".into());
            identity.insert("principalId".into(), format!("{account}:{name}").into());
            let issuer = match user_id
                .as_deref()
                .and_then(|id| dir.account(account)?.user_by_id(id))
            {
                Some(user) => json!({
                    "type": "IAMUser", "principalId": user.record.user_id, "arn": user.arn,
                    "accountId": account, "userName": user.record.name,
                }),
                None => json!({
                    "type": "Root", "principalId": account,
                    "arn": dir.arn_scope(account).root(), "accountId": account,
                }),
            };
            identity.insert(
                "sessionContext".into(),
                json!({"sessionIssuer": issuer, "attributes": attributes}),
            );
        }
        Some(SessionKind::UserSession { .. }) | None => {
            match caller
                .user_id
                .as_deref()
                .and_then(|id| dir.account(account)?.user_by_id(id))
            {
                Some(user) => {
                    identity.insert("type".into(), "IAMUser".into());
                    identity.insert("principalId".into(), user.record.user_id.clone().into());
                    identity.insert("userName".into(), user.record.name.clone().into());
                }
                None => {
                    identity.insert("type".into(), "Root".into());
                    identity.insert("principalId".into(), account.clone().into());
                }
            }
            if let Some(attributes) = attributes {
                identity.insert("sessionContext".into(), json!({ "attributes": attributes }));
            }
        }
    }
    identity.insert("arn".into(), caller.arn.clone().into());
    identity.insert("accountId".into(), account.clone().into());
    if !caller.access_key_id.is_empty() {
        identity.insert("accessKeyId".into(), caller.access_key_id.clone().into());
    }
    Value::Object(identity)
}

impl Core {
    /// Records one request in the audit trail; returns once the record is durable.
    pub async fn audit(&self, event: ApiEvent<'_>) -> Result<(), ServiceError> {
        let record = {
            let dir = self.read();
            self.audit_record(&event, &dir)
        };
        self.audit_log.append(record).await
    }

    pub(crate) fn audit_record(&self, event: &ApiEvent<'_>, dir: &Directory) -> AuditRecord {
        let identity = match (event.caller, &event.unauthenticated) {
            (Some(caller), _) => user_identity(caller, dir),
            (None, Some(claimed)) => claimed.clone(),
            (None, None) => json!({ "type": "Unknown" }),
        };
        let recipient = event
            .recipient_account
            .map(str::to_owned)
            .or_else(|| event.caller.map(|c| c.account_id.clone()))
            .or_else(|| self.first_account_id())
            .unwrap_or_default();
        let mut body = Map::new();
        body.insert("eventVersion".into(), EVENT_VERSION.into());
        body.insert("userIdentity".into(), identity);
        body.insert("eventTime".into(), time_text(event.time).into());
        body.insert("eventSource".into(), event.source.into());
        body.insert("eventName".into(), event.name.into());
        body.insert("awsRegion".into(), event.region.into());
        body.insert(
            "sourceIPAddress".into(),
            event
                .source_ip
                .map_or(Value::Null, |ip| ip.to_string().into()),
        );
        body.insert(
            "userAgent".into(),
            event.user_agent.map_or(Value::Null, Value::from),
        );
        if let Some((code, message)) = event.error {
            // A failed console sign-in has a message but no code, as in CloudTrail.
            if !code.is_empty() {
                body.insert("errorCode".into(), code.into());
            }
            body.insert("errorMessage".into(), message.into());
        }
        body.insert(
            "requestParameters".into(),
            event.request_parameters.clone().unwrap_or(Value::Null),
        );
        body.insert(
            "responseElements".into(),
            event.response_elements.clone().unwrap_or(Value::Null),
        );
        if let Some(extra) = &event.additional_event_data {
            body.insert("additionalEventData".into(), extra.clone());
        }
        body.insert(
            "requestID".into(),
            if event.request_id.is_empty() {
                Value::Null
            } else {
                event.request_id.into()
            },
        );
        body.insert("eventID".into(), event_id().into());
        body.insert("readOnly".into(), is_read_only(event.name).into());
        body.insert("eventType".into(), event.event_type.into());
        body.insert("managementEvent".into(), true.into());
        body.insert("recipientAccountId".into(), recipient.clone().into());
        body.insert("eventCategory".into(), "Management".into());
        AuditRecord {
            time_ms: i64::try_from(event.time.unix_timestamp_nanos() / 1_000_000).unwrap_or(0),
            account_id: recipient,
            principal_arn: event
                .caller
                .map(|c| c.arn.clone())
                .or_else(|| event.principal_arn.map(str::to_owned)),
            event_name: event.name.to_owned(),
            error_code: event.error.map(|(code, _)| code.to_owned()),
            body: Value::Object(body).to_string(),
        }
    }

    /// Audit events matching `filter` (the LookupEvents-like API and `warden audit query`).
    pub async fn audit_events(
        &self,
        filter: &warden_store::AuditFilter,
    ) -> Result<Vec<warden_store::AuditRow>, ServiceError> {
        self.store.audit_events(filter).await.map_err(|e| {
            tracing::error!(error = %e, "audit query failed");
            ServiceError::internal()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_leave_their_answer_out_but_credentials_do_not() {
        for name in [
            "GetUser",
            "ListUsers",
            "DescribeAccount",
            "SimulatePrincipalPolicy",
        ] {
            assert!(omits_response(name), "{name}");
        }
        for name in [
            "CreateUser",
            "AssumeRole",
            "GetSessionToken",
            "GetFederationToken",
        ] {
            assert!(!omits_response(name), "{name}");
        }
        assert!(is_read_only("ListUsers") && is_read_only("AssumeRole"));
        assert!(!is_read_only("CreateUser"));
    }

    #[test]
    fn event_ids_are_version_4_uuids() {
        let id = event_id();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert_ne!(id, event_id());
    }
}
