//! Customer managed policies, their versions, attachments and permissions boundaries through
//! aws-sdk-iam.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use aws_sdk_iam::types::{AttachedPolicy, PolicyScopeType, PolicyUsageType, Tag};
use warden_sdk_tests::{
    ACCOUNT_ID, OrFail, Warden, allow_policy, get_policy, get_role, get_user, service_failure,
    unique, url_decoded,
};

const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

fn tag(key: &str, value: &str) -> Tag {
    Tag::builder().key(key).value(value).build().unwrap()
}

fn names(policies: &[AttachedPolicy]) -> Vec<&str> {
    policies
        .iter()
        .map(|p| p.policy_name.as_deref().unwrap_or_default())
        .collect()
}

async fn create_policy(iam: &aws_sdk_iam::Client, name: &str, path: &str) -> String {
    iam.create_policy()
        .policy_name(name)
        .path(path)
        .policy_document(allow_policy("iam:ListUsers", "*"))
        .send()
        .await
        .or_fail("CreatePolicy")
        .policy
        .and_then(|p| p.arn)
        .expect("CreatePolicy returned no Arn")
}

#[tokio::test]
async fn policy_and_its_versions() {
    let warden = Warden::start().await;
    let iam = warden.root_iam().await;
    let name = unique("readers");
    // Whitespace as written: the versions' documents must come back exactly so.
    let v1 = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"iam:GetUser\", \"Resource\": \"*\"}]\n}";

    let created = iam
        .create_policy()
        .policy_name(&name)
        .path("/team/")
        .description("read users")
        .policy_document(v1)
        .tags(tag("owner", "ann"))
        .send()
        .await
        .or_fail("CreatePolicy")
        .policy
        .expect("CreatePolicy returned no Policy");
    let arn = format!("arn:aws:iam::{ACCOUNT_ID}:policy/team/{name}");
    assert_eq!(created.arn.as_deref(), Some(arn.as_str()));
    assert_eq!(created.policy_name.as_deref(), Some(name.as_str()));
    assert_eq!(created.path.as_deref(), Some("/team/"));
    let policy_id = created.policy_id.clone().unwrap_or_default();
    assert!(policy_id.starts_with("ANPA"), "{policy_id}");
    assert_eq!(policy_id.len(), 21, "{policy_id}");
    assert_eq!(created.default_version_id.as_deref(), Some("v1"));
    assert_eq!(created.attachment_count, Some(0));
    assert_eq!(created.permissions_boundary_usage_count, Some(0));
    assert!(created.is_attachable);

    let got = iam
        .get_policy()
        .policy_arn(&arn)
        .send()
        .await
        .or_fail("GetPolicy")
        .policy
        .expect("GetPolicy returned no Policy");
    assert_eq!(got.policy_id.as_deref(), Some(policy_id.as_str()));
    assert_eq!(got.description.as_deref(), Some("read users"));
    assert_eq!(got.default_version_id.as_deref(), Some("v1"));
    assert_eq!(got.attachment_count, Some(0));
    assert_eq!(got.create_date, created.create_date);

    // Four more versions: v2..v5; the one marked default becomes it.
    let documents: Vec<String> = (2..=5)
        .map(|n| allow_policy(&format!("iam:GetGroup{n}"), "*"))
        .collect();
    for (n, document) in (2..=5).zip(&documents) {
        let version = iam
            .create_policy_version()
            .policy_arn(&arn)
            .policy_document(document)
            .set_as_default(n == 4)
            .send()
            .await
            .or_fail("CreatePolicyVersion")
            .policy_version
            .expect("CreatePolicyVersion returned no PolicyVersion");
        assert_eq!(
            version.version_id.as_deref(),
            Some(format!("v{n}").as_str())
        );
        assert_eq!(version.is_default_version, n == 4);
    }
    // A sixth is over AWS's limit of five.
    let sixth = service_failure(
        iam.create_policy_version()
            .policy_arn(&arn)
            .policy_document(allow_policy("iam:GetRole", "*"))
            .send()
            .await,
    );
    assert_eq!(
        (sixth.status, sixth.code.as_str()),
        (409, "LimitExceeded"),
        "{sixth:?}"
    );
    assert_eq!(
        sixth.message,
        "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version."
    );

    // Documents round-trip, URL-encoded on the wire.
    let first = iam
        .get_policy_version()
        .policy_arn(&arn)
        .version_id("v1")
        .send()
        .await
        .or_fail("GetPolicyVersion")
        .policy_version
        .expect("GetPolicyVersion returned no PolicyVersion");
    let encoded = first.document.as_deref().unwrap_or_default();
    assert!(encoded.starts_with("%7B"), "URL-encoded: {encoded}");
    assert_eq!(url_decoded(encoded), v1);
    assert!(!first.is_default_version);
    let third = iam
        .get_policy_version()
        .policy_arn(&arn)
        .version_id("v3")
        .send()
        .await
        .or_fail("GetPolicyVersion")
        .policy_version
        .unwrap();
    assert_eq!(
        url_decoded(third.document.as_deref().unwrap()),
        documents[1]
    );

    // Newest first; only v4 is the default, and listings carry no documents.
    let listed = iam
        .list_policy_versions()
        .policy_arn(&arn)
        .send()
        .await
        .or_fail("ListPolicyVersions");
    assert!(!listed.is_truncated);
    let versions: Vec<(&str, bool)> = listed
        .versions()
        .iter()
        .map(|v| {
            (
                v.version_id.as_deref().unwrap_or_default(),
                v.is_default_version,
            )
        })
        .collect();
    assert_eq!(
        versions,
        [
            ("v5", false),
            ("v4", true),
            ("v3", false),
            ("v2", false),
            ("v1", false)
        ]
    );
    assert!(listed.versions().iter().all(|v| v.document.is_none()));
    assert_eq!(
        get_policy(&iam, &arn).await.default_version_id.as_deref(),
        Some("v4")
    );

    iam.set_default_policy_version()
        .policy_arn(&arn)
        .version_id("v2")
        .send()
        .await
        .or_fail("SetDefaultPolicyVersion");
    let got = get_policy(&iam, &arn).await;
    assert_eq!(got.default_version_id.as_deref(), Some("v2"));

    // The default version cannot be deleted; another can.
    let conflict = service_failure(
        iam.delete_policy_version()
            .policy_arn(&arn)
            .version_id("v2")
            .send()
            .await,
    );
    assert_eq!(
        (conflict.status, conflict.code.as_str()),
        (409, "DeleteConflict"),
        "{conflict:?}"
    );
    assert_eq!(
        conflict.message,
        "Cannot delete the default version of a policy."
    );
    iam.delete_policy_version()
        .policy_arn(&arn)
        .version_id("v4")
        .send()
        .await
        .or_fail("DeletePolicyVersion");
    let missing = service_failure(
        iam.get_policy_version()
            .policy_arn(&arn)
            .version_id("v4")
            .send()
            .await,
    );
    assert_eq!(
        (missing.status, missing.code.as_str()),
        (404, "NoSuchEntity")
    );
    // Room for one more version again; numbering goes on from v6.
    let sixth = iam
        .create_policy_version()
        .policy_arn(&arn)
        .policy_document(allow_policy("iam:GetRole", "*"))
        .send()
        .await
        .or_fail("CreatePolicyVersion after a delete")
        .policy_version
        .unwrap();
    assert_eq!(sixth.version_id.as_deref(), Some("v6"));

    // Tags.
    iam.tag_policy()
        .policy_arn(&arn)
        .tags(tag("tier", "gold"))
        .tags(tag("owner", "bob"))
        .send()
        .await
        .or_fail("TagPolicy");
    iam.untag_policy()
        .policy_arn(&arn)
        .tag_keys("tier")
        .send()
        .await
        .or_fail("UntagPolicy");
    let tags = iam
        .list_policy_tags()
        .policy_arn(&arn)
        .send()
        .await
        .or_fail("ListPolicyTags");
    assert!(!tags.is_truncated);
    let tags: Vec<(&str, &str)> = tags
        .tags()
        .iter()
        .map(|t| (t.key.as_str(), t.value.as_str()))
        .collect();
    assert_eq!(tags, [("owner", "bob")]);

    // A policy with versions besides the default cannot be deleted.
    let versions_left = service_failure(iam.delete_policy().policy_arn(&arn).send().await);
    assert_eq!(
        (versions_left.status, versions_left.code.as_str()),
        (409, "DeleteConflict")
    );
    for version in ["v1", "v3", "v5", "v6"] {
        iam.delete_policy_version()
            .policy_arn(&arn)
            .version_id(version)
            .send()
            .await
            .or_fail("DeletePolicyVersion");
    }
    iam.delete_policy()
        .policy_arn(&arn)
        .send()
        .await
        .or_fail("DeletePolicy");
    let gone = service_failure(iam.get_policy().policy_arn(&arn).send().await);
    assert_eq!((gone.status, gone.code.as_str()), (404, "NoSuchEntity"));
}

