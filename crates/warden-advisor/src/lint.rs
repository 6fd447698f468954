//! `lint`: findings about a policy beyond whether AWS accepts it, in the manner of IAM Access
//! Analyzer's policy validation.
//!
//! A document that does not parse gives one `ERROR` (`POLICY_SYNTAX`); the rules AWS enforces
//! when a policy of the given kind is saved come from [`warden_policy::validate`] as `ERROR`s
//! (`INVALID_POLICY`). The rest are checks against the service authorization reference and
//! checks of the policy's logic, each with its own stable code (see [`codes`]).
//!
//! The checks are conservative: a finding is reported only when the data shows the problem
//! clearly. Wildcards and policy variables are compared as patterns, so `s3:*`, `"Resource":
//! "*"`, `aws:RequestTag/${TagKey}`-style keys and `${aws:username}` in ARNs lint clean.

use serde::Serialize;
use warden_catalog::{Action, ConditionType, Service, ServiceReference, service_reference};
use warden_policy::PolicyDocument;
use warden_policy::document::{
    Effect, PrincipalType, Principals, Statement, StringElement, VERSION_2008_10_17,
};
use warden_policy::json::Json;
use warden_policy::operator::{SetQualifier, ValueType};
use warden_policy::validate::{PolicyKind, validate_document};

use crate::AdvisorError;
use crate::glob::{arn_overlaps, covers, has_wildcards, variables_as_stars};

/// How serious a finding is; the same four types as IAM Access Analyzer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FindingType {
    /// The policy is rejected, or part of it can never take effect.
    Error,
    /// The policy grants more than it probably means to.
    SecurityWarning,
    /// The policy does not follow best practice or part of it probably does nothing.
    Warning,
    /// The policy can be simplified.
    Suggestion,
}

impl FindingType {
    /// The name in findings: `ERROR`, `SECURITY_WARNING`, `WARNING`, `SUGGESTION`.
    pub fn name(self) -> &'static str {
        match self {
            FindingType::Error => "ERROR",
            FindingType::SecurityWarning => "SECURITY_WARNING",
            FindingType::Warning => "WARNING",
            FindingType::Suggestion => "SUGGESTION",
        }
    }
}

impl std::fmt::Display for FindingType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    #[serde(rename = "type")]
    pub kind: FindingType,
    /// Stable: one of [`codes`].
    pub code: &'static str,
    /// The JSON location, as warden-policy writes it: `Statement[0].Action[1]`, `Version`,
    /// `(document)`.
    pub path: String,
    pub message: String,
    /// A one-line hint on how to fix it.
    pub fix: String,
}

/// The finding codes. They are part of the command line's contract: never renamed.
pub mod codes {
    /// The text is not a policy document (`ERROR`).
    pub const POLICY_SYNTAX: &str = "POLICY_SYNTAX";
    /// AWS would reject the policy as this kind (`ERROR`).
    pub const INVALID_POLICY: &str = "INVALID_POLICY";
    /// No `Version` element: policy variables are not substituted (`WARNING`).
    pub const MISSING_VERSION: &str = "MISSING_VERSION";
    /// `Version: 2008-10-17` (`SUGGESTION`; `WARNING` when the policy has `${…}`).
    pub const OLD_VERSION: &str = "OLD_VERSION";
    /// An action's service prefix is not an AWS service (`ERROR`).
    pub const UNKNOWN_SERVICE: &str = "UNKNOWN_SERVICE";
    /// A service has no action of that name (`ERROR`).
    pub const UNKNOWN_ACTION: &str = "UNKNOWN_ACTION";
    /// An action pattern with wildcards matches no action (`ERROR`).
    pub const ACTION_MATCHES_NOTHING: &str = "ACTION_MATCHES_NOTHING";
    /// A resource ARN fits none of the resource types of the statement's actions (`WARNING`).
    pub const RESOURCE_MISMATCH: &str = "RESOURCE_MISMATCH";
    /// A condition key that is neither global nor a key of its service (`ERROR`).
    pub const UNKNOWN_CONDITION_KEY: &str = "UNKNOWN_CONDITION_KEY";
    /// A service condition key that none of the statement's actions supports (`WARNING`).
    pub const UNSUPPORTED_CONDITION_KEY: &str = "UNSUPPORTED_CONDITION_KEY";
    /// An operator that cannot compare values of the key's type (`ERROR`).
    pub const CONDITION_TYPE_MISMATCH: &str = "CONDITION_TYPE_MISMATCH";
    /// `ForAllValues:` on a single-valued key in an Allow (`SECURITY_WARNING`).
    pub const FOR_ALL_VALUES_WITH_SINGLE_VALUED_KEY: &str = "FOR_ALL_VALUES_WITH_SINGLE_VALUED_KEY";
    /// `iam:PassRole`, named, allowed on `"Resource": "*"` (`SECURITY_WARNING`).
    pub const PASS_ROLE_WITH_STAR_IN_RESOURCE: &str = "PASS_ROLE_WITH_STAR_IN_RESOURCE";
    /// `iam:PassRole` allowed through an action wildcard on `"Resource": "*"`
    /// (`SECURITY_WARNING`).
    pub const PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE: &str =
        "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE";
    /// An Allow with `NotAction` (`SECURITY_WARNING`).
    pub const ALLOW_WITH_NOT_ACTION: &str = "ALLOW_WITH_NOT_ACTION";
    /// An Allow with `NotResource` (`SECURITY_WARNING`).
    pub const ALLOW_WITH_NOT_RESOURCE: &str = "ALLOW_WITH_NOT_RESOURCE";
    /// A trust policy that lets any AWS principal assume the role, unconditionally
    /// (`SECURITY_WARNING`).
    pub const PUBLIC_TRUST_POLICY: &str = "PUBLIC_TRUST_POLICY";
    /// A statement identical to an earlier one, Sid aside (`SUGGESTION`).
    pub const DUPLICATE_STATEMENT: &str = "DUPLICATE_STATEMENT";
    /// A statement whose actions and resources another unconditional statement of the same
    /// effect already covers (`SUGGESTION`).
    pub const REDUNDANT_STATEMENT: &str = "REDUNDANT_STATEMENT";
    /// An action pattern another pattern of the same statement already covers (`SUGGESTION`).
    pub const REDUNDANT_ACTION: &str = "REDUNDANT_ACTION";
    /// A resource pattern another pattern of the same statement already covers (`SUGGESTION`).
    pub const REDUNDANT_RESOURCE: &str = "REDUNDANT_RESOURCE";
}

