//! Console passwords: login profiles, `ChangePassword`, and the account password policy.
//!
//! Passwords are checked against the policy and hashed (Argon2id, on the blocking pool: a hash
//! costs tens of milliseconds) before the writer lock is taken; only the hash is stored.

use time::OffsetDateTime;
use warden_protocol::ServiceError;
use warden_protocol::iam::{self, errors};
use warden_store::{
    Change, LoginProfileRecord, Object, ObjectKey, ObjectKind, PasswordPolicyRecord,
};

use super::{account, find_user, named_or_caller, stamp};
use crate::directory::Account;
use crate::password::{self, Rules};
use crate::{Core, RequestCx};

fn no_such_profile(name: &str) -> ServiceError {
    ServiceError::new(
        errors::NO_SUCH_ENTITY,
        format!("Login Profile for User {name} cannot be found."),
    )
}

/// Hashes off the async threads.
pub(crate) async fn hash(password: String) -> Result<String, ServiceError> {
    tokio::task::spawn_blocking(move || password::hash(&password))
        .await
        .map_err(|_| ServiceError::internal())?
        .map_err(|_| ServiceError::internal())
}

/// Verifies off the async threads.
pub(crate) async fn verify(password: String, phc: String) -> bool {
    tokio::task::spawn_blocking(move || password::verify(&password, &phc))
        .await
        .unwrap_or(false)
}

/// How a password change proves the current password.
pub(crate) enum CurrentPassword {
    /// Given with the request (`ChangePassword`): verified here.
    Given(String),
    /// Verified earlier by the sign-in flow, for the password with this fingerprint
    /// ([`crate::signin::fingerprint`], from a sealed sign-in challenge); a password changed
    /// since no longer matches.
    Verified(String),
}

impl std::fmt::Debug for CurrentPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CurrentPassword::Given(_) => f.write_str("Given(<redacted>)"),
            CurrentPassword::Verified(_) => f.write_str("Verified(<fingerprint>)"),
        }
    }
}

pub(crate) fn policy_violation(message: String) -> ServiceError {
    ServiceError::new(errors::PASSWORD_POLICY_VIOLATION, message)
}

/// Whose password an optional `UserName` means: `(user id, name shown)`; the root's is
/// `(None, account id)`.
fn owner(
    account: &Account,
    cx: &RequestCx,
    name: Option<&str>,
) -> Result<(Option<String>, String), ServiceError> {
    Ok(match named_or_caller(account, &cx.caller, name)? {
        Some(user) => (Some(user.record.user_id.clone()), user.record.name.clone()),
        None => (None, account.id().to_owned()),
    })
}

fn profile_output(name: &str, p: &LoginProfileRecord) -> iam::LoginProfile {
    iam::LoginProfile {
        user_name: name.to_owned(),
        create_date: p.created,
        password_reset_required: Some(p.password_reset_required),
    }
}

impl Core {
    pub(crate) async fn create_login_profile_op(
        &self,
        cx: &RequestCx,
        i: iam::CreateLoginProfileRequest,
    ) -> Result<iam::CreateLoginProfileResponse, ServiceError> {
        let Some(new_password) = i.password else {
            return Err(ServiceError::new(
                errors::INVALID_INPUT,
                "Password is required to create a login profile.",
            ));
        };
        let (user_id, name, rules) = {
            let dir = self.read();
            let account = account(&dir, &cx.caller)?;
            let (user_id, name) = owner(account, cx, i.user_name.as_deref())?;
            (user_id, name, Rules::of(account.password_policy.as_ref()))
        };
        if let Some(message) = rules.violation(&new_password, &name) {
            return Err(policy_violation(message));
        }
        let hashed = hash(new_password).await?;
        let now = stamp(cx);
        let _writer = self.writer.lock().await;
        let record = {
            let dir = self.read();
            let account = account(&dir, &cx.caller)?;
            if account.login_profile(user_id.as_deref()).is_some() {
                return Err(ServiceError::new(
                    errors::ENTITY_ALREADY_EXISTS,
                    format!("Login Profile for user {name} already exists."),
                ));
            }
            LoginProfileRecord {
                account_id: account.id().to_owned(),
                user_id,
                password_hash: hashed,
                created: now,
                password_changed: now,
                password_reset_required: i.password_reset_required.unwrap_or(false),
                previous_hashes: Vec::new(),
                last_used: None,
            }
        };
        let output = profile_output(&name, &record);
        self.commit(vec![Change::PutObject(Object::LoginProfile(record))])
            .await?;
        Ok(iam::CreateLoginProfileResponse {
            login_profile: output,
        })
    }

