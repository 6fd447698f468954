//! Warden's HTTP front. One endpoint answers the AWS Query protocol for every service; the
//! service is the one named by the request's SigV4 credential scope.
//!
//! Authentication happens here (through [`Core::authenticate`]) before any parameter is read,
//! and every authenticated request goes to [`Core::handle_iam`], which authorizes it before the
//! operation runs.

mod advice;
mod audit_api;
mod authorize;
mod console;
mod oidc_fetch;
mod trail;

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

use trail::{Trail, Wire};

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
        .route("/v1/audit/events", post(audit_api::lookup_endpoint))
        .merge(console::routes())
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
    let now = OffsetDateTime::now_utc();
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    let json = json_target(&headers);
    let params = Params::parse(http.query, http.body);
    // The record's event name: the JSON target's operation or the Query `Action`.
    let event_name = match json {
        Some(target) => target.rsplit('.').next().unwrap_or(target),
        None => params.action().unwrap_or("Unknown"),
    }
    .to_owned();
    let request_parameters = match json {
        Some(_) => trail::json_request_parameters(http.body),
        None => trail::query_request_parameters(&params),
    };
    // Federation calls carry their own proof of identity and no AWS credentials: they skip
    // authentication altogether, before dev mode's unsigned-root rule could claim them.
    if json.is_none() && params.action().is_some_and(is_federation_action) {
        let core = match core_for(&backend, &http, user_agent).await {
            Ok(core) => core,
            Err(e) => return error_response(sts::NAMESPACE, &e, &request_id),
        };
        let (result, region) = federation_call(&core, &http, peer, user_agent, &params, now).await;
        let kind = if event_name == "AssumeRoleWithSAML" {
            "SAMLUser"
        } else {
            "WebIdentityUser"
        };
        let trail = Trail {
            time: now,
            service: "sts",
            name: &event_name,
            region: &region,
            source_ip: Some(peer.ip()),
            user_agent,
            caller: None,
            unauthenticated: Some(trail::claimed_identity(kind, None)),
            request_parameters,
            request_id: &request_id,
        };
        let outcome = result.map(|r| r.to_xml(&request_id));
        return trail::answer(&core, trail, Wire::Xml(sts::NAMESPACE), outcome).await;
    }
    let (core, cx, service) = match authenticate(&backend, &http, peer, &headers).await {
        Ok(authenticated) => authenticated,
        Err(e) => {
            let auth = warden_sigv4::parse_auth(&http).ok().flatten();
            let wire = if json.is_some() {
                Wire::Json
            } else {
                Wire::Xml(namespace_of(&http))
            };
            // The failed attempt is recorded too, as the key it claimed.
            let Ok(core) = core_for(&backend, &http, user_agent).await else {
                return match wire {
                    Wire::Json => json_error_response(&e, &request_id),
                    Wire::Xml(namespace) => error_response(namespace, &e, &request_id),
                };
            };
            let region = auth.as_ref().map_or_else(
                || unsigned_region(user_agent).to_owned(),
                |a| a.region().to_owned(),
            );
            let service = auth
                .as_ref()
                .map_or("iam", |a| if a.service() == "sts" { "sts" } else { "iam" });
            let trail = Trail {
                time: now,
                service: if json.is_some() {
                    "organizations"
                } else {
                    service
                },
                name: &event_name,
                region: &region,
                source_ip: Some(peer.ip()),
                user_agent,
                caller: None,
                unauthenticated: Some(trail::claimed_identity(
                    "Unknown",
                    auth.as_ref().map(|a| a.access_key_id()),
                )),
                request_parameters,
                request_id: &request_id,
            };
            return trail::answer(&core, trail, wire, Err(e)).await;
        }
    };
    let trail = Trail {
        time: now,
        service: &service,
        name: &event_name,
        region: &cx.info.region,
        source_ip: cx.info.source_ip,
        user_agent,
        caller: Some(&cx.caller),
        unauthenticated: None,
        request_parameters,
        request_id: &request_id,
    };
    if let Some(target) = json {
        let result = match service.as_str() {
            "organizations" => match organizations::decode(Some(target), http.body) {
                Ok(request) => core.handle_organizations(&cx, request).await,
                Err(e) => Err(e),
            },
            other => Err(unserved(other)),
        };
        let outcome = result.map(|r| r.to_json());
        return trail::answer(&core, trail, Wire::Json, outcome).await;
    }
    match service.as_str() {
        "iam" => {
            let result = match iam::decode_request(&params) {
                Ok(request) => core.handle_iam(&cx, request).await,
                Err(e) => Err(e),
            };
            let outcome = result.map(|r| r.to_xml(&request_id));
            trail::answer(&core, trail, Wire::Xml(iam::NAMESPACE), outcome).await
        }
        "sts" => {
            let result = match sts::decode_request(&params) {
                Ok(request) => core.handle_sts(&cx, request).await,
                Err(e) => Err(e),
            };
            let outcome = result.map(|r| r.to_xml(&request_id));
            trail::answer(&core, trail, Wire::Xml(sts::NAMESPACE), outcome).await
        }
        other => {
            trail::answer(
                &core,
                trail,
                Wire::Xml(iam::NAMESPACE),
                Err(unserved(other)),
            )
            .await
        }
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
/// Returns the region the call is recorded in too.
async fn federation_call(
    core: &Core,
    http: &HttpRequest<'_>,
    peer: SocketAddr,
    user_agent: Option<&str>,
    params: &Params,
    now: OffsetDateTime,
) -> (Result<sts::Response, ServiceError>, String) {
    let region = match warden_sigv4::parse_auth(http) {
        Ok(Some(auth)) => auth.region().to_owned(),
        _ => unsigned_region(user_agent).to_owned(),
    };
    let info = RequestInfo {
        now,
        source_ip: Some(peer.ip()),
        user_agent: user_agent.map(str::to_owned),
        secure_transport: false,
        region: region.clone(),
    };
    let result = match sts::decode_request(params) {
        Ok(request) => core.handle_sts_unsigned(&info, request).await,
        Err(e) => Err(e),
    };
    (result, region)
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

/// The start of every SigV4-signed JSON endpoint (`/v1/…`): the body, then who sent it.
pub(crate) async fn authenticated_body(
    backend: &Backend,
    peer: SocketAddr,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(Arc<Core>, RequestCx, Bytes), ServiceError> {
    let body = body.map_err(|rejection| body_error(&rejection))?;
    let pairs = header_pairs(headers);
    let http = HttpRequest {
        method: method.as_str(),
        path: uri.path(),
        query: uri.query().unwrap_or(""),
        headers: &pairs,
        body: &body,
    };
    let (core, cx, _service) = authenticate(backend, &http, peer, headers).await?;
    Ok((core, cx, body))
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
