#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Roles, managed policies, attachments, boundaries and instance profiles through
//! `Core::handle_iam`: effective permissions follow every change on the next request, trust
//! policies keep principals' unique ids, and everything survives a reopen of the store.

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

fn cx(user: Option<&iam::User>) -> RequestCx {
    let arn = user.map_or(format!("arn:aws:iam::{ACCOUNT}:root"), |u| u.arn.clone());
    RequestCx {
        caller: Caller {
            account_id: ACCOUNT.into(),
            user_id: user.map(|u| u.user_id.clone()),
            principal: Principal::parse(&arn).unwrap(),
            arn,
            access_key_id: "AKIATESTTESTTEST0001".into(),
            tags: Vec::new(),
            session: None,
        },
        info: RequestInfo {
            now: OffsetDateTime::now_utc(),
            source_ip: None,
            user_agent: None,
            secure_transport: false,
            region: "us-east-1".into(),
        },
    }
}

async fn root(core: &Core, request: Request) -> Response {
    core.handle_iam(&cx(None), request).await.unwrap()
}

async fn as_user(
    core: &Core,
    user: &iam::User,
    request: Request,
) -> Result<Response, ServiceError> {
    core.handle_iam(&cx(Some(user)), request).await
}

fn allow(action: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"{action}","Resource":"*"}}]}}"#
    )
}

fn trust(principal: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{principal},"Action":"sts:AssumeRole"}}]}}"#
    )
}