    pub(crate) fn get_login_profile_op(
        &self,
        cx: &RequestCx,
        i: iam::GetLoginProfileRequest,
    ) -> Result<iam::GetLoginProfileResponse, ServiceError> {
        let dir = self.read();
        let account = account(&dir, &cx.caller)?;
        let (user_id, name) = owner(account, cx, i.user_name.as_deref())?;
        let profile = account
            .login_profile(user_id.as_deref())
            .ok_or_else(|| no_such_profile(&name))?;
        Ok(iam::GetLoginProfileResponse {
            login_profile: profile_output(&name, profile),
        })
    }

    /// An administrator's password reset: the policy applies, reuse prevention does not (AWS
    /// applies it only to a user's own changes).
    pub(crate) async fn update_login_profile_op(
        &self,
        cx: &RequestCx,
        i: iam::UpdateLoginProfileRequest,
    ) -> Result<(), ServiceError> {
        let (user_id, rules) = {
            let dir = self.read();
            let account = account(&dir, &cx.caller)?;
            let user = find_user(account, &i.user_name)?;
            if account.login_profile(Some(&user.record.user_id)).is_none() {
                return Err(no_such_profile(&user.record.name));
            }
            (
                user.record.user_id.clone(),
                Rules::of(account.password_policy.as_ref()),
            )
        };
        let hashed = match i.password {
            Some(new_password) => {
                if let Some(message) = rules.violation(&new_password, &i.user_name) {
                    return Err(policy_violation(message));
                }
                Some(hash(new_password).await?)
            }
            None => None,
        };
        let now = stamp(cx);
        let _writer = self.writer.lock().await;
        let record = {
            let dir = self.read();
            let account = account(&dir, &cx.caller)?;
            let current = account
                .login_profile(Some(&user_id))
                .ok_or_else(|| no_such_profile(&i.user_name))?;
            let mut record = match hashed {
                Some(h) => password::rotated(current, h, now),
                None => current.clone(),
            };
            if let Some(reset) = i.password_reset_required {
                record.password_reset_required = reset;
            }
            record
        };
        self.commit(vec![Change::PutObject(Object::LoginProfile(record))])
            .await
    }

    pub(crate) async fn delete_login_profile_op(
        &self,
        cx: &RequestCx,
        i: iam::DeleteLoginProfileRequest,
    ) -> Result<(), ServiceError> {
        let _writer = self.writer.lock().await;
        let key = {
            let dir = self.read();
            let account = account(&dir, &cx.caller)?;
            let (user_id, name) = owner(account, cx, i.user_name.as_deref())?;
            if account.login_profile(user_id.as_deref()).is_none() {
                return Err(no_such_profile(&name));
            }
            LoginProfileRecord::owner_key(account.id(), user_id.as_deref())
        };
        self.commit(vec![Change::DeleteObject(ObjectKey {
            kind: ObjectKind::LoginProfile,
            id: key,
        })])
        .await
    }

    /// The caller changes its own password: the old one must match, the new one must follow
    /// the policy, including reuse prevention.
    pub(crate) async fn change_password_op(
        &self,
        cx: &RequestCx,
        i: iam::ChangePasswordRequest,
    ) -> Result<(), ServiceError> {
        let Some(user_id) = cx.caller.user_id.clone() else {
            return Err(ServiceError::new(
                errors::INVALID_USER_TYPE,
                "Only IAM users can change their own password with ChangePassword.",
            ));
        };
        self.set_own_password(
            &cx.caller.account_id,
            Some(&user_id),
            CurrentPassword::Given(i.old_password),
            i.new_password,
            cx.info.now,
        )
        .await
    }

    /// Changes a user's (or, with `None`, the root's) own password: `ChangePassword`, and the
    /// sign-in page's change step, which proved the current password before.
    pub(crate) async fn set_own_password(
        &self,
        account_id: &str,
        user_id: Option<&str>,
        current_password: CurrentPassword,
        new_password: String,
        now: OffsetDateTime,
    ) -> Result<(), ServiceError> {
        let (name, current, rules) = {
            let dir = self.read();
            let account = dir.account(account_id).ok_or_else(ServiceError::internal)?;
            let name = match user_id {
                Some(id) => account
                    .user_by_id(id)
                    .ok_or_else(ServiceError::internal)?
                    .record
                    .name
                    .clone(),
                None => account.id().to_owned(),
            };
            let profile = account
                .login_profile(user_id)
                .ok_or_else(|| no_such_profile(&name))?
                .clone();
            (name, profile, Rules::of(account.password_policy.as_ref()))
        };
        let proven = match current_password {
            CurrentPassword::Given(old) => verify(old, current.password_hash.clone()).await,
            CurrentPassword::Verified(fingerprint) => {
                crate::signin::fingerprint(&current.password_hash) == fingerprint
            }
        };
        if !proven {
            return Err(crate::authz::access_denied(
                "The old password is incorrect.".to_owned(),
            ));
        }
        if rules.hard_expiry()
            && rules
                .expires(current.password_changed)
                .is_some_and(|at| at <= now)
        {
            return Err(crate::authz::access_denied(
                "The password has expired and the account's password policy prevents users \
                 from changing an expired password; an administrator must reset it."
                    .to_owned(),
            ));
        }
        if let Some(message) = rules.violation(&new_password, &name) {
            return Err(policy_violation(message));
        }
        let check = (new_password.clone(), current.clone(), rules.clone());
        let reused = tokio::task::spawn_blocking(move || check.2.reuses(&check.0, &check.1))
            .await
            .map_err(|_| ServiceError::internal())?;
        if let Some(message) = reused {
            return Err(policy_violation(message));
        }
        let hashed = hash(new_password).await?;
        let _writer = self.writer.lock().await;
        let record = {
            let dir = self.read();
            let account = dir.account(account_id).ok_or_else(ServiceError::internal)?;
            let latest = account
                .login_profile(user_id)
                .ok_or_else(|| no_such_profile(&name))?;
            if latest.password_hash != current.password_hash {
                // Changed meanwhile: the old password checked above is no longer current.
                return Err(ServiceError::new(
                    errors::ENTITY_TEMPORARILY_UNMODIFIABLE,
                    "The password was changed by another request; try again.",
                ));
            }
            password::rotated(latest, hashed, now.replace_nanosecond(0).unwrap_or(now))
        };
        self.commit(vec![Change::PutObject(Object::LoginProfile(record))])
            .await
    }

