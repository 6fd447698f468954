//! The rules a policy must follow beyond the grammar, which depend on its kind.
//!
//! [`PolicyDocument::parse`] already refuses documents that are not policies at all. This module
//! checks what AWS checks next when a policy is saved (`MalformedPolicyDocument` and size
//! quotas): which elements a kind of policy may or must have, the shape of actions, resources,
//! principals and condition keys, condition values that must parse as their operator's type,
//! statement IDs, policy variables, the character set, and the size quota.
//!
//! Every problem is reported, not just the first, so a user fixes a policy in one pass. Each
//! [`Finding`] carries our own message and the text AWS returns for the same problem, so that
//! callers emulating the AWS APIs can return it verbatim.
//!
//! Where AWS's text is not known, the finding uses the service's generic text: `Syntax errors in
//! policy.` for IAM kinds, and for SCPs and RCPs Organizations' only text, `The provided policy
//! document does not meet the requirements of the specified policy type.` (Organizations never
//! says more than that, so every SCP/RCP finding except the size quota uses it). For resource
//! policies, the S3 bucket policy texts are used where S3 has its own wording (missing or
//! invalid principal, missing element, size), since the size quota is S3's too.
//!
//! A few checks are stricter than AWS, because the policy would silently never do what its
//! author meant: a malformed `${…}` (AWS keeps it as literal text) and a policy variable before
//! the resource part of an ARN.
//!
//! Condition values are checked with the parsers in [`crate::values`], which the evaluator uses
//! too, so a value is valid in a policy exactly when the evaluator can compare with it.

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

use crate::document::{
    PolicyDocument, PrincipalElement, PrincipalType, Principals, Statement, StringElement,
};
use crate::json::Json;
use crate::operator::ValueType;
use crate::pattern::{Matcher, Syntax, is_variable_key};
use crate::values::{parse_binary, parse_bool, parse_date, parse_ip_network, parse_number};

/// The kind of a policy: decides which elements it may have and its size quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyKind {
    /// An inline policy on a user, group or role.
    Identity,
    /// A customer managed policy.
    Managed,
    /// A resource-based policy (S3 bucket policy rules and quota).
    Resource,
    /// A role trust policy (`AssumeRolePolicyDocument`).
    Trust,
    /// A permissions boundary (a managed policy used as a boundary).
    Boundary,
    /// A session policy passed to `AssumeRole*` or `GetFederationToken`.
    Session,
    /// An Organizations service control policy.
    Scp,
    /// An Organizations resource control policy.
    Rcp,
}

const ALL_KINDS: [PolicyKind; 8] = [
    PolicyKind::Identity,
    PolicyKind::Managed,
    PolicyKind::Resource,
    PolicyKind::Trust,
    PolicyKind::Boundary,
    PolicyKind::Session,
    PolicyKind::Scp,
    PolicyKind::Rcp,
];

impl PolicyKind {
    /// Every kind, in the order the command line lists them.
    pub const ALL: [PolicyKind; 8] = ALL_KINDS;

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            PolicyKind::Identity => "identity",
            PolicyKind::Managed => "managed",
            PolicyKind::Resource => "resource",
            PolicyKind::Trust => "trust",
            PolicyKind::Boundary => "boundary",
            PolicyKind::Session => "session",
            PolicyKind::Scp => "scp",
            PolicyKind::Rcp => "rcp",
        }
    }

    /// The largest policy AWS accepts, in characters (see [`policy_size`]).
    ///
    /// Identity is the role quota (10,240); users (2,048) and groups (5,120) have lower
    /// aggregate quotas, which the service checks across all of an entity's inline policies.
    /// Trust is the default quota (adjustable to 4,096). Resource is the S3 bucket policy quota.
    pub fn size_limit(self) -> usize {
        match self {
            PolicyKind::Identity => 10_240,
            PolicyKind::Managed | PolicyKind::Boundary => 6_144,
            PolicyKind::Trust | PolicyKind::Session => 2_048,
            PolicyKind::Resource => 20_480,
            PolicyKind::Scp | PolicyKind::Rcp => 5_120,
        }
    }

    /// Whether whitespace outside JSON strings counts against [`size_limit`](Self::size_limit).
    ///
    /// IAM documents that it does not count whitespace; Organizations documents that "all
    /// characters" of an SCP or RCP count. The STS `Policy` parameter is a plain API string with
    /// a length constraint of 2,048, so every character of a session policy counts. S3 does not
    /// say, so resource policies count everything: the stricter reading never lets an oversized
    /// policy through.
    pub fn counts_whitespace(self) -> bool {
        matches!(
            self,
            PolicyKind::Session | PolicyKind::Resource | PolicyKind::Scp | PolicyKind::Rcp
        )
    }

    fn is_organizations(self) -> bool {
        matches!(self, PolicyKind::Scp | PolicyKind::Rcp)
    }

    /// Kinds that follow IAM's rules for statement IDs and characters.
    fn is_iam(self) -> bool {
        matches!(
            self,
            PolicyKind::Identity
                | PolicyKind::Managed
                | PolicyKind::Trust
                | PolicyKind::Boundary
                | PolicyKind::Session
        )
    }

    fn describe(self) -> &'static str {
        match self {
            PolicyKind::Identity => "identity policies",
            PolicyKind::Managed => "managed policies",
            PolicyKind::Resource => "resource policies",
            PolicyKind::Trust => "trust policies",
            PolicyKind::Boundary => "permissions boundaries",
            PolicyKind::Session => "session policies",
            PolicyKind::Scp => "service control policies",
            PolicyKind::Rcp => "resource control policies",
        }
    }

    fn size_message(self) -> String {
        match self {
            PolicyKind::Identity => "Maximum policy size of 10240 bytes exceeded".to_owned(),
            PolicyKind::Managed | PolicyKind::Boundary => {
                "Cannot exceed quota for PolicySize: 6144".to_owned()
            }
            PolicyKind::Trust => "Cannot exceed quota for ACLSizePerRole: 2048".to_owned(),
            // The STS API's generic length-constraint error, without echoing the policy back.
            PolicyKind::Session => "1 validation error detected: Value at 'policy' failed to satisfy constraint: Member must have length less than or equal to 2048".to_owned(),
            PolicyKind::Resource => "Policy exceeds the maximum allowed document size.".to_owned(),
            PolicyKind::Scp | PolicyKind::Rcp => {
                "You have exceeded the maximum policy size.".to_owned()
            }
        }
    }
}

impl fmt::Display for PolicyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A policy kind name that is not one of [`PolicyKind`]'s.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown policy kind `{0}`: expected identity, managed, resource, trust, boundary, session, scp or rcp"
)]
pub struct UnknownPolicyKind(pub String);

impl FromStr for PolicyKind {
    type Err = UnknownPolicyKind;

    fn from_str(s: &str) -> Result<PolicyKind, UnknownPolicyKind> {
        ALL_KINDS
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownPolicyKind(s.to_owned()))
    }
}

/// One problem in a policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The JSON location, e.g. `Statement[1].Action[0]`, or `(document)`.
    pub location: String,
    /// What is wrong, in our words.
    pub message: String,
    /// The message AWS returns for this problem.
    pub aws_message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

const SYNTAX: &str = "Syntax errors in policy.";
const LEGACY: &str = "The policy failed legacy parsing";
const ORGANIZATIONS: &str =
    "The provided policy document does not meet the requirements of the specified policy type.";
const VERSION_REQUIRED: &str = "Policy document must be version 2012-10-17 or greater.";
const SID_UNIQUE: &str = "Statement IDs (SID) in a single policy must be unique.";
const SID_ALPHANUMERIC: &str = "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*";
const NO_PRINCIPAL_ALLOWED: &str = "Policy document should not specify a principal.";
const NO_PRINCIPALS: &str = "Invalid principal in policy: com.amazon.balsa.error.InvalidPolicyException: The passed in policy has a statement with no principals!";
const S3_MISSING_PRINCIPAL: &str = "Missing required field Principal";
const S3_INVALID_PRINCIPAL: &str = "Invalid principal in policy";
const S3_MISSING_ELEMENT: &str = "Statement is missing required element";
const MUST_HAVE_ACTIONS: &str = "Policy statement must contain actions.";
const MUST_HAVE_RESOURCES: &str = "Policy statement must contain resources.";
const VENDOR_PREFIX: &str =
    "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.";
const ONE_COLON: &str = "Actions/Condition can contain only one colon.";
const VENDOR_WILDCARD: &str = "Action vendors (e.g., aws, ec2, etc.) must not contain wildcards.";
const RESOURCE_VENDOR: &str = "Resource vendor must be fully qualified and cannot contain regexes.";
const TRUST_ACTIONS: &str = "AssumeRole policy may only specify STS AssumeRole actions.";

/// Partitions a resource or principal ARN may name.
const PARTITIONS: [&str; 8] = [
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-eusc",
];

/// The actions a trust policy may allow (compared case-insensitively, as IAM compares actions).
const TRUST_POLICY_ACTIONS: [&str; 6] = [
    "sts:AssumeRole",
    "sts:AssumeRoleWithSAML",
    "sts:AssumeRoleWithWebIdentity",
    "sts:TagSession",
    "sts:SetSourceIdentity",
    "sts:SetContext",
];