/// Lints policy text as a policy of `kind`. Findings come in document order, grouped by check.
pub fn lint(text: &str, kind: PolicyKind) -> Result<Vec<Finding>, AdvisorError> {
    let reference = service_reference()?;
    let doc = match PolicyDocument::parse(text) {
        Ok(doc) => doc,
        Err(e) => {
            return Ok(vec![Finding {
                kind: FindingType::Error,
                code: codes::POLICY_SYNTAX,
                path: e.location().unwrap_or("(document)").to_owned(),
                message: format!("{} {e}", e.aws_message()),
                fix: "Fix the JSON or the policy grammar at this location.".to_owned(),
            }]);
        }
    };
    let mut linter = Linter {
        doc: &doc,
        kind,
        reference,
        shape: Shape(Json::parse(text).ok()),
        findings: Vec::new(),
    };
    for f in validate_document(&doc, text, kind) {
        linter.push(
            FindingType::Error,
            codes::INVALID_POLICY,
            f.location,
            f.message,
            format!(
                "AWS rejects this {} policy with: {}",
                kind.name(),
                f.aws_message
            ),
        );
    }
    linter.check_version(text);
    for (i, statement) in doc.statements.iter().enumerate() {
        linter.check_statement(i, statement);
    }
    linter.check_redundant_statements();
    Ok(linter.findings)
}

/// Whether statement elements were written as arrays: locations index array members only.
struct Shape(Option<Json>);

impl Shape {
    fn is_array(&self, statement: usize, element: &str) -> bool {
        let Some(Json::Object(root)) = &self.0 else {
            return true;
        };
        let statement = match member(root, "Statement") {
            Some(Json::Array(items)) => items.get(statement),
            Some(single) if statement == 0 => Some(single),
            _ => None,
        };
        match statement {
            Some(Json::Object(members)) => {
                member(members, element).is_none_or(|v| matches!(v, Json::Array(_)))
            }
            _ => true,
        }
    }
}

fn member<'j>(members: &'j [(String, Json)], key: &str) -> Option<&'j Json> {
    members.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

