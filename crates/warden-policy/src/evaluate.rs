//! AWS's policy evaluation logic, with reasons.
//!
//! The order follows the IAM User Guide, "How AWS enforcement code logic evaluates requests to
//! allow or deny access": (1) an explicit deny in any applicable policy decides; (2) every RCP
//! level must allow; (3) every SCP level must allow; (4) a resource-based policy may allow on its
//! own, depending on whom it names; (5) identity policies, (6) the permissions boundary and (7)
//! session policies must all allow. Across accounts, both the principal's side (identity,
//! boundary, session, SCPs) and the resource's side (resource policy, RCPs) must allow
//! ("Cross-account policy evaluation logic").

use std::fmt;

use crate::compile::PolicySet;
use crate::context::RequestContext;
use crate::document::Effect;
use crate::principal::{PrincipalKind, PrincipalMatch};

/// The final decision, in the IAM policy simulator's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    Allowed,
    ExplicitDeny,
    ImplicitDeny,
}

impl Outcome {
    /// `allowed`, `explicitDeny` or `implicitDeny`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Allowed => "allowed",
            Outcome::ExplicitDeny => "explicitDeny",
            Outcome::ImplicitDeny => "implicitDeny",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kinds of policy a decision reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyType {
    Identity,
    Resource,
    PermissionsBoundary,
    Session,
    ServiceControl,
    ResourceControl,
}

impl PolicyType {
    /// A short machine name: `identity`, `resource`, `permissionsBoundary`, `session`, `scp`,
    /// `rcp`.
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyType::Identity => "identity",
            PolicyType::Resource => "resource",
            PolicyType::PermissionsBoundary => "permissionsBoundary",
            PolicyType::Session => "session",
            PolicyType::ServiceControl => "scp",
            PolicyType::ResourceControl => "rcp",
        }
    }

    /// The phrase AWS uses in access-denied messages.
    pub fn aws_phrase(self) -> &'static str {
        match self {
            PolicyType::Identity => "identity-based policy",
            PolicyType::Resource => "resource-based policy",
            PolicyType::PermissionsBoundary => "permissions boundary",
            PolicyType::Session => "session policy",
            PolicyType::ServiceControl => "service control policy",
            PolicyType::ResourceControl => "resource control policy",
        }
    }
}

/// A statement that applied to the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchedStatement<'p> {
    pub policy_type: PolicyType,
    /// For SCPs and RCPs: the organization level (0 = root); otherwise 0.
    pub level: usize,
    /// The policy's position in its set.
    pub policy_index: usize,
    pub policy_name: Option<&'p str>,
    pub statement_index: usize,
    pub sid: Option<&'p str>,
    pub effect: Effect,
}

/// A decision and its reasons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision<'p> {
    pub outcome: Outcome,
    /// For a denial, the policy type that denied explicitly or lacked an allow; for an allow, the
    /// type that granted it (`None` for the root user's own account).
    pub decided_by: Option<PolicyType>,
    /// Every statement that applied, allow and deny, in evaluation order.
    pub matched_statements: Vec<MatchedStatement<'p>>,
    /// Context keys the evaluated conditions (or policy variables) read but the request lacked.
    pub missing_context_keys: Vec<&'p str>,
}

impl Decision<'_> {
    pub fn is_allowed(&self) -> bool {
        self.outcome == Outcome::Allowed
    }

    /// AWS's access-denied message for a denial ("User: … is not authorized to perform: … on
    /// resource: … because no identity-based policy allows the … action").
    pub fn denial_message(&self, ctx: &RequestContext) -> Option<String> {
        let who = match ctx.principal().kind() {
            PrincipalKind::Anonymous => "Anonymous user".to_owned(),
            _ => format!("User: {}", ctx.principal().arn()),
        };
        let head = format!(
            "{who} is not authorized to perform: {} on resource: {}",
            ctx.action(),
            ctx.resource()
        );
        let phrase = self.decided_by.map_or("policy", PolicyType::aws_phrase);
        match self.outcome {
            Outcome::Allowed => None,
            Outcome::ExplicitDeny => {
                let article = if phrase.starts_with(['a', 'e', 'i', 'o', 'u']) {
                    "an"
                } else {
                    "a"
                };
                Some(format!(
                    "{head} with an explicit deny in {article} {phrase}"
                ))
            }
            Outcome::ImplicitDeny => Some(format!(
                "{head} because no {phrase} allows the {} action",
                ctx.action()
            )),
        }
    }
}