/// What the resource part of an IAM ARN may start with (IAM's list, as moto recorded it).
const IAM_RESOURCE_PREFIXES: [&str; 13] = [
    "user/",
    "federated-user/",
    "role/",
    "group/",
    "instance-profile/",
    "mfa/",
    "server-certificate/",
    "policy/",
    "sms-mfa/",
    "saml-provider/",
    "oidc-provider/",
    "report/",
    "access-report/",
];

/// Identity providers that a `Federated` principal may name by host.
const WELL_KNOWN_IDPS: [&str; 4] = [
    "cognito-identity.amazonaws.com",
    "www.amazon.com",
    "graph.facebook.com",
    "accounts.google.com",
];

/// Parses and validates policy text. An empty result means the policy is valid.
pub fn validate_text(text: &str, kind: PolicyKind) -> Vec<Finding> {
    match PolicyDocument::parse(text) {
        Ok(doc) => validate_document(&doc, text, kind),
        Err(e) => vec![Finding {
            location: e.location().unwrap_or("(document)").to_owned(),
            message: e.to_string(),
            aws_message: if kind.is_organizations() {
                ORGANIZATIONS.to_owned()
            } else {
                e.aws_message().to_owned()
            },
        }],
    }
}

/// Validates a parsed policy; `text` is the text it was parsed from (for the size quota, the
/// character set, and whether elements were written as arrays).
pub fn validate_document(doc: &PolicyDocument, text: &str, kind: PolicyKind) -> Vec<Finding> {
    let mut checker = Checker {
        doc,
        kind,
        shape: Shape::new(text),
        findings: Vec::new(),
    };
    checker.check_characters(text);
    checker.check_size(text);
    checker.check_version();
    let mut sids = HashSet::new();
    for (i, statement) in doc.statements.iter().enumerate() {
        checker.check_statement(i, statement);
        if let Some(sid) = statement.sid.as_deref().filter(|s| !s.is_empty()) {
            // Empty Sids may repeat: AWS compares only the ones that are set.
            if !sids.insert(sid) {
                let location = format!("{}.Sid", doc.statement_location(i));
                let aws = checker.aws(SID_UNIQUE);
                checker.push(
                    location,
                    format!("sid `{sid}` is used by an earlier statement: sids must be unique"),
                    aws,
                );
            }
        }
    }
    checker.findings
}

/// The size of a policy as AWS counts it against its quota, in characters. Whitespace outside
/// JSON string literals is skipped unless `counts_whitespace`.
pub fn policy_size(text: &str, counts_whitespace: bool) -> usize {
    if counts_whitespace {
        return text.chars().count();
    }
    let mut size = 0;
    let mut in_string = false;
    let mut escaped = false;
    for c in text.chars() {
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
        } else if matches!(c, ' ' | '\t' | '\n' | '\r') {
            continue;
        }
        size += 1;
    }
    size
}

/// Which elements of the original JSON were arrays, so locations can say `Action[0]` for
/// `"Action": ["…"]` but `Action` for `"Action": "…"` (the typed model no longer knows).
struct Shape(Option<Json>);

impl Shape {
    fn new(text: &str) -> Shape {
        Shape(Json::parse(text).ok())
    }

    fn statement(&self, index: usize) -> Option<&[(String, Json)]> {
        let Some(Json::Object(root)) = &self.0 else {
            return None;
        };
        let statement = match member(root, "Statement")? {
            Json::Array(items) => items.get(index)?,
            single if index == 0 => single,
            _ => return None,
        };
        match statement {
            Json::Object(members) => Some(members),
            _ => None,
        }
    }

    /// Whether the value at `path` under statement `index` is an array. Unknown shapes count as
    /// arrays, so every value still gets a distinct location.
    fn is_array(&self, index: usize, path: &[&str]) -> bool {
        let mut members = self.statement(index);
        let mut value = None;
        for key in path {
            value = members.and_then(|m| member(m, key));
            members = match value {
                Some(Json::Object(m)) => Some(m),
                _ => None,
            };
        }
        value.is_none_or(|v| matches!(v, Json::Array(_)))
    }
}

fn member<'j>(members: &'j [(String, Json)], key: &str) -> Option<&'j Json> {
    members.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

fn indexed(base: &str, index: usize, array: bool) -> String {
    if array {
        format!("{base}[{index}]")
    } else {
        base.to_owned()
    }
}

struct Checker<'d> {
    doc: &'d PolicyDocument,
    kind: PolicyKind,
    shape: Shape,
    findings: Vec<Finding>,
}