/// A condition key as a reference entry names it (`aws:RequestTag/${TagKey}`,
/// `aws:PrincipalTag/tag-key`, `s3:ExistingObjectTag/<key>`) matches the key as written in a
/// policy (`aws:RequestTag/team`). Case-insensitive, as key names are.
fn key_matches(pattern: &str, key: &str) -> bool {
    if pattern.eq_ignore_ascii_case(key) {
        return true;
    }
    // A template: the fixed head, then a placeholder for the rest (`${TagKey}`, `<key>`,
    // `tag-key`), which stands for at least one character.
    let head = match (pattern.find("${"), pattern.find('<')) {
        (Some(i), Some(j)) => &pattern[..i.min(j)],
        (Some(i), None) | (None, Some(i)) => &pattern[..i],
        (None, None) => match pattern.strip_suffix("tag-key") {
            Some(head) if head.ends_with('/') => head,
            _ => return false,
        },
    };
    // Templates whose placeholder is not at the end (`agent.${Domain}.buildkite.dev:…`) name
    // identity-provider keys; only a trailing placeholder is read as "anything".
    let tail = &pattern[head.len()..];
    let trailing = tail.ends_with('}') && tail.matches("${").count() == 1
        || tail.ends_with('>') && !tail[1..].contains('<')
        || tail == "tag-key";
    trailing
        && key.len() > head.len()
        && key.is_char_boundary(head.len())
        && key[..head.len()].eq_ignore_ascii_case(head)
}

/// What the reference knows of a condition key.
enum KeyInfo {
    Global(ConditionType),
    Service(ConditionType),
    /// `aws:` or a known service's prefix, but no such key.
    Unknown,
    /// A prefix that is no service: identity-provider keys (`accounts.google.com:aud`,
    /// `token.actions.githubusercontent.com:sub`), which the reference cannot list.
    Foreign,
}

fn key_info(reference: &ServiceReference, key: &str) -> KeyInfo {
    if let Some((_, t)) = reference
        .global_condition_keys()
        .iter()
        .find(|(pattern, _)| key_matches(pattern, key))
    {
        return KeyInfo::Global(*t);
    }
    let Some((prefix, _)) = key.split_once(':') else {
        return KeyInfo::Foreign;
    };
    if prefix.eq_ignore_ascii_case("aws") {
        return KeyInfo::Unknown;
    }
    let Some(service) = reference.service(prefix) else {
        return KeyInfo::Foreign;
    };
    match service
        .conditions
        .iter()
        .find(|(pattern, _)| key_matches(pattern, key))
    {
        Some((_, t)) => KeyInfo::Service(*t),
        None => KeyInfo::Unknown,
    }
}

/// Whether an operator of this value type can compare values of a key of this type. Strings
/// compare with anything a string can hold exactly (ARNs, numbers, booleans); ARN operators
/// accept string keys because many ARN-valued keys are typed `String` in the reference.
fn compatible(operator: ValueType, key: ConditionType) -> bool {
    use ConditionType as K;
    match operator {
        ValueType::Null => true,
        ValueType::String => !matches!(key, K::IpAddress | K::Date),
        ValueType::Arn => matches!(key, K::Arn | K::String),
        // `aws:EpochTime` is a Date that AWS documents for numeric operators too.
        ValueType::Numeric => matches!(key, K::Numeric | K::Date),
        ValueType::Date => matches!(key, K::Date),
        ValueType::Bool => matches!(key, K::Bool),
        ValueType::Ip => matches!(key, K::IpAddress),
        ValueType::Binary => matches!(key, K::Binary | K::String),
    }
}

fn operator_family(t: ValueType) -> &'static str {
    match t {
        ValueType::String => "String",
        ValueType::Numeric => "Numeric",
        ValueType::Date => "Date",
        ValueType::Bool => "Bool",
        ValueType::Binary => "Binary",
        ValueType::Ip => "IpAddress",
        ValueType::Arn => "Arn",
        ValueType::Null => "Null",
    }
}

/// The operators that suit a key type, for the fix hint.
fn operators_for(key: ConditionType) -> &'static str {
    match key.element() {
        ConditionType::String => "String operators",
        ConditionType::Arn => "Arn or String operators",
        ConditionType::Bool => "Bool",
        ConditionType::Numeric => "Numeric operators",
        ConditionType::Date => "Date operators",
        ConditionType::IpAddress => "IpAddress or NotIpAddress",
        ConditionType::Binary => "BinaryEquals",
        _ => "operators of the key's type",
    }
}

struct Linter<'d> {
    doc: &'d PolicyDocument,
    kind: PolicyKind,
    reference: &'static ServiceReference,
    shape: Shape,
    findings: Vec<Finding>,
}

/// `Action` or `NotAction` (likewise for resources and principals).
fn element_name(
    element: &StringElement,
    plain: &'static str,
    negated: &'static str,
) -> &'static str {
    if element.negated { negated } else { plain }
}

