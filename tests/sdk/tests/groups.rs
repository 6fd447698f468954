//! Groups and memberships through aws-sdk-iam.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use aws_sdk_iam::operation::delete_group::DeleteGroupError;
use aws_sdk_iam::operation::get_group::GetGroupError;
use warden_sdk_tests::{ACCOUNT_ID, OrFail, Warden, service_failure, unique};

fn sorted(mut names: Vec<String>) -> Vec<String> {
    names.sort();
    names
}

#[tokio::test]
async fn groups_and_memberships() {
    let warden = Warden::start().await;
    let iam = warden.root_iam().await;
    let group = unique("devs");
    let (ann, bob) = (unique("ann"), unique("bob"));
    for user in [&ann, &bob] {
        iam.create_user()
            .user_name(user)
            .send()
            .await
            .or_fail("CreateUser");
    }

    let created = iam
        .create_group()
        .group_name(&group)
        .path("/teams/")
        .send()
        .await
        .or_fail("CreateGroup")
        .group
        .expect("CreateGroup returned no Group");
    assert_eq!(created.group_name, group);
    assert_eq!(created.path, "/teams/");
    assert_eq!(
        created.arn,
        format!("arn:aws:iam::{ACCOUNT_ID}:group/teams/{group}")
    );
    assert!(created.group_id.starts_with("AGPA"), "{}", created.group_id);

    // A duplicate name, in any case, is refused.
    let duplicate = service_failure(
        iam.create_group()
            .group_name(group.to_uppercase())
            .send()
            .await,
    );
    assert_eq!(
        (duplicate.status, duplicate.code.as_str()),
        (409, "EntityAlreadyExists")
    );

    iam.add_user_to_group()
        .group_name(&group)
        .user_name(&ann)
        .send()
        .await
        .or_fail("AddUserToGroup");
    iam.add_user_to_group()
        .group_name(&group)
        .user_name(&bob)
        .send()
        .await
        .or_fail("AddUserToGroup");
    // Adding a member again changes nothing.
    iam.add_user_to_group()
        .group_name(&group)
        .user_name(&bob)
        .send()
        .await
        .or_fail("AddUserToGroup");

    let got = iam
        .get_group()
        .group_name(&group)
        .send()
        .await
        .or_fail("GetGroup");
    let got_group = got.group.as_ref().unwrap();
    assert_eq!(got_group.group_id, created.group_id);
    assert_eq!(got_group.arn, created.arn);
    assert!(!got.is_truncated);
    assert_eq!(
        sorted(got.users().iter().map(|u| u.user_name.clone()).collect()),
        sorted(vec![ann.clone(), bob.clone()])
    );
    let ann_arn = format!("arn:aws:iam::{ACCOUNT_ID}:user/{ann}");
    assert!(got.users().iter().any(|u| u.arn == ann_arn));

    let of_ann = iam
        .list_groups_for_user()
        .user_name(&ann)
        .send()
        .await
        .or_fail("ListGroupsForUser");
    assert_eq!(
        of_ann
            .groups()
            .iter()
            .map(|g| g.group_name.as_str())
            .collect::<Vec<_>>(),
        [group.as_str()]
    );

    // Listing groups with a path prefix.
    let other = unique("ops");
    iam.create_group()
        .group_name(&other)
        .send()
        .await
        .or_fail("CreateGroup");
    let teams = iam
        .list_groups()
        .path_prefix("/teams/")
        .send()
        .await
        .or_fail("ListGroups");
    assert_eq!(
        teams
            .groups()
            .iter()
            .map(|g| g.group_name.as_str())
            .collect::<Vec<_>>(),
        [group.as_str()]
    );
    let all = iam.list_groups().send().await.or_fail("ListGroups");
    assert_eq!(
        sorted(all.groups().iter().map(|g| g.group_name.clone()).collect()),
        sorted(vec![group.clone(), other.clone()])
    );

    // A group with members cannot be deleted.
    let error = iam
        .delete_group()
        .group_name(&group)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.raw_response().map(|r| r.status().as_u16()), Some(409));
    match error.into_service_error() {
        DeleteGroupError::DeleteConflictException(e) => assert_eq!(
            e.message(),
            Some("Cannot delete entity, must remove users from group first.")
        ),
        other => panic!("expected DeleteConflictException, got {other:?}"),
    }

    iam.remove_user_from_group()
        .group_name(&group)
        .user_name(&ann)
        .send()
        .await
        .or_fail("RemoveUserFromGroup");
    let got = iam
        .get_group()
        .group_name(&group)
        .send()
        .await
        .or_fail("GetGroup");
    assert_eq!(
        got.users()
            .iter()
            .map(|u| u.user_name.as_str())
            .collect::<Vec<_>>(),
        [bob.as_str()]
    );
    let of_ann = iam
        .list_groups_for_user()
        .user_name(&ann)
        .send()
        .await
        .or_fail("ListGroupsForUser");
    assert!(of_ann.groups().is_empty());

    // Rename, then the old name is gone and the members moved with it.
    let renamed = unique("devs-renamed");
    iam.update_group()
        .group_name(&group)
        .new_group_name(&renamed)
        .send()
        .await
        .or_fail("UpdateGroup");
    let old = service_failure(iam.get_group().group_name(&group).send().await);
    assert_eq!((old.status, old.code.as_str()), (404, "NoSuchEntity"));
    assert_eq!(
        old.message,
        format!("The group with name {group} cannot be found.")
    );
    let of_bob = iam
        .list_groups_for_user()
        .user_name(&bob)
        .send()
        .await
        .or_fail("ListGroupsForUser");
    assert_eq!(
        of_bob
            .groups()
            .iter()
            .map(|g| g.group_name.as_str())
            .collect::<Vec<_>>(),
        [renamed.as_str()]
    );

    iam.remove_user_from_group()
        .group_name(&renamed)
        .user_name(&bob)
        .send()
        .await
        .or_fail("RemoveUserFromGroup");
    iam.delete_group()
        .group_name(&renamed)
        .send()
        .await
        .or_fail("DeleteGroup");
    match iam
        .get_group()
        .group_name(&renamed)
        .send()
        .await
        .unwrap_err()
        .into_service_error()
    {
        GetGroupError::NoSuchEntityException(e) => {
            assert_eq!(
                e.message(),
                Some(format!("The group with name {renamed} cannot be found.").as_str())
            );
        }
        other => panic!("expected NoSuchEntityException, got {other:?}"),
    }
}

#[tokio::test]
async fn membership_of_missing_entities_is_no_such_entity() {
    let warden = Warden::start().await;
    let iam = warden.root_iam().await;
    let (user, group) = (unique("member"), unique("club"));
    iam.create_user()
        .user_name(&user)
        .send()
        .await
        .or_fail("CreateUser");
    let missing_group = service_failure(
        iam.add_user_to_group()
            .group_name(&group)
            .user_name(&user)
            .send()
            .await,
    );
    assert_eq!(
        (missing_group.status, missing_group.code.as_str()),
        (404, "NoSuchEntity")
    );
    assert_eq!(
        missing_group.message,
        format!("The group with name {group} cannot be found.")
    );

    iam.create_group()
        .group_name(&group)
        .send()
        .await
        .or_fail("CreateGroup");
    let ghost = unique("ghost");
    let missing_user = service_failure(
        iam.add_user_to_group()
            .group_name(&group)
            .user_name(&ghost)
            .send()
            .await,
    );
    assert_eq!(
        (missing_user.status, missing_user.code.as_str()),
        (404, "NoSuchEntity")
    );
    assert_eq!(
        missing_user.message,
        format!("The user with name {ghost} cannot be found.")
    );
}
