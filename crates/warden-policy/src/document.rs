//! The typed policy document, and its parser.
//!
//! Parsing checks the grammar (IAM User Guide, "Grammar of the IAM JSON policy language"): element
//! names, types, and pairs that may not appear together. A grammar error is fatal and carries
//! AWS's wording (`Syntax errors in policy.`) plus our own message naming the JSON location.
//! Rules that depend on the kind of policy live in [`crate::validate`].

use std::fmt;

use crate::json::Json;
use crate::operator::Operator;

/// The policy language version that enables policy variables.
pub const VERSION_2012_10_17: &str = "2012-10-17";
/// The original policy language version (the default when `Version` is absent).
pub const VERSION_2008_10_17: &str = "2008-10-17";

/// The largest document the parser reads, in bytes. Far above every AWS quota; it only bounds
/// the work a hostile input can cause.
pub const MAX_DOCUMENT_BYTES: usize = 1 << 20;

/// `Allow` or `Deny`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Effect {
    Allow,
    Deny,
}

impl fmt::Display for Effect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        })
    }
}

/// The type key of a principal entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PrincipalType {
    Aws,
    Service,
    Federated,
    CanonicalUser,
}

impl PrincipalType {
    fn parse(key: &str) -> Option<PrincipalType> {
        match key {
            "AWS" => Some(PrincipalType::Aws),
            "Service" => Some(PrincipalType::Service),
            "Federated" => Some(PrincipalType::Federated),
            "CanonicalUser" => Some(PrincipalType::CanonicalUser),
            _ => None,
        }
    }

    /// The key as written in policies.
    pub fn key(self) -> &'static str {
        match self {
            PrincipalType::Aws => "AWS",
            PrincipalType::Service => "Service",
            PrincipalType::Federated => "Federated",
            PrincipalType::CanonicalUser => "CanonicalUser",
        }
    }
}

/// The value of `Principal` or `NotPrincipal`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principals {
    /// `"*"`: everyone, including anonymous callers.
    Any,
    /// `{"AWS": […], "Service": […], …}`.
    Typed(Vec<(PrincipalType, Vec<String>)>),
}

/// `Principal` or `NotPrincipal`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrincipalElement {
    pub negated: bool,
    pub principals: Principals,
}

/// `Action`/`NotAction` or `Resource`/`NotResource`: a list of strings, possibly negated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StringElement {
    pub negated: bool,
    pub values: Vec<String>,
}

/// One `operator: {key: values}` entry of a `Condition` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionEntry {
    pub operator: Operator,
    pub key: String,
    pub values: Vec<String>,
}

/// One statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub sid: Option<String>,
    pub effect: Effect,
    pub principal: Option<PrincipalElement>,
    pub action: Option<StringElement>,
    pub resource: Option<StringElement>,
    pub conditions: Vec<ConditionEntry>,
}

/// A parsed policy document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyDocument {
    pub version: Option<String>,
    pub id: Option<String>,
    pub statements: Vec<Statement>,
    /// Whether `Statement` was written as an array (locations then carry an index).
    pub statement_array: bool,
}

impl PolicyDocument {
    /// Parses policy JSON text.
    pub fn parse(text: &str) -> Result<PolicyDocument, ParseError> {
        if text.len() > MAX_DOCUMENT_BYTES {
            return Err(ParseError::TooLarge { bytes: text.len() });
        }
        let json = Json::parse(text).map_err(|e| ParseError::Json {
            line: e.line(),
            column: e.column(),
            message: json_error_message(&e),
        })?;
        PolicyDocument::from_json(&json)
    }

    /// Reads a policy from an already parsed JSON value.
    pub fn from_json(json: &Json) -> Result<PolicyDocument, ParseError> {
        parse_document(json)
    }

    /// Whether policy variables are substituted (only with `Version: 2012-10-17`).
    pub fn variables_enabled(&self) -> bool {
        self.version.as_deref() == Some(VERSION_2012_10_17)
    }

