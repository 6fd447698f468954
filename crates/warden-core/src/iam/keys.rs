//! Access keys. Secrets are sealed before they reach the store and shown only once, in the
//! `CreateAccessKey` answer.

use warden_protocol::ServiceError;
use warden_protocol::iam::{self, errors};
use warden_store::{AccessKeyRecord, Change};

use super::{account, limit_exceeded, named_or_caller, stamp};
use crate::directory::{AccessKey, Account};
use crate::pagination::paginate_unsorted;
use crate::{Caller, Core, RequestCx, ids};

fn no_such_key(id: &str) -> ServiceError {
    ServiceError::new(
        errors::NO_SUCH_ENTITY,
        format!("The Access Key with id {id} cannot be found."),
    )
}

fn status(active: bool) -> String {
    if active { "Active" } else { "Inactive" }.to_owned()
}

/// Whose keys an operation acts on: a user's, or the root's (ids and name `None`).
struct KeyOwner<'a> {
    user_id: Option<String>,
    user_name: Option<String>,
    keys: &'a [String],
}

/// The user an optional `UserName` names, the caller when absent.
fn key_owner<'a>(
    account: &'a Account,
    caller: &Caller,
    name: Option<&str>,
) -> Result<KeyOwner<'a>, ServiceError> {
    Ok(match named_or_caller(account, caller, name)? {
        Some(user) => KeyOwner {
            user_id: Some(user.record.user_id.clone()),
            user_name: Some(user.record.name.clone()),
            keys: &user.keys,
        },
        None => KeyOwner {
            user_id: None,
            user_name: None,
            keys: &account.root_keys,
        },
    })
}

/// The key `id`, if it belongs to the owner's key list.
fn owned_key<'a>(
    keys: &'a std::collections::HashMap<String, AccessKey>,
    owned: &[String],
    id: &str,
) -> Result<&'a AccessKey, ServiceError> {
    if !owned.iter().any(|k| k == id) {
        return Err(no_such_key(id));
    }
    keys.get(id).ok_or_else(|| no_such_key(id))
}

impl Core {
    pub(crate) async fn create_access_key_op(
        &self,
        cx: &RequestCx,
        input: iam::CreateAccessKeyRequest,
    ) -> Result<iam::CreateAccessKeyResponse, ServiceError> {
        self.create_access_key(cx, input.user_name.as_deref(), None)
            .await
    }

    /// Creates an access key for `user_name` (the caller when `None`): a new random one, or the
    /// `(id, secret)` given by a dev-mode seed.
    pub(crate) async fn create_access_key(
        &self,
        cx: &RequestCx,
        user_name: Option<&str>,
        given: Option<(String, String)>,
    ) -> Result<iam::CreateAccessKeyResponse, ServiceError> {
        let _writer = self.writer.lock().await;
        let (id, secret) = match given {
            Some((id, secret)) => {
                if self.read().keys.contains_key(&id) {
                    return Err(ServiceError::new(
                        errors::ENTITY_ALREADY_EXISTS,
                        format!("Access key {id} already exists."),
                    ));
                }
                (id, secret)
            }
            None => (
                ids::access_key_id().map_err(|_| ServiceError::internal())?,
                ids::secret_access_key().map_err(|_| ServiceError::internal())?,
            ),
        };
        let (record, user_name) = {
            let dir = self.read();
            let account = account(&dir, &cx.caller)?;
            let KeyOwner {
                user_id: owner,
                user_name,
                keys: existing,
            } = key_owner(account, &cx.caller, user_name)?;
            if existing.len() >= self.quotas.access_keys_per_user {
                return Err(limit_exceeded(
                    "AccessKeysPerUser",
                    self.quotas.access_keys_per_user,
                ));
            }
            let sealed = self
                .master_key
                .seal(secret.as_bytes(), &id)
                .map_err(|_| ServiceError::internal())?;
            (
                AccessKeyRecord {
                    access_key_id: id,
                    account_id: account.id().to_owned(),
                    owner_user_id: owner,
                    sealed_secret: sealed,
                    active: true,
                    created: stamp(cx),
                    last_used: None,
                },
                user_name,
            )
        };
        let output = iam::AccessKey {
            user_name: user_name.unwrap_or_default(),
            access_key_id: record.access_key_id.clone(),
            status: status(true),
            secret_access_key: secret,
            create_date: Some(record.created),
        };
        self.commit(vec![Change::PutAccessKey(record)]).await?;
        Ok(iam::CreateAccessKeyResponse { access_key: output })
    }

