//! Compiled policies: every pattern pre-analysed, every statement indexed by the actions it can
//! match, so that deciding a request touches only the statements that could apply to it.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use crate::arn::{ArnMatchMode, ArnParts, ArnPattern};
use crate::condition::CompiledCondition;
use crate::context::RequestContext;
use crate::document::{Effect, ParseError, PolicyDocument, Statement};
use crate::pattern::{MatchResult, Matcher, Syntax};
use crate::principal::PrincipalMatcher;

/// Action patterns are matched without regard to case, so they are stored lowercased.
const ACTION_SYNTAX: Syntax = Syntax {
    wildcards: true,
    variables: false,
};

/// The action patterns of one `Action`/`NotAction` element, indexed by service prefix.
#[derive(Debug, Clone, Default)]
pub(crate) struct ActionSet {
    any: bool,
    exact: HashSet<Box<str>>,
    by_service: HashMap<Box<str>, Vec<Matcher>>,
    /// Patterns whose service prefix itself has wildcards (`*:Get*`, `s3*:x`).
    other: Vec<Matcher>,
}

/// Where an action pattern can match, for indexing.
enum ActionShape {
    Any,
    Exact(Box<str>),
    InService(Box<str>, Matcher),
    Other(Matcher),
}

fn action_shape(pattern: &str) -> ActionShape {
    let lower = pattern.to_ascii_lowercase();
    let matcher = Matcher::parse(&lower, ACTION_SYNTAX);
    match matcher {
        Matcher::Any => ActionShape::Any,
        Matcher::Exact(s) => ActionShape::Exact(s),
        m => match lower.split_once(':') {
            Some((service, _)) if !service.contains(['*', '?']) => {
                ActionShape::InService(service.into(), m)
            }
            _ => ActionShape::Other(m),
        },
    }
}

impl ActionSet {
    fn new(patterns: &[String]) -> ActionSet {
        let mut set = ActionSet::default();
        for p in patterns {
            match action_shape(p) {
                ActionShape::Any => set.any = true,
                ActionShape::Exact(s) => {
                    set.exact.insert(s);
                }
                ActionShape::InService(service, m) => {
                    set.by_service.entry(service).or_default().push(m)
                }
                ActionShape::Other(m) => set.other.push(m),
            }
        }
        set
    }

    /// `action` and `service` must be lowercase.
    fn matches(&self, action: &str, service: &str) -> bool {
        self.any
            || self.exact.contains(action)
            || self
                .by_service
                .get(service)
                .is_some_and(|ms| ms.iter().any(|m| m.matches_static(action)))
            || self.other.iter().any(|m| m.matches_static(action))
    }
}

/// A compiled `Resource`/`NotResource` element.
#[derive(Debug, Clone)]
pub(crate) struct ResourceSet {
    negated: bool,
    patterns: Vec<ArnPattern>,
}

impl ResourceSet {
    /// Whether the element applies to the request's resource. A pattern whose variable has no
    /// value "will not match any resource" (IAM User Guide, policy variables), so under
    /// `NotResource` it excludes nothing.
    fn applies<'p>(
        &'p self,
        parts: &ArnParts<'_>,
        ctx: &RequestContext,
        missing: &mut Vec<&'p str>,
    ) -> bool {
        let mut matched = false;
        for p in &self.patterns {
            match p.matches_parts(parts, ctx) {
                MatchResult::Match => {
                    matched = true;
                    break;
                }
                MatchResult::NoMatch => {}
                MatchResult::UndefinedVariable(key) => missing.push(key),
            }
        }
        matched != self.negated
    }
}

/// One compiled statement.
#[derive(Debug, Clone)]
pub(crate) struct CompiledStatement {
    pub(crate) index: usize,
    pub(crate) sid: Option<Box<str>>,
    pub(crate) effect: Effect,
    pub(crate) principal: Option<PrincipalMatcher>,
    negated_action: bool,
    actions: ActionSet,
    /// `None` when the statement has no resource element (trust policies): it applies to any.
    resources: Option<ResourceSet>,
    conditions: Vec<CompiledCondition>,
}

