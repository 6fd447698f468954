//! Response and error documents, pinned as snapshots (`tests/snapshots/`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use time::macros::datetime;
use warden_protocol::iam::{
    self, AttachedPermissionsBoundary, CreateUserResponse, GetUserPolicyResponse,
    ListUsersResponse, Response, Tag, User,
};
use warden_protocol::{ServiceError, error_xml, sts};

const REQUEST_ID: &str = "7a62c49f-347e-4fc4-9331-6e8eEXAMPLE";

fn user(name: &str) -> User {
    User {
        path: "/".into(),
        user_name: name.into(),
        user_id: format!("AIDA{}", name.to_uppercase()),
        arn: format!("arn:aws:iam::123456789012:user/{name}"),
        create_date: datetime!(2026-11-22 10:00:00.750 UTC),
        ..Default::default()
    }
}

#[test]
fn create_user_with_tags() {
    let response = Response::CreateUser(CreateUserResponse {
        user: Some(User {
            permissions_boundary: Some(AttachedPermissionsBoundary {
                permissions_boundary_type: Some("Policy".into()),
                permissions_boundary_arn: Some("arn:aws:iam::aws:policy/ReadOnlyAccess".into()),
            }),
            tags: Some(vec![
                Tag {
                    key: "env".into(),
                    value: "prod & <test>".into(),
                },
                Tag {
                    key: "team".into(),
                    value: String::new(),
                },
            ]),
            ..user("alice")
        }),
    });
    insta::assert_snapshot!(response.to_xml(REQUEST_ID));
}

#[test]
fn list_users_truncated() {
    let response = Response::ListUsers(ListUsersResponse {
        users: vec![
            user("alice"),
            User {
                password_last_used: Some(datetime!(2026-11-23 08:30:00 +02:00)),
                ..user("bob")
            },
        ],
        is_truncated: Some(true),
        marker: Some("bob".into()),
    });
    insta::assert_snapshot!(response.to_xml(REQUEST_ID));
}

#[test]
fn list_users_empty() {
    let response = Response::ListUsers(ListUsersResponse {
        is_truncated: Some(false),
        ..Default::default()
    });
    assert_eq!(
        response.to_xml("r"),
        "<ListUsersResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><ListUsersResult><Users/>\
         <IsTruncated>false</IsTruncated></ListUsersResult><ResponseMetadata><RequestId>r</RequestId>\
         </ResponseMetadata></ListUsersResponse>"
    );
}

