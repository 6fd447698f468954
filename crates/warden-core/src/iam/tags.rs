//! User tags. Tag keys are case-insensitive: setting `Team` replaces `team`.

use warden_protocol::ServiceError;
use warden_protocol::iam::{self, errors};
use warden_store::{Change, Tag};

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

impl Core {
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
            record.tags.retain(|t| {
                !input
                    .tag_keys
                    .iter()
                    .any(|k| k.eq_ignore_ascii_case(&t.key))
            });
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
        // Tags keep the order they were set in; the marker key is the position.
        let page = paginate(
            user.record
                .tags
                .iter()
                .enumerate()
                .map(|(i, t)| (format!("{i:05}"), t)),
            input.marker.as_deref(),
            input.max_items,
        )?;
        Ok(iam::ListUserTagsResponse {
            tags: page
                .items
                .iter()
                .map(|t| iam::Tag {
                    key: t.key.clone(),
                    value: t.value.clone(),
                })
                .collect(),
            is_truncated: Some(page.is_truncated()),
            marker: page.next,
        })
    }
}