/// A role EC2 may assume and an instance profile, both called `name`.
async fn ec2_role_and_profile(core: &Core, name: &str) {
    root(
        core,
        Request::CreateRole(iam::CreateRoleRequest {
            role_name: name.into(),
            assume_role_policy_document: trust(r#"{"Service":"ec2.amazonaws.com"}"#),
            ..Default::default()
        }),
    )
    .await;
    root(
        core,
        Request::CreateInstanceProfile(iam::CreateInstanceProfileRequest {
            instance_profile_name: name.into(),
            ..Default::default()
        }),
    )
    .await;
}

async fn user(core: &Core, name: &str) -> iam::User {
    match root(
        core,
        Request::CreateUser(iam::CreateUserRequest {
            user_name: name.into(),
            ..Default::default()
        }),
    )
    .await
    {
        Response::CreateUser(r) => r.user.unwrap(),
        other => panic!("{other:?}"),
    }
}

async fn policy(core: &Core, name: &str, document: String) -> String {
    match root(
        core,
        Request::CreatePolicy(iam::CreatePolicyRequest {
            policy_name: name.into(),
            policy_document: document,
            ..Default::default()
        }),
    )
    .await
    {
        Response::CreatePolicy(r) => r.policy.unwrap().arn.unwrap(),
        other => panic!("{other:?}"),
    }
}

fn list_users() -> Request {
    Request::ListUsers(Default::default())
}

fn list_roles() -> Request {
    Request::ListRoles(Default::default())
}

async fn denied(core: &Core, user: &iam::User, request: Request) -> String {
    let err = as_user(core, user, request).await.unwrap_err();
    assert_eq!(err.code, "AccessDenied", "{err:?}");
    err.message
}

#[tokio::test]
async fn a_group_managed_policy_grants_until_detached_and_follows_its_default_version() {
    let core = core().await;
    let alice = user(&core, "alice").await;
    let outsider = user(&core, "outsider").await;
    root(
        &core,
        Request::CreateGroup(iam::CreateGroupRequest {
            group_name: "devs".into(),
            ..Default::default()
        }),
    )
    .await;
    let arn = policy(&core, "ListUsers", allow("iam:ListUsers")).await;
    root(
        &core,
        Request::AttachGroupPolicy(iam::AttachGroupPolicyRequest {
            group_name: "devs".into(),
            policy_arn: arn.clone(),
        }),
    )
    .await;
    root(
        &core,
        Request::AddUserToGroup(iam::AddUserToGroupRequest {
            group_name: "devs".into(),
            user_name: "alice".into(),
        }),
    )
    .await;
    as_user(&core, &alice, list_users()).await.unwrap();
    denied(&core, &alice, list_roles()).await;
    denied(&core, &outsider, list_users()).await;

    // A new default version replaces what the policy grants, for every member at once.
    root(
        &core,
        Request::CreatePolicyVersion(iam::CreatePolicyVersionRequest {
            policy_arn: arn.clone(),
            policy_document: allow("iam:ListRoles"),
            set_as_default: Some(true),
        }),
    )
    .await;
    as_user(&core, &alice, list_roles()).await.unwrap();
    denied(&core, &alice, list_users()).await;
    root(
        &core,
        Request::SetDefaultPolicyVersion(iam::SetDefaultPolicyVersionRequest {
            policy_arn: arn.clone(),
            version_id: "v1".into(),
        }),
    )
    .await;
    as_user(&core, &alice, list_users()).await.unwrap();

    root(
        &core,
        Request::DetachGroupPolicy(iam::DetachGroupPolicyRequest {
            group_name: "devs".into(),
            policy_arn: arn.clone(),
        }),
    )
    .await;
    denied(&core, &alice, list_users()).await;
}

#[tokio::test]
async fn a_permissions_boundary_caps_what_identity_policies_grant() {
    let core = core().await;
    let alice = user(&core, "alice").await;
    root(
        &core,
        Request::PutUserPolicy(iam::PutUserPolicyRequest {
            user_name: "alice".into(),
            policy_name: "all".into(),
            policy_document: allow("iam:*"),
        }),
    )
    .await;
    as_user(&core, &alice, list_users()).await.unwrap();
    let boundary = policy(&core, "OnlyRoles", allow("iam:ListRoles")).await;
    root(
        &core,
        Request::PutUserPermissionsBoundary(iam::PutUserPermissionsBoundaryRequest {
            user_name: "alice".into(),
            permissions_boundary: boundary.clone(),
        }),
    )
    .await;
    let message = denied(&core, &alice, list_users()).await;
    assert!(message.contains("permissions boundary"), "{message}");
    as_user(&core, &alice, list_roles()).await.unwrap();
    match root(
        &core,
        Request::GetPolicy(iam::GetPolicyRequest {
            policy_arn: boundary.clone(),
        }),
    )
    .await
    {
        Response::GetPolicy(r) => {
            let p = r.policy.unwrap();
            assert_eq!(p.permissions_boundary_usage_count, Some(1));
            assert_eq!(p.attachment_count, Some(0));
        }
        other => panic!("{other:?}"),
    }
    // A policy in use as a boundary cannot be deleted.
    let err = core
        .handle_iam(
            &cx(None),
            Request::DeletePolicy(iam::DeletePolicyRequest {
                policy_arn: boundary.clone(),
            }),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code, "DeleteConflict");
    root(
        &core,
        Request::DeleteUserPermissionsBoundary(iam::DeleteUserPermissionsBoundaryRequest {
            user_name: "alice".into(),
        }),
    )
    .await;
    as_user(&core, &alice, list_users()).await.unwrap();
}

async fn role_trust_document(core: &Core, name: &str) -> String {
    match root(
        core,
        Request::GetRole(iam::GetRoleRequest {
            role_name: name.into(),
        }),
    )
    .await
    {
        Response::GetRole(r) => r.role.assume_role_policy_document.unwrap(),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_trust_policy_keeps_the_unique_id_of_a_deleted_principal() {
    let core = core().await;
    let bob = user(&core, "bob").await;
    let document = trust(&format!(r#"{{"AWS":"{}"}}"#, bob.arn));
    root(
        &core,
        Request::CreateRole(iam::CreateRoleRequest {
            role_name: "deploy".into(),
            assume_role_policy_document: document.clone(),
            ..Default::default()
        }),
    )
    .await;
    assert_eq!(role_trust_document(&core, "deploy").await, document);
    root(
        &core,
        Request::DeleteUser(iam::DeleteUserRequest {
            user_name: "bob".into(),
        }),
    )
    .await;
    let shown = role_trust_document(&core, "deploy").await;
    assert!(shown.contains(&format!("\"{}\"", bob.user_id)), "{shown}");
    assert!(!shown.contains(&bob.arn), "{shown}");
    // A new bob is a different principal: the role still names the old one.
    let new_bob = user(&core, "bob").await;
    assert_ne!(new_bob.user_id, bob.user_id);
    let shown = role_trust_document(&core, "deploy").await;
    assert!(shown.contains(&format!("\"{}\"", bob.user_id)), "{shown}");

    // A principal that does not exist is refused, as AWS does.
    let err = core
        .handle_iam(
            &cx(None),
            Request::CreateRole(iam::CreateRoleRequest {
                role_name: "other".into(),
                assume_role_policy_document: trust(&format!(
                    r#"{{"AWS":"arn:aws:iam::{ACCOUNT}:user/nobody"}}"#
                )),
                ..Default::default()
            }),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code, "MalformedPolicyDocument");
    assert_eq!(
        err.message,
        format!("Invalid principal in policy: \"AWS\":\"arn:aws:iam::{ACCOUNT}:user/nobody\"")
    );
}

#[tokio::test]
async fn adding_a_role_to_an_instance_profile_needs_pass_role() {
    let core = core().await;
    let alice = user(&core, "alice").await;
    ec2_role_and_profile(&core, "web").await;
    root(
        &core,
        Request::PutUserPolicy(iam::PutUserPolicyRequest {
            user_name: "alice".into(),
            policy_name: "profiles".into(),
            policy_document: allow("iam:AddRoleToInstanceProfile"),
        }),
    )
    .await;
    let add = || {
        Request::AddRoleToInstanceProfile(iam::AddRoleToInstanceProfileRequest {
            instance_profile_name: "web".into(),
            role_name: "web".into(),
        })
    };
    let message = denied(&core, &alice, add()).await;
    assert!(
        message.contains(&format!(
            "iam:PassRole on resource: arn:aws:iam::{ACCOUNT}:role/web"
        )),
        "{message}"
    );
    root(
        &core,
        Request::PutUserPolicy(iam::PutUserPolicyRequest {
            user_name: "alice".into(),
            policy_name: "pass".into(),
            policy_document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:PassRole","Resource":"*","Condition":{"StringEquals":{"iam:PassedToService":"ec2.amazonaws.com"}}}]}"#.into(),
        }),
    )
    .await;
    as_user(&core, &alice, add()).await.unwrap();
}

#[tokio::test]
async fn roles_policies_attachments_and_profiles_survive_a_reopen() {
    let dir = std::env::temp_dir().join(format!("warden-core-entities-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("w.db");
    let _ = std::fs::remove_file(&path);
    let alice;
    let arn;
    {
        let core = core_on(Arc::new(SqliteStore::open(&path).await.unwrap())).await;
        alice = user(&core, "alice").await;
        arn = policy(&core, "ListUsers", allow("iam:ListUsers")).await;
        root(
            &core,
            Request::AttachUserPolicy(iam::AttachUserPolicyRequest {
                user_name: "alice".into(),
                policy_arn: arn.clone(),
            }),
        )
        .await;
        ec2_role_and_profile(&core, "web").await;
        root(
            &core,
            Request::PutRolePolicy(iam::PutRolePolicyRequest {
                role_name: "web".into(),
                policy_name: "inline".into(),
                policy_document: allow("s3:GetObject"),
            }),
        )
        .await;
        root(
            &core,
            Request::AddRoleToInstanceProfile(iam::AddRoleToInstanceProfileRequest {
                instance_profile_name: "web".into(),
                role_name: "web".into(),
            }),
        )
        .await;
    }
    let core = core_on(Arc::new(SqliteStore::open(&path).await.unwrap())).await;
    as_user(&core, &alice, list_users()).await.unwrap();
    match root(
        &core,
        Request::GetPolicy(iam::GetPolicyRequest { policy_arn: arn }),
    )
    .await
    {
        Response::GetPolicy(r) => assert_eq!(r.policy.unwrap().attachment_count, Some(1)),
        other => panic!("{other:?}"),
    }
    match root(
        &core,
        Request::ListInstanceProfilesForRole(iam::ListInstanceProfilesForRoleRequest {
            role_name: "web".into(),
            ..Default::default()
        }),
    )
    .await
    {
        Response::ListInstanceProfilesForRole(r) => {
            assert_eq!(r.instance_profiles.len(), 1);
            assert_eq!(r.instance_profiles[0].roles[0].role_name, "web");
        }
        other => panic!("{other:?}"),
    }
    // The role still has its inline policy, so deleting it is a conflict.
    let err = core
        .handle_iam(
            &cx(None),
            Request::DeleteRole(iam::DeleteRoleRequest {
                role_name: "web".into(),
            }),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code, "DeleteConflict");
    std::fs::remove_dir_all(&dir).unwrap();
}
