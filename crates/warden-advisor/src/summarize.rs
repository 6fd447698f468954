//! `summarize`: what a policy grants, per service and access level, as the IAM console's policy
//! summary shows it.
//!
//! A level is *full* when the policy allows every action of that level in the service, on all
//! resources, without conditions; *limited* when it allows some of them, or all of them only on
//! some resources or under conditions; *none* otherwise. Deny statements are subtracted only
//! where they deny unconditionally on every resource: a conditional or resource-specific Deny
//! narrows a grant in ways a per-level summary cannot show, so, like the console, the summary
//! leaves them out.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt::Write as _;

use serde::Serialize;
use warden_catalog::{AccessLevel, Action, Service, ServiceReference, service_reference};
use warden_policy::PolicyDocument;
use warden_policy::document::{Effect, Statement};

use crate::AdvisorError;
use crate::glob::{arn_overlaps, variables_as_stars};

/// How much of an access level a policy grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Access {
    Full,
    Limited,
    None,
}

impl Access {
    pub fn name(self) -> &'static str {
        match self {
            Access::Full => "Full",
            Access::Limited => "Limited",
            Access::None => "None",
        }
    }
}

/// One access level of one service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LevelSummary {
    pub level: AccessLevel,
    pub access: Access,
    /// How many of the level's actions are allowed at all.
    pub granted: usize,
    /// How many actions of the level the service has.
    pub total: usize,
    /// The allowed actions (`s3:GetObject`), listed only when not all of the level's are.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<String>,
    /// The resources that limit the grant (`NOT arn:…` for `NotResource`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<String>,
    /// The condition keys that limit the grant.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub condition_keys: Vec<String>,
}

/// One service the policy grants something in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceSummary {
    pub prefix: String,
    pub name: String,
    /// Every access level, in the order List, Read, Write, Permissions management, Tagging.
    pub levels: Vec<LevelSummary>,
}

/// What a policy grants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// In prefix order.
    pub services: Vec<ServiceSummary>,
    /// Allowed action names the reference does not know (they grant nothing it can describe).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown_actions: Vec<String>,
}

/// Summarizes policy text. Fails only when the text is not a policy.
pub fn summarize(text: &str) -> Result<Summary, AdvisorError> {
    let reference = service_reference()?;
    let doc = PolicyDocument::parse(text)?;
    let mut denied: HashSet<(&str, &str)> = HashSet::new();
    for st in doc.statements.iter().filter(|s| s.effect == Effect::Deny) {
        let everywhere = st
            .resource
            .as_ref()
            .is_none_or(|r| !r.negated && r.values.iter().any(|v| v == "*"));
        if everywhere && st.conditions.is_empty() {
            for (service, action) in statement_actions(reference, st) {
                denied.insert((&service.prefix, &action.name));
            }
        }
    }
    let mut grants: BTreeMap<&str, (&Service, BTreeMap<AccessLevel, Grant>)> = BTreeMap::new();
    let mut unknown_actions = BTreeSet::new();
    for st in doc.statements.iter().filter(|s| s.effect == Effect::Allow) {
        if let Some(action) = st.action.as_ref().filter(|a| !a.negated) {
            for value in &action.values {
                if reference.expand(value).is_empty() {
                    unknown_actions.insert(value.clone());
                }
            }
        }
        let unrestricted = st.conditions.is_empty()
            && st
                .resource
                .as_ref()
                .is_none_or(|r| !r.negated && r.values.iter().any(|v| v == "*"));
        let keys: Vec<&str> = st.conditions.iter().map(|c| c.key.as_str()).collect();
        for (service, action) in statement_actions(reference, st) {
            if denied.contains(&(service.prefix.as_str(), action.name.as_str())) {
                continue;
            }
            let grant = grants
                .entry(&service.prefix)
                .or_insert_with(|| (service, BTreeMap::new()))
                .1
                .entry(action.access_level)
                .or_default();
            grant.granted.insert(&action.name);
            if unrestricted {
                grant.unrestricted.insert(&action.name);
                continue;
            }
            grant
                .condition_keys
                .extend(keys.iter().map(|k| (*k).to_owned()));
            if let Some(resource) = &st.resource {
                for value in &resource.values {
                    if value == "*" {
                        continue;
                    }
                    if resource.negated {
                        grant.resources.insert(format!("NOT {value}"));
                    } else if applies_to(service, action, value) {
                        grant.resources.insert(value.clone());
                    }
                }
            }
        }
    }
    let services = grants
        .into_values()
        .map(|(service, levels)| summarize_service(service, levels))
        .collect();
    Ok(Summary {
        services,
        unknown_actions: unknown_actions.into_iter().collect(),
    })
}

