//! Load generator for the authorization API: single decisions (latency percentiles at a given
//! concurrency) and batches (decisions per second), over keep-alive connections.
//!
//! ```text
//! WARDEN_ENDPOINT=http://127.0.0.1:8080 AWS_ACCESS_KEY_ID=… AWS_SECRET_ACCESS_KEY=… \
//!   cargo run --release -p warden-client --example authorize-load -- [SECONDS] [CONCURRENCY] [BATCH]
//! ```
//! The credentials are the caller's (root of the account is simplest) and also sign the
//! material of the signed-request form, as a client of a service would.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant, SystemTime};

use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use warden_client::{AuthorizeRequest, Client, Credentials, SignedRequest};

fn material(key: &str, secret: &str) -> SignedRequest {
    let creds = aws_credential_types::Credentials::new(key, secret, None, None, "load");
    let identity = creds.into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name("sqs")
        .time(SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .unwrap()
        .into();
    let mut headers = vec![("host".to_owned(), "queue.example".to_owned())];
    let uri = "http://queue.example/123456789012/q?Action=ReceiveMessage";
    let signable = SignableRequest::new(
        "GET",
        uri,
        headers.iter().map(|(n, v)| (n.as_str(), v.as_str())),
        SignableBody::Bytes(b""),
    )
    .unwrap();
    let (instructions, _) = sign(signable, &params).unwrap().into_parts();
    for h in instructions.into_parts().0 {
        headers.push((h.name().to_owned(), h.value().to_owned()));
    }
    SignedRequest::new("GET", "/123456789012/q", "Action=ReceiveMessage", headers)
}

async fn run_single(client: &Client, request: &AuthorizeRequest, seconds: u64, concurrency: usize) {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let client = client.clone();
        let request = request.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while Instant::now() < deadline {
                let start = Instant::now();
                let answer = client.authorize(&request).await.unwrap();
                latencies.push(start.elapsed());
                assert!(answer.error.is_none(), "{:?}", answer.error);
            }
            latencies
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    all.sort();
    let pct = |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)];
    println!(
        "  concurrency {concurrency}: {} decisions/s, p50 {:?}, p90 {:?}, p99 {:?} ({} calls)",
        all.len() as u64 / seconds,
        pct(0.5),
        pct(0.9),
        pct(0.99),
        all.len()
    );
}

async fn run_batch(
    client: &Client,
    request: &AuthorizeRequest,
    seconds: u64,
    concurrency: usize,
    size: usize,
) {
    let batch = vec![request.clone(); size];
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let client = client.clone();
        let batch = batch.clone();
        tasks.push(tokio::spawn(async move {
            let mut decisions = 0usize;
            let mut calls = Vec::new();
            while Instant::now() < deadline {
                let start = Instant::now();
                let answers = client.authorize_batch(&batch).await.unwrap();
                calls.push(start.elapsed());
                decisions += answers.len();
            }
            (decisions, calls)
        }));
    }
    let (mut decisions, mut calls) = (0, Vec::new());
    for t in tasks {
        let (d, c) = t.await.unwrap();
        decisions += d;
        calls.extend(c);
    }
    calls.sort();
    println!(
        "  batch {size} × concurrency {concurrency}: {} decisions/s, p50 per call {:?}",
        decisions as u64 / seconds,
        calls[calls.len() / 2]
    );
}

#[tokio::main]
async fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .map(|a| a.parse().unwrap())
        .collect();
    let seconds = args.first().copied().unwrap_or(5);
    let concurrency = args.get(1).copied().unwrap_or(4) as usize;
    let batch = args.get(2).copied().unwrap_or(100) as usize;
    let endpoint = std::env::var("WARDEN_ENDPOINT").unwrap_or("http://127.0.0.1:8080".into());
    let key = std::env::var("AWS_ACCESS_KEY_ID").expect("AWS_ACCESS_KEY_ID");
    let secret = std::env::var("AWS_SECRET_ACCESS_KEY").expect("AWS_SECRET_ACCESS_KEY");
    let client = Client::new(
        &endpoint,
        "us-east-1",
        Credentials::new(&key, &secret, None),
    )
    .unwrap();
    let account = client
        .authorize(&AuthorizeRequest::signed(
            material(&key, &secret),
            "sqs:ReceiveMessage",
            "*",
        ))
        .await
        .unwrap()
        .principal
        .and_then(|p| p.account_id)
        .expect("the credentials authenticate");
    let resource = format!("arn:aws:sqs:us-east-1:{account}:q");
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{account}:root"}},"Action":"sqs:ReceiveMessage","Resource":"{resource}","Condition":{{"IpAddress":{{"aws:SourceIp":"127.0.0.0/8"}}}}}}]}}"#
    );
    let by_arn = AuthorizeRequest::principal(
        &format!("arn:aws:iam::{account}:root"),
        "sqs:ReceiveMessage",
        &resource,
    )
    .resource_policy(Some(&policy))
    .context("aws:SourceIp", "127.0.0.1");
    let signed = AuthorizeRequest::signed(material(&key, &secret), "sqs:ReceiveMessage", &resource)
        .resource_policy(Some(&policy))
        .context("aws:SourceIp", "127.0.0.1");
    for (name, request) in [("principal ARN", &by_arn), ("signed request", &signed)] {
        println!("single decisions, {name} form:");
        run_single(&client, request, seconds, 1).await;
        run_single(&client, request, seconds, concurrency).await;
        println!("batches, {name} form:");
        run_batch(&client, request, seconds, concurrency, batch).await;
    }
}
