//! Query decoding: lists, nested structures, maps, and the model's validation in AWS's words.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use warden_protocol::iam::{self, Operation, Request, Tag};
use warden_protocol::{Params, ServiceError, sts};

fn iam(pairs: &[(&str, &str)]) -> Result<Request, ServiceError> {
    let mut all = vec![("Version", "2010-05-08")];
    all.extend_from_slice(pairs);
    iam::decode_request(&Params::from_pairs(all.iter().copied()))
}

fn error(pairs: &[(&str, &str)]) -> ServiceError {
    iam(pairs).expect_err("the request should fail")
}

#[test]
fn create_user_with_tags() {
    let body = b"Action=CreateUser&Version=2010-05-08&UserName=alice&Path=%2Fteam%2F\
        &Tags.member.1.Key=env&Tags.member.1.Value=prod&Tags.member.2.Key=team&Tags.member.2.Value=";
    let request = iam::decode_request(&Params::parse("", body)).unwrap();
    let Request::CreateUser(input) = request else {
        panic!("{request:?}")
    };
    assert_eq!(input.user_name, "alice");
    assert_eq!(input.path.as_deref(), Some("/team/"));
    assert_eq!(input.permissions_boundary, None);
    assert_eq!(
        input.tags.unwrap(),
        [
            Tag {
                key: "env".into(),
                value: "prod".into()
            },
            Tag {
                key: "team".into(),
                value: String::new()
            },
        ]
    );
}

#[test]
fn member_n_lists_of_scalars() {
    let request = iam(&[
        ("Action", "CreateOpenIDConnectProvider"),
        ("Url", "https://example.com"),
        ("ClientIDList.member.1", "a"),
        ("ClientIDList.member.2", "b"),
        (
            "ThumbprintList.member.1",
            "0123456789012345678901234567890123456789",
        ),
    ])
    .unwrap();
    let Request::CreateOpenIDConnectProvider(input) = request else {
        panic!("{request:?}")
    };
    assert_eq!(input.client_id_list.unwrap(), ["a", "b"]);
    assert_eq!(input.thumbprint_list.unwrap().len(), 1);
    assert_eq!(input.tags, None);
}

#[test]
fn empty_list_is_name_with_empty_value() {
    // botocore serializes an empty list as `Name=`
    let request = iam(&[("Action", "CreateUser"), ("UserName", "bob"), ("Tags", "")]).unwrap();
    let Request::CreateUser(input) = request else {
        panic!()
    };
    assert_eq!(input.tags, Some(vec![]));
}

#[test]
fn list_indexes_out_of_order_and_gapped() {
    // Warden takes the items in numeric index order and tolerates gaps (see rt::Decoder::indices):
    // SDKs always send 1..n, and dropping items after a gap would silently lose input.
    let request = iam(&[
        ("Action", "CreateOpenIDConnectProvider"),
        ("Url", "https://example.com"),
        ("ClientIDList.member.10", "ten"),
        ("ClientIDList.member.2", "two"),
        ("ClientIDList.member.5", "five"),
        ("ClientIDList.member.x", "ignored"),
        ("ClientIDList.member.0", "ignored"),
    ])
    .unwrap();
    let Request::CreateOpenIDConnectProvider(input) = request else {
        panic!()
    };
    assert_eq!(input.client_id_list.unwrap(), ["two", "five", "ten"]);
}

#[test]
fn maps_entry_n_key_value() {
    let request = iam(&[
        ("Action", "PutAccountProperties"),
        ("Properties.entry.2.key", "b"),
        ("Properties.entry.2.value", "2"),
        ("Properties.entry.1.key", "a"),
        ("Properties.entry.1.value", "1"),
    ])
    .unwrap();
    let Request::PutAccountProperties(input) = request else {
        panic!("{request:?}")
    };
    assert_eq!(
        input.properties,
        [
            ("a".to_owned(), "1".to_owned()),
            ("b".to_owned(), "2".to_owned())
        ]
    );
}

#[test]
fn scalars_integers_and_booleans() {
    let request = iam(&[
        ("Action", "UpdateAccountPasswordPolicy"),
        ("MinimumPasswordLength", "12"),
        ("RequireSymbols", "true"),
        ("RequireNumbers", "false"),
        ("HardExpiry", "1"),
    ])
    .unwrap();
    let Request::UpdateAccountPasswordPolicy(input) = request else {
        panic!()
    };
    assert_eq!(input.minimum_password_length, Some(12));
    assert_eq!(input.require_symbols, Some(true));
    assert_eq!(input.require_numbers, Some(false));
    assert_eq!(input.hard_expiry, Some(true));
    assert_eq!(input.max_password_age, None);
}

