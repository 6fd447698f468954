//! Warden's HTTP front. One endpoint answers the AWS Query protocol for every service; the
//! service is the one named by the request's SigV4 credential scope.
//!
//! Authentication happens here (through [`Core::authenticate`]) before any parameter is read,
//! and every authenticated request goes to [`Core::handle_iam`], which authorizes it before the
//! operation runs.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::serve::ListenerExt as _;
use time::OffsetDateTime;
use warden_core::{Core, RequestCx, RequestInfo, ids};
use warden_protocol::{Params, ServiceError, iam, sts};
use warden_sigv4::HttpRequest;

/// The largest request body accepted. IAM's largest parameters are policy documents (10 KiB of
/// non-whitespace, a few times that form-encoded); 1 MiB leaves room without inviting abuse.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The HTTP application.
pub fn router(core: Arc<Core>) -> Router {
    Router::new()
        .route("/_warden/health", get(health))
        .fallback(query_endpoint)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(core)
}

/// Serves until `shutdown` completes, then lets open requests finish.
pub async fn serve(
    core: Arc<Core>,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // Responses are one small write each; don't let Nagle hold them back.
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY");
        }
    });
    let app = router(core).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

async fn health() -> &'static str {
    "ok"
}

async fn query_endpoint(
    State(core): State<Arc<Core>>,
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
            let too_large = rejection.status() == StatusCode::PAYLOAD_TOO_LARGE;
            let error = ServiceError {
                code: if too_large {
                    "RequestEntityTooLarge"
                } else {
                    "MalformedInput"
                }
                .into(),
                message: format!(
                    "The request body could not be read ({}); requests are limited to \
                     {MAX_BODY_BYTES} bytes.",
                    rejection.body_text()
                ),
                status: rejection.status().as_u16(),
                sender_fault: true,
            };
            return error_response(iam::NAMESPACE, &error, &request_id);
        }
    };
    let header_pairs: Vec<(&str, &str)> = headers
        .iter()
        .filter_map(|(name, value)| Some((name.as_str(), value.to_str().ok()?)))
        .collect();
    let http = HttpRequest {
        method: method.as_str(),
        path: uri.path(),
        query: uri.query().unwrap_or(""),
        headers: &header_pairs,
        body: &body,
    };
    let now = OffsetDateTime::now_utc();
    let authenticated = match core.authenticate(&http, now) {
        Ok(a) => a,
        Err(e) => return error_response(namespace_of(&http), &e, &request_id),
    };
    let cx = RequestCx {
        info: RequestInfo {
            now,
            source_ip: Some(peer.ip()),
            user_agent: headers
                .get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            secure_transport: false,
            region: authenticated.region,
        },
        caller: authenticated.caller,
    };
    let params = Params::parse(http.query, http.body);
    match authenticated.service.as_str() {
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
        other => error_response(
            iam::NAMESPACE,
            &ServiceError {
                code: "InvalidClientTokenId".into(),
                message: format!("Warden does not serve the `{other}` service."),
                status: 403,
                sender_fault: true,
            },
            &request_id,
        ),
    }
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