/// The policies that apply to one request. Absent sets do not apply; an empty SCP/RCP list means
/// the account is not governed by any.
#[derive(Debug, Clone, Copy, Default)]
pub struct Policies<'p> {
    /// The caller's identity policies (user, group and role policies, inline and managed).
    pub identity: Option<&'p PolicySet>,
    /// The resource's resource-based policy (for `sts:AssumeRole*`, the role trust policy).
    pub resource: Option<&'p PolicySet>,
    pub permissions_boundary: Option<&'p PolicySet>,
    /// The session policies the session was created with. For a federated user session, `None`
    /// means none were passed, which leaves the session with no permissions.
    pub session: Option<&'p PolicySet>,
    /// SCPs of the caller's account, one set per level from the organization root down.
    pub scps: &'p [PolicySet],
    /// RCPs of the resource's account, one set per level.
    pub rcps: &'p [PolicySet],
    /// Role trust policies and KMS key policies "must explicitly allow access for principals":
    /// within the account, identity policies alone do not grant.
    pub resource_policy_required: bool,
}

#[derive(Debug, Clone, Copy, Default)]
struct SetResult {
    /// The strongest principal match among applicable Allow statements (`None`: no allow).
    allow: Option<PrincipalMatch>,
    deny: bool,
}

impl SetResult {
    fn allows(self) -> bool {
        self.allow.is_some()
    }
}

struct Evaluation<'p, 'c> {
    ctx: &'c RequestContext,
    has_boundary: bool,
    decision: Decision<'p>,
}

impl<'p> Evaluation<'p, '_> {
    fn set(&mut self, set: &'p PolicySet, policy_type: PolicyType, level: usize) -> SetResult {
        let ctx = self.ctx;
        let parts = ctx.resource_parts();
        let principal = ctx.principal();
        let mut result = SetResult::default();
        for (policy, st) in set.statements_for(ctx.action_lower(), ctx.service_lower()) {
            let principal_match = match &st.principal {
                None if policy_type == PolicyType::Resource => PrincipalMatch::Account,
                None => PrincipalMatch::Direct,
                Some(m) if m.is_negated() => {
                    // "The NotPrincipal element with a Deny effect will always deny any IAM
                    // principal that has a permissions boundary policy attached" (IAM User
                    // Guide, permissions boundaries).
                    let exempt = m.excludes(principal)
                        && !(self.has_boundary && principal.kind().is_iam_identity());
                    if exempt {
                        PrincipalMatch::None
                    } else {
                        PrincipalMatch::Direct
                    }
                }
                Some(m) => m.match_principal(principal),
            };
            if principal_match == PrincipalMatch::None {
                continue;
            }
            let missing = &mut self.decision.missing_context_keys;
            if !st.resource_applies(&parts, ctx, missing) || !st.conditions_hold(ctx, missing) {
                continue;
            }
            match st.effect {
                Effect::Deny => result.deny = true,
                Effect::Allow => {
                    result.allow = Some(
                        result
                            .allow
                            .map_or(principal_match, |m| m.max(principal_match)),
                    )
                }
            }
            self.decision.matched_statements.push(MatchedStatement {
                policy_type,
                level,
                policy_index: *policy as usize,
                policy_name: set.policy_name(*policy),
                statement_index: st.index,
                sid: st.sid.as_deref(),
                effect: st.effect,
            });
        }
        result
    }

    fn finish(mut self, outcome: Outcome, decided_by: Option<PolicyType>) -> Decision<'p> {
        self.decision.outcome = outcome;
        self.decision.decided_by = decided_by;
        let keys = &mut self.decision.missing_context_keys;
        if keys.len() > 1 {
            // Case-insensitive order without allocating: keys differ in case across policies.
            keys.sort_unstable_by(|a, b| {
                a.bytes()
                    .map(|c| c.to_ascii_lowercase())
                    .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
            });
        }
        keys.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
        self.decision
    }
}