#[test]
fn operations_without_input() {
    assert_eq!(
        iam(&[("Action", "GetAccountSummary")]).unwrap(),
        Request::GetAccountSummary
    );
    assert_eq!(
        Request::GetAccountSummary.operation(),
        Operation::GetAccountSummary
    );
}

#[test]
fn unknown_params_are_ignored() {
    let request = iam(&[
        ("Action", "GetUser"),
        ("Foo", "bar"),
        ("UserName.member.1", "x"),
    ])
    .unwrap();
    let Request::GetUser(input) = request else {
        panic!()
    };
    assert_eq!(input.user_name, None);
}

#[test]
fn missing_required() {
    let e = error(&[("Action", "CreateUser")]);
    assert_eq!(
        (e.code.as_ref(), e.status, e.sender_fault),
        ("ValidationError", 400, true)
    );
    assert_eq!(
        e.message,
        "1 validation error detected: Value null at 'userName' failed to satisfy constraint: \
         Member must not be null"
    );
}

#[test]
fn too_long_and_pattern() {
    let long = "a".repeat(65);
    let e = error(&[("Action", "CreateUser"), ("UserName", &long)]);
    assert_eq!(
        e.message,
        format!(
            "1 validation error detected: Value '{long}' at 'userName' failed to satisfy \
             constraint: Member must have length less than or equal to 64"
        )
    );
    let e = error(&[("Action", "CreateUser"), ("UserName", "bad name")]);
    assert_eq!(
        e.message,
        "1 validation error detected: Value 'bad name' at 'userName' failed to satisfy \
         constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+"
    );
}

#[test]
fn several_problems_joined() {
    let e = error(&[
        ("Action", "CreateUser"),
        ("UserName", ""),
        ("Path", "no-slash"),
    ]);
    assert_eq!(
        e.message,
        "3 validation errors detected: \
         Value 'no-slash' at 'path' failed to satisfy constraint: Member must satisfy regular \
         expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F); \
         Value '' at 'userName' failed to satisfy constraint: Member must have length greater \
         than or equal to 1; \
         Value '' at 'userName' failed to satisfy constraint: Member must satisfy regular \
         expression pattern: [\\w+=,.@-]+"
    );
}

#[test]
fn nested_locations() {
    let e = error(&[
        ("Action", "TagUser"),
        ("UserName", "alice"),
        ("Tags.member.1.Key", "ok"),
        ("Tags.member.1.Value", "fine"),
        ("Tags.member.2.Value", "no key"),
    ]);
    assert_eq!(
        e.message,
        "1 validation error detected: Value null at 'tags.2.member.key' failed to satisfy \
         constraint: Member must not be null"
    );
}

#[test]
fn list_length() {
    let mut pairs = vec![
        ("Action".to_owned(), "TagUser".to_owned()),
        ("UserName".into(), "a".into()),
    ];
    for i in 1..=51 {
        pairs.push((format!("Tags.member.{i}.Key"), format!("k{i}")));
        pairs.push((format!("Tags.member.{i}.Value"), "v".into()));
    }
    pairs.push(("Version".into(), "2010-05-08".into()));
    let e = iam::decode_request(&Params::from_pairs(pairs)).unwrap_err();
    // A list of structures is not quoted (AWS would print its own object rendering).
    assert_eq!(
        e.message,
        "1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must \
         have length less than or equal to 50"
    );
    // A list of strings is.
    let mut pairs = vec![
        ("Action".to_owned(), "UntagUser".to_owned()),
        ("UserName".into(), "a".into()),
        ("Version".into(), "2010-05-08".into()),
    ];
    for i in 1..=51 {
        pairs.push((format!("TagKeys.member.{i}"), format!("k{i}")));
    }
    let e = iam::decode_request(&Params::from_pairs(pairs)).unwrap_err();
    assert!(
        e.message
            .starts_with("1 validation error detected: Value '[k1, k2, "),
        "{}",
        e.message
    );
    assert!(e.message.contains("k51]' at 'tagKeys'"), "{}", e.message);
}

#[test]
fn enum_and_range() {
    let e = error(&[
        ("Action", "UpdateAccessKey"),
        ("AccessKeyId", "AKIAAAAAAAAAAAAAAAAA"),
        ("Status", "On"),
    ]);
    assert_eq!(
        e.message,
        "1 validation error detected: Value 'On' at 'status' failed to satisfy constraint: \
         Member must satisfy enum value set: [Active, Inactive, Expired]"
    );
    let e = error(&[("Action", "ListUsers"), ("MaxItems", "1001")]);
    assert_eq!(
        e.message,
        "1 validation error detected: Value '1001' at 'maxItems' failed to satisfy constraint: \
         Member must have value less than or equal to 1000"
    );
    let e = error(&[("Action", "ListUsers"), ("MaxItems", "0")]);
    assert!(
        e.message
            .ends_with("Member must have value greater than or equal to 1")
    );
}

