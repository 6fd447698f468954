//! Console sign-in: a user name (or the root user) and password, then an MFA code when the
//! user has a device, then a new password when the old one expired or an administrator asked
//! for a reset; at the end, a console session.
//!
//! Between steps the browser carries a sealed [`Challenge`](sealed::Challenge); the session is
//! a sealed [`ConsoleSession`]. Nothing of either is stored. Failed passwords and codes are
//! counted per user and per source address ([`throttle`]); every attempt, whatever its
//! outcome, is recorded by `Core::recorded` — the one place that does.

mod root_mfa;
pub mod sealed;
mod throttle;

pub use root_mfa::{EnrolmentError, RootMfaEnrolment};
pub use sealed::{ChangeReason, ConsoleSession, Step};
pub(crate) use throttle::Throttle;
pub use throttle::{Gate, SignInLimits};

use std::net::IpAddr;
use std::sync::OnceLock;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;
use time::{Duration, OffsetDateTime};
use warden_protocol::iam::errors;
use warden_store::{Change, LoginProfileRecord, MfaOwner, Object};

use crate::Core;
use crate::directory::{Account, Directory};
use crate::iam::login::{self, CurrentPassword};
use crate::iam::mfa::MfaFailure;
use crate::password::Rules;
use sealed::Challenge;
use throttle::Key;

/// How long a console session lasts (AWS's console sessions for IAM users: 12 hours).
pub const SESSION_LIFETIME: Duration = Duration::hours(12);
/// How long a sign-in may pause between steps.
pub const CHALLENGE_LIFETIME: Duration = Duration::minutes(5);

/// Who signs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who<'a> {
    /// The account's root user.
    Root,
    /// An IAM user, by name.
    User(&'a str),
}

/// The first step: the password form.
pub struct SignInRequest<'a> {
    /// The account's 12-digit id or its alias.
    pub account: &'a str,
    pub who: Who<'a>,
    pub password: String,
    /// Given up front by a client that knows the user has MFA (the JSON endpoint allows it).
    pub mfa_code: Option<String>,
    pub source_ip: Option<IpAddr>,
    pub user_agent: Option<&'a str>,
    pub now: OffsetDateTime,
}

impl std::fmt::Debug for SignInRequest<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInRequest")
            .field("account", &self.account)
            .field("who", &self.who)
            .field("source_ip", &self.source_ip)
            .finish_non_exhaustive()
    }
}

/// A console session, opened.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The cookie's value (sealed).
    pub cookie: String,
    pub session: ConsoleSession,
}

/// Where a sign-in step leaves the user.
#[derive(Debug, Clone)]
pub enum SignInOutcome {
    SignedIn(SignedIn),
    /// The password was right; send the challenge back with a code.
    MfaRequired {
        challenge: String,
    },
    /// Send the challenge back with a new password.
    PasswordChangeRequired {
        challenge: String,
        reason: ChangeReason,
    },
    Refused(Refusal),
}

impl SignInOutcome {
    /// A stable name, for the record and the JSON endpoint.
    pub fn code(&self) -> &'static str {
        match self {
            SignInOutcome::SignedIn(_) => "signed_in",
            SignInOutcome::MfaRequired { .. } => "mfa_required",
            SignInOutcome::PasswordChangeRequired { .. } => "password_change_required",
            SignInOutcome::Refused(r) => r.code(),
        }
    }
}

/// Why a step did not succeed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Wrong account, user, password or code: deliberately not saying which.
    Incorrect,
    /// Too soon after the last failures.
    TooSoon {
        retry_after: Duration,
    },
    LockedOut {
        until: OffsetDateTime,
    },
    /// Expired, and the policy's `HardExpiry` lets only an administrator reset it.
    PasswordExpired,
    /// The challenge of a later step is expired, forged, or no longer current.
    ChallengeInvalid,
    /// The new password breaks the password policy (AWS's message); the step may be retried.
    PasswordRejected(String),
    /// Something failed on our side.
    Unavailable,
}

