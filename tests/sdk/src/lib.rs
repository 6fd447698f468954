//! Test harness: runs a real `warden serve` on 127.0.0.1 and builds official AWS SDK clients for it.
//!
//! Every test starts its own server on a fresh data directory, so tests are independent and may run
//! in parallel. The server is stopped with SIGTERM when the [`Warden`] value is dropped; a test that
//! failed also prints the server's stderr.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_sdk_iam::config::http::HttpResponse;
use aws_sdk_iam::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::oneshot;

pub const ACCOUNT_ID: &str = "123456789012";
pub const REGION: &str = "us-east-1";
/// Root credentials shaped like real ones: AKIA + 16 upper-case alphanumerics; a 40-character secret.
pub const ROOT_ACCESS_KEY_ID: &str = "AKIAWARDENROOT000001";
pub const ROOT_SECRET_ACCESS_KEY: &str = "sdkRootSecretAccessKey/0123456789+abcdEF";
/// base64 of the 32 bytes 0x00..0x1f.
const MASTER_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

const START_TIMEOUT: Duration = Duration::from_secs(60);
const STOP_TIMEOUT: Duration = Duration::from_secs(20);

/// The binary under test: `$WARDEN_BIN` (a relative path is taken from this crate's directory),
/// else the workspace's debug build.
pub fn warden_bin() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    match std::env::var_os("WARDEN_BIN") {
        Some(path) => manifest_dir.join(path),
        None => manifest_dir.join("../../target/debug/warden"),
    }
}

/// A running `warden serve`.
pub struct Warden {
    child: Child,
    endpoint: String,
    dir: PathBuf,
}

impl fmt::Debug for Warden {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Warden")
            .field("endpoint", &self.endpoint)
            .field("dir", &self.dir)
            .finish()
    }
}

impl Warden {
    /// Starts the server on a free port with a fresh data directory and waits until it prints
    /// `listening on http://ADDR` and answers its health check.
    pub async fn start() -> Warden {
        Warden::start_with(&["--data", "data", "--account-id", ACCOUNT_ID]).await
    }

    /// `warden serve --dev` plus `extra` (`--enforce`, `--seed FILE`, …): in memory, account
    /// 123456789012, root key [`ROOT_ACCESS_KEY_ID`].
    pub async fn start_dev(extra: &[&str]) -> Warden {
        let mut args = vec!["--dev"];
        args.extend_from_slice(extra);
        Warden::start_with(&args).await
    }

    /// Starts `warden serve --listen 127.0.0.1:0 ARGS` in a fresh directory (its working
    /// directory, so a relative `--data` lands there).
    async fn start_with(args: &[&str]) -> Warden {
        let binary = warden_bin();
        assert!(
            binary.is_file(),
            "Warden binary not found at {}: build it (cargo build -p warden) or set WARDEN_BIN",
            binary.display()
        );
        let dir = fresh_dir();
        let stderr = std::fs::File::create(dir.join("stderr.log")).unwrap();

        let mut command = Command::new(&binary);
        command
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(args);
        // Nothing from the caller's environment may configure the server but what we set here.
        for (name, _) in std::env::vars_os() {
            let name = name.to_string_lossy();
            if name.starts_with("WARDEN_") || name.starts_with("AWS_") {
                command.env_remove(&*name);
            }
        }
        command
            .env("WARDEN_ROOT_ACCESS_KEY_ID", ROOT_ACCESS_KEY_ID)
            .env("WARDEN_ROOT_SECRET_ACCESS_KEY", ROOT_SECRET_ACCESS_KEY)
            .env("WARDEN_MASTER_KEY", MASTER_KEY)
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(stderr))
            // A backstop: SIGKILL if the value is dropped without our Drop having stopped it.
            .kill_on_drop(true);
        let mut child = command
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {}: {error}", binary.display()));

