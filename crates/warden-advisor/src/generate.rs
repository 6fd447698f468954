//! `generate`: a least-privilege identity policy for one service, some access levels and,
//! optionally, the ARNs of the resources to grant on.
//!
//! Every action of the service at the requested levels is allowed, and nothing else. Each
//! action's `Resource` is decided from its resource types (the service authorization
//! reference):
//!
//! - An action without resource types takes only `"Resource": "*"`.
//! - Each given ARN is matched to the service's resource types whose ARN pattern (placeholders
//!   read as `*`) matches it; when several match, only the most specific ones (the most literal
//!   characters) count, so `arn:aws:s3:::b/*` is an object and `arn:aws:s3:::b` a bucket.
//! - An action gets the given ARNs of its resource types. A *required* resource type that got no
//!   ARN adds its ARN pattern with `*` for every placeholder, because the action cannot work
//!   without one; optional types without an ARN are left out once some type got one.
//! - An action none of whose types got an ARN gets the patterns of its required types (of all
//!   its types if none is marked required): that is the whole service's resources of those
//!   types, the least a caller who named no resource can be given.
//!
//! - A pattern that warden-policy's validator refuses (IAM checks resource paths against a list
//!   that predates some of IAM's newer resource types) has its resource part widened to `*`.
//!   The action is still granted only on resources of its own types, since a request for it
//!   names one of them, so the grant does not grow.
//!
//! Actions are grouped into one statement per access level and set of resources, with Sids like
//! `S3ReadObject`. Output is deterministic: levels in the reference's order, then resource type
//! names, then actions by name.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use warden_catalog::{
    AccessLevel, CatalogError, ResourceType, Service, service_reference, wildcard_match,
};
use warden_policy::validate::{PolicyKind, validate_text};

/// Why no policy could be generated.
#[derive(Debug, Clone, thiserror::Error)]
pub enum GenerateError {
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error("unknown service prefix `{0}`")]
    UnknownService(String),
    #[error("no access level given: use list, read, write, permissions or tagging")]
    NoLevels,
    #[error("{service} has no actions at the access levels {levels}")]
    NoActions { service: String, levels: String },
    #[error(
        "`{arn}` is not an ARN: it must look like arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE"
    )]
    InvalidArn { arn: String },
    #[error("`{arn}` is not an ARN of any {service} resource type")]
    UnmatchedArn { arn: String, service: String },
    #[error("cannot write the policy: {0}")]
    Json(String),
}

