//! An example service: a tiny in-memory object store speaking a path-style subset of S3
//! (CreateBucket, Put/Get/DeleteBucketPolicy, ListObjectsV2, Put/Get/Head/DeleteObject) to the
//! AWS CLI and boto3, which authorizes every request through Warden's authorization API.
//!
//! The store never sees a secret key: it passes each request's signed material (method, path,
//! query, headers and the body's SHA-256) to Warden with the S3 action, the resource ARN, the
//! bucket's owner and policy, and `aws:SourceIp`, and serves the request only when Warden
//! allows it. A bucket belongs to the account of whoever created it, so cross-account access
//! needs both a bucket policy and the caller's own identity policy, as in S3.
//!
//! Configuration (environment): `WARDEN_ENDPOINT` (`http://127.0.0.1:8080`),
//! `WARDEN_ACCESS_KEY_ID` / `WARDEN_SECRET_ACCESS_KEY` (the store's own credentials: it needs
//! `warden:Authorize` on `arn:aws:s3:::*`), `OBJECT_STORE_LISTEN` (`127.0.0.1:9000`). Prints
//! `listening on http://ADDR` when ready.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use percent_encoding::percent_decode_str;
use sha2::{Digest, Sha256};
use warden_client::{AuthorizeRequest, Client, Credentials, SignedRequest};

#[derive(Debug, Default)]
struct Bucket {
    /// The account that created the bucket.
    owner: String,
    policy: Option<String>,
    objects: BTreeMap<String, Bytes>,
}

#[derive(Debug, Clone)]
struct Store {
    warden: Client,
    buckets: Arc<Mutex<HashMap<String, Bucket>>>,
}

/// What one S3 request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operation {
    CreateBucket,
    PutBucketPolicy,
    GetBucketPolicy,
    DeleteBucketPolicy,
    ListObjectsV2,
    PutObject,
    GetObject,
    HeadObject,
    DeleteObject,
}

impl Operation {
    /// The IAM action S3 authorizes the operation as.
    fn action(self) -> &'static str {
        match self {
            Operation::CreateBucket => "s3:CreateBucket",
            Operation::PutBucketPolicy => "s3:PutBucketPolicy",
            Operation::GetBucketPolicy => "s3:GetBucketPolicy",
            Operation::DeleteBucketPolicy => "s3:DeleteBucketPolicy",
            Operation::ListObjectsV2 => "s3:ListBucket",
            Operation::PutObject => "s3:PutObject",
            Operation::GetObject | Operation::HeadObject => "s3:GetObject",
            Operation::DeleteObject => "s3:DeleteObject",
        }
    }
}

fn query_has(query: &str, name: &str) -> bool {
    query.split('&').any(|p| p.split('=').next() == Some(name))
}

fn query_value(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|p| {
        let (n, v) = p.split_once('=')?;
        (n == name).then(|| {
            percent_decode_str(&v.replace('+', " "))
                .decode_utf8_lossy()
                .into_owned()
        })
    })
}

/// Bucket, key and operation of a path-style request.
fn route(method: &Method, path: &str, query: &str) -> Option<(String, Option<String>, Operation)> {
    let rest = path.strip_prefix('/')?;
    let (bucket, key) = match rest.split_once('/') {
        Some((bucket, key)) if !key.is_empty() => (bucket, Some(key)),
        Some((bucket, _)) => (bucket, None),
        None => (rest, None),
    };
    if bucket.is_empty() {
        return None;
    }
    let key = key.map(|k| percent_decode_str(k).decode_utf8_lossy().into_owned());
    let operation = match (method.as_str(), key.is_some()) {
        ("PUT", false) if query_has(query, "policy") => Operation::PutBucketPolicy,
        ("GET", false) if query_has(query, "policy") => Operation::GetBucketPolicy,
        ("DELETE", false) if query_has(query, "policy") => Operation::DeleteBucketPolicy,
        ("PUT", false) => Operation::CreateBucket,
        ("GET", false) => Operation::ListObjectsV2,
        ("PUT", true) => Operation::PutObject,
        ("GET", true) => Operation::GetObject,
        ("HEAD", true) => Operation::HeadObject,
        ("DELETE", true) => Operation::DeleteObject,
        _ => return None,
    };
    Some((bucket.to_owned(), key, operation))
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// S3's error document.
fn s3_error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{}</Code><Message>{}</Message></Error>",
        xml_escape(code),
        xml_escape(message)
    );
    (status, [(header::CONTENT_TYPE, "application/xml")], body).into_response()
}