        // Read stdout for the whole life of the process, so the server never blocks on a full pipe.
        let stdout = child.stdout.take().unwrap();
        let (found, listening) = oneshot::channel::<String>();
        tokio::spawn(async move {
            let mut lines = BufReader::new(stdout).lines();
            let mut found = Some(found);
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(endpoint) = listening_endpoint(&line)
                    && let Some(found) = found.take()
                {
                    let _ = found.send(endpoint);
                }
            }
        });

        let endpoint = match tokio::time::timeout(START_TIMEOUT, listening).await {
            Ok(Ok(endpoint)) => endpoint,
            Ok(Err(_)) => {
                // stdout closed without the line: the server exited.
                let status = match tokio::time::timeout(Duration::from_secs(5), child.wait()).await
                {
                    Ok(Ok(status)) => status.to_string(),
                    other => format!("{other:?}"),
                };
                let stderr = stderr_tail(&dir);
                let _ = std::fs::remove_dir_all(&dir);
                panic!(
                    "warden exited before printing `listening on http://ADDR` ({status})\nstderr:\n{stderr}"
                );
            }
            Err(_) => {
                let _ = child.start_kill();
                let _ = tokio::time::timeout(Duration::from_secs(5), child.wait()).await;
                let stderr = stderr_tail(&dir);
                let _ = std::fs::remove_dir_all(&dir);
                panic!(
                    "warden did not print `listening on http://ADDR` within {START_TIMEOUT:?}\nstderr:\n{stderr}"
                );
            }
        };
        let warden = Warden {
            child,
            endpoint,
            dir,
        };
        warden.wait_healthy().await;
        warden
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The server's stderr so far.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(self.dir.join("stderr.log")).unwrap_or_default()
    }

    /// `GET /_warden/health`: the HTTP status code.
    pub async fn health_status(&self) -> u16 {
        let authority = self.endpoint.trim_start_matches("http://");
        let mut stream = tokio::net::TcpStream::connect(authority).await.unwrap();
        let request = format!(
            "GET /_warden/health HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n"
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await.unwrap();
        let response = String::from_utf8_lossy(&response);
        let status_line = response.lines().next().unwrap_or_default();
        status_line
            .split(' ')
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or_else(|| panic!("not an HTTP response: {response:?}"))
    }

    async fn wait_healthy(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let status = tokio::time::timeout(Duration::from_secs(5), self.health_status()).await;
            if status == Ok(200) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{}/_warden/health did not answer 200 (last: {status:?})\nstderr:\n{}",
                self.endpoint,
                stderr_tail(&self.dir)
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// SDK configuration for these credentials: static credentials, this server as the endpoint,
    /// one attempt per call (a retry would hide what the server answered first).
    pub async fn sdk_config(&self, access_key_id: &str, secret_access_key: &str) -> SdkConfig {
        let credentials = Credentials::new(
            access_key_id,
            secret_access_key,
            None,
            None,
            "warden-sdk-tests",
        );
        self.sdk_config_for(REGION, credentials).await
    }

    /// SDK configuration for any credentials (a session token included) signed for `region`.
    pub async fn sdk_config_for(&self, region: &str, credentials: Credentials) -> SdkConfig {
        aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(region.to_owned()))
            .credentials_provider(credentials)
            .endpoint_url(&self.endpoint)
            .use_fips(false)
            .use_dual_stack(false)
            .http_client(aws_smithy_http_client::Builder::new().build_http())
            .retry_config(RetryConfig::disabled())
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(5))
                    .operation_timeout(Duration::from_secs(30))
                    .build(),
            )
            .load()
            .await
    }

    pub async fn iam(&self, access_key_id: &str, secret_access_key: &str) -> aws_sdk_iam::Client {
        aws_sdk_iam::Client::new(&self.sdk_config(access_key_id, secret_access_key).await)
    }

    pub async fn sts(&self, access_key_id: &str, secret_access_key: &str) -> aws_sdk_sts::Client {
        aws_sdk_sts::Client::new(&self.sdk_config(access_key_id, secret_access_key).await)
    }

    /// IAM as the account's root user.
    pub async fn root_iam(&self) -> aws_sdk_iam::Client {
        self.iam(ROOT_ACCESS_KEY_ID, ROOT_SECRET_ACCESS_KEY).await
    }

    /// Sends SIGTERM and waits for the exit status; `None` if the server had to be killed instead.
    pub fn stop(&mut self) -> Option<ExitStatus> {
        if let Ok(Some(status)) = self.child.try_wait() {
            return Some(status);
        }
        // No pid: the process was already reaped.
        let pid = self.child.id()?;
        // `kill` from procps: SIGTERM without a signal-handling dependency.
        let signalled = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        if !signalled {
            let _ = self.child.start_kill();
            return None;
        }
        let deadline = Instant::now() + STOP_TIMEOUT;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.start_kill();
        None
    }
}