#[tokio::test]
async fn attachments_to_users_groups_and_roles() {
    let warden = Warden::start().await;
    let iam = warden.root_iam().await;
    let (user, group, role) = (unique("ann"), unique("devs"), unique("worker"));
    iam.create_user()
        .user_name(&user)
        .send()
        .await
        .or_fail("CreateUser");
    iam.create_group()
        .group_name(&group)
        .send()
        .await
        .or_fail("CreateGroup");
    iam.create_role()
        .role_name(&role)
        .assume_role_policy_document(TRUST)
        .send()
        .await
        .or_fail("CreateRole");
    let (shared_name, other_name, idle_name) = (unique("shared"), unique("other"), unique("idle"));
    let shared = create_policy(&iam, &shared_name, "/apps/").await;
    let other = create_policy(&iam, &other_name, "/apps/").await;
    let idle = create_policy(&iam, &idle_name, "/misc/").await;

    // A policy ARN that names nothing is refused, for every kind of identity.
    let ghost = format!("arn:aws:iam::{ACCOUNT_ID}:policy/{}", unique("ghost"));
    let not_attachable = format!("Policy {ghost} does not exist or is not attachable.");
    let failures = [
        service_failure(
            iam.attach_user_policy()
                .user_name(&user)
                .policy_arn(&ghost)
                .send()
                .await,
        ),
        service_failure(
            iam.attach_group_policy()
                .group_name(&group)
                .policy_arn(&ghost)
                .send()
                .await,
        ),
        service_failure(
            iam.attach_role_policy()
                .role_name(&role)
                .policy_arn(&ghost)
                .send()
                .await,
        ),
    ];
    for failure in failures {
        assert_eq!(
            (
                failure.status,
                failure.code.as_str(),
                failure.message.as_str()
            ),
            (404, "NoSuchEntity", not_attachable.as_str())
        );
    }

    iam.attach_user_policy()
        .user_name(&user)
        .policy_arn(&shared)
        .send()
        .await
        .or_fail("AttachUserPolicy");
    iam.attach_user_policy()
        .user_name(&user)
        .policy_arn(&other)
        .send()
        .await
        .or_fail("AttachUserPolicy");
    iam.attach_group_policy()
        .group_name(&group)
        .policy_arn(&shared)
        .send()
        .await
        .or_fail("AttachGroupPolicy");
    iam.attach_role_policy()
        .role_name(&role)
        .policy_arn(&shared)
        .send()
        .await
        .or_fail("AttachRolePolicy");

    let of_user = iam
        .list_attached_user_policies()
        .user_name(&user)
        .send()
        .await
        .or_fail("ListAttachedUserPolicies");
    assert!(!of_user.is_truncated);
    let mut expected = vec![shared_name.as_str(), other_name.as_str()];
    expected.sort_by_key(|n| n.to_lowercase());
    assert_eq!(names(of_user.attached_policies()), expected);
    assert!(
        of_user
            .attached_policies()
            .iter()
            .any(|p| p.policy_arn.as_deref() == Some(shared.as_str()))
    );
    let of_group = iam
        .list_attached_group_policies()
        .group_name(&group)
        .send()
        .await
        .or_fail("ListAttachedGroupPolicies");
    assert_eq!(names(of_group.attached_policies()), [shared_name.as_str()]);
    assert_eq!(
        of_group.attached_policies()[0].policy_arn.as_deref(),
        Some(shared.as_str())
    );
    let of_role = iam
        .list_attached_role_policies()
        .role_name(&role)
        .send()
        .await
        .or_fail("ListAttachedRolePolicies");
    assert_eq!(names(of_role.attached_policies()), [shared_name.as_str()]);

    // AttachmentCount counts every identity.
    let count = |arn: String| {
        let iam = iam.clone();
        async move { get_policy(&iam, &arn).await.attachment_count }
    };
    assert_eq!(count(shared.clone()).await, Some(3));
    assert_eq!(count(other.clone()).await, Some(1));
    assert_eq!(count(idle.clone()).await, Some(0));

    let entities = iam
        .list_entities_for_policy()
        .policy_arn(&shared)
        .send()
        .await
        .or_fail("ListEntitiesForPolicy");
    assert!(!entities.is_truncated);
    let users: Vec<&str> = entities
        .policy_users()
        .iter()
        .map(|u| u.user_name.as_deref().unwrap_or_default())
        .collect();
    let groups: Vec<&str> = entities
        .policy_groups()
        .iter()
        .map(|g| g.group_name.as_deref().unwrap_or_default())
        .collect();
    let roles: Vec<&str> = entities
        .policy_roles()
        .iter()
        .map(|r| r.role_name.as_deref().unwrap_or_default())
        .collect();
    assert_eq!(
        (users, groups, roles),
        (
            vec![user.as_str()],
            vec![group.as_str()],
            vec![role.as_str()]
        )
    );
    assert!(
        entities.policy_users()[0]
            .user_id
            .as_deref()
            .is_some_and(|id| id.starts_with("AIDA"))
    );
    assert!(
        entities.policy_roles()[0]
            .role_id
            .as_deref()
            .is_some_and(|id| id.starts_with("AROA"))
    );

    // ListPolicies: this account's policies, by path, and only the attached ones.
    let local = |prefix: Option<&str>, only_attached: bool| {
        let iam = iam.clone();
        let prefix = prefix.map(str::to_owned);
        async move {
            let mut names: Vec<String> = iam
                .list_policies()
                .scope(PolicyScopeType::Local)
                .set_path_prefix(prefix)
                .only_attached(only_attached)
                .send()
                .await
                .or_fail("ListPolicies")
                .policies()
                .iter()
                .map(|p| p.policy_name.clone().unwrap_or_default())
                .collect();
            names.sort();
            names
        }
    };
    let mut apps = vec![shared_name.clone(), other_name.clone()];
    apps.sort();
    let mut all = vec![shared_name.clone(), other_name.clone(), idle_name.clone()];
    all.sort();
    assert_eq!(local(None, false).await, all);
    assert_eq!(local(Some("/apps/"), false).await, apps);
    assert_eq!(local(Some("/misc/"), false).await, [idle_name.as_str()]);
    assert_eq!(local(None, true).await, apps);

    // An attached policy cannot be deleted.
    let conflict = service_failure(iam.delete_policy().policy_arn(&shared).send().await);
    assert_eq!(
        (conflict.status, conflict.code.as_str()),
        (409, "DeleteConflict"),
        "{conflict:?}"
    );
    assert_eq!(
        conflict.message,
        "Cannot delete a policy attached to entities."
    );

    iam.detach_user_policy()
        .user_name(&user)
        .policy_arn(&shared)
        .send()
        .await
        .or_fail("DetachUserPolicy");
    iam.detach_group_policy()
        .group_name(&group)
        .policy_arn(&shared)
        .send()
        .await
        .or_fail("DetachGroupPolicy");
    assert_eq!(count(shared.clone()).await, Some(1));
    // Detaching what is not attached.
    let not_attached = service_failure(
        iam.detach_group_policy()
            .group_name(&group)
            .policy_arn(&shared)
            .send()
            .await,
    );
    assert_eq!(
        (not_attached.status, not_attached.code.as_str()),
        (404, "NoSuchEntity")
    );
    assert_eq!(
        names(
            iam.list_attached_user_policies()
                .user_name(&user)
                .send()
                .await
                .or_fail("ListAttachedUserPolicies")
                .attached_policies()
        ),
        [other_name.as_str()]
    );
    assert!(
        iam.list_attached_group_policies()
            .group_name(&group)
            .send()
            .await
            .or_fail("ListAttachedGroupPolicies")
            .attached_policies()
            .is_empty()
    );
    let entities = iam
        .list_entities_for_policy()
        .policy_arn(&shared)
        .send()
        .await
        .or_fail("ListEntitiesForPolicy");
    assert!(entities.policy_users().is_empty());
    assert!(entities.policy_groups().is_empty());
    assert_eq!(entities.policy_roles().len(), 1);

    iam.detach_role_policy()
        .role_name(&role)
        .policy_arn(&shared)
        .send()
        .await
        .or_fail("DetachRolePolicy");
    assert_eq!(count(shared.clone()).await, Some(0));
    assert_eq!(local(None, true).await, [other_name.as_str()]);
    iam.delete_policy()
        .policy_arn(&shared)
        .send()
        .await
        .or_fail("DeletePolicy once detached");
    let gone = service_failure(iam.get_policy().policy_arn(&shared).send().await);
    assert_eq!((gone.status, gone.code.as_str()), (404, "NoSuchEntity"));
}

