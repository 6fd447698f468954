//! Roles, their trust policies, tags and inline policies through aws-sdk-iam.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use aws_sdk_iam::types::Tag;
use warden_sdk_tests::{
    ACCOUNT_ID, OrFail, Warden, allow_policy, get_role, service_failure, unique, url_decoded,
};

/// Whitespace and order as a person writes them: the document must come back exactly so.
const TRUST: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
  ]
}"#;

const LAMBDA_TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["lambda.amazonaws.com"]},"Action":["sts:AssumeRole"]}]}"#;

fn tag(key: &str, value: &str) -> Tag {
    Tag::builder().key(key).value(value).build().unwrap()
}

fn sorted_tags(tags: &[Tag]) -> Vec<(String, String)> {
    let mut pairs: Vec<_> = tags
        .iter()
        .map(|t| (t.key.clone(), t.value.clone()))
        .collect();
    pairs.sort();
    pairs
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[tokio::test]
async fn role_lifecycle() {
    let warden = Warden::start().await;
    let iam = warden.root_iam().await;
    let name = unique("app-role");

    let created = iam
        .create_role()
        .role_name(&name)
        .path("/service/app/")
        .description("runs the app")
        .max_session_duration(7200)
        .assume_role_policy_document(TRUST)
        .tags(tag("team", "core"))
        .tags(tag("env", "test"))
        .send()
        .await
        .or_fail("CreateRole")
        .role
        .expect("CreateRole returned no Role");
    assert_eq!(created.role_name, name);
    assert_eq!(created.path, "/service/app/");
    assert_eq!(
        created.arn,
        format!("arn:aws:iam::{ACCOUNT_ID}:role/service/app/{name}")
    );
    assert!(created.role_id.starts_with("AROA"), "{}", created.role_id);
    assert_eq!(created.role_id.len(), 21, "{}", created.role_id);
    assert_eq!(created.description.as_deref(), Some("runs the app"));
    assert_eq!(created.max_session_duration, Some(7200));
    let document = created
        .assume_role_policy_document
        .as_deref()
        .expect("CreateRole returned no AssumeRolePolicyDocument");
    assert!(document.starts_with("%7B"), "URL-encoded: {document}");
    assert_eq!(url_decoded(document), TRUST);

    // GetRole: everything CreateRole answered, the tags, and RoleLastUsed (empty: never used).
    let got = iam
        .get_role()
        .role_name(&name)
        .send()
        .await
        .or_fail("GetRole")
        .role
        .expect("GetRole returned no Role");
    assert_eq!(got.role_id, created.role_id);
    assert_eq!(got.arn, created.arn);
    assert_eq!(got.path, "/service/app/");
    assert_eq!(got.create_date, created.create_date);
    assert_eq!(got.description.as_deref(), Some("runs the app"));
    assert_eq!(got.max_session_duration, Some(7200));
    assert_eq!(
        url_decoded(got.assume_role_policy_document.as_deref().unwrap()),
        TRUST
    );
    assert_eq!(
        sorted_tags(got.tags()),
        pairs(&[("env", "test"), ("team", "core")])
    );
    let last_used = got
        .role_last_used
        .as_ref()
        .expect("GetRole returned no RoleLastUsed");
    assert_eq!(last_used.last_used_date, None);
    assert!(got.permissions_boundary.is_none());

    // UpdateRole changes the description and the session duration.
    iam.update_role()
        .role_name(&name)
        .description("runs the app, v2")
        .max_session_duration(43200)
        .send()
        .await
        .or_fail("UpdateRole");
    let got = get_role(&iam, &name).await;
    assert_eq!(got.description.as_deref(), Some("runs the app, v2"));
    assert_eq!(got.max_session_duration, Some(43200));

    // UpdateRoleDescription answers the changed role.
    let described = iam
        .update_role_description()
        .role_name(&name)
        .description("described")
        .send()
        .await
        .or_fail("UpdateRoleDescription")
        .role
        .expect("UpdateRoleDescription returned no Role");
    assert_eq!(described.role_name, name);
    assert_eq!(described.description.as_deref(), Some("described"));
    assert_eq!(described.max_session_duration, Some(43200));

    // UpdateAssumeRolePolicy replaces the trust policy.
    iam.update_assume_role_policy()
        .role_name(&name)
        .policy_document(LAMBDA_TRUST)
        .send()
        .await
        .or_fail("UpdateAssumeRolePolicy");
    let got = get_role(&iam, &name).await;
    assert_eq!(
        url_decoded(got.assume_role_policy_document.as_deref().unwrap()),
        LAMBDA_TRUST
    );
    assert_eq!(got.description.as_deref(), Some("described"));

    // Tags: add (replacing a value), remove, list.
    iam.tag_role()
        .role_name(&name)
        .tags(tag("team", "platform"))
        .tags(tag("cost", "42"))
        .send()
        .await
        .or_fail("TagRole");
    iam.untag_role()
        .role_name(&name)
        .tag_keys("env")
        .send()
        .await
        .or_fail("UntagRole");
    let listed = iam
        .list_role_tags()
        .role_name(&name)
        .send()
        .await
        .or_fail("ListRoleTags");
    assert!(!listed.is_truncated);
    assert_eq!(
        sorted_tags(listed.tags()),
        pairs(&[("cost", "42"), ("team", "platform")])
    );

    // Inline policies.
    let read = allow_policy("iam:Get*", "*");
    let list = allow_policy("iam:List*", "*");
    for (policy, document) in [("read", &read), ("list", &list)] {
        iam.put_role_policy()
            .role_name(&name)
            .policy_name(policy)
            .policy_document(document)
            .send()
            .await
            .or_fail("PutRolePolicy");
    }
    let got_policy = iam
        .get_role_policy()
        .role_name(&name)
        .policy_name("read")
        .send()
        .await
        .or_fail("GetRolePolicy");
    assert_eq!(got_policy.role_name, name);
    assert_eq!(got_policy.policy_name, "read");
    assert_eq!(url_decoded(&got_policy.policy_document), read);
    let mut names = iam
        .list_role_policies()
        .role_name(&name)
        .send()
        .await
        .or_fail("ListRolePolicies")
        .policy_names;
    names.sort();
    assert_eq!(names, ["list", "read"]);

    // A role with inline policies cannot be deleted.
    let conflict = service_failure(iam.delete_role().role_name(&name).send().await);
    assert_eq!(
        (conflict.status, conflict.code.as_str()),
        (409, "DeleteConflict"),
        "{conflict:?}"
    );
    assert_eq!(
        conflict.message,
        "Cannot delete entity, must delete policies first."
    );

    for policy in ["read", "list"] {
        iam.delete_role_policy()
            .role_name(&name)
            .policy_name(policy)
            .send()
            .await
            .or_fail("DeleteRolePolicy");
    }
    let gone = service_failure(
        iam.get_role_policy()
            .role_name(&name)
            .policy_name("read")
            .send()
            .await,
    );
    assert_eq!((gone.status, gone.code.as_str()), (404, "NoSuchEntity"));
    assert!(
        iam.list_role_policies()
            .role_name(&name)
            .send()
            .await
            .or_fail("ListRolePolicies")
            .policy_names
            .is_empty()
    );

    iam.delete_role()
        .role_name(&name)
        .send()
        .await
        .or_fail("DeleteRole");
    let missing = service_failure(iam.get_role().role_name(&name).send().await);
    assert_eq!(
        (missing.status, missing.code.as_str()),
        (404, "NoSuchEntity")
    );
    assert_eq!(
        missing.message,
        format!("The role with name {name} cannot be found.")
    );
}

#[tokio::test]
async fn list_roles_by_path_and_in_pages() {
    let warden = Warden::start().await;
    let iam = warden.root_iam().await;
    let mut app_roles = Vec::new();
    for i in 0..3 {
        let name = unique(&format!("app{i}"));
        iam.create_role()
            .role_name(&name)
            .path("/app/")
            .assume_role_policy_document(TRUST)
            .send()
            .await
            .or_fail("CreateRole");
        app_roles.push(name);
    }
    let mut all_roles = app_roles.clone();
    for i in 0..2 {
        let name = unique(&format!("ops{i}"));
        iam.create_role()
            .role_name(&name)
            .path("/ops/")
            .assume_role_policy_document(TRUST)
            .send()
            .await
            .or_fail("CreateRole");
        all_roles.push(name);
    }
    app_roles.sort();
    all_roles.sort();

    let app = iam
        .list_roles()
        .path_prefix("/app/")
        .send()
        .await
        .or_fail("ListRoles");
    assert!(!app.is_truncated);
    let mut listed: Vec<String> = app.roles().iter().map(|r| r.role_name.clone()).collect();
    listed.sort();
    assert_eq!(listed, app_roles);
    assert!(
        app.roles()
            .iter()
            .all(|r| r.path == "/app/" && r.role_id.starts_with("AROA"))
    );

    // Two at a time: every role exactly once, the last page not truncated.
    let mut seen = Vec::new();
    let mut marker: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = iam
            .list_roles()
            .max_items(2)
            .set_marker(marker.clone())
            .send()
            .await
            .or_fail("ListRoles page");
        pages += 1;
        assert!(page.roles().len() <= 2, "{:?}", page.roles());
        seen.extend(page.roles().iter().map(|r| r.role_name.clone()));
        if page.is_truncated {
            marker = Some(page.marker.clone().expect("truncated page without Marker"));
        } else {
            assert_eq!(page.marker, None);
            break;
        }
        assert!(pages < 10, "pagination does not end");
    }
    assert_eq!(pages, 3);
    let mut sorted_seen = seen.clone();
    sorted_seen.sort();
    assert_eq!(sorted_seen, all_roles, "pages: {seen:?}");
}

