//! How the verifier reaches identity providers: a trait, so warden-core stays free of HTTP (only
//! warden-server knows it) and tests use a fake.

use std::future::Future;
use std::pin::Pin;

/// The answer to one fetch: the response body of a `200 OK`.
pub type FetchFuture<'a> = Pin<Box<dyn Future<Output = Result<Vec<u8>, FetchError>> + Send + 'a>>;

/// Fetches identity providers' discovery documents and key sets.
///
/// An implementation answers only `200 OK` bodies, follows no redirects, gives up after a few
/// seconds and refuses bodies larger than it is willing to hold; it fetches only what
/// [`check_fetch_url`](super::check_fetch_url) allows.
pub trait OidcFetcher: Send + Sync + std::fmt::Debug {
    fn get<'a>(&'a self, url: &'a str) -> FetchFuture<'a>;
}

/// Why a fetch failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("`{url}` is not a URL Warden fetches: {reason}")]
    Refused { url: String, reason: String },
    #[error("cannot reach `{url}`: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("`{url}` did not answer within {seconds} seconds")]
    Timeout { url: String, seconds: u64 },
    #[error("`{url}` answered HTTP {status}")]
    Status { url: String, status: u16 },
    #[error("`{url}` answered more than {limit} bytes")]
    TooLarge { url: String, limit: usize },
}
