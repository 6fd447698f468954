//! The audit record of each request of the AWS APIs, written before the answer goes out.
//!
//! One function, [`answer`], turns an operation's outcome into the HTTP response: it records the
//! request (parameters, caller, outcome) through [`Core::audit`] and only then answers. A request
//! whose record cannot be written is answered `ServiceUnavailable`.

use std::net::IpAddr;

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};
use time::OffsetDateTime;
use warden_core::audit::{ApiEvent, json_body, omits_response, query_parameters, xml_result};
use warden_core::{Caller, Core};
use warden_protocol::{Params, ServiceError};

use crate::{error_response, json_error_response, json_response, xml_response};

/// What the record says about a request, apart from its outcome.
#[derive(Debug)]
pub(crate) struct Trail<'a> {
    pub time: OffsetDateTime,
    /// The service's name in its scope: `iam`, `sts`, `organizations`.
    pub service: &'a str,
    pub name: &'a str,
    pub region: &'a str,
    pub source_ip: Option<IpAddr>,
    pub user_agent: Option<&'a str>,
    pub caller: Option<&'a Caller>,
    pub unauthenticated: Option<Value>,
    pub request_parameters: Option<Value>,
    pub request_id: &'a str,
}

/// The protocol an answer is written in.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Wire {
    /// Query protocol, errors in this XML namespace.
    Xml(&'static str),
    Json,
}

/// The request parameters of a Query-protocol request, as CloudTrail shows them.
pub(crate) fn query_request_parameters(params: &Params) -> Option<Value> {
    let value = query_parameters(params.iter());
    (value.as_object().is_some_and(|m| !m.is_empty())).then_some(value)
}

/// The request parameters of a JSON-protocol request.
pub(crate) fn json_request_parameters(body: &[u8]) -> Option<Value> {
    serde_json::from_slice::<Value>(body)
        .ok()
        .filter(|v| v.as_object().is_some_and(|m| !m.is_empty()))
        .map(|v| json_body(&v))
}

/// Who an unauthenticated or federated request claimed to be.
pub(crate) fn claimed_identity(kind: &str, access_key_id: Option<&str>) -> Value {
    match access_key_id {
        Some(key) => json!({ "type": kind, "accessKeyId": key }),
        None => json!({ "type": kind }),
    }
}

/// Records the request, then answers it.
pub(crate) async fn answer(
    core: &Core,
    trail: Trail<'_>,
    wire: Wire,
    outcome: Result<String, ServiceError>,
) -> Response {
    record_and_answer(core, trail, wire, outcome, true).await
}

/// Like [`answer`], without the answer's body in the record (a lookup's events).
pub(crate) async fn answer_without_elements(
    core: &Core,
    trail: Trail<'_>,
    wire: Wire,
    outcome: Result<String, ServiceError>,
) -> Response {
    record_and_answer(core, trail, wire, outcome, false).await
}

async fn record_and_answer(
    core: &Core,
    trail: Trail<'_>,
    wire: Wire,
    outcome: Result<String, ServiceError>,
    with_elements: bool,
) -> Response {
    // CloudTrail leaves the answer out of reads and listings.
    let response_elements = match (&outcome, wire) {
        _ if !with_elements || omits_response(trail.name) => None,
        (Ok(body), Wire::Xml(_)) => xml_result(body),
        (Ok(body), Wire::Json) => serde_json::from_str::<Value>(body)
            .ok()
            .filter(|v| v.as_object().is_some_and(|m| !m.is_empty()))
            .map(|v| json_body(&v)),
        (Err(_), _) => None,
    };
    let source = format!("{}.amazonaws.com", trail.service);
    let event = ApiEvent {
        time: trail.time,
        source: &source,
        name: trail.name,
        region: trail.region,
        source_ip: trail.source_ip,
        user_agent: trail.user_agent,
        caller: trail.caller,
        principal_arn: None,
        unauthenticated: trail.unauthenticated,
        request_parameters: trail.request_parameters,
        response_elements,
        error: outcome
            .as_ref()
            .err()
            .map(|e| (e.code.as_ref(), e.message.as_ref())),
        request_id: trail.request_id,
        event_type: "AwsApiCall",
        recipient_account: None,
        additional_event_data: None,
    };
    let recorded = core.audit(event).await;
    let request_id = trail.request_id;
    let outcome = match recorded {
        Ok(()) => outcome,
        Err(e) => Err(e),
    };
    match (outcome, wire) {
        (Ok(body), Wire::Xml(_)) => xml_response(StatusCode::OK, body, request_id),
        (Ok(body), Wire::Json) => json_response(StatusCode::OK, body, request_id),
        (Err(e), Wire::Xml(namespace)) => error_response(namespace, &e, request_id),
        (Err(e), Wire::Json) => json_error_response(&e, request_id),
    }
}