#[tokio::test]
async fn invalid_roles_are_refused() {
    let warden = Warden::start().await;
    let iam = warden.root_iam().await;
    let name = unique("Builder");
    iam.create_role()
        .role_name(&name)
        .assume_role_policy_document(TRUST)
        .send()
        .await
        .or_fail("CreateRole");

    // Role names are unique regardless of case.
    let duplicate = service_failure(
        iam.create_role()
            .role_name(name.to_lowercase())
            .assume_role_policy_document(TRUST)
            .send()
            .await,
    );
    assert_eq!(
        (duplicate.status, duplicate.code.as_str()),
        (409, "EntityAlreadyExists"),
        "{duplicate:?}"
    );

    // MaxSessionDuration is 3600..=43200 seconds.
    let short = service_failure(
        iam.create_role()
            .role_name(unique("short"))
            .assume_role_policy_document(TRUST)
            .max_session_duration(100)
            .send()
            .await,
    );
    assert_eq!(
        (short.status, short.code.as_str()),
        (400, "ValidationError"),
        "{short:?}"
    );

    // A trust policy naming a user of this account that does not exist.
    let ghost = unique("ghost");
    let ghost_arn = format!("arn:aws:iam::{ACCOUNT_ID}:user/{ghost}");
    let trust = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{ghost_arn}"}},"Action":"sts:AssumeRole"}}]}}"#
    );
    let invalid = service_failure(
        iam.create_role()
            .role_name(unique("trusting"))
            .assume_role_policy_document(&trust)
            .send()
            .await,
    );
    assert_eq!(
        (invalid.status, invalid.code.as_str()),
        (400, "MalformedPolicyDocument"),
        "{invalid:?}"
    );
    assert_eq!(
        invalid.message,
        format!(r#"Invalid principal in policy: "AWS":"{ghost_arn}""#)
    );
    // The same document is refused by UpdateAssumeRolePolicy, and the role keeps its policy.
    let update = service_failure(
        iam.update_assume_role_policy()
            .role_name(&name)
            .policy_document(&trust)
            .send()
            .await,
    );
    assert_eq!(
        (update.status, update.code.as_str(), update.message.as_str()),
        (400, "MalformedPolicyDocument", invalid.message.as_str())
    );
    let kept = get_role(&iam, &name).await;
    assert_eq!(
        url_decoded(kept.assume_role_policy_document.as_deref().unwrap()),
        TRUST
    );

    // Once the user exists the trust policy is accepted.
    iam.create_user()
        .user_name(&ghost)
        .send()
        .await
        .or_fail("CreateUser");
    iam.update_assume_role_policy()
        .role_name(&name)
        .policy_document(&trust)
        .send()
        .await
        .or_fail("UpdateAssumeRolePolicy naming an existing user");

    // Operations on a role that does not exist.
    let nobody = unique("nobody");
    let missing = service_failure(
        iam.update_role()
            .role_name(&nobody)
            .description("x")
            .send()
            .await,
    );
    assert_eq!(
        (missing.status, missing.code.as_str(), missing.message),
        (
            404,
            "NoSuchEntity",
            format!("The role with name {nobody} cannot be found.")
        )
    );
}
