//! Organizations through aws-sdk-organizations (the JSON 1.1 protocol, smithy-rs's serializer):
//! a member account made by CreateAccount, reached from the management account through its
//! OrganizationAccountAccessRole, and a cross-account trust that needs both accounts' policies.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use aws_credential_types::Credentials;
use aws_sdk_organizations::types::CreateAccountState;
use warden_sdk_tests::{
    ACCOUNT_ID, OrFail, ROOT_ACCESS_KEY_ID, ROOT_SECRET_ACCESS_KEY, Warden, allow_policy,
    service_failure, unique, user_with_key,
};

async fn organizations(warden: &Warden, key: &str, secret: &str) -> aws_sdk_organizations::Client {
    aws_sdk_organizations::Client::new(&warden.sdk_config(key, secret).await)
}

/// Creates a member account and waits for its request to finish.
async fn create_member(org: &aws_sdk_organizations::Client) -> String {
    let created = org
        .create_account()
        .email(format!("{}@example.com", unique("sdk")))
        .account_name("SDK member")
        .send()
        .await
        .or_fail("CreateAccount");
    let status = created.create_account_status().unwrap();
    assert_eq!(status.state(), Some(&CreateAccountState::InProgress));
    let id = status.id().unwrap().to_owned();
    for _ in 0..100 {
        let status = org
            .describe_create_account_status()
            .create_account_request_id(&id)
            .send()
            .await
            .or_fail("DescribeCreateAccountStatus");
        let status = status.create_account_status().unwrap();
        match status.state() {
            Some(CreateAccountState::Succeeded) => return status.account_id().unwrap().to_owned(),
            Some(CreateAccountState::InProgress) => {
                tokio::time::sleep(Duration::from_millis(100)).await
            }
            other => panic!("account creation ended {other:?}: {status:?}"),
        }
    }
    panic!("account creation did not finish");
}

fn session(credentials: &aws_sdk_sts::types::Credentials) -> Credentials {
    Credentials::new(
        credentials.access_key_id(),
        credentials.secret_access_key(),
        Some(credentials.session_token().to_owned()),
        None,
        "assumed",
    )
}

#[tokio::test]
async fn a_member_account_is_reached_through_its_access_role() {
    let warden = Warden::start().await;
    let org = organizations(&warden, ROOT_ACCESS_KEY_ID, ROOT_SECRET_ACCESS_KEY).await;
    let organization = org
        .create_organization()
        .send()
        .await
        .or_fail("CreateOrganization");
    let organization = organization.organization().unwrap();
    assert_eq!(organization.master_account_id(), Some(ACCOUNT_ID));
    let member = create_member(&org).await;
    let accounts = org.list_accounts().send().await.or_fail("ListAccounts");
    let ids: Vec<&str> = accounts.accounts().iter().filter_map(|a| a.id()).collect();
    assert!(
        ids.contains(&member.as_str()) && ids.contains(&ACCOUNT_ID),
        "{ids:?}"
    );

    let root = warden.root_iam().await;
    let admin = unique("admin");
    let (key, secret) = user_with_key(&root, &admin).await;
    root.put_user_policy()
        .user_name(&admin)
        .policy_name("assume")
        .policy_document(allow_policy("sts:AssumeRole", "*"))
        .send()
        .await
        .or_fail("PutUserPolicy");
    let answer = warden
        .sts(&key, &secret)
        .await
        .assume_role()
        .role_arn(format!(
            "arn:aws:iam::{member}:role/OrganizationAccountAccessRole"
        ))
        .role_session_name("sdk-admin")
        .send()
        .await
        .or_fail("AssumeRole");
    let config = warden
        .sdk_config_for("us-east-1", session(answer.credentials().unwrap()))
        .await;
    let identity = aws_sdk_sts::Client::new(&config)
        .get_caller_identity()
        .send()
        .await
        .or_fail("GetCallerIdentity");
    assert_eq!(identity.account(), Some(member.as_str()));
    // Administrator in the member account: it can make users there.
    let member_iam = aws_sdk_iam::Client::new(&config);
    let user = member_iam
        .create_user()
        .user_name("made-by-sdk")
        .send()
        .await
        .or_fail("CreateUser");
    assert_eq!(
        user.user().unwrap().arn(),
        format!("arn:aws:iam::{member}:user/made-by-sdk")
    );
    // A member sees its organization, but may not list the accounts.
    let member_org = aws_sdk_organizations::Client::new(&config);
    let described = member_org
        .describe_organization()
        .send()
        .await
        .or_fail("DescribeOrganization");
    assert_eq!(described.organization().unwrap().id(), organization.id());
    let refused = service_failure(member_org.list_accounts().send().await);
    assert_eq!(refused.code, "AccessDeniedException");
}

#[tokio::test]
async fn cross_account_assumption_needs_the_callers_own_policy() {
    let warden = Warden::start().await;
    let org = organizations(&warden, ROOT_ACCESS_KEY_ID, ROOT_SECRET_ACCESS_KEY).await;
    org.create_organization()
        .send()
        .await
        .or_fail("CreateOrganization");
    let member = create_member(&org).await;
    let root = warden.root_iam().await;
    let (admin_key, admin_secret) = user_with_key(&root, "sdk-admin").await;
    root.put_user_policy()
        .user_name("sdk-admin")
        .policy_name("assume")
        .policy_document(allow_policy("sts:AssumeRole", "*"))
        .send()
        .await
        .or_fail("PutUserPolicy");
    let (plain_key, plain_secret) = user_with_key(&root, "sdk-plain").await;
    // The member account's role trusts both management-account users.
    let answer = warden
        .sts(&admin_key, &admin_secret)
        .await
        .assume_role()
        .role_arn(format!(
            "arn:aws:iam::{member}:role/OrganizationAccountAccessRole"
        ))
        .role_session_name("setup")
        .send()
        .await
        .or_fail("AssumeRole");
    let member_iam = aws_sdk_iam::Client::new(
        &warden
            .sdk_config_for("us-east-1", session(answer.credentials().unwrap()))
            .await,
    );
    let trust = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":["arn:aws:iam::{ACCOUNT_ID}:user/sdk-admin","arn:aws:iam::{ACCOUNT_ID}:user/sdk-plain"]}},"Action":"sts:AssumeRole"}}]}}"#
    );
    member_iam
        .create_role()
        .role_name("shared")
        .assume_role_policy_document(trust)
        .send()
        .await
        .or_fail("CreateRole");
    let role_arn = format!("arn:aws:iam::{member}:role/shared");
    warden
        .sts(&admin_key, &admin_secret)
        .await
        .assume_role()
        .role_arn(&role_arn)
        .role_session_name("allowed")
        .send()
        .await
        .or_fail("AssumeRole (allowed by both accounts)");
    let refused = service_failure(
        warden
            .sts(&plain_key, &plain_secret)
            .await
            .assume_role()
            .role_arn(&role_arn)
            .role_session_name("refused")
            .send()
            .await,
    );
    assert_eq!(
        (refused.status, refused.code.as_str()),
        (403, "AccessDenied")
    );
}