impl Refusal {
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::Incorrect => "incorrect",
            Refusal::TooSoon { .. } => "throttled",
            Refusal::LockedOut { .. } => "locked_out",
            Refusal::PasswordExpired => "password_expired",
            Refusal::ChallengeInvalid => "invalid_challenge",
            Refusal::PasswordRejected(_) => "password_rejected",
            Refusal::Unavailable => "unavailable",
        }
    }

    /// What the user is told.
    pub fn message(&self) -> String {
        match self {
            Refusal::Incorrect => {
                "Your authentication information is incorrect. Please try again.".to_owned()
            }
            Refusal::TooSoon { retry_after } => format!(
                "Too many failed attempts. Wait {} seconds before trying again.",
                retry_after.whole_seconds().max(1)
            ),
            Refusal::LockedOut { until } => format!(
                "Too many failed attempts. Sign-in is locked until {}.",
                until
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_else(|_| "later".to_owned())
            ),
            Refusal::PasswordExpired => "Your password has expired and the account's password \
                 policy does not let you change it. Ask an administrator to reset it."
                .to_owned(),
            Refusal::ChallengeInvalid => {
                "This sign-in has expired or is no longer valid. Please sign in again.".to_owned()
            }
            Refusal::PasswordRejected(message) => message.clone(),
            Refusal::Unavailable => {
                "Sign-in is unavailable at the moment. Please try again later.".to_owned()
            }
        }
    }
}

/// A console session that is still good, with what the pages show.
#[derive(Debug, Clone)]
pub struct ConsoleIdentity {
    pub session: ConsoleSession,
    pub arn: String,
    /// `None` for the root user.
    pub user_name: Option<String>,
    pub account_alias: Option<String>,
    /// The MFA devices enabled for this identity.
    pub mfa_devices: Vec<String>,
}

/// One attempt at one step, for its record.
struct Attempt<'a> {
    /// The account's id (or, when it names no account, what was typed; `-` for nothing).
    account: &'a str,
    /// The user name as typed, or [`ROOT_NAME`].
    user: &'a str,
    source_ip: Option<IpAddr>,
    user_agent: Option<&'a str>,
    step: &'static str,
    now: OffsetDateTime,
}

/// The log line of an attempt (never a password or code); the durable record is the audit
/// trail's, written by [`Core::recorded`].
fn trace_attempt(a: &Attempt<'_>, outcome: &'static str) {
    let source_ip = a
        .source_ip
        .map_or_else(|| "-".to_owned(), |ip| ip.to_string());
    tracing::info!(
        target: "warden::signin",
        account = a.account,
        user = a.user,
        source_ip,
        step = a.step,
        outcome,
        "sign-in attempt"
    );
}

/// What CloudTrail writes in place of a user name that does not exist.
const HIDDEN_USER: &str = "HIDDEN_DUE_TO_SECURITY_REASONS";

/// The account a sign-in URL names: its id or its alias.
fn resolve<'d>(dir: &'d Directory, account: &str) -> Option<&'d Account> {
    dir.account(account).or_else(|| {
        dir.accounts
            .values()
            .find(|a| a.alias.as_deref() == Some(account))
    })
}

const MAX_ACCOUNT: usize = 63;
const MAX_USER_NAME: usize = 64;

/// The user name the record and the throttle use for the root.
const ROOT_NAME: &str = "<root>";

/// A hash nobody's password matches, verified when the user does not exist, so that an
/// unknown user costs as much time as a wrong password and the two cannot be told apart.
static DUMMY_HASH: OnceLock<String> = OnceLock::new();

async fn dummy_hash() -> String {
    if let Some(h) = DUMMY_HASH.get() {
        return h.clone();
    }
    let fresh = login::hash("warden-sign-in-no-such-user".to_owned())
        .await
        .unwrap_or_default();
    DUMMY_HASH.get_or_init(|| fresh).clone()
}

/// What the first step needs to know of the account and user.
struct Found {
    account_id: String,
    user_id: Option<String>,
    profile: LoginProfileRecord,
    mfa_serials: Vec<String>,
}

/// A short digest of a password hash, carried (sealed) by challenges and sessions to name the
/// password they proved: every set or change makes a new salted hash, so a new fingerprint.
pub(crate) fn fingerprint(password_hash: &str) -> String {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(password_hash.as_bytes());
    URL_SAFE_NO_PAD.encode(&digest[..16])
}

fn random_token() -> Option<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).ok()?;
    Some(URL_SAFE_NO_PAD.encode(bytes))
}

impl Core {
    /// Replaces the sign-in throttle's limits.
    pub fn set_sign_in_limits(&self, limits: SignInLimits) {
        self.sign_in_throttle.set_limits(limits);
    }