#[tokio::test]
async fn permissions_boundaries() {
    let warden = Warden::start().await;
    let iam = warden.root_iam().await;
    let (user, role) = (unique("bounded"), unique("bounded-role"));
    iam.create_user()
        .user_name(&user)
        .send()
        .await
        .or_fail("CreateUser");
    iam.create_role()
        .role_name(&role)
        .assume_role_policy_document(TRUST)
        .send()
        .await
        .or_fail("CreateRole");
    let boundary = create_policy(&iam, &unique("boundary"), "/").await;

    // A boundary must be an existing policy.
    let ghost = format!("arn:aws:iam::{ACCOUNT_ID}:policy/{}", unique("ghost"));
    let missing = service_failure(
        iam.put_user_permissions_boundary()
            .user_name(&user)
            .permissions_boundary(&ghost)
            .send()
            .await,
    );
    assert_eq!(
        (missing.status, missing.code.as_str(), missing.message),
        (
            404,
            "NoSuchEntity",
            format!("Policy {ghost} does not exist or is not attachable.")
        )
    );

    iam.put_user_permissions_boundary()
        .user_name(&user)
        .permissions_boundary(&boundary)
        .send()
        .await
        .or_fail("PutUserPermissionsBoundary");
    iam.put_role_permissions_boundary()
        .role_name(&role)
        .permissions_boundary(&boundary)
        .send()
        .await
        .or_fail("PutRolePermissionsBoundary");

    let got_user = get_user(&iam, &user).await;
    let user_boundary = got_user
        .permissions_boundary
        .expect("GetUser shows no PermissionsBoundary");
    assert_eq!(
        user_boundary.permissions_boundary_arn.as_deref(),
        Some(boundary.as_str())
    );
    assert_eq!(
        user_boundary
            .permissions_boundary_type
            .as_ref()
            .map(|t| t.as_str()),
        Some("Policy")
    );
    let got_role = get_role(&iam, &role).await;
    let role_boundary = got_role
        .permissions_boundary
        .expect("GetRole shows no PermissionsBoundary");
    assert_eq!(
        role_boundary.permissions_boundary_arn.as_deref(),
        Some(boundary.as_str())
    );
    assert_eq!(
        role_boundary
            .permissions_boundary_type
            .as_ref()
            .map(|t| t.as_str()),
        Some("Policy")
    );

    // A boundary is not an attachment.
    let policy = get_policy(&iam, &boundary).await;
    assert_eq!(policy.permissions_boundary_usage_count, Some(2));
    assert_eq!(policy.attachment_count, Some(0));
    let as_boundary = iam
        .list_entities_for_policy()
        .policy_arn(&boundary)
        .policy_usage_filter(PolicyUsageType::PermissionsBoundary)
        .send()
        .await
        .or_fail("ListEntitiesForPolicy");
    assert_eq!(
        as_boundary
            .policy_users()
            .iter()
            .map(|u| u.user_name.as_deref().unwrap_or_default())
            .collect::<Vec<_>>(),
        [user.as_str()]
    );
    assert_eq!(
        as_boundary
            .policy_roles()
            .iter()
            .map(|r| r.role_name.as_deref().unwrap_or_default())
            .collect::<Vec<_>>(),
        [role.as_str()]
    );

    // In use as a boundary: it cannot be deleted.
    let conflict = service_failure(iam.delete_policy().policy_arn(&boundary).send().await);
    assert_eq!(
        (conflict.status, conflict.code.as_str()),
        (409, "DeleteConflict")
    );

    iam.delete_user_permissions_boundary()
        .user_name(&user)
        .send()
        .await
        .or_fail("DeleteUserPermissionsBoundary");
    let got_user = get_user(&iam, &user).await;
    assert!(got_user.permissions_boundary.is_none());
    let policy = get_policy(&iam, &boundary).await;
    assert_eq!(policy.permissions_boundary_usage_count, Some(1));

    iam.delete_role_permissions_boundary()
        .role_name(&role)
        .send()
        .await
        .or_fail("DeleteRolePermissionsBoundary");
    let got_role = get_role(&iam, &role).await;
    assert!(got_role.permissions_boundary.is_none());
    let policy = get_policy(&iam, &boundary).await;
    assert_eq!(policy.permissions_boundary_usage_count, Some(0));
    iam.delete_policy()
        .policy_arn(&boundary)
        .send()
        .await
        .or_fail("DeletePolicy once no longer a boundary");
}