    /// The context keys the policy reads, each once (case-insensitively), in order of first
    /// appearance: condition keys, then policy variables in `Resource`/`NotResource` and in
    /// condition values (with `Version: 2012-10-17`). What `GetContextKeysFor*Policy` lists.
    pub fn context_keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = Vec::new();
        let mut add = |key: &str| {
            if !keys.iter().any(|k| k.eq_ignore_ascii_case(key)) {
                keys.push(key.to_owned());
            }
        };
        let syntax = crate::pattern::Syntax {
            wildcards: true,
            variables: self.variables_enabled(),
        };
        let variables = |text: &str, add: &mut dyn FnMut(&str)| {
            if !syntax.variables {
                return;
            }
            for atom in crate::pattern::parse_atoms(text, syntax) {
                if let crate::pattern::Atom::Variable(v) = atom {
                    add(&v.key);
                }
            }
        };
        for st in &self.statements {
            for c in &st.conditions {
                add(&c.key);
            }
        }
        for st in &self.statements {
            for value in st.resource.iter().flat_map(|r| &r.values) {
                variables(value, &mut add);
            }
            for value in st.conditions.iter().flat_map(|c| &c.values) {
                variables(value, &mut add);
            }
        }
        keys
    }

    /// The JSON location of statement `index`, as used in error messages.
    pub fn statement_location(&self, index: usize) -> String {
        if self.statement_array {
            format!("Statement[{index}]")
        } else {
            "Statement".to_owned()
        }
    }
}

/// Strips serde_json's " at line N column M" suffix: the location is reported separately.
fn json_error_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}

/// A grammar error: the document is not a policy at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("invalid JSON at line {line}, column {column}: {message}")]
    Json {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("policy document is {bytes} bytes, more than the 1 MiB this parser reads")]
    TooLarge { bytes: usize },
    #[error("{location}: {message}")]
    Grammar { location: String, message: String },
    /// `Effect` spelled with the wrong case: AWS reports this from its legacy parser.
    #[error("{location}: effect `{value}` must be written `Allow` or `Deny`")]
    EffectCase { location: String, value: String },
}

impl ParseError {
    /// The message AWS returns for this problem (`MalformedPolicyDocument`).
    pub fn aws_message(&self) -> &'static str {
        match self {
            ParseError::EffectCase { .. } => "The policy failed legacy parsing",
            _ => "Syntax errors in policy.",
        }
    }

    /// The JSON location, when the error has one.
    pub fn location(&self) -> Option<&str> {
        match self {
            ParseError::Grammar { location, .. } | ParseError::EffectCase { location, .. } => {
                Some(location)
            }
            _ => None,
        }
    }
}

/// A JSON location under construction; formatted only when an error is reported.
#[derive(Clone, Copy)]
enum Loc<'a> {
    Root,
    Key(&'a Loc<'a>, &'a str),
    Index(&'a Loc<'a>, usize),
}