fn hex_sha256(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn handle(
    State(store): State<Store>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let query = uri.query().unwrap_or("");
    let Some((bucket, key, operation)) = route(&method, uri.path(), query) else {
        return s3_error(
            StatusCode::NOT_IMPLEMENTED,
            "NotImplemented",
            "This example serves a subset of S3.",
        );
    };
    let (owner, policy) = {
        let buckets = store.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        match buckets.get(&bucket) {
            Some(b) => (Some(b.owner.clone()), b.policy.clone()),
            None if operation == Operation::CreateBucket => (None, None),
            None => {
                return s3_error(
                    StatusCode::NOT_FOUND,
                    "NoSuchBucket",
                    "The specified bucket does not exist",
                );
            }
        }
    };
    let resource = match (&key, operation) {
        (Some(key), _) => format!("arn:aws:s3:::{bucket}/{key}"),
        (None, _) => format!("arn:aws:s3:::{bucket}"),
    };
    let material = SignedRequest::new(
        method.as_str(),
        uri.path(),
        query,
        headers
            .iter()
            .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect(),
    );
    let material = if body.is_empty() {
        material
    } else {
        material.with_payload_hash(hex_sha256(&body))
    };
    let mut question = AuthorizeRequest::signed(material, operation.action(), &resource)
        .resource_policy(policy.as_deref())
        .context("aws:SourceIp", peer.ip().to_string())
        .context("aws:SecureTransport", "false");
    if let Some(owner) = &owner {
        question = question.resource_account(owner);
    }
    if operation == Operation::ListObjectsV2 {
        question = question.context(
            "s3:prefix",
            query_value(query, "prefix").unwrap_or_default(),
        );
    }
    let answer = match store.warden.authorize(&question).await {
        Ok(answer) => answer,
        Err(e) => {
            eprintln!("cannot ask Warden: {e}");
            return s3_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "ServiceUnavailable",
                "Authorization is unavailable.",
            );
        }
    };
    if let Some(error) = &answer.error {
        let status = StatusCode::from_u16(error.status).unwrap_or(StatusCode::FORBIDDEN);
        return s3_error(status, &error.code, &error.message);
    }
    if !answer.allowed {
        return s3_error(
            StatusCode::FORBIDDEN,
            "AccessDenied",
            answer.message.as_deref().unwrap_or("Access Denied"),
        );
    }
    serve(
        &store,
        operation,
        &bucket,
        key,
        query,
        body,
        answer.principal.and_then(|p| p.account_id),
    )
}

