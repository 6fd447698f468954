//! Compiled `Condition` entries and their evaluation.
//!
//! The rules (IAM User Guide, "Condition operators" and "Creating a condition with multiple keys
//! or values"): operators and keys are ANDed; the values of one key are ORed, or NORed for a
//! negated operator. A key absent from the request makes a condition false, except that negated
//! operators and `…IfExists` are then true, `ForAllValues` is true and `ForAnyValue` false.
//!
//! A plain (unqualified) operator applied to a multi-valued key is undocumented; Warden matches
//! when any request value matches (negated: when none does), as the common reading goes. See
//! `docs/compatibility.md`.

use ipnet::IpNet;

use crate::arn::{ArnMatchMode, ArnPattern};
use crate::context::RequestContext;
use crate::document::ConditionEntry;
use crate::operator::{Operator, OperatorKind, SetQualifier, ValueType};
use crate::pattern::{MatchResult, Matcher, Syntax};
use crate::values;

/// A condition entry with its values parsed for its operator.
#[derive(Debug, Clone)]
pub(crate) struct CompiledCondition {
    operator: Operator,
    key: Box<str>,
    key_lower: Box<str>,
    values: Values,
}

#[derive(Debug, Clone)]
enum Values {
    /// `StringEquals`/`StringNotEquals`: literal text, possibly with variables.
    Strings(Vec<Matcher>),
    /// `String(Not)EqualsIgnoreCase`: literal text compared without case.
    IgnoreCase(Vec<Matcher>),
    /// `String(Not)Like`: patterns.
    Like(Vec<Matcher>),
    /// Values that did not parse as the operator's type are kept as `None`: they match nothing.
    Numbers(Vec<Option<f64>>),
    Dates(Vec<Option<i128>>),
    Bools(Vec<Option<bool>>),
    Binary(Vec<Option<Vec<u8>>>),
    Networks(Vec<Option<IpNet>>),
    Arns(Vec<ArnPattern>),
    Null(Vec<Option<bool>>),
}

impl CompiledCondition {
    pub(crate) fn new(entry: &ConditionEntry, variables: bool) -> CompiledCondition {
        let kind = entry.operator.kind;
        let variables = variables && kind.accepts_variables();
        let literal = Syntax {
            wildcards: false,
            variables,
        };
        let pattern = Syntax {
            wildcards: true,
            variables,
        };
        let vals = &entry.values;
        let values = match kind.value_type() {
            ValueType::String => match kind {
                OperatorKind::StringLike | OperatorKind::StringNotLike => {
                    Values::Like(vals.iter().map(|v| Matcher::parse(v, pattern)).collect())
                }
                OperatorKind::StringEqualsIgnoreCase | OperatorKind::StringNotEqualsIgnoreCase => {
                    Values::IgnoreCase(vals.iter().map(|v| Matcher::parse(v, literal)).collect())
                }
                _ => Values::Strings(vals.iter().map(|v| Matcher::parse(v, literal)).collect()),
            },
            ValueType::Numeric => {
                Values::Numbers(vals.iter().map(|v| values::parse_number(v)).collect())
            }
            ValueType::Date => Values::Dates(vals.iter().map(|v| values::parse_date(v)).collect()),
            ValueType::Bool => Values::Bools(vals.iter().map(|v| values::parse_bool(v)).collect()),
            ValueType::Binary => {
                Values::Binary(vals.iter().map(|v| values::parse_binary(v)).collect())
            }
            ValueType::Ip => {
                Values::Networks(vals.iter().map(|v| values::parse_ip_network(v)).collect())
            }
            ValueType::Arn => Values::Arns(
                vals.iter()
                    .map(|v| ArnPattern::new(v, variables, ArnMatchMode::Components))
                    .collect(),
            ),
            ValueType::Null => Values::Null(vals.iter().map(|v| values::parse_bool(v)).collect()),
        };
        CompiledCondition {
            operator: entry.operator,
            key: entry.key.as_str().into(),
            key_lower: entry.key.to_lowercase().into(),
            values,
        }
    }