impl Drop for Warden {
    fn drop(&mut self) {
        let status = match self.stop() {
            Some(status) => status.to_string(),
            None => "no exit status after SIGTERM: killed".to_owned(),
        };
        if std::thread::panicking() {
            eprintln!(
                "--- warden at {} ({status}), stderr:\n{}",
                self.endpoint,
                stderr_tail(&self.dir)
            );
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn listening_endpoint(line: &str) -> Option<String> {
    let rest = &line[line.find("listening on http://")? + "listening on ".len()..];
    let endpoint = rest.split_whitespace().next()?;
    Some(endpoint.trim_end_matches('/').to_owned())
}

fn stderr_tail(dir: &Path) -> String {
    let text = std::fs::read_to_string(dir.join("stderr.log")).unwrap_or_default();
    let start = text.len().saturating_sub(8000);
    let start = (start..text.len())
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(text.len());
    text[start..].to_owned()
}

fn fresh_dir() -> PathBuf {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let name = format!(
        "warden-sdk-{}-{}-{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    let dir = std::env::temp_dir().join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A name no other call in this process uses.
pub fn unique(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}-{:x}{:x}",
        nanos,
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// What a service error looked like on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceFailure {
    pub status: u16,
    pub code: String,
    pub message: String,
}

/// The HTTP status, error code and message of a call that the service refused; panics on any
/// other outcome (success, connection failure, unparsable answer).
pub fn service_failure<T: fmt::Debug, E>(
    result: Result<T, SdkError<E, HttpResponse>>,
) -> ServiceFailure
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let error = match result {
        Ok(output) => panic!("expected a service error, got success: {output:?}"),
        Err(error) => error,
    };
    match &error {
        SdkError::ServiceError(service) => ServiceFailure {
            status: service.raw().status().as_u16(),
            code: service.err().code().unwrap_or_default().to_owned(),
            message: service.err().message().unwrap_or_default().to_owned(),
        },
        _ => panic!(
            "expected a service error, got: {}",
            DisplayErrorContext(&error)
        ),
    }
}

/// Unwraps an SDK result, showing the whole error chain (code, message) when it failed.
pub trait OrFail<T> {
    fn or_fail(self, what: &str) -> T;
}

impl<T, E, R> OrFail<T> for Result<T, SdkError<E, R>>
where
    E: std::error::Error + Send + Sync + 'static,
    R: fmt::Debug,
{
    fn or_fail(self, what: &str) -> T {
        self.unwrap_or_else(|error| panic!("{what} failed: {}", DisplayErrorContext(&error)))
    }
}

/// A policy document with one statement.
pub fn allow_policy(action: &str, resource: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"{action}","Resource":"{resource}"}}]}}"#
    )
}

/// A policy document as it was sent: IAM returns documents URL-encoded (RFC 3986), and the SDK
/// hands them over as they came.
pub fn url_decoded(document: &str) -> String {
    percent_encoding::percent_decode_str(document)
        .decode_utf8()
        .unwrap_or_else(|e| panic!("document is not URL-encoded UTF-8 ({e}): {document}"))
        .into_owned()
}

/// Creates a user with an access key; returns the key id and secret.
pub async fn user_with_key(iam: &aws_sdk_iam::Client, name: &str) -> (String, String) {
    iam.create_user()
        .user_name(name)
        .send()
        .await
        .or_fail("CreateUser");
    let key = iam
        .create_access_key()
        .user_name(name)
        .send()
        .await
        .or_fail("CreateAccessKey")
        .access_key
        .expect("CreateAccessKey returned no AccessKey");
    (key.access_key_id, key.secret_access_key)
}

/// `GetRole`'s role, failing the test on any error.
pub async fn get_role(iam: &aws_sdk_iam::Client, name: &str) -> aws_sdk_iam::types::Role {
    iam.get_role()
        .role_name(name)
        .send()
        .await
        .or_fail("GetRole")
        .role
        .expect("GetRole returned no Role")
}

/// `GetPolicy`'s policy, failing the test on any error.
pub async fn get_policy(iam: &aws_sdk_iam::Client, arn: &str) -> aws_sdk_iam::types::Policy {
    iam.get_policy()
        .policy_arn(arn)
        .send()
        .await
        .or_fail("GetPolicy")
        .policy
        .expect("GetPolicy returned no Policy")
}

/// `GetUser`'s user, failing the test on any error.
pub async fn get_user(iam: &aws_sdk_iam::Client, name: &str) -> aws_sdk_iam::types::User {
    iam.get_user()
        .user_name(name)
        .send()
        .await
        .or_fail("GetUser")
        .user
        .expect("GetUser returned no User")
}

#[cfg(test)]
mod tests {
    use super::listening_endpoint;

    #[test]
    fn listening_line_is_parsed() {
        assert_eq!(
            listening_endpoint("listening on http://127.0.0.1:43123").as_deref(),
            Some("http://127.0.0.1:43123")
        );
        assert_eq!(
            listening_endpoint("2026 INFO warden: listening on http://127.0.0.1:80/ (pid 7)")
                .as_deref(),
            Some("http://127.0.0.1:80")
        );
        assert_eq!(listening_endpoint("starting"), None);
    }
}
