//! Effective permissions of a real user's key: managed policies through groups, permissions
//! boundaries, and the iam:PassRole check.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use warden_sdk_tests::{
    ACCOUNT_ID, OrFail, Warden, allow_policy, service_failure, unique, user_with_key,
};

const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

fn denial_head(user: &str, action: &str) -> String {
    format!(
        "User: arn:aws:iam::{ACCOUNT_ID}:user/{user} is not authorized to perform: {action} on resource:"
    )
}

#[tokio::test]
async fn group_managed_policy_grants_members_until_detached() {
    let warden = Warden::start().await;
    let root = warden.root_iam().await;
    let (member, outsider, group) = (unique("member"), unique("outsider"), unique("listers"));
    let (member_key, member_secret) = user_with_key(&root, &member).await;
    let (outsider_key, outsider_secret) = user_with_key(&root, &outsider).await;
    let as_member = warden.iam(&member_key, &member_secret).await;
    let as_outsider = warden.iam(&outsider_key, &outsider_secret).await;

    let policy = root
        .create_policy()
        .policy_name(unique("list-users"))
        .policy_document(allow_policy("iam:ListUsers", "*"))
        .send()
        .await
        .or_fail("CreatePolicy")
        .policy
        .and_then(|p| p.arn)
        .expect("CreatePolicy returned no Arn");
    root.create_group()
        .group_name(&group)
        .send()
        .await
        .or_fail("CreateGroup");
    root.add_user_to_group()
        .group_name(&group)
        .user_name(&member)
        .send()
        .await
        .or_fail("AddUserToGroup");

    // In the group but nothing attached yet: denied.
    let denied = service_failure(as_member.list_users().send().await);
    assert_eq!((denied.status, denied.code.as_str()), (403, "AccessDenied"));

    root.attach_group_policy()
        .group_name(&group)
        .policy_arn(&policy)
        .send()
        .await
        .or_fail("AttachGroupPolicy");
    let listed = as_member
        .list_users()
        .send()
        .await
        .or_fail("ListUsers through the group's managed policy");
    assert!(listed.users().iter().any(|u| u.user_name == member));
    assert!(listed.users().iter().any(|u| u.user_name == outsider));

    // The policy allows ListUsers only.
    let create = service_failure(
        as_member
            .create_user()
            .user_name(unique("new"))
            .send()
            .await,
    );
    assert_eq!(
        (create.status, create.code.as_str()),
        (403, "AccessDenied"),
        "{create:?}"
    );
    assert!(
        create
            .message
            .starts_with(&denial_head(&member, "iam:CreateUser")),
        "{}",
        create.message
    );

    // A user outside the group gets nothing from it.
    let outside = service_failure(as_outsider.list_users().send().await);
    assert_eq!(
        (outside.status, outside.code.as_str()),
        (403, "AccessDenied"),
        "{outside:?}"
    );
    assert!(
        outside
            .message
            .starts_with(&denial_head(&outsider, "iam:ListUsers")),
        "{}",
        outside.message
    );

    // Detached: the very next call is denied.
    root.detach_group_policy()
        .group_name(&group)
        .policy_arn(&policy)
        .send()
        .await
        .or_fail("DetachGroupPolicy");
    let revoked = service_failure(as_member.list_users().send().await);
    assert_eq!(
        (revoked.status, revoked.code.as_str()),
        (403, "AccessDenied"),
        "{revoked:?}"
    );
    assert!(
        revoked
            .message
            .starts_with(&denial_head(&member, "iam:ListUsers")),
        "{}",
        revoked.message
    );
}

