//! A client for Warden's authorization API (`POST /v1/authorize`, `/v1/authorize/batch`).
//!
//! A service that received an AWS-signed request hands Warden what it received (method, path,
//! query, headers and the body's SHA-256) with the action and resource it is about to serve,
//! and gets back a decision with its reasons, as AWS's own services decide:
//!
//! ```no_run
//! # async fn example() -> Result<(), warden_client::Error> {
//! use warden_client::{AuthorizeRequest, Client, Credentials, SignedRequest};
//!
//! let warden = Client::new("http://127.0.0.1:8080", "us-east-1",
//!     Credentials::new("AKIA…", "secret", None))?;
//! let material = SignedRequest::new("GET", "/bucket/key", "", vec![("host".into(), "s3.local".into())]);
//! let answer = warden
//!     .authorize(&AuthorizeRequest::signed(material, "s3:GetObject", "arn:aws:s3:::bucket/key"))
//!     .await?;
//! if !answer.allowed { /* answer 403 with answer.message */ }
//! # Ok(()) }
//! ```
//!
//! The client's own calls are signed with its credentials (service `warden` in the scope);
//! Warden requires `warden:Authorize` on the resource, and `warden:AuthorizeAsPrincipal` on
//! the principal for [`AuthorizeRequest::principal`].

use std::time::SystemTime;

use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client as HttpClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// What can go wrong calling Warden.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the endpoint `{0}` is not an http:// URL")]
    Endpoint(String),
    #[error("cannot sign the request: {0}")]
    Signing(String),
    #[error("cannot reach Warden: {0}")]
    Transport(String),
    /// Warden answered with an error (`{"__type", "message"}`).
    #[error("{code}: {message} (HTTP {status})")]
    Service {
        code: String,
        message: String,
        status: u16,
    },
    #[error("cannot read Warden's answer: {0}")]
    Decode(String),
}

/// The credentials the client signs its calls to Warden with.
#[derive(Clone)]
pub struct Credentials(aws_credential_types::Credentials);

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Credentials")
            .field(&self.0.access_key_id())
            .finish()
    }
}

impl Credentials {
    pub fn new(
        access_key_id: &str,
        secret_access_key: &str,
        session_token: Option<String>,
    ) -> Self {
        Credentials(aws_credential_types::Credentials::new(
            access_key_id,
            secret_access_key,
            session_token,
            None,
            "warden-client",
        ))
    }
}

/// The request the service received, minus its body.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SignedRequest {
    pub method: String,
    /// As received: still percent-encoded, without the query.
    pub path: String,
    pub query: String,
    /// Names and values as received (a name may repeat).
    #[serde(serialize_with = "headers_as_object")]
    pub headers: Vec<(String, String)>,
    /// Lowercase hex SHA-256 of the body received; `None` for no body.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload_hash: Option<String>,
}

fn headers_as_object<S: serde::Serializer>(
    headers: &[(String, String)],
    s: S,
) -> Result<S::Ok, S::Error> {
    let mut object = Map::new();
    for (name, value) in headers {
        let name = name.to_ascii_lowercase();
        match object.get_mut(&name) {
            Some(Value::Array(values)) => values.push(Value::String(value.clone())),
            _ => {
                object.insert(name, Value::Array(vec![Value::String(value.clone())]));
            }
        }
    }
    object.serialize(s)
}

impl SignedRequest {
    pub fn new(method: &str, path: &str, query: &str, headers: Vec<(String, String)>) -> Self {
        SignedRequest {
            method: method.to_owned(),
            path: path.to_owned(),
            query: query.to_owned(),
            headers,
            payload_hash: None,
        }
    }

    /// The body's SHA-256, in lowercase hex.
    pub fn with_payload_hash(mut self, hash: String) -> Self {
        self.payload_hash = Some(hash);
        self
    }
}

/// One question for Warden.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizeRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<SignedRequest>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal: Option<String>,
    pub action: String,
    pub resource: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_account: Option<String>,
    /// The resource's policy document (JSON text).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_policy: Option<String>,
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub context: Map<String, Value>,
}

impl AuthorizeRequest {
    /// About the principal that signed `request`.
    pub fn signed(request: SignedRequest, action: &str, resource: &str) -> Self {
        AuthorizeRequest {
            request: Some(request),
            principal: None,
            action: action.to_owned(),
            resource: resource.to_owned(),
            resource_account: None,
            resource_policy: None,
            context: Map::new(),
        }
    }

    /// About a principal named by ARN (the caller needs `warden:AuthorizeAsPrincipal`).
    pub fn principal(arn: &str, action: &str, resource: &str) -> Self {
        AuthorizeRequest {
            request: None,
            principal: Some(arn.to_owned()),
            ..AuthorizeRequest::signed(
                SignedRequest::new("GET", "/", "", Vec::new()),
                action,
                resource,
            )
        }
    }

    pub fn resource_account(mut self, account: &str) -> Self {
        self.resource_account = Some(account.to_owned());
        self
    }

    pub fn resource_policy(mut self, policy: Option<&str>) -> Self {
        self.resource_policy = policy.map(str::to_owned);
        self
    }

    /// A context key (`aws:SourceIp`, `s3:prefix`, …).
    pub fn context(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.context.insert(key.to_owned(), value.into());
        self
    }
}

/// Who the principal is.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Principal {
    pub arn: String,
    pub account_id: Option<String>,
    pub user_id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub access_key_id: Option<String>,
}

/// A statement that applied.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Statement {
    pub policy_type: String,
    pub policy_name: Option<String>,
    pub statement_index: usize,
    pub sid: Option<String>,
    pub effect: String,
}

/// An error about one question (the signed request did not authenticate, or a batch item).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct AnswerError {
    #[serde(rename = "__type")]
    pub code: String,
    pub message: String,
    pub status: u16,
}