/// Generates the policy JSON (pretty-printed, `Version` 2012-10-17).
pub fn generate(
    service: &str,
    levels: &[AccessLevel],
    resources: &[String],
) -> Result<String, GenerateError> {
    let reference = service_reference()?;
    let service = reference
        .service(service.trim())
        .ok_or_else(|| GenerateError::UnknownService(service.to_owned()))?;
    let levels: BTreeSet<AccessLevel> = levels.iter().copied().collect();
    if levels.is_empty() {
        return Err(GenerateError::NoLevels);
    }
    let fitted = fit_arns(service, resources)?;
    // (level, resource type names, resources) → actions.
    let mut groups: BTreeMap<(AccessLevel, Vec<String>, Vec<String>), Vec<String>> =
        BTreeMap::new();
    for action in service
        .actions
        .iter()
        .filter(|a| levels.contains(&a.access_level))
    {
        let (types, resources) = action_resources(service, &action.resource_types, &fitted);
        groups
            .entry((action.access_level, types, resources))
            .or_default()
            .push(format!("{}:{}", service.prefix, action.name));
    }
    if groups.is_empty() {
        return Err(GenerateError::NoActions {
            service: service.name.clone(),
            levels: levels
                .iter()
                .map(|l| l.name())
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    let mut sids = BTreeSet::new();
    let statements = groups
        .into_iter()
        .map(|((level, types, resources), mut actions)| {
            actions.sort();
            Statement {
                sid: unique_sid(&mut sids, &sid(&service.prefix, level, &types)),
                effect: "Allow",
                action: Values::of(actions),
                resource: Values::of(resources),
            }
        })
        .collect();
    let doc = Document {
        version: "2012-10-17",
        statement: statements,
    };
    serde_json::to_string_pretty(&doc).map_err(|e| GenerateError::Json(e.to_string()))
}

#[derive(Serialize)]
struct Document {
    #[serde(rename = "Version")]
    version: &'static str,
    #[serde(rename = "Statement")]
    statement: Vec<Statement>,
}

#[derive(Serialize)]
struct Statement {
    #[serde(rename = "Sid")]
    sid: String,
    #[serde(rename = "Effect")]
    effect: &'static str,
    #[serde(rename = "Action")]
    action: Values,
    #[serde(rename = "Resource")]
    resource: Values,
}

/// One value as a string, several as an array, as people write policies.
#[derive(Serialize)]
#[serde(untagged)]
enum Values {
    One(String),
    Many(Vec<String>),
}

impl Values {
    fn of(mut values: Vec<String>) -> Values {
        match values.len() {
            1 => Values::One(values.remove(0)),
            _ => Values::Many(values),
        }
    }
}

/// How many literal (non-placeholder) characters a resource type's pattern has: the more, the
/// more specific.
fn specificity(resource: &ResourceType) -> usize {
    resource
        .arn_wildcard()
        .chars()
        .filter(|&c| c != '*')
        .count()
}

/// Resource type name → the given ARNs that are of that type.
fn fit_arns(
    service: &Service,
    arns: &[String],
) -> Result<BTreeMap<String, Vec<String>>, GenerateError> {
    let mut fitted: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for arn in arns {
        if warden_policy::arn::Arn::parse(arn).is_err() {
            return Err(GenerateError::InvalidArn { arn: arn.clone() });
        }
        let matching: Vec<&ResourceType> = service
            .resources
            .iter()
            .filter(|r| wildcard_match(&r.arn_wildcard(), arn))
            .collect();
        let Some(best) = matching.iter().map(|r| specificity(r)).max() else {
            return Err(GenerateError::UnmatchedArn {
                arn: arn.clone(),
                service: service.name.clone(),
            });
        };
        for r in matching.into_iter().filter(|r| specificity(r) == best) {
            let entry = fitted.entry(r.name.clone()).or_default();
            if !entry.contains(arn) {
                entry.push(arn.clone());
            }
        }
    }
    Ok(fitted)
}

/// The resource type names an action's resources come from, and the resources (sorted).
fn action_resources(
    service: &Service,
    types: &[(String, bool)],
    fitted: &BTreeMap<String, Vec<String>>,
) -> (Vec<String>, Vec<String>) {
    if types.is_empty() {
        return (Vec::new(), vec!["*".to_owned()]);
    }
    let pattern = |name: &str| service.resource(name).map(|r| accepted(&r.arn_wildcard()));
    let mut names = BTreeSet::new();
    let mut resources = BTreeSet::new();
    let any_given = types.iter().any(|(name, _)| fitted.contains_key(name));
    let any_required = types.iter().any(|(_, required)| *required);
    for (name, required) in types {
        if let Some(given) = fitted.get(name) {
            names.insert(name.clone());
            resources.extend(given.iter().cloned());
        } else if (*required || (!any_given && !any_required))
            && let Some(p) = pattern(name)
        {
            names.insert(name.clone());
            resources.insert(p);
        }
    }
    if resources.is_empty() {
        // The reference names types it does not describe: fall back to every resource.
        return (Vec::new(), vec!["*".to_owned()]);
    }
    (names.into_iter().collect(), resources.into_iter().collect())
}

/// The pattern, or, if the validator refuses it as a resource, the pattern with its resource part
/// (after the fifth colon) turned into `*`.
fn accepted(pattern: &str) -> String {
    let probe = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"*","Resource":{}}}]}}"#,
        serde_json::Value::String(pattern.to_owned())
    );
    if validate_text(&probe, PolicyKind::Identity).is_empty() {
        return pattern.to_owned();
    }
    let parts: Vec<&str> = pattern.splitn(6, ':').collect();
    match parts.get(..5) {
        Some(head) if parts.len() == 6 => format!("{}:*", head.join(":")),
        _ => "*".to_owned(),
    }
}

/// `S3ReadObject`: the service, the level and the resource types (`AllResources` for `*`).
fn sid(prefix: &str, level: AccessLevel, types: &[String]) -> String {
    let mut sid = pascal(prefix);
    sid.push_str(&pascal(level.name()));
    if types.is_empty() {
        sid.push_str("AllResources");
    }
    for name in types.iter().take(3) {
        sid.push_str(&pascal(name));
    }
    if types.len() > 3 {
        sid.push_str("Etc");
    }
    sid
}

/// `access-point` → `AccessPoint`; keeps only ASCII letters and digits (Sids are alphanumeric).
fn pascal(text: &str) -> String {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}

