//! The JSON 1.1 protocol (Organizations): operation routing by `X-Amz-Target`, decoding with the
//! model's constraints, encoding, and errors.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use proptest::prelude::*;
use warden_protocol::json::error_json;
use warden_protocol::organizations::{self as org, Operation, Request, TARGET_PREFIX};

fn target(op: &str) -> String {
    format!("{TARGET_PREFIX}.{op}")
}

#[test]
fn a_request_decodes_by_its_target() {
    let body = br#"{"Email":"dev@example.com","AccountName":"Dev","RoleName":"Ops","Tags":[{"Key":"team","Value":"a"}]}"#;
    let request = org::decode(Some(&target("CreateAccount")), body).unwrap();
    let Request::CreateAccount(input) = request else {
        panic!("wrong operation: {request:?}");
    };
    assert_eq!(input.email, "dev@example.com");
    assert_eq!(input.account_name, "Dev");
    assert_eq!(input.role_name.as_deref(), Some("Ops"));
    let tags = input.tags.unwrap();
    assert_eq!(
        (tags[0].key.as_str(), tags[0].value.as_str()),
        ("team", "a")
    );
}

#[test]
fn an_operation_without_input_takes_an_empty_body_or_an_empty_object() {
    for body in [&b""[..], b"{}", b"  "] {
        let request = org::decode(Some(&target("DescribeOrganization")), body).unwrap();
        assert_eq!(request.operation(), Operation::DescribeOrganization);
    }
}

#[test]
fn an_unknown_or_missing_target_is_an_unknown_operation() {
    for t in [
        None,
        Some("AWSOrganizationsV20161128.Nope"),
        Some("Other.CreateAccount"),
    ] {
        let e = org::decode(t, b"{}").unwrap_err();
        assert_eq!(e.code, "UnknownOperationException");
        assert_eq!(e.status, 400);
    }
}

#[test]
fn constraint_failures_are_invalid_input_with_a_reason() {
    let cases: [(&[u8], &str); 4] = [
        (
            br#"{"Email":"not-an-email","AccountName":"x"}"#,
            "INVALID_PATTERN",
        ),
        (br#"{"AccountName":"x"}"#, "INPUT_REQUIRED"),
        (
            br#"{"Email":"a@b.c","AccountName":"x"}"#,
            "MIN_LENGTH_EXCEEDED",
        ),
        (
            br#"{"Email":"dev@example.com","AccountName":"x","IamUserAccessToBilling":"MAYBE"}"#,
            "INVALID_ENUM",
        ),
    ];
    for (body, reason) in cases {
        let e = org::decode(Some(&target("CreateAccount")), body).unwrap_err();
        assert_eq!(
            e.code,
            "InvalidInputException",
            "{}",
            String::from_utf8_lossy(body)
        );
        assert_eq!(e.reason.as_deref(), Some(reason));
    }
}

#[test]
fn a_value_of_the_wrong_json_type_is_a_serialization_error() {
    for body in [
        &br#"{"Email":5,"AccountName":"x"}"#[..],
        br#"{"MaxResults":"ten"}"#,
        br#"[1,2]"#,
        br#"{"#,
    ] {
        let op = if body.starts_with(br#"{"Max"#) {
            "ListAccounts"
        } else {
            "CreateAccount"
        };
        let e = org::decode(Some(&target(op)), body).unwrap_err();
        assert_eq!(
            e.code,
            "SerializationException",
            "{}",
            String::from_utf8_lossy(body)
        );
    }
}

#[test]
fn numbers_are_range_checked() {
    let e = org::decode(Some(&target("ListAccounts")), br#"{"MaxResults":0}"#).unwrap_err();
    assert_eq!(e.reason.as_deref(), Some("MIN_VALUE_EXCEEDED"));
    let e = org::decode(Some(&target("ListAccounts")), br#"{"MaxResults":21}"#).unwrap_err();
    assert_eq!(e.reason.as_deref(), Some("MAX_VALUE_EXCEEDED"));
}

#[test]
fn responses_leave_out_absent_members_and_write_epoch_seconds() {
    let t = time::OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
    let response = org::Response::CreateAccount(org::CreateAccountResponse {
        create_account_status: Some(org::CreateAccountStatus {
            id: Some("car-abcdefgh".into()),
            state: Some("IN_PROGRESS".into()),
            requested_timestamp: Some(t),
            ..Default::default()
        }),
    });
    let json: serde_json::Value = serde_json::from_str(&response.to_json()).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"CreateAccountStatus": {
            "Id": "car-abcdefgh", "State": "IN_PROGRESS", "RequestedTimestamp": 1_700_000_000
        }})
    );
    assert_eq!(org::Response::DeleteOrganization.to_json(), "{}");
}

#[test]
fn errors_carry_type_message_and_reason() {
    let e = org::decode(
        Some(&target("CreateAccount")),
        br#"{"Email":"x","AccountName":"y"}"#,
    )
    .unwrap_err();
    let body: serde_json::Value = serde_json::from_str(&error_json(&e)).unwrap();
    assert_eq!(body["__type"], "InvalidInputException");
    assert_eq!(body["Reason"], "MIN_LENGTH_EXCEEDED");
    assert!(
        body["Message"]
            .as_str()
            .unwrap()
            .contains("shorter than allowed")
    );
}

#[test]
fn secrets_stay_out_of_messages() {
    // Email and AccountName are sensitive in the model: the generic wording leaves them out.
    let problems = [warden_protocol::json::Problem {
        violation: warden_protocol::json::Violation::Pattern,
        text: "x".into(),
    }];
    let e = warden_protocol::json::validation_error(&problems, None);
    assert_eq!(e.code, "ValidationException");
    let e = org::decode(
        Some(&target("CreateAccount")),
        br#"{"Email":"secret-value-no-at","AccountName":"x"}"#,
    )
    .unwrap_err();
    assert!(!e.message.contains("secret-value"));
}

proptest! {
    /// Whatever arrives, decoding answers a value or an error; it never panics.
    #[test]
    fn any_body_decodes_or_fails_cleanly(body in proptest::collection::vec(any::<u8>(), 0..256),
                                         op in proptest::sample::select(org::Operation::ALL.to_vec())) {
        let _ = org::decode(Some(&target(op.name())), &body);
    }

    /// Arbitrary JSON values in every member position never panic either.
    #[test]
    fn any_json_decodes_or_fails_cleanly(value in arb_json(),
                                         op in proptest::sample::select(org::Operation::ALL.to_vec())) {
        let body = serde_json::to_vec(&value).unwrap();
        let _ = org::decode(Some(&target(op.name())), &body);
    }
}

fn arb_json() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(serde_json::Value::from),
        "[a-zA-Z0-9@._-]{0,20}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(3, 32, 6, |inner| {
        let names = proptest::sample::select(vec![
            "Email",
            "AccountName",
            "RoleName",
            "Tags",
            "Key",
            "Value",
            "MaxResults",
            "NextToken",
            "States",
            "AccountId",
            "FeatureSet",
            "CreateAccountRequestId",
        ]);
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            proptest::collection::vec((names, inner), 0..6).prop_map(|members| {
                serde_json::Value::Object(
                    members
                        .into_iter()
                        .map(|(k, v)| (k.to_owned(), v))
                        .collect(),
                )
            }),
        ]
    })
}
