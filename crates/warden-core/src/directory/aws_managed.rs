//! AWS managed policies in an account. They exist in every account without being stored: the
//! catalog holds them. An account keeps its own copy of one only once it is attached or used as
//! a boundary there, for its per-account usage counts and its compiled default version.

use std::borrow::Cow;
use std::collections::BTreeSet;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use warden_catalog::{AwsManagedPolicy, aws_managed_policies};
use warden_policy::CompiledPolicy;
use warden_store::{ManagedPolicyRecord, PolicyVersionRecord};

use super::{Account, ManagedPolicy};

/// The account AWS managed policies belong to, as their ARNs say.
pub const AWS_ACCOUNT: &str = "aws";

/// Whether `arn` names an AWS managed policy (`arn:PARTITION:iam::aws:policy/…`).
pub fn is_aws_managed_arn(arn: &str) -> bool {
    arn.split(':').nth(4) == Some(AWS_ACCOUNT) && arn.split(':').nth(2) == Some("iam")
}

fn date(text: &str) -> OffsetDateTime {
    OffsetDateTime::parse(text, &Rfc3339).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// How much of a catalog policy to build: listing 1,500 policies must neither copy nor compile
/// their documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// Name, path, dates, default version id: what `ListPolicies` shows.
    Listing,
    /// With the default version's document.
    Document,
    /// With the document compiled, for an account that attaches the policy.
    Compiled,
}

/// The catalog policy as an unused managed policy of this partition.
pub(super) fn from_catalog(
    partition: &str,
    policy: &AwsManagedPolicy,
    detail: Detail,
) -> ManagedPolicy {
    let updated = date(&policy.updated);
    let versions = match detail {
        Detail::Listing => Vec::new(),
        Detail::Document | Detail::Compiled => vec![PolicyVersionRecord {
            version_id: policy.default_version.clone(),
            document: policy.document.clone(),
            created: updated,
        }],
    };
    ManagedPolicy {
        record: ManagedPolicyRecord {
            policy_id: policy.policy_id.clone(),
            account_id: AWS_ACCOUNT.to_owned(),
            name: policy.name.clone(),
            path: policy.path.clone(),
            description: None,
            created: date(&policy.created),
            updated,
            default_version: policy.default_version.clone(),
            versions,
            next_version: 0,
            tags: Vec::new(),
        },
        arn: policy.arn_in(partition),
        compiled: match detail {
            Detail::Compiled => CompiledPolicy::parse(&policy.document).ok(),
            Detail::Listing | Detail::Document => None,
        },
        attached_to: BTreeSet::new(),
        boundary_of: BTreeSet::new(),
    }
}

impl Account {
    /// The catalog's policy an ARN of this account's partition names.
    fn catalog_policy(&self, arn: &str) -> Option<&'static AwsManagedPolicy> {
        if !arn.starts_with(&format!("arn:{}:", self.partition)) {
            return None;
        }
        match aws_managed_policies() {
            Ok(all) => all.by_arn(arn),
            Err(e) => {
                tracing::error!(error = %e, "the AWS managed policies are unavailable");
                None
            }
        }
    }

    /// An AWS managed policy as this account sees it.
    pub fn aws_managed_by_arn(&self, arn: &str) -> Option<Cow<'_, ManagedPolicy>> {
        Some(self.aws_managed_view(self.catalog_policy(arn)?, Detail::Document))
    }

    /// A catalog policy as this account sees it: its own copy when it uses the policy, else a
    /// fresh, unused one.
    pub fn aws_managed_view(
        &self,
        policy: &AwsManagedPolicy,
        detail: Detail,
    ) -> Cow<'_, ManagedPolicy> {
        match self.aws_policies.get(&policy.name) {
            Some(used) => Cow::Borrowed(used),
            None => Cow::Owned(from_catalog(&self.partition, policy, detail)),
        }
    }

    /// This account's copy of an AWS managed policy, made on first use.
    pub(super) fn aws_managed_mut(&mut self, arn: &str) -> Option<&mut ManagedPolicy> {
        let policy = self.catalog_policy(arn)?;
        let partition = self.partition.clone();
        Some(
            self.aws_policies
                .entry(policy.name.clone())
                .or_insert_with(|| from_catalog(&partition, policy, Detail::Compiled)),
        )
    }

    /// The AWS managed policies this account uses (attached or as a boundary), by name.
    pub fn used_aws_policies(&self) -> impl Iterator<Item = &ManagedPolicy> {
        self.aws_policies.values()
    }
}

#[cfg(test)]
mod tests {
    use super::is_aws_managed_arn;

    #[test]
    fn aws_managed_arns_are_told_apart() {
        assert!(is_aws_managed_arn("arn:aws:iam::aws:policy/ReadOnlyAccess"));
        assert!(is_aws_managed_arn(
            "arn:aws-cn:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
        ));
        assert!(!is_aws_managed_arn("arn:aws:iam::123456789012:policy/aws"));
        assert!(!is_aws_managed_arn("arn:aws:s3:::aws"));
    }
}
