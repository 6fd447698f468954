//! Condition operator names: `[ForAllValues:|ForAnyValue:]Operator[IfExists]`.

use std::fmt;

/// The base condition operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OperatorKind {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    NotIpAddress,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Null,
}

/// What the values of an operator are compared as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueType {
    String,
    Numeric,
    Date,
    Bool,
    Binary,
    Ip,
    Arn,
    Null,
}

const ALL: [(OperatorKind, &str); 27] = [
    (OperatorKind::StringEquals, "StringEquals"),
    (OperatorKind::StringNotEquals, "StringNotEquals"),
    (
        OperatorKind::StringEqualsIgnoreCase,
        "StringEqualsIgnoreCase",
    ),
    (
        OperatorKind::StringNotEqualsIgnoreCase,
        "StringNotEqualsIgnoreCase",
    ),
    (OperatorKind::StringLike, "StringLike"),
    (OperatorKind::StringNotLike, "StringNotLike"),
    (OperatorKind::NumericEquals, "NumericEquals"),
    (OperatorKind::NumericNotEquals, "NumericNotEquals"),
    (OperatorKind::NumericLessThan, "NumericLessThan"),
    (OperatorKind::NumericLessThanEquals, "NumericLessThanEquals"),
    (OperatorKind::NumericGreaterThan, "NumericGreaterThan"),
    (
        OperatorKind::NumericGreaterThanEquals,
        "NumericGreaterThanEquals",
    ),
    (OperatorKind::DateEquals, "DateEquals"),
    (OperatorKind::DateNotEquals, "DateNotEquals"),
    (OperatorKind::DateLessThan, "DateLessThan"),
    (OperatorKind::DateLessThanEquals, "DateLessThanEquals"),
    (OperatorKind::DateGreaterThan, "DateGreaterThan"),
    (OperatorKind::DateGreaterThanEquals, "DateGreaterThanEquals"),
    (OperatorKind::Bool, "Bool"),
    (OperatorKind::BinaryEquals, "BinaryEquals"),
    (OperatorKind::IpAddress, "IpAddress"),
    (OperatorKind::NotIpAddress, "NotIpAddress"),
    (OperatorKind::ArnEquals, "ArnEquals"),
    (OperatorKind::ArnLike, "ArnLike"),
    (OperatorKind::ArnNotEquals, "ArnNotEquals"),
    (OperatorKind::ArnNotLike, "ArnNotLike"),
    (OperatorKind::Null, "Null"),
];

impl OperatorKind {
    /// The operator's name as written in policies.
    pub fn name(self) -> &'static str {
        ALL.iter()
            .find(|(k, _)| *k == self)
            .map_or("", |(_, name)| name)
    }

    /// Negated operators match when no policy value matches (NOR across values), and are true
    /// when the key is absent.
    pub fn is_negated(self) -> bool {
        use OperatorKind::*;
        matches!(
            self,
            StringNotEquals
                | StringNotEqualsIgnoreCase
                | StringNotLike
                | NumericNotEquals
                | DateNotEquals
                | NotIpAddress
                | ArnNotEquals
                | ArnNotLike
        )
    }

    /// The type the operator compares values as.
    pub fn value_type(self) -> ValueType {
        use OperatorKind::*;
        match self {
            StringEquals
            | StringNotEquals
            | StringEqualsIgnoreCase
            | StringNotEqualsIgnoreCase
            | StringLike
            | StringNotLike => ValueType::String,
            NumericEquals
            | NumericNotEquals
            | NumericLessThan
            | NumericLessThanEquals
            | NumericGreaterThan
            | NumericGreaterThanEquals => ValueType::Numeric,
            DateEquals
            | DateNotEquals
            | DateLessThan
            | DateLessThanEquals
            | DateGreaterThan
            | DateGreaterThanEquals => ValueType::Date,
            Bool => ValueType::Bool,
            BinaryEquals => ValueType::Binary,
            IpAddress | NotIpAddress => ValueType::Ip,
            ArnEquals | ArnLike | ArnNotEquals | ArnNotLike => ValueType::Arn,
            Null => ValueType::Null,
        }
    }

    /// Whether policy variables are substituted in this operator's values. AWS substitutes them
    /// in string and ARN comparisons only; elsewhere `${…}` is literal text.
    pub fn accepts_variables(self) -> bool {
        matches!(self.value_type(), ValueType::String | ValueType::Arn)
    }
}

/// `ForAllValues:` or `ForAnyValue:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SetQualifier {
    ForAllValues,
    ForAnyValue,
}

/// A full condition operator as written in a policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Operator {
    pub kind: OperatorKind,
    pub qualifier: Option<SetQualifier>,
    pub if_exists: bool,
}

impl Operator {
    /// Parses an operator name. Names are case-sensitive, as in AWS. `NullIfExists` is refused:
    /// `Null` already tests existence.
    pub fn parse(text: &str) -> Option<Operator> {
        let (qualifier, rest) = if let Some(rest) = text.strip_prefix("ForAllValues:") {
            (Some(SetQualifier::ForAllValues), rest)
        } else if let Some(rest) = text.strip_prefix("ForAnyValue:") {
            (Some(SetQualifier::ForAnyValue), rest)
        } else {
            (None, text)
        };
        let (if_exists, base) = match rest.strip_suffix("IfExists") {
            Some(base) => (true, base),
            None => (false, rest),
        };
        let kind = ALL.iter().find(|(_, name)| *name == base)?.0;
        if if_exists && kind == OperatorKind::Null {
            return None;
        }
        Some(Operator {
            kind,
            qualifier,
            if_exists,
        })
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.qualifier {
            Some(SetQualifier::ForAllValues) => f.write_str("ForAllValues:")?,
            Some(SetQualifier::ForAnyValue) => f.write_str("ForAnyValue:")?,
            None => {}
        }
        f.write_str(self.kind.name())?;
        if self.if_exists {
            f.write_str("IfExists")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_operator_with_qualifiers() {
        for (kind, name) in ALL {
            let op = Operator::parse(name).unwrap();
            assert_eq!(op.kind, kind);
            assert_eq!(op.to_string(), name);
            if kind != OperatorKind::Null {
                let full = format!("ForAnyValue:{name}IfExists");
                let op = Operator::parse(&full).unwrap();
                assert_eq!(op.qualifier, Some(SetQualifier::ForAnyValue));
                assert!(op.if_exists);
                assert_eq!(op.to_string(), full);
            }
        }
    }

    #[test]
    fn refuses_unknown_and_misspelled() {
        assert_eq!(Operator::parse("stringequals"), None);
        assert_eq!(Operator::parse("ForAnyValue::StringEquals"), None);
        assert_eq!(Operator::parse("NullIfExists"), None);
        assert_eq!(Operator::parse("ForAllValues:ForAnyValue:StringLike"), None);
        assert_eq!(Operator::parse(""), None);
    }

    #[test]
    fn negation_and_types() {
        assert!(OperatorKind::StringNotLike.is_negated());
        assert!(OperatorKind::NotIpAddress.is_negated());
        assert!(!OperatorKind::Null.is_negated());
        assert!(!OperatorKind::Bool.is_negated());
        assert_eq!(OperatorKind::ArnLike.value_type(), ValueType::Arn);
        assert!(OperatorKind::ArnLike.accepts_variables());
        assert!(!OperatorKind::NumericEquals.accepts_variables());
    }
}