impl Linter<'_> {
    fn push(
        &mut self,
        kind: FindingType,
        code: &'static str,
        path: String,
        message: String,
        fix: impl Into<String>,
    ) {
        self.findings.push(Finding {
            kind,
            code,
            path,
            message,
            fix: fix.into(),
        });
    }

    /// The location of value `index` of `element` in statement `statement`.
    fn value_path(&self, statement: usize, element: &str, index: usize) -> String {
        let base = format!("{}.{element}", self.doc.statement_location(statement));
        if self.shape.is_array(statement, element) {
            format!("{base}[{index}]")
        } else {
            base
        }
    }

    fn check_version(&mut self, text: &str) {
        match self.doc.version.as_deref() {
            None => self.push(
                FindingType::Warning,
                codes::MISSING_VERSION,
                "Version".to_owned(),
                "the policy has no `Version`: it is read as version 2008-10-17, where policy variables are plain text".to_owned(),
                r#"Add "Version": "2012-10-17"."#,
            ),
            Some(VERSION_2008_10_17) => {
                // With variables written, the old version changes what the policy means.
                let kind = if text.contains("${") {
                    FindingType::Warning
                } else {
                    FindingType::Suggestion
                };
                self.push(
                    kind,
                    codes::OLD_VERSION,
                    "Version".to_owned(),
                    "version 2008-10-17 is the original policy language: policy variables are plain text in it".to_owned(),
                    r#"Use "Version": "2012-10-17"."#,
                );
            }
            Some(_) => {}
        }
    }

    fn check_statement(&mut self, i: usize, st: &Statement) {
        let location = self.doc.statement_location(i);
        if let Some(action) = &st.action {
            self.check_action_names(i, action);
            self.check_redundant_values(i, action, true);
            if action.negated && st.effect == Effect::Allow {
                self.push(
                    FindingType::SecurityWarning,
                    codes::ALLOW_WITH_NOT_ACTION,
                    format!("{location}.NotAction"),
                    "an Allow with `NotAction` grants every action not listed, including those of services AWS adds later".to_owned(),
                    "List the allowed actions in `Action` instead.",
                );
            }
        }
        if let Some(resource) = &st.resource {
            self.check_redundant_values(i, resource, false);
            if resource.negated && st.effect == Effect::Allow {
                self.push(
                    FindingType::SecurityWarning,
                    codes::ALLOW_WITH_NOT_RESOURCE,
                    format!("{location}.NotResource"),
                    "an Allow with `NotResource` grants access to every resource not listed, including resources created later".to_owned(),
                    "List the allowed resources in `Resource` instead.",
                );
            }
        }
        if let Some(principal) = &st.principal {
            let anyone = match &principal.principals {
                Principals::Any => true,
                Principals::Typed(types) => types
                    .iter()
                    .any(|(t, values)| *t == PrincipalType::Aws && values.iter().any(|v| v == "*")),
            };
            if self.kind == PolicyKind::Trust
                && st.effect == Effect::Allow
                && !principal.negated
                && anyone
                && st.conditions.is_empty()
            {
                self.push(
                    FindingType::SecurityWarning,
                    codes::PUBLIC_TRUST_POLICY,
                    format!("{location}.Principal"),
                    "any AWS principal in any account can assume this role".to_owned(),
                    "Name the trusted accounts or roles, or add a condition such as aws:PrincipalOrgID.",
                );
            }
        }
        let matched = self.matched_actions(st);
        self.check_resources(i, st, &matched);
        self.check_conditions(i, st, &matched);
        self.check_pass_role(i, st);
    }

    /// The known actions a non-negated `Action` matches; `None` when the statement has no
    /// `Action` or one of its patterns names an unknown service or action (then what the
    /// statement covers is not known, and checks that need it stay silent).
    fn matched_actions(&self, st: &Statement) -> Option<Vec<(&'static Service, &'static Action)>> {
        let action = st.action.as_ref().filter(|a| !a.negated)?;
        let mut out = Vec::new();
        for value in &action.values {
            let found = self.reference.expand(value);
            if found.is_empty() {
                return None;
            }
            out.extend(found);
        }
        Some(out)
    }

    fn check_action_names(&mut self, i: usize, action: &StringElement) {
        let element = element_name(action, "Action", "NotAction");
        for (j, value) in action.values.iter().enumerate() {
            // Malformed names (no colon, wildcard vendor) are the validator's to report.
            let Some((prefix, name)) = value.split_once(':') else {
                continue;
            };
            if has_wildcards(prefix) || name.contains(':') {
                continue;
            }
            let path = self.value_path(i, element, j);
            let Some(service) = self.reference.service(prefix) else {
                self.push(
                    FindingType::Error,
                    codes::UNKNOWN_SERVICE,
                    path,
                    format!("`{prefix}` is not the prefix of any AWS service"),
                    "Check the service prefix: `warden policy expand PREFIX:*` lists a service's actions.",
                );
                continue;
            };
            if has_wildcards(name) {
                if self.reference.expand(value).is_empty() {
                    self.push(
                        FindingType::Error,
                        codes::ACTION_MATCHES_NOTHING,
                        path,
                        format!("`{value}` matches no action of {}", service.name),
                        format!("Check the pattern: `warden policy expand {}:*` lists the service's actions.", service.prefix),
                    );
                }
            } else if service.action(name).is_none() {
                self.push(
                    FindingType::Error,
                    codes::UNKNOWN_ACTION,
                    path,
                    format!("{} has no action `{name}`", service.name),
                    format!("Check the spelling: `warden policy expand {}:*` lists the service's actions.", service.prefix),
                );
            }
        }
    }

    /// Values of one element that another value of it already covers.
    fn check_redundant_values(&mut self, i: usize, element: &StringElement, actions: bool) {
        let (name, code) = if actions {
            (
                element_name(element, "Action", "NotAction"),
                codes::REDUNDANT_ACTION,
            )
        } else {
            (
                element_name(element, "Resource", "NotResource"),
                codes::REDUNDANT_RESOURCE,
            )
        };
        let values = &element.values;
        for (j, narrow) in values.iter().enumerate() {
            let wider = values.iter().enumerate().find(|&(k, wide)| {
                // Of two values that cover each other (equal), the later is the redundant one.
                k != j && covers(wide, narrow, actions) && (k < j || !covers(narrow, wide, actions))
            });
            if let Some((_, wide)) = wider {
                let path = self.value_path(i, name, j);
                self.push(
                    FindingType::Suggestion,
                    code,
                    path,
                    format!("`{narrow}` is already matched by `{wide}` in the same statement"),
                    format!("Remove `{narrow}`."),
                );
            }
        }
    }

    fn check_resources(
        &mut self,
        i: usize,
        st: &Statement,
        matched: &Option<Vec<(&'static Service, &'static Action)>>,
    ) {
        let (Some(matched), Some(resource)) = (matched, &st.resource) else {
            return;
        };
        if resource.negated {
            return;
        }
        // Every ARN pattern the statement's actions can act on. Actions that take only `*`
        // say nothing about ARNs, so they are left out.
        let mut patterns: Vec<String> = matched
            .iter()
            .flat_map(|(service, action)| {
                action
                    .resource_types
                    .iter()
                    .filter_map(|(name, _)| service.resource(name))
                    .map(|r| r.arn_wildcard())
            })
            .collect();
        if patterns.is_empty() {
            return;
        }
        patterns.sort();
        patterns.dedup();
        for (j, value) in resource.values.iter().enumerate() {
            if !value.starts_with("arn:") {
                continue;
            }
            let arn = variables_as_stars(value);
            if patterns.iter().any(|p| arn_overlaps(p, &arn)) {
                continue;
            }
            let mut shown: Vec<&str> = patterns.iter().take(3).map(String::as_str).collect();
            if patterns.len() > 3 {
                shown.push("…");
            }
            let path = self.value_path(i, "Resource", j);
            self.push(
                FindingType::Warning,
                codes::RESOURCE_MISMATCH,
                path,
                format!(
                    "`{value}` is not an ARN of any resource type the statement's actions work on"
                ),
                format!("Use an ARN of the form {}.", shown.join(", ")),
            );
        }
    }

    fn check_conditions(
        &mut self,
        i: usize,
        st: &Statement,
        matched: &Option<Vec<(&'static Service, &'static Action)>>,
    ) {
        let location = self.doc.statement_location(i);
        for entry in &st.conditions {
            let key = entry.key.as_str();
            let path = format!("{location}.Condition.{}.{key}", entry.operator);
            let key_type = match key_info(self.reference, key) {
                KeyInfo::Foreign => continue,
                KeyInfo::Unknown => {
                    self.push(
                        FindingType::Error,
                        codes::UNKNOWN_CONDITION_KEY,
                        path,
                        format!(
                            "`{key}` is neither a global condition key nor a key of its service"
                        ),
                        "Check the key's spelling against the service authorization reference.",
                    );
                    continue;
                }
                KeyInfo::Global(t) => t,
                KeyInfo::Service(t) => {
                    let supported = matched.as_ref().is_none_or(|actions| {
                        actions.iter().any(|(service, action)| {
                            service
                                .condition_keys_of(action)
                                .iter()
                                .any(|pattern| key_matches(pattern, key))
                        })
                    });
                    if !supported {
                        self.push(
                            FindingType::Warning,
                            codes::UNSUPPORTED_CONDITION_KEY,
                            path.clone(),
                            format!("none of the statement's actions supports `{key}`: the key is absent from their requests"),
                            "Use a key the actions support, or move the condition to a statement with actions that do.",
                        );
                    }
                    t
                }
            };
            let value_type = entry.operator.kind.value_type();
            if !compatible(value_type, key_type.element()) {
                self.push(
                    FindingType::Error,
                    codes::CONDITION_TYPE_MISMATCH,
                    path.clone(),
                    format!(
                        "`{}` compares {} values, but `{key}` is of type {}",
                        entry.operator,
                        operator_family(value_type),
                        key_type.name()
                    ),
                    format!("Use {} with `{key}`.", operators_for(key_type)),
                );
            }
            if entry.operator.qualifier == Some(SetQualifier::ForAllValues)
                && st.effect == Effect::Allow
                && !key_type.is_multivalued()
            {
                self.push(
                    FindingType::SecurityWarning,
                    codes::FOR_ALL_VALUES_WITH_SINGLE_VALUED_KEY,
                    path,
                    format!("`ForAllValues:` with the single-valued key `{key}` is true when the key is absent, so this Allow also applies to requests without it"),
                    format!("Drop the `ForAllValues:` qualifier: use `{}`.", entry.operator.kind.name()),
                );
            }
        }
    }

    fn check_pass_role(&mut self, i: usize, st: &Statement) {
        let (Some(action), Some(resource)) = (&st.action, &st.resource) else {
            return;
        };
        if st.effect != Effect::Allow || action.negated || resource.negated {
            return;
        }
        let Some(star) = resource.values.iter().position(|r| r == "*") else {
            return;
        };
        let named = action
            .values
            .iter()
            .any(|a| a.eq_ignore_ascii_case("iam:PassRole"));
        let by_wildcard = action
            .values
            .iter()
            .any(|a| has_wildcards(a) && warden_catalog::wildcard_match(a, "iam:PassRole"));
        let path = self.value_path(i, "Resource", star);
        if named {
            self.push(
                FindingType::SecurityWarning,
                codes::PASS_ROLE_WITH_STAR_IN_RESOURCE,
                path,
                "`iam:PassRole` on every role lets the caller hand any role, however privileged, to a service".to_owned(),
                "Limit the resource to the roles the caller should pass, e.g. arn:aws:iam::ACCOUNT:role/NAME.",
            );
        } else if by_wildcard {
            self.push(
                FindingType::SecurityWarning,
                codes::PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE,
                path,
                "an action wildcard allows `iam:PassRole` on every role: the caller can hand any role, however privileged, to a service".to_owned(),
                "Exclude iam:PassRole from the wildcard, or grant it in its own statement limited to specific roles.",
            );
        }
    }

    fn check_redundant_statements(&mut self) {
        let statements = &self.doc.statements;
        let mut found = Vec::new();
        for (b, narrow) in statements.iter().enumerate() {
            for (a, wide) in statements.iter().enumerate() {
                if a == b {
                    continue;
                }
                if same_apart_from_sid(wide, narrow) {
                    if a < b {
                        found.push((b, a, true));
                        break;
                    }
                    continue;
                }
                if statement_covers(wide, narrow) && (a < b || !statement_covers(narrow, wide)) {
                    found.push((b, a, false));
                    break;
                }
            }
        }
        for (b, a, duplicate) in found {
            let (path, other) = (
                self.doc.statement_location(b),
                self.doc.statement_location(a),
            );
            if duplicate {
                self.push(
                    FindingType::Suggestion,
                    codes::DUPLICATE_STATEMENT,
                    path,
                    format!("this statement repeats {other}"),
                    "Remove the duplicate statement.",
                );
            } else {
                self.push(
                    FindingType::Suggestion,
                    codes::REDUNDANT_STATEMENT,
                    path,
                    format!("{other} already covers every action and resource of this statement, without conditions"),
                    "Remove this statement, or narrow the other one.",
                );
            }
        }
    }
}