fn unique_sid(taken: &mut BTreeSet<String>, base: &str) -> String {
    let mut candidate = base.to_owned();
    let mut n = 2;
    while !taken.insert(candidate.clone()) {
        candidate = format!("{base}{n}");
        n += 1;
    }
    candidate
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
    use super::*;
    use warden_policy::{CompiledPolicy, Policies, PolicySet, Principal, RequestContext, evaluate};

    /// A concrete resource a pattern matches: every `*` becomes `x`.
    fn instance(pattern: &str) -> String {
        pattern.replace('*', "x").replace("arn:x:", "arn:aws:")
    }

    /// Whether the policy allows `action` on `resource`.
    fn allows(set: &PolicySet, action: &str, resource: &str) -> bool {
        let principal = Principal::parse("arn:aws:iam::123456789012:user/alice").unwrap();
        let ctx = RequestContext::new(principal, action, resource);
        evaluate(
            &ctx,
            &Policies {
                identity: Some(set),
                ..Policies::default()
            },
        )
        .is_allowed()
    }

    /// The generated policy validates, allows each action of the levels on a resource of its
    /// statement, and allows no action of the other levels anywhere in the service.
    fn check(prefix: &str, levels: &[AccessLevel], arns: &[&str]) -> serde_json::Value {
        let arns: Vec<String> = arns.iter().map(|s| (*s).to_owned()).collect();
        let text = generate(prefix, levels, &arns).unwrap();
        assert_eq!(validate_text(&text, PolicyKind::Identity), [], "{text}");
        assert_eq!(
            generate(prefix, levels, &arns).unwrap(),
            text,
            "not deterministic"
        );
        let set = PolicySet::new([CompiledPolicy::parse(&text).unwrap()]);
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        let as_list = |v: &serde_json::Value| -> Vec<String> {
            match v {
                serde_json::Value::String(s) => vec![s.clone()],
                serde_json::Value::Array(items) => items
                    .iter()
                    .map(|i| i.as_str().unwrap().to_owned())
                    .collect(),
                _ => panic!("{v}"),
            }
        };
        let mut generated = BTreeSet::new();
        for statement in json["Statement"].as_array().unwrap() {
            let resources = as_list(&statement["Resource"]);
            for action in as_list(&statement["Action"]) {
                let resource = instance(&resources[0]);
                assert!(allows(&set, &action, &resource), "{action} on {resource}");
                generated.insert(action.to_ascii_lowercase());
            }
        }
        let service = service_reference().unwrap().service(prefix).unwrap();
        for action in &service.actions {
            let name = format!("{}:{}", service.prefix, action.name);
            let wanted = levels.contains(&action.access_level);
            assert_eq!(
                generated.contains(&name.to_ascii_lowercase()),
                wanted,
                "{name}"
            );
            if !wanted {
                assert!(!allows(&set, &name, "*"), "{name} is allowed");
                for arn in &arns {
                    assert!(!allows(&set, &name, arn), "{name} is allowed on {arn}");
                }
            }
        }
        json
    }

    #[test]
    fn s3_read_and_list_on_a_bucket() {
        let json = check(
            "s3",
            &[AccessLevel::Read, AccessLevel::List],
            &["arn:aws:s3:::my-bucket", "arn:aws:s3:::my-bucket/*"],
        );
        let sids: Vec<&str> = json["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["Sid"].as_str().unwrap())
            .collect();
        assert!(sids.contains(&"S3ReadObject"), "{sids:?}");
        assert!(sids.contains(&"S3ListAllResources"), "{sids:?}");
        let object = json["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["Sid"] == "S3ReadObject")
            .unwrap();
        assert_eq!(object["Resource"], "arn:aws:s3:::my-bucket/*");
        assert!(
            object["Action"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a == "s3:GetObject")
        );
    }

    #[test]
    fn without_resources_uses_type_patterns() {
        let json = check("iam", &[AccessLevel::Read], &[]);
        let text = json.to_string();
        assert!(text.contains("arn:*:iam::*:user/*"), "{text}");
        check("sqs", &[AccessLevel::Write, AccessLevel::Tagging], &[]);
        check(
            "dynamodb",
            &[AccessLevel::PermissionsManagement],
            &["arn:aws:dynamodb:us-east-1:123456789012:table/t"],
        );
    }

    #[test]
    fn errors() {
        assert!(matches!(
            generate("nope", &[AccessLevel::Read], &[]),
            Err(GenerateError::UnknownService(_))
        ));
        assert!(matches!(
            generate("s3", &[], &[]),
            Err(GenerateError::NoLevels)
        ));
        assert!(matches!(
            generate("s3", &[AccessLevel::Read], &["bucket".to_owned()]),
            Err(GenerateError::InvalidArn { .. })
        ));
        assert!(matches!(
            generate(
                "s3",
                &[AccessLevel::Read],
                &["arn:aws:iam::123456789012:role/x".to_owned()]
            ),
            Err(GenerateError::UnmatchedArn { .. })
        ));
    }

    #[test]
    fn sids_are_pascal_case() {
        assert_eq!(pascal("access-point_thing"), "AccessPointThing");
        assert_eq!(
            sid(
                "s3",
                AccessLevel::PermissionsManagement,
                &["bucket".to_owned()]
            ),
            "S3PermissionsManagementBucket"
        );
        let mut taken = BTreeSet::new();
        assert_eq!(unique_sid(&mut taken, "A"), "A");
        assert_eq!(unique_sid(&mut taken, "A"), "A2");
    }
}
