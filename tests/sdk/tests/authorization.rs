//! Authentication and authorization errors as the SDK sees them, and the server itself.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use warden_sdk_tests::{
    ACCOUNT_ID, OrFail, ROOT_ACCESS_KEY_ID, Warden, allow_policy, service_failure, unique,
    user_with_key,
};

#[tokio::test]
async fn user_without_policies_is_denied_until_a_policy_allows() {
    let warden = Warden::start().await;
    let root = warden.root_iam().await;
    let name = unique("nopol");
    let (key_id, secret) = user_with_key(&root, &name).await;
    let iam = warden.iam(&key_id, &secret).await;

    let denied = service_failure(iam.list_users().send().await);
    assert_eq!(
        (denied.status, denied.code.as_str()),
        (403, "AccessDenied"),
        "{denied:?}"
    );
    let head = format!(
        "User: arn:aws:iam::{ACCOUNT_ID}:user/{name} is not authorized to perform: iam:ListUsers on resource:"
    );
    assert!(denied.message.starts_with(&head), "{}", denied.message);

    root.put_user_policy()
        .user_name(&name)
        .policy_name("list-users")
        .policy_document(allow_policy("iam:ListUsers", "*"))
        .send()
        .await
        .or_fail("PutUserPolicy");
    let listed = iam
        .list_users()
        .send()
        .await
        .or_fail("ListUsers after the grant");
    assert!(listed.users().iter().any(|u| u.user_name == name));

    // The grant is for ListUsers only.
    let other = service_failure(iam.get_user().user_name(&name).send().await);
    assert_eq!((other.status, other.code.as_str()), (403, "AccessDenied"));
    assert!(
        other
            .message
            .starts_with(&format!("User: arn:aws:iam::{ACCOUNT_ID}:user/{name} is not authorized to perform: iam:GetUser on resource:")),
        "{}",
        other.message
    );

    // Revoked: denied again.
    root.delete_user_policy()
        .user_name(&name)
        .policy_name("list-users")
        .send()
        .await
        .or_fail("DeleteUserPolicy");
    let denied = service_failure(iam.list_users().send().await);
    assert_eq!(denied.code, "AccessDenied");
}

#[tokio::test]
async fn group_policy_grants_to_members() {
    let warden = Warden::start().await;
    let root = warden.root_iam().await;
    let name = unique("member");
    let group = unique("listers");
    let (key_id, secret) = user_with_key(&root, &name).await;
    let iam = warden.iam(&key_id, &secret).await;
    root.create_group()
        .group_name(&group)
        .send()
        .await
        .or_fail("CreateGroup");
    root.put_group_policy()
        .group_name(&group)
        .policy_name("list-users")
        .policy_document(allow_policy("iam:ListUsers", "*"))
        .send()
        .await
        .or_fail("PutGroupPolicy");
    assert_eq!(
        service_failure(iam.list_users().send().await).code,
        "AccessDenied"
    );
    root.add_user_to_group()
        .group_name(&group)
        .user_name(&name)
        .send()
        .await
        .or_fail("AddUserToGroup");
    iam.list_users()
        .send()
        .await
        .or_fail("ListUsers as a group member");
    root.remove_user_from_group()
        .group_name(&group)
        .user_name(&name)
        .send()
        .await
        .or_fail("RemoveUserFromGroup");
    assert_eq!(
        service_failure(iam.list_users().send().await).code,
        "AccessDenied"
    );
}

#[tokio::test]
async fn unimplemented_operation_is_not_implemented() {
    let warden = Warden::start().await;
    let iam = warden.root_iam().await;
    // An IAM operation this release does not implement.
    let failure = service_failure(
        iam.generate_organizations_access_report()
            .entity_path("o-a1b2c3d4e5/r-ab12")
            .send()
            .await,
    );
    assert_eq!(
        (failure.status, failure.code.as_str()),
        (501, "NotImplemented"),
        "{failure:?}"
    );
}

#[tokio::test]
async fn wrong_secret_is_signature_does_not_match() {
    let warden = Warden::start().await;
    let iam = warden.iam(ROOT_ACCESS_KEY_ID, &"W".repeat(40)).await;
    let failure = service_failure(iam.list_users().send().await);
    assert_eq!(
        (failure.status, failure.code.as_str()),
        (403, "SignatureDoesNotMatch"),
        "{failure:?}"
    );
    assert!(
        failure.message.starts_with(
            "The request signature we calculated does not match the signature you provided."
        ),
        "{}",
        failure.message
    );
    let sts = warden.sts(ROOT_ACCESS_KEY_ID, &"W".repeat(40)).await;
    let failure = service_failure(sts.get_caller_identity().send().await);
    assert_eq!(
        (failure.status, failure.code.as_str()),
        (403, "SignatureDoesNotMatch"),
        "{failure:?}"
    );
}

#[tokio::test]
async fn unknown_access_key_is_invalid_client_token_id() {
    let warden = Warden::start().await;
    let unknown = format!("AKIA{}", "Q".repeat(16));
    let iam = warden.iam(&unknown, &"x".repeat(40)).await;
    let failure = service_failure(iam.list_users().send().await);
    assert_eq!(
        (failure.status, failure.code.as_str()),
        (403, "InvalidClientTokenId"),
        "{failure:?}"
    );
    assert!(
        failure
            .message
            .starts_with("The security token included in the request is invalid"),
        "{}",
        failure.message
    );
    let sts = warden.sts(&unknown, &"x".repeat(40)).await;
    let failure = service_failure(sts.get_caller_identity().send().await);
    assert_eq!(
        (failure.status, failure.code.as_str()),
        (403, "InvalidClientTokenId"),
        "{failure:?}"
    );
}

#[tokio::test]
async fn health_and_clean_shutdown() {
    let mut warden = Warden::start().await;
    assert_eq!(warden.health_status().await, 200);
    let status = warden.stop().expect("warden did not exit after SIGTERM");
    assert!(
        status.success(),
        "exit status after SIGTERM: {status}\nstderr:\n{}",
        warden.stderr()
    );
}