impl CompiledStatement {
    fn new(index: usize, st: &Statement, variables: bool) -> CompiledStatement {
        let (negated_action, actions) = match &st.action {
            Some(a) => (a.negated, ActionSet::new(&a.values)),
            // A statement without actions matches none (validation reports it).
            None => (false, ActionSet::default()),
        };
        CompiledStatement {
            index,
            sid: st.sid.as_deref().map(Into::into),
            effect: st.effect,
            principal: st.principal.as_ref().map(PrincipalMatcher::new),
            negated_action,
            actions,
            resources: st.resource.as_ref().map(|r| ResourceSet {
                negated: r.negated,
                patterns: r
                    .values
                    .iter()
                    .map(|v| ArnPattern::new(v, variables, ArnMatchMode::Resource))
                    .collect(),
            }),
            conditions: st
                .conditions
                .iter()
                .map(|c| CompiledCondition::new(c, variables))
                .collect(),
        }
    }

    /// Whether the action element applies (`action` and `service` lowercase).
    pub(crate) fn action_applies(&self, action: &str, service: &str) -> bool {
        self.actions.matches(action, service) != self.negated_action
    }

    pub(crate) fn resource_applies<'p>(
        &'p self,
        parts: &ArnParts<'_>,
        ctx: &RequestContext,
        missing: &mut Vec<&'p str>,
    ) -> bool {
        self.resources
            .as_ref()
            .is_none_or(|r| r.applies(parts, ctx, missing))
    }

    /// All conditions hold (AND). Stops at the first that fails.
    pub(crate) fn conditions_hold<'p>(
        &'p self,
        ctx: &RequestContext,
        missing: &mut Vec<&'p str>,
    ) -> bool {
        self.conditions.iter().all(|c| c.evaluate(ctx, missing))
    }
}

/// A policy compiled for evaluation.
#[derive(Debug, Clone)]
pub struct CompiledPolicy {
    name: Option<String>,
    statements: Vec<CompiledStatement>,
}

impl CompiledPolicy {
    /// Compiles a parsed document.
    pub fn compile(doc: &PolicyDocument) -> CompiledPolicy {
        let variables = doc.variables_enabled();
        CompiledPolicy {
            name: None,
            statements: doc
                .statements
                .iter()
                .enumerate()
                .map(|(i, st)| CompiledStatement::new(i, st, variables))
                .collect(),
        }
    }

    /// Parses and compiles policy text.
    pub fn parse(text: &str) -> Result<CompiledPolicy, ParseError> {
        Ok(CompiledPolicy::compile(&PolicyDocument::parse(text)?))
    }

    /// Names the policy, so decisions can say which policy a statement came from.
    pub fn with_name(mut self, name: impl Into<String>) -> CompiledPolicy {
        self.name = Some(name.into());
        self
    }

    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    pub fn statement_count(&self) -> usize {
        self.statements.len()
    }
}

/// The policies of one policy type (all identity policies of a principal, one SCP level…),
/// with one action index over all their statements.
#[derive(Debug, Clone, Default)]
pub struct PolicySet {
    names: Vec<Option<String>>,
    /// `(policy index, statement)` in policy order, then statement order.
    statements: Vec<(u32, CompiledStatement)>,
    /// Lowercase action → statements naming it exactly.
    exact: HashMap<Box<str>, Vec<u32>>,
    /// Lowercase service prefix → `(statement, pattern)` for every wildcard pattern in that
    /// service, in statement order; candidates are tested with the pattern itself.
    by_service: HashMap<Box<str>, Vec<(u32, Matcher)>>,
    /// Statements to check for every action: `NotAction`, `*`, wildcard service prefixes.
    always: Vec<u32>,
}

impl PolicySet {
    /// Builds a set from compiled policies.
    pub fn new(policies: impl IntoIterator<Item = CompiledPolicy>) -> PolicySet {
        let mut set = PolicySet::default();
        for (p, policy) in policies.into_iter().enumerate() {
            set.names.push(policy.name);
            for st in policy.statements {
                set.add_statement(p as u32, st);
            }
        }
        set
    }

