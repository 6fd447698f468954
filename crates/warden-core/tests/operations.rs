#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Operations through `Core::handle_iam`, on an in-memory store: authorization comes before
//! every operation, writes are visible on the next request, and the directory rebuilt from the
//! store equals the one that was written.

use std::sync::Arc;

use time::OffsetDateTime;
use warden_core::{Caller, Config, Core, MasterKey, RequestCx, RequestInfo};
use warden_policy::Principal;
use warden_protocol::ServiceError;
use warden_protocol::iam::{self, Request, Response};
use warden_store::{SqliteStore, Store};

const ACCOUNT: &str = "123456789012";

async fn core_on(store: Arc<dyn Store>) -> Core {
    let config = Config {
        account_id: Some(ACCOUNT.into()),
        root_key: Some((
            "AKIAROOTROOTROOT0001".into(),
            "rootsecretrootsecretrootsecretrootsecret".into(),
        )),
        ..Config::default()
    };
    let key = MasterKey::from_bytes(&[9u8; 32]).unwrap();
    Core::open(store, key, config, OffsetDateTime::now_utc())
        .await
        .unwrap()
        .0
}

async fn core() -> Core {
    core_on(Arc::new(
        SqliteStore::open_url("sqlite::memory:").await.unwrap(),
    ))
    .await
}

fn info() -> RequestInfo {
    RequestInfo {
        now: OffsetDateTime::now_utc(),
        source_ip: Some("10.0.0.1".parse().unwrap()),
        user_agent: Some("test".into()),
        secure_transport: false,
        region: "us-east-1".into(),
    }
}

fn root() -> RequestCx {
    let arn = format!("arn:aws:iam::{ACCOUNT}:root");
    RequestCx {
        caller: Caller {
            account_id: ACCOUNT.into(),
            user_id: None,
            principal: Principal::parse(&arn).unwrap(),
            arn,
            access_key_id: "AKIAROOTROOTROOT0001".into(),
            tags: Vec::new(),
            session: None,
        },
        info: info(),
    }
}

fn as_user(user: &iam::User) -> RequestCx {
    RequestCx {
        caller: Caller {
            account_id: ACCOUNT.into(),
            user_id: Some(user.user_id.clone()),
            principal: Principal::parse(&user.arn).unwrap(),
            arn: user.arn.clone(),
            access_key_id: "AKIAUSERUSERUSER0001".into(),
            tags: Vec::new(),
            session: None,
        },
        info: info(),
    }
}

async fn call(core: &Core, cx: RequestCx, request: Request) -> Result<Response, ServiceError> {
    core.handle_iam(&cx, request).await
}

async fn create_user(core: &Core, name: &str) -> iam::User {
    let request = Request::CreateUser(iam::CreateUserRequest {
        user_name: name.into(),
        ..Default::default()
    });
    match call(core, root(), request).await.unwrap() {
        Response::CreateUser(r) => r.user.unwrap(),
        other => panic!("{other:?}"),
    }
}

async fn user_names(core: &Core) -> Vec<String> {
    match call(
        core,
        root(),
        Request::ListUsers(iam::ListUsersRequest::default()),
    )
    .await
    .unwrap()
    {
        Response::ListUsers(r) => r.users.into_iter().map(|u| u.user_name).collect(),
        other => panic!("{other:?}"),
    }
}

fn allow(action: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"{action}","Resource":"*"}}]}}"#
    )
}

#[tokio::test]
async fn a_denied_request_does_not_run_and_a_policy_change_applies_to_the_next_one() {
    let core = core().await;
    let alice = create_user(&core, "alice").await;
    let create_bob = || {
        Request::CreateUser(iam::CreateUserRequest {
            user_name: "bob".into(),
            ..Default::default()
        })
    };
    let err = call(&core, as_user(&alice), create_bob())
        .await
        .unwrap_err();
    assert_eq!(err.code, "AccessDenied");
    assert_eq!(err.status, 403);
    assert_eq!(
        err.message,
        format!(
            "User: {} is not authorized to perform: iam:CreateUser on resource: \
             arn:aws:iam::{ACCOUNT}:user/bob because no identity-based policy allows the \
             iam:CreateUser action",
            alice.arn
        )
    );
    assert_eq!(user_names(&core).await, ["alice"]);

    let put = Request::PutUserPolicy(iam::PutUserPolicyRequest {
        user_name: "alice".into(),
        policy_name: "create".into(),
        policy_document: allow("iam:CreateUser"),
    });
    call(&core, root(), put).await.unwrap();
    call(&core, as_user(&alice), create_bob()).await.unwrap();
    assert_eq!(user_names(&core).await, ["alice", "bob"]);
}

