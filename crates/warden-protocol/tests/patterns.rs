//! The model's regexes, translated from Java's dialect to the `regex` crate's.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use warden_protocol::{Params, iam, organizations, sts};

#[test]
fn every_model_pattern_compiles() {
    for p in iam::PATTERNS
        .iter()
        .chain(sts::PATTERNS)
        .chain(organizations::PATTERNS)
    {
        if let Err(e) = p.compile() {
            panic!("pattern {} does not compile: {e}", p.source());
        }
    }
    assert!(iam::PATTERNS.len() > 20);
}

fn create_user(name: &str) -> Result<iam::Request, warden_protocol::ServiceError> {
    iam::decode_request(&Params::from_pairs([
        ("Action", "CreateUser"),
        ("Version", "2010-05-08"),
        ("UserName", name),
    ]))
}

#[test]
fn backslash_w_is_ascii_as_in_java() {
    assert!(create_user("alice_b+c=d,e.f@g-h").is_ok());
    // Java's \w is [a-zA-Z_0-9]; the regex crate's would also take letters like é
    assert!(create_user("josé").is_err());
}

#[test]
fn java_lookahead_is_emulated() {
    let alias = |a: &str| {
        iam::decode_request(&Params::from_pairs([
            ("Action", "CreateAccountAlias"),
            ("Version", "2010-05-08"),
            ("AccountAlias", a),
        ]))
    };
    assert!(alias("my-company-1").is_ok());
    let e = alias("my--company").unwrap_err();
    assert!(e.message.contains("-(?!-)"), "{}", e.message);
    assert!(alias("-x-").is_err());
}

#[test]
fn supplementary_code_points_in_sts_text() {
    // the model's `\u10000-\u10FFFF` means the supplementary planes
    let role = |session: &str| {
        sts::decode_request(&Params::from_pairs([
            ("Action", "AssumeRole"),
            ("Version", "2011-06-15"),
            ("RoleArn", "arn:aws:iam::123456789012:role/r😀"),
            ("RoleSessionName", session),
        ]))
    };
    assert!(role("session").is_ok());
}