#[tokio::test]
async fn aws_managed_read_only_access_is_attachable_and_grants_reads_only() {
    let warden = Warden::start().await;
    let iam = warden.root_iam().await;
    let arn = "arn:aws:iam::aws:policy/ReadOnlyAccess";
    let policy = get_policy(&iam, arn).await;
    assert_eq!(policy.policy_name(), Some("ReadOnlyAccess"));
    assert_eq!(policy.attachment_count(), Some(0));
    // Every page of Scope=AWS, through the SDK's marker handling.
    let mut arns = Vec::new();
    let mut marker = None;
    loop {
        let page = iam
            .list_policies()
            .scope(PolicyScopeType::Aws)
            .set_marker(marker)
            .max_items(500)
            .send()
            .await
            .or_fail("ListPolicies");
        arns.extend(
            page.policies()
                .iter()
                .filter_map(|p| p.arn().map(str::to_owned)),
        );
        marker = page.marker().map(str::to_owned);
        if !page.is_truncated() {
            break;
        }
    }
    assert!(arns.len() > 1000, "{}", arns.len());
    assert!(arns.iter().any(|a| a == arn));
    assert!(
        arns.iter()
            .all(|a| a.starts_with("arn:aws:iam::aws:policy/"))
    );

    let name = unique("reader");
    let (key, secret) = warden_sdk_tests::user_with_key(&iam, &name).await;
    iam.attach_user_policy()
        .user_name(&name)
        .policy_arn(arn)
        .send()
        .await
        .or_fail("AttachUserPolicy");
    assert_eq!(get_policy(&iam, arn).await.attachment_count(), Some(1));
    let reader = warden.iam(&key, &secret).await;
    reader.list_roles().send().await.or_fail("ListRoles");
    let denied = service_failure(reader.create_group().group_name(unique("g")).send().await);
    assert_eq!(denied.code, "AccessDenied");
    let change = service_failure(iam.delete_policy().policy_arn(arn).send().await);
    assert_eq!(change.code, "AccessDenied");
}
