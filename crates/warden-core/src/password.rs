//! Passwords: Argon2id hashing and the account password policy's rules.
//!
//! Only PHC-format Argon2id hashes are kept. A password is checked against the policy when it
//! is set or changed, never stored, never logged.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use time::{Duration, OffsetDateTime};
use warden_store::{LoginProfileRecord, PasswordPolicyRecord};

/// The symbols AWS counts as non-alphanumeric characters in passwords.
pub const SYMBOLS: &str = "!@#$%^&*()_+-=[]{}|'";

/// How many previous hashes a login profile keeps: AWS's largest reuse-prevention setting.
pub const MAX_REMEMBERED: usize = 24;

fn hasher() -> Argon2<'static> {
    // OWASP's first Argon2id recommendation (19 MiB, 2 passes, 1 lane), which is also the
    // crate's default.
    Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::default())
}

/// A PHC string for `password` with a fresh random salt.
pub fn hash(password: &str) -> Result<String, PasswordError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|_| PasswordError::Random)?;
    let salt = SaltString::encode_b64(&salt).map_err(|_| PasswordError::Random)?;
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| PasswordError::Hash)
}

/// Whether `password` is the one `phc` was made from. A malformed hash matches nothing.
pub fn verify(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|parsed| {
            hasher()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("the operating system gave no randomness")]
    Random,
    #[error("hashing failed")]
    Hash,
}

/// The rules in force for an account: its policy, or AWS's default when it has none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    pub custom: Option<PasswordPolicyRecord>,
}

impl Rules {
    pub fn of(policy: Option<&PasswordPolicyRecord>) -> Rules {
        Rules {
            custom: policy.cloned(),
        }
    }

    /// The first rule `password` breaks, in AWS's words; `user_name` is the user's (or the
    /// account's) name, which AWS's default policy forbids as a password.
    pub fn violation(&self, password: &str, user_name: &str) -> Option<String> {
        let length = password.chars().count();
        let upper = password.chars().any(|c| c.is_ascii_uppercase());
        let lower = password.chars().any(|c| c.is_ascii_lowercase());
        let number = password.chars().any(|c| c.is_ascii_digit());
        let symbol = password.chars().any(|c| SYMBOLS.contains(c));
        let Some(policy) = &self.custom else {
            // AWS's default: at least 8 characters, three of the four kinds, and not the name.
            if length < 8 {
                return Some("Password should have a minimum length of 8".to_owned());
            }
            let kinds = [upper, lower, number, symbol]
                .iter()
                .filter(|k| **k)
                .count();
            if kinds < 3 {
                return Some(
                    "Password should contain at least three of the following: uppercase \
                     letters, lowercase letters, numbers, and symbols"
                        .to_owned(),
                );
            }
            if password.eq_ignore_ascii_case(user_name) {
                return Some("Password should not be the same as the user name".to_owned());
            }
            return None;
        };
        if length < policy.minimum_password_length as usize {
            return Some(format!(
                "Password should have a minimum length of {}",
                policy.minimum_password_length
            ));
        }
        let required = [
            (policy.require_lowercase, lower, "one lowercase letter"),
            (policy.require_uppercase, upper, "one uppercase letter"),
            (policy.require_numbers, number, "one number"),
            (policy.require_symbols, symbol, "one symbol"),
        ];
        required
            .iter()
            .find(|(wanted, has, _)| *wanted && !has)
            .map(|(_, _, what)| format!("Password should have at least {what}"))
    }

    /// Whether `password` is one of the profile's last N passwords (current one included), when
    /// the policy prevents reuse.
    pub fn reuses(&self, password: &str, profile: &LoginProfileRecord) -> Option<String> {
        let n = self.custom.as_ref()?.password_reuse_prevention as usize;
        if n == 0 {
            return None;
        }
        let recent = std::iter::once(&profile.password_hash).chain(&profile.previous_hashes);
        recent
            .take(n)
            .any(|h| verify(password, h))
            .then(|| format!("Password should not be one of your previous {n} passwords"))
    }

    /// When a password set at `changed` expires; `None` when passwords do not.
    pub fn expires(&self, changed: OffsetDateTime) -> Option<OffsetDateTime> {
        let days = self.custom.as_ref()?.max_password_age;
        (days > 0).then(|| changed + Duration::days(i64::from(days)))
    }