/// Warden's answer.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Answer {
    pub allowed: bool,
    /// `allowed`, `explicitDeny`, `implicitDeny`, `unauthenticated`, `error`.
    pub decision: String,
    pub principal: Option<Principal>,
    pub resource_account: Option<String>,
    pub decided_by: Option<String>,
    #[serde(default)]
    pub matched_statements: Vec<Statement>,
    #[serde(default)]
    pub missing_context_keys: Vec<String>,
    /// AWS's access-denied message.
    pub message: Option<String>,
    /// For `sts:DecodeAuthorizationMessage`.
    pub encoded_message: Option<String>,
    pub error: Option<AnswerError>,
}

#[derive(Deserialize)]
struct BatchAnswer {
    answers: Vec<Answer>,
}

/// A connection to Warden (cheap to clone; connections are pooled and kept alive).
#[derive(Debug, Clone)]
pub struct Client {
    endpoint: String,
    host: String,
    region: String,
    credentials: Credentials,
    http: HttpClient<HttpConnector, Full<Bytes>>,
}

impl Client {
    pub fn new(endpoint: &str, region: &str, credentials: Credentials) -> Result<Client, Error> {
        let endpoint = endpoint.trim_end_matches('/').to_owned();
        let host = endpoint
            .strip_prefix("http://")
            .map(|rest| rest.split('/').next().unwrap_or_default().to_owned())
            .filter(|h| !h.is_empty())
            .ok_or_else(|| Error::Endpoint(endpoint.clone()))?;
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        Ok(Client {
            endpoint,
            host,
            region: region.to_owned(),
            credentials,
            http: HttpClient::builder(TokioExecutor::new()).build(connector),
        })
    }

    /// One decision.
    pub async fn authorize(&self, request: &AuthorizeRequest) -> Result<Answer, Error> {
        let body = serde_json::to_vec(request).map_err(|e| Error::Decode(e.to_string()))?;
        let answer = self.call("/v1/authorize", body).await?;
        serde_json::from_slice(&answer).map_err(|e| Error::Decode(e.to_string()))
    }

    /// Many decisions in one call, answered in order.
    pub async fn authorize_batch(
        &self,
        requests: &[AuthorizeRequest],
    ) -> Result<Vec<Answer>, Error> {
        let body = serde_json::to_vec(&serde_json::json!({ "requests": requests }))
            .map_err(|e| Error::Decode(e.to_string()))?;
        let answer = self.call("/v1/authorize/batch", body).await?;
        let batch: BatchAnswer =
            serde_json::from_slice(&answer).map_err(|e| Error::Decode(e.to_string()))?;
        Ok(batch.answers)
    }

    async fn call(&self, path: &str, body: Vec<u8>) -> Result<Bytes, Error> {
        let uri = format!("{}{path}", self.endpoint);
        let mut headers = vec![
            ("host".to_owned(), self.host.clone()),
            ("content-type".to_owned(), "application/json".to_owned()),
        ];
        let identity = self.credentials.0.clone().into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name("warden")
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| Error::Signing(e.to_string()))?
            .into();
        let signable = SignableRequest::new(
            "POST",
            &uri,
            headers.iter().map(|(n, v)| (n.as_str(), v.as_str())),
            SignableBody::Bytes(&body),
        )
        .map_err(|e| Error::Signing(e.to_string()))?;
        let (instructions, _) = sign(signable, &params)
            .map_err(|e| Error::Signing(e.to_string()))?
            .into_parts();
        let (signed, _) = instructions.into_parts();
        for header in signed {
            headers.push((header.name().to_owned(), header.value().to_owned()));
        }
        let mut request = hyper::Request::post(&uri);
        for (name, value) in &headers {
            request = request.header(name.as_str(), value.as_str());
        }
        let request = request
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| Error::Transport(e.to_string()))?;
        let response = self
            .http
            .request(request)
            .await
            .map_err(|e| Error::Transport(e.to_string()))?;
        let status = response.status();
        let bytes = response
            .into_body()
            .collect()
            .await
            .map_err(|e| Error::Transport(e.to_string()))?
            .to_bytes();
        if !status.is_success() {
            let error: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            return Err(Error::Service {
                code: error["__type"].as_str().unwrap_or("error").to_owned(),
                message: error["message"].as_str().unwrap_or_default().to_owned(),
                status: status.as_u16(),
            });
        }
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_serialize_in_the_api_shape() {
        let material = SignedRequest::new(
            "GET",
            "/b/k",
            "",
            vec![
                ("Host".into(), "s".into()),
                ("x-amz-date".into(), "20240101T000000Z".into()),
            ],
        )
        .with_payload_hash("ab".repeat(32));
        let request = AuthorizeRequest::signed(material, "s3:GetObject", "arn:aws:s3:::b/k")
            .resource_account("111122223333")
            .context("aws:SourceIp", "10.0.0.1");
        let json = serde_json::to_value(&request).unwrap_or(Value::Null);
        assert_eq!(json["request"]["headers"]["host"][0], "s");
        assert_eq!(json["request"]["payloadHash"], "ab".repeat(32));
        assert_eq!(json["resourceAccount"], "111122223333");
        assert_eq!(json["context"]["aws:SourceIp"], "10.0.0.1");
        assert!(json.get("principal").is_none());
    }

    #[test]
    fn endpoints_must_be_http() {
        let creds = Credentials::new("AKIAEXAMPLE", "secret", None);
        assert!(matches!(
            Client::new("https://x", "us-east-1", creds.clone()),
            Err(Error::Endpoint(_))
        ));
        assert!(Client::new("http://127.0.0.1:1/", "us-east-1", creds).is_ok());
    }
}