#[test]
fn sensitive_values_are_not_quoted() {
    let e = error(&[
        ("Action", "CreateLoginProfile"),
        ("UserName", "alice"),
        ("Password", ""),
    ]);
    assert!(
        e.message
            .contains("Value at 'password' failed to satisfy constraint"),
        "{}",
        e.message
    );
}

#[test]
fn malformed_values() {
    let e = error(&[("Action", "ListUsers"), ("MaxItems", "abc")]);
    assert_eq!((e.code.as_ref(), e.status), ("MalformedInput", 400));
    assert_eq!(
        e.message,
        "Value 'abc' for parameter MaxItems is not a valid integer"
    );
    let e = error(&[
        ("Action", "UpdateAccountPasswordPolicy"),
        ("RequireSymbols", "TRUE"),
    ]);
    assert_eq!(
        (e.code.as_ref(), e.message.as_str()),
        ("MalformedInput", "boolean must follow xsd1.1 definition")
    );
    let e = error(&[
        ("Action", "UpdateAccountPasswordPolicy"),
        ("RequireSymbols", ""),
    ]);
    assert_eq!(e.message, "missing value for boolean type");
}

#[test]
fn action_and_version_errors() {
    let e = iam::decode_request(&Params::from_pairs([("Version", "2010-05-08")])).unwrap_err();
    assert_eq!(
        (e.code.as_ref(), e.message.as_str(), e.status),
        ("MissingAction", "Missing Action", 400)
    );

    let e = error(&[("Action", "Foo")]);
    assert_eq!(
        (e.code.as_ref(), e.message.as_str()),
        (
            "InvalidAction",
            "Could not find operation Foo for version 2010-05-08"
        )
    );

    let params = Params::from_pairs([("Action", "GetUser"), ("Version", "2011-06-15")]);
    let e = iam::decode_request(&params).unwrap_err();
    assert_eq!(
        e.message,
        "Could not find operation GetUser for version 2011-06-15"
    );

    let params = Params::from_pairs([("Action", "GetUser")]);
    let e = iam::decode_request(&params).unwrap_err();
    assert_eq!(e.code, "MissingParameter");

    // action names are case-sensitive
    assert_eq!(error(&[("Action", "getuser")]).code, "InvalidAction");
}

#[test]
fn every_operation_round_trips() {
    for &op in iam::Operation::ALL {
        assert_eq!(iam::Operation::from_name(op.name()), Some(op));
    }
    for &op in sts::Operation::ALL {
        assert_eq!(sts::Operation::from_name(op.name()), Some(op));
    }
    assert_eq!(iam::Operation::ALL.len(), 180);
    assert_eq!(
        iam::Operation::from_name("CreateUser").map(|o| o.name()),
        Some("CreateUser")
    );
    assert_eq!(iam::Operation::CreateUser.to_string(), "CreateUser");
}

#[test]
fn sts_assume_role() {
    let params = Params::parse(
        "Action=AssumeRole&Version=2011-06-15",
        b"RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fdemo&RoleSessionName=s1\
          &DurationSeconds=900&PolicyArns.member.1.arn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FReadOnlyAccess\
          &Tags.member.1.Key=k&Tags.member.1.Value=v",
    );
    let request = sts::decode_request(&params).unwrap();
    let sts::Request::AssumeRole(input) = request else {
        panic!("{request:?}")
    };
    assert_eq!(input.role_arn, "arn:aws:iam::123456789012:role/demo");
    assert_eq!(input.duration_seconds, Some(900));
    assert_eq!(
        input.policy_arns.unwrap()[0].arn.as_deref(),
        Some("arn:aws:iam::aws:policy/ReadOnlyAccess")
    );
    assert_eq!(input.tags.unwrap().len(), 1);

    let params = Params::parse("Action=GetCallerIdentity&Version=2011-06-15", b"");
    assert!(matches!(
        sts::decode_request(&params),
        Ok(sts::Request::GetCallerIdentity(_))
    ));

    let params = Params::parse(
        "Action=AssumeRole&Version=2011-06-15&RoleSessionName=xy",
        b"RoleArn=short",
    );
    let e = sts::decode_request(&params).unwrap_err();
    assert_eq!(
        e.message,
        "1 validation error detected: Value 'short' at 'roleArn' failed to satisfy constraint: \
         Member must have length greater than or equal to 20"
    );
}

#[test]
fn timestamps_parse_iso8601() {
    let t = warden_protocol::parse_timestamp("2026-11-22T10:00:00Z").unwrap();
    assert_eq!(t.unix_timestamp(), 1_795_341_600);
    let t = warden_protocol::parse_timestamp("2026-11-22T10:00:00.123Z").unwrap();
    assert_eq!(t.unix_timestamp(), 1_795_341_600);
    assert!(warden_protocol::parse_timestamp("yesterday").is_none());
}