    /// Records one attempt — the only place attempts are recorded: a `warden::signin` log
    /// line always, and, when the attempt names an account this server holds and ends the
    /// sign-in (signed in, or refused), a CloudTrail `ConsoleLogin` record in the audit trail.
    /// A record that cannot be written turns the outcome into `Unavailable`: no sign-in goes
    /// unrecorded.
    async fn recorded(&self, a: &Attempt<'_>, outcome: SignInOutcome) -> SignInOutcome {
        trace_attempt(a, outcome.code());
        let (success, mfa) = match &outcome {
            SignInOutcome::SignedIn(s) => (true, s.session.mfa),
            SignInOutcome::Refused(_) => (false, a.step == "mfa"),
            SignInOutcome::MfaRequired { .. } | SignInOutcome::PasswordChangeRequired { .. } => {
                return outcome;
            }
        };
        let identity = {
            let dir = self.read();
            let Some(account) = dir.account(a.account) else {
                return outcome;
            };
            let id = account.id();
            if a.user == ROOT_NAME {
                json!({"type": "Root", "principalId": id, "arn": account.root_arn, "accountId": id})
            } else {
                match account.user(a.user) {
                    Some(u) => json!({"type": "IAMUser", "principalId": u.record.user_id,
                                      "arn": u.arn, "accountId": id,
                                      "userName": u.record.name}),
                    None => json!({"type": "IAMUser", "accountId": id, "userName": HIDDEN_USER}),
                }
            }
        };
        let failure = match &outcome {
            SignInOutcome::Refused(Refusal::Incorrect) => Some("Failed authentication".to_owned()),
            SignInOutcome::Refused(r) => Some(r.message()),
            _ => None,
        };
        let request_id = crate::ids::request_id();
        let principal_arn = identity["arn"].as_str().map(str::to_owned);
        let event = crate::audit::ApiEvent {
            time: a.now,
            source: "signin.amazonaws.com",
            name: "ConsoleLogin",
            region: "us-east-1",
            source_ip: a.source_ip,
            user_agent: a.user_agent,
            caller: None,
            unauthenticated: Some(identity),
            principal_arn: principal_arn.as_deref(),
            request_parameters: None,
            response_elements: Some(
                json!({"ConsoleLogin": if success { "Success" } else { "Failure" }}),
            ),
            error: failure.as_deref().map(|m| ("", m)),
            request_id: &request_id,
            event_type: "AwsConsoleSignIn",
            recipient_account: Some(a.account),
            additional_event_data: Some(json!({
                "LoginTo": "/console",
                "MobileVersion": "No",
                "MFAUsed": if mfa { "Yes" } else { "No" },
                "WardenStep": a.step,
                "WardenOutcome": outcome.code(),
            })),
        };
        match self.audit(event).await {
            Ok(()) => outcome,
            Err(_) => SignInOutcome::Refused(Refusal::Unavailable),
        }
    }

    /// Refuses the attempt if its keys are throttled or locked out.
    fn gate(&self, keys: &[Key], now: OffsetDateTime) -> Option<Refusal> {
        match self.sign_in_throttle.check(keys, now) {
            Gate::Open => None,
            Gate::Wait(retry_after) => Some(Refusal::TooSoon { retry_after }),
            Gate::Locked(until) => Some(Refusal::LockedOut { until }),
        }
    }

