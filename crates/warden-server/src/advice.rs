//! `POST /v1/policy/lint`: the policy linter over HTTP, for callers that cannot run the CLI.
//!
//! The request is SigV4-signed like any other (any service name in the scope) and needs
//! `access-analyzer:ValidatePolicy` — the permission AWS's own policy validation asks for.
//! Body: `{"document": TEXT-OR-OBJECT, "kind": "identity"}` (kind optional, as in
//! `warden policy lint --kind`). Answer: `{"findings": [{"type", "code", "path", "message",
//! "fix"}]}`, the same findings as `warden policy lint --format json`.

use std::net::SocketAddr;

use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use warden_policy::validate::PolicyKind;
use warden_protocol::ServiceError;

use crate::{Backend, authenticated_body};

/// The action the linter endpoint is authorized as.
pub const LINT_ACTION: &str = "access-analyzer:ValidatePolicy";

pub(crate) async fn lint_endpoint(
    State(backend): State<Backend>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let (core, cx, body) =
        match authenticated_body(&backend, peer, &method, &uri, &headers, body).await {
            Ok(authenticated) => authenticated,
            Err(e) => return json_error(&e),
        };
    if let Err(e) = core.authorize_action(&cx, LINT_ACTION, "*") {
        return json_error(&e);
    }
    match lint_body(&body) {
        Ok(findings) => json_response(StatusCode::OK, &json!({ "findings": findings })),
        Err(e) => json_error(&e),
    }
}

fn validation(message: String) -> ServiceError {
    ServiceError {
        code: "ValidationException".into(),
        message,
        status: 400,
        sender_fault: true,
        reason: None,
    }
}

fn lint_body(body: &[u8]) -> Result<Value, ServiceError> {
    let request: Value = serde_json::from_slice(body)
        .map_err(|e| validation(format!("the body is not JSON: {e}")))?;
    let Some(fields) = request.as_object() else {
        return Err(validation("the body must be a JSON object".to_owned()));
    };
    if let Some(unknown) = fields
        .keys()
        .find(|k| !matches!(k.as_str(), "document" | "kind"))
    {
        return Err(validation(format!(
            "unknown field `{unknown}`; expected `document` and `kind`"
        )));
    }
    let document = match fields.get("document") {
        Some(Value::String(text)) => text.clone(),
        Some(object @ Value::Object(_)) => object.to_string(),
        Some(_) => {
            return Err(validation(
                "`document` must be a policy: a JSON object or a string holding one".to_owned(),
            ));
        }
        None => return Err(validation("`document` is required".to_owned())),
    };
    let kind = match fields.get("kind") {
        None => PolicyKind::Identity,
        Some(Value::String(name)) => name.parse::<PolicyKind>().map_err(|_| {
            validation(format!(
                "unknown kind `{name}`; kinds are {}",
                PolicyKind::ALL.map(PolicyKind::name).join(", ")
            ))
        })?,
        Some(_) => return Err(validation("`kind` must be a string".to_owned())),
    };
    let findings = warden_advisor::lint(&document, kind).map_err(|e| {
        tracing::error!(error = %e, "the linter could not run");
        ServiceError::internal()
    })?;
    serde_json::to_value(findings).map_err(|_| ServiceError::internal())
}

pub(crate) fn json_response(status: StatusCode, value: &Value) -> Response {
    let mut response = (status, Body::from(value.to_string())).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// An error in the shape of AWS's JSON protocols: `{"__type", "message"}`.
pub(crate) fn json_error(error: &ServiceError) -> Response {
    let status = StatusCode::from_u16(error.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    json_response(
        status,
        &json!({ "__type": error.code, "message": error.message }),
    )
}
