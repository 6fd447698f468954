//! Every decision of the authorization API becomes an audit record in the decided service's
//! own terms — `eventSource` `s3.amazonaws.com`, `eventName` `GetObject`, `userIdentity` the
//! principal decided about — so the trail shows what was asked of Warden's services, denials
//! included, and last-accessed data counts the allowed ones like IAM's own calls.

use serde_json::{Value, json};
use warden_protocol::ServiceError;

use super::{AuthorizeAnswer, PrincipalIdentity};
use crate::audit::ApiEvent;
use crate::directory::Directory;
use crate::{Core, RequestCx};

/// CloudTrail's `userIdentity` of a decided principal.
fn identity(principal: &PrincipalIdentity, dir: &Directory) -> Value {
    let kind = match principal.kind {
        "User" => "IAMUser",
        "Account" => "Root",
        other => other,
    };
    let mut value = json!({
        "type": kind,
        "principalId": principal.user_id,
        "arn": principal.arn,
    });
    if let Some(account) = &principal.account_id {
        value["accountId"] = json!(account);
    }
    if let Some(key) = &principal.access_key_id {
        value["accessKeyId"] = json!(key);
    }
    if kind == "AssumedRole"
        && let Some((role_id, _)) = principal.user_id.split_once(':')
    {
        let role = principal
            .account_id
            .as_deref()
            .and_then(|a| dir.account(a)?.roles.by_id(role_id));
        value["sessionContext"] = json!({
            "sessionIssuer": {
                "type": "Role",
                "principalId": role_id,
                "arn": role.map(|r| r.arn.clone()),
                "accountId": principal.account_id,
                "userName": role.map(|r| r.record.name.clone()),
            }
        });
    }
    value
}

impl Core {
    /// Records the decisions of one call (a single request or a batch); returns once they are
    /// durable. Items that could not be decided at all (malformed) are not decisions and are
    /// left out.
    pub async fn record_decisions(
        &self,
        cx: &RequestCx,
        answers: &[&AuthorizeAnswer],
    ) -> Result<(), ServiceError> {
        let records = {
            let dir = self.read();
            answers
                .iter()
                .filter(|a| a.decision != "error")
                .map(|answer| {
                    let (prefix, name) = answer
                        .action
                        .split_once(':')
                        .unwrap_or(("unknown", answer.action.as_str()));
                    let source = format!("{}.amazonaws.com", prefix.to_ascii_lowercase());
                    let error = match (&answer.error, answer.allowed) {
                        (Some(e), _) => Some((e.code.as_str(), e.message.as_str())),
                        (None, false) => Some((
                            "AccessDenied",
                            answer.message.as_deref().unwrap_or("Access denied"),
                        )),
                        (None, true) => None,
                    };
                    let recipient = answer.resource_account.as_deref().or(answer
                        .principal
                        .as_ref()
                        .and_then(|p| p.account_id.as_deref()));
                    let event = ApiEvent {
                        time: cx.info.now,
                        source: &source,
                        name,
                        region: &cx.info.region,
                        source_ip: cx.info.source_ip,
                        user_agent: cx.info.user_agent.as_deref(),
                        caller: None,
                        unauthenticated: Some(match &answer.principal {
                            Some(p) => identity(p, &dir),
                            None => json!({ "type": "Unknown" }),
                        }),
                        principal_arn: answer.principal.as_ref().map(|p| p.arn.as_str()),
                        request_parameters: Some(json!({
                            "resource": answer.resource,
                            "resourceAccount": answer.resource_account,
                        })),
                        response_elements: None,
                        error,
                        request_id: "",
                        event_type: "AwsApiCall",
                        recipient_account: recipient,
                        additional_event_data: Some(json!({
                            "decision": answer.decision,
                            "decidedBy": answer.decided_by,
                            "askedBy": cx.caller.arn,
                        })),
                    };
                    self.audit_record(&event, &dir)
                })
                .collect::<Vec<_>>()
        };
        self.audit_log.append_all(records).await
    }
}