impl Checker<'_> {
    fn push(&mut self, location: impl Into<String>, message: String, aws_message: String) {
        self.findings.push(Finding {
            location: location.into(),
            message,
            aws_message,
        });
    }

    /// AWS's text for a problem: IAM's wording, or Organizations' only text for SCPs and RCPs.
    fn aws(&self, iam: impl Into<String>) -> String {
        if self.kind.is_organizations() {
            ORGANIZATIONS.to_owned()
        } else {
            iam.into()
        }
    }

    /// Like [`aws`](Self::aws), but with S3's wording for resource policies.
    fn aws_or_s3(&self, iam: &str, s3: &str) -> String {
        if self.kind == PolicyKind::Resource {
            s3.to_owned()
        } else {
            self.aws(iam)
        }
    }

    fn check_characters(&mut self, text: &str) {
        if !self.kind.is_iam() {
            return;
        }
        let allowed = |c: char| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{ff}');
        let mut bad = text.chars().filter(|&c| !allowed(c));
        let Some(first) = bad.next() else {
            return;
        };
        let more = bad.count();
        let (mut line, mut column) = (1, 1);
        for c in text.chars().take_while(|&c| allowed(c)) {
            if c == '\n' {
                line += 1;
                column = 1;
            } else {
                column += 1;
            }
        }
        let others = match more {
            0 => String::new(),
            1 => " (and 1 more)".to_owned(),
            n => format!(" (and {n} more)"),
        };
        self.push(
            "(document)",
            format!(
                "character U+{:04X} at line {line}, column {column}{others} is not allowed: IAM accepts only tab, line feed, carriage return and U+0020 to U+00FF",
                u32::from(first)
            ),
            SYNTAX.to_owned(),
        );
    }

    fn check_size(&mut self, text: &str) {
        let limit = self.kind.size_limit();
        let size = policy_size(text, self.kind.counts_whitespace());
        if size > limit {
            let counted = if self.kind.counts_whitespace() {
                ""
            } else {
                " not counting whitespace"
            };
            self.push(
                "(document)",
                format!(
                    "the policy is {size} characters{counted}, more than the {limit} allowed for {}",
                    self.kind.describe()
                ),
                self.kind.size_message(),
            );
        }
    }

    fn check_version(&mut self) {
        let required = matches!(
            self.kind,
            PolicyKind::Managed | PolicyKind::Boundary | PolicyKind::Scp | PolicyKind::Rcp
        );
        if !required || self.doc.variables_enabled() {
            return;
        }
        let (location, message) = match &self.doc.version {
            Some(v) => (
                "Version",
                format!(
                    "version `{v}` is not allowed in {}: use `2012-10-17`",
                    self.kind.describe()
                ),
            ),
            None => (
                "(document)",
                format!(
                    "{} must have `\"Version\": \"2012-10-17\"`",
                    self.kind.describe()
                ),
            ),
        };
        let aws = self.aws(VERSION_REQUIRED);
        self.push(location, message, aws);
    }

    fn check_statement(&mut self, index: usize, statement: &Statement) {
        let location = self.doc.statement_location(index);
        if let Some(sid) = &statement.sid {
            self.check_sid(&location, sid);
        }
        if self.kind == PolicyKind::Rcp && statement.effect == crate::Effect::Allow {
            self.push(
                format!("{location}.Effect"),
                "resource control policies may only deny: `Allow` is reserved for the AWS-managed `RCPFullAWSAccess` policy".to_owned(),
                ORGANIZATIONS.to_owned(),
            );
        }
        self.check_principal(index, &location, statement);
        self.check_actions(index, &location, statement.action.as_ref());
        self.check_resources(index, &location, statement.resource.as_ref());
        self.check_conditions(index, &location, statement);
    }

    fn check_sid(&mut self, location: &str, sid: &str) {
        if self.kind == PolicyKind::Resource {
            // S3 and KMS accept spaces and punctuation in Sids; only control characters are
            // clearly wrong.
            if sid.chars().any(char::is_control) {
                self.push(
                    format!("{location}.Sid"),
                    format!("sid `{}` contains a control character", sid.escape_debug()),
                    SYNTAX.to_owned(),
                );
            }
        } else if !sid.bytes().all(|b| b.is_ascii_alphanumeric()) {
            let aws = self.aws(SID_ALPHANUMERIC);
            self.push(
                format!("{location}.Sid"),
                format!("sid `{sid}` may contain only letters and digits"),
                aws,
            );
        }
    }

    fn check_principal(&mut self, index: usize, location: &str, statement: &Statement) {
        let requires_principal = matches!(
            self.kind,
            PolicyKind::Resource | PolicyKind::Trust | PolicyKind::Rcp
        );
        let missing_aws = match self.kind {
            PolicyKind::Trust => NO_PRINCIPALS.to_owned(),
            PolicyKind::Resource => S3_MISSING_PRINCIPAL.to_owned(),
            _ => ORGANIZATIONS.to_owned(),
        };
        let Some(element) = &statement.principal else {
            if requires_principal {
                self.push(
                    location,
                    format!(
                        "the statement has no `Principal`: {} must say whom they apply to",
                        self.kind.describe()
                    ),
                    missing_aws,
                );
            }
            return;
        };
        let key = if element.negated {
            "NotPrincipal"
        } else {
            "Principal"
        };
        let here = format!("{location}.{key}");
        if !requires_principal {
            let aws = self.aws(NO_PRINCIPAL_ALLOWED);
            self.push(
                here,
                format!(
                    "{} cannot have `{key}`: they apply to whoever they are attached to",
                    self.kind.describe()
                ),
                aws,
            );
            return;
        }
        if element.negated {
            match self.kind {
                // IAM reads only `Principal` from a trust policy, so a statement with only
                // `NotPrincipal` has, to IAM, no principals at all.
                PolicyKind::Trust => {
                    self.push(
                        here,
                        "trust policies cannot have `NotPrincipal`: name the trusted principals in `Principal`".to_owned(),
                        NO_PRINCIPALS.to_owned(),
                    );
                    return;
                }
                PolicyKind::Rcp => {
                    self.push(
                        here,
                        "resource control policies cannot have `NotPrincipal`: use `\"Principal\": \"*\"` and narrow it with conditions".to_owned(),
                        ORGANIZATIONS.to_owned(),
                    );
                    return;
                }
                _ if statement.effect == crate::Effect::Allow => {
                    self.push(
                        &here,
                        "`NotPrincipal` may only be used with `\"Effect\": \"Deny\"`: allowing everyone except some principals also allows anonymous callers".to_owned(),
                        S3_INVALID_PRINCIPAL.to_owned(),
                    );
                }
                _ => {}
            }
        }
        self.check_principal_values(index, location, &here, element, missing_aws);
    }

    fn check_principal_values(
        &mut self,
        index: usize,
        location: &str,
        here: &str,
        element: &PrincipalElement,
        missing_aws: String,
    ) {
        let typed = match &element.principals {
            Principals::Any => return,
            Principals::Typed(typed) => typed,
        };
        if self.kind == PolicyKind::Rcp {
            self.push(
                here,
                "resource control policies only support `\"Principal\": \"*\"`: narrow it with conditions".to_owned(),
                ORGANIZATIONS.to_owned(),
            );
            return;
        }
        if typed.iter().all(|(_, values)| values.is_empty()) {
            self.push(
                here,
                "the principal names nobody: give at least one principal".to_owned(),
                missing_aws,
            );
            return;
        }
        let key = if element.negated {
            "NotPrincipal"
        } else {
            "Principal"
        };
        for (ptype, values) in typed {
            let array = self.shape.is_array(index, &[key, ptype.key()]);
            for (j, value) in values.iter().enumerate() {
                let Some(problem) = principal_problem(self.kind, *ptype, value) else {
                    continue;
                };
                let aws = if self.kind == PolicyKind::Resource {
                    S3_INVALID_PRINCIPAL.to_owned()
                } else {
                    format!(
                        "Invalid principal in policy: \"{}\":\"{value}\"",
                        ptype.key()
                    )
                };
                let loc = indexed(&format!("{location}.{key}.{}", ptype.key()), j, array);
                self.push(loc, problem, aws);
            }
        }
    }

    /// An `Action`/`Resource` element (or its `Not` form) that must be present and non-empty;
    /// reports the problem and gives `None` otherwise.
    fn required<'e>(
        &mut self,
        location: &str,
        element: Option<&'e StringElement>,
        name: &'static str,
        aws_iam: &str,
    ) -> Option<&'e StringElement> {
        if let Some(e) = element.filter(|e| !e.values.is_empty()) {
            return Some(e);
        }
        let (loc, message) = match element {
            Some(e) => (
                format!("{location}.{}", element_key(e, name)),
                format!(
                    "the {} list is empty: give at least one",
                    name.to_lowercase()
                ),
            ),
            None => (
                location.to_owned(),
                format!("the statement has no `{name}` or `Not{name}`"),
            ),
        };
        let aws = self.aws_or_s3(aws_iam, S3_MISSING_ELEMENT);
        self.push(loc, message, aws);
        None
    }

    fn check_actions(&mut self, index: usize, location: &str, action: Option<&StringElement>) {
        let Some(action) = self.required(location, action, "Action", MUST_HAVE_ACTIONS) else {
            return;
        };
        let key = element_key(action, "Action");
        let here = format!("{location}.{key}");
        if action.negated {
            match self.kind {
                PolicyKind::Rcp => self.push(
                    &here,
                    "resource control policies cannot have `NotAction`: list the denied actions in `Action`".to_owned(),
                    ORGANIZATIONS.to_owned(),
                ),
                PolicyKind::Trust => self.push(
                    &here,
                    "trust policies cannot have `NotAction`: list the allowed `sts:AssumeRole*` actions in `Action`".to_owned(),
                    TRUST_ACTIONS.to_owned(),
                ),
                _ => {}
            }
        }
        let array = self.shape.is_array(index, &[key]);
        for (j, value) in action.values.iter().enumerate() {
            let loc = indexed(&here, j, array);
            if let Some((message, aws)) = action_problem(value) {
                let aws = self.aws(aws);
                self.push(loc, message, aws);
            } else if self.kind == PolicyKind::Scp && !scp_wildcards_ok(value) {
                self.push(
                    loc,
                    format!("action `{value}` has a wildcard before its end: in service control policies `*` may only stand alone or end the action"),
                    ORGANIZATIONS.to_owned(),
                );
            } else if self.kind == PolicyKind::Trust
                && !action.negated
                && !TRUST_POLICY_ACTIONS
                    .iter()
                    .any(|a| a.eq_ignore_ascii_case(value))
            {
                // Wildcards are refused even when they match only allowed actions today
                // (`sts:AssumeRole*`): they would also match actions STS adds later, such as
                // `sts:AssumeRoot`, which a trust policy must not grant.
                self.push(
                    loc,
                    format!(
                        "action `{value}` is not allowed in a trust policy: use {}",
                        TRUST_POLICY_ACTIONS.map(|a| format!("`{a}`")).join(", ")
                    ),
                    TRUST_ACTIONS.to_owned(),
                );
            }
        }
    }

    fn check_resources(&mut self, index: usize, location: &str, resource: Option<&StringElement>) {
        if self.kind == PolicyKind::Trust {
            if let Some(resource) = resource {
                let key = element_key(resource, "Resource");
                self.push(
                    format!("{location}.{key}"),
                    format!("trust policies cannot have `{key}`: the role itself is the resource"),
                    format!("Has prohibited field {key}"),
                );
            }
            return;
        }
        let Some(resource) = self.required(location, resource, "Resource", MUST_HAVE_RESOURCES)
        else {
            return;
        };
        let key = element_key(resource, "Resource");
        let here = format!("{location}.{key}");
        let array = self.shape.is_array(index, &[key]);
        let variables = self.doc.variables_enabled();
        for (j, value) in resource.values.iter().enumerate() {
            let loc = indexed(&here, j, array);
            if variables {
                if let Some(variable) = variable_before_resource_part(value) {
                    let aws = self.aws(SYNTAX);
                    self.push(
                        loc,
                        format!("policy variable `{variable}` in `{value}` comes before the fifth colon: variables may only appear in the resource part of an ARN"),
                        aws,
                    );
                    continue;
                }
                if let Some(problem) = malformed_variable(value) {
                    let aws = self.aws(SYNTAX);
                    self.push(&loc, format!("in `{value}`, {problem}"), aws);
                }
            }
            if let Some((message, aws)) = resource_problem(value) {
                let aws = self.aws(aws);
                self.push(loc, message, aws);
            }
        }
    }

    fn check_conditions(&mut self, index: usize, location: &str, statement: &Statement) {
        let variables = self.doc.variables_enabled();
        for entry in &statement.conditions {
            let operator = entry.operator.to_string();
            let key_loc = format!("{location}.Condition.{operator}.{}", entry.key);
            if let Some((message, aws)) = condition_key_problem(&entry.key) {
                let aws = self.aws(aws);
                self.push(&key_loc, message, aws);
            }
            let array = self
                .shape
                .is_array(index, &["Condition", &operator, &entry.key]);
            let value_type = entry.operator.kind.value_type();
            for (j, value) in entry.values.iter().enumerate() {
                let loc = indexed(&key_loc, j, array);
                if let Some(message) = condition_value_problem(value_type, value, variables) {
                    let aws = match value_type {
                        ValueType::String | ValueType::Arn => SYNTAX,
                        _ => LEGACY,
                    };
                    let aws = self.aws(aws);
                    self.push(loc, format!("{message} (operator `{operator}`)"), aws);
                }
            }
        }
    }
}