    /// The password step.
    pub async fn sign_in(&self, r: SignInRequest<'_>) -> SignInOutcome {
        // No account id or alias is longer than 63 characters, no user name than 64: longer
        // ones name nobody, and are not worth a throttle entry (or a line of that size).
        let too_long = match r.who {
            Who::User(name) => name.chars().count() > MAX_USER_NAME,
            Who::Root => false,
        };
        if r.account.len() > MAX_ACCOUNT || too_long {
            let nobody = Attempt {
                account: "-",
                user: "-",
                source_ip: r.source_ip,
                user_agent: r.user_agent,
                step: "password",
                now: r.now,
            };
            return self
                .recorded(&nobody, SignInOutcome::Refused(Refusal::Incorrect))
                .await;
        }
        let (found, account_key) = {
            let dir = self.read();
            let account = resolve(&dir, r.account);
            let key = account.map_or_else(|| r.account.to_owned(), |a| a.id().to_owned());
            let found = account.and_then(|account| {
                let user_id = match r.who {
                    Who::Root => None,
                    Who::User(name) => Some(account.user(name)?.record.user_id.clone()),
                };
                let profile = account.login_profile(user_id.as_deref())?.clone();
                let mfa_serials = account
                    .mfa_devices_of(user_id.as_deref())
                    .map(|d| d.serial_number.clone())
                    .collect();
                Some(Found {
                    account_id: account.id().to_owned(),
                    user_id,
                    profile,
                    mfa_serials,
                })
            });
            (found, key)
        };
        let user_name = match r.who {
            Who::Root => ROOT_NAME,
            Who::User(name) => name,
        };
        let attempt = Attempt {
            account: &account_key,
            user: user_name,
            source_ip: r.source_ip,
            user_agent: r.user_agent,
            step: "password",
            now: r.now,
        };
        let user_key = Key::user(&account_key, user_name);
        let keys: Vec<Key> = std::iter::once(user_key.clone())
            .chain(r.source_ip.map(Key::ip))
            .collect();
        if let Some(refusal) = self.gate(&keys, r.now) {
            let outcome = SignInOutcome::Refused(refusal);
            return self.recorded(&attempt, outcome).await;
        }
        let phc = match &found {
            Some(f) => f.profile.password_hash.clone(),
            None => dummy_hash().await,
        };
        let matches = login::verify(r.password, phc).await;
        let found = match found {
            Some(found) if matches => found,
            _ => {
                self.sign_in_throttle.failure(&keys, r.now);
                let outcome = SignInOutcome::Refused(Refusal::Incorrect);
                return self.recorded(&attempt, outcome).await;
            }
        };
        let challenge = Challenge {
            account_id: found.account_id.clone(),
            user_id: found.user_id.clone(),
            user_name: user_name.to_owned(),
            step: Step::Mfa,
            password: fingerprint(&found.profile.password_hash),
            mfa: false,
            expires: r.now + CHALLENGE_LIFETIME,
        };
        if !found.mfa_serials.is_empty() {
            let Some(code) = r.mfa_code else {
                let outcome = match sealed::seal(&self.master_key, &challenge) {
                    Ok(challenge) => SignInOutcome::MfaRequired { challenge },
                    Err(_) => SignInOutcome::Refused(Refusal::Unavailable),
                };
                return self.recorded(&attempt, outcome).await;
            };
            let outcome = self
                .check_code(&challenge, &found.mfa_serials, &code, &keys, r.now)
                .await;
            return self.recorded(&attempt, outcome).await;
        }
        let outcome = self
            .after_factors(&challenge, false, &user_key, r.now)
            .await;
        self.recorded(&attempt, outcome).await
    }

    /// The MFA step: the challenge from the password step and a code.
    pub async fn sign_in_mfa(
        &self,
        challenge: &str,
        code: &str,
        source_ip: Option<IpAddr>,
        user_agent: Option<&str>,
        now: OffsetDateTime,
    ) -> SignInOutcome {
        let Some(challenge) = sealed::open::<Challenge>(&self.master_key, challenge, now)
            .filter(|c| c.step == Step::Mfa)
        else {
            let nobody = Attempt {
                account: "-",
                user: "-",
                source_ip,
                user_agent,
                step: "mfa",
                now,
            };
            return self
                .recorded(&nobody, SignInOutcome::Refused(Refusal::ChallengeInvalid))
                .await;
        };
        let keys: Vec<Key> =
            std::iter::once(Key::user(&challenge.account_id, &challenge.user_name))
                .chain(source_ip.map(Key::ip))
                .collect();
        let outcome = match self.gate(&keys, now) {
            Some(refusal) => SignInOutcome::Refused(refusal),
            None => {
                let serials: Vec<String> = {
                    let dir = self.read();
                    dir.account(&challenge.account_id)
                        .map(|a| {
                            a.mfa_devices_of(challenge.user_id.as_deref())
                                .map(|d| d.serial_number.clone())
                                .collect()
                        })
                        .unwrap_or_default()
                };
                self.check_code(&challenge, &serials, code, &keys, now)
                    .await
            }
        };
        let attempt = Attempt {
            account: &challenge.account_id,
            user: &challenge.user_name,
            source_ip,
            user_agent,
            step: "mfa",
            now,
        };
        self.recorded(&attempt, outcome).await
    }

