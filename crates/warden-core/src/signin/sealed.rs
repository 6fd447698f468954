//! The sign-in flow's values that travel through the browser: the console session cookie, the
//! challenge between two sign-in steps, and a root MFA enrolment in progress.
//!
//! Each is JSON sealed (AES-256-GCM) under its own key derived from the master key, so nothing
//! is stored, every node that shares the master key accepts them, and none can be altered,
//! forged, or passed off as another kind. Each carries its expiry.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::{CoreError, MasterKey};

/// The largest sealed value opened: a cookie or a form field, never more than a few hundred
/// bytes; anything larger is not ours.
const MAX_SEALED_CHARS: usize = 4096;

/// One kind of sealed value: its key's purpose.
pub(crate) trait Sealed: Serialize + DeserializeOwned {
    const PURPOSE: &'static str;
    fn expires(&self) -> OffsetDateTime;
}

pub(crate) fn seal<T: Sealed>(master: &MasterKey, value: &T) -> Result<String, CoreError> {
    let json = serde_json::to_vec(value).map_err(|e| CoreError::Config(e.to_string()))?;
    let sealed = master.derive(T::PURPOSE)?.seal(&json, T::PURPOSE)?;
    Ok(URL_SAFE_NO_PAD.encode(sealed))
}

/// The value, when `text` was sealed by a holder of this master key as a `T` and has not
/// expired at `now`.
pub(crate) fn open<T: Sealed>(master: &MasterKey, text: &str, now: OffsetDateTime) -> Option<T> {
    if text.len() > MAX_SEALED_CHARS {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(text.trim()).ok()?;
    let json = master
        .derive(T::PURPOSE)
        .ok()?
        .open(&bytes, T::PURPOSE)
        .ok()?;
    let value: T = serde_json::from_slice(&json).ok()?;
    (value.expires() > now).then_some(value)
}

/// A signed-in console user: the cookie's content.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsoleSession {
    pub account_id: String,
    /// `None` for the root user.
    pub user_id: Option<String>,
    #[serde(with = "time::serde::timestamp")]
    pub issued: OffsetDateTime,
    #[serde(with = "time::serde::timestamp")]
    pub expires: OffsetDateTime,
    /// Signed in with an MFA code.
    pub mfa: bool,
    /// The fingerprint of the password the session was opened with
    /// ([`fingerprint`](super::fingerprint)): changing or removing the password ends the
    /// sessions opened with the old one.
    pub password: String,
    /// The token the console's forms must carry (cross-site request forgery).
    pub csrf: String,
}

impl std::fmt::Debug for ConsoleSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsoleSession")
            .field("account_id", &self.account_id)
            .field("user_id", &self.user_id)
            .field("expires", &self.expires)
            .field("mfa", &self.mfa)
            .finish_non_exhaustive()
    }
}

impl Sealed for ConsoleSession {
    const PURPOSE: &'static str = "warden/console-session";
    fn expires(&self) -> OffsetDateTime {
        self.expires
    }
}

/// What the next sign-in step is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Step {
    /// The password was right; an MFA code is next.
    Mfa,
    /// Password (and code) right; a new password is next.
    NewPassword(ChangeReason),
}

/// Why a password must be changed before the console opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChangeReason {
    /// An administrator set `PasswordResetRequired`.
    ResetRequired,
    /// Older than the policy's `MaxPasswordAge`.
    Expired,
}

/// A sign-in half done: proof that the earlier steps succeeded, for the next one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Challenge {
    pub account_id: String,
    pub user_id: Option<String>,
    /// As typed (the throttle's key and the record's).
    pub user_name: String,
    pub step: Step,
    /// The fingerprint of the password proven: a change meanwhile voids the challenge.
    pub password: String,
    pub mfa: bool,
    #[serde(with = "time::serde::timestamp")]
    pub expires: OffsetDateTime,
}

impl Sealed for Challenge {
    const PURPOSE: &'static str = "warden/sign-in-challenge";
    fn expires(&self) -> OffsetDateTime {
        self.expires
    }
}

/// A root MFA device being enrolled: its seed travels sealed until two codes prove it was
/// scanned; nothing is stored before then.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Enrolment {
    pub account_id: String,
    pub seed: Vec<u8>,
    #[serde(with = "time::serde::timestamp")]
    pub expires: OffsetDateTime,
}

impl std::fmt::Debug for Enrolment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Enrolment")
            .field("account_id", &self.account_id)
            .field("expires", &self.expires)
            .finish_non_exhaustive()
    }
}

impl Sealed for Enrolment {
    const PURPOSE: &'static str = "warden/console-mfa-enrolment";
    fn expires(&self) -> OffsetDateTime {
        self.expires
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Duration;

    fn key(byte: u8) -> MasterKey {
        MasterKey::from_bytes(&[byte; 32]).unwrap()
    }

    fn session(expires: OffsetDateTime) -> ConsoleSession {
        ConsoleSession {
            account_id: "111111111111".into(),
            user_id: Some("AIDAEXAMPLE".into()),
            issued: OffsetDateTime::UNIX_EPOCH,
            expires,
            mfa: false,
            password: "fingerprint".into(),
            csrf: "token".into(),
        }
    }

    #[test]
    fn a_sealed_session_opens_only_with_its_key_and_before_it_expires() {
        let now = OffsetDateTime::UNIX_EPOCH + Duration::days(1);
        let value = session(now + Duration::hours(1));
        let text = seal(&key(1), &value).unwrap();
        assert_eq!(open::<ConsoleSession>(&key(1), &text, now), Some(value));
        assert_eq!(open::<ConsoleSession>(&key(2), &text, now), None);
        assert_eq!(
            open::<ConsoleSession>(&key(1), &text, now + Duration::hours(1)),
            None
        );
    }

    #[test]
    fn one_kind_is_never_accepted_as_another() {
        let now = OffsetDateTime::UNIX_EPOCH;
        let challenge = Challenge {
            account_id: "111111111111".into(),
            user_id: None,
            user_name: String::new(),
            step: Step::Mfa,
            password: "fingerprint".into(),
            mfa: false,
            expires: now + Duration::minutes(5),
        };
        let text = seal(&key(1), &challenge).unwrap();
        assert!(open::<Challenge>(&key(1), &text, now).is_some());
        assert_eq!(open::<ConsoleSession>(&key(1), &text, now), None);
    }

    #[test]
    fn altered_or_foreign_text_does_not_open() {
        let now = OffsetDateTime::UNIX_EPOCH;
        let text = seal(&key(1), &session(now + Duration::hours(1))).unwrap();
        let mut altered = text.clone().into_bytes();
        altered[10] = if altered[10] == b'A' { b'B' } else { b'A' };
        let altered = String::from_utf8(altered).unwrap();
        assert_eq!(open::<ConsoleSession>(&key(1), &altered, now), None);
        for junk in ["", "!!!", "AAAA", &"A".repeat(10_000)] {
            assert_eq!(open::<ConsoleSession>(&key(1), junk, now), None);
        }
    }
}