impl fmt::Display for Loc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Loc::Root => f.write_str("(document)"),
            Loc::Key(Loc::Root, key) => f.write_str(key),
            Loc::Key(parent, key) => write!(f, "{parent}.{key}"),
            Loc::Index(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

fn grammar(loc: &Loc<'_>, message: impl Into<String>) -> ParseError {
    ParseError::Grammar {
        location: loc.to_string(),
        message: message.into(),
    }
}

fn parse_document(json: &Json) -> Result<PolicyDocument, ParseError> {
    let root = Loc::Root;
    let Json::Object(members) = json else {
        return Err(grammar(
            &root,
            format!("a policy must be a JSON object, not {}", json.type_name()),
        ));
    };
    let mut version = None;
    let mut id = None;
    let mut statements = None;
    let mut statement_array = false;
    for (key, value) in members {
        let loc = Loc::Key(&root, key);
        match key.as_str() {
            "Version" => {
                let v = expect_string(&loc, value)?;
                if v != VERSION_2012_10_17 && v != VERSION_2008_10_17 {
                    return Err(grammar(
                        &loc,
                        format!("unsupported version `{v}`: use `2012-10-17` or `2008-10-17`"),
                    ));
                }
                version = Some(v.to_owned());
            }
            "Id" => id = Some(expect_string(&loc, value)?.to_owned()),
            "Statement" => {
                let (list, is_array) = match value {
                    Json::Array(items) => (items.iter().collect::<Vec<_>>(), true),
                    Json::Object(_) => (vec![value], false),
                    other => {
                        return Err(grammar(
                            &loc,
                            format!(
                                "`Statement` must be an object or an array of objects, not {}",
                                other.type_name()
                            ),
                        ));
                    }
                };
                statement_array = is_array;
                statements = Some(list);
            }
            other => {
                return Err(grammar(&loc, format!("unknown element `{other}`")));
            }
        }
    }
    let version_ok = version.as_deref() == Some(VERSION_2012_10_17);
    let Some(list) = statements else {
        return Err(grammar(&root, "the policy has no `Statement` element"));
    };
    if list.is_empty() {
        return Err(grammar(
            &Loc::Key(&root, "Statement"),
            "`Statement` must not be empty",
        ));
    }
    let statement_key = Loc::Key(&root, "Statement");
    let mut parsed = Vec::with_capacity(list.len());
    for (i, value) in list.into_iter().enumerate() {
        let loc = if statement_array {
            Loc::Index(&statement_key, i)
        } else {
            statement_key
        };
        parsed.push(parse_statement(&loc, value, version_ok)?);
    }
    Ok(PolicyDocument {
        version,
        id,
        statements: parsed,
        statement_array,
    })
}

fn parse_statement(loc: &Loc<'_>, json: &Json, _variables: bool) -> Result<Statement, ParseError> {
    let Json::Object(members) = json else {
        return Err(grammar(
            loc,
            format!("a statement must be an object, not {}", json.type_name()),
        ));
    };
    let mut sid = None;
    let mut effect = None;
    let mut principal: Option<PrincipalElement> = None;
    let mut action: Option<StringElement> = None;
    let mut resource: Option<StringElement> = None;
    let mut conditions = Vec::new();
    for (key, value) in members {
        let here = Loc::Key(loc, key);
        match key.as_str() {
            "Sid" => sid = Some(expect_string(&here, value)?.to_owned()),
            "Effect" => {
                let text = expect_string(&here, value)?;
                effect = Some(match text {
                    "Allow" => Effect::Allow,
                    "Deny" => Effect::Deny,
                    t if t.eq_ignore_ascii_case("allow") || t.eq_ignore_ascii_case("deny") => {
                        return Err(ParseError::EffectCase {
                            location: here.to_string(),
                            value: t.to_owned(),
                        });
                    }
                    t => {
                        return Err(grammar(
                            &here,
                            format!("effect must be `Allow` or `Deny`, not `{t}`"),
                        ));
                    }
                });
            }
            "Principal" | "NotPrincipal" => {
                if principal.is_some() {
                    return Err(grammar(
                        &here,
                        "a statement cannot have both `Principal` and `NotPrincipal`",
                    ));
                }
                principal = Some(PrincipalElement {
                    negated: key == "NotPrincipal",
                    principals: parse_principals(&here, value)?,
                });
            }
            "Action" | "NotAction" => {
                if action.is_some() {
                    return Err(grammar(
                        &here,
                        "a statement cannot have both `Action` and `NotAction`",
                    ));
                }
                action = Some(StringElement {
                    negated: key == "NotAction",
                    values: string_list(&here, value)?,
                });
            }
            "Resource" | "NotResource" => {
                if resource.is_some() {
                    return Err(grammar(
                        &here,
                        "a statement cannot have both `Resource` and `NotResource`",
                    ));
                }
                resource = Some(StringElement {
                    negated: key == "NotResource",
                    values: string_list(&here, value)?,
                });
            }
            "Condition" => conditions = parse_conditions(&here, value)?,
            other => return Err(grammar(&here, format!("unknown element `{other}`"))),
        }
    }
    let Some(effect) = effect else {
        return Err(grammar(loc, "the statement has no `Effect`"));
    };
    Ok(Statement {
        sid,
        effect,
        principal,
        action,
        resource,
        conditions,
    })
}

fn expect_string<'j>(loc: &Loc<'_>, json: &'j Json) -> Result<&'j str, ParseError> {
    match json {
        Json::String(s) => Ok(s),
        other => Err(grammar(
            loc,
            format!("expected a string, found {}", other.type_name()),
        )),
    }
}

/// A string or an array of strings.
fn string_list(loc: &Loc<'_>, json: &Json) -> Result<Vec<String>, ParseError> {
    match json {
        Json::String(s) => Ok(vec![s.clone()]),
        Json::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| expect_string(&Loc::Index(loc, i), item).map(str::to_owned))
            .collect(),
        other => Err(grammar(
            loc,
            format!(
                "expected a string or an array of strings, found {}",
                other.type_name()
            ),
        )),
    }
}