#[tokio::test]
async fn group_policies_apply_through_membership_only() {
    let core = core().await;
    let alice = create_user(&core, "alice").await;
    let r = |req| call(&core, root(), req);
    r(Request::CreateGroup(iam::CreateGroupRequest {
        group_name: "readers".into(),
        ..Default::default()
    }))
    .await
    .unwrap();
    r(Request::PutGroupPolicy(iam::PutGroupPolicyRequest {
        group_name: "readers".into(),
        policy_name: "list".into(),
        policy_document: allow("iam:ListUsers"),
    }))
    .await
    .unwrap();
    let list = || Request::ListUsers(iam::ListUsersRequest::default());
    assert_eq!(
        call(&core, as_user(&alice), list()).await.unwrap_err().code,
        "AccessDenied"
    );
    let membership = || iam::AddUserToGroupRequest {
        group_name: "readers".into(),
        user_name: "alice".into(),
    };
    r(Request::AddUserToGroup(membership())).await.unwrap();
    call(&core, as_user(&alice), list()).await.unwrap();
    let m = membership();
    r(Request::RemoveUserFromGroup(
        iam::RemoveUserFromGroupRequest {
            group_name: m.group_name,
            user_name: m.user_name,
        },
    ))
    .await
    .unwrap();
    assert_eq!(
        call(&core, as_user(&alice), list()).await.unwrap_err().code,
        "AccessDenied"
    );
}

#[tokio::test]
async fn explicit_deny_names_the_existing_user_as_aws_does() {
    let core = core().await;
    let alice = create_user(&core, "alice").await;
    create_user(&core, "bob").await;
    let deny = r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Action":"iam:*","Resource":"*"},
        {"Effect":"Deny","Action":"iam:DeleteUser","Resource":"arn:aws:iam::*:user/bob"}]}"#;
    call(
        &core,
        root(),
        Request::PutUserPolicy(iam::PutUserPolicyRequest {
            user_name: "alice".into(),
            policy_name: "p".into(),
            policy_document: deny.into(),
        }),
    )
    .await
    .unwrap();
    let err = call(
        &core,
        as_user(&alice),
        Request::DeleteUser(iam::DeleteUserRequest {
            user_name: "bob".into(),
        }),
    )
    .await
    .unwrap_err();
    assert_eq!(
        err.message,
        format!(
            "User: {} is not authorized to perform: iam:DeleteUser on resource: user bob with \
             an explicit deny in an identity-based policy",
            alice.arn
        )
    );
    assert_eq!(user_names(&core).await, ["alice", "bob"]);
}

#[tokio::test]
async fn operations_without_an_authorization_rule_are_not_implemented_even_for_root() {
    let core = core().await;
    let err = call(
        &core,
        root(),
        Request::GenerateOrganizationsAccessReport(iam::GenerateOrganizationsAccessReportRequest {
            entity_path: "o-a1b2c3d4e5".into(),
            ..Default::default()
        }),
    )
    .await
    .unwrap_err();
    assert_eq!((err.code.as_ref(), err.status), ("NotImplemented", 501));
}

#[tokio::test]
async fn deleting_a_user_with_keys_policies_or_groups_is_a_conflict() {
    let core = core().await;
    create_user(&core, "alice").await;
    let r = |req| call(&core, root(), req);
    let key = match r(Request::CreateAccessKey(iam::CreateAccessKeyRequest {
        user_name: Some("alice".into()),
    }))
    .await
    .unwrap()
    {
        Response::CreateAccessKey(k) => k.access_key.access_key_id,
        other => panic!("{other:?}"),
    };
    let delete = || {
        Request::DeleteUser(iam::DeleteUserRequest {
            user_name: "ALICE".into(),
        })
    };
    let err = r(delete()).await.unwrap_err();
    assert_eq!(
        (err.code.as_ref(), err.message.as_str()),
        (
            "DeleteConflict",
            "Cannot delete entity, must delete access keys first."
        )
    );
    r(Request::DeleteAccessKey(iam::DeleteAccessKeyRequest {
        user_name: Some("alice".into()),
        access_key_id: key,
    }))
    .await
    .unwrap();
    r(delete()).await.unwrap();
    assert!(user_names(&core).await.is_empty());
}

