//! User tags. Tag keys are case-insensitive: setting `Team` replaces `team`.

use warden_protocol::ServiceError;
use warden_protocol::iam::{self, errors};
use warden_store::{Change, Object, Tag};

use super::{account, find_user};
use crate::pagination::paginate;
use crate::{Core, Quotas, RequestCx};

pub(crate) fn output(tags: &[Tag]) -> Vec<iam::Tag> {
    tags.iter()
        .map(|t| iam::Tag {
            key: t.key.clone(),
            value: t.value.clone(),
        })
        .collect()
}

/// `existing` with `new` set over it, by AWS's rules.
pub(crate) fn merge(
    existing: &[Tag],
    new: &[iam::Tag],
    quotas: &Quotas,
) -> Result<Vec<Tag>, ServiceError> {
    for (i, tag) in new.iter().enumerate() {
        if tag.key.to_lowercase().starts_with("aws:") {
            return Err(ServiceError::new(
                errors::INVALID_INPUT,
                "Tag keys starting with 'aws:' are reserved for AWS use.",
            ));
        }
        if new[..i]
            .iter()
            .any(|t| t.key.eq_ignore_ascii_case(&tag.key))
        {
            return Err(ServiceError::new(
                errors::INVALID_INPUT,
                "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
            ));
        }
    }
    let mut merged = existing.to_vec();
    for tag in new {
        let tag = Tag {
            key: tag.key.clone(),
            value: tag.value.clone(),
        };
        match merged
            .iter_mut()
            .find(|t| t.key.eq_ignore_ascii_case(&tag.key))
        {
            Some(old) => *old = tag,
            None => merged.push(tag),
        }
    }
    if merged.len() > quotas.tags_per_entity {
        return Err(ServiceError::new(
            errors::LIMIT_EXCEEDED,
            "The number of tags has reached the maximum limit.",
        ));
    }
    Ok(merged)
}

/// `existing` without the tags `keys` name (keys compare regardless of case).
pub(crate) fn remove(existing: &[Tag], keys: &[String]) -> Vec<Tag> {
    existing
        .iter()
        .filter(|t| !keys.iter().any(|k| k.eq_ignore_ascii_case(&t.key)))
        .cloned()
        .collect()
}

/// One page of tags. Tags keep the order they were set in; the marker key is the position.
pub(crate) fn page(
    tags: &[Tag],
    marker: Option<&str>,
    max_items: Option<i32>,
) -> Result<(Vec<iam::Tag>, bool, Option<String>), ServiceError> {
    let page = paginate(
        tags.iter().enumerate().map(|(i, t)| (format!("{i:05}"), t)),
        marker,
        max_items,
    )?;
    let truncated = page.is_truncated();
    let items = page
        .items
        .iter()
        .map(|t| iam::Tag {
            key: t.key.clone(),
            value: t.value.clone(),
        })
        .collect();
    Ok((items, truncated, page.next))
}

/// The entities other than users that carry tags.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Tagged {
    Role,
    Policy,
    InstanceProfile,
    ServerCertificate,
    OidcProvider,
    SamlProvider,
    MfaDevice,
}

impl Core {
    /// The tags of a tagged entity, by name (or ARN for policies).
    fn tags_of(&self, cx: &RequestCx, kind: Tagged, id: &str) -> Result<Vec<Tag>, ServiceError> {
        let dir = self.read();
        let account = account(&dir, &cx.caller)?;
        Ok(match kind {
            Tagged::Role => super::find_role(account, id)?.record.tags.clone(),
            Tagged::Policy => super::find_policy(account, id)?.record.tags.clone(),
            Tagged::InstanceProfile => super::profiles::find_profile(account, id)?
                .record
                .tags
                .clone(),
            Tagged::ServerCertificate => super::credentials::find_server_certificate(account, id)?
                .tags
                .clone(),
            Tagged::OidcProvider => super::oidc::find_provider(account, id)?.tags.clone(),
            Tagged::SamlProvider => super::saml::find_provider(account, id)?.tags.clone(),
            Tagged::MfaDevice => super::mfa::find_device(account, id)?.tags.clone(),
        })
    }