fn element_key(element: &StringElement, base: &'static str) -> &'static str {
    match (element.negated, base) {
        (true, "Action") => "NotAction",
        (true, "Resource") => "NotResource",
        _ => base,
    }
}

fn has_wildcard(s: &str) -> bool {
    s.contains(['*', '?'])
}

fn is_vendor(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
}

/// Problems with a `vendor:name` prefix shared by actions and condition keys.
fn vendor_problem(what: &str, value: &str, vendor: &str) -> Option<(String, String)> {
    if has_wildcard(vendor) {
        return Some((
            format!("the service prefix `{vendor}` of {what} `{value}` cannot contain wildcards"),
            VENDOR_WILDCARD.to_owned(),
        ));
    }
    if !is_vendor(vendor) {
        return Some((
            format!(
                "`{vendor}` in {what} `{value}` is not a valid service prefix: use letters, digits, `.` and `-`"
            ),
            format!("Vendor {vendor} is not valid"),
        ));
    }
    None
}

/// What is wrong with an action, and AWS's text for it.
fn action_problem(value: &str) -> Option<(String, String)> {
    if value == "*" {
        return None;
    }
    let Some((vendor, name)) = value.split_once(':') else {
        return Some((
            format!("action `{value}` must be `*` or `service:action`, such as `s3:GetObject`"),
            VENDOR_PREFIX.to_owned(),
        ));
    };
    if name.contains(':') {
        return Some((
            format!("action `{value}` has more than one colon"),
            ONE_COLON.to_owned(),
        ));
    }
    // IAM does not check that the action exists: unknown names are accepted and never match.
    vendor_problem("action", value, vendor)
}

/// SCP actions may hold a wildcard only alone or at the very end (`ec2:Describe*`).
fn scp_wildcards_ok(value: &str) -> bool {
    let body = value.strip_suffix('*').unwrap_or(value);
    value == "*" || !has_wildcard(body)
}

/// What is wrong with a condition key, and AWS's text for it.
fn condition_key_problem(key: &str) -> Option<(String, String)> {
    let Some((vendor, _name)) = key.split_once(':') else {
        return Some((
            format!("condition key `{key}` must be `service:name`, such as `aws:SourceIp`"),
            VENDOR_PREFIX.to_owned(),
        ));
    };
    // Unlike actions, condition keys may hold more colons: AWS documents
    // `kms:EncryptionContext:KEY`, `kms:RecipientAttestation:PCR0` and
    // `sagemaker:ModelLifeCycle:Stage`, and tag keys may contain colons too
    // (`aws:ResourceTag/aws:cloudformation:stack-name`).
    // The keys of an OIDC provider are its URL, path included, then the claim
    // (`oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE:sub`): such a prefix is a host and a path.
    if let Some((host, path)) = vendor.split_once('/')
        && is_vendor(host)
        && !has_wildcard(path)
        && path.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'~' | b'/' | b'%')
        })
    {
        return None;
    }
    vendor_problem("condition key", key, vendor)
}

fn partition_ok(partition: &str) -> bool {
    if PARTITIONS.contains(&partition) {
        return true;
    }
    if !has_wildcard(partition) {
        return false;
    }
    let matcher = Matcher::parse(
        partition,
        Syntax {
            wildcards: true,
            variables: false,
        },
    );
    PARTITIONS.iter().any(|p| matcher.matches_static(p))
}

/// What is wrong with a `Resource`/`NotResource` entry, and AWS's text for it. Follows IAM's
/// order: the legacy shape check, then the ARN prefix, partition, service, region and IAM path.
fn resource_problem(value: &str) -> Option<(String, String)> {
    if value == "*" {
        return None;
    }
    let colons = value.matches(':').count();
    // IAM's legacy parser refuses `::` in a string too short to be an ARN, and an empty
    // service; both mean the components are misaligned (`arn:aws:s3::bucket`).
    if (value.contains("::") && colons < 5) || value.split(':').nth(2) == Some("") {
        return Some((
            format!(
                "resource `{value}` is not a well-formed ARN: write `arn:partition:service:region:account:resource`, such as `arn:aws:s3:::bucket`"
            ),
            LEGACY.to_owned(),
        ));
    }
    let not_arn = || {
        Some((
            format!("resource `{value}` must be `*` or an ARN"),
            format!("Resource {value} must be in ARN format or \"*\"."),
        ))
    };
    let Some((prefix, rest)) = value.split_once(':') else {
        return not_arn();
    };
    if prefix != "arn" {
        return not_arn();
    }
    let (partition, after) = match rest.split_once(':') {
        Some((p, a)) => (p, Some(a)),
        None => (rest, None),
    };
    if !partition_ok(partition) {
        // AWS quotes the resource with missing components filled in with `*`.
        let remaining: Vec<&str> = after.map_or_else(|| vec![""], |a| a.split(':').collect());
        let first = remaining.first().copied().unwrap_or("");
        let first = if first.is_empty() && remaining.len() < 2 {
            "*"
        } else {
            first
        };
        let second = remaining.get(1).copied().unwrap_or("*");
        let third = remaining.get(2).copied().unwrap_or("*");
        let fourth = if remaining.len() > 3 {
            remaining.get(3..).map_or_else(String::new, |r| r.join(":"))
        } else {
            "*".to_owned()
        };
        return Some((
            format!(
                "partition `{partition}` of resource `{value}` is not an AWS partition: use one of {}",
                PARTITIONS.map(|p| format!("`{p}`")).join(", ")
            ),
            format!(
                "Partition \"{partition}\" is not valid for resource \"arn:{partition}:{first}:{second}:{third}:{fourth}\"."
            ),
        ));
    }
    let vendor_error = || {
        Some((
            format!("resource `{value}` must name its service, without wildcards"),
            RESOURCE_VENDOR.to_owned(),
        ))
    };
    let Some(after) = after else {
        return vendor_error();
    };
    let mut components = after.splitn(4, ':');
    let service = components.next().unwrap_or("");
    let region = components.next().unwrap_or("");
    let account = components.next().unwrap_or("");
    let resource = components.next();
    if service.is_empty() || has_wildcard(service) {
        return vendor_error();
    }
    if service == "iam" && !region.is_empty() {
        return Some((
            format!("IAM resource `{value}` cannot have a region: IAM is global"),
            format!("IAM resource {value} cannot contain region information."),
        ));
    }
    // Bucket ARNs have no region; access points have both a region and an account.
    if service == "s3" && !region.is_empty() && account.is_empty() {
        return Some((
            format!("S3 resource `{value}` cannot have a region without an account"),
            format!("Resource {value} can not contain region information."),
        ));
    }
    if service == "iam" {
        let path = resource.unwrap_or("");
        if !path.starts_with('*') && !IAM_RESOURCE_PREFIXES.iter().any(|p| path.starts_with(p)) {
            let list = IAM_RESOURCE_PREFIXES.join(", ");
            return Some((
                format!(
                    "IAM resource `{value}` must end in `*` or a resource path starting with one of {list}"
                ),
                format!("IAM resource path must either be \"*\" or start with {list}."),
            ));
        }
    }
    None
}

fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// `arn:PARTITION:SERVICE::ACCOUNT:RESOURCE` split into (service, account, resource), when the
/// partition is known and the region empty, as in every principal ARN.
fn principal_arn(value: &str) -> Option<(&str, &str, &str)> {
    let arn = crate::arn::Arn::parse(value).ok()?;
    (arn.region.is_empty() && PARTITIONS.contains(&arn.partition)).then_some((
        arn.service,
        arn.account,
        arn.resource,
    ))
}

fn non_empty_after<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    s.strip_prefix(prefix).filter(|rest| !rest.is_empty())
}

fn is_aws_principal(value: &str) -> bool {
    if value == "*" || is_account_id(value) {
        return true;
    }
    match principal_arn(value) {
        Some(("iam", "cloudfront", resource)) => non_empty_after(resource, "user/").is_some(),
        Some(("iam", account, resource)) => {
            is_account_id(account)
                && (resource == "root"
                    || non_empty_after(resource, "user/").is_some()
                    || non_empty_after(resource, "role/").is_some())
        }
        Some(("sts", account, resource)) => {
            is_account_id(account)
                && (non_empty_after(resource, "assumed-role/").is_some_and(|rest| {
                    rest.split_once('/')
                        .is_some_and(|(role, session)| !role.is_empty() && !session.is_empty())
                }) || non_empty_after(resource, "federated-user/").is_some())
        }
        _ => false,
    }
}

fn is_host(value: &str) -> bool {
    let labels: Vec<&str> = value.split('.').collect();
    labels.len() >= 2
        && labels
            .iter()
            .all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
}

fn is_service_principal(value: &str) -> bool {
    [".amazonaws.com", ".amazonaws.com.cn"]
        .iter()
        .any(|suffix| value.strip_suffix(suffix).is_some_and(is_host_or_label))
}

