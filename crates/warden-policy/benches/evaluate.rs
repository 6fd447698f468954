#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // benchmark setup: a panic is a broken benchmark
//! Decision latency. Run: `cargo bench -p warden-policy --bench evaluate`.
//!
//! (a) one small policy; (b) a user in three groups with twelve policies of ~50 statements each,
//! with conditions and policy variables; (c) one policy of ~4,000 action patterns, the size of
//! AWS's ReadOnlyAccess.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use warden_policy::{
    CompiledPolicy, Outcome, Policies, PolicySet, Principal, RequestContext, evaluate,
};

const USER: &str = "arn:aws:iam::111122223333:user/alice";

fn request(action: &str, resource: &str) -> RequestContext {
    let mut ctx = RequestContext::new(Principal::parse(USER).unwrap(), action, resource);
    ctx.insert("aws:SourceIp", vec!["10.20.30.40".into()]);
    ctx.insert("aws:PrincipalTag/team", vec!["payments".into()]);
    ctx.insert("aws:SecureTransport", vec!["true".into()]);
    ctx.insert("aws:CurrentTime", vec!["2026-11-22T12:00:00Z".into()]);
    ctx
}

fn small_policy() -> PolicySet {
    PolicySet::new([CompiledPolicy::parse(
        r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::reports","arn:aws:s3:::reports/*"]},
            {"Effect":"Deny","Action":"s3:DeleteObject","Resource":"*"}]}"#,
    )
    .unwrap()])
}

const SERVICES: [&str; 25] = [
    "s3",
    "ec2",
    "sqs",
    "sns",
    "dynamodb",
    "lambda",
    "kms",
    "logs",
    "cloudwatch",
    "iam",
    "sts",
    "rds",
    "ecs",
    "ecr",
    "eks",
    "elasticloadbalancing",
    "autoscaling",
    "route53",
    "cloudfront",
    "secretsmanager",
    "ssm",
    "kinesis",
    "firehose",
    "glue",
    "athena",
];

/// Twelve policies of 50 statements: exact actions, wildcards, conditions and variables.
fn twelve_policies() -> PolicySet {
    let conditions = [
        "",
        r#","Condition":{"StringEquals":{"aws:PrincipalTag/team":"payments"}}"#,
        r#","Condition":{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","192.168.0.0/16"]}}"#,
        r#","Condition":{"Bool":{"aws:SecureTransport":"true"},"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}"#,
        r#","Condition":{"StringLike":{"aws:PrincipalTag/team":"pay*"}}"#,
    ];
    let policies = (0..12).map(|p| {
        let statements: Vec<String> = (0..50)
            .map(|s| {
                let service = SERVICES[(p * 50 + s) % SERVICES.len()];
                let action = match s % 4 {
                    0 => format!(r#"["{service}:Get{p}x{s}","{service}:Describe{s}"]"#),
                    1 => format!(r#""{service}:List{p}*""#),
                    2 => format!(r#"["{service}:Put{p}x{s}","{service}:Create{s}*"]"#),
                    _ => format!(r#""{service}:Tag{s}?{p}""#),
                };
                let resource = match s % 3 {
                    0 => format!(r#""arn:aws:{service}:*:111122223333:thing{s}/*""#),
                    1 => format!(r#""arn:aws:{service}:::home/${{aws:username}}/{p}/*""#),
                    _ => r#""*""#.to_owned(),
                };
                let effect = if s % 10 == 9 { "Deny" } else { "Allow" };
                format!(
                    r#"{{"Sid":"S{p}x{s}","Effect":"{effect}","Action":{action},"Resource":{resource}{}}}"#,
                    conditions[s % conditions.len()]
                )
            })
            .collect();
        let text = format!(r#"{{"Version":"2012-10-17","Statement":[{}]}}"#, statements.join(","));
        CompiledPolicy::parse(&text).unwrap().with_name(format!("group-policy-{p}"))
    });
    PolicySet::new(policies)
}

/// One statement with ~4,000 action patterns over 250 services, like ReadOnlyAccess.
fn read_only_access() -> PolicySet {
    let mut actions = Vec::new();
    for svc in 0..250 {
        for verb in ["Describe", "Get", "List", "BatchGet", "Search", "Query"] {
            actions.push(format!(r#""service{svc}:{verb}*""#));
        }
        for n in 0..10 {
            actions.push(format!(r#""service{svc}:View{n}Thing""#));
        }
    }
    let text = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":[{}],"Resource":"*"}}]}}"#,
        actions.join(",")
    );
    assert!(actions.len() >= 4000);
    PolicySet::new([CompiledPolicy::parse(&text).unwrap()])
}

fn bench(c: &mut Criterion) {
    let small = small_policy();
    let ctx = request("s3:GetObject", "arn:aws:s3:::reports/2026/q3.csv");
    let policies = Policies {
        identity: Some(&small),
        ..Policies::default()
    };
    assert_eq!(evaluate(&ctx, &policies).outcome, Outcome::Allowed);
    c.bench_function("a_small_policy_allow", |b| {
        b.iter(|| black_box(evaluate(black_box(&ctx), &policies).outcome))
    });

    let twelve = twelve_policies();
    let policies = Policies {
        identity: Some(&twelve),
        ..Policies::default()
    };
    let hit = request("s3:List7Objects", "arn:aws:s3:::home/alice/7/file");
    let miss = request("s3:DeleteBucket", "arn:aws:s3:::home/alice/7/file");
    assert_eq!(evaluate(&hit, &policies).outcome, Outcome::Allowed);
    assert_eq!(evaluate(&miss, &policies).outcome, Outcome::ImplicitDeny);
    c.bench_function("b_twelve_policies_600_statements_allow", |b| {
        b.iter(|| black_box(evaluate(black_box(&hit), &policies).outcome))
    });
    c.bench_function("b_twelve_policies_600_statements_implicit_deny", |b| {
        b.iter(|| black_box(evaluate(black_box(&miss), &policies).outcome))
    });

    let ro = read_only_access();
    let policies = Policies {
        identity: Some(&ro),
        ..Policies::default()
    };
    let hit = request(
        "service137:GetWidget",
        "arn:aws:service137:us-east-1:111122223333:widget/1",
    );
    let miss = request(
        "service137:DeleteWidget",
        "arn:aws:service137:us-east-1:111122223333:widget/1",
    );
    assert_eq!(evaluate(&hit, &policies).outcome, Outcome::Allowed);
    assert_eq!(evaluate(&miss, &policies).outcome, Outcome::ImplicitDeny);
    c.bench_function("c_read_only_access_4000_patterns_allow", |b| {
        b.iter(|| black_box(evaluate(black_box(&hit), &policies).outcome))
    });
    c.bench_function("c_read_only_access_4000_patterns_implicit_deny", |b| {
        b.iter(|| black_box(evaluate(black_box(&miss), &policies).outcome))
    });

    c.bench_function("compile_read_only_access", |b| b.iter(read_only_access));
}

criterion_group!(benches, bench);
criterion_main!(benches);
