//! Users through aws-sdk-iam: create with path and tags, get, list with PathPrefix and pagination,
//! rename, delete, and the typed errors.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use aws_sdk_iam::error::ProvideErrorMetadata;
use aws_sdk_iam::operation::RequestId;
use aws_sdk_iam::operation::create_user::CreateUserError;
use aws_sdk_iam::operation::get_user::GetUserError;
use aws_sdk_iam::types::Tag;
use warden_sdk_tests::{ACCOUNT_ID, OrFail, Warden, get_user, service_failure, unique};

fn tag(key: &str, value: &str) -> Tag {
    Tag::builder().key(key).value(value).build().unwrap()
}

fn tag_pairs(tags: &[Tag]) -> Vec<(String, String)> {
    let mut pairs: Vec<_> = tags
        .iter()
        .map(|t| (t.key.clone(), t.value.clone()))
        .collect();
    pairs.sort();
    pairs
}

#[tokio::test]
async fn create_get_update_delete_user() {
    let warden = Warden::start().await;
    let iam = warden.root_iam().await;
    let name = unique("alice");

    let created = iam
        .create_user()
        .user_name(&name)
        .path("/engineering/backend/")
        .tags(tag("team", "core"))
        .tags(tag("env", "test"))
        .send()
        .await
        .or_fail("CreateUser")
        .user
        .expect("CreateUser returned no User");
    assert_eq!(created.user_name, name);
    assert_eq!(created.path, "/engineering/backend/");
    assert_eq!(
        created.arn,
        format!("arn:aws:iam::{ACCOUNT_ID}:user/engineering/backend/{name}")
    );
    assert!(
        created.user_id.starts_with("AIDA") && created.user_id.len() == 21,
        "{}",
        created.user_id
    );
    assert_eq!(
        tag_pairs(created.tags()),
        [
            ("env".into(), "test".into()),
            ("team".into(), "core".into())
        ]
    );
    let age = unix_now() - created.create_date.secs();
    assert!(
        (-300..300).contains(&age),
        "CreateDate is {age}s away from now: {}",
        created.create_date
    );

    let output = iam
        .get_user()
        .user_name(&name)
        .send()
        .await
        .or_fail("GetUser");
    // AWS sends a request id with every answer; the SDK exposes it.
    assert!(
        output.request_id().is_some_and(|id| !id.is_empty()),
        "{output:?}"
    );
    let fetched = output.user.unwrap();
    assert_eq!(fetched.user_name, name);
    assert_eq!(fetched.user_id, created.user_id);
    assert_eq!(fetched.arn, created.arn);
    assert_eq!(fetched.path, created.path);
    assert_eq!(fetched.create_date, created.create_date);
    assert_eq!(
        tag_pairs(fetched.tags()),
        [
            ("env".into(), "test".into()),
            ("team".into(), "core".into())
        ],
        "GetUser returns the user's tags"
    );

    // Tags: list, add, remove.
    let listed = iam
        .list_user_tags()
        .user_name(&name)
        .send()
        .await
        .or_fail("ListUserTags");
    assert_eq!(
        tag_pairs(listed.tags()),
        [
            ("env".into(), "test".into()),
            ("team".into(), "core".into())
        ]
    );
    iam.tag_user()
        .user_name(&name)
        .tags(tag("cost-center", "42"))
        .tags(tag("team", "platform"))
        .send()
        .await
        .or_fail("TagUser");
    iam.untag_user()
        .user_name(&name)
        .tag_keys("env")
        .send()
        .await
        .or_fail("UntagUser");
    let listed = iam
        .list_user_tags()
        .user_name(&name)
        .send()
        .await
        .or_fail("ListUserTags");
    assert_eq!(
        tag_pairs(listed.tags()),
        [
            ("cost-center".into(), "42".into()),
            ("team".into(), "platform".into())
        ]
    );

    // Rename and move.
    let renamed = unique("alice-renamed");
    iam.update_user()
        .user_name(&name)
        .new_user_name(&renamed)
        .new_path("/moved/")
        .send()
        .await
        .or_fail("UpdateUser");
    let moved = get_user(&iam, &renamed).await;
    assert_eq!(moved.user_name, renamed);
    assert_eq!(moved.path, "/moved/");
    assert_eq!(
        moved.arn,
        format!("arn:aws:iam::{ACCOUNT_ID}:user/moved/{renamed}")
    );
    assert_eq!(
        moved.user_id, created.user_id,
        "a rename keeps the unique id"
    );
    let old = service_failure(iam.get_user().user_name(&name).send().await);
    assert_eq!(old.code, "NoSuchEntity");

    // Delete.
    iam.delete_user()
        .user_name(&renamed)
        .send()
        .await
        .or_fail("DeleteUser");
    let gone = iam.get_user().user_name(&renamed).send().await.unwrap_err();
    assert_eq!(gone.raw_response().map(|r| r.status().as_u16()), Some(404));
    match gone.into_service_error() {
        GetUserError::NoSuchEntityException(e) => {
            assert_eq!(
                e.message(),
                Some(format!("The user with name {renamed} cannot be found.").as_str())
            );
            assert_eq!(e.code(), Some("NoSuchEntity"));
        }
        other => panic!("expected NoSuchEntityException, got {other:?}"),
    }
    let listed = iam.list_users().send().await.or_fail("ListUsers");
    assert!(listed.users().iter().all(|u| u.user_name != renamed));
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[tokio::test]
async fn missing_user_is_no_such_entity() {
    let warden = Warden::start().await;
    let iam = warden.root_iam().await;
    let name = unique("ghost");
    let error = iam.get_user().user_name(&name).send().await.unwrap_err();
    assert!(
        error.request_id().is_some_and(|id| !id.is_empty()),
        "errors carry a request id too"
    );
    let message = format!("The user with name {name} cannot be found.");
    match error.into_service_error() {
        GetUserError::NoSuchEntityException(e) => assert_eq!(e.message(), Some(message.as_str())),
        other => panic!("expected NoSuchEntityException, got {other:?}"),
    }
    let failure = service_failure(iam.delete_user().user_name(&name).send().await);
    assert_eq!(
        (failure.status, failure.code.as_str()),
        (404, "NoSuchEntity")
    );
    assert_eq!(failure.message, message);
}

#[tokio::test]
async fn duplicate_user_is_entity_already_exists_case_insensitively() {
    let warden = Warden::start().await;
    let iam = warden.root_iam().await;
    let name = unique("CaseUser");
    iam.create_user()
        .user_name(&name)
        .send()
        .await
        .or_fail("CreateUser");

    for duplicate in [name.clone(), name.to_lowercase(), name.to_uppercase()] {
        let error = iam
            .create_user()
            .user_name(&duplicate)
            .send()
            .await
            .unwrap_err();
        assert_eq!(error.raw_response().map(|r| r.status().as_u16()), Some(409));
        match error.into_service_error() {
            CreateUserError::EntityAlreadyExistsException(e) => {
                assert_eq!(
                    e.message(),
                    Some(format!("User with name {duplicate} already exists.").as_str())
                );
            }
            other => panic!("expected EntityAlreadyExistsException for {duplicate}, got {other:?}"),
        }
    }
    // Only the first one exists.
    let users = iam.list_users().send().await.or_fail("ListUsers");
    let same: Vec<_> = users
        .users()
        .iter()
        .filter(|u| u.user_name.eq_ignore_ascii_case(&name))
        .map(|u| u.user_name.clone())
        .collect();
    assert_eq!(same, [name]);
}

#[tokio::test]
async fn list_users_with_path_prefix_and_pagination() {
    let warden = Warden::start().await;
    let iam = warden.root_iam().await;
    let mut expected = Vec::new();
    for i in 0..25 {
        let name = format!("pager-{i:02}");
        iam.create_user()
            .user_name(&name)
            .path("/paged/team/")
            .send()
            .await
            .or_fail("CreateUser");
        expected.push(name);
    }
    // Users outside the prefix must not appear.
    for name in ["outside-1", "outside-2"] {
        iam.create_user()
            .user_name(name)
            .path("/other/")
            .send()
            .await
            .or_fail("CreateUser");
    }
    iam.create_user()
        .user_name("at-root")
        .send()
        .await
        .or_fail("CreateUser");

    // By hand: MaxItems + Marker.
    let mut seen = Vec::new();
    let mut marker: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = iam
            .list_users()
            .path_prefix("/paged/")
            .max_items(10)
            .set_marker(marker.clone())
            .send()
            .await
            .or_fail("ListUsers");
        pages += 1;
        assert!(
            page.users().len() <= 10,
            "page of {} users",
            page.users().len()
        );
        assert!(page.users().iter().all(|u| u.path == "/paged/team/"));
        seen.extend(page.users().iter().map(|u| u.user_name.clone()));
        if page.is_truncated {
            assert!(!page.users().is_empty());
            marker = Some(page.marker.clone().expect("IsTruncated without Marker"));
        } else {
            assert_eq!(page.marker, None, "a last page has no Marker");
            break;
        }
        assert!(pages < 10, "pagination does not end");
    }
    assert_eq!(pages, 3);
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), seen.len(), "a user appeared twice: {seen:?}");
    assert_eq!(sorted, expected);

    // The SDK's paginator, 7 at a time: 4 pages.
    let pages: Vec<_> = iam
        .list_users()
        .path_prefix("/paged/")
        .max_items(7)
        .into_paginator()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .or_fail("ListUsers paginator");
    assert_eq!(
        pages.iter().map(|p| p.users().len()).collect::<Vec<_>>(),
        [7, 7, 7, 4]
    );
    let mut names: Vec<_> = iam
        .list_users()
        .path_prefix("/paged/")
        .max_items(7)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .or_fail("ListUsers paginator")
        .into_iter()
        .map(|u| u.user_name)
        .collect();
    names.sort();
    assert_eq!(names, expected);

    // Without a prefix every user is listed; a prefix matching nothing lists none.
    let all = iam
        .list_users()
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await;
    assert_eq!(all.or_fail("ListUsers").len(), 28);
    let none = iam
        .list_users()
        .path_prefix("/nobody/")
        .send()
        .await
        .or_fail("ListUsers");
    assert!(none.users().is_empty() && !none.is_truncated);
}