fn parse_principals(loc: &Loc<'_>, json: &Json) -> Result<Principals, ParseError> {
    match json {
        Json::String(s) if s == "*" => Ok(Principals::Any),
        Json::String(s) => Err(grammar(
            loc,
            format!(
                "a principal must be `\"*\"` or an object such as {{\"AWS\": \"{s}\"}}, not the bare string `{s}`"
            ),
        )),
        Json::Object(members) => {
            let mut typed = Vec::with_capacity(members.len());
            for (key, value) in members {
                let here = Loc::Key(loc, key);
                let Some(kind) = PrincipalType::parse(key) else {
                    return Err(grammar(
                        &here,
                        format!(
                            "unknown principal type `{key}`: use `AWS`, `Service`, `Federated` or `CanonicalUser`"
                        ),
                    ));
                };
                typed.push((kind, string_list(&here, value)?));
            }
            Ok(Principals::Typed(typed))
        }
        other => Err(grammar(
            loc,
            format!(
                "a principal must be `\"*\"` or an object, not {}",
                other.type_name()
            ),
        )),
    }
}

fn parse_conditions(loc: &Loc<'_>, json: &Json) -> Result<Vec<ConditionEntry>, ParseError> {
    let Json::Object(operators) = json else {
        return Err(grammar(
            loc,
            format!("`Condition` must be an object, not {}", json.type_name()),
        ));
    };
    let mut entries = Vec::new();
    for (name, block) in operators {
        let here = Loc::Key(loc, name);
        let Some(operator) = Operator::parse(name) else {
            return Err(grammar(
                &here,
                format!("unknown condition operator `{name}`"),
            ));
        };
        let Json::Object(keys) = block else {
            return Err(grammar(
                &here,
                format!(
                    "a condition operator takes an object of keys, not {}",
                    block.type_name()
                ),
            ));
        };
        for (key, values) in keys {
            let key_loc = Loc::Key(&here, key);
            let values = match values {
                Json::Array(items) => items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| scalar(&Loc::Index(&key_loc, i), item))
                    .collect::<Result<Vec<_>, _>>()?,
                other => vec![scalar(&key_loc, other)?],
            };
            entries.push(ConditionEntry {
                operator,
                key: key.clone(),
                values,
            });
        }
    }
    Ok(entries)
}