    pub(crate) async fn update_account_password_policy_op(
        &self,
        cx: &RequestCx,
        i: iam::UpdateAccountPasswordPolicyRequest,
    ) -> Result<(), ServiceError> {
        let positive = |v: Option<i32>| v.map_or(0, |v| u32::try_from(v).unwrap_or(0));
        let _writer = self.writer.lock().await;
        let record = {
            let dir = self.read();
            let account = account(&dir, &cx.caller)?;
            // AWS: a parameter left out takes its default, not its previous value.
            PasswordPolicyRecord {
                account_id: account.id().to_owned(),
                minimum_password_length: i
                    .minimum_password_length
                    .map_or(6, |v| u32::try_from(v).unwrap_or(6)),
                require_symbols: i.require_symbols.unwrap_or(false),
                require_numbers: i.require_numbers.unwrap_or(false),
                require_uppercase: i.require_uppercase_characters.unwrap_or(false),
                require_lowercase: i.require_lowercase_characters.unwrap_or(false),
                allow_users_to_change_password: i.allow_users_to_change_password.unwrap_or(false),
                max_password_age: positive(i.max_password_age),
                password_reuse_prevention: positive(i.password_reuse_prevention),
                hard_expiry: i.hard_expiry.unwrap_or(false),
            }
        };
        self.commit(vec![Change::PutObject(Object::PasswordPolicy(record))])
            .await
    }

    pub(crate) fn get_account_password_policy_op(
        &self,
        cx: &RequestCx,
    ) -> Result<iam::GetAccountPasswordPolicyResponse, ServiceError> {
        let dir = self.read();
        let account = account(&dir, &cx.caller)?;
        let p = account.password_policy.as_ref().ok_or_else(|| {
            ServiceError::new(
                errors::NO_SUCH_ENTITY,
                format!(
                    "The Password Policy with domain name {} cannot be found.",
                    account.id()
                ),
            )
        })?;
        let number = |v: u32| (v > 0).then(|| i32::try_from(v).unwrap_or(i32::MAX));
        Ok(iam::GetAccountPasswordPolicyResponse {
            password_policy: iam::PasswordPolicy {
                minimum_password_length: number(p.minimum_password_length),
                require_symbols: Some(p.require_symbols),
                require_numbers: Some(p.require_numbers),
                require_uppercase_characters: Some(p.require_uppercase),
                require_lowercase_characters: Some(p.require_lowercase),
                allow_users_to_change_password: Some(p.allow_users_to_change_password),
                expire_passwords: Some(p.max_password_age > 0),
                max_password_age: number(p.max_password_age),
                password_reuse_prevention: number(p.password_reuse_prevention),
                hard_expiry: (p.max_password_age > 0).then_some(p.hard_expiry),
            },
        })
    }

    pub(crate) async fn delete_account_password_policy_op(
        &self,
        cx: &RequestCx,
    ) -> Result<(), ServiceError> {
        let _writer = self.writer.lock().await;
        let id = {
            let dir = self.read();
            let account = account(&dir, &cx.caller)?;
            if account.password_policy.is_none() {
                return Err(ServiceError::new(
                    errors::NO_SUCH_ENTITY,
                    "The account policy with name PasswordPolicy cannot be found.",
                ));
            }
            account.id().to_owned()
        };
        self.commit(vec![Change::DeleteObject(ObjectKey {
            kind: ObjectKind::PasswordPolicy,
            id,
        })])
        .await
    }
}
