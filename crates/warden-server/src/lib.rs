//! Warden's HTTP front. One endpoint answers the AWS Query protocol for every service; the
//! service is the one named by the request's SigV4 credential scope.
//!
//! Authentication happens here (through [`Core::authenticate`]) before any parameter is read,
//! and every authenticated request goes to [`Core::handle_iam`], which authorizes it before the
//! operation runs.

mod advice;
mod authorize;
mod oidc_fetch;

pub use oidc_fetch::{FETCH_TIMEOUT, FetcherError, HttpFetcher, MAX_RESPONSE_BYTES};

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::serve::ListenerExt as _;
use time::OffsetDateTime;
use warden_core::dev::{self, DevWorlds};
use warden_core::{Authenticated, Core, RequestCx, RequestInfo, ids};
use warden_protocol::{Params, ServiceError, iam, organizations, sts};
use warden_sigv4::HttpRequest;

/// The largest request body accepted. IAM's largest parameters are policy documents (10 KiB of
/// non-whitespace, a few times that form-encoded); 1 MiB leaves room without inviting abuse.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// What answers the requests: one service, or dev mode's worlds (one per partition).
#[derive(Debug, Clone)]
pub enum Backend {
    Single(Arc<Core>),
    Dev(Arc<DevWorlds>),
}

impl From<Arc<Core>> for Backend {
    fn from(core: Arc<Core>) -> Backend {
        Backend::Single(core)
    }
}

/// The HTTP application.
pub fn router(backend: impl Into<Backend>) -> Router {
    Router::new()
        .route("/_warden/health", get(health))
        .route("/_warden/reset", post(reset))
        .route("/v1/policy/lint", post(advice::lint_endpoint))
        .route("/v1/authorize", post(authorize::authorize_endpoint))
        .route(
            "/v1/authorize/batch",
            post(authorize::authorize_batch_endpoint),
        )
        .fallback(query_endpoint)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(backend.into())
}

/// Serves until `shutdown` completes, then lets open requests finish.
pub async fn serve(
    backend: impl Into<Backend>,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // Responses are one small write each; don't let Nagle hold them back.
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY");
        }
    });
    let app = router(backend).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

async fn health() -> &'static str {
    "ok"
}

/// `POST /_warden/reset`: dev mode's way back to the fresh start; absent in every other mode.
async fn reset(State(backend): State<Backend>) -> Response {
    let Backend::Dev(worlds) = backend else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match worlds.reset().await {
        Ok(()) => (StatusCode::OK, "reset\n").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "dev-mode reset failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("reset failed: {e}\n"),
            )
                .into_response()
        }
    }
}

/// The service that answers `http`. In dev mode that is the world of the partition the
/// request's region belongs to: the signing region, or for an unsigned request the `region/…`
/// token of its User-Agent.
async fn core_for(
    backend: &Backend,
    http: &HttpRequest<'_>,
    user_agent: Option<&str>,
) -> Result<Arc<Core>, ServiceError> {
    let worlds = match backend {
        Backend::Single(core) => return Ok(Arc::clone(core)),
        Backend::Dev(worlds) => worlds,
    };
    let region = match warden_sigv4::parse_auth(http) {
        Ok(Some(auth)) => auth.region().to_owned(),
        _ => unsigned_region(user_agent).to_owned(),
    };
    worlds
        .world(dev::partition_of_region(&region))
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "cannot start a dev-mode world");
            ServiceError::internal()
        })
}

/// The region of a request that carries no signature.
fn unsigned_region(user_agent: Option<&str>) -> &str {
    user_agent
        .and_then(dev::region_from_user_agent)
        .unwrap_or(UNSIGNED_REGION)
}

/// What an unsigned request's region is when its User-Agent does not say.
const UNSIGNED_REGION: &str = "us-east-1";