/// What the Allow statements grant at one level of one service.
#[derive(Default)]
struct Grant<'a> {
    granted: BTreeSet<&'a str>,
    unrestricted: HashSet<&'a str>,
    resources: BTreeSet<String>,
    condition_keys: BTreeSet<String>,
}

/// Whether a resource of a statement can be one the action works on: actions without resource
/// types take only `*`, so a specific ARN does not limit them, it just does not apply.
fn applies_to(service: &Service, action: &Action, resource: &str) -> bool {
    let arn = variables_as_stars(resource);
    action
        .resource_types
        .iter()
        .filter_map(|(name, _)| service.resource(name))
        .any(|r| arn_overlaps(&r.arn_wildcard(), &arn))
}

/// The actions a statement's `Action` or `NotAction` covers.
fn statement_actions<'r>(
    reference: &'r ServiceReference,
    st: &Statement,
) -> Vec<(&'r Service, &'r Action)> {
    let Some(element) = &st.action else {
        return Vec::new();
    };
    if !element.negated {
        return element
            .values
            .iter()
            .flat_map(|v| reference.expand(v))
            .collect();
    }
    let excluded: HashSet<(&str, &str)> = element
        .values
        .iter()
        .flat_map(|v| reference.expand(v))
        .map(|(s, a)| (s.prefix.as_str(), a.name.as_str()))
        .collect();
    reference
        .expand("*")
        .into_iter()
        .filter(|(s, a)| !excluded.contains(&(s.prefix.as_str(), a.name.as_str())))
        .collect()
}

fn summarize_service(
    service: &Service,
    mut levels: BTreeMap<AccessLevel, Grant<'_>>,
) -> ServiceSummary {
    let levels = AccessLevel::ALL
        .into_iter()
        .map(|level| {
            let total = service
                .actions
                .iter()
                .filter(|a| a.access_level == level)
                .count();
            let grant = levels.remove(&level).unwrap_or_default();
            let granted = grant.granted.len();
            let access = if granted == 0 {
                Access::None
            } else if grant.unrestricted.len() == total {
                Access::Full
            } else {
                Access::Limited
            };
            let actions = if granted < total {
                grant
                    .granted
                    .iter()
                    .map(|name| format!("{}:{name}", service.prefix))
                    .collect()
            } else {
                Vec::new()
            };
            let limited = access == Access::Limited;
            LevelSummary {
                level,
                access,
                granted,
                total,
                actions,
                resources: if limited {
                    grant.resources.into_iter().collect()
                } else {
                    Vec::new()
                },
                condition_keys: if limited {
                    grant.condition_keys.into_iter().collect()
                } else {
                    Vec::new()
                },
            }
        })
        .collect();
    ServiceSummary {
        prefix: service.prefix.clone(),
        name: service.name.clone(),
        levels,
    }
}

/// How many allowed actions the text rendering lists before abbreviating.
const TEXT_ACTIONS: usize = 8;

