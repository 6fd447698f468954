//! Amazon Resource Names: parsing, and segment-by-segment matching with wildcards.
//!
//! AWS compares ARNs component by component: "each of the six colon-delimited components of the
//! ARN is checked separately and each can include multi-character match wildcards (*) or
//! single-character match wildcards (?)" (IAM User Guide, condition operators, ARN). A `*` in the
//! region component therefore never swallows the account. The resource component is everything
//! after the fifth colon and may itself contain colons.

use crate::pattern::{MatchResult, Matcher, Syntax, VariableSource};

/// A parsed ARN, borrowing from its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arn<'a> {
    pub partition: &'a str,
    pub service: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    pub resource: &'a str,
}

/// Why a string is not an ARN.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArnError {
    #[error("`{0}` does not start with `arn:`")]
    MissingPrefix(String),
    #[error("`{0}` has fewer than six colon-separated components")]
    TooFewComponents(String),
    #[error("`{0}` has an empty partition or service")]
    EmptyComponent(String),
}

impl<'a> Arn<'a> {
    /// Parses `arn:partition:service:region:account:resource`.
    pub fn parse(text: &'a str) -> Result<Arn<'a>, ArnError> {
        let mut parts = text.splitn(6, ':');
        let (
            Some(prefix),
            Some(partition),
            Some(service),
            Some(region),
            Some(account),
            Some(resource),
        ) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        )
        else {
            if !text.starts_with("arn:") {
                return Err(ArnError::MissingPrefix(text.to_owned()));
            }
            return Err(ArnError::TooFewComponents(text.to_owned()));
        };
        if prefix != "arn" {
            return Err(ArnError::MissingPrefix(text.to_owned()));
        }
        if partition.is_empty() || service.is_empty() {
            return Err(ArnError::EmptyComponent(text.to_owned()));
        }
        Ok(Arn {
            partition,
            service,
            region,
            account,
            resource,
        })
    }
}

impl std::fmt::Display for Arn<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "arn:{}:{}:{}:{}:{}",
            self.partition, self.service, self.region, self.account, self.resource
        )
    }
}

/// Splits `text` at its first `parts - 1` colons (at most six parts), skipping colons inside
/// `${…}` when variables are enabled, so `${aws:username}` stays in one component.
fn split_components(text: &str, variables: bool) -> Vec<&str> {
    let mut out = Vec::with_capacity(6);
    let mut start = 0;
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut in_variable = false;
    while i < bytes.len() && out.len() < 5 {
        match bytes[i] {
            b'$' if variables && bytes.get(i + 1) == Some(&b'{') => {
                in_variable = true;
                i += 1;
            }
            b'}' if in_variable => in_variable = false,
            b':' if !in_variable => {
                out.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    out.push(&text[start..]);
    out
}

/// A value split at its first five colons, computed once per request and shared by every
/// pattern that matches it.
#[derive(Debug, Clone, Copy)]
pub struct ArnParts<'a> {
    text: &'a str,
    starts: [usize; 6],
    count: usize,
}

impl<'a> ArnParts<'a> {
    /// Splits `text` into at most six components.
    pub fn split(text: &'a str) -> ArnParts<'a> {
        let mut starts = [0usize; 6];
        let mut count = 1;
        for (i, b) in text.bytes().enumerate() {
            if count == 6 {
                break;
            }
            if b == b':' {
                starts[count] = i + 1;
                count += 1;
            }
        }
        ArnParts {
            text,
            starts,
            count,
        }
    }

    /// The text of components `from..=to`, colons included.
    fn slice(&self, from: usize, to: usize) -> &'a str {
        let start = self.starts[from];
        let end = if to + 1 < self.count {
            self.starts[to + 1] - 1
        } else {
            self.text.len()
        };
        self.text.get(start..end).unwrap_or("")
    }
}

/// How a `*` at the end of a component treats the colons after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArnMatchMode {
    /// `Arn*` condition operators: every component is matched on its own.
    Components,
    /// `Resource`/`NotResource`: "if the `*` wildcard is the last character of a resource ARN
    /// segment, it can expand to match beyond the colon boundaries" (IAM User Guide, Resource).
    Resource,
}

/// A compiled `Resource`/`NotResource` entry or `Arn*` condition value.
///
/// The pattern is split into components at its first five colons and a value into as many
/// components; each pair is matched on its own. A pattern with fewer than six components lets its
/// last component cover the rest of the value; in [`ArnMatchMode::Resource`], so may any
/// component that ends with `*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArnPattern {
    components: Box<[Matcher]>,
    expands: Box<[bool]>,
    /// The same pattern as one string matcher, when that is equivalent (see [`whole_matcher`]).
    whole: Option<Matcher>,
    text: Box<str>,
}

