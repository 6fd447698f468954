//! `warden serve --dev` through aws-sdk-iam and aws-sdk-sts: made-up credentials are the default
//! account's root, the signing region picks the partition, and `--enforce` refuses them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use aws_credential_types::Credentials;
use aws_sdk_iam::error::ProvideErrorMetadata;
use warden_sdk_tests::{OrFail, ROOT_ACCESS_KEY_ID, ROOT_SECRET_ACCESS_KEY, Warden};

/// What moto's and LocalStack's documentation tell test suites to use.
fn made_up() -> Credentials {
    Credentials::new(
        "testing",
        "testing",
        Some("testing".to_owned()),
        None,
        "made-up",
    )
}

#[tokio::test]
async fn made_up_credentials_are_the_default_accounts_root() {
    let warden = Warden::start_dev(&[]).await;
    let config = warden.sdk_config_for("us-east-1", made_up()).await;
    let identity = aws_sdk_sts::Client::new(&config)
        .get_caller_identity()
        .send()
        .await
        .or_fail("GetCallerIdentity");
    assert_eq!(identity.account(), Some("123456789012"));
    assert_eq!(identity.arn(), Some("arn:aws:iam::123456789012:root"));
    let iam = aws_sdk_iam::Client::new(&config);
    let user = iam
        .create_user()
        .user_name("sdk-dev")
        .send()
        .await
        .or_fail("CreateUser")
        .user
        .unwrap();
    assert_eq!(user.arn, "arn:aws:iam::123456789012:user/sdk-dev");
}

#[tokio::test]
async fn the_signing_region_picks_the_partition() {
    let warden = Warden::start_dev(&[]).await;
    for (region, partition) in [("cn-north-1", "aws-cn"), ("us-gov-east-1", "aws-us-gov")] {
        let config = warden.sdk_config_for(region, made_up()).await;
        let user = aws_sdk_iam::Client::new(&config)
            .create_user()
            .user_name("sdk-partition")
            .send()
            .await
            .or_fail("CreateUser")
            .user
            .unwrap();
        assert_eq!(
            user.arn,
            format!("arn:{partition}:iam::123456789012:user/sdk-partition")
        );
        let identity = aws_sdk_sts::Client::new(&config)
            .get_caller_identity()
            .send()
            .await
            .or_fail("GetCallerIdentity");
        assert_eq!(
            identity.arn(),
            Some(format!("arn:{partition}:iam::123456789012:root").as_str())
        );
    }
}

#[tokio::test]
async fn enforce_refuses_made_up_credentials_and_accepts_the_root_key() {
    let warden = Warden::start_dev(&["--enforce"]).await;
    let config = warden.sdk_config_for("us-east-1", made_up()).await;
    let error = aws_sdk_iam::Client::new(&config)
        .list_users()
        .send()
        .await
        .expect_err("a made-up key must be refused under --enforce");
    assert_eq!(error.code(), Some("InvalidClientTokenId"), "{error:?}");
    let root = warden
        .iam(ROOT_ACCESS_KEY_ID, ROOT_SECRET_ACCESS_KEY)
        .await
        .get_user()
        .send()
        .await
        .or_fail("GetUser");
    assert_eq!(root.user.unwrap().arn, "arn:aws:iam::123456789012:root");
}