/// Decides whether the request is allowed.
pub fn evaluate<'p>(ctx: &RequestContext, policies: &Policies<'p>) -> Decision<'p> {
    let mut ev = Evaluation {
        ctx,
        has_boundary: policies.permissions_boundary.is_some(),
        decision: Decision {
            outcome: Outcome::ImplicitDeny,
            decided_by: None,
            matched_statements: Vec::new(),
            missing_context_keys: Vec::new(),
        },
    };
    let mut first_deny: Option<PolicyType> = None;
    let mut note_deny = |r: SetResult, t: PolicyType| {
        if r.deny && first_deny.is_none() {
            first_deny = Some(t);
        }
        r
    };

    // Step 1 reads every policy, so every applicable statement is reported.
    let rcps: Vec<SetResult> = policies
        .rcps
        .iter()
        .enumerate()
        .map(|(level, set)| {
            note_deny(
                ev.set(set, PolicyType::ResourceControl, level),
                PolicyType::ResourceControl,
            )
        })
        .collect();
    let scps: Vec<SetResult> = policies
        .scps
        .iter()
        .enumerate()
        .map(|(level, set)| {
            note_deny(
                ev.set(set, PolicyType::ServiceControl, level),
                PolicyType::ServiceControl,
            )
        })
        .collect();
    let mut one =
        |set: Option<&'p PolicySet>, t: PolicyType| set.map(|s| note_deny(ev.set(s, t, 0), t));
    let resource = one(policies.resource, PolicyType::Resource);
    let identity = one(policies.identity, PolicyType::Identity);
    let boundary = one(
        policies.permissions_boundary,
        PolicyType::PermissionsBoundary,
    );
    let session = one(policies.session, PolicyType::Session);

    if let Some(t) = first_deny {
        return ev.finish(Outcome::ExplicitDeny, Some(t));
    }
    if rcps.iter().any(|r| !r.allows()) {
        return ev.finish(Outcome::ImplicitDeny, Some(PolicyType::ResourceControl));
    }
    if scps.iter().any(|r| !r.allows()) {
        return ev.finish(Outcome::ImplicitDeny, Some(PolicyType::ServiceControl));
    }

    let granted_by_resource = resource
        .and_then(|r| r.allow)
        .unwrap_or(PrincipalMatch::None);
    let kind = ctx.principal().kind();
    let same_account = ctx.is_same_account();

    if !kind.is_iam_identity() {
        // The root user has full access to its own account; everyone else (anonymous callers,
        // services, identity providers, other accounts' roots) needs the resource policy.
        if kind == PrincipalKind::Root && same_account && !policies.resource_policy_required {
            return ev.finish(Outcome::Allowed, None);
        }
        return if granted_by_resource != PrincipalMatch::None {
            ev.finish(Outcome::Allowed, Some(PolicyType::Resource))
        } else {
            ev.finish(Outcome::ImplicitDeny, Some(PolicyType::Resource))
        };
    }

    let identity_ok = identity.is_some_and(SetResult::allows);
    let boundary_ok = boundary.is_none_or(SetResult::allows);
    // "If you didn't pass a session policy … a role session is allowed; otherwise the request is
    // implicitly denied": a federated user session without session policies has no permissions.
    let session_ok = match session {
        Some(s) => s.allows(),
        None => kind != PrincipalKind::FederatedUser,
    };
    let principal_side_ok = identity_ok && boundary_ok && session_ok;
    let first_missing_on_principal_side = || {
        if !identity_ok {
            PolicyType::Identity
        } else if !boundary_ok {
            PolicyType::PermissionsBoundary
        } else {
            PolicyType::Session
        }
    };

    if !same_account {
        if granted_by_resource == PrincipalMatch::None {
            return ev.finish(Outcome::ImplicitDeny, Some(PolicyType::Resource));
        }
        if !principal_side_ok {
            return ev.finish(
                Outcome::ImplicitDeny,
                Some(first_missing_on_principal_side()),
            );
        }
        return ev.finish(Outcome::Allowed, Some(PolicyType::Resource));
    }

    // Same account: what the resource policy names decides which implicit denies it overrides.
    let by_resource = match granted_by_resource {
        PrincipalMatch::Direct => true,
        PrincipalMatch::Parent => boundary_ok && session_ok,
        // Naming the account delegates to the account's identity policies.
        PrincipalMatch::Account | PrincipalMatch::None => false,
    };
    if by_resource {
        return ev.finish(Outcome::Allowed, Some(PolicyType::Resource));
    }
    if policies.resource_policy_required {
        let named = granted_by_resource != PrincipalMatch::None;
        return if named && principal_side_ok {
            ev.finish(Outcome::Allowed, Some(PolicyType::Resource))
        } else if !named {
            ev.finish(Outcome::ImplicitDeny, Some(PolicyType::Resource))
        } else {
            ev.finish(
                Outcome::ImplicitDeny,
                Some(first_missing_on_principal_side()),
            )
        };
    }
    if principal_side_ok {
        return ev.finish(Outcome::Allowed, Some(PolicyType::Identity));
    }
    if granted_by_resource == PrincipalMatch::Parent {
        // The resource policy made the identity policy unnecessary, so what failed is the
        // boundary or the session policy.
        let t = if !boundary_ok {
            PolicyType::PermissionsBoundary
        } else {
            PolicyType::Session
        };
        return ev.finish(Outcome::ImplicitDeny, Some(t));
    }
    ev.finish(
        Outcome::ImplicitDeny,
        Some(first_missing_on_principal_side()),
    )
}
