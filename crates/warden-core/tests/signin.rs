#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Console sign-in through `Core::sign_in` and its later steps, with the clock passed in:
//! passwords, MFA codes, forced changes (reset and expiry, with and without `HardExpiry`),
//! throttling, and the session cookie's life.

use std::net::IpAddr;

use time::{Duration, OffsetDateTime};
use warden_core::signin::{ChangeReason, Refusal, SignInLimits, SignInOutcome, SignInRequest, Who};
use warden_core::{Caller, Config, Core, MasterKey, RequestCx, RequestInfo, totp};
use warden_policy::Principal;
use warden_protocol::iam::{self, Request, Response};
use warden_store::SqliteStore;

const ACCOUNT: &str = "123456789012";
const PASSWORD: &str = "Correct-Horse-1";

async fn core() -> Core {
    let config = Config {
        account_id: Some(ACCOUNT.into()),
        root_key: Some((
            "AKIAROOTROOTROOT0001".into(),
            "rootsecretrootsecretrootsecretrootsecret".into(),
        )),
        ..Config::default()
    };
    let store = SqliteStore::open_url("sqlite::memory:").await.unwrap();
    let key = MasterKey::from_bytes(&[9u8; 32]).unwrap();
    let (core, _) = Core::open(
        std::sync::Arc::new(store),
        key,
        config,
        OffsetDateTime::now_utc(),
    )
    .await
    .unwrap();
    core
}

fn root() -> RequestCx {
    let arn = format!("arn:aws:iam::{ACCOUNT}:root");
    RequestCx {
        caller: Caller {
            account_id: ACCOUNT.into(),
            user_id: None,
            principal: Principal::parse(&arn).unwrap(),
            arn,
            access_key_id: "AKIAROOTROOTROOT0001".into(),
            tags: Vec::new(),
            session: None,
        },
        info: RequestInfo {
            now: OffsetDateTime::now_utc(),
            source_ip: None,
            user_agent: None,
            secure_transport: false,
            region: "us-east-1".into(),
        },
    }
}

async fn admin(core: &Core, request: Request) -> Response {
    core.handle_iam(&root(), request).await.unwrap()
}

/// A user with a password.
async fn user_with_password(core: &Core, name: &str, reset_required: bool) {
    admin(
        core,
        Request::CreateUser(iam::CreateUserRequest {
            user_name: name.into(),
            ..Default::default()
        }),
    )
    .await;
    admin(
        core,
        Request::CreateLoginProfile(iam::CreateLoginProfileRequest {
            user_name: Some(name.into()),
            password: Some(PASSWORD.into()),
            password_reset_required: Some(reset_required),
        }),
    )
    .await;
}

fn ip() -> Option<IpAddr> {
    Some("192.0.2.10".parse().unwrap())
}