    /// Evaluates the condition. Keys (and variables) the request lacks are added to `missing`.
    pub(crate) fn evaluate<'p>(&'p self, ctx: &RequestContext, missing: &mut Vec<&'p str>) -> bool {
        let op = self.operator;
        let request_values = ctx.values(&self.key_lower);
        if let Values::Null(wanted) = &self.values {
            // `Null: true` means "the key is absent". An empty value set counts as absent.
            let absent = request_values.is_none_or(|v| v.is_empty());
            return wanted.contains(&Some(absent));
        }
        let request_values = match request_values {
            None => {
                missing.push(&self.key);
                return self.when_absent();
            }
            Some([]) => return self.when_absent(),
            Some(values) => values,
        };
        let negated = op.kind.is_negated();
        // For each request value: does it match (in the operator's positive sense) any policy value?
        let mut positive = |v: &str| self.matches_any(v, ctx, missing);
        match op.qualifier {
            None => {
                let any = request_values.iter().any(|v| positive(v));
                any != negated
            }
            Some(SetQualifier::ForAnyValue) => {
                request_values.iter().any(|v| positive(v) != negated)
            }
            Some(SetQualifier::ForAllValues) => {
                request_values.iter().all(|v| positive(v) != negated)
            }
        }
    }

    fn when_absent(&self) -> bool {
        let op = self.operator;
        match op.qualifier {
            Some(SetQualifier::ForAllValues) => true,
            Some(SetQualifier::ForAnyValue) => op.if_exists,
            None => op.if_exists || op.kind.is_negated(),
        }
    }

    /// Whether request value `v` matches any policy value, in the operator's positive sense
    /// (`StringNotEquals` compares for equality here; the caller negates).
    fn matches_any<'p>(
        &'p self,
        v: &str,
        ctx: &RequestContext,
        missing: &mut Vec<&'p str>,
    ) -> bool {
        let mut note = |r: MatchResult<'p>| match r {
            MatchResult::Match => true,
            MatchResult::NoMatch => false,
            MatchResult::UndefinedVariable(key) => {
                missing.push(key);
                false
            }
        };
        match &self.values {
            Values::Strings(ms) | Values::Like(ms) => ms.iter().any(|m| note(m.matches(v, ctx))),
            Values::IgnoreCase(ms) => ms.iter().any(|m| match m.literal(ctx) {
                Ok(text) => eq_ignore_case(&text, v),
                Err(key) => note(MatchResult::UndefinedVariable(key)),
            }),
            Values::Arns(ps) => ps.iter().any(|p| note(p.matches(v, ctx))),
            Values::Numbers(ns) => match values::parse_number(v) {
                Some(x) => ns.iter().flatten().any(|p| self.compare(x.partial_cmp(p))),
                None => false,
            },
            Values::Dates(ds) => match values::parse_date(v) {
                Some(x) => ds.iter().flatten().any(|p| self.compare(Some(x.cmp(p)))),
                None => false,
            },
            Values::Bools(bs) => match values::parse_bool(v) {
                Some(x) => bs.contains(&Some(x)),
                None => false,
            },
            Values::Binary(bs) => match values::parse_binary(v) {
                Some(x) => bs.iter().flatten().any(|b| *b == x),
                None => false,
            },
            Values::Networks(nets) => match values::parse_ip_network(v) {
                Some(x) => nets.iter().flatten().any(|n| same_family_contains(n, &x)),
                None => false,
            },
            Values::Null(_) => false,
        }
    }

    /// Applies a numeric or date operator to `request.cmp(policy)`.
    fn compare(&self, ordering: Option<std::cmp::Ordering>) -> bool {
        use OperatorKind::*;
        use std::cmp::Ordering::*;
        let Some(o) = ordering else { return false };
        match self.operator.kind {
            NumericEquals | NumericNotEquals | DateEquals | DateNotEquals => o == Equal,
            NumericLessThan | DateLessThan => o == Less,
            NumericLessThanEquals | DateLessThanEquals => o != Greater,
            NumericGreaterThan | DateGreaterThan => o == Greater,
            NumericGreaterThanEquals | DateGreaterThanEquals => o != Less,
            _ => false,
        }
    }
}