fn scalar(loc: &Loc<'_>, json: &Json) -> Result<String, ParseError> {
    json.scalar_text().ok_or_else(|| {
        grammar(
            loc,
            format!(
                "a condition value must be a string, number or boolean, not {}",
                json.type_name()
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operator::OperatorKind;

    #[test]
    fn parses_a_full_statement() {
        let doc = PolicyDocument::parse(
            r#"{"Version":"2012-10-17","Id":"p1","Statement":[{"Sid":"A","Effect":"Allow",
            "Principal":{"AWS":["111122223333","arn:aws:iam::111122223333:user/a"],"Service":"ec2.amazonaws.com"},
            "NotAction":"s3:*","Resource":["*"],
            "Condition":{"ForAnyValue:StringLikeIfExists":{"aws:TagKeys":["a*",1,true]},"Bool":{"aws:SecureTransport":false}}}]}"#,
        )
        .unwrap();
        assert!(doc.variables_enabled());
        assert_eq!(doc.id.as_deref(), Some("p1"));
        let st = &doc.statements[0];
        assert_eq!(st.effect, Effect::Allow);
        let p = st.principal.as_ref().unwrap();
        assert!(!p.negated);
        let Principals::Typed(types) = &p.principals else {
            panic!()
        };
        assert_eq!(types[0].1.len(), 2);
        assert_eq!(types[1].0, PrincipalType::Service);
        assert!(st.action.as_ref().unwrap().negated);
        assert_eq!(st.conditions.len(), 2);
        assert_eq!(st.conditions[0].values, vec!["a*", "1", "true"]);
        assert_eq!(st.conditions[0].operator.kind, OperatorKind::StringLike);
        assert_eq!(st.conditions[1].values, vec!["false"]);
    }

    #[test]
    fn statement_may_be_a_single_object_and_version_is_optional() {
        let doc =
            PolicyDocument::parse(r#"{"Statement":{"Effect":"Deny","Action":"*","Resource":"*"}}"#)
                .unwrap();
        assert!(!doc.variables_enabled());
        assert!(!doc.statement_array);
        assert_eq!(doc.statement_location(0), "Statement");
    }

    fn err(text: &str) -> ParseError {
        PolicyDocument::parse(text).unwrap_err()
    }

    #[test]
    fn grammar_errors_name_the_location() {
        let e = err(r#"{"Statement":[{"Effect":"Allow","Action":{"a":1},"Resource":"*"}]}"#);
        assert_eq!(e.location(), Some("Statement[0].Action"));
        assert_eq!(e.aws_message(), "Syntax errors in policy.");
        let e = err(r#"{"Statement":[{"Effect":"Allow","Action":["s3:x",3],"Resource":"*"}]}"#);
        assert_eq!(e.location(), Some("Statement[0].Action[1]"));
        let e = err(r#"{"Statement":{"Effect":"Allow","Action":"*","NotAction":"*"}}"#);
        assert!(
            e.to_string().contains("both `Action` and `NotAction`"),
            "{e}"
        );
        let e = err(
            r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEqualz":{"a:b":"c"}}}]}"#,
        );
        assert_eq!(e.location(), Some("Statement[0].Condition.StringEqualz"));
        let e = err(
            r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"a:b":[["c"]]}}}]}"#,
        );
        assert_eq!(
            e.location(),
            Some("Statement[0].Condition.StringEquals.a:b[0]")
        );
    }

    #[test]
    fn effect_case_is_a_legacy_parsing_error() {
        let e = err(r#"{"Statement":{"Effect":"allow","Action":"*","Resource":"*"}}"#);
        assert_eq!(e.aws_message(), "The policy failed legacy parsing");
        let e = err(r#"{"Statement":{"Effect":"Maybe","Action":"*","Resource":"*"}}"#);
        assert_eq!(e.aws_message(), "Syntax errors in policy.");
    }

    #[test]
    fn refuses_bad_shapes() {
        for text in [
            "",
            "[]",
            "null",
            r#"{"Statement":[]}"#,
            r#"{"Version":"2012-10-17"}"#,
            r#"{"Version":"2013-10-17","Statement":{"Effect":"Allow"}}"#,
            r#"{"Version":2012,"Statement":{"Effect":"Allow"}}"#,
            r#"{"Statement":{"Action":"*"}}"#,
            r#"{"Statement":"x"}"#,
            r#"{"Statement":[1]}"#,
            r#"{"Statement":{"Effect":"Allow","Principal":"arn:aws:iam::1:root"}}"#,
            r#"{"Statement":{"Effect":"Allow","Principal":{"Nobody":"x"}}}"#,
            r#"{"Statement":{"Effect":"Allow","Principal":"*","NotPrincipal":"*"}}"#,
            r#"{"Statement":{"Effect":"Allow","Condition":[]}}"#,
            r#"{"Statement":{"Effect":"Allow","Condition":{"Bool":"x"}}}"#,
            r#"{"Statement":{"Effect":"Allow","Surprise":1}}"#,
            r#"{"Statement":{"Effect":"Allow"},"Extra":1}"#,
            r#"{"Statement":{"Effect":"Allow","Effect":"Deny"}}"#,
        ] {
            assert!(PolicyDocument::parse(text).is_err(), "accepted {text}");
        }
    }

    #[test]
    fn refuses_oversized_documents() {
        let big = format!("{{\"Id\":\"{}\"}}", "x".repeat(MAX_DOCUMENT_BYTES));
        assert!(matches!(
            PolicyDocument::parse(&big),
            Err(ParseError::TooLarge { .. })
        ));
    }
}

#[cfg(test)]
mod context_key_tests {
    use super::*;

    #[test]
    fn lists_condition_keys_and_variables_once() {
        let doc = PolicyDocument::parse(
            r#"{"Version":"2012-10-17","Statement":[
                {"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username}/*",
                 "Condition":{"StringEquals":{"aws:PrincipalTag/team":"${aws:PrincipalTag/Dept}"},
                              "IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}},
                {"Effect":"Deny","Action":"*","Resource":"*",
                 "Condition":{"Bool":{"AWS:SourceIP":"x","aws:SecureTransport":"false"}}}]}"#,
        )
        .unwrap();
        assert_eq!(
            doc.context_keys(),
            [
                "aws:PrincipalTag/team",
                "aws:SourceIp",
                "aws:SecureTransport",
                "aws:username",
                "aws:PrincipalTag/Dept"
            ]
        );
        // Without the 2012-10-17 version, `${…}` is literal text.
        let old = PolicyDocument::parse(
            r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"${aws:username}"}}"#,
        )
        .unwrap();
        assert!(old.context_keys().is_empty());
    }
}