    pub(crate) fn list_access_keys_op(
        &self,
        cx: &RequestCx,
        input: iam::ListAccessKeysRequest,
    ) -> Result<iam::ListAccessKeysResponse, ServiceError> {
        let dir = self.read();
        let account = account(&dir, &cx.caller)?;
        let KeyOwner {
            user_name,
            keys: owned,
            ..
        } = key_owner(account, &cx.caller, input.user_name.as_deref())?;
        // Oldest first; the marker key orders by creation time, then id.
        let keys = owned
            .iter()
            .filter_map(|id| dir.keys.get(id))
            .map(|k| {
                let r = &k.record;
                (
                    format!("{:020}{}", r.created.unix_timestamp(), r.access_key_id),
                    r,
                )
            })
            .collect();
        let page = paginate_unsorted(keys, input.marker.as_deref(), input.max_items)?;
        Ok(iam::ListAccessKeysResponse {
            access_key_metadata: page
                .items
                .iter()
                .map(|r| iam::AccessKeyMetadata {
                    user_name: user_name.clone(),
                    access_key_id: Some(r.access_key_id.clone()),
                    status: Some(status(r.active)),
                    create_date: Some(r.created),
                })
                .collect(),
            is_truncated: Some(page.is_truncated()),
            marker: page.next,
        })
    }

    pub(crate) async fn update_access_key_op(
        &self,
        cx: &RequestCx,
        input: iam::UpdateAccessKeyRequest,
    ) -> Result<(), ServiceError> {
        let active = match input.status.as_str() {
            "Active" => true,
            "Inactive" => false,
            other => {
                return Err(ServiceError::new(
                    errors::INVALID_INPUT,
                    format!("Invalid status {other}: an access key is Active or Inactive."),
                ));
            }
        };
        let _writer = self.writer.lock().await;
        {
            let dir = self.read();
            let account = account(&dir, &cx.caller)?;
            let owner = key_owner(account, &cx.caller, input.user_name.as_deref())?;
            owned_key(&dir.keys, owner.keys, &input.access_key_id)?;
        }
        self.commit(vec![Change::SetAccessKeyActive {
            access_key_id: input.access_key_id,
            active,
        }])
        .await
    }

    pub(crate) async fn delete_access_key_op(
        &self,
        cx: &RequestCx,
        input: iam::DeleteAccessKeyRequest,
    ) -> Result<(), ServiceError> {
        let _writer = self.writer.lock().await;
        {
            let dir = self.read();
            let account = account(&dir, &cx.caller)?;
            let owner = key_owner(account, &cx.caller, input.user_name.as_deref())?;
            owned_key(&dir.keys, owner.keys, &input.access_key_id)?;
        }
        self.commit(vec![Change::DeleteAccessKey {
            access_key_id: input.access_key_id.clone(),
        }])
        .await?;
        self.forget_signing_keys(&input.access_key_id);
        Ok(())
    }

    pub(crate) fn get_access_key_last_used_op(
        &self,
        cx: &RequestCx,
        input: iam::GetAccessKeyLastUsedRequest,
    ) -> Result<iam::GetAccessKeyLastUsedResponse, ServiceError> {
        let dir = self.read();
        let account = account(&dir, &cx.caller)?;
        let key = dir
            .keys
            .get(&input.access_key_id)
            .filter(|k| k.record.account_id == account.id())
            .ok_or_else(|| no_such_key(&input.access_key_id))?;
        let user_name = key
            .record
            .owner_user_id
            .as_deref()
            .and_then(|id| account.user_by_id(id))
            .map(|u| u.record.name.clone());
        // Uses not yet flushed to the store are newer than the stored one.
        let last = self
            .key_uses
            .peek(&input.access_key_id)
            .or_else(|| key.record.last_used.clone());
        let last_used = match last {
            Some(used) => iam::AccessKeyLastUsed {
                last_used_date: Some(used.time.replace_nanosecond(0).unwrap_or(used.time)),
                service_name: used.service,
                region: used.region,
            },
            None => iam::AccessKeyLastUsed {
                last_used_date: None,
                service_name: "N/A".to_owned(),
                region: "N/A".to_owned(),
            },
        };
        Ok(iam::GetAccessKeyLastUsedResponse {
            user_name,
            access_key_last_used: Some(last_used),
        })
    }
}