async fn sign_in(core: &Core, user: &str, password: &str, now: OffsetDateTime) -> SignInOutcome {
    core.sign_in(SignInRequest {
        account: ACCOUNT,
        who: Who::User(user),
        password: password.into(),
        mfa_code: None,
        source_ip: ip(),
        user_agent: Some("test"),
        now,
    })
    .await
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

#[tokio::test]
async fn a_right_password_opens_a_session_and_records_its_use() {
    let core = core().await;
    user_with_password(&core, "alice", false).await;
    let SignInOutcome::SignedIn(signed_in) = sign_in(&core, "alice", PASSWORD, now()).await else {
        panic!("not signed in");
    };
    let who = core.console_session(&signed_in.cookie, now()).unwrap();
    assert_eq!(who.user_name.as_deref(), Some("alice"));
    assert_eq!(who.arn, format!("arn:aws:iam::{ACCOUNT}:user/alice"));
    assert!(!who.session.mfa);
    // The session ends at its expiry.
    assert!(
        core.console_session(&signed_in.cookie, now() + Duration::hours(13))
            .is_none()
    );
    // GetUser now shows when the password was last used.
    let Response::GetUser(got) = admin(
        &core,
        Request::GetUser(iam::GetUserRequest {
            user_name: Some("alice".into()),
        }),
    )
    .await
    else {
        panic!()
    };
    assert!(got.user.password_last_used.is_some());
}

#[tokio::test]
async fn wrong_passwords_and_unknown_users_get_the_same_answer() {
    let core = core().await;
    user_with_password(&core, "alice", false).await;
    for (user, password) in [("alice", "Wrong-Horse-1"), ("nobody", PASSWORD)] {
        let outcome = sign_in(&core, user, password, now()).await;
        assert!(
            matches!(outcome, SignInOutcome::Refused(Refusal::Incorrect)),
            "{outcome:?}"
        );
    }
    let long_name = "a".repeat(10_000);
    assert!(matches!(
        sign_in(&core, &long_name, PASSWORD, now()).await,
        SignInOutcome::Refused(Refusal::Incorrect)
    ));
    let unknown_account = core
        .sign_in(SignInRequest {
            account: "999999999999",
            who: Who::User("alice"),
            password: PASSWORD.into(),
            mfa_code: None,
            source_ip: ip(),
            user_agent: Some("test"),
            now: now(),
        })
        .await;
    assert!(matches!(
        unknown_account,
        SignInOutcome::Refused(Refusal::Incorrect)
    ));
}

#[tokio::test]
async fn the_account_alias_names_the_account_too() {
    let core = core().await;
    user_with_password(&core, "alice", false).await;
    admin(
        &core,
        Request::CreateAccountAlias(iam::CreateAccountAliasRequest {
            account_alias: "example-corp".into(),
        }),
    )
    .await;
    let outcome = core
        .sign_in(SignInRequest {
            account: "example-corp",
            who: Who::User("alice"),
            password: PASSWORD.into(),
            mfa_code: None,
            source_ip: ip(),
            user_agent: Some("test"),
            now: now(),
        })
        .await;
    assert!(matches!(outcome, SignInOutcome::SignedIn(_)), "{outcome:?}");
}

#[tokio::test]
async fn a_reset_password_must_be_changed_and_the_policy_applies() {
    let core = core().await;
    user_with_password(&core, "bob", true).await;
    let SignInOutcome::PasswordChangeRequired { challenge, reason } =
        sign_in(&core, "bob", PASSWORD, now()).await
    else {
        panic!("no change step");
    };
    assert_eq!(reason, ChangeReason::ResetRequired);
    let weak = core
        .sign_in_new_password(&challenge, "short".into(), ip(), None, now())
        .await;
    let SignInOutcome::Refused(Refusal::PasswordRejected(message)) = weak else {
        panic!("{weak:?}");
    };
    assert_eq!(message, "Password should have a minimum length of 8");
    let SignInOutcome::SignedIn(_) = core
        .sign_in_new_password(&challenge, "Brand-New-Horse-2".into(), ip(), None, now())
        .await
    else {
        panic!("not signed in after the change");
    };
    // The challenge was for the old password: it cannot change the password again.
    let again = core
        .sign_in_new_password(&challenge, "Another-Horse-3".into(), ip(), None, now())
        .await;
    assert!(matches!(
        again,
        SignInOutcome::Refused(Refusal::ChallengeInvalid)
    ));
    // The old password is gone, the new one signs in without a change step.
    assert!(matches!(
        sign_in(&core, "bob", PASSWORD, now()).await,
        SignInOutcome::Refused(Refusal::Incorrect)
    ));
    assert!(matches!(
        sign_in(&core, "bob", "Brand-New-Horse-2", now()).await,
        SignInOutcome::SignedIn(_)
    ));
}

async fn expiring_policy(core: &Core, hard_expiry: bool) {
    admin(
        core,
        Request::UpdateAccountPasswordPolicy(iam::UpdateAccountPasswordPolicyRequest {
            minimum_password_length: Some(8),
            max_password_age: Some(30),
            allow_users_to_change_password: Some(true),
            hard_expiry: Some(hard_expiry),
            ..Default::default()
        }),
    )
    .await;
}

#[tokio::test]
async fn an_expired_password_leads_to_the_change_step() {
    let core = core().await;
    user_with_password(&core, "carol", false).await;
    expiring_policy(&core, false).await;
    assert!(matches!(
        sign_in(&core, "carol", PASSWORD, now() + Duration::days(29)).await,
        SignInOutcome::SignedIn(_)
    ));
    let later = now() + Duration::days(31);
    let SignInOutcome::PasswordChangeRequired { challenge, reason } =
        sign_in(&core, "carol", PASSWORD, later).await
    else {
        panic!("no change step");
    };
    assert_eq!(reason, ChangeReason::Expired);
    assert!(matches!(
        core.sign_in_new_password(&challenge, "Fresh-Horse-4".into(), ip(), None, later)
            .await,
        SignInOutcome::SignedIn(_)
    ));
}

#[tokio::test]
async fn with_hard_expiry_only_an_administrator_can_help() {
    let core = core().await;
    user_with_password(&core, "dave", false).await;
    expiring_policy(&core, true).await;
    let outcome = sign_in(&core, "dave", PASSWORD, now() + Duration::days(31)).await;
    assert!(
        matches!(outcome, SignInOutcome::Refused(Refusal::PasswordExpired)),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn a_password_change_ends_older_sessions() {
    let core = core().await;
    user_with_password(&core, "erin", false).await;
    let SignInOutcome::SignedIn(signed_in) = sign_in(&core, "erin", PASSWORD, now()).await else {
        panic!()
    };
    assert!(core.console_session(&signed_in.cookie, now()).is_some());
    admin(
        &core,
        Request::UpdateLoginProfile(iam::UpdateLoginProfileRequest {
            user_name: "erin".into(),
            password: Some("Reset-By-Admin-5".into()),
            password_reset_required: None,
        }),
    )
    .await;
    assert!(core.console_session(&signed_in.cookie, now()).is_none());
}

#[tokio::test]
async fn a_user_with_mfa_needs_a_code_accepted_once() {
    let core = core().await;
    user_with_password(&core, "frank", false).await;
    let Response::CreateVirtualMFADevice(created) = admin(
        &core,
        Request::CreateVirtualMFADevice(iam::CreateVirtualMFADeviceRequest {
            virtual_mfa_device_name: "frank".into(),
            ..Default::default()
        }),
    )
    .await
    else {
        panic!()
    };
    let device = created.virtual_mfa_device;
    let seed_text = String::from_utf8(device.base32_string_seed.unwrap()).unwrap();
    let seed = base32_decode(&seed_text);
    let step = totp::step_of(now());
    admin(
        &core,
        Request::EnableMFADevice(iam::EnableMFADeviceRequest {
            user_name: "frank".into(),
            serial_number: device.serial_number.clone(),
            authentication_code1: totp::code_at(&seed, step - 1),
            authentication_code2: totp::code_at(&seed, step),
        }),
    )
    .await;
    let SignInOutcome::MfaRequired { challenge } = sign_in(&core, "frank", PASSWORD, now()).await
    else {
        panic!("no MFA step");
    };
    // The code of the step the device was enabled with has been used already.
    let used = totp::code_at(&seed, step);
    assert!(matches!(
        core.sign_in_mfa(&challenge, &used, ip(), None, now()).await,
        SignInOutcome::Refused(Refusal::Incorrect)
    ));
    let next = totp::code_at(&seed, step + 1);
    let SignInOutcome::SignedIn(signed_in) =
        core.sign_in_mfa(&challenge, &next, ip(), None, now()).await
    else {
        panic!("not signed in");
    };
    assert!(signed_in.session.mfa);
    // A challenge is not a session, and a session is not a challenge.
    assert!(core.console_session(&challenge, now()).is_none());
    assert!(matches!(
        core.sign_in_mfa(&signed_in.cookie, &next, ip(), None, now())
            .await,
        SignInOutcome::Refused(Refusal::ChallengeInvalid)
    ));
}

#[tokio::test]
async fn repeated_failures_slow_down_then_lock_out_even_the_right_password() {
    let core = core().await;
    core.set_sign_in_limits(SignInLimits {
        user_free_failures: 2,
        user_lockout_failures: 4,
        delay: Duration::seconds(10),
        ..SignInLimits::default()
    });
    user_with_password(&core, "gina", false).await;
    let t0 = now();
    for _ in 0..3 {
        assert!(matches!(
            sign_in(&core, "gina", "Wrong-Horse-9", t0).await,
            SignInOutcome::Refused(Refusal::Incorrect)
        ));
    }
    // Three failures, two free: the next attempt, even right, must wait.
    assert!(matches!(
        sign_in(&core, "gina", PASSWORD, t0).await,
        SignInOutcome::Refused(Refusal::TooSoon { .. })
    ));
    let t1 = t0 + Duration::seconds(10);
    assert!(matches!(
        sign_in(&core, "gina", "Wrong-Horse-9", t1).await,
        SignInOutcome::Refused(Refusal::Incorrect)
    ));
    let locked = sign_in(&core, "gina", PASSWORD, t1 + Duration::minutes(5)).await;
    assert!(
        matches!(locked, SignInOutcome::Refused(Refusal::LockedOut { .. })),
        "{locked:?}"
    );
    // Another user from the same address is not locked out.
    user_with_password(&core, "hank", false).await;
    assert!(matches!(
        sign_in(&core, "hank", PASSWORD, t1).await,
        SignInOutcome::SignedIn(_)
    ));
    // After the lockout the right password works again.
    assert!(matches!(
        sign_in(&core, "gina", PASSWORD, t1 + Duration::minutes(16)).await,
        SignInOutcome::SignedIn(_)
    ));
}

#[tokio::test]
async fn root_signs_in_and_enrols_an_mfa_device() {
    let core = core().await;
    admin(
        &core,
        Request::CreateLoginProfile(iam::CreateLoginProfileRequest {
            user_name: None,
            password: Some(PASSWORD.into()),
            password_reset_required: None,
        }),
    )
    .await;
    let root_sign_in = |code: Option<String>| {
        core.sign_in(SignInRequest {
            account: ACCOUNT,
            who: Who::Root,
            password: PASSWORD.into(),
            mfa_code: code,
            source_ip: ip(),
            user_agent: Some("test"),
            now: now(),
        })
    };
    let SignInOutcome::SignedIn(signed_in) = root_sign_in(None).await else {
        panic!("root not signed in");
    };
    assert!(signed_in.session.user_id.is_none());
    let enrolment = core
        .begin_root_mfa_enrolment(&signed_in.session, now())
        .unwrap();
    let seed = base32_decode(&enrolment.base32_seed);
    let step = totp::step_of(now());
    assert!(
        core.enable_root_mfa(
            &signed_in.session,
            &enrolment.token,
            &totp::code_at(&seed, step),
            &totp::code_at(&seed, step - 1),
            now()
        )
        .await
        .is_err()
    );
    let serial = core
        .enable_root_mfa(
            &signed_in.session,
            &enrolment.token,
            &totp::code_at(&seed, step - 1),
            &totp::code_at(&seed, step),
            now(),
        )
        .await
        .unwrap();
    assert_eq!(
        serial,
        format!("arn:aws:iam::{ACCOUNT}:mfa/root-account-mfa-device")
    );
    // From now on the root needs a code; the password alone is not enough.
    assert!(matches!(
        root_sign_in(None).await,
        SignInOutcome::MfaRequired { .. }
    ));
    let SignInOutcome::SignedIn(with_mfa) =
        root_sign_in(Some(totp::code_at(&seed, step + 1))).await
    else {
        panic!("root not signed in with a code");
    };
    assert!(with_mfa.session.mfa);
    // A second enrolment is refused.
    assert!(
        core.begin_root_mfa_enrolment(&with_mfa.session, now())
            .is_err()
    );
}

/// RFC 4648 base32 (no padding), for the seeds the API returns.
fn base32_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = Vec::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.trim_end_matches('=').bytes() {
        let value = ALPHABET.iter().position(|a| *a == c).unwrap() as u32;
        buffer = (buffer << 5) | value;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    out
}

#[tokio::test]
async fn finished_attempts_are_console_login_records_in_the_audit_trail() {
    let core = core().await;
    user_with_password(&core, "ivan", false).await;
    let _ = sign_in(&core, "ivan", "Wrong-Horse-1", now()).await;
    let _ = sign_in(&core, "nobody", PASSWORD, now()).await;
    let SignInOutcome::SignedIn(_) = sign_in(&core, "ivan", PASSWORD, now()).await else {
        panic!("not signed in");
    };
    let rows = core
        .audit_events(&warden_store::AuditFilter {
            event_name: Some("ConsoleLogin".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let bodies: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| serde_json::from_str(&r.record.body).unwrap())
        .collect();
    assert_eq!(bodies.len(), 3);
    let summary: Vec<(&str, &str, &str)> = bodies
        .iter()
        .map(|b| {
            (
                b["userIdentity"]["userName"].as_str().unwrap(),
                b["responseElements"]["ConsoleLogin"].as_str().unwrap(),
                b["sourceIPAddress"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("ivan", "Failure", "192.0.2.10"),
            ("HIDDEN_DUE_TO_SECURITY_REASONS", "Failure", "192.0.2.10"),
            ("ivan", "Success", "192.0.2.10"),
        ]
    );
    for body in &bodies {
        assert_eq!(body["eventSource"], "signin.amazonaws.com");
        assert_eq!(body["eventType"], "AwsConsoleSignIn");
        assert_eq!(body["recipientAccountId"], ACCOUNT);
        let text = body.to_string();
        assert!(!text.contains(PASSWORD) && !text.contains("Wrong-Horse-1"));
    }
    assert_eq!(bodies[0]["errorMessage"], "Failed authentication");
    assert_eq!(bodies[2]["additionalEventData"]["MFAUsed"], "No");
}