impl ArnPattern {
    /// Compiles a pattern; `variables` enables `${…}` (policy version 2012-10-17).
    pub fn new(text: &str, variables: bool, mode: ArnMatchMode) -> ArnPattern {
        let syntax = Syntax {
            wildcards: true,
            variables,
        };
        let components: Vec<Matcher> = if text == "*" {
            vec![Matcher::Any]
        } else {
            split_components(text, variables)
                .into_iter()
                .map(|c| Matcher::parse(c, syntax))
                .collect()
        };
        let expands: Box<[bool]> = components
            .iter()
            .map(|m| mode == ArnMatchMode::Resource && ends_with_star(m))
            .collect();
        let whole = whole_matcher(text, &components, syntax);
        ArnPattern {
            components: components.into_boxed_slice(),
            expands,
            whole,
            text: text.into(),
        }
    }

    /// The pattern as written in the policy.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether this pattern matches every value.
    pub fn is_any(&self) -> bool {
        matches!(&*self.components, [Matcher::Any])
    }

    /// Matches a value (a resource ARN or any other resource string).
    pub fn matches<'a>(&'a self, value: &str, vars: &dyn VariableSource) -> MatchResult<'a> {
        self.matches_parts(&ArnParts::split(value), vars)
    }

    /// Matches a value already split with [`ArnParts::split`].
    pub fn matches_parts<'a>(
        &'a self,
        parts: &ArnParts<'_>,
        vars: &dyn VariableSource,
    ) -> MatchResult<'a> {
        if let Some(whole) = &self.whole {
            return whole.matches(parts.text, vars);
        }
        // A six-component pattern leaves no room for a `*` to expand into the next component,
        // and without expanding components each pattern component meets one value component.
        if self.components.len() == 6 || !self.expands.iter().any(|&e| e) {
            return self.match_in_step(parts, vars);
        }
        self.match_from(0, 0, parts, vars)
    }

    fn match_in_step<'a>(
        &'a self,
        parts: &ArnParts<'_>,
        vars: &dyn VariableSource,
    ) -> MatchResult<'a> {
        let n = self.components.len();
        if parts.count < n {
            return MatchResult::NoMatch;
        }
        let mut result = MatchResult::Match;
        for (i, matcher) in self.components.iter().enumerate() {
            let last = if i + 1 == n { parts.count - 1 } else { i };
            match matcher.matches(parts.slice(i, last), vars) {
                MatchResult::Match => {}
                MatchResult::NoMatch => return MatchResult::NoMatch,
                undefined @ MatchResult::UndefinedVariable(_) => result = undefined,
            }
        }
        result
    }

    fn match_from<'a>(
        &'a self,
        i: usize,
        j: usize,
        parts: &ArnParts<'_>,
        vars: &dyn VariableSource,
    ) -> MatchResult<'a> {
        let n = self.components.len();
        let m = parts.count;
        if j >= m {
            return MatchResult::NoMatch;
        }
        if i + 1 == n {
            return self.components[i].matches(parts.slice(j, m - 1), vars);
        }
        // Each later pattern component needs at least one value component.
        let later = n - 1 - i;
        let Some(last_k) = (m - 1).checked_sub(later) else {
            return MatchResult::NoMatch;
        };
        let last_k = if self.expands[i] { last_k } else { j };
        for k in j..=last_k {
            match self.components[i].matches(parts.slice(j, k), vars) {
                MatchResult::NoMatch => continue,
                undefined @ MatchResult::UndefinedVariable(_) => return undefined,
                MatchResult::Match => match self.match_from(i + 1, k + 1, parts, vars) {
                    MatchResult::NoMatch => continue,
                    other => return other,
                },
            }
        }
        MatchResult::NoMatch
    }
}

/// Matching component by component equals matching the whole text at once when every component
/// before the last is literal: literal components hold no colons, so they pin the first colons
/// of the value exactly where the component split puts them. Most resource patterns qualify
/// (`arn:aws:s3:::bucket/*`), and one string matcher — often a plain prefix test — is much
/// cheaper than matching component by component.
fn whole_matcher(text: &str, components: &[Matcher], syntax: Syntax) -> Option<Matcher> {
    let (_, init) = components.split_last()?;
    if !init.iter().all(|m| matches!(m, Matcher::Exact(_))) {
        return None;
    }
    let whole = Matcher::parse(text, syntax);
    // Variables resolve per request; keep the component form for them.
    (!matches!(whole, Matcher::Dynamic(_))).then_some(whole)
}

