//! Access keys through aws-sdk-iam, and what a key can do through aws-sdk-sts.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use aws_sdk_iam::operation::create_access_key::CreateAccessKeyError;
use aws_sdk_iam::types::StatusType;
use warden_sdk_tests::{ACCOUNT_ID, OrFail, Warden, service_failure, unique};

#[tokio::test]
async fn access_key_lifecycle() {
    let warden = Warden::start().await;
    let iam = warden.root_iam().await;
    let name = unique("keyed");
    let user = iam
        .create_user()
        .user_name(&name)
        .send()
        .await
        .or_fail("CreateUser")
        .user
        .unwrap();

    let key = iam
        .create_access_key()
        .user_name(&name)
        .send()
        .await
        .or_fail("CreateAccessKey")
        .access_key
        .expect("CreateAccessKey returned no AccessKey");
    assert_eq!(key.user_name, name);
    assert_eq!(key.status, StatusType::Active);
    assert!(
        key.access_key_id.len() == 20
            && key.access_key_id.starts_with("AKIA")
            && key
                .access_key_id
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()),
        "{}",
        key.access_key_id
    );
    assert_eq!(key.secret_access_key.len(), 40);

    // Never used yet.
    let last = iam
        .get_access_key_last_used()
        .access_key_id(&key.access_key_id)
        .send()
        .await
        .or_fail("GetAccessKeyLastUsed");
    assert_eq!(last.user_name.as_deref(), Some(name.as_str()));
    let used = last.access_key_last_used.unwrap();
    assert_eq!(
        (used.service_name.as_str(), used.region.as_str()),
        ("N/A", "N/A")
    );
    assert_eq!(used.last_used_date, None);

    // The new key authenticates: STS says who it belongs to (no policy needed for this call).
    let sts = warden.sts(&key.access_key_id, &key.secret_access_key).await;
    let me = sts
        .get_caller_identity()
        .send()
        .await
        .or_fail("GetCallerIdentity");
    assert_eq!(
        me.arn.as_deref(),
        Some(format!("arn:aws:iam::{ACCOUNT_ID}:user/{name}").as_str())
    );
    assert_eq!(me.arn.as_deref(), Some(user.arn.as_str()));
    assert_eq!(me.user_id.as_deref(), Some(user.user_id.as_str()));
    assert_eq!(me.account.as_deref(), Some(ACCOUNT_ID));

    // Listed, without the secret.
    let listed = iam
        .list_access_keys()
        .user_name(&name)
        .send()
        .await
        .or_fail("ListAccessKeys");
    let [meta] = listed.access_key_metadata() else {
        panic!("expected one key, got {:?}", listed.access_key_metadata())
    };
    assert_eq!(
        meta.access_key_id.as_deref(),
        Some(key.access_key_id.as_str())
    );
    assert_eq!(meta.status, Some(StatusType::Active));
    assert_eq!(meta.user_name.as_deref(), Some(name.as_str()));

    // A second key is fine, a third exceeds the quota.
    let second = iam
        .create_access_key()
        .user_name(&name)
        .send()
        .await
        .or_fail("CreateAccessKey")
        .access_key
        .unwrap();
    let third = iam
        .create_access_key()
        .user_name(&name)
        .send()
        .await
        .unwrap_err();
    assert_eq!(third.raw_response().map(|r| r.status().as_u16()), Some(409));
    match third.into_service_error() {
        CreateAccessKeyError::LimitExceededException(e) => {
            assert_eq!(
                e.message(),
                Some("Cannot exceed quota for AccessKeysPerUser: 2")
            );
        }
        other => panic!("expected LimitExceededException, got {other:?}"),
    }

    // An inactive key no longer authenticates.
    iam.update_access_key()
        .user_name(&name)
        .access_key_id(&key.access_key_id)
        .status(StatusType::Inactive)
        .send()
        .await
        .or_fail("UpdateAccessKey");
    let listed = iam
        .list_access_keys()
        .user_name(&name)
        .send()
        .await
        .or_fail("ListAccessKeys");
    let status_of = |id: &str| {
        listed
            .access_key_metadata()
            .iter()
            .find(|m| m.access_key_id.as_deref() == Some(id))
            .and_then(|m| m.status.clone())
    };
    assert_eq!(status_of(&key.access_key_id), Some(StatusType::Inactive));
    assert_eq!(status_of(&second.access_key_id), Some(StatusType::Active));
    let refused = service_failure(sts.get_caller_identity().send().await);
    assert_eq!(
        (refused.status, refused.code.as_str()),
        (403, "InvalidClientTokenId")
    );
    assert!(
        refused
            .message
            .starts_with("The security token included in the request is invalid"),
        "{}",
        refused.message
    );
    let iam_as_user = warden.iam(&key.access_key_id, &key.secret_access_key).await;
    let refused = service_failure(iam_as_user.list_users().send().await);
    assert_eq!(
        (refused.status, refused.code.as_str()),
        (403, "InvalidClientTokenId")
    );

    // The other key still works; the last-used record shows the STS call made with the first.
    let sts_second = warden
        .sts(&second.access_key_id, &second.secret_access_key)
        .await;
    sts_second
        .get_caller_identity()
        .send()
        .await
        .or_fail("GetCallerIdentity with the second key");
    // Recording may lag a little: poll.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let last = iam
            .get_access_key_last_used()
            .access_key_id(&key.access_key_id)
            .send()
            .await
            .or_fail("GetAccessKeyLastUsed");
        let used = last.access_key_last_used.clone().unwrap();
        if used.last_used_date.is_some() {
            assert_eq!(used.service_name, "sts", "{used:?}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "a key that authenticated a call has a LastUsedDate: {last:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }

    // Reactivated, it works again; deleted, it is gone for good.
    iam.update_access_key()
        .user_name(&name)
        .access_key_id(&key.access_key_id)
        .status(StatusType::Active)
        .send()
        .await
        .or_fail("UpdateAccessKey");
    sts.get_caller_identity()
        .send()
        .await
        .or_fail("GetCallerIdentity after reactivation");
    iam.delete_access_key()
        .user_name(&name)
        .access_key_id(&key.access_key_id)
        .send()
        .await
        .or_fail("DeleteAccessKey");
    let listed = iam
        .list_access_keys()
        .user_name(&name)
        .send()
        .await
        .or_fail("ListAccessKeys");
    assert_eq!(
        listed
            .access_key_metadata()
            .iter()
            .map(|m| m.access_key_id.clone())
            .collect::<Vec<_>>(),
        [Some(second.access_key_id.clone())]
    );
    let refused = service_failure(sts.get_caller_identity().send().await);
    assert_eq!(
        (refused.status, refused.code.as_str()),
        (403, "InvalidClientTokenId")
    );
    let missing = service_failure(
        iam.delete_access_key()
            .user_name(&name)
            .access_key_id(&key.access_key_id)
            .send()
            .await,
    );
    assert_eq!(
        (missing.status, missing.code.as_str()),
        (404, "NoSuchEntity")
    );
    // With a slot free again, a new key can be made.
    iam.create_access_key()
        .user_name(&name)
        .send()
        .await
        .or_fail("CreateAccessKey");
}

#[tokio::test]
async fn root_caller_identity() {
    let warden = Warden::start().await;
    let sts = warden
        .sts(
            warden_sdk_tests::ROOT_ACCESS_KEY_ID,
            warden_sdk_tests::ROOT_SECRET_ACCESS_KEY,
        )
        .await;
    let me = sts
        .get_caller_identity()
        .send()
        .await
        .or_fail("GetCallerIdentity");
    assert_eq!(me.account.as_deref(), Some(ACCOUNT_ID));
    assert_eq!(
        me.arn.as_deref(),
        Some(format!("arn:aws:iam::{ACCOUNT_ID}:root").as_str())
    );
    assert_eq!(me.user_id.as_deref(), Some(ACCOUNT_ID));
}