    pub fn users_may_change(&self) -> bool {
        self.custom
            .as_ref()
            .is_some_and(|p| p.allow_users_to_change_password)
    }

    pub fn hard_expiry(&self) -> bool {
        self.custom.as_ref().is_some_and(|p| p.hard_expiry)
    }
}

/// The profile after a password change: the old hash joins the remembered ones.
pub fn rotated(
    profile: &LoginProfileRecord,
    new_hash: String,
    now: OffsetDateTime,
) -> LoginProfileRecord {
    let mut previous = Vec::with_capacity(MAX_REMEMBERED);
    previous.push(profile.password_hash.clone());
    previous.extend(profile.previous_hashes.iter().cloned());
    previous.truncate(MAX_REMEMBERED);
    LoginProfileRecord {
        password_hash: new_hash,
        password_changed: now,
        password_reset_required: false,
        previous_hashes: previous,
        ..profile.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> PasswordPolicyRecord {
        PasswordPolicyRecord {
            account_id: "123456789012".into(),
            minimum_password_length: 10,
            require_symbols: true,
            require_numbers: true,
            require_uppercase: true,
            require_lowercase: true,
            allow_users_to_change_password: true,
            max_password_age: 90,
            password_reuse_prevention: 2,
            hard_expiry: false,
        }
    }

    #[test]
    fn a_hash_verifies_its_password_only() {
        let h = hash("Correct-Horse-1").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("Correct-Horse-1", &h));
        assert!(!verify("Correct-Horse-2", &h));
        assert!(!verify("Correct-Horse-1", "not a hash"));
        // Salted: the same password hashes differently.
        assert_ne!(h, hash("Correct-Horse-1").unwrap());
    }

    #[test]
    fn each_custom_rule_is_enforced() {
        let rules = Rules::of(Some(&policy()));
        assert_eq!(
            rules.violation("Ab1!", "u").as_deref(),
            Some("Password should have a minimum length of 10")
        );
        assert_eq!(
            rules.violation("ABCDEFGH1!", "u").as_deref(),
            Some("Password should have at least one lowercase letter")
        );
        assert_eq!(
            rules.violation("abcdefgh1!", "u").as_deref(),
            Some("Password should have at least one uppercase letter")
        );
        assert_eq!(
            rules.violation("Abcdefghi!", "u").as_deref(),
            Some("Password should have at least one number")
        );
        assert_eq!(
            rules.violation("Abcdefghi1", "u").as_deref(),
            Some("Password should have at least one symbol")
        );
        assert_eq!(rules.violation("Abcdefgh1!", "u"), None);
    }

    #[test]
    fn the_default_policy_wants_eight_characters_of_three_kinds() {
        let rules = Rules::of(None);
        assert!(rules.violation("Ab1!", "u").is_some());
        assert!(rules.violation("abcdefgh1", "u").is_some());
        assert_eq!(rules.violation("abcdefgH1", "u"), None);
        assert!(rules.violation("Alice-2024", "alice-2024").is_some());
    }

    #[test]
    fn reuse_prevention_remembers_the_last_n() {
        let now = OffsetDateTime::UNIX_EPOCH;
        let first = LoginProfileRecord {
            account_id: "123456789012".into(),
            user_id: Some("AIDA".into()),
            password_hash: hash("One-password-1").unwrap(),
            created: now,
            password_changed: now,
            password_reset_required: false,
            previous_hashes: Vec::new(),
            last_used: None,
        };
        let second = rotated(&first, hash("Two-password-2").unwrap(), now);
        let third = rotated(&second, hash("Three-password-3").unwrap(), now);
        let rules = Rules::of(Some(&policy()));
        // N = 2: the current and the one before are refused, the oldest is allowed again.
        assert!(rules.reuses("Three-password-3", &third).is_some());
        assert!(rules.reuses("Two-password-2", &third).is_some());
        assert!(rules.reuses("One-password-1", &third).is_none());
        assert!(Rules::of(None).reuses("Three-password-3", &third).is_none());
    }

    #[test]
    fn passwords_expire_after_the_maximum_age() {
        let rules = Rules::of(Some(&policy()));
        let changed = OffsetDateTime::UNIX_EPOCH;
        assert_eq!(rules.expires(changed), Some(changed + Duration::days(90)));
        assert_eq!(Rules::of(None).expires(changed), None);
    }
}