#[tokio::test]
async fn a_reopened_store_serves_what_was_written() {
    let dir = std::env::temp_dir().join(format!("warden-core-reopen-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("w.db");
    let _ = std::fs::remove_file(&path);
    let alice;
    {
        let core = core_on(Arc::new(SqliteStore::open(&path).await.unwrap())).await;
        alice = create_user(&core, "alice").await;
        call(
            &core,
            root(),
            Request::PutUserPolicy(iam::PutUserPolicyRequest {
                user_name: "alice".into(),
                policy_name: "list".into(),
                policy_document: allow("iam:ListUsers"),
            }),
        )
        .await
        .unwrap();
    }
    let core = core_on(Arc::new(SqliteStore::open(&path).await.unwrap())).await;
    assert_eq!(user_names(&core).await, ["alice"]);
    // The compiled policy came back too: alice may list.
    call(
        &core,
        as_user(&alice),
        Request::ListUsers(Default::default()),
    )
    .await
    .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_different_master_key_is_refused_at_start() {
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open_url("sqlite::memory:").await.unwrap());
    drop(core_on(Arc::clone(&store)).await);
    let other = MasterKey::from_bytes(&[1u8; 32]).unwrap();
    let err = Core::open(store, other, Config::default(), OffsetDateTime::now_utc())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("master key"), "{err}");
}

/// A request signed (badly) with temporary credentials, at `now`.
fn session_request_at(
    core: &Core,
    credentials: &warden_protocol::sts::Credentials,
    now: OffsetDateTime,
) -> String {
    let authorization = format!(
        "AWS4-HMAC-SHA256 Credential={}/20260101/us-east-1/iam/aws4_request, \
         SignedHeaders=host;x-amz-date;x-amz-security-token, Signature={}",
        credentials.access_key_id,
        "0".repeat(64)
    );
    let headers = [
        ("authorization", authorization.as_str()),
        ("host", "localhost"),
        ("x-amz-date", "20260101T000000Z"),
        ("x-amz-security-token", credentials.session_token.as_str()),
    ];
    let request = warden_sigv4::HttpRequest {
        method: "POST",
        path: "/",
        query: "",
        headers: &headers,
        body: b"Action=ListUsers&Version=2010-05-08",
    };
    match core.authenticate(&request, now) {
        Ok(a) => format!("ok {}", a.caller.arn),
        Err(e) => e.code.into_owned(),
    }
}

#[tokio::test]
async fn temporary_credentials_expire() {
    let core = core().await;
    let alice = create_user(&core, "alice").await;
    let trust = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{}"}},"Action":"sts:AssumeRole"}}]}}"#,
        alice.arn
    );
    let request = Request::CreateRole(iam::CreateRoleRequest {
        role_name: "r".into(),
        assume_role_policy_document: trust,
        ..Default::default()
    });
    call(&core, root(), request).await.unwrap();
    let assume =
        warden_protocol::sts::Request::AssumeRole(warden_protocol::sts::AssumeRoleRequest {
            role_arn: format!("arn:aws:iam::{ACCOUNT}:role/r"),
            role_session_name: "sess".into(),
            duration_seconds: Some(900),
            ..Default::default()
        });
    let warden_protocol::sts::Response::AssumeRole(answer) =
        core.handle_sts(&as_user(&alice), assume).await.unwrap()
    else {
        panic!("not an AssumeRole answer");
    };
    let credentials = answer.credentials.unwrap();
    let now = OffsetDateTime::now_utc();
    // Within its life the token is accepted (and the made-up signature then refused).
    assert_eq!(
        session_request_at(&core, &credentials, now),
        "SignatureDoesNotMatch"
    );
    assert_eq!(
        session_request_at(&core, &credentials, credentials.expiration),
        "ExpiredToken"
    );
    assert_eq!(
        session_request_at(&core, &credentials, now + time::Duration::hours(2)),
        "ExpiredToken"
    );
}