fn ends_with_star(m: &Matcher) -> bool {
    match m {
        Matcher::Any | Matcher::Prefix(_) | Matcher::Contains(_) => true,
        Matcher::General(atoms) | Matcher::Dynamic(atoms) => {
            matches!(atoms.last(), Some(crate::pattern::Atom::Star))
        }
        Matcher::Exact(_) | Matcher::Suffix(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pattern::NoVariables;

    fn m(pattern: &str, value: &str) -> bool {
        ArnPattern::new(pattern, true, ArnMatchMode::Components).matches(value, &NoVariables)
            == MatchResult::Match
    }

    fn r(pattern: &str, value: &str) -> bool {
        ArnPattern::new(pattern, true, ArnMatchMode::Resource).matches(value, &NoVariables)
            == MatchResult::Match
    }

    #[test]
    fn parses_arns() {
        let arn = Arn::parse("arn:aws:s3:::bucket/key:with:colons").unwrap();
        assert_eq!(arn.partition, "aws");
        assert_eq!(arn.service, "s3");
        assert_eq!(arn.region, "");
        assert_eq!(arn.account, "");
        assert_eq!(arn.resource, "bucket/key:with:colons");
        assert_eq!(arn.to_string(), "arn:aws:s3:::bucket/key:with:colons");
        assert!(matches!(
            Arn::parse("nope"),
            Err(ArnError::MissingPrefix(_))
        ));
        assert!(matches!(
            Arn::parse("arn:aws:s3"),
            Err(ArnError::TooFewComponents(_))
        ));
        assert!(matches!(
            Arn::parse("arn::s3:::x"),
            Err(ArnError::EmptyComponent(_))
        ));
    }

    #[test]
    fn matches_component_by_component() {
        assert!(m("*", "arn:aws:s3:::bucket"));
        assert!(m("*", "not-an-arn"));
        assert!(m("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a:b/c"));
        assert!(!m("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket2/a"));
        assert!(m(
            "arn:aws:ec2:*:111122223333:instance/*",
            "arn:aws:ec2:us-east-1:111122223333:instance/i-1"
        ));
        // A star in the region never swallows the account component.
        assert!(!m(
            "arn:aws:ec2:*:instance/*",
            "arn:aws:ec2:us-east-1:111122223333:instance/i-1"
        ));
        assert!(m("arn:aws:iam::*", "arn:aws:iam::111122223333:user/x"));
        assert!(m(
            "arn:aws:iam::???????????3:user/*",
            "arn:aws:iam::111122223333:user/x"
        ));
        assert!(!m(
            "arn:aws:iam::111122223333:user/x",
            "arn:aws:iam::111122223333"
        ));
        // Case-sensitive.
        assert!(!m("arn:aws:s3:::Bucket", "arn:aws:s3:::bucket"));
    }

    /// IAM User Guide, "IAM JSON policy elements: Resource" — wildcards: a `*` that ends a
    /// segment can expand beyond the colon boundaries; the documented bucket examples.
    #[test]
    fn resource_wildcards_follow_the_resource_element_rules() {
        assert!(r(
            "arn:aws:ec2:*:instance/*",
            "arn:aws:ec2:us-east-1:111122223333:instance/i-1"
        ));
        assert!(r(
            "arn:aws:ec2:us-*",
            "arn:aws:ec2:us-east-1:1:instance/i-1"
        ));
        // A star that does not end its segment stays inside it.
        assert!(!r(
            "arn:aws:ec2:*-1x:instance/*",
            "arn:aws:ec2:us-east-1:1:instance/i-1"
        ));
        let p = "arn:aws:s3:::amzn-s3-demo-bucket/*/test/*";
        assert!(r(p, "arn:aws:s3:::amzn-s3-demo-bucket/1/test/object.jpg"));
        assert!(r(
            p,
            "arn:aws:s3:::amzn-s3-demo-bucket/1///test///object.jpg"
        ));
        assert!(!r(p, "arn:aws:s3:::amzn-s3-demo-bucket/1-test/object.jpg"));
        assert!(!r(p, "arn:aws:s3:::amzn-s3-demo-bucket/test/object.jpg"));
    }

    proptest::proptest! {
        /// The whole-string fast path gives the same answers as matching component by component.
        #[test]
        fn fast_path_agrees_with_components(
            pattern in "(arn|a\\*|\\*)(:[a-c*?]{0,3}){0,6}",
            value in "[a-c:]{0,12}",
            resource_mode in proptest::bool::ANY,
        ) {
            let mode = if resource_mode { ArnMatchMode::Resource } else { ArnMatchMode::Components };
            let p = ArnPattern::new(&pattern, false, mode);
            let parts = ArnParts::split(&value);
            let by_components = if p.is_any() {
                MatchResult::Match
            } else {
                p.match_from(0, 0, &parts, &NoVariables)
            };
            proptest::prop_assert_eq!(p.matches(&value, &NoVariables), by_components);
        }
    }

    #[test]
    fn variables_keep_their_colons() {
        struct V;
        impl VariableSource for V {
            fn variable(&self, key: &str) -> Option<&str> {
                (key == "aws:username").then_some("alice")
            }
        }
        let p = ArnPattern::new(
            "arn:aws:s3:::home/${aws:username}/*",
            true,
            ArnMatchMode::Resource,
        );
        assert_eq!(
            p.matches("arn:aws:s3:::home/alice/f", &V),
            MatchResult::Match
        );
        assert_eq!(
            p.matches("arn:aws:s3:::home/bob/f", &V),
            MatchResult::NoMatch
        );
    }
}