fn is_host_or_label(s: &str) -> bool {
    is_host(s) || (!s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
}

fn is_federated_principal(value: &str) -> bool {
    if let Some(("iam", account, resource)) = principal_arn(value) {
        return is_account_id(account)
            && (non_empty_after(resource, "saml-provider/").is_some()
                || non_empty_after(resource, "oidc-provider/").is_some());
    }
    // Any OIDC issuer may be named by its host and path (`token.actions.githubusercontent.com`),
    // so the well-known IdPs are only the common case of a host.
    let host = value.split_once('/').map_or(value, |(h, _)| h);
    WELL_KNOWN_IDPS.contains(&value)
        || (is_host(host) && !value.chars().any(|c| c.is_whitespace() || c.is_control()))
}

/// What is wrong with one principal value, in our words.
fn principal_problem(kind: PolicyKind, ptype: PrincipalType, value: &str) -> Option<String> {
    let key = ptype.key();
    if value != "*" && has_wildcard(value) {
        return Some(format!(
            "`{key}` principal `{value}` has a wildcard in part of it: only `*` on its own matches principals"
        ));
    }
    let ok = match ptype {
        PrincipalType::Aws => is_aws_principal(value),
        PrincipalType::Service => is_service_principal(value),
        PrincipalType::Federated => is_federated_principal(value),
        PrincipalType::CanonicalUser => {
            if kind != PolicyKind::Resource {
                return Some(format!(
                    "`CanonicalUser` principal `{value}` is supported only in resource policies (S3)"
                ));
            }
            value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit())
        }
    };
    if ok {
        return None;
    }
    let expected = match ptype {
        PrincipalType::Aws => {
            "use `*`, a 12-digit account ID, or the ARN of an account root, IAM user, IAM role, assumed-role session or federated user"
        }
        PrincipalType::Service => "use a service principal such as `ec2.amazonaws.com`",
        PrincipalType::Federated => {
            "use a SAML or OIDC provider ARN, or an identity provider host such as `accounts.google.com`"
        }
        PrincipalType::CanonicalUser => "use a 64-digit hexadecimal canonical user ID",
    };
    Some(format!(
        "`{value}` is not a valid `{key}` principal: {expected}"
    ))
}

/// What is wrong with one condition value for an operator of type `value_type`.
fn condition_value_problem(value_type: ValueType, value: &str, variables: bool) -> Option<String> {
    let (ok, expected) = match value_type {
        ValueType::String | ValueType::Arn => {
            return variables
                .then(|| malformed_variable(value))
                .flatten()
                .map(|problem| format!("in `{value}`, {problem}"));
        }
        ValueType::Numeric => (parse_number(value).is_some(), "a number"),
        ValueType::Date => (
            parse_date(value).is_some(),
            "an ISO 8601 date such as `2024-01-31T12:00:00Z`, or epoch seconds",
        ),
        ValueType::Bool => (parse_bool(value).is_some(), "`true` or `false`"),
        ValueType::Null => (parse_bool(value).is_some(), "`true` or `false`"),
        ValueType::Ip => (
            parse_ip_network(value).is_some(),
            "an IP address or CIDR block such as `203.0.113.0/24`",
        ),
        ValueType::Binary => (parse_binary(value).is_some(), "base64-encoded bytes"),
    };
    if ok {
        return None;
    }
    let hint = if value.contains("${") {
        ": policy variables are only substituted in string and ARN conditions"
    } else {
        ""
    };
    Some(format!("`{value}` is not {expected}{hint}"))
}

/// Checks the `${…}` at the start of `text`. `Ok` gives the bytes it spans and whether it is an
/// escape (`${*}`, `${?}`, `${$}`) rather than a variable. Accepts exactly what the pattern
/// parser turns into a variable.
fn check_variable(text: &str) -> Result<(usize, bool), String> {
    let Some(close) = text.find('}') else {
        return Err("`${` is never closed by `}`".to_owned());
    };
    let inner = text.get(2..close).unwrap_or("");
    if matches!(inner, "*" | "?" | "$") {
        return Ok((close + 1, true));
    }
    let key = match inner.split_once(',') {
        None => inner.trim(),
        Some((key, default)) => {
            let default = default.trim();
            if default.len() < 2 || !default.starts_with('\'') || !default.ends_with('\'') {
                return Err(format!(
                    "the default value of `${{{inner}}}` must be in single quotes, as in `${{aws:username, 'none'}}`"
                ));
            }
            key.trim()
        }
    };
    if !is_variable_key(key) {
        return Err(format!(
            "`${{{inner}}}` is not a policy variable: `{key}` is not a context key such as `aws:username`"
        ));
    }
    Ok((close + 1, false))
}

/// The first `${` in `text` that does not form a policy variable, described. AWS keeps such text
/// literally, which is never what the author meant.
fn malformed_variable(text: &str) -> Option<String> {
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let at = rest.get(start..).unwrap_or("");
        match check_variable(at) {
            Ok((len, _)) => rest = at.get(len..).unwrap_or(""),
            Err(problem) => return Some(problem),
        }
    }
    None
}