/// Dev mode's answer to a request with no signature at all: the default account's root, when
/// unknown keys are accepted. The service is the one whose API has the request's `Action`.
fn unsigned_dev_caller(
    core: &Core,
    http: &HttpRequest<'_>,
    headers: &HeaderMap,
) -> Option<Authenticated> {
    if !core.accepts_unknown_keys() || !matches!(warden_sigv4::parse_auth(http), Ok(None)) {
        return None;
    }
    let caller = core.unknown_key_caller()?;
    let service = if json_target(headers).is_some() {
        "organizations"
    } else {
        match Params::parse(http.query, http.body).action() {
            Some(action) if sts::Operation::from_name(action).is_some() => "sts",
            _ => "iam",
        }
    };
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    Some(Authenticated {
        caller,
        service: service.to_owned(),
        region: unsigned_region(user_agent).to_owned(),
    })
}

async fn query_endpoint(
    State(backend): State<Backend>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let request_id = ids::request_id();
    let body = match body {
        Ok(body) => body,
        Err(rejection) => {
            return error_response(iam::NAMESPACE, &body_error(&rejection), &request_id);
        }
    };
    let header_pairs = header_pairs(&headers);
    let http = HttpRequest {
        method: method.as_str(),
        path: uri.path(),
        query: uri.query().unwrap_or(""),
        headers: &header_pairs,
        body: &body,
    };
    let json = json_target(&headers);
    let params = Params::parse(http.query, http.body);
    // Federation calls carry their own proof of identity and no AWS credentials: they skip
    // authentication altogether, before dev mode's unsigned-root rule could claim them.
    if json.is_none() && params.action().is_some_and(is_federation_action) {
        let result = federation_call(&backend, &http, peer, &headers, &params).await;
        return match result {
            Ok(response) => xml_response(StatusCode::OK, response.to_xml(&request_id), &request_id),
            Err(e) => error_response(sts::NAMESPACE, &e, &request_id),
        };
    }
    let (core, cx, service) = match authenticate(&backend, &http, peer, &headers).await {
        Ok(authenticated) => authenticated,
        Err(e) if json.is_some() => return json_error_response(&e, &request_id),
        Err(e) => return error_response(namespace_of(&http), &e, &request_id),
    };
    if let Some(target) = json {
        let result = match service.as_str() {
            "organizations" => match organizations::decode(Some(target), http.body) {
                Ok(request) => core.handle_organizations(&cx, request).await,
                Err(e) => Err(e),
            },
            other => Err(unserved(other)),
        };
        return match result {
            Ok(response) => json_response(StatusCode::OK, response.to_json(), &request_id),
            Err(e) => json_error_response(&e, &request_id),
        };
    }
    match service.as_str() {
        "iam" => {
            let result = match iam::decode_request(&params) {
                Ok(request) => core.handle_iam(&cx, request).await,
                Err(e) => Err(e),
            };
            match result {
                Ok(response) => {
                    xml_response(StatusCode::OK, response.to_xml(&request_id), &request_id)
                }
                Err(e) => error_response(iam::NAMESPACE, &e, &request_id),
            }
        }
        "sts" => {
            let result = match sts::decode_request(&params) {
                Ok(request) => core.handle_sts(&cx, request).await,
                Err(e) => Err(e),
            };
            match result {
                Ok(response) => {
                    xml_response(StatusCode::OK, response.to_xml(&request_id), &request_id)
                }
                Err(e) => error_response(sts::NAMESPACE, &e, &request_id),
            }
        }
        other => error_response(iam::NAMESPACE, &unserved(other), &request_id),
    }
}

/// A request for a service this endpoint does not serve (by its credential scope).
fn unserved(service: &str) -> ServiceError {
    ServiceError {
        code: "InvalidClientTokenId".into(),
        message: format!("Warden does not serve the `{service}` service."),
        status: 403,
        sender_fault: true,
        reason: None,
    }
}

/// The `X-Amz-Target` header of a JSON-protocol request (Organizations).
fn json_target(headers: &HeaderMap) -> Option<&str> {
    headers.get("x-amz-target").and_then(|v| v.to_str().ok())
}

fn json_response(status: StatusCode, body: String, request_id: &str) -> Response {
    let mut response = (status, Body::from(body)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-amz-json-1.1"),
    );
    if let Ok(id) = HeaderValue::from_str(request_id) {
        headers.insert("x-amzn-requestid", id);
    }
    response
}