    fn add_statement(&mut self, policy: u32, st: CompiledStatement) {
        let id = self.statements.len() as u32;
        if st.negated_action || st.actions.any || !st.actions.other.is_empty() {
            self.always.push(id);
        } else {
            for action in &st.actions.exact {
                push_unique(self.exact.entry(action.clone()).or_default(), id);
            }
            for (service, patterns) in &st.actions.by_service {
                let entries = self.by_service.entry(service.clone()).or_default();
                entries.extend(patterns.iter().map(|m| (id, m.clone())));
            }
        }
        self.statements.push((policy, st));
    }

    /// Whether the set has no policies at all.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    pub fn policy_count(&self) -> usize {
        self.names.len()
    }

    pub(crate) fn policy_name(&self, policy: u32) -> Option<&str> {
        self.names.get(policy as usize).and_then(|n| n.as_deref())
    }

    /// The statements whose action element applies to the request, in policy order.
    pub(crate) fn statements_for<'s, 'a>(
        &'s self,
        action: &'a str,
        service: &'a str,
    ) -> impl Iterator<Item = &'s (u32, CompiledStatement)> {
        let exact = self.exact.get(action).map_or(&[][..], Vec::as_slice);
        let patterns = self.by_service.get(service).map_or(&[][..], Vec::as_slice);
        let mut in_service = patterns
            .iter()
            .filter(move |(_, m)| m.matches_static(action))
            .map(|(id, _)| *id)
            .peekable();
        let mut exact = exact.iter().copied().peekable();
        let mut always = self.always.iter().copied().peekable();
        // Merge three ascending id streams, each id once. Ids from `exact` and `in_service`
        // already matched the action; `always` ids still need the full action check.
        std::iter::from_fn(move || {
            loop {
                let next = [exact.peek(), in_service.peek(), always.peek()]
                    .into_iter()
                    .flatten()
                    .min()
                    .copied()?;
                let mut known = false;
                if exact.next_if_eq(&next).is_some() {
                    known = true;
                }
                while in_service.next_if_eq(&next).is_some() {
                    known = true;
                }
                always.next_if_eq(&next);
                let entry = self.statements.get(next as usize)?;
                if known || entry.1.action_applies(action, service) {
                    return Some(entry);
                }
            }
        })
    }
}

fn push_unique(ids: &mut Vec<u32>, id: u32) {
    if ids.last() != Some(&id) {
        ids.push(id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(policies: &[&str]) -> PolicySet {
        PolicySet::new(policies.iter().map(|p| CompiledPolicy::parse(p).unwrap()))
    }

    fn ids(set: &PolicySet, action: &str) -> Vec<(u32, usize)> {
        let action = action.to_ascii_lowercase();
        let service = action.split(':').next().unwrap().to_owned();
        set.statements_for(&action, &service)
            .map(|(p, st)| (*p, st.index))
            .collect()
    }

    #[test]
    fn index_finds_exactly_the_applicable_statements() {
        let s = set(&[
            r#"{"Statement":[
                {"Effect":"Allow","Action":"s3:GetObject","Resource":"*"},
                {"Effect":"Allow","Action":["s3:Put*","ec2:DescribeInstances"],"Resource":"*"},
                {"Effect":"Deny","NotAction":"s3:*","Resource":"*"}]}"#,
            r#"{"Statement":[
                {"Effect":"Allow","Action":"*","Resource":"*"},
                {"Effect":"Allow","Action":"*:Get*","Resource":"*"},
                {"Effect":"Allow","Action":["S3:GETOBJECT","s3:List?ucket"],"Resource":"*"}]}"#,
        ]);
        assert_eq!(
            ids(&s, "s3:GetObject"),
            vec![(0, 0), (1, 0), (1, 1), (1, 2)]
        );
        assert_eq!(ids(&s, "s3:PutObject"), vec![(0, 1), (1, 0)]);
        assert_eq!(
            ids(&s, "ec2:DescribeInstances"),
            vec![(0, 1), (0, 2), (1, 0)]
        );
        assert_eq!(ids(&s, "s3:ListBucket"), vec![(1, 0), (1, 2)]);
        assert_eq!(ids(&s, "iam:GetUser"), vec![(0, 2), (1, 0), (1, 1)]);
    }
}