    /// Rewrites an entity's tags with `change`.
    pub(crate) async fn retag(
        &self,
        cx: &RequestCx,
        kind: Tagged,
        id: &str,
        tagging: bool,
        change: impl FnOnce(&[Tag]) -> Result<Vec<Tag>, ServiceError>,
    ) -> Result<(), ServiceError> {
        let _writer = self.writer.lock().await;
        let object = {
            let dir = self.read();
            let account = account(&dir, &cx.caller)?;
            match kind {
                Tagged::Role => {
                    let mut r = super::find_role(account, id)?.record.clone();
                    r.tags = change(&r.tags)?;
                    Object::Role(r)
                }
                Tagged::Policy => {
                    let action = if tagging {
                        "iam:TagPolicy"
                    } else {
                        "iam:UntagPolicy"
                    };
                    let mut r = super::find_own_policy(account, &cx.caller, id, action)?
                        .record
                        .clone();
                    r.tags = change(&r.tags)?;
                    Object::ManagedPolicy(r)
                }
                Tagged::InstanceProfile => {
                    let mut r = super::profiles::find_profile(account, id)?.record.clone();
                    r.tags = change(&r.tags)?;
                    Object::InstanceProfile(r)
                }
                Tagged::ServerCertificate => {
                    let mut r = super::credentials::find_server_certificate(account, id)?.clone();
                    r.tags = change(&r.tags)?;
                    Object::ServerCertificate(r)
                }
                Tagged::OidcProvider => {
                    let mut r = super::oidc::find_provider(account, id)?.clone();
                    r.tags = change(&r.tags)?;
                    Object::OidcProvider(r)
                }
                Tagged::SamlProvider => {
                    let mut r = super::saml::find_provider(account, id)?.clone();
                    r.tags = change(&r.tags)?;
                    Object::SamlProvider(r)
                }
                Tagged::MfaDevice => {
                    let mut r = super::mfa::find_device(account, id)?.clone();
                    r.tags = change(&r.tags)?;
                    Object::MfaDevice(r)
                }
            }
        };
        self.commit(vec![Change::PutObject(object)]).await
    }

    pub(crate) async fn tag(
        &self,
        cx: &RequestCx,
        kind: Tagged,
        id: &str,
        tags: &[iam::Tag],
    ) -> Result<(), ServiceError> {
        self.retag(cx, kind, id, true, |old| merge(old, tags, &self.quotas))
            .await
    }

    pub(crate) async fn untag(
        &self,
        cx: &RequestCx,
        kind: Tagged,
        id: &str,
        keys: &[String],
    ) -> Result<(), ServiceError> {
        self.retag(cx, kind, id, false, |old| Ok(remove(old, keys)))
            .await
    }

    pub(crate) fn list_tags(
        &self,
        cx: &RequestCx,
        kind: Tagged,
        id: &str,
        marker: Option<&str>,
        max_items: Option<i32>,
    ) -> Result<(Vec<iam::Tag>, bool, Option<String>), ServiceError> {
        page(&self.tags_of(cx, kind, id)?, marker, max_items)
    }

    pub(crate) async fn tag_user_op(
        &self,
        cx: &RequestCx,
        input: iam::TagUserRequest,
    ) -> Result<(), ServiceError> {
        let _writer = self.writer.lock().await;
        let record = {
            let dir = self.read();
            let user = find_user(account(&dir, &cx.caller)?, &input.user_name)?;
            let mut record = user.record.clone();
            record.tags = merge(&record.tags, &input.tags, &self.quotas)?;
            record
        };
        self.commit(vec![Change::PutUser(record)]).await
    }

    pub(crate) async fn untag_user_op(
        &self,
        cx: &RequestCx,
        input: iam::UntagUserRequest,
    ) -> Result<(), ServiceError> {
        let _writer = self.writer.lock().await;
        let record = {
            let dir = self.read();
            let user = find_user(account(&dir, &cx.caller)?, &input.user_name)?;
            let mut record = user.record.clone();
            record.tags = remove(&record.tags, &input.tag_keys);
            record
        };
        self.commit(vec![Change::PutUser(record)]).await
    }

    pub(crate) fn list_user_tags_op(
        &self,
        cx: &RequestCx,
        input: iam::ListUserTagsRequest,
    ) -> Result<iam::ListUserTagsResponse, ServiceError> {
        let dir = self.read();
        let user = find_user(account(&dir, &cx.caller)?, &input.user_name)?;
        let (tags, truncated, marker) =
            page(&user.record.tags, input.marker.as_deref(), input.max_items)?;
        Ok(iam::ListUserTagsResponse {
            tags,
            is_truncated: Some(truncated),
            marker,
        })
    }
}