/// The first policy variable in `text` before its fifth colon (outside the resource part of an
/// ARN). Colons inside a variable do not count.
fn variable_before_resource_part(text: &str) -> Option<&str> {
    let mut colons = 0;
    let mut rest = text;
    while colons < 5 {
        let c = rest.chars().next()?;
        if rest.starts_with("${")
            && let Ok((len, escape)) = check_variable(rest)
        {
            let variable = rest.get(..len).unwrap_or(rest);
            if !escape {
                return Some(variable);
            }
            rest = rest.get(len..).unwrap_or("");
            continue;
        }
        if c == ':' {
            colons += 1;
        }
        rest = rest.get(c.len_utf8()..).unwrap_or("");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn check(kind: PolicyKind, text: &str) -> Vec<(String, String)> {
        validate_text(text, kind)
            .into_iter()
            .map(|f| (f.location, f.aws_message))
            .collect()
    }

    /// Asserts exactly one finding, at `location`, with AWS text `aws`.
    #[track_caller]
    fn one(kind: PolicyKind, text: &str, location: &str, aws: &str) {
        let findings = validate_text(text, kind);
        assert_eq!(
            findings
                .iter()
                .map(|f| (f.location.as_str(), f.aws_message.as_str()))
                .collect::<Vec<_>>(),
            vec![(location, aws)],
            "{findings:#?}"
        );
    }

    #[track_caller]
    fn valid(kind: PolicyKind, text: &str) {
        let findings = validate_text(text, kind);
        assert!(findings.is_empty(), "{kind}: {text}\n{findings:#?}");
    }

    /// An identity statement with `extra` members added.
    fn identity(extra: &str) -> String {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"{extra}}}]}}"#
        )
    }

    fn with_action(action: &str) -> String {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":[{action}],"Resource":"*"}}]}}"#
        )
    }

    fn with_resource(resource: &str) -> String {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"s3:*","Resource":[{resource}]}}]}}"#
        )
    }

    fn trust(statement: &str) -> String {
        format!(r#"{{"Version":"2012-10-17","Statement":[{statement}]}}"#)
    }

    fn condition(operator: &str, key: &str, values: &str) -> String {
        identity(&format!(
            r#","Condition":{{"{operator}":{{"{key}":{values}}}}}"#
        ))
    }

    use PolicyKind::*;

    #[test]
    fn kinds_round_trip_through_their_names() {
        for kind in ALL_KINDS {
            assert_eq!(kind.to_string().parse::<PolicyKind>(), Ok(kind));
        }
        assert_eq!("SCP".parse::<PolicyKind>(), Ok(Scp));
        let err = "inline".parse::<PolicyKind>().unwrap_err();
        assert!(
            err.to_string().starts_with("unknown policy kind `inline`"),
            "{err}"
        );
    }

    #[test]
    fn condition_keys_may_hold_more_colons() {
        // KMS encryption-context keys and tag keys with colons, as in AWS's own policies.
        for key in [
            "kms:EncryptionContext:aws:s3:arn",
            "kms:EncryptionContext:aws:pi:service",
            "aws:ResourceTag/aws:cloudformation:stack-name",
            // OIDC providers' keys: the provider URL (a port, a path), then the claim.
            "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub",
            "127.0.0.1:4567/realms/dev:aud",
            "token.actions.githubusercontent.com:sub",
        ] {
            let text = format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Condition":{{"StringEquals":{{"{key}":"x"}}}}}}]}}"#
            );
            assert_eq!(validate_text(&text, Identity), Vec::new(), "{key}");
        }
    }

    #[test]
    fn finding_displays_location_and_message() {
        let f = Finding {
            location: "Statement[0].Sid".into(),
            message: "bad".into(),
            aws_message: "x".into(),
        };
        assert_eq!(f.to_string(), "Statement[0].Sid: bad");
    }

    #[test]
    fn parse_errors_become_one_finding() {
        one(Identity, "{", "(document)", SYNTAX);
        one(
            Identity,
            r#"{"Statement":[{"Effect":"Allow","Action":{"a":1},"Resource":"*"}]}"#,
            "Statement[0].Action",
            SYNTAX,
        );
        one(
            Identity,
            r#"{"Statement":{"Effect":"allow","Action":"*","Resource":"*"}}"#,
            "Statement.Effect",
            LEGACY,
        );
        one(Scp, "[]", "(document)", ORGANIZATIONS);
        let f = validate_text("{", Identity);
        assert!(f[0].message.starts_with("invalid JSON"), "{}", f[0].message);
    }

    #[test]
    fn valid_policies_of_every_kind() {
        let table: &[(PolicyKind, &str)] = &[
            (
                Identity,
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::example-bucket"}}"#,
            ),
            (
                Identity,
                r#"{"Statement":[{"Sid":"","Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"","Effect":"Deny","NotAction":"iam:*","NotResource":["arn:aws:iam::*:role/x","*"]}]}"#,
            ),
            (
                Identity,
                r#"{"Version":"2012-10-17","Id":"sdfsdfsdf","Statement":[{"Sid":"AllowHome","Effect":"Allow","Action":["s3:GetObject","s3-s:x","s3.s:x","iam: asdf safdsf af ","fsx:ListBucket"],
                "Resource":["arn:aws:s3:::bucket/home/${aws:username}/*","arn:aws:invalid-service:::x","arn:aws:fdsasf","arn:*:s3:::x","arn:aws*:s3:::y","arn:aws:s3:us-west-2:111122223333:accesspoint/ap","arn:aws:iam::aws:policy/ReadOnlyAccess"],
                "Condition":{"StringEquals":{"aws:PrincipalTag/team":["${aws:username, 'nobody'}","${*}"]},"StringLike":{"aws:ResourceTag/aws:cloudformation:stack-name":"prod-*"},
                "NumericLessThan":{"s3:max-keys":[10,"2.5","-3","1e3"]},"DateGreaterThan":{"aws:CurrentTime":["2020-01-01T00:00:00Z",1700000000,"2020","2016-12-13t2:00:00.593194+23"]},
                "Bool":{"aws:SecureTransport":[true,"FALSE"]},"Null":{"aws:TokenIssueTime":"true"},"IpAddress":{"aws:SourceIp":["203.0.113.0/24","2001:db8::/32","10.0.0.1"]},
                "BinaryEquals":{"aws:x":"QmluYXJ5"},"ForAnyValue:StringEqualsIfExists":{"aws:TagKeys":[]}}}]}"#,
            ),
            (
                Managed,
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:Describe*","Resource":"*"}]}"#,
            ),
            (
                Boundary,
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*","cloudwatch:*"],"Resource":"*"}]}"#,
            ),
            (
                Session,
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket/*"}]}"#,
            ),
            (
                Resource,
                r#"{"Version":"2012-10-17","Statement":[{"Sid":"Public read access","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*"}]}"#,
            ),
            (
                Resource,
                r#"{"Version":"2012-10-17","Statement":[{"Sid":"Cross-account","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:root","444455556666","arn:aws:iam::111122223333:role/path/R","arn:aws:sts::111122223333:assumed-role/R/session","arn:aws:sts::111122223333:federated-user/bob","arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E1"],
                "CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be","Service":"cloudtrail.amazonaws.com"},"Action":["s3:PutObject"],"Resource":"arn:aws:s3:::b/*"},
                {"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:user/admin"},"Action":"s3:*","Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"]}]}"#,
            ),
            (
                Trust,
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
            ),
            (
                Trust,
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},"Action":["sts:AssumeRoleWithWebIdentity","sts:tagsession"],
                "Condition":{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"}}},
                {"Effect":"Allow","Principal":{"Federated":["arn:aws:iam::111122223333:saml-provider/Okta","accounts.google.com","cognito-identity.amazonaws.com"]},"Action":["sts:AssumeRoleWithSAML","sts:SetSourceIdentity","sts:SetContext"]},
                {"Effect":"Allow","Principal":{"AWS":"*","Service":"elasticmapreduce.amazonaws.com.cn"},"Action":"sts:AssumeRole"}]}"#,
            ),
            (
                Scp,
                r#"{"Version":"2012-10-17","Statement":[{"Sid":"DenyAllOutsideEU","Effect":"Deny","NotAction":["iam:*","organizations:*","support:*"],"Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["eu-central-1","eu-west-1"]}}}]}"#,
            ),
            (
                Scp,
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:Describe*","*"],"Resource":"*"}]}"#,
            ),
            (
                Rcp,
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"BoolIfExists":{"aws:SecureTransport":"false"}}}]}"#,
            ),
            (
                Rcp,
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Principal":"*","Action":"s3:PutBucketPublicAccessBlock","NotResource":"arn:aws:s3:::keep"}}"#,
            ),
        ];
        for (kind, text) in table {
            valid(*kind, text);
        }
    }

    #[test]
    fn principal_is_forbidden_in_identity_kinds() {
        let text = identity(r#","Principal":{"AWS":"111122223333"}"#);
        for kind in [Identity, Managed, Boundary, Session] {
            one(kind, &text, "Statement[0].Principal", NO_PRINCIPAL_ALLOWED);
        }
        one(Scp, &text, "Statement[0].Principal", ORGANIZATIONS);
        let text = identity(r#","NotPrincipal":"*""#);
        one(
            Identity,
            &text,
            "Statement[0].NotPrincipal",
            NO_PRINCIPAL_ALLOWED,
        );
    }

    #[test]
    fn principal_is_required_in_resource_trust_and_rcp() {
        one(
            Trust,
            &trust(r#"{"Effect":"Allow","Action":"sts:AssumeRole"}"#),
            "Statement[0]",
            NO_PRINCIPALS,
        );
        one(
            Trust,
            &trust(r#"{"Effect":"Allow","Principal":{"AWS":[]},"Action":"sts:AssumeRole"}"#),
            "Statement[0].Principal",
            NO_PRINCIPALS,
        );
        one(
            Resource,
            &identity(""),
            "Statement[0]",
            S3_MISSING_PRINCIPAL,
        );
        let deny = r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"s3:*","Resource":"*"}}"#;
        one(Rcp, deny, "Statement", ORGANIZATIONS);
    }

    #[test]
    fn not_principal_rules() {
        let allow = r#"{"Statement":[{"Effect":"Allow","NotPrincipal":{"AWS":"111122223333"},"Action":"s3:*","Resource":"*"}]}"#;
        one(
            Resource,
            allow,
            "Statement[0].NotPrincipal",
            S3_INVALID_PRINCIPAL,
        );
        valid(Resource, &allow.replace("Allow", "Deny"));
        one(
            Trust,
            &trust(
                r#"{"Effect":"Deny","NotPrincipal":{"AWS":"111122223333"},"Action":"sts:AssumeRole"}"#,
            ),
            "Statement[0].NotPrincipal",
            NO_PRINCIPALS,
        );
        one(
            Rcp,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotPrincipal":{"AWS":"111122223333"},"Action":"s3:*","Resource":"*"}]}"#,
            "Statement[0].NotPrincipal",
            ORGANIZATIONS,
        );
    }

    #[test]
    fn rcp_rules() {
        let rcp =
            |statement: &str| format!(r#"{{"Version":"2012-10-17","Statement":[{statement}]}}"#);
        one(
            Rcp,
            &rcp(
                r#"{"Effect":"Deny","Principal":{"AWS":"111122223333"},"Action":"s3:*","Resource":"*"}"#,
            ),
            "Statement[0].Principal",
            ORGANIZATIONS,
        );
        one(
            Rcp,
            &rcp(r#"{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}"#),
            "Statement[0].Effect",
            ORGANIZATIONS,
        );
        one(
            Rcp,
            &rcp(r#"{"Effect":"Deny","Principal":"*","NotAction":"s3:*","Resource":"*"}"#),
            "Statement[0].NotAction",
            ORGANIZATIONS,
        );
    }

    #[test]
    fn trust_policy_rules() {
        one(
            Trust,
            &trust(
                r#"{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole","Resource":"*"}"#,
            ),
            "Statement[0].Resource",
            "Has prohibited field Resource",
        );
        for action in [
            "sts:TagSessions",
            "sts:*",
            "*",
            "sts:AssumeRole*",
            "s3:GetObject",
        ] {
            one(
                Trust,
                &trust(&format!(
                    r#"{{"Effect":"Allow","Principal":{{"Service":"ec2.amazonaws.com"}},"Action":["sts:AssumeRole","{action}"]}}"#
                )),
                "Statement[0].Action[1]",
                TRUST_ACTIONS,
            );
        }
        valid(
            Trust,
            &trust(
                r#"{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":["STS:ASSUMEROLE","sts:assumerolewithsaml"]}"#,
            ),
        );
        one(
            Trust,
            &trust(
                r#"{"Effect":"Allow","Principal":{"AWS":"111122223333"},"NotAction":"sts:AssumeRole"}"#,
            ),
            "Statement[0].NotAction",
            TRUST_ACTIONS,
        );
    }

    #[test]
    fn version_rules() {
        let no_version = r#"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;
        one(Managed, no_version, "(document)", VERSION_REQUIRED);
        one(Boundary, no_version, "(document)", VERSION_REQUIRED);
        one(Scp, no_version, "(document)", ORGANIZATIONS);
        valid(Identity, no_version);
        valid(Session, no_version);
        let old = r#"{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;
        one(Managed, old, "Version", VERSION_REQUIRED);
        valid(Identity, old);
    }

    #[test]
    fn actions_are_required() {
        one(
            Identity,
            r#"{"Statement":[{"Effect":"Allow","Resource":"*"}]}"#,
            "Statement[0]",
            MUST_HAVE_ACTIONS,
        );
        one(
            Identity,
            r#"{"Statement":{"Effect":"Allow","Action":[],"Resource":"*"}}"#,
            "Statement.Action",
            MUST_HAVE_ACTIONS,
        );
        one(
            Resource,
            r#"{"Statement":{"Effect":"Allow","Principal":"*","Resource":"*"}}"#,
            "Statement",
            S3_MISSING_ELEMENT,
        );
    }

    #[test]
    fn action_format() {
        one(
            Identity,
            &with_action(r#""s3:x","invalid""#),
            "Statement[0].Action[1]",
            VENDOR_PREFIX,
        );
        one(
            Identity,
            &with_action(r#""""#),
            "Statement[0].Action[0]",
            VENDOR_PREFIX,
        );
        one(
            Identity,
            &with_action(r#""s3:List:Bucket""#),
            "Statement[0].Action[0]",
            ONE_COLON,
        );
        one(
            Identity,
            &with_action(r#""*:Untag*""#),
            "Statement[0].Action[0]",
            VENDOR_WILDCARD,
        );
        one(
            Identity,
            &with_action(r#""ec2*:Describe""#),
            "Statement[0].Action[0]",
            VENDOR_WILDCARD,
        );
        one(
            Identity,
            &with_action(r#""a a:b""#),
            "Statement[0].Action[0]",
            "Vendor a a is not valid",
        );
        one(
            Scp,
            &with_action(r#""a a:b""#),
            "Statement[0].Action[0]",
            ORGANIZATIONS,
        );
        // A single string is located without an index.
        one(
            Identity,
            r#"{"Statement":{"Effect":"Allow","Action":"bad","Resource":"*"}}"#,
            "Statement.Action",
            VENDOR_PREFIX,
        );
    }

    #[test]
    fn scp_wildcards_only_at_the_end() {
        one(
            Scp,
            &with_action(r#""ec2:Describe*","iam:*User""#),
            "Statement[0].Action[1]",
            ORGANIZATIONS,
        );
        one(
            Scp,
            &with_action(r#""iam:Get?ser""#),
            "Statement[0].Action[0]",
            ORGANIZATIONS,
        );
        valid(Identity, &with_action(r#""iam:*User""#));
        assert!(scp_wildcards_ok("*"));
        assert!(scp_wildcards_ok("s3:*"));
        assert!(!scp_wildcards_ok("s3:**"));
    }

    #[test]
    fn resources_are_required_except_in_trust_policies() {
        one(
            Identity,
            r#"{"Statement":[{"Effect":"Allow","Action":"s3:*"}]}"#,
            "Statement[0]",
            MUST_HAVE_RESOURCES,
        );
        one(
            Identity,
            r#"{"Statement":[{"Effect":"Allow","Action":"s3:*","NotResource":[]}]}"#,
            "Statement[0].NotResource",
            MUST_HAVE_RESOURCES,
        );
        one(
            Scp,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*"}]}"#,
            "Statement[0]",
            ORGANIZATIONS,
        );
    }

    #[test]
    fn resource_format() {
        let cases: &[(&str, &str)] = &[
            (
                "invalid resource",
                r#"Resource invalid resource must be in ARN format or "*"."#,
            ),
            ("", r#"Resource  must be in ARN format or "*"."#),
            (
                "urn:aws:s3:::b",
                r#"Resource urn:aws:s3:::b must be in ARN format or "*"."#,
            ),
            (
                "arn:b:cadfsdf",
                r#"Partition "b" is not valid for resource "arn:b:cadfsdf:*:*:*"."#,
            ),
            (
                "arn:b:s3:::x",
                r#"Partition "b" is not valid for resource "arn:b:s3:::x"."#,
            ),
            (
                "arn:x*:s3:::x",
                r#"Partition "x*" is not valid for resource "arn:x*:s3:::x"."#,
            ),
            ("arn:aws", RESOURCE_VENDOR),
            ("arn:aws:s3*:::x", RESOURCE_VENDOR),
            (
                "arn:aws:iam:us-east-1::x",
                "IAM resource arn:aws:iam:us-east-1::x cannot contain region information.",
            ),
            (
                "arn:aws:s3:us-east-1::x",
                "Resource arn:aws:s3:us-east-1::x can not contain region information.",
            ),
            (
                "arn:aws:iam:::example_bucket",
                "IAM resource path must either be \"*\" or start with user/, federated-user/, role/, group/, instance-profile/, mfa/, server-certificate/, policy/, sms-mfa/, saml-provider/, oidc-provider/, report/, access-report/.",
            ),
            ("arn:aws:s3::bucket", LEGACY),
            ("arn:aws::fdsasf", LEGACY),
            ("arn:aws:iam::*", LEGACY),
        ];
        for (resource, aws) in cases {
            one(
                Identity,
                &with_resource(&format!("\"{resource}\"")),
                "Statement[0].Resource[0]",
                aws,
            );
        }
    }

    #[test]
    fn sid_rules() {
        let text = identity(r#","Sid":"has-dash""#);
        for kind in [Identity, Managed, Boundary, Session] {
            one(kind, &text, "Statement[0].Sid", SID_ALPHANUMERIC);
        }
        one(Scp, &text, "Statement[0].Sid", ORGANIZATIONS);
        one(
            Trust,
            &trust(
                r#"{"Sid":"a b","Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"sts:AssumeRole"}"#,
            ),
            "Statement[0].Sid",
            SID_ALPHANUMERIC,
        );
        valid(
            Resource,
            r#"{"Statement":{"Sid":"Allow get: public_read-1","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}}"#,
        );
        one(
            Resource,
            r#"{"Statement":{"Sid":"a\u0001","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}}"#,
            "Statement.Sid",
            SYNTAX,
        );
    }

    #[test]
    fn sids_must_be_unique() {
        let text = r#"{"Statement":[{"Sid":"A","Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"","Effect":"Allow","Action":"*","Resource":"*"},
            {"Sid":"","Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"A","Effect":"Deny","Action":"*","Resource":"*"}]}"#;
        one(Identity, text, "Statement[3].Sid", SID_UNIQUE);
        valid(Identity, &text.replacen("\"A\"", "\"a\"", 1));
    }

    #[test]
    fn principal_values() {
        let resource = |principal: &str| {
            format!(
                r#"{{"Statement":{{"Effect":"Allow","Principal":{principal},"Action":"sts:AssumeRole"}}}}"#
            )
        };
        for (principal, location, value) in [
            (
                r#"{"AWS":"arn:aws:iam::111122223333:group/admins"}"#,
                "Statement.Principal.AWS",
                "\"AWS\":\"arn:aws:iam::111122223333:group/admins\"",
            ),
            (
                r#"{"AWS":["111122223333","1234"]}"#,
                "Statement.Principal.AWS[1]",
                "\"AWS\":\"1234\"",
            ),
            (
                r#"{"AWS":"arn:aws:iam::111122223333:role/*"}"#,
                "Statement.Principal.AWS",
                "\"AWS\":\"arn:aws:iam::111122223333:role/*\"",
            ),
            (
                r#"{"AWS":"arn:aws:sts::111122223333:assumed-role/R"}"#,
                "Statement.Principal.AWS",
                "\"AWS\":\"arn:aws:sts::111122223333:assumed-role/R\"",
            ),
            (
                r#"{"AWS":"arn:foo:iam::111122223333:root"}"#,
                "Statement.Principal.AWS",
                "\"AWS\":\"arn:foo:iam::111122223333:root\"",
            ),
            (
                r#"{"Service":"ec2"}"#,
                "Statement.Principal.Service",
                "\"Service\":\"ec2\"",
            ),
            (
                r#"{"Service":"*"}"#,
                "Statement.Principal.Service",
                "\"Service\":\"*\"",
            ),
            (
                r#"{"Federated":"not a host"}"#,
                "Statement.Principal.Federated",
                "\"Federated\":\"not a host\"",
            ),
            (
                r#"{"CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"}"#,
                "Statement.Principal.CanonicalUser",
                "\"CanonicalUser\":\"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be\"",
            ),
        ] {
            one(
                Trust,
                &resource(principal),
                location,
                &format!("Invalid principal in policy: {value}"),
            );
        }
        let bucket = r#"{"Statement":{"Effect":"Allow","Principal":{"CanonicalUser":"abc"},"Action":"s3:*","Resource":"*"}}"#;
        one(
            Resource,
            bucket,
            "Statement.Principal.CanonicalUser",
            S3_INVALID_PRINCIPAL,
        );
    }

    #[test]
    fn condition_keys() {
        let loc = "Statement[0].Condition.StringEquals.";
        one(
            Identity,
            &condition("StringEquals", "nocolon", "\"x\""),
            &format!("{loc}nocolon"),
            VENDOR_PREFIX,
        );
        // AWS documents keys with more colons (kms:EncryptionContext:…,
        // sagemaker:ModelLifeCycle:Stage); the one-colon rule is for actions.
        valid(Identity, &condition("StringEquals", "a:b:c", "\"x\""));
        one(
            Identity,
            &condition("StringEquals", "a*:b", "\"x\""),
            &format!("{loc}a*:b"),
            VENDOR_WILDCARD,
        );
        one(
            Identity,
            &condition("StringEquals", "a b:c", "\"x\""),
            &format!("{loc}a b:c"),
            "Vendor a b is not valid",
        );
        valid(
            Identity,
            &condition("StringEquals", "aws:RequestTag/a:b:c", "\"x\""),
        );
    }

    #[test]
    fn condition_values_must_parse_for_their_operator() {
        for (operator, value) in [
            ("NumericEquals", "\"ten\""),
            ("NumericEquals", "\"${aws:x}\""),
            ("NumericLessThanIfExists", "\"1.\""),
            ("DateGreaterThan", "\"sdfdsf\""),
            ("DateGreaterThan", "\"234-13\""),
            ("DateGreaterThan", "\"9223372036854775808\""),
            ("DateGreaterThan", "\"2016-12-13T2:00:00+1\""),
            ("Bool", "\"yes\""),
            ("Null", "\"1\""),
            ("IpAddress", "\"10.0.0.300\""),
            ("NotIpAddress", "\"10.0.0.0/33\""),
            ("BinaryEquals", "\"not base64!\""),
        ] {
            one(
                Identity,
                &condition(operator, "aws:x", value),
                &format!("Statement[0].Condition.{operator}.aws:x"),
                LEGACY,
            );
        }
        one(
            Identity,
            &condition("ForAllValues:NumericEquals", "aws:x", r#"[1,"x"]"#),
            "Statement[0].Condition.ForAllValues:NumericEquals.aws:x[1]",
            LEGACY,
        );
        one(
            Scp,
            &condition("Bool", "aws:x", "\"yes\""),
            "Statement[0].Condition.Bool.aws:x",
            ORGANIZATIONS,
        );
    }

    #[test]
    fn malformed_policy_variables() {
        one(
            Identity,
            &condition("StringEquals", "aws:x", r#""${aws:username, none}""#),
            "Statement[0].Condition.StringEquals.aws:x",
            SYNTAX,
        );
        one(
            Identity,
            &with_resource(r#""arn:aws:s3:::b/${aws:username""#),
            "Statement[0].Resource[0]",
            SYNTAX,
        );
        one(
            Identity,
            &condition(
                "ArnLike",
                "aws:SourceArn",
                r#"["arn:aws:sns:*:*:${nokey}"]"#,
            ),
            "Statement[0].Condition.ArnLike.aws:SourceArn[0]",
            SYNTAX,
        );
        // Variables are plain text in 2008-10-17 policies.
        valid(
            Identity,
            &with_resource(r#""arn:aws:s3:::b/${aws:username""#)
                .replace("2012-10-17", "2008-10-17"),
        );
    }

    #[test]
    fn variables_only_in_the_resource_part() {
        one(
            Identity,
            &with_resource(r#""arn:aws:ec2:${aws:RequestedRegion}:111122223333:instance/*""#),
            "Statement[0].Resource[0]",
            SYNTAX,
        );
        assert_eq!(
            variable_before_resource_part("arn:aws:iam::${aws:PrincipalAccount}:role/x"),
            Some("${aws:PrincipalAccount}")
        );
        assert_eq!(
            variable_before_resource_part("arn:aws:s3:::${aws:username}"),
            None
        );
        assert_eq!(variable_before_resource_part("arn:aws${*}:s3:::x"), None);
    }

    #[test]
    fn characters_outside_latin1_are_refused_by_iam() {
        let text =
            identity(r#","Sid":"caf\u00e9""#).replace(r#""Sid":"caf\u00e9""#, "\"Sid\":\"Ā\"");
        let findings = validate_text(&text, Identity);
        assert!(
            findings.iter().any(|f| f.location == "(document)"
                && f.aws_message == SYNTAX
                && f.message.contains("U+0100")),
            "{findings:#?}"
        );
        // The escaped form is plain ASCII text.
        let escaped = with_action(r#""s3:\u0100""#);
        valid(Identity, &escaped);
        valid(Scp, &with_action(r#""s3:Ā""#));
        one(Identity, &with_action(r#""s3:Ā""#), "(document)", SYNTAX);
    }

    #[test]
    fn size_quotas() {
        let padded = |n: usize| with_action(&format!("\"s3:{}\"", "a".repeat(n)));
        let base = policy_size(&padded(0), false);
        valid(Managed, &padded(6144 - base));
        one(
            Managed,
            &padded(6145 - base),
            "(document)",
            "Cannot exceed quota for PolicySize: 6144",
        );
        one(
            Boundary,
            &padded(6145 - base),
            "(document)",
            "Cannot exceed quota for PolicySize: 6144",
        );
        one(
            Identity,
            &padded(10241 - base),
            "(document)",
            "Maximum policy size of 10240 bytes exceeded",
        );
        let big_trust = trust(&format!(
            r#"{{"Sid":"{}","Effect":"Allow","Principal":{{"AWS":"111122223333"}},"Action":"sts:AssumeRole"}}"#,
            "a".repeat(2048)
        ));
        one(
            Trust,
            &big_trust,
            "(document)",
            "Cannot exceed quota for ACLSizePerRole: 2048",
        );
        // Whitespace outside strings does not count for IAM, but does for Organizations.
        let spaced = format!("{}{}", " \n".repeat(100), padded(5000 - base));
        valid(Identity, &spaced);
        let size = policy_size(&spaced, true);
        assert!(size > 5120, "{size}");
        one(
            Scp,
            &spaced,
            "(document)",
            "You have exceeded the maximum policy size.",
        );
        one(
            Session,
            &padded(2049 - base),
            "(document)",
            &PolicyKind::Session.size_message(),
        );
    }

    #[test]
    fn policy_size_skips_only_whitespace_outside_strings() {
        assert_eq!(policy_size("{ \"a b\" :\n\t1 }", false), 9);
        assert_eq!(policy_size("{ \"a b\" :\n\t1 }", true), 14);
        assert_eq!(policy_size(r#"["\" x", 2]"#, false), 10);
        assert_eq!(policy_size("\"é\"", false), 3);
    }

    #[test]
    fn reports_every_problem() {
        let text = r#"{"Statement":[{"Sid":"a-1","Effect":"Allow","Principal":"*","Action":["bad","s3:a:b"],"Resource":["x","arn:aws:s3:::b"],
            "Condition":{"NumericEquals":{"nokey":"x"}}}]}"#;
        let findings = check(Managed, text);
        let locations: Vec<&str> = findings.iter().map(|(l, _)| l.as_str()).collect();
        assert_eq!(
            locations,
            vec![
                "(document)",
                "Statement[0].Sid",
                "Statement[0].Principal",
                "Statement[0].Action[0]",
                "Statement[0].Action[1]",
                "Statement[0].Resource[0]",
                "Statement[0].Condition.NumericEquals.nokey",
                "Statement[0].Condition.NumericEquals.nokey",
            ]
        );
    }

    fn json_ish() -> impl Strategy<Value = String> {
        let token = prop_oneof![
            Just("{".to_owned()),
            Just("}".to_owned()),
            Just("[".to_owned()),
            Just("]".to_owned()),
            Just(",".to_owned()),
            Just(":".to_owned()),
            Just("\"Version\":\"2012-10-17\"".to_owned()),
            Just("\"Statement\"".to_owned()),
            Just("\"Effect\":\"Allow\"".to_owned()),
            Just("\"Effect\":\"Deny\"".to_owned()),
            Just("\"Principal\"".to_owned()),
            Just("\"NotPrincipal\"".to_owned()),
            Just("\"AWS\"".to_owned()),
            Just("\"Action\"".to_owned()),
            Just("\"NotAction\"".to_owned()),
            Just("\"Resource\"".to_owned()),
            Just("\"Condition\"".to_owned()),
            Just("\"DateLessThan\"".to_owned()),
            Just("\"Sid\"".to_owned()),
            Just("\"*\"".to_owned()),
            Just("1".to_owned()),
            Just("true".to_owned()),
            "\"[a-z:*?${}/ ,'0-9A-Z.-]{0,30}\"",
        ];
        prop::collection::vec(token, 0..60).prop_map(|t| t.concat())
    }

    fn policy_like() -> impl Strategy<Value = String> {
        let s = || "[a-zA-Z0-9:*?${}/ ,'.+-]{0,24}";
        (s(), s(), s(), s(), s(), s()).prop_map(|(sid, action, resource, principal, key, value)| {
            format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Sid":{sid:?},"Effect":"Allow","Principal":{{"AWS":{principal:?}}},"Action":{action:?},"Resource":{resource:?},
                "Condition":{{"DateLessThan":{{{key:?}:{value:?}}},"StringLike":{{"a:b":{value:?}}},"IpAddress":{{"a:c":{value:?}}},"NumericEquals":{{"a:d":{value:?}}}}}}}]}}"#
            )
        })
    }

    proptest! {
        #[test]
        fn never_panics_on_arbitrary_text(text in ".{0,200}") {
            for kind in ALL_KINDS {
                let _ = validate_text(&text, kind);
            }
        }

        #[test]
        fn never_panics_on_json_ish_text(text in json_ish()) {
            for kind in ALL_KINDS {
                let _ = validate_text(&text, kind);
            }
        }

        #[test]
        fn never_panics_on_policy_like_text(text in policy_like()) {
            for kind in ALL_KINDS {
                for f in validate_text(&text, kind) {
                    prop_assert!(!f.aws_message.is_empty());
                    prop_assert!(!f.location.is_empty());
                }
            }
        }

    }
}
