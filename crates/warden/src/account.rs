//! `warden account create|list`: shortcuts for Organizations' `CreateAccount` (then waiting for
//! its status) and `ListAccounts`. They talk to a running server like any AWS client: JSON 1.1
//! requests signed with SigV4 (AWS's own signer, `aws-sigv4`) with the caller's AWS credentials
//! from the usual environment variables, so the server authorizes them like any other call.

use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use anyhow::{Context, Result, anyhow, bail};
use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use clap::{Args, Subcommand, ValueEnum};
use http_body_util::{BodyExt as _, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};

/// The `X-Amz-Target` prefix of Organizations.
const TARGET_PREFIX: &str = "AWSOrganizationsV20161128";
/// How long `create` waits for the account before giving up.
const CREATE_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Create a member account of your organization (Organizations CreateAccount) and wait
    /// until it exists; prints its id. The account gets OrganizationAccountAccessRole (or
    /// --role-name), which your management account's administrators can assume.
    Create(CreateArgs),
    /// List your organization's accounts (Organizations ListAccounts).
    List(ListArgs),
}

/// Where the server is and who is asking.
#[derive(Debug, Args)]
pub struct Connection {
    /// The Warden endpoint.
    #[arg(
        long = "endpoint-url",
        env = "AWS_ENDPOINT_URL",
        default_value = "http://127.0.0.1:8080"
    )]
    endpoint: String,
    /// The region to sign for. The credentials come from AWS_ACCESS_KEY_ID,
    /// AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN (never flags: those show in process lists).
    #[arg(long, env = "AWS_REGION", default_value = "us-east-1")]
    region: String,
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// The account's name.
    #[arg(long)]
    name: String,
    /// The email address of the account's owner (unique across the server).
    #[arg(long)]
    email: String,
    /// The role the management account uses to reach the account.
    #[arg(long)]
    role_name: Option<String>,
    #[command(flatten)]
    connection: Connection,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    connection: Connection,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// Columns for people.
    Table,
    /// The API's JSON.
    Json,
}

pub fn run(command: AccountCommand) -> Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async {
        match command {
            AccountCommand::Create(args) => create(args).await,
            AccountCommand::List(args) => list(args).await,
        }
    })
}