fn json_error_response(error: &ServiceError, request_id: &str) -> Response {
    let status = StatusCode::from_u16(error.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    json_response(status, warden_protocol::json::error_json(error), request_id)
}

/// The STS operations AWS serves without a signature: the caller proves who it is with an
/// identity provider's token or assertion, and any credentials it signed with play no part.
fn is_federation_action(action: &str) -> bool {
    matches!(action, "AssumeRoleWithWebIdentity" | "AssumeRoleWithSAML")
}

/// Answers a federation call: no authentication, straight to [`Core::handle_sts_unsigned`].
async fn federation_call(
    backend: &Backend,
    http: &HttpRequest<'_>,
    peer: SocketAddr,
    headers: &HeaderMap,
    params: &Params,
) -> Result<sts::Response, ServiceError> {
    let now = OffsetDateTime::now_utc();
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    let core = core_for(backend, http, user_agent).await?;
    let region = match warden_sigv4::parse_auth(http) {
        Ok(Some(auth)) => auth.region().to_owned(),
        _ => unsigned_region(user_agent).to_owned(),
    };
    let info = RequestInfo {
        now,
        source_ip: Some(peer.ip()),
        user_agent: user_agent.map(str::to_owned),
        secure_transport: false,
        region,
    };
    let request = sts::decode_request(params)?;
    core.handle_sts_unsigned(&info, request).await
}

/// Why a body could not be read, as an AWS error.
fn body_error(rejection: &BytesRejection) -> ServiceError {
    let too_large = rejection.status() == StatusCode::PAYLOAD_TOO_LARGE;
    ServiceError {
        code: if too_large {
            "RequestEntityTooLarge"
        } else {
            "MalformedInput"
        }
        .into(),
        message: format!(
            "The request body could not be read ({}); requests are limited to {MAX_BODY_BYTES} \
             bytes.",
            rejection.body_text()
        ),
        status: rejection.status().as_u16(),
        sender_fault: true,
        reason: None,
    }
}

fn header_pairs(headers: &HeaderMap) -> Vec<(&str, &str)> {
    headers
        .iter()
        .filter_map(|(name, value)| Some((name.as_str(), value.to_str().ok()?)))
        .collect()
}

/// Who sent `http`, on which service: the `Core` that answers it, the request's context, and
/// the credential scope's service. Every endpoint but health and reset starts here.
async fn authenticate(
    backend: &Backend,
    http: &HttpRequest<'_>,
    peer: SocketAddr,
    headers: &HeaderMap,
) -> Result<(Arc<Core>, RequestCx, String), ServiceError> {
    let now = OffsetDateTime::now_utc();
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    let core = core_for(backend, http, user_agent).await?;
    let authenticated = match unsigned_dev_caller(&core, http, headers) {
        Some(a) => a,
        None => core.authenticate(http, now)?,
    };
    let cx = RequestCx {
        info: RequestInfo {
            now,
            source_ip: Some(peer.ip()),
            user_agent: user_agent.map(str::to_owned),
            secure_transport: false,
            region: authenticated.region,
        },
        caller: authenticated.caller,
    };
    Ok((core, cx, authenticated.service))
}

/// The namespace of an error answered before authentication finished: STS's when the request
/// is scoped to STS, IAM's otherwise.
fn namespace_of(http: &HttpRequest<'_>) -> &'static str {
    match warden_sigv4::parse_auth(http) {
        Ok(Some(auth)) if auth.service() == "sts" => sts::NAMESPACE,
        _ => iam::NAMESPACE,
    }
}

fn xml_response(status: StatusCode, body: String, request_id: &str) -> Response {
    let mut response = (status, Body::from(body)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/xml"));
    if let Ok(id) = HeaderValue::from_str(request_id) {
        headers.insert("x-amzn-requestid", id);
    }
    response
}

fn error_response(namespace: &str, error: &ServiceError, request_id: &str) -> Response {
    let status = StatusCode::from_u16(error.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    xml_response(status, error.to_xml(namespace, request_id), request_id)
}
