//! Account-wide calls, instance profiles and service-linked roles through aws-sdk-iam.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;

use aws_sdk_iam::operation::get_account_authorization_details::GetAccountAuthorizationDetailsOutput;
use aws_sdk_iam::types::{DeletionTaskStatusType, EntityType, SummaryKeyType};
use warden_sdk_tests::{
    ACCOUNT_ID, OrFail, Warden, allow_policy, get_role, service_failure, unique, url_decoded,
};

const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

async fn summary(iam: &aws_sdk_iam::Client) -> HashMap<SummaryKeyType, i32> {
    iam.get_account_summary()
        .send()
        .await
        .or_fail("GetAccountSummary")
        .summary_map
        .expect("GetAccountSummary returned no SummaryMap")
}

#[tokio::test]
async fn alias_and_summary() {
    let warden = Warden::start().await;
    let iam = warden.root_iam().await;

    // Aliases: none, one, none again.
    let aliases = iam
        .list_account_aliases()
        .send()
        .await
        .or_fail("ListAccountAliases");
    assert!(aliases.account_aliases().is_empty());
    assert!(!aliases.is_truncated);
    let alias = unique("example-corp");
    iam.create_account_alias()
        .account_alias(&alias)
        .send()
        .await
        .or_fail("CreateAccountAlias");
    let aliases = iam
        .list_account_aliases()
        .send()
        .await
        .or_fail("ListAccountAliases");
    assert_eq!(aliases.account_aliases(), [alias.as_str()]);
    iam.delete_account_alias()
        .account_alias(&alias)
        .send()
        .await
        .or_fail("DeleteAccountAlias");
    assert!(
        iam.list_account_aliases()
            .send()
            .await
            .or_fail("ListAccountAliases")
            .account_aliases()
            .is_empty()
    );
    let gone = service_failure(
        iam.delete_account_alias()
            .account_alias(&alias)
            .send()
            .await,
    );
    assert_eq!(
        (gone.status, gone.code.as_str()),
        (404, "NoSuchEntity"),
        "{gone:?}"
    );

    // The summary: quotas, and counts that follow what is created.
    let before = summary(&iam).await;
    assert_eq!(before.get(&SummaryKeyType::UsersQuota), Some(&5000));
    assert_eq!(
        before.get(&SummaryKeyType::AttachedPoliciesPerUserQuota),
        Some(&10)
    );
    for key in [
        SummaryKeyType::Users,
        SummaryKeyType::Roles,
        SummaryKeyType::Policies,
        SummaryKeyType::Groups,
        SummaryKeyType::InstanceProfiles,
    ] {
        assert!(before.contains_key(&key), "{key:?} missing: {before:?}");
    }
    iam.create_user()
        .user_name(unique("counted"))
        .send()
        .await
        .or_fail("CreateUser");
    iam.create_role()
        .role_name(unique("counted"))
        .assume_role_policy_document(TRUST)
        .send()
        .await
        .or_fail("CreateRole");
    iam.create_policy()
        .policy_name(unique("counted"))
        .policy_document(allow_policy("iam:ListUsers", "*"))
        .send()
        .await
        .or_fail("CreatePolicy");
    let after = summary(&iam).await;
    for key in [
        SummaryKeyType::Users,
        SummaryKeyType::Roles,
        SummaryKeyType::Policies,
    ] {
        assert_eq!(
            after.get(&key).copied(),
            before.get(&key).map(|n| n + 1),
            "{key:?}"
        );
    }
    assert_eq!(
        after.get(&SummaryKeyType::Groups),
        before.get(&SummaryKeyType::Groups)
    );
    assert_eq!(after.get(&SummaryKeyType::UsersQuota), Some(&5000));
}

/// Every entry of one page, named `kind:name`.
fn entries(page: &GetAccountAuthorizationDetailsOutput) -> Vec<String> {
    let users = page
        .user_detail_list()
        .iter()
        .map(|u| format!("user:{}", u.user_name.as_deref().unwrap_or_default()));
    let groups = page
        .group_detail_list()
        .iter()
        .map(|g| format!("group:{}", g.group_name.as_deref().unwrap_or_default()));
    let roles = page
        .role_detail_list()
        .iter()
        .map(|r| format!("role:{}", r.role_name.as_deref().unwrap_or_default()));
    let policies = page
        .policies()
        .iter()
        .map(|p| format!("policy:{}", p.policy_name.as_deref().unwrap_or_default()));
    users.chain(groups).chain(roles).chain(policies).collect()
}

