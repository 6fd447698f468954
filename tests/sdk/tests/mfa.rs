//! Passwords and virtual MFA through aws-sdk-iam and aws-sdk-sts: the password policy enforced on
//! a login profile, a device enabled with two consecutive codes, and an MFA session that may call
//! IAM where a plain one may not. The credential report shows both.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{SystemTime, UNIX_EPOCH};

use aws_credential_types::Credentials;
use totp_rs::{Algorithm, Secret, TOTP};
use warden_sdk_tests::{OrFail, Warden, allow_policy, service_failure, unique, user_with_key};

/// The code of the time step `offset` steps from now.
fn code(seed: &[u8], offset: i64) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let at = now.checked_add_signed(offset * 30).unwrap();
    TOTP::new_unchecked(Algorithm::SHA1, 6, 0, 30, seed.to_vec()).generate(at)
}

/// Waits out the end of a time step, so codes computed now stay current for the calls.
async fn stable_step() {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    if now % 30 >= 28 {
        tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    }
}

#[tokio::test]
async fn passwords_mfa_and_mfa_sessions() {
    let warden = Warden::start().await;
    let root = warden.root_iam().await;
    let user = unique("mfa");
    let (key, secret) = user_with_key(&root, &user).await;

    root.update_account_password_policy()
        .minimum_password_length(12)
        .require_symbols(true)
        .send()
        .await
        .or_fail("UpdateAccountPasswordPolicy");
    let refused = service_failure(
        root.create_login_profile()
            .user_name(&user)
            .password("Short1!")
            .send()
            .await,
    );
    assert_eq!(refused.code, "PasswordPolicyViolation");
    assert_eq!(
        refused.message,
        "Password should have a minimum length of 12"
    );
    root.create_login_profile()
        .user_name(&user)
        .password("Long-enough-1!")
        .send()
        .await
        .or_fail("CreateLoginProfile");

    let device = root
        .create_virtual_mfa_device()
        .virtual_mfa_device_name(unique("sdk-device"))
        .send()
        .await
        .or_fail("CreateVirtualMFADevice")
        .virtual_mfa_device
        .unwrap();
    let serial = device.serial_number().to_owned();
    let seed_text =
        String::from_utf8(device.base32_string_seed().unwrap().as_ref().to_vec()).unwrap();
    let seed = Secret::Encoded(seed_text).to_bytes().unwrap();
    assert_eq!(seed.len(), 40);
    assert!(
        device
            .qr_code_png()
            .unwrap()
            .as_ref()
            .starts_with(b"\x89PNG")
    );
    stable_step().await;
    root.enable_mfa_device()
        .user_name(&user)
        .serial_number(&serial)
        .authentication_code1(code(&seed, -1))
        .authentication_code2(code(&seed, 0))
        .send()
        .await
        .or_fail("EnableMFADevice");

    root.put_user_policy()
        .user_name(&user)
        .policy_name("list")
        .policy_document(allow_policy("iam:ListUsers", "*"))
        .send()
        .await
        .or_fail("PutUserPolicy");
    let sts = warden.sts(&key, &secret).await;
    let session_client = |c: &aws_sdk_sts::types::Credentials| {
        Credentials::new(
            c.access_key_id(),
            c.secret_access_key(),
            Some(c.session_token().to_owned()),
            None,
            "session",
        )
    };
    let plain = sts
        .get_session_token()
        .send()
        .await
        .or_fail("GetSessionToken");
    let config = warden
        .sdk_config_for("us-east-1", session_client(plain.credentials().unwrap()))
        .await;
    let denied = service_failure(aws_sdk_iam::Client::new(&config).list_users().send().await);
    assert_eq!(denied.code, "AccessDenied");

    let with_mfa = sts
        .get_session_token()
        .serial_number(&serial)
        .token_code(code(&seed, 1))
        .send()
        .await
        .or_fail("GetSessionToken with MFA");
    let config = warden
        .sdk_config_for("us-east-1", session_client(with_mfa.credentials().unwrap()))
        .await;
    aws_sdk_iam::Client::new(&config)
        .list_users()
        .send()
        .await
        .or_fail("ListUsers with an MFA session");

    root.generate_credential_report()
        .send()
        .await
        .or_fail("GenerateCredentialReport");
    let report = root
        .get_credential_report()
        .send()
        .await
        .or_fail("GetCredentialReport");
    let csv = String::from_utf8(report.content().unwrap().as_ref().to_vec()).unwrap();
    let row = csv
        .lines()
        .find(|l| l.starts_with(&format!("{user},")))
        .unwrap();
    let fields: Vec<&str> = row.split(',').collect();
    assert_eq!(fields[3], "true", "password_enabled in {row}");
    assert_eq!(fields[7], "true", "mfa_active in {row}");
}