#[test]
fn get_user_policy_document_is_url_encoded() {
    let response = Response::GetUserPolicy(GetUserPolicyResponse {
        user_name: "alice".into(),
        policy_name: "s3-read".into(),
        policy_document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"arn:aws:s3:::my bucket/*"}]}"#.into(),
    });
    let xml = response.to_xml(REQUEST_ID);
    insta::assert_snapshot!(xml);
    // what boto3 does with it: urllib.parse.unquote
    let start = xml.find("<PolicyDocument>").unwrap() + "<PolicyDocument>".len();
    let end = xml.find("</PolicyDocument>").unwrap();
    let decoded = percent_encoding::percent_decode_str(&xml[start..end])
        .decode_utf8()
        .unwrap();
    assert!(decoded.contains(r#""Resource":"arn:aws:s3:::my bucket/*""#));
}

#[test]
fn delete_user_has_no_result() {
    insta::assert_snapshot!(Response::DeleteUser.to_xml(REQUEST_ID));
}

#[test]
fn sts_get_caller_identity() {
    let response = sts::Response::GetCallerIdentity(sts::GetCallerIdentityResponse {
        user_id: Some("AIDAALICE".into()),
        account: Some("123456789012".into()),
        arn: Some("arn:aws:iam::123456789012:user/alice".into()),
    });
    insta::assert_snapshot!(response.to_xml(REQUEST_ID));
}

#[test]
fn sts_credentials_timestamp_and_debug_redaction() {
    let credentials = sts::Credentials {
        access_key_id: "ASIAEXAMPLE".into(),
        secret_access_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(),
        session_token: "token".into(),
        expiration: datetime!(2026-11-22 11:00:00 UTC),
    };
    let debug = format!("{credentials:?}");
    assert!(!debug.contains("wJalrXUtnFEMI"), "{debug}");
    assert!(debug.contains("ASIAEXAMPLE"));
    let response = sts::Response::GetSessionToken(sts::GetSessionTokenResponse {
        credentials: Some(credentials),
        ..Default::default()
    });
    let xml = response.to_xml("r");
    assert!(xml.contains(
        "<Credentials><AccessKeyId>ASIAEXAMPLE</AccessKeyId><SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\
         </SecretAccessKey><SessionToken>token</SessionToken><Expiration>2026-11-22T11:00:00Z</Expiration></Credentials>"
    ));
}

#[test]
fn error_no_such_entity() {
    let err = ServiceError::new(
        iam::errors::NO_SUCH_ENTITY,
        "The user with name bob cannot be found.",
    );
    assert_eq!(err.status, 404);
    insta::assert_snapshot!(error_xml(iam::NAMESPACE, &err, REQUEST_ID));
}

#[test]
fn error_validation_two_problems() {
    let params = warden_protocol::Params::parse(
        "Action=ListUsers&Version=2010-05-08&PathPrefix=no-slash&MaxItems=0",
        b"",
    );
    let err = iam::decode_request(&params).unwrap_err();
    insta::assert_snapshot!(error_xml(iam::NAMESPACE, &err, REQUEST_ID));
}

#[test]
fn error_invalid_action() {
    let err = iam::decode(
        "Foo",
        &warden_protocol::Params::parse("Version=2010-05-08", b""),
    )
    .unwrap_err();
    insta::assert_snapshot!(error_xml(iam::NAMESPACE, &err, REQUEST_ID));
}

#[test]
fn error_not_implemented() {
    let err = ServiceError::not_implemented("CreateRole");
    assert_eq!((err.status, err.sender_fault), (501, false));
    insta::assert_snapshot!(err.to_xml(sts::NAMESPACE, REQUEST_ID));
}

#[test]
fn error_internal() {
    let err = ServiceError::internal();
    assert_eq!(
        error_xml(iam::NAMESPACE, &err, "r"),
        "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error><Type>Receiver</Type>\
         <Code>InternalFailure</Code><Message>The request processing has failed because of an unknown error, \
         exception or failure.</Message></Error><RequestId>r</RequestId></ErrorResponse>"
    );
    assert_eq!(
        err.to_string(),
        "InternalFailure: The request processing has failed because of an unknown error, exception or failure."
    );
}

#[test]
fn error_shapes_from_the_model() {
    assert_eq!(
        iam::errors::NO_SUCH_ENTITY,
        warden_protocol::ErrorShape {
            code: "NoSuchEntity",
            status: 404,
            sender_fault: true
        }
    );
    assert_eq!(
        iam::errors::SERVICE_FAILURE,
        warden_protocol::ErrorShape {
            code: "ServiceFailure",
            status: 500,
            sender_fault: false
        }
    );
    assert_eq!(iam::errors::REPORT_EXPIRED.status, 410);
    // no error trait in the model: code from the shape name, 400, the caller's fault
    assert_eq!(
        iam::errors::CALLER_IS_NOT_MANAGEMENT_ACCOUNT,
        warden_protocol::ErrorShape {
            code: "CallerIsNotManagementAccount",
            status: 400,
            sender_fault: true
        }
    );
    assert_eq!(
        sts::errors::EXPIRED_TOKEN_EXCEPTION.code,
        "ExpiredTokenException"
    );
    assert_eq!(sts::errors::IDP_REJECTED_CLAIM.status, 403);
}

/// Every document parses as XML and gives back the text that went in.
#[test]
fn documents_are_well_formed() {
    let hostile = "a&b<c>d\"e'f\r\ng\u{1}h\u{7f}é😀]]>";
    let response = Response::ListUsers(ListUsersResponse {
        users: vec![User {
            user_name: hostile.into(),
            ..user("x")
        }],
        is_truncated: Some(false),
        marker: None,
    });
    let mut texts = Vec::new();
    for xml in [
        response.to_xml(hostile),
        error_xml(
            iam::NAMESPACE,
            &ServiceError::new(iam::errors::NO_SUCH_ENTITY, hostile),
            hostile,
        ),
    ] {
        let mut reader = quick_xml::Reader::from_str(&xml);
        loop {
            match reader.read_event() {
                Ok(quick_xml::events::Event::Eof) => break,
                Ok(quick_xml::events::Event::Text(t)) => {
                    texts.push(t.decode().unwrap().into_owned())
                }
                Ok(quick_xml::events::Event::GeneralRef(r)) => {
                    texts.push(format!("&{};", r.decode().unwrap()))
                }
                Ok(_) => {}
                Err(e) => panic!("{e} in {xml}"),
            }
        }
    }
    assert!(!texts.is_empty());
}