    /// Checks a code against the identity's devices, then goes on to the later steps.
    async fn check_code(
        &self,
        challenge: &Challenge,
        serials: &[String],
        code: &str,
        keys: &[Key],
        now: OffsetDateTime,
    ) -> SignInOutcome {
        let owner = match &challenge.user_id {
            Some(id) => MfaOwner::User(id.clone()),
            None => MfaOwner::Root,
        };
        let code = code.trim();
        let mut accepted = false;
        for serial in serials {
            match self
                .verify_mfa_code(&challenge.account_id, &owner, serial, code, now)
                .await
            {
                Ok(()) => {
                    accepted = true;
                    break;
                }
                Err(MfaFailure::Store) => return SignInOutcome::Refused(Refusal::Unavailable),
                Err(MfaFailure::BadCode | MfaFailure::NoDevice) => {}
            }
        }
        if !accepted {
            self.sign_in_throttle.failure(keys, now);
            return SignInOutcome::Refused(Refusal::Incorrect);
        }
        let user_key = Key::user(&challenge.account_id, &challenge.user_name);
        self.after_factors(challenge, true, &user_key, now).await
    }

    /// Password (and code) proven: a password change if one is due, else the session.
    async fn after_factors(
        &self,
        challenge: &Challenge,
        mfa: bool,
        user_key: &Key,
        now: OffsetDateTime,
    ) -> SignInOutcome {
        let (profile, rules) = {
            let dir = self.read();
            let Some(account) = dir.account(&challenge.account_id) else {
                return SignInOutcome::Refused(Refusal::Incorrect);
            };
            let Some(profile) = account.login_profile(challenge.user_id.as_deref()) else {
                return SignInOutcome::Refused(Refusal::Incorrect);
            };
            (profile.clone(), Rules::of(account.password_policy.as_ref()))
        };
        if fingerprint(&profile.password_hash) != challenge.password {
            return SignInOutcome::Refused(Refusal::ChallengeInvalid);
        }
        // AWS's password policy does not apply to the root user: its password never expires.
        let expired = challenge.user_id.is_some()
            && rules
                .expires(profile.password_changed)
                .is_some_and(|at| at <= now);
        let reason = if expired {
            if rules.hard_expiry() {
                return SignInOutcome::Refused(Refusal::PasswordExpired);
            }
            Some(ChangeReason::Expired)
        } else if profile.password_reset_required {
            Some(ChangeReason::ResetRequired)
        } else {
            None
        };
        if let Some(reason) = reason {
            let next = Challenge {
                step: Step::NewPassword(reason),
                mfa,
                expires: now + CHALLENGE_LIFETIME,
                ..challenge.clone()
            };
            return match sealed::seal(&self.master_key, &next) {
                Ok(challenge) => SignInOutcome::PasswordChangeRequired { challenge, reason },
                Err(_) => SignInOutcome::Refused(Refusal::Unavailable),
            };
        }
        self.open_console_session(challenge, mfa, user_key, now)
            .await
    }

    /// The change-password step: the challenge and the new password.
    pub async fn sign_in_new_password(
        &self,
        challenge: &str,
        new_password: String,
        source_ip: Option<IpAddr>,
        user_agent: Option<&str>,
        now: OffsetDateTime,
    ) -> SignInOutcome {
        let Some(challenge) = sealed::open::<Challenge>(&self.master_key, challenge, now)
            .filter(|c| matches!(c.step, Step::NewPassword(_)))
        else {
            let nobody = Attempt {
                account: "-",
                user: "-",
                source_ip,
                user_agent,
                step: "new-password",
                now,
            };
            return self
                .recorded(&nobody, SignInOutcome::Refused(Refusal::ChallengeInvalid))
                .await;
        };
        let user_key = Key::user(&challenge.account_id, &challenge.user_name);
        let keys: Vec<Key> = std::iter::once(user_key.clone())
            .chain(source_ip.map(Key::ip))
            .collect();
        let outcome = match self.gate(&keys, now) {
            Some(refusal) => SignInOutcome::Refused(refusal),
            None => {
                self.change_at_sign_in(&challenge, new_password, &user_key, now)
                    .await
            }
        };
        let attempt = Attempt {
            account: &challenge.account_id,
            user: &challenge.user_name,
            source_ip,
            user_agent,
            step: "new-password",
            now,
        };
        self.recorded(&attempt, outcome).await
    }

