//! `POST /v1/audit/events`: the audit trail over HTTP, like CloudTrail's `LookupEvents`.
//!
//! SigV4-signed like any other request and authorized as `cloudtrail:LookupEvents` on `*`.
//! A caller sees its own account's events only. Body (every field optional):
//! `{"principal": ARN, "eventName": NAME, "errorsOnly": bool, "since": RFC3339, "until": RFC3339,
//! "maxResults": 1-1000, "nextToken": TOKEN}`. Answer: `{"events": [CloudTrail record, …],
//! "nextToken": TOKEN}` (the token is absent on the last page). The lookup is recorded too.

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, Method, Uri, header};
use axum::response::Response;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use warden_core::audit::AuditFilter;
use warden_protocol::ServiceError;

use crate::trail::{self, Trail, Wire};
use crate::{Backend, authenticated_body, json_error_response};

/// The action the lookup is authorized as: CloudTrail's.
pub const LOOKUP_ACTION: &str = "cloudtrail:LookupEvents";
const DEFAULT_RESULTS: u32 = 50;
const MAX_RESULTS: u32 = 1000;

fn invalid(message: String) -> ServiceError {
    ServiceError {
        code: "InvalidLookupAttributesException".into(),
        message,
        status: 400,
        sender_fault: true,
        reason: None,
    }
}

fn millis(field: &str, value: &Value) -> Result<i64, ServiceError> {
    let text = value
        .as_str()
        .ok_or_else(|| invalid(format!("`{field}` must be an RFC 3339 time")))?;
    let t = OffsetDateTime::parse(text, &Rfc3339)
        .map_err(|_| invalid(format!("`{field}` is not an RFC 3339 time: `{text}`")))?;
    Ok(i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX))
}

/// The filter a body asks for, confined to `account`.
pub(crate) fn filter_of(body: &[u8], account: &str) -> Result<AuditFilter, ServiceError> {
    let request: Value = if body.is_empty() {
        Value::Object(Map::new())
    } else {
        serde_json::from_slice(body).map_err(|e| invalid(format!("the body is not JSON: {e}")))?
    };
    let Some(fields) = request.as_object() else {
        return Err(invalid("the body must be a JSON object".to_owned()));
    };
    let mut filter = AuditFilter {
        account_id: Some(account.to_owned()),
        limit: Some(DEFAULT_RESULTS),
        ..AuditFilter::default()
    };
    for (key, value) in fields {
        let text = || {
            value
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| invalid(format!("`{key}` must be a string")))
        };
        match key.as_str() {
            "principal" => filter.principal_arn = Some(text()?),
            "eventName" => filter.event_name = Some(text()?),
            "errorsOnly" => {
                filter.errors_only = value
                    .as_bool()
                    .ok_or_else(|| invalid("`errorsOnly` must be true or false".to_owned()))?;
            }
            "since" => filter.since_ms = Some(millis(key, value)?),
            "until" => filter.until_ms = Some(millis(key, value)?),
            "maxResults" => {
                let n = value
                    .as_u64()
                    .filter(|n| (1..=u64::from(MAX_RESULTS)).contains(n))
                    .ok_or_else(|| {
                        invalid(format!("`maxResults` must be between 1 and {MAX_RESULTS}"))
                    })?;
                filter.limit = u32::try_from(n).ok();
            }
            "nextToken" => {
                let seq = text()?
                    .parse::<i64>()
                    .map_err(|_| invalid("`nextToken` is not a token this API gave".to_owned()))?;
                filter.after_seq = Some(seq);
            }
            other => {
                return Err(invalid(format!(
                    "unknown field `{other}`; fields are principal, eventName, errorsOnly, \
                     since, until, maxResults, nextToken"
                )));
            }
        }
    }
    Ok(filter)
}

pub(crate) async fn lookup_endpoint(
    State(backend): State<Backend>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let request_id = warden_core::ids::request_id();
    let (core, cx, body) =
        match authenticated_body(&backend, peer, &method, &uri, &headers, body).await {
            Ok(authenticated) => authenticated,
            Err(e) => return json_error_response(&e, &request_id),
        };
    let outcome = async {
        core.authorize_action(&cx, LOOKUP_ACTION, "*")?;
        let filter = filter_of(&body, &cx.caller.account_id)?;
        let limit = filter.limit.unwrap_or(DEFAULT_RESULTS) as usize;
        let rows = core.audit_events(&filter).await?;
        let events: Vec<Value> = rows
            .iter()
            .filter_map(|r| serde_json::from_str(&r.record.body).ok())
            .collect();
        let mut answer = json!({ "events": events });
        if rows.len() == limit
            && let Some(last) = rows.last()
        {
            answer["nextToken"] = Value::String(last.seq.to_string());
        }
        Ok(answer.to_string())
    }
    .await;
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    let record = Trail {
        time: cx.info.now,
        service: "cloudtrail",
        name: "LookupEvents",
        region: &cx.info.region,
        source_ip: cx.info.source_ip,
        user_agent,
        caller: Some(&cx.caller),
        unauthenticated: None,
        request_parameters: trail::json_request_parameters(&body),
        request_id: &request_id,
    };
    // The events found are not repeated in the lookup's own record.
    trail::answer_without_elements(&core, record, Wire::Json, outcome).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filter_is_confined_to_the_callers_account() {
        let f = filter_of(
            br#"{"principal":"arn:aws:iam::1:user/a","errorsOnly":true,"maxResults":5,"nextToken":"7","since":"2026-01-01T00:00:00Z"}"#,
            "123456789012",
        )
        .unwrap();
        assert_eq!(f.account_id.as_deref(), Some("123456789012"));
        assert_eq!(f.principal_arn.as_deref(), Some("arn:aws:iam::1:user/a"));
        assert!(f.errors_only);
        assert_eq!(f.limit, Some(5));
        assert_eq!(f.after_seq, Some(7));
        assert_eq!(f.since_ms, Some(1_767_225_600_000));
        assert_eq!(filter_of(b"", "1").unwrap().limit, Some(DEFAULT_RESULTS));
    }

    #[test]
    fn bad_bodies_are_clear_errors() {
        for body in [
            &b"[1]"[..],
            b"{\"maxResults\":0}",
            b"{\"maxResults\":5000}",
            b"{\"since\":\"yesterday\"}",
            b"{\"nextToken\":\"abc\"}",
            b"{\"account\":\"1\"}",
            b"not json",
        ] {
            let e = filter_of(body, "1").unwrap_err();
            assert_eq!(e.code, "InvalidLookupAttributesException");
            assert_eq!(e.status, 400);
        }
    }
}