#[tokio::test]
async fn authorization_details() {
    let warden = Warden::start().await;
    let iam = warden.root_iam().await;
    let (user, group, role, profile, policy_name) = (
        unique("ann"),
        unique("devs"),
        unique("worker"),
        unique("worker-profile"),
        unique("readers"),
    );
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
    iam.add_user_to_group()
        .group_name(&group)
        .user_name(&user)
        .send()
        .await
        .or_fail("AddUserToGroup");
    let v1 = allow_policy("iam:GetUser", "*");
    let v2 = allow_policy("iam:GetRole", "*");
    let policy_arn = iam
        .create_policy()
        .policy_name(&policy_name)
        .policy_document(&v1)
        .send()
        .await
        .or_fail("CreatePolicy")
        .policy
        .and_then(|p| p.arn)
        .expect("CreatePolicy returned no Arn");
    iam.create_policy_version()
        .policy_arn(&policy_arn)
        .policy_document(&v2)
        .set_as_default(true)
        .send()
        .await
        .or_fail("CreatePolicyVersion");
    iam.attach_user_policy()
        .user_name(&user)
        .policy_arn(&policy_arn)
        .send()
        .await
        .or_fail("AttachUserPolicy");
    iam.create_role()
        .role_name(&role)
        .assume_role_policy_document(TRUST)
        .send()
        .await
        .or_fail("CreateRole");
    let inline = allow_policy("iam:ListRoles", "*");
    iam.put_role_policy()
        .role_name(&role)
        .policy_name("list-roles")
        .policy_document(&inline)
        .send()
        .await
        .or_fail("PutRolePolicy");
    iam.create_instance_profile()
        .instance_profile_name(&profile)
        .send()
        .await
        .or_fail("CreateInstanceProfile");
    iam.add_role_to_instance_profile()
        .instance_profile_name(&profile)
        .role_name(&role)
        .send()
        .await
        .or_fail("AddRoleToInstanceProfile");

    let filter = [
        EntityType::User,
        EntityType::Role,
        EntityType::LocalManagedPolicy,
    ];
    let details = iam
        .get_account_authorization_details()
        .set_filter(Some(filter.to_vec()))
        .send()
        .await
        .or_fail("GetAccountAuthorizationDetails");
    assert!(!details.is_truncated);
    // The filter leaves groups out.
    assert!(
        details.group_detail_list().is_empty(),
        "{:?}",
        details.group_detail_list()
    );

    let [user_detail] = details.user_detail_list() else {
        panic!("one user expected: {:?}", details.user_detail_list());
    };
    assert_eq!(user_detail.user_name.as_deref(), Some(user.as_str()));
    assert_eq!(
        user_detail.arn.as_deref(),
        Some(format!("arn:aws:iam::{ACCOUNT_ID}:user/{user}").as_str())
    );
    assert_eq!(user_detail.group_list(), [group.as_str()]);
    let attached: Vec<(&str, &str)> = user_detail
        .attached_managed_policies()
        .iter()
        .map(|p| {
            (
                p.policy_name.as_deref().unwrap_or_default(),
                p.policy_arn.as_deref().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(attached, [(policy_name.as_str(), policy_arn.as_str())]);
    assert!(user_detail.user_policy_list().is_empty());

    let [role_detail] = details.role_detail_list() else {
        panic!("one role expected: {:?}", details.role_detail_list());
    };
    assert_eq!(role_detail.role_name.as_deref(), Some(role.as_str()));
    assert_eq!(
        url_decoded(
            role_detail
                .assume_role_policy_document
                .as_deref()
                .unwrap_or_default()
        ),
        TRUST
    );
    let [role_policy] = role_detail.role_policy_list() else {
        panic!(
            "one inline policy expected: {:?}",
            role_detail.role_policy_list()
        );
    };
    assert_eq!(role_policy.policy_name.as_deref(), Some("list-roles"));
    assert_eq!(
        url_decoded(role_policy.policy_document.as_deref().unwrap_or_default()),
        inline
    );
    let [held_by] = role_detail.instance_profile_list() else {
        panic!(
            "one instance profile expected: {:?}",
            role_detail.instance_profile_list()
        );
    };
    assert_eq!(held_by.instance_profile_name, profile);
    assert_eq!(
        held_by
            .roles()
            .iter()
            .map(|r| r.role_name.as_str())
            .collect::<Vec<_>>(),
        [role.as_str()]
    );
    assert!(role_detail.attached_managed_policies().is_empty());

    let [policy_detail] = details.policies() else {
        panic!("one policy expected: {:?}", details.policies());
    };
    assert_eq!(policy_detail.arn.as_deref(), Some(policy_arn.as_str()));
    assert_eq!(policy_detail.default_version_id.as_deref(), Some("v2"));
    assert_eq!(policy_detail.attachment_count, Some(1));
    let mut versions: Vec<(String, bool, String)> = policy_detail
        .policy_version_list()
        .iter()
        .map(|v| {
            (
                v.version_id.clone().unwrap_or_default(),
                v.is_default_version,
                url_decoded(v.document.as_deref().unwrap_or_default()),
            )
        })
        .collect();
    versions.sort();
    assert_eq!(
        versions,
        [
            ("v1".to_owned(), false, v1.clone()),
            ("v2".to_owned(), true, v2.clone())
        ]
    );

    // One at a time, unfiltered: every entry exactly once.
    let everything = iam
        .get_account_authorization_details()
        .send()
        .await
        .or_fail("GetAccountAuthorizationDetails");
    assert!(!everything.is_truncated);
    let mut expected = entries(&everything);
    expected.sort();
    let mut wanted = vec![
        format!("user:{user}"),
        format!("group:{group}"),
        format!("role:{role}"),
        format!("policy:{policy_name}"),
    ];
    wanted.sort();
    assert_eq!(expected, wanted);

    let mut seen = Vec::new();
    let mut marker: Option<String> = None;
    for _ in 0..10 {
        let page = iam
            .get_account_authorization_details()
            .max_items(1)
            .set_marker(marker.clone())
            .send()
            .await
            .or_fail("GetAccountAuthorizationDetails page");
        let on_page = entries(&page);
        assert_eq!(on_page.len(), 1, "MaxItems=1 page: {on_page:?}");
        seen.extend(on_page);
        if !page.is_truncated {
            assert_eq!(page.marker, None);
            marker = None;
            break;
        }
        marker = Some(page.marker.clone().expect("truncated page without Marker"));
    }
    assert_eq!(marker, None, "pagination does not end: {seen:?}");
    let mut sorted_seen = seen.clone();
    sorted_seen.sort();
    assert_eq!(sorted_seen, expected, "pages: {seen:?}");
}

#[tokio::test]
async fn instance_profiles() {
    let warden = Warden::start().await;
    let iam = warden.root_iam().await;
    let (profile, other_profile) = (unique("web"), unique("batch"));
    let (role, second_role) = (unique("web-role"), unique("spare-role"));
    for name in [&role, &second_role] {
        iam.create_role()
            .role_name(name)
            .assume_role_policy_document(TRUST)
            .send()
            .await
            .or_fail("CreateRole");
    }

    let created = iam
        .create_instance_profile()
        .instance_profile_name(&profile)
        .path("/web/")
        .send()
        .await
        .or_fail("CreateInstanceProfile")
        .instance_profile
        .expect("CreateInstanceProfile returned no InstanceProfile");
    assert_eq!(created.instance_profile_name, profile);
    assert_eq!(created.path, "/web/");
    assert_eq!(
        created.arn,
        format!("arn:aws:iam::{ACCOUNT_ID}:instance-profile/web/{profile}")
    );
    assert!(
        created.instance_profile_id.starts_with("AIPA"),
        "{}",
        created.instance_profile_id
    );
    assert!(created.roles().is_empty());
    iam.create_instance_profile()
        .instance_profile_name(&other_profile)
        .send()
        .await
        .or_fail("CreateInstanceProfile");
    let duplicate = service_failure(
        iam.create_instance_profile()
            .instance_profile_name(&profile)
            .send()
            .await,
    );
    assert_eq!(
        (duplicate.status, duplicate.code.as_str()),
        (409, "EntityAlreadyExists")
    );

    iam.add_role_to_instance_profile()
        .instance_profile_name(&profile)
        .role_name(&role)
        .send()
        .await
        .or_fail("AddRoleToInstanceProfile");
    // An instance profile holds one role.
    let second = service_failure(
        iam.add_role_to_instance_profile()
            .instance_profile_name(&profile)
            .role_name(&second_role)
            .send()
            .await,
    );
    assert_eq!(
        (second.status, second.code.as_str()),
        (409, "LimitExceeded"),
        "{second:?}"
    );
    assert_eq!(
        second.message,
        "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1"
    );

    let got = iam
        .get_instance_profile()
        .instance_profile_name(&profile)
        .send()
        .await
        .or_fail("GetInstanceProfile")
        .instance_profile
        .expect("GetInstanceProfile returned no InstanceProfile");
    assert_eq!(got.instance_profile_id, created.instance_profile_id);
    assert_eq!(got.arn, created.arn);
    let [held] = got.roles() else {
        panic!("one role expected: {:?}", got.roles());
    };
    assert_eq!(held.role_name, role);
    assert_eq!(held.arn, format!("arn:aws:iam::{ACCOUNT_ID}:role/{role}"));
    assert!(held.role_id.starts_with("AROA"), "{}", held.role_id);

    let web = iam
        .list_instance_profiles()
        .path_prefix("/web/")
        .send()
        .await
        .or_fail("ListInstanceProfiles");
    assert!(!web.is_truncated);
    assert_eq!(
        web.instance_profiles()
            .iter()
            .map(|p| p.instance_profile_name.as_str())
            .collect::<Vec<_>>(),
        [profile.as_str()]
    );
    let mut all: Vec<String> = iam
        .list_instance_profiles()
        .send()
        .await
        .or_fail("ListInstanceProfiles")
        .instance_profiles()
        .iter()
        .map(|p| p.instance_profile_name.clone())
        .collect();
    all.sort();
    let mut both = vec![profile.clone(), other_profile.clone()];
    both.sort();
    assert_eq!(all, both);

    let for_role = iam
        .list_instance_profiles_for_role()
        .role_name(&role)
        .send()
        .await
        .or_fail("ListInstanceProfilesForRole");
    assert!(!for_role.is_truncated);
    assert_eq!(
        for_role
            .instance_profiles()
            .iter()
            .map(|p| p.instance_profile_name.as_str())
            .collect::<Vec<_>>(),
        [profile.as_str()]
    );
    assert!(
        iam.list_instance_profiles_for_role()
            .role_name(&second_role)
            .send()
            .await
            .or_fail("ListInstanceProfilesForRole")
            .instance_profiles()
            .is_empty()
    );

    // Neither the profile nor its role can be deleted while the one holds the other.
    let profile_conflict = service_failure(
        iam.delete_instance_profile()
            .instance_profile_name(&profile)
            .send()
            .await,
    );
    assert_eq!(
        (profile_conflict.status, profile_conflict.code.as_str()),
        (409, "DeleteConflict"),
        "{profile_conflict:?}"
    );
    assert_eq!(
        profile_conflict.message,
        "Cannot delete entity, must remove roles from instance profile first."
    );
    let role_conflict = service_failure(iam.delete_role().role_name(&role).send().await);
    assert_eq!(
        (role_conflict.status, role_conflict.code.as_str()),
        (409, "DeleteConflict")
    );

    iam.remove_role_from_instance_profile()
        .instance_profile_name(&profile)
        .role_name(&role)
        .send()
        .await
        .or_fail("RemoveRoleFromInstanceProfile");
    let not_held = service_failure(
        iam.remove_role_from_instance_profile()
            .instance_profile_name(&profile)
            .role_name(&role)
            .send()
            .await,
    );
    assert_eq!(
        (not_held.status, not_held.code.as_str()),
        (404, "NoSuchEntity")
    );
    assert!(
        iam.list_instance_profiles_for_role()
            .role_name(&role)
            .send()
            .await
            .or_fail("ListInstanceProfilesForRole")
            .instance_profiles()
            .is_empty()
    );
    // Empty again, the profile takes the other role.
    iam.add_role_to_instance_profile()
        .instance_profile_name(&profile)
        .role_name(&second_role)
        .send()
        .await
        .or_fail("AddRoleToInstanceProfile after the remove");
    iam.remove_role_from_instance_profile()
        .instance_profile_name(&profile)
        .role_name(&second_role)
        .send()
        .await
        .or_fail("RemoveRoleFromInstanceProfile");

    iam.delete_instance_profile()
        .instance_profile_name(&profile)
        .send()
        .await
        .or_fail("DeleteInstanceProfile");
    let missing = service_failure(
        iam.get_instance_profile()
            .instance_profile_name(&profile)
            .send()
            .await,
    );
    assert_eq!(
        (missing.status, missing.code.as_str(), missing.message),
        (
            404,
            "NoSuchEntity",
            format!("Instance Profile {profile} cannot be found.")
        )
    );
    iam.delete_role()
        .role_name(&role)
        .send()
        .await
        .or_fail("DeleteRole once out of the profile");
}

#[tokio::test]
async fn service_linked_role() {
    let warden = Warden::start().await;
    let iam = warden.root_iam().await;
    let name = "AWSServiceRoleForElasticBeanstalk";
    let path = "/aws-service-role/elasticbeanstalk.amazonaws.com/";

    let created = iam
        .create_service_linked_role()
        .aws_service_name("elasticbeanstalk.amazonaws.com")
        .description("for beanstalk")
        .send()
        .await
        .or_fail("CreateServiceLinkedRole")
        .role
        .expect("CreateServiceLinkedRole returned no Role");
    assert_eq!(created.role_name, name);
    assert_eq!(created.path, path);
    assert_eq!(
        created.arn,
        format!("arn:aws:iam::{ACCOUNT_ID}:role{path}{name}")
    );
    assert!(created.role_id.starts_with("AROA"), "{}", created.role_id);
    let trust: serde_json::Value = serde_json::from_str(&url_decoded(
        created
            .assume_role_policy_document
            .as_deref()
            .unwrap_or_default(),
    ))
    .expect("trust policy is not JSON");
    let principal = &trust["Statement"][0]["Principal"]["Service"];
    assert!(
        principal == "elasticbeanstalk.amazonaws.com"
            || principal == &serde_json::json!(["elasticbeanstalk.amazonaws.com"]),
        "the role trusts its service: {trust}"
    );

    let got = get_role(&iam, name).await;
    assert_eq!(got.path, path);
    assert_eq!(got.description.as_deref(), Some("for beanstalk"));

    // Only its service may delete it.
    let protected = service_failure(iam.delete_role().role_name(name).send().await);
    assert_eq!(
        (protected.status, protected.code.as_str()),
        (400, "UnmodifiableEntity"),
        "{protected:?}"
    );
    assert_eq!(
        protected.message,
        format!(
            "Cannot perform the operation on the protected role '{name}' - this role is only modifiable by AWS"
        )
    );
    iam.get_role()
        .role_name(name)
        .send()
        .await
        .or_fail("GetRole after the refused DeleteRole");

    let task = iam
        .delete_service_linked_role()
        .role_name(name)
        .send()
        .await
        .or_fail("DeleteServiceLinkedRole")
        .deletion_task_id;
    assert!(
        task.starts_with(&format!("task{path}{name}/")),
        "deletion task id: {task}"
    );
    let status = iam
        .get_service_linked_role_deletion_status()
        .deletion_task_id(&task)
        .send()
        .await
        .or_fail("GetServiceLinkedRoleDeletionStatus");
    assert_eq!(status.status, DeletionTaskStatusType::Succeeded);
    assert!(status.reason.is_none());

    let gone = service_failure(iam.get_role().role_name(name).send().await);
    assert_eq!(
        (gone.status, gone.code.as_str(), gone.message),
        (
            404,
            "NoSuchEntity",
            format!("The role with name {name} cannot be found.")
        )
    );
}