#[tokio::test]
async fn permissions_boundary_caps_inline_policy() {
    let warden = Warden::start().await;
    let root = warden.root_iam().await;
    let name = unique("capped");
    let (key, secret) = user_with_key(&root, &name).await;
    let iam = warden.iam(&key, &secret).await;
    root.put_user_policy()
        .user_name(&name)
        .policy_name("everything")
        .policy_document(allow_policy("iam:*", "*"))
        .send()
        .await
        .or_fail("PutUserPolicy");
    // Before the boundary, iam:* allows ListUsers.
    iam.list_users()
        .send()
        .await
        .or_fail("ListUsers without a boundary");

    let boundary = root
        .create_policy()
        .policy_name(unique("roles-only"))
        .policy_document(allow_policy("iam:ListRoles", "*"))
        .send()
        .await
        .or_fail("CreatePolicy")
        .policy
        .and_then(|p| p.arn)
        .expect("CreatePolicy returned no Arn");
    root.put_user_permissions_boundary()
        .user_name(&name)
        .permissions_boundary(&boundary)
        .send()
        .await
        .or_fail("PutUserPermissionsBoundary");

    let denied = service_failure(iam.list_users().send().await);
    assert_eq!(
        (denied.status, denied.code.as_str()),
        (403, "AccessDenied"),
        "{denied:?}"
    );
    assert!(
        denied
            .message
            .starts_with(&denial_head(&name, "iam:ListUsers")),
        "{}",
        denied.message
    );
    assert!(
        denied.message.contains("permissions boundary"),
        "the denial names the boundary: {}",
        denied.message
    );
    // Allowed by both the inline policy and the boundary.
    iam.list_roles()
        .send()
        .await
        .or_fail("ListRoles within the boundary");

    // The boundary removed: iam:* applies in full again.
    root.delete_user_permissions_boundary()
        .user_name(&name)
        .send()
        .await
        .or_fail("DeleteUserPermissionsBoundary");
    iam.list_users()
        .send()
        .await
        .or_fail("ListUsers once the boundary is gone");
}

#[tokio::test]
async fn adding_a_role_to_an_instance_profile_needs_pass_role() {
    let warden = Warden::start().await;
    let root = warden.root_iam().await;
    let name = unique("launcher");
    let (key, secret) = user_with_key(&root, &name).await;
    let iam = warden.iam(&key, &secret).await;
    let (role, profile) = (unique("web-role"), unique("web-profile"));
    root.create_role()
        .role_name(&role)
        .assume_role_policy_document(TRUST)
        .send()
        .await
        .or_fail("CreateRole");
    root.create_instance_profile()
        .instance_profile_name(&profile)
        .send()
        .await
        .or_fail("CreateInstanceProfile");
    root.put_user_policy()
        .user_name(&name)
        .policy_name("profiles")
        .policy_document(allow_policy("iam:AddRoleToInstanceProfile", "*"))
        .send()
        .await
        .or_fail("PutUserPolicy");

    let denied = service_failure(
        iam.add_role_to_instance_profile()
            .instance_profile_name(&profile)
            .role_name(&role)
            .send()
            .await,
    );
    assert_eq!(
        (denied.status, denied.code.as_str()),
        (403, "AccessDenied"),
        "{denied:?}"
    );
    assert!(
        denied.message.contains("iam:PassRole"),
        "the denial names iam:PassRole: {}",
        denied.message
    );
    let held = root
        .get_instance_profile()
        .instance_profile_name(&profile)
        .send()
        .await
        .or_fail("GetInstanceProfile")
        .instance_profile
        .unwrap();
    assert!(held.roles().is_empty(), "{:?}", held.roles());

    // With iam:PassRole on the role as well, the call succeeds.
    root.put_user_policy()
        .user_name(&name)
        .policy_name("pass")
        .policy_document(allow_policy(
            "iam:PassRole",
            &format!("arn:aws:iam::{ACCOUNT_ID}:role/{role}"),
        ))
        .send()
        .await
        .or_fail("PutUserPolicy");
    iam.add_role_to_instance_profile()
        .instance_profile_name(&profile)
        .role_name(&role)
        .send()
        .await
        .or_fail("AddRoleToInstanceProfile with iam:PassRole");
    let held = root
        .get_instance_profile()
        .instance_profile_name(&profile)
        .send()
        .await
        .or_fail("GetInstanceProfile")
        .instance_profile
        .unwrap();
    assert_eq!(
        held.roles()
            .iter()
            .map(|r| r.role_name.as_str())
            .collect::<Vec<_>>(),
        [role.as_str()]
    );
}