async fn create(args: CreateArgs) -> Result<ExitCode> {
    let client = OrganizationsClient::from_env(&args.connection)?;
    let mut input = json!({"Email": args.email, "AccountName": args.name});
    if let Some(role) = &args.role_name {
        input["RoleName"] = json!(role);
    }
    let answer = client.call("CreateAccount", &input).await?;
    let request_id = answer["CreateAccountStatus"]["Id"]
        .as_str()
        .ok_or_else(|| anyhow!("CreateAccount answered without a request id: {answer}"))?
        .to_owned();
    let started = std::time::Instant::now();
    let status = loop {
        let answer = client
            .call(
                "DescribeCreateAccountStatus",
                &json!({"CreateAccountRequestId": request_id}),
            )
            .await?;
        let status = answer["CreateAccountStatus"].clone();
        match status["State"].as_str() {
            Some("IN_PROGRESS") if started.elapsed() < CREATE_TIMEOUT => {
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            Some("IN_PROGRESS") => bail!("account request {request_id} is still in progress"),
            _ => break status,
        }
    };
    if args.format == Format::Json {
        println!("{}", serde_json::to_string_pretty(&status)?);
    }
    match status["State"].as_str() {
        Some("SUCCEEDED") => {
            if args.format == Format::Table {
                println!("{}", status["AccountId"].as_str().unwrap_or_default());
            }
            Ok(ExitCode::SUCCESS)
        }
        _ => {
            eprintln!(
                "warden: account request {request_id} failed: {}",
                status["FailureReason"].as_str().unwrap_or("unknown reason")
            );
            Ok(ExitCode::from(1))
        }
    }
}

async fn list(args: ListArgs) -> Result<ExitCode> {
    let client = OrganizationsClient::from_env(&args.connection)?;
    let mut accounts: Vec<Value> = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let input = match &token {
            Some(t) => json!({"NextToken": t}),
            None => json!({}),
        };
        let page = client.call("ListAccounts", &input).await?;
        if let Some(items) = page["Accounts"].as_array() {
            accounts.extend(items.iter().cloned());
        }
        token = page["NextToken"].as_str().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    match args.format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&json!({"Accounts": accounts}))?
        ),
        Format::Table => {
            println!(
                "{:<12}  {:<10}  {:<8}  {:<32}  NAME",
                "ID", "STATUS", "JOINED", "EMAIL"
            );
            for a in &accounts {
                let field = |name: &str| a[name].as_str().unwrap_or_default().to_owned();
                println!(
                    "{:<12}  {:<10}  {:<8}  {:<32}  {}",
                    field("Id"),
                    field("Status"),
                    field("JoinedMethod"),
                    field("Email"),
                    field("Name")
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A signed JSON 1.1 client for Organizations.
struct OrganizationsClient {
    endpoint: String,
    region: String,
    credentials: Credentials,
    http: Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>,
}

impl OrganizationsClient {
    fn from_env(connection: &Connection) -> Result<OrganizationsClient> {
        let key = std::env::var("AWS_ACCESS_KEY_ID")
            .context("AWS_ACCESS_KEY_ID is not set: export the credentials to use")?;
        let secret = std::env::var("AWS_SECRET_ACCESS_KEY")
            .context("AWS_SECRET_ACCESS_KEY is not set: export the credentials to use")?;
        let token = std::env::var("AWS_SESSION_TOKEN").ok();
        let endpoint = connection.endpoint.trim_end_matches('/').to_owned();
        if !endpoint.starts_with("http://") {
            bail!(
                "`{endpoint}`: `warden account` speaks plain http:// to a Warden endpoint (put \
                 it on loopback or a private network)"
            );
        }
        Ok(OrganizationsClient {
            endpoint,
            region: connection.region.clone(),
            credentials: Credentials::new(key, secret, token, None, "warden-cli"),
            http: Client::builder(TokioExecutor::new()).build_http(),
        })
    }

    /// Calls one operation; an AWS error becomes an error naming its code and message.
    async fn call(&self, operation: &str, input: &Value) -> Result<Value> {
        let body = serde_json::to_vec(input)?;
        let uri = format!("{}/", self.endpoint);
        let host = uri
            .split("://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .unwrap_or_default()
            .to_owned();
        let target = format!("{TARGET_PREFIX}.{operation}");
        let mut headers = vec![
            ("host".to_owned(), host),
            (
                "content-type".to_owned(),
                "application/x-amz-json-1.1".to_owned(),
            ),
            ("x-amz-target".to_owned(), target),
        ];
        let identity = self.credentials.clone().into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name("organizations")
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .context("signing parameters")?
            .into();
        let signable = SignableRequest::new(
            "POST",
            &uri,
            headers.iter().map(|(n, v)| (n.as_str(), v.as_str())),
            SignableBody::Bytes(&body),
        )
        .context("signing the request")?;
        let (instructions, _) = sign(signable, &params)
            .context("signing the request")?
            .into_parts();
        let (signed, _) = instructions.into_parts();
        for header in signed {
            headers.push((header.name().to_owned(), header.value().to_owned()));
        }
        let mut request = hyper::Request::post(&uri);
        for (name, value) in &headers {
            request = request.header(name.as_str(), value.as_str());
        }
        let request = request.body(Full::new(Bytes::from(body)))?;
        let response = self
            .http
            .request(request)
            .await
            .with_context(|| format!("cannot reach {}", self.endpoint))?;
        let status = response.status();
        let bytes = response.into_body().collect().await?.to_bytes();
        let answer: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        if !status.is_success() {
            let code = answer["__type"].as_str().unwrap_or("error");
            let message = answer["Message"]
                .as_str()
                .or_else(|| answer["message"].as_str())
                .unwrap_or_default();
            bail!("{operation}: {code}: {message} (HTTP {status})");
        }
        Ok(answer)
    }
}