fn eq_ignore_case(a: &str, b: &str) -> bool {
    a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}

/// A request address (or network) lies inside a policy network of the same IP family.
fn same_family_contains(policy: &IpNet, request: &IpNet) -> bool {
    policy.contains(request)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::PolicyDocument;
    use crate::principal::Principal;

    /// Compiles the single condition entry in `{"Op": {"key": values}}` (2012-10-17 syntax).
    fn cond(json: &str) -> CompiledCondition {
        let doc = PolicyDocument::parse(&format!(
            r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"*","Resource":"*","Condition":{json}}}}}"#
        ))
        .unwrap();
        CompiledCondition::new(&doc.statements[0].conditions[0], true)
    }

    fn ctx(keys: &[(&str, &[&str])]) -> RequestContext {
        let mut c = RequestContext::new(
            Principal::parse("arn:aws:iam::111122223333:user/alice").unwrap(),
            "s3:GetObject",
            "arn:aws:s3:::b/k",
        );
        for (k, v) in keys {
            c.insert(k, v.iter().map(|s| s.to_string()).collect());
        }
        c
    }

    fn eval(json: &str, keys: &[(&str, &[&str])]) -> bool {
        let c = cond(json);
        let mut missing = Vec::new();
        c.evaluate(&ctx(keys), &mut missing)
    }

    #[test]
    fn string_operators() {
        let k = |v: &'static str| {
            vec![(
                "s3:prefix",
                std::slice::from_ref(Box::leak(Box::new(v))) as &[&str],
            )]
        };
        assert!(eval(r#"{"StringEquals":{"s3:prefix":["a","b"]}}"#, &k("b")));
        assert!(!eval(r#"{"StringEquals":{"s3:prefix":"a"}}"#, &k("A")));
        assert!(eval(
            r#"{"StringEqualsIgnoreCase":{"s3:prefix":"a"}}"#,
            &k("A")
        ));
        assert!(!eval(
            r#"{"StringNotEqualsIgnoreCase":{"s3:prefix":"a"}}"#,
            &k("A")
        ));
        // NOR across values for negated operators.
        assert!(!eval(
            r#"{"StringNotEquals":{"s3:prefix":["a","b"]}}"#,
            &k("a")
        ));
        assert!(eval(
            r#"{"StringNotEquals":{"s3:prefix":["a","b"]}}"#,
            &k("c")
        ));
        assert!(eval(
            r#"{"StringLike":{"s3:prefix":"home/*"}}"#,
            &k("home/x")
        ));
        assert!(!eval(
            r#"{"StringLike":{"s3:prefix":"home/?"}}"#,
            &k("home/xy")
        ));
        assert!(eval(
            r#"{"StringNotLike":{"s3:prefix":"home/*"}}"#,
            &k("other")
        ));
        // Equals does not treat `*` as a wildcard.
        assert!(!eval(
            r#"{"StringEquals":{"s3:prefix":"home/*"}}"#,
            &k("home/x")
        ));
        assert!(eval(
            r#"{"StringEquals":{"s3:prefix":"home/*"}}"#,
            &k("home/*")
        ));
    }

    #[test]
    fn key_names_are_case_insensitive() {
        assert!(eval(
            r#"{"StringEquals":{"AWS:PrincipalTag/TEAM":"red"}}"#,
            &[("aws:principaltag/team", &["red"])]
        ));
    }

    #[test]
    fn numeric_operators() {
        let k: &[(&str, &[&str])] = &[("s3:max-keys", &["10"])];
        assert!(eval(r#"{"NumericEquals":{"s3:max-keys":"10"}}"#, k));
        assert!(eval(r#"{"NumericEquals":{"s3:max-keys":10.0}}"#, k));
        assert!(!eval(r#"{"NumericNotEquals":{"s3:max-keys":"10"}}"#, k));
        assert!(eval(r#"{"NumericLessThan":{"s3:max-keys":"11"}}"#, k));
        assert!(!eval(r#"{"NumericLessThan":{"s3:max-keys":"10"}}"#, k));
        assert!(eval(r#"{"NumericLessThanEquals":{"s3:max-keys":"10"}}"#, k));
        assert!(eval(r#"{"NumericGreaterThan":{"s3:max-keys":"9.5"}}"#, k));
        assert!(eval(
            r#"{"NumericGreaterThanEquals":{"s3:max-keys":"10"}}"#,
            k
        ));
        assert!(!eval(
            r#"{"NumericGreaterThanEquals":{"s3:max-keys":"11"}}"#,
            k
        ));
        // A request value that is not a number matches nothing.
        assert!(!eval(
            r#"{"NumericEquals":{"s3:max-keys":"10"}}"#,
            &[("s3:max-keys", &["ten"])]
        ));
    }

    #[test]
    fn date_operators_accept_iso8601_and_epoch() {
        let k: &[(&str, &[&str])] = &[("aws:CurrentTime", &["2020-06-01T12:00:00Z"])];
        assert!(eval(
            r#"{"DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}"#,
            k
        ));
        assert!(eval(
            r#"{"DateLessThan":{"aws:CurrentTime":"2021-01-01"}}"#,
            k
        ));
        assert!(eval(
            r#"{"DateEquals":{"aws:CurrentTime":"1591012800"}}"#,
            k
        ));
        assert!(!eval(
            r#"{"DateNotEquals":{"aws:CurrentTime":"2020-06-01T14:00:00+02:00"}}"#,
            k
        ));
        assert!(eval(
            r#"{"DateLessThanEquals":{"aws:CurrentTime":"2020-06-01T12:00:00Z"}}"#,
            k
        ));
        assert!(eval(
            r#"{"DateGreaterThanEquals":{"aws:CurrentTime":"2020-06-01T12:00:00Z"}}"#,
            k
        ));
        assert!(eval(
            r#"{"DateGreaterThan":{"aws:EpochTime":"2020-01-01T00:00:00Z"}}"#,
            &[("aws:EpochTime", &["1591012800"])]
        ));
    }

    #[test]
    fn bool_binary_ip_arn() {
        assert!(eval(
            r#"{"Bool":{"aws:SecureTransport":"true"}}"#,
            &[("aws:SecureTransport", &["true"])]
        ));
        assert!(eval(
            r#"{"Bool":{"aws:SecureTransport":false}}"#,
            &[("aws:SecureTransport", &["false"])]
        ));
        assert!(!eval(
            r#"{"Bool":{"aws:SecureTransport":"true"}}"#,
            &[("aws:SecureTransport", &["false"])]
        ));
        assert!(eval(
            r#"{"BinaryEquals":{"k:bin":"QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}"#,
            &[("k:bin", &["QmluYXJ5VmFsdWVJbkJhc2U2NA=="])]
        ));
        assert!(!eval(
            r#"{"BinaryEquals":{"k:bin":"QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}"#,
            &[("k:bin", &["AAAA"])]
        ));
        let ip: &[(&str, &[&str])] = &[("aws:SourceIp", &["203.0.113.7"])];
        assert!(eval(
            r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#,
            ip
        ));
        assert!(eval(
            r#"{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","203.0.113.7"]}}"#,
            ip
        ));
        assert!(!eval(r#"{"IpAddress":{"aws:SourceIp":"203.0.113.8"}}"#, ip));
        assert!(eval(
            r#"{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}"#,
            ip
        ));
        assert!(!eval(r#"{"IpAddress":{"aws:SourceIp":"::/0"}}"#, ip));
        let ip6: &[(&str, &[&str])] = &[("aws:SourceIp", &["2001:db8:1234:5678::1"])];
        assert!(eval(
            r#"{"IpAddress":{"aws:SourceIp":"2001:DB8:1234:5678::/64"}}"#,
            ip6
        ));
        let arn: &[(&str, &[&str])] = &[(
            "aws:SourceArn",
            &["arn:aws:sns:us-east-1:111122223333:topic"],
        )];
        assert!(eval(
            r#"{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:111122223333:*"}}"#,
            arn
        ));
        assert!(eval(
            r#"{"ArnEquals":{"aws:SourceArn":"arn:aws:sns:*:111122223333:*"}}"#,
            arn
        ));
        assert!(!eval(
            r#"{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:444455556666:*"}}"#,
            arn
        ));
        assert!(eval(
            r#"{"ArnNotLike":{"aws:SourceArn":"arn:aws:sqs:*"}}"#,
            arn
        ));
        assert!(!eval(
            r#"{"ArnNotEquals":{"aws:SourceArn":"arn:aws:sns:us-east-1:111122223333:topic"}}"#,
            arn
        ));
        assert!(eval(
            r#"{"ArnNotEquals":{"aws:SourceArn":"arn:aws:sns:us-east-1:111122223333:other"}}"#,
            arn
        ));
        // Negated operators with IfExists behave as without it when the key is present.
        assert!(!eval(
            r#"{"ArnNotLikeIfExists":{"aws:SourceArn":"arn:aws:sns:*"}}"#,
            arn
        ));
        assert!(eval(
            r#"{"NotIpAddressIfExists":{"aws:SourceIp":"10.0.0.0/8"}}"#,
            ip
        ));
        // ARN operators check each component on its own: `*` in the region stays in the region.
        assert!(!eval(
            r#"{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:topic"}}"#,
            arn
        ));
    }

    /// IAM User Guide, condition operators: "If the key that you specify in a policy condition
    /// is not present in the request context, the values do not match and the condition is
    /// false. If the policy condition requires that the key is not matched, such as StringNotLike
    /// or ArnNotLike, and the right key is not present, the condition is true."
    #[test]
    fn absent_keys() {
        let none: &[(&str, &[&str])] = &[];
        assert!(!eval(
            r#"{"StringEquals":{"aws:PrincipalTag/x":"a"}}"#,
            none
        ));
        assert!(eval(
            r#"{"StringNotEquals":{"aws:PrincipalTag/x":"a"}}"#,
            none
        ));
        assert!(eval(
            r#"{"StringEqualsIfExists":{"aws:PrincipalTag/x":"a"}}"#,
            none
        ));
        assert!(eval(r#"{"ArnNotLike":{"aws:SourceArn":"arn:*"}}"#, none));
        assert!(!eval(r#"{"NumericLessThan":{"s3:max-keys":"5"}}"#, none));
        assert!(eval(
            r#"{"NumericLessThanIfExists":{"s3:max-keys":"5"}}"#,
            none
        ));
        assert!(eval(
            r#"{"ForAllValues:StringEquals":{"aws:TagKeys":"a"}}"#,
            none
        ));
        assert!(!eval(
            r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":"a"}}"#,
            none
        ));
        assert!(!eval(
            r#"{"ForAnyValue:StringNotEquals":{"aws:TagKeys":"a"}}"#,
            none
        ));
        assert!(eval(
            r#"{"ForAnyValue:StringEqualsIfExists":{"aws:TagKeys":"a"}}"#,
            none
        ));
        assert!(eval(r#"{"Null":{"aws:TagKeys":"true"}}"#, none));
        assert!(!eval(r#"{"Null":{"aws:TagKeys":"false"}}"#, none));
        assert!(eval(
            r#"{"Null":{"aws:TagKeys":"false"}}"#,
            &[("aws:TagKeys", &["a"])]
        ));
        // An empty set behaves as absent for the qualifiers.
        assert!(eval(
            r#"{"ForAllValues:StringEquals":{"aws:TagKeys":"a"}}"#,
            &[("aws:TagKeys", &[])]
        ));
        assert!(!eval(
            r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":"a"}}"#,
            &[("aws:TagKeys", &[])]
        ));
    }

    #[test]
    fn absent_keys_are_reported() {
        let c = cond(r#"{"StringEquals":{"aws:PrincipalTag/Team":"a"}}"#);
        let mut missing = Vec::new();
        c.evaluate(&ctx(&[]), &mut missing);
        assert_eq!(missing, vec!["aws:PrincipalTag/Team"]);
    }

    /// IAM User Guide, single-valued vs multivalued context keys: the worked tables for
    /// `aws:TagKeys` with `[environment, cost-center]`.
    #[test]
    fn set_qualifiers_follow_the_worked_tables() {
        let all = r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["environment","cost-center"]}}"#;
        let any = r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":["environment","cost-center"]}}"#;
        let tags = |v: &'static [&'static str]| vec![("aws:TagKeys", v)];
        assert!(eval(all, &tags(&["environment"])));
        assert!(eval(all, &tags(&["environment", "cost-center"])));
        assert!(!eval(all, &tags(&["environment", "dept"])));
        assert!(eval(any, &tags(&["environment", "dept"])));
        assert!(!eval(any, &tags(&["dept"])));
        // Negated operators under a qualifier test each request value.
        let all_not = r#"{"ForAllValues:StringNotEquals":{"aws:TagKeys":["secret"]}}"#;
        assert!(eval(all_not, &tags(&["a", "b"])));
        assert!(!eval(all_not, &tags(&["a", "secret"])));
        let any_not = r#"{"ForAnyValue:StringNotLike":{"aws:TagKeys":["s*"]}}"#;
        assert!(eval(any_not, &tags(&["secret", "x"])));
        assert!(!eval(any_not, &tags(&["secret", "sx"])));
        // A plain operator on a multi-valued key: any value (negated: none).
        assert!(eval(
            r#"{"StringEquals":{"aws:TagKeys":"b"}}"#,
            &tags(&["a", "b"])
        ));
        assert!(!eval(
            r#"{"StringNotEquals":{"aws:TagKeys":"b"}}"#,
            &tags(&["a", "b"])
        ));
    }

    /// IAM User Guide, policy variables with no value: positive operators do not match, negated
    /// operators do; a default value is used when the key is absent.
    #[test]
    fn variables_in_condition_values() {
        let c = r#"{"StringEquals":{"s3:ExistingObjectTag/Team":"${aws:PrincipalTag/Team}"}}"#;
        let n = r#"{"StringNotEquals":{"s3:ExistingObjectTag/Team":"${aws:PrincipalTag/Team}"}}"#;
        let with_tag: &[(&str, &[&str])] = &[
            ("s3:ExistingObjectTag/Team", &["red"]),
            ("aws:PrincipalTag/Team", &["red"]),
        ];
        let without: &[(&str, &[&str])] = &[("s3:ExistingObjectTag/Team", &["red"])];
        assert!(eval(c, with_tag));
        assert!(!eval(n, with_tag));
        assert!(!eval(c, without));
        assert!(eval(n, without));
        let d =
            r#"{"StringEquals":{"s3:ExistingObjectTag/Team":"${aws:PrincipalTag/Team, 'red'}"}}"#;
        assert!(eval(d, without));
        // Variables are literal in operators that do not take them.
        assert!(!eval(
            r#"{"NumericEquals":{"s3:max-keys":"${s3:other}"}}"#,
            &[("s3:max-keys", &["1"]), ("s3:other", &["1"])]
        ));
    }
}