fn same_apart_from_sid(a: &Statement, b: &Statement) -> bool {
    a.effect == b.effect
        && a.principal == b.principal
        && a.action == b.action
        && a.resource == b.resource
        && a.conditions == b.conditions
}

/// Whether `wide` applies, unconditionally, to every request `narrow` applies to, with the same
/// effect and principal.
fn statement_covers(wide: &Statement, narrow: &Statement) -> bool {
    if wide.effect != narrow.effect || wide.principal != narrow.principal {
        return false;
    }
    if !wide.conditions.is_empty() {
        return false;
    }
    let element_covers =
        |w: &Option<StringElement>, n: &Option<StringElement>, ignore_case| match (w, n) {
            (None, None) => true,
            (Some(w), Some(n)) if !w.negated && !n.negated => n
                .values
                .iter()
                .all(|nv| w.values.iter().any(|wv| covers(wv, nv, ignore_case))),
            _ => false,
        };
    element_covers(&wide.action, &narrow.action, true)
        && element_covers(&wide.resource, &narrow.resource, false)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
    use super::*;

    fn codes_of(text: &str, kind: PolicyKind) -> Vec<&'static str> {
        lint(text, kind).unwrap().iter().map(|f| f.code).collect()
    }

    fn identity(statement: &str) -> Vec<&'static str> {
        codes_of(
            &format!(r#"{{"Version":"2012-10-17","Statement":[{statement}]}}"#),
            PolicyKind::Identity,
        )
    }

    #[test]
    fn clean_common_patterns() {
        for statement in [
            r#"{"Effect":"Allow","Action":"s3:*","Resource":"*"}"#,
            r#"{"Effect":"Allow","Action":["s3:ListAllMyBuckets","s3:ListBucket"],"Resource":"*"}"#,
            r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/home/${aws:username}/*"}"#,
            r#"{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"*","Condition":{"StringEquals":{"aws:RequestTag/team":"x"},"ForAllValues:StringEquals":{"aws:TagKeys":["team"]}}}"#,
            r#"{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::b","Condition":{"StringLike":{"s3:prefix":["home/${aws:username}/*"]}}}"#,
            r#"{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"},"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}"#,
            r#"{"Effect":"Allow","Action":"iam:GetUser","Resource":"arn:aws:iam::*:user/${aws:username}"}"#,
            r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringEquals":{"s3:ExistingObjectTag/team":"x"}}}"#,
            r#"{"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::1:role/app","Condition":{"StringEquals":{"iam:PassedToService":"ec2.amazonaws.com"}}}"#,
        ] {
            assert_eq!(identity(statement), Vec::<&str>::new(), "{statement}");
        }
    }

    #[test]
    fn unknown_services_and_actions() {
        assert_eq!(
            identity(
                r#"{"Effect":"Allow","Action":["s3:GetObject","s4:GetObject"],"Resource":"*"}"#
            ),
            [codes::UNKNOWN_SERVICE]
        );
        let findings = lint(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:GetObjekt"],"Resource":"*"}]}"#,
            PolicyKind::Identity,
        )
        .unwrap();
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].code, codes::UNKNOWN_ACTION);
        assert_eq!(findings[0].path, "Statement[0].Action[1]");
        assert_eq!(findings[0].kind, FindingType::Error);
        assert_eq!(
            identity(r#"{"Effect":"Allow","Action":"s3:Fly*","Resource":"*"}"#),
            [codes::ACTION_MATCHES_NOTHING]
        );
    }

    #[test]
    fn key_templates() {
        assert!(key_matches(
            "aws:RequestTag/${TagKey}",
            "aws:requesttag/team"
        ));
        assert!(key_matches(
            "aws:PrincipalTag/tag-key",
            "aws:PrincipalTag/team"
        ));
        assert!(key_matches(
            "s3:ExistingObjectTag/<key>",
            "s3:ExistingObjectTag/a"
        ));
        assert!(key_matches(
            "kms:EncryptionContext:${EncryptionContextKey}",
            "kms:EncryptionContext:aws:s3:arn"
        ));
        assert!(!key_matches("aws:RequestTag/${TagKey}", "aws:RequestTag/"));
        assert!(!key_matches(
            "aws:RequestTag/${TagKey}",
            "aws:ResourceTag/x"
        ));
        assert!(!key_matches(
            "agent.${Domain}.buildkite.dev:build_branch",
            "agent.x.buildkite.dev:other"
        ));
    }

    #[test]
    fn locations_follow_the_written_shape() {
        let findings = lint(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:Nope","Resource":"*"}}"#,
            PolicyKind::Identity,
        )
        .unwrap();
        assert_eq!(findings[0].path, "Statement.Action");
    }

    #[test]
    fn resources_must_fit_the_actions() {
        assert_eq!(
            identity(
                r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:iam::123456789012:role/x"}"#
            ),
            [codes::RESOURCE_MISMATCH]
        );
        assert_eq!(
            identity(
                r#"{"Effect":"Allow","Action":"iam:GetRole","Resource":"arn:aws:iam::123456789012:user/x"}"#
            ),
            [codes::RESOURCE_MISMATCH]
        );
        // A wildcard that could be a bucket or an object fits.
        assert!(
            identity(r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::*"}"#)
                .is_empty()
        );
    }

    #[test]
    fn condition_keys_and_types() {
        assert_eq!(
            identity(
                r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"aws:NoSuchKey":"x"}}}"#
            ),
            [codes::UNKNOWN_CONDITION_KEY]
        );
        assert_eq!(
            identity(
                r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"s3:NoSuchKey":"x"}}}"#
            ),
            [codes::UNKNOWN_CONDITION_KEY]
        );
        assert_eq!(
            identity(
                r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"ec2:InstanceType":"t3.micro"}}}"#
            ),
            [codes::UNSUPPORTED_CONDITION_KEY]
        );
        assert_eq!(
            identity(
                r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"DateGreaterThan":{"aws:username":"2020-01-01T00:00:00Z"}}}"#
            ),
            [codes::CONDITION_TYPE_MISMATCH]
        );
        assert_eq!(
            identity(
                r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringLike":{"aws:SourceIp":"10.*"}}}"#
            ),
            [codes::CONDITION_TYPE_MISMATCH]
        );
        assert_eq!(
            identity(
                r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:PrincipalOrgID":"o-1"}}}"#
            ),
            [codes::FOR_ALL_VALUES_WITH_SINGLE_VALUED_KEY]
        );
        // Identity-provider keys are not in the reference: no finding.
        assert!(codes_of(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringLike":{"token.actions.githubusercontent.com:sub":"repo:o/r:*"}}}]}"#,
            PolicyKind::Trust
        )
        .is_empty());
    }

    #[test]
    fn security_warnings() {
        assert_eq!(
            identity(r#"{"Effect":"Allow","Action":"iam:PassRole","Resource":"*"}"#),
            [codes::PASS_ROLE_WITH_STAR_IN_RESOURCE]
        );
        assert_eq!(
            identity(r#"{"Effect":"Allow","Action":"iam:*","Resource":"*"}"#),
            [codes::PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE]
        );
        assert_eq!(
            identity(r#"{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}"#),
            [codes::ALLOW_WITH_NOT_ACTION]
        );
        assert_eq!(
            identity(
                r#"{"Effect":"Allow","Action":"s3:GetObject","NotResource":"arn:aws:s3:::secret/*"}"#
            ),
            [codes::ALLOW_WITH_NOT_RESOURCE]
        );
        let public = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}"#;
        assert_eq!(
            codes_of(public, PolicyKind::Trust),
            [codes::PUBLIC_TRUST_POLICY]
        );
        let guarded = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc"}}}]}"#;
        assert!(codes_of(guarded, PolicyKind::Trust).is_empty());
    }

    #[test]
    fn redundancy() {
        let s = r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}"#;
        assert_eq!(identity(&format!("{s},{s}")), [codes::DUPLICATE_STATEMENT]);
        assert_eq!(
            identity(&format!(
                r#"{{"Effect":"Allow","Action":"s3:Get*","Resource":"arn:aws:s3:::b/*"}},{s}"#
            )),
            [codes::REDUNDANT_STATEMENT]
        );
        // A conditional statement covers nothing.
        assert!(identity(&format!(
            r#"{{"Effect":"Allow","Action":"s3:Get*","Resource":"arn:aws:s3:::b/*","Condition":{{"Bool":{{"aws:SecureTransport":"true"}}}}}},{s}"#
        ))
        .is_empty());
        assert_eq!(
            identity(
                r#"{"Effect":"Allow","Action":["s3:Get*","s3:GetObject"],"Resource":["arn:aws:s3:::b/*","arn:aws:s3:::b/x"]}"#
            ),
            [codes::REDUNDANT_ACTION, codes::REDUNDANT_RESOURCE]
        );
    }

    #[test]
    fn versions_syntax_and_validation() {
        assert_eq!(
            codes_of(
                r#"{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#,
                PolicyKind::Identity
            ),
            [codes::MISSING_VERSION]
        );
        let old = lint(
            r#"{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#,
            PolicyKind::Identity,
        )
        .unwrap();
        assert_eq!(old.len(), 1);
        assert_eq!(
            (old[0].code, old[0].kind),
            (codes::OLD_VERSION, FindingType::Suggestion)
        );
        let syntax = lint("{", PolicyKind::Identity).unwrap();
        assert_eq!(syntax.len(), 1);
        assert_eq!(syntax[0].code, codes::POLICY_SYNTAX);
        assert!(
            syntax[0].message.starts_with("Syntax errors in policy."),
            "{}",
            syntax[0].message
        );
        assert_eq!(
            identity(
                r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}"#
            ),
            [codes::INVALID_POLICY]
        );
    }

    #[test]
    fn findings_serialize_with_aws_type_names() {
        let findings = lint("{", PolicyKind::Identity).unwrap();
        let json = serde_json::to_value(&findings[0]).unwrap();
        assert_eq!(json["type"], "ERROR");
        assert_eq!(json["code"], "POLICY_SYNTAX");
        assert!(json["fix"].is_string());
    }
}
