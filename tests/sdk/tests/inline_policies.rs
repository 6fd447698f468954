//! Inline user and group policies through aws-sdk-iam.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use aws_sdk_iam::operation::get_user_policy::GetUserPolicyError;
use aws_sdk_iam::operation::put_user_policy::PutUserPolicyError;
use percent_encoding::percent_decode_str;
use serde_json::Value;
use warden_sdk_tests::{OrFail, Warden, service_failure, unique};

const DOCUMENT: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "ReadUsers",
      "Effect": "Allow",
      "Action": ["iam:GetUser", "iam:ListUsers"],
      "Resource": "arn:aws:iam::123456789012:user/*",
      "Condition": {"StringEquals": {"aws:RequestedRegion": "us-east-1"}}
    },
    {"Effect": "Deny", "Action": "iam:DeleteUser", "Resource": "*"}
  ]
}"#;

/// IAM returns policy documents URL-encoded (RFC 3986), and the SDK hands them over as they came.
fn decode(document: &str) -> Value {
    let decoded = percent_decode_str(document)
        .decode_utf8()
        .unwrap_or_else(|e| panic!("document is not URL-encoded UTF-8 ({e}): {document}"));
    serde_json::from_str(&decoded)
        .unwrap_or_else(|e| panic!("decoded document is not JSON ({e}): {decoded}"))
}

#[tokio::test]
async fn user_policy_round_trips() {
    let warden = Warden::start().await;
    let iam = warden.root_iam().await;
    let user = unique("holder");
    iam.create_user()
        .user_name(&user)
        .send()
        .await
        .or_fail("CreateUser");

    iam.put_user_policy()
        .user_name(&user)
        .policy_name("read-users")
        .policy_document(DOCUMENT)
        .send()
        .await
        .or_fail("PutUserPolicy");

    let got = iam
        .get_user_policy()
        .user_name(&user)
        .policy_name("read-users")
        .send()
        .await
        .or_fail("GetUserPolicy");
    assert_eq!(got.user_name, user);
    assert_eq!(got.policy_name, "read-users");
    assert!(
        got.policy_document.starts_with("%7B"),
        "AWS returns the document URL-encoded: {}",
        got.policy_document
    );
    let expected: Value = serde_json::from_str(DOCUMENT).unwrap();
    assert_eq!(decode(&got.policy_document), expected);

    // A second policy, then list; replacing one keeps the count.
    let other = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:GetGroup","Resource":"*"}}"#;
    iam.put_user_policy()
        .user_name(&user)
        .policy_name("groups")
        .policy_document(other)
        .send()
        .await
        .or_fail("PutUserPolicy");
    iam.put_user_policy()
        .user_name(&user)
        .policy_name("read-users")
        .policy_document(other)
        .send()
        .await
        .or_fail("PutUserPolicy (replace)");
    let mut names = iam
        .list_user_policies()
        .user_name(&user)
        .send()
        .await
        .or_fail("ListUserPolicies")
        .policy_names;
    names.sort();
    assert_eq!(names, ["groups", "read-users"]);
    let replaced = iam
        .get_user_policy()
        .user_name(&user)
        .policy_name("read-users")
        .send()
        .await
        .or_fail("GetUserPolicy");
    assert_eq!(
        decode(&replaced.policy_document),
        serde_json::from_str::<Value>(other).unwrap()
    );

    iam.delete_user_policy()
        .user_name(&user)
        .policy_name("read-users")
        .send()
        .await
        .or_fail("DeleteUserPolicy");
    let error = iam
        .get_user_policy()
        .user_name(&user)
        .policy_name("read-users")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.raw_response().map(|r| r.status().as_u16()), Some(404));
    match error.into_service_error() {
        GetUserPolicyError::NoSuchEntityException(e) => {
            assert_eq!(
                e.message(),
                Some("The user policy with name read-users cannot be found.")
            );
        }
        other => panic!("expected NoSuchEntityException, got {other:?}"),
    }
}

#[tokio::test]
async fn group_policy_round_trips() {
    let warden = Warden::start().await;
    let iam = warden.root_iam().await;
    let group = unique("readers");
    iam.create_group()
        .group_name(&group)
        .send()
        .await
        .or_fail("CreateGroup");
    iam.put_group_policy()
        .group_name(&group)
        .policy_name("read")
        .policy_document(DOCUMENT)
        .send()
        .await
        .or_fail("PutGroupPolicy");
    let got = iam
        .get_group_policy()
        .group_name(&group)
        .policy_name("read")
        .send()
        .await
        .or_fail("GetGroupPolicy");
    assert_eq!(got.group_name, group);
    assert_eq!(
        decode(&got.policy_document),
        serde_json::from_str::<Value>(DOCUMENT).unwrap()
    );
    let names = iam
        .list_group_policies()
        .group_name(&group)
        .send()
        .await
        .or_fail("ListGroupPolicies")
        .policy_names;
    assert_eq!(names, ["read"]);

    // A group with an inline policy cannot be deleted.
    let conflict = service_failure(iam.delete_group().group_name(&group).send().await);
    assert_eq!(
        (conflict.status, conflict.code.as_str()),
        (409, "DeleteConflict")
    );
    assert_eq!(
        conflict.message,
        "Cannot delete entity, must delete policies first."
    );
    iam.delete_group_policy()
        .group_name(&group)
        .policy_name("read")
        .send()
        .await
        .or_fail("DeleteGroupPolicy");
    iam.delete_group()
        .group_name(&group)
        .send()
        .await
        .or_fail("DeleteGroup");
}

#[tokio::test]
async fn malformed_policy_documents_are_refused() {
    let warden = Warden::start().await;
    let iam = warden.root_iam().await;
    let user = unique("strict");
    iam.create_user()
        .user_name(&user)
        .send()
        .await
        .or_fail("CreateUser");

    // (document, AWS's message where it is known)
    for (bad, known_message) in [
        ("this is not json", Some("Syntax errors in policy.")),
        (
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Perhaps","Action":"iam:GetUser","Resource":"*"}]}"#,
            None,
        ),
        (
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*","Principal":"*"}]}"#,
            Some("Policy document should not specify a principal."),
        ),
        (r#"{"Version":"2012-10-17"}"#, None),
    ] {
        let error = iam
            .put_user_policy()
            .user_name(&user)
            .policy_name("bad")
            .policy_document(bad)
            .send()
            .await
            .unwrap_err();
        assert_eq!(
            error.raw_response().map(|r| r.status().as_u16()),
            Some(400),
            "{bad}"
        );
        match error.into_service_error() {
            PutUserPolicyError::MalformedPolicyDocumentException(e) => {
                assert!(e.message().is_some_and(|m| !m.is_empty()), "{bad}: {e:?}");
                if let Some(known) = known_message {
                    assert_eq!(e.message(), Some(known), "{bad}");
                }
            }
            other => panic!("expected MalformedPolicyDocumentException for {bad}, got {other:?}"),
        }
    }
    // Nothing was stored.
    let names = iam
        .list_user_policies()
        .user_name(&user)
        .send()
        .await
        .or_fail("ListUserPolicies")
        .policy_names;
    assert!(names.is_empty(), "{names:?}");
}