impl Summary {
    /// The summary as text: one block per service, one line per access level.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        if self.services.is_empty() {
            out.push_str("This policy grants no access to any known service.\n");
        }
        for service in &self.services {
            let _ = writeln!(out, "{} ({})", service.name, service.prefix);
            for level in &service.levels {
                let _ = write!(
                    out,
                    "  {}: {} ({} of {} actions)",
                    level.level,
                    level.access.name(),
                    level.granted,
                    level.total
                );
                if !level.actions.is_empty() {
                    let shown: Vec<&str> = level
                        .actions
                        .iter()
                        .take(TEXT_ACTIONS)
                        .map(String::as_str)
                        .collect();
                    let _ = write!(out, ": {}", shown.join(", "));
                    if level.actions.len() > TEXT_ACTIONS {
                        let _ = write!(out, ", and {} more", level.actions.len() - TEXT_ACTIONS);
                    }
                }
                if !level.resources.is_empty() {
                    let _ = write!(out, "; resources: {}", level.resources.join(", "));
                }
                if !level.condition_keys.is_empty() {
                    let _ = write!(out, "; conditions: {}", level.condition_keys.join(", "));
                }
                out.push('\n');
            }
        }
        if !self.unknown_actions.is_empty() {
            let _ = writeln!(
                out,
                "Unrecognized actions: {}",
                self.unknown_actions.join(", ")
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
    use super::*;

    fn level<'s>(summary: &'s Summary, prefix: &str, level: AccessLevel) -> &'s LevelSummary {
        summary
            .services
            .iter()
            .find(|s| s.prefix == prefix)
            .and_then(|s| s.levels.iter().find(|l| l.level == level))
            .unwrap()
    }

    #[test]
    fn full_limited_and_none() {
        let s = summarize(
            r#"{"Version":"2012-10-17","Statement":[
              {"Effect":"Allow","Action":"s3:List*","Resource":"*"},
              {"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::b/*","arn:aws:s3:::b"]},
              {"Effect":"Allow","Action":"s3:PutObject","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}"#,
        )
        .unwrap();
        assert_eq!(s.services.len(), 1);
        assert_eq!(s.services[0].name, "Amazon S3");
        assert_eq!(level(&s, "s3", AccessLevel::List).access, Access::Full);
        let read = level(&s, "s3", AccessLevel::Read);
        assert_eq!(read.access, Access::Limited);
        assert_eq!(read.actions, ["s3:GetObject"]);
        // Only the object ARN applies to GetObject.
        assert_eq!(read.resources, ["arn:aws:s3:::b/*"]);
        let write = level(&s, "s3", AccessLevel::Write);
        assert_eq!(write.access, Access::Limited);
        assert_eq!(write.condition_keys, ["aws:SourceIp"]);
        assert_eq!(level(&s, "s3", AccessLevel::Tagging).access, Access::None);
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["services"][0]["levels"][0]["access"], "full");
        assert_eq!(
            json["services"][0]["levels"][3]["level"],
            "Permissions management"
        );
        let text = s.to_text();
        assert!(text.contains("Amazon S3 (s3)\n  List: Full"), "{text}");
        assert!(text.contains("Read: Limited (1 of"), "{text}");
    }

    #[test]
    fn unconditional_deny_everywhere_subtracts() {
        let s = summarize(
            r#"{"Version":"2012-10-17","Statement":[
              {"Effect":"Allow","Action":"iam:*","Resource":"*"},
              {"Effect":"Deny","Action":"iam:Delete*","Resource":"*"},
              {"Effect":"Deny","Action":"iam:Get*","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"false"}}}]}"#,
        )
        .unwrap();
        assert_eq!(level(&s, "iam", AccessLevel::Read).access, Access::Full);
        assert_eq!(level(&s, "iam", AccessLevel::List).access, Access::Full);
        let write = level(&s, "iam", AccessLevel::Write);
        assert_eq!(write.access, Access::Limited);
        assert!(write.actions.iter().all(|a| !a.starts_with("iam:Delete")));
    }

    #[test]
    fn not_action_and_unknown_actions() {
        let s = summarize(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"*"},
              {"Effect":"Allow","Action":"s3:Fly","Resource":"*"}]}"#,
        )
        .unwrap();
        assert!(s.services.len() > 300);
        assert!(s.services.iter().all(|svc| svc.prefix != "iam"));
        assert_eq!(s.unknown_actions, ["s3:Fly"]);
        assert!(matches!(summarize("{"), Err(AdvisorError::Parse(_))));
    }
}
