#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // benchmark setup: a panic is a broken benchmark
//! Wire-layer cost per request. Run: `cargo bench -p warden-protocol --bench codec`.
//!
//! Parse + decode of a small request (CreateUser with two tags), of a request that fails
//! validation, and XML encoding of a ListUsers page of 100 users.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use time::macros::datetime;
use warden_protocol::iam::{self, ListUsersResponse, Response, Tag, User};
use warden_protocol::{Params, error_xml};

const CREATE_USER: &[u8] = b"Action=CreateUser&Version=2010-05-08&UserName=alice&Path=%2Fteam%2F\
    &Tags.member.1.Key=env&Tags.member.1.Value=prod&Tags.member.2.Key=team&Tags.member.2.Value=payments";

fn decode(c: &mut Criterion) {
    c.bench_function("parse+decode CreateUser (2 tags)", |b| {
        b.iter(|| {
            let params = Params::parse("", black_box(CREATE_USER));
            iam::decode_request(&params).unwrap()
        })
    });
    let bad = b"Action=CreateUser&Version=2010-05-08&UserName=bad%20name&Path=x";
    c.bench_function("parse+decode+error_xml invalid CreateUser", |b| {
        b.iter(|| {
            let params = Params::parse("", black_box(bad));
            let err = iam::decode_request(&params).unwrap_err();
            error_xml(iam::NAMESPACE, &err, "request-id")
        })
    });
}

fn encode(c: &mut Criterion) {
    let users = (0..100)
        .map(|i| User {
            path: "/".into(),
            user_name: format!("user-{i}"),
            user_id: format!("AIDA{i:016}"),
            arn: format!("arn:aws:iam::123456789012:user/user-{i}"),
            create_date: datetime!(2026-11-22 10:00:00 UTC),
            tags: Some(vec![Tag {
                key: "team".into(),
                value: "payments & ops".into(),
            }]),
            ..Default::default()
        })
        .collect();
    let response = Response::ListUsers(ListUsersResponse {
        users,
        is_truncated: Some(true),
        marker: Some("user-99".into()),
    });
    c.bench_function("encode ListUsers (100 users)", |b| {
        b.iter(|| black_box(&response).to_xml("7a62c49f-347e-4fc4-9331-6e8eEXAMPLE"))
    });
}

criterion_group!(benches, decode, encode);
criterion_main!(benches);
