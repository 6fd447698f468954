//! The HTTP client that fetches identity providers' discovery documents and key sets for
//! warden-core's web identity verifier ([`OidcFetcher`]).
//!
//! hyper's own client (hyper is already in the build through axum) over rustls with the ring
//! provider and the webpki root store: no OpenSSL, no platform certificate store to find, the
//! same roots on every machine. It is deliberately small: GET only, no redirects followed (a
//! provider's URLs are its own), a few seconds per fetch, and a cap on the body.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use http_body_util::{BodyExt as _, Empty, Limited};
use hyper::{Request, StatusCode, Uri};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use warden_core::web_token::check_fetch_url;
use warden_core::{FetchError, FetchFuture, OidcFetcher};

/// How long one fetch (connecting, TLS, the whole answer) may take.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// The largest answer read: discovery documents and key sets are a few KiB.
pub const MAX_RESPONSE_BYTES: usize = 256 * 1024;

/// Fetches over HTTPS (and plain HTTP on loopback addresses, which warden-core allows for local
/// identity providers).
#[derive(Clone)]
pub struct HttpFetcher {
    client: Client<HttpsConnector<HttpConnector>, Empty<Bytes>>,
}

impl std::fmt::Debug for HttpFetcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpFetcher").finish_non_exhaustive()
    }
}

/// Why the client could not be built.
#[derive(Debug, thiserror::Error)]
#[error("cannot set up TLS for fetching identity providers' keys: {0}")]
pub struct FetcherError(#[from] rustls::Error);

impl HttpFetcher {
    pub fn new() -> Result<HttpFetcher, FetcherError> {
        let mut http = HttpConnector::new();
        // The TLS layer wraps this connector, so it must let `https://` URLs through.
        http.enforce_http(false);
        http.set_connect_timeout(Some(FETCH_TIMEOUT));
        let https = HttpsConnectorBuilder::new()
            .with_provider_and_webpki_roots(rustls::crypto::ring::default_provider())?
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        Ok(HttpFetcher {
            client: Client::builder(TokioExecutor::new()).build(https),
        })
    }

    /// The fetcher as warden-core takes it.
    pub fn shared() -> Result<Arc<dyn OidcFetcher>, FetcherError> {
        Ok(Arc::new(HttpFetcher::new()?))
    }

    async fn fetch(&self, url: &str) -> Result<Vec<u8>, FetchError> {
        let refused = |reason: String| FetchError::Refused {
            url: url.to_owned(),
            reason,
        };
        check_fetch_url(url).map_err(|e| refused(e.to_string()))?;
        let uri: Uri = url.parse().map_err(|e| refused(format!("{e}")))?;
        let request = Request::get(uri)
            .header(hyper::header::ACCEPT, "application/json")
            .header(
                hyper::header::USER_AGENT,
                concat!("warden/", env!("CARGO_PKG_VERSION")),
            )
            .body(Empty::new())
            .map_err(|e| refused(e.to_string()))?;
        let unreachable = |reason: String| FetchError::Unreachable {
            url: url.to_owned(),
            reason,
        };
        let response = self
            .client
            .request(request)
            .await
            .map_err(|e| unreachable(error_chain(&e)))?;
        if response.status() != StatusCode::OK {
            return Err(FetchError::Status {
                url: url.to_owned(),
                status: response.status().as_u16(),
            });
        }
        let body = Limited::new(response.into_body(), MAX_RESPONSE_BYTES)
            .collect()
            .await
            .map_err(|e| {
                if e.is::<http_body_util::LengthLimitError>() {
                    FetchError::TooLarge {
                        url: url.to_owned(),
                        limit: MAX_RESPONSE_BYTES,
                    }
                } else {
                    unreachable(e.to_string())
                }
            })?;
        Ok(body.to_bytes().to_vec())
    }
}

impl OidcFetcher for HttpFetcher {
    fn get<'a>(&'a self, url: &'a str) -> FetchFuture<'a> {
        Box::pin(async move {
            match tokio::time::timeout(FETCH_TIMEOUT, self.fetch(url)).await {
                Ok(result) => result,
                Err(_) => Err(FetchError::Timeout {
                    url: url.to_owned(),
                    seconds: FETCH_TIMEOUT.as_secs(),
                }),
            }
        })
    }
}

/// An error and its causes on one line: hyper's own message alone ("client error (Connect)")
/// does not say what went wrong.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    /// A one-shot HTTP server on loopback answering `response` to the first request.
    async fn serve_once(response: Vec<u8>) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 4096];
            let _ = socket.read(&mut buf).await.unwrap();
            socket.write_all(&response).await.unwrap();
            socket.shutdown().await.unwrap();
        });
        format!("http://{addr}/jwks")
    }

    fn answer(status: &str, body: &[u8]) -> Vec<u8> {
        let mut r = format!(
            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
            body.len()
        )
        .into_bytes();
        r.extend_from_slice(body);
        r
    }

    #[tokio::test]
    async fn fetches_a_body_from_loopback() {
        let url = serve_once(answer("200 OK", br#"{"keys":[]}"#)).await;
        let fetcher = HttpFetcher::new().unwrap();
        assert_eq!(fetcher.get(&url).await.unwrap(), br#"{"keys":[]}"#);
    }

    #[tokio::test]
    async fn refuses_redirects_errors_and_large_bodies() {
        let fetcher = HttpFetcher::new().unwrap();
        let url = serve_once(
            b"HTTP/1.1 302 Found\r\nlocation: http://127.0.0.1:1/\r\ncontent-length: 0\r\n\r\n"
                .to_vec(),
        )
        .await;
        assert!(matches!(
            fetcher.get(&url).await,
            Err(FetchError::Status { status: 302, .. })
        ));
        let url = serve_once(answer("404 Not Found", b"")).await;
        assert!(matches!(
            fetcher.get(&url).await,
            Err(FetchError::Status { status: 404, .. })
        ));
        let url = serve_once(answer("200 OK", &vec![b' '; MAX_RESPONSE_BYTES + 1])).await;
        assert!(matches!(
            fetcher.get(&url).await,
            Err(FetchError::TooLarge { .. })
        ));
    }

    #[tokio::test]
    async fn fetches_only_https_or_loopback() {
        let fetcher = HttpFetcher::new().unwrap();
        assert!(matches!(
            fetcher.get("http://192.0.2.1/jwks").await,
            Err(FetchError::Refused { .. })
        ));
        // Nothing listens on port 1 of loopback.
        assert!(matches!(
            fetcher.get("http://127.0.0.1:1/jwks").await,
            Err(FetchError::Unreachable { .. })
        ));
    }
}