/// A decision's details sealed by Warden open through `DecodeAuthorizationMessage` for a caller
/// allowed `sts:DecodeAuthorizationMessage`, as AWS's document; nobody else may decode, and
/// tampered or foreign text is refused.
#[tokio::test]
async fn authorization_messages_decode_for_allowed_callers_only() {
    use warden_core::authorization_message::{AuthorizationMessage, MessageStatement};
    use warden_protocol::sts;

    let core = core().await;
    let reader = create_user(&core, "reader").await;
    let other = create_user(&core, "other").await;
    let put = Request::PutUserPolicy(iam::PutUserPolicyRequest {
        user_name: "reader".into(),
        policy_name: "decode".into(),
        policy_document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:DecodeAuthorizationMessage","Resource":"*"}]}"#.into(),
    });
    call(&core, root(), put).await.unwrap();
    let message = AuthorizationMessage {
        allowed: false,
        explicit_deny: true,
        matched_statements: vec![MessageStatement {
            statement_id: "NoDeletes".into(),
            effect: "DENY".into(),
            policy: "guard".into(),
        }],
        principal_id: other.user_id.clone(),
        principal_name: "other".into(),
        principal_arn: other.arn.clone(),
        action: "s3:DeleteObject".into(),
        resource: "arn:aws:s3:::bucket/key".into(),
        conditions: vec![("aws:SourceIp".into(), vec!["10.0.0.1".into()])],
    };
    let encoded = core.encode_authorization_message(&message).unwrap();
    assert!(
        !encoded.contains("DeleteObject"),
        "the message must be opaque"
    );
    let decode = |text: &str| {
        sts::Request::DecodeAuthorizationMessage(sts::DecodeAuthorizationMessageRequest {
            encoded_message: text.to_owned(),
        })
    };
    let sts::Response::DecodeAuthorizationMessage(answer) = core
        .handle_sts(&as_user(&reader), decode(&encoded))
        .await
        .unwrap()
    else {
        panic!("not a DecodeAuthorizationMessage answer");
    };
    let decoded: serde_json::Value =
        serde_json::from_str(&answer.decoded_message.unwrap()).unwrap();
    assert_eq!(decoded["allowed"], false);
    assert_eq!(decoded["explicitDeny"], true);
    assert_eq!(
        decoded["matchedStatements"]["items"][0]["statementId"],
        "NoDeletes"
    );
    assert_eq!(decoded["context"]["principal"]["arn"], other.arn.as_str());
    assert_eq!(decoded["context"]["action"], "s3:DeleteObject");
    assert_eq!(
        decoded["context"]["conditions"]["items"][0]["values"]["items"][0]["value"],
        "10.0.0.1"
    );
    // Without the permission: AccessDenied.
    let refused = core
        .handle_sts(&as_user(&other), decode(&encoded))
        .await
        .unwrap_err();
    assert_eq!(refused.code, "AccessDenied");
    // Tampered, or not Warden's: InvalidAuthorizationMessageException.
    let mut tampered = encoded.clone().into_bytes();
    let last = tampered.len() - 2;
    tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
    for text in [String::from_utf8(tampered).unwrap(), "not-a-message".into()] {
        let e = core
            .handle_sts(&as_user(&reader), decode(&text))
            .await
            .unwrap_err();
        assert_eq!(e.code, "InvalidAuthorizationMessageException");
    }
}

/// A message with more context than fits the API's 10,240 characters is trimmed, never
/// undecodable.
#[tokio::test]
async fn oversized_authorization_messages_still_decode() {
    use warden_core::authorization_message::AuthorizationMessage;
    let key = MasterKey::from_bytes(&[7u8; 32]).unwrap();
    let message = AuthorizationMessage {
        allowed: false,
        explicit_deny: false,
        matched_statements: Vec::new(),
        principal_id: "AIDAX".into(),
        principal_name: "x".into(),
        principal_arn: "arn:aws:iam::123456789012:user/x".into(),
        action: "s3:GetObject".into(),
        resource: "*".into(),
        conditions: (0..200)
            .map(|i| (format!("s3:key{i}"), vec!["v".repeat(60)]))
            .collect(),
    };
    let encoded = message.encode(&key).unwrap();
    assert!(encoded.len() <= 10_240);
    let opened = AuthorizationMessage::decode(&encoded, &key).unwrap();
    assert!(!opened.conditions.is_empty() && opened.conditions.len() < 200);
    assert_eq!(opened.conditions[0], message.conditions[0]);
}

fn root_at(now: OffsetDateTime) -> RequestCx {
    let mut cx = root();
    cx.info.now = now;
    cx
}

#[tokio::test]
async fn a_credential_report_is_reused_for_four_hours_then_expires() {
    let core = core().await;
    let t0 = OffsetDateTime::now_utc();
    let state = |r: Response| match r {
        Response::GenerateCredentialReport(r) => r.state.unwrap(),
        other => panic!("{other:?}"),
    };
    let generate = |at| call(&core, root_at(at), Request::GenerateCredentialReport);
    assert_eq!(state(generate(t0).await.unwrap()), "STARTED");
    create_user(&core, "later").await;
    let three_hours = t0 + time::Duration::hours(3);
    assert_eq!(state(generate(three_hours).await.unwrap()), "COMPLETE");
    // The reused report is the first one: the user created since is not in it.
    let content = match call(&core, root_at(three_hours), Request::GetCredentialReport)
        .await
        .unwrap()
    {
        Response::GetCredentialReport(r) => String::from_utf8(r.content.unwrap()).unwrap(),
        other => panic!("{other:?}"),
    };
    assert!(!content.contains("\nlater,"));
    let four_hours = t0 + time::Duration::hours(4);
    let expired = call(&core, root_at(four_hours), Request::GetCredentialReport)
        .await
        .unwrap_err();
    assert_eq!(expired.code, "ReportExpired");
    assert_eq!(expired.status, 410);
    assert_eq!(state(generate(four_hours).await.unwrap()), "STARTED");
    match call(&core, root_at(four_hours), Request::GetCredentialReport)
        .await
        .unwrap()
    {
        Response::GetCredentialReport(r) => {
            assert!(
                String::from_utf8(r.content.unwrap())
                    .unwrap()
                    .contains("\nlater,")
            );
        }
        other => panic!("{other:?}"),
    }
}
