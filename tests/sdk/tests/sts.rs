//! STS through aws-sdk-sts: a user assumes a role it is trusted by, and the temporary credentials
//! work (and are limited) through aws-sdk-iam.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use aws_credential_types::Credentials;
use warden_sdk_tests::{
    ACCOUNT_ID, OrFail, Warden, allow_policy, service_failure, unique, user_with_key,
};

#[tokio::test]
async fn assume_role_and_use_the_session() {
    let warden = Warden::start().await;
    let root = warden.root_iam().await;
    let user = unique("assumer");
    let (key, secret) = user_with_key(&root, &user).await;
    let role = unique("role");
    let trust = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT_ID}:user/{user}"}},"Action":"sts:AssumeRole"}}]}}"#
    );
    root.create_role()
        .role_name(&role)
        .assume_role_policy_document(trust)
        .send()
        .await
        .or_fail("CreateRole");
    root.put_role_policy()
        .role_name(&role)
        .policy_name("list")
        .policy_document(allow_policy("iam:ListRoles", "*"))
        .send()
        .await
        .or_fail("PutRolePolicy");
    let answer = warden
        .sts(&key, &secret)
        .await
        .assume_role()
        .role_arn(format!("arn:aws:iam::{ACCOUNT_ID}:role/{role}"))
        .role_session_name("sdk-session")
        .duration_seconds(900)
        .send()
        .await
        .or_fail("AssumeRole");
    let credentials = answer.credentials().unwrap();
    assert!(credentials.access_key_id().starts_with("ASIA"));
    let session = Credentials::new(
        credentials.access_key_id(),
        credentials.secret_access_key(),
        Some(credentials.session_token().to_owned()),
        None,
        "assumed",
    );
    let config = warden.sdk_config_for("us-east-1", session).await;
    let identity = aws_sdk_sts::Client::new(&config)
        .get_caller_identity()
        .send()
        .await
        .or_fail("GetCallerIdentity");
    assert_eq!(
        identity.arn(),
        Some(format!("arn:aws:sts::{ACCOUNT_ID}:assumed-role/{role}/sdk-session").as_str())
    );
    let iam = aws_sdk_iam::Client::new(&config);
    iam.list_roles().send().await.or_fail("ListRoles");
    let denied = service_failure(iam.list_users().send().await);
    assert_eq!(denied.code, "AccessDenied");
}