/// Runs an allowed operation.
fn serve(
    store: &Store,
    operation: Operation,
    bucket: &str,
    key: Option<String>,
    query: &str,
    body: Bytes,
    principal_account: Option<String>,
) -> Response {
    let mut buckets = store.buckets.lock().unwrap_or_else(PoisonError::into_inner);
    if operation == Operation::CreateBucket {
        if buckets.contains_key(bucket) {
            return s3_error(
                StatusCode::CONFLICT,
                "BucketAlreadyExists",
                "The requested bucket name is not available.",
            );
        }
        let Some(owner) = principal_account else {
            return s3_error(
                StatusCode::FORBIDDEN,
                "AccessDenied",
                "Anonymous users cannot create buckets.",
            );
        };
        buckets.insert(
            bucket.to_owned(),
            Bucket {
                owner,
                ..Bucket::default()
            },
        );
        return (StatusCode::OK, [(header::LOCATION, format!("/{bucket}"))]).into_response();
    }
    let Some(b) = buckets.get_mut(bucket) else {
        return s3_error(
            StatusCode::NOT_FOUND,
            "NoSuchBucket",
            "The specified bucket does not exist",
        );
    };
    let key = key.unwrap_or_default();
    match operation {
        Operation::PutBucketPolicy => {
            let text = String::from_utf8_lossy(&body).into_owned();
            if serde_json::from_str::<serde_json::Value>(&text).is_err() {
                return s3_error(
                    StatusCode::BAD_REQUEST,
                    "MalformedPolicy",
                    "Policies must be valid JSON.",
                );
            }
            b.policy = Some(text);
            StatusCode::NO_CONTENT.into_response()
        }
        Operation::GetBucketPolicy => match &b.policy {
            Some(policy) => (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                policy.clone(),
            )
                .into_response(),
            None => s3_error(
                StatusCode::NOT_FOUND,
                "NoSuchBucketPolicy",
                "The bucket policy does not exist",
            ),
        },
        Operation::DeleteBucketPolicy => {
            b.policy = None;
            StatusCode::NO_CONTENT.into_response()
        }
        Operation::ListObjectsV2 => {
            let prefix = query_value(query, "prefix").unwrap_or_default();
            let contents: String = b
                .objects
                .iter()
                .filter(|(k, _)| k.starts_with(&prefix))
                .map(|(k, v)| {
                    format!(
                        "<Contents><Key>{}</Key><LastModified>2024-01-01T00:00:00.000Z</LastModified><ETag>\"{}\"</ETag><Size>{}</Size><StorageClass>STANDARD</StorageClass></Contents>",
                        xml_escape(k),
                        &hex_sha256(v)[..32],
                        v.len()
                    )
                })
                .collect();
            let count = b.objects.keys().filter(|k| k.starts_with(&prefix)).count();
            let body = format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>{}</Name><Prefix>{}</Prefix><KeyCount>{count}</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>{contents}</ListBucketResult>",
                xml_escape(bucket),
                xml_escape(&prefix)
            );
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/xml")],
                body,
            )
                .into_response()
        }
        Operation::PutObject => {
            let etag = format!("\"{}\"", &hex_sha256(&body)[..32]);
            b.objects.insert(key, body);
            (StatusCode::OK, [(header::ETAG, etag)]).into_response()
        }
        Operation::GetObject | Operation::HeadObject => match b.objects.get(&key) {
            Some(data) => {
                let etag = format!("\"{}\"", &hex_sha256(data)[..32]);
                let headers = [
                    (header::ETAG, etag),
                    (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
                    (header::CONTENT_LENGTH, data.len().to_string()),
                ];
                let body = if operation == Operation::GetObject {
                    Body::from(data.clone())
                } else {
                    Body::empty()
                };
                (StatusCode::OK, headers, body).into_response()
            }
            None => s3_error(
                StatusCode::NOT_FOUND,
                "NoSuchKey",
                "The specified key does not exist.",
            ),
        },
        Operation::DeleteObject => {
            b.objects.remove(&key);
            StatusCode::NO_CONTENT.into_response()
        }
        Operation::CreateBucket => StatusCode::OK.into_response(),
    }
}

fn env(name: &str, default: Option<&str>) -> Result<String, String> {
    std::env::var(name)
        .ok()
        .or_else(|| default.map(str::to_owned))
        .ok_or_else(|| format!("{name} is not set"))
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("object-store: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let endpoint = env("WARDEN_ENDPOINT", Some("http://127.0.0.1:8080"))?;
    let credentials = Credentials::new(
        &env("WARDEN_ACCESS_KEY_ID", None)?,
        &env("WARDEN_SECRET_ACCESS_KEY", None)?,
        std::env::var("WARDEN_SESSION_TOKEN").ok(),
    );
    let warden = Client::new(&endpoint, "us-east-1", credentials).map_err(|e| e.to_string())?;
    let store = Store {
        warden,
        buckets: Arc::default(),
    };
    let listen = env("OBJECT_STORE_LISTEN", Some("127.0.0.1:9000"))?;
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    println!("listening on http://{addr}");
    let app = Router::new()
        .fallback(handle)
        .layer(axum::extract::DefaultBodyLimit::max(16 * 1024 * 1024))
        .with_state(store)
        .into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app).await.map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_style_requests_route_to_s3_operations() {
        let get = Method::GET;
        assert_eq!(
            route(&get, "/b/dir/a%20b.txt", ""),
            Some(("b".into(), Some("dir/a b.txt".into()), Operation::GetObject))
        );
        assert_eq!(
            route(&get, "/b", "list-type=2&prefix=d"),
            Some(("b".into(), None, Operation::ListObjectsV2))
        );
        assert_eq!(
            route(&Method::PUT, "/b", "policy"),
            Some(("b".into(), None, Operation::PutBucketPolicy))
        );
        assert_eq!(route(&get, "/", ""), None);
        assert_eq!(
            query_value("list-type=2&prefix=a%2Fb", "prefix").as_deref(),
            Some("a/b")
        );
    }
}