    async fn change_at_sign_in(
        &self,
        challenge: &Challenge,
        new_password: String,
        user_key: &Key,
        now: OffsetDateTime,
    ) -> SignInOutcome {
        let now = now.replace_nanosecond(0).unwrap_or(now);
        let changed = self
            .set_own_password(
                &challenge.account_id,
                challenge.user_id.as_deref(),
                CurrentPassword::Verified(challenge.password.clone()),
                new_password,
                now,
            )
            .await;
        match changed {
            Ok(()) => {}
            Err(e) if e.code == errors::PASSWORD_POLICY_VIOLATION.code => {
                return SignInOutcome::Refused(Refusal::PasswordRejected(e.message));
            }
            Err(e) if e.code == "AccessDenied" => {
                return SignInOutcome::Refused(Refusal::ChallengeInvalid);
            }
            Err(e) if e.code == errors::NO_SUCH_ENTITY.code => {
                return SignInOutcome::Refused(Refusal::Incorrect);
            }
            Err(_) => return SignInOutcome::Refused(Refusal::Unavailable),
        }
        let changed = {
            let dir = self.read();
            dir.account(&challenge.account_id)
                .and_then(|a| a.login_profile(challenge.user_id.as_deref()))
                .map(|p| fingerprint(&p.password_hash))
        };
        let Some(password) = changed else {
            return SignInOutcome::Refused(Refusal::Incorrect);
        };
        let challenge = Challenge {
            password,
            ..challenge.clone()
        };
        self.open_console_session(&challenge, challenge.mfa, user_key, now)
            .await
    }

    /// The end of a successful sign-in: the password's last use is written (the credential
    /// report's `password_last_used`), the user's failures are forgotten, the cookie sealed.
    async fn open_console_session(
        &self,
        challenge: &Challenge,
        mfa: bool,
        user_key: &Key,
        now: OffsetDateTime,
    ) -> SignInOutcome {
        let now = now.replace_nanosecond(0).unwrap_or(now);
        {
            let _writer = self.writer.lock().await;
            let record = {
                let dir = self.read();
                dir.account(&challenge.account_id)
                    .and_then(|a| a.login_profile(challenge.user_id.as_deref()))
                    .map(|p| LoginProfileRecord {
                        last_used: Some(now),
                        ..p.clone()
                    })
            };
            let Some(record) = record else {
                return SignInOutcome::Refused(Refusal::Incorrect);
            };
            if self
                .commit(vec![Change::PutObject(Object::LoginProfile(record))])
                .await
                .is_err()
            {
                return SignInOutcome::Refused(Refusal::Unavailable);
            }
        }
        self.sign_in_throttle.success(user_key);
        let Some(csrf) = random_token() else {
            return SignInOutcome::Refused(Refusal::Unavailable);
        };
        let session = ConsoleSession {
            account_id: challenge.account_id.clone(),
            user_id: challenge.user_id.clone(),
            issued: now,
            expires: now + SESSION_LIFETIME,
            mfa,
            password: challenge.password.clone(),
            csrf,
        };
        match sealed::seal(&self.master_key, &session) {
            Ok(cookie) => SignInOutcome::SignedIn(SignedIn { cookie, session }),
            Err(_) => SignInOutcome::Refused(Refusal::Unavailable),
        }
    }

    /// The console session a cookie holds, if it is still good: sealed by this master key,
    /// not expired, its user still there with the password it signed in with.
    pub fn console_session(&self, cookie: &str, now: OffsetDateTime) -> Option<ConsoleIdentity> {
        let session = sealed::open::<ConsoleSession>(&self.master_key, cookie, now)?;
        let dir = self.read();
        let account = dir.account(&session.account_id)?;
        let (arn, user_name) = match &session.user_id {
            Some(id) => {
                let user = account.user_by_id(id)?;
                (user.arn.clone(), Some(user.record.name.clone()))
            }
            None => (account.root_arn.clone(), None),
        };
        let profile = account.login_profile(session.user_id.as_deref())?;
        if fingerprint(&profile.password_hash) != session.password {
            return None;
        }
        let mfa_devices = account
            .mfa_devices_of(session.user_id.as_deref())
            .map(|d| d.serial_number.clone())
            .collect();
        Some(ConsoleIdentity {
            arn,
            user_name,
            account_alias: account.alias.clone(),
            mfa_devices,
            session,
        })
    }
}
