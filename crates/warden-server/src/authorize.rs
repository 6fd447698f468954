//! `POST /v1/authorize` and `POST /v1/authorize/batch`: the authorization API for other
//! services (see `docs/authorization-api.yaml`). HTTP only: authenticating the calling
//! service, reading the body, writing the answer; the decisions are warden-core's
//! (`Core::authorize_request`), errors are AWS-shaped JSON (`{"__type", "message"}`).

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use serde_json::json;
use warden_core::authorization_api::{AuthorizeAnswer, parse_batch, parse_request};
use warden_protocol::ServiceError;

use crate::advice::{json_error, json_response};
use crate::{Backend, authenticated_body};

fn internal(e: &serde_json::Error) -> ServiceError {
    tracing::error!(error = %e, "cannot encode an authorization answer");
    ServiceError::internal()
}

pub(crate) async fn authorize_endpoint(
    State(backend): State<Backend>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    answer(backend, peer, method, uri, headers, body, false).await
}

pub(crate) async fn authorize_batch_endpoint(
    State(backend): State<Backend>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    answer(backend, peer, method, uri, headers, body, true).await
}

async fn answer(
    backend: Backend,
    peer: SocketAddr,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
    batch: bool,
) -> Response {
    let (core, cx, body) =
        match authenticated_body(&backend, peer, &method, &uri, &headers, body).await {
            Ok(authenticated) => authenticated,
            Err(e) => return json_error(&e),
        };
    let result = if batch {
        parse_batch(&body).map(|items| core.authorize_batch(&cx, items))
    } else {
        parse_request(&body)
            .and_then(|request| core.authorize_request(&cx, &request))
            .map(|answer| vec![answer])
    };
    // Every decision is in the audit trail before it is answered.
    let result = match result {
        Ok(answers) => {
            let all: Vec<&AuthorizeAnswer> = answers.iter().collect();
            match core.record_decisions(&cx, &all).await {
                Ok(()) => Ok(answers),
                Err(e) => Err(e),
            }
        }
        Err(e) => Err(e),
    };
    let result = result.and_then(|mut answers| {
        if batch {
            serde_json::to_value(answers)
                .map(|answers| json!({ "answers": answers }))
                .map_err(|e| internal(&e))
        } else {
            let answer = answers.pop().ok_or_else(ServiceError::internal)?;
            serde_json::to_value(answer).map_err(|e| internal(&e))
        }
    });
    match result {
        Ok(value) => json_response(StatusCode::OK, &value),
        Err(e) => json_error(&e),
    }
}
