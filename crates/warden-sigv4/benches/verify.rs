//! The per-request cost of authentication: parse the claim, derive the key (servers may cache
//! it), verify. Requests are signed by AWS's own signer in the shape the CLI sends.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::time::{Duration, UNIX_EPOCH};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    SignableBody, SignableRequest, SignatureLocation, SigningSettings, sign,
};
use aws_sigv4::sign::v4;
use criterion::{Criterion, black_box, criterion_group, criterion_main};
use warden_sigv4::{HttpRequest, SigningKey, parse_auth, verify};

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const NOW: i64 = 1_704_067_200;

struct Owned {
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

fn signed(query: &str, body: &[u8], presign: bool, token: bool) -> Owned {
    let token = token.then(|| "FwoGZXIvYXdzEJr//////////wEaDOdkEXAMPLETOKEN".repeat(8));
    let identity = Credentials::new("AKIAIOSFODNN7EXAMPLE", SECRET, token, None, "bench").into();
    let mut settings = SigningSettings::default();
    if presign {
        settings.signature_location = SignatureLocation::QueryParams;
        settings.expires_in = Some(Duration::from_secs(900));
    }
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name("iam")
        .time(UNIX_EPOCH + Duration::from_secs(NOW as u64))
        .settings(settings)
        .build()
        .unwrap()
        .into();
    let mut headers = vec![
        ("host".to_owned(), "iam.amazonaws.com".to_owned()),
        (
            "content-type".to_owned(),
            "application/x-www-form-urlencoded; charset=utf-8".to_owned(),
        ),
        (
            "user-agent".to_owned(),
            "aws-cli/2.15.0 Python/3.11".to_owned(),
        ),
    ];
    let uri = format!("https://iam.amazonaws.com/?{query}");
    let signable = SignableRequest::new(
        "POST",
        uri,
        headers.iter().map(|(n, v)| (n.as_str(), v.as_str())),
        SignableBody::Bytes(body),
    )
    .unwrap();
    let (instructions, _) = sign(signable, &params).unwrap().into_parts();
    let (new_headers, new_params) = instructions.into_parts();
    headers.extend(
        new_headers
            .iter()
            .map(|h| (h.name().to_owned(), h.value().to_owned())),
    );
    let mut query = query.to_owned();
    for (name, value) in new_params {
        let value: String =
            percent_encoding::utf8_percent_encode(&value, percent_encoding::NON_ALPHANUMERIC)
                .to_string();
        query.push_str(&format!("&{name}={value}"));
    }
    Owned {
        query,
        headers,
        body: body.to_vec(),
    }
}

fn bench_case(c: &mut Criterion, name: &str, owned: &Owned) {
    let headers: Vec<(&str, &str)> = owned
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let req = HttpRequest {
        method: "POST",
        path: "/",
        query: &owned.query,
        headers: &headers,
        body: &owned.body,
    };
    let auth = parse_auth(&req).unwrap().unwrap();
    let key = SigningKey::derive(SECRET, auth.date(), auth.region(), auth.service());
    verify(&req, &auth, &key, NOW).unwrap();

    c.bench_function(&format!("{name}/parse+verify (cached key)"), |b| {
        b.iter(|| {
            let auth = parse_auth(black_box(&req)).unwrap().unwrap();
            verify(black_box(&req), &auth, &key, NOW).unwrap();
        })
    });
    c.bench_function(&format!("{name}/parse+derive+verify"), |b| {
        b.iter(|| {
            let auth = parse_auth(black_box(&req)).unwrap().unwrap();
            let key = SigningKey::derive(SECRET, auth.date(), auth.region(), auth.service());
            verify(black_box(&req), &auth, &key, NOW).unwrap();
        })
    });
}

fn benches(c: &mut Criterion) {
    let body = b"Action=CreateUser&UserName=alice&Path=%2Fdivision_abc%2Fsubdivision_xyz%2F&Tags.member.1.Key=team&Tags.member.1.Value=platform&Version=2010-05-08";
    bench_case(c, "header", &signed("", body, false, false));
    bench_case(c, "header+token", &signed("", body, false, true));
    bench_case(
        c,
        "presigned",
        &signed(
            "Action=GetCallerIdentity&Version=2011-06-15",
            b"",
            true,
            true,
        ),
    );
    c.bench_function("derive signing key", |b| {
        b.iter(|| SigningKey::derive(black_box(SECRET), "20240101", "us-east-1", "iam"))
    });
}

criterion_group!(sigv4, benches);
criterion_main!(sigv4);
