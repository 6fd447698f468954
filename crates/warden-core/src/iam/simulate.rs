//! The IAM policy simulator: `SimulatePrincipalPolicy`, `SimulateCustomPolicy` and
//! `GetContextKeysFor{Principal,Custom}Policy`.
//!
//! A simulation gathers policies (a principal's, or the ones given), compiles them, and decides
//! every action × resource through [`authz::evaluate_subject`] — the function the live path
//! decides with — so a simulation answers what a real request with the same context would get.
//! Unlike the live path, the context is only what the caller supplies (`ContextEntries`) and
//! what the simulated caller's ARN implies, as in AWS: keys the policies read but the request
//! lacks are reported as `MissingContextValues`.

use std::net::IpAddr;

use warden_policy::position::{Span, statement_spans};
use warden_policy::values::{parse_binary, parse_bool, parse_date, parse_ip_network, parse_number};
use warden_policy::{
    CompiledPolicy, Decision, Effect, MatchedStatement, Outcome, PolicyDocument, PolicySet,
    PolicyType, Principal, RequestContext,
};
use warden_protocol::ServiceError;
use warden_protocol::iam::{self, errors};

use super::{account, no_such_group, no_such_role, no_such_user};
use crate::authz::{self, Subject};
use crate::directory::{Account, SourcePolicy};
use crate::pagination::paginate;
use crate::{Core, RequestCx};

/// `ResourceHandlingOption` values AWS accepts (EC2 scenarios; Warden has no EC2, so they
/// change nothing but are checked).
const RESOURCE_HANDLING_OPTIONS: [&str; 6] = [
    "EC2-Classic-InstanceStore",
    "EC2-Classic-EBS",
    "EC2-VPC-InstanceStore",
    "EC2-VPC-InstanceStore-Subnet",
    "EC2-VPC-EBS",
    "EC2-VPC-EBS-Subnet",
];

fn invalid(message: impl Into<String>) -> ServiceError {
    ServiceError::new(errors::INVALID_INPUT, message)
}

/// One policy in a simulation, with where it came from and where its statements are.
#[derive(Debug)]
struct Source {
    id: String,
    source_type: String,
    compiled: CompiledPolicy,
    document: PolicyDocument,
    spans: Vec<Span>,
}

impl Source {
    /// A policy given as text in the request (`PolicyInputList.N`, `ResourcePolicy`, …).
    fn given(id: String, source_type: &str, text: &str) -> Result<Source, ServiceError> {
        let document = PolicyDocument::parse(text).map_err(|e| invalid(e.aws_message()))?;
        Ok(Source {
            id,
            source_type: source_type.to_owned(),
            compiled: CompiledPolicy::compile(&document),
            spans: statement_spans(text).unwrap_or_default(),
            document,
        })
    }

    /// A stored policy of the principal. `None` for a stored document that no longer parses:
    /// it grants nothing on the live path either.
    fn stored(p: &SourcePolicy<'_>) -> Option<Source> {
        let compiled = p.compiled?.clone();
        Some(Source {
            id: p.name.to_owned(),
            source_type: p.source_type.as_str().to_owned(),
            compiled,
            document: PolicyDocument::parse(p.document).ok()?,
            spans: statement_spans(p.document).unwrap_or_default(),
        })
    }

    fn statement(&self, index: usize) -> iam::Statement {
        let position = |line: usize, column: usize| iam::Position {
            line: i32::try_from(line).ok(),
            column: i32::try_from(column).ok(),
        };
        let span = self.spans.get(index);
        iam::Statement {
            source_policy_id: Some(self.id.clone()),
            source_policy_type: Some(self.source_type.clone()),
            start_position: span.map(|s| position(s.start.line, s.start.column)),
            end_position: span.map(|s| position(s.end.line, s.end.column)),
        }
    }
}

fn set(sources: &[Source]) -> PolicySet {
    PolicySet::new(sources.iter().map(|s| s.compiled.clone()))
}

/// The policies of a simulation and who is simulated.
#[derive(Debug)]
struct Simulation {
    identity: Vec<Source>,
    boundary: Option<Source>,
    /// SCP levels, from the organization root down (custom simulations only).
    scps: Vec<Vec<Source>>,
    resource: Option<Source>,
    principal: Principal,
    /// The simulated caller's account: the default owner of resources and the resource policy.
    account: String,
}

/// What both simulation operations ask, apart from the policies.
#[derive(Debug)]
struct Ask<'a> {
    actions: &'a [String],
    resources: Option<&'a [String]>,
    resource_owner: Option<String>,
    context: Vec<(String, Vec<String>)>,
}

/// A `ResourceOwner`: `arn:PARTITION:iam::ACCOUNT:root` (or any ARN carrying the account), or
/// the bare account id.
fn owner_account(owner: &str) -> Result<String, ServiceError> {
    let account = match warden_policy::arn::Arn::parse(owner) {
        Ok(arn) => arn.account.to_owned(),
        Err(_) => owner.to_owned(),
    };
    if account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()) {
        Ok(account)
    } else {
        Err(invalid(format!("Invalid ResourceOwner: {owner}")))
    }
}

/// Checks `ContextEntries` against their declared types, as AWS does before simulating.
fn context_entries(
    entries: Option<&[iam::ContextEntry]>,
) -> Result<Vec<(String, Vec<String>)>, ServiceError> {
    let mut out = Vec::new();
    for entry in entries.unwrap_or_default() {
        let Some(name) = entry.context_key_name.as_deref() else {
            return Err(invalid("ContextKeyName is required in ContextEntries."));
        };
        let values = entry.context_key_values.clone().unwrap_or_default();
        let ty = entry.context_key_type.as_deref().unwrap_or("string");
        let (base, list) = match ty.strip_suffix("List") {
            Some(base) => (base, true),
            None => (ty, false),
        };
        if !list && values.len() > 1 {
            return Err(invalid(format!(
                "Context key {name} of type {ty} accepts a single value; use {ty}List for several."
            )));
        }
        let valid = |v: &str| match base {
            "string" => true,
            "numeric" => parse_number(v).is_some(),
            "boolean" => parse_bool(v).is_some(),
            "ip" => v.parse::<IpAddr>().is_ok() || parse_ip_network(v).is_some(),
            "binary" => parse_binary(v).is_some(),
            "date" => parse_date(v).is_some(),
            _ => false,
        };
        if let Some(bad) = values.iter().find(|v| !valid(v)) {
            return Err(invalid(format!(
                "Invalid value {bad} for context key {name} of type {ty}."
            )));
        }
        out.push((name.to_owned(), values));
    }
    Ok(out)
}

/// The account of a resource ARN, when it names one.
fn arn_account(resource: &str) -> Option<&str> {
    let arn = warden_policy::arn::Arn::parse(resource).ok()?;
    (arn.account.len() == 12).then_some(arn.account)
}

/// Whether one policy type's statements allow (some Allow, no Deny) among the matched ones.
fn type_allows(decision: &Decision<'_>, t: PolicyType, level: Option<usize>) -> bool {
    let of_type = || {
        decision
            .matched_statements
            .iter()
            .filter(move |m| m.policy_type == t && level.is_none_or(|l| m.level == l))
    };
    of_type().any(|m| m.effect == Effect::Allow) && !of_type().any(|m| m.effect == Effect::Deny)
}

/// `explicitDeny` / `allowed` / `implicitDeny` for one side of a cross-account decision.
fn side(decision: &Decision<'_>, types: &[PolicyType], allows: bool) -> String {
    let denied = decision
        .matched_statements
        .iter()
        .any(|m| types.contains(&m.policy_type) && m.effect == Effect::Deny);
    let outcome = if denied {
        Outcome::ExplicitDeny
    } else if allows {
        Outcome::Allowed
    } else {
        Outcome::ImplicitDeny
    };
    outcome.as_str().to_owned()
}

/// What one action on one resource came to.
struct Evaluated {
    decision: String,
    matched: Vec<iam::Statement>,
    missing: Vec<String>,
    details: Option<Vec<(String, String)>>,
    boundary: Option<iam::PermissionsBoundaryDecisionDetail>,
    organizations: Option<iam::OrganizationsDecisionDetail>,
}

impl Simulation {
    fn source(&self, m: &MatchedStatement<'_>) -> Option<&Source> {
        match m.policy_type {
            PolicyType::Identity => self.identity.get(m.policy_index),
            PolicyType::PermissionsBoundary => self.boundary.as_ref(),
            PolicyType::Resource => self.resource.as_ref(),
            PolicyType::ServiceControl => self.scps.get(m.level)?.get(m.policy_index),
            PolicyType::Session | PolicyType::ResourceControl => None,
        }
    }

    fn run(&self, ask: &Ask<'_>) -> Vec<iam::EvaluationResult> {
        let identity = set(&self.identity);
        let boundary = self.boundary.as_ref().map(|b| set(std::slice::from_ref(b)));
        let resource = self.resource.as_ref().map(|r| set(std::slice::from_ref(r)));
        let scps: Vec<PolicySet> = self.scps.iter().map(|level| set(level)).collect();
        let subject = Subject {
            identity: Some(&identity),
            boundary: boundary.as_ref(),
            session: None,
            userid: String::new(),
        };
        let star = ["*".to_owned()];
        let resources = ask.resources.unwrap_or(&star);
        let mut results = Vec::with_capacity(ask.actions.len() * resources.len());
        for action in ask.actions {
            for arn in resources {
                let owner = arn_account(arn)
                    .map(str::to_owned)
                    .or_else(|| ask.resource_owner.clone())
                    .unwrap_or_else(|| self.account.clone());
                let cross_account = owner != self.account;
                let mut ctx = RequestContext::new(self.principal.clone(), action, arn)
                    .with_resource_account(Some(owner));
                for (key, values) in &ask.context {
                    ctx.insert(key, values.clone());
                }
                let decision =
                    authz::evaluate_subject(&ctx, &identity, &subject, resource.as_ref(), &scps);
                let e = self.explain(&decision, cross_account, ask.resources.is_some());
                results.push(self.result(action, arn, e, ask.resources.is_some()));
            }
        }
        results
    }

    fn explain(&self, decision: &Decision<'_>, cross_account: bool, named: bool) -> Evaluated {
        let matched = decision
            .matched_statements
            .iter()
            .filter_map(|m| Some(self.source(m)?.statement(m.statement_index)))
            .collect();
        let boundary_allows = type_allows(decision, PolicyType::PermissionsBoundary, None);
        let identity_allows = type_allows(decision, PolicyType::Identity, None)
            && (self.boundary.is_none() || boundary_allows);
        // AWS: absent for `*`, empty within one account, a summary per side across accounts.
        let details = match (named, cross_account) {
            (false, _) => None,
            (true, false) => Some(Vec::new()),
            (true, true) => Some(vec![
                (
                    "IAM Policy".to_owned(),
                    side(
                        decision,
                        &[PolicyType::Identity, PolicyType::PermissionsBoundary],
                        identity_allows,
                    ),
                ),
                (
                    "Resource Policy".to_owned(),
                    side(
                        decision,
                        &[PolicyType::Resource],
                        type_allows(decision, PolicyType::Resource, None),
                    ),
                ),
            ]),
        };
        let organizations = (!self.scps.is_empty()).then(|| iam::OrganizationsDecisionDetail {
            allowed_by_organizations: Some(
                (0..self.scps.len())
                    .all(|l| type_allows(decision, PolicyType::ServiceControl, Some(l))),
            ),
        });
        Evaluated {
            decision: decision.outcome.as_str().to_owned(),
            matched,
            missing: decision
                .missing_context_keys
                .iter()
                .map(|k| (*k).to_owned())
                .collect(),
            details,
            boundary: self
                .boundary
                .as_ref()
                .map(|_| iam::PermissionsBoundaryDecisionDetail {
                    allowed_by_permissions_boundary: Some(boundary_allows),
                }),
            organizations,
        }
    }

    fn result(
        &self,
        action: &str,
        resource: &str,
        e: Evaluated,
        named: bool,
    ) -> iam::EvaluationResult {
        // With ResourceArns, missing context values are reported per resource (AWS).
        let specific = named.then(|| {
            vec![iam::ResourceSpecificResult {
                eval_resource_name: resource.to_owned(),
                eval_resource_decision: e.decision.clone(),
                matched_statements: Some(e.matched.clone()),
                missing_context_values: Some(e.missing.clone()),
                eval_decision_details: e.details.clone(),
                permissions_boundary_decision_detail: e.boundary.clone(),
            }]
        });
        iam::EvaluationResult {
            eval_action_name: action.to_owned(),
            eval_resource_name: Some(resource.to_owned()),
            eval_decision: e.decision,
            matched_statements: Some(e.matched),
            missing_context_values: Some(if named { Vec::new() } else { e.missing }),
            organizations_decision_detail: e.organizations,
            permissions_boundary_decision_detail: e.boundary,
            eval_decision_details: e.details,
            resource_specific_results: specific,
        }
    }
}

/// `PolicyInputList.N` sources.
fn input_list(list: Option<&[String]>, name: &str) -> Result<Vec<Source>, ServiceError> {
    list.unwrap_or_default()
        .iter()
        .enumerate()
        .map(|(i, text)| Source::given(format!("{name}.{}", i + 1), "IAM Policy", text))
        .collect()
}

/// `PermissionsBoundaryPolicyInputList`: at most one boundary.
fn boundary_input(list: Option<&[String]>) -> Result<Option<Source>, ServiceError> {
    let mut sources = input_list(list, "PermissionsBoundaryPolicyInputList")?;
    if sources.len() > 1 {
        return Err(invalid(
            "PermissionsBoundaryPolicyInputList accepts only one permissions boundary policy.",
        ));
    }
    Ok(sources.pop())
}

/// The entity a `PolicySourceArn` names.
enum Entity<'a> {
    User(&'a crate::directory::User),
    Group(&'a crate::directory::Group),
    Role(&'a crate::directory::Role),
}

fn find_entity<'a>(account: &'a Account, arn: &str) -> Result<Entity<'a>, ServiceError> {
    let parsed =
        warden_policy::arn::Arn::parse(arn).map_err(|_| invalid(format!("Invalid ARN: {arn}")))?;
    let bad = || {
        invalid(format!(
            "Invalid ARN: {arn}. The ARN must name a user, group or role."
        ))
    };
    if parsed.service != "iam" {
        return Err(bad());
    }
    let (kind, rest) = parsed.resource.split_once('/').ok_or_else(bad)?;
    let name = rest.rsplit('/').next().unwrap_or(rest);
    let own = parsed.account == account.id();
    match kind {
        "user" => match account.user(name).filter(|u| own && u.arn == arn) {
            Some(u) => Ok(Entity::User(u)),
            None => Err(no_such_user(name)),
        },
        "group" => match account.group(name).filter(|g| own && g.arn == arn) {
            Some(g) => Ok(Entity::Group(g)),
            None => Err(no_such_group(name)),
        },
        "role" => match account.role(name).filter(|r| own && r.arn == arn) {
            Some(r) => Ok(Entity::Role(r)),
            None => Err(no_such_role(name)),
        },
        _ => Err(bad()),
    }
}

/// The stored identity policies of an entity, and its boundary.
fn entity_sources<'a>(
    account: &'a Account,
    entity: &Entity<'a>,
) -> (Vec<SourcePolicy<'a>>, Option<SourcePolicy<'a>>) {
    match entity {
        Entity::User(u) => (
            account.user_sources(u),
            account.boundary_source(u.record.permissions_boundary.as_deref()),
        ),
        Entity::Group(g) => (account.group_sources(g), None),
        Entity::Role(r) => (
            account.role_sources(r),
            account.boundary_source(r.record.permissions_boundary.as_deref()),
        ),
    }
}

/// `PolicyExclusionList`: whether a stored policy is left out of the simulation.
fn excluded(p: &SourcePolicy<'_>, exclusions: &[iam::PolicyIdentifier]) -> bool {
    exclusions.iter().any(|x| {
        if let Some(arn) = &x.policy_arn {
            return p.holder == arn;
        }
        x.inline_policy_identifier.as_ref().is_some_and(|i| {
            let kind = p.source_type.as_str();
            i.attachment_type.eq_ignore_ascii_case(kind)
                && i.attachment_name == p.holder
                && i.policy_name == p.name
        })
    })
}

/// The simulated caller: `CallerArn` (an IAM user), or the user or role simulated.
fn caller(
    caller_arn: Option<&str>,
    default: Option<Principal>,
    account: &Account,
) -> Result<Principal, ServiceError> {
    match caller_arn {
        Some(arn) => match Principal::parse(arn) {
            Ok(p) if p.kind() == warden_policy::PrincipalKind::User => Ok(p),
            _ => Err(invalid(format!(
                "Invalid CallerArn: {arn}. CallerArn must be the ARN of an IAM user."
            ))),
        },
        None => Ok(
            default.unwrap_or_else(|| Principal::unnamed_user(&account.partition, account.id()))
        ),
    }
}

fn page(
    results: Vec<iam::EvaluationResult>,
    marker: Option<&str>,
    max_items: Option<i32>,
) -> Result<iam::SimulatePolicyResponse, ServiceError> {
    let keyed = results
        .into_iter()
        .enumerate()
        .map(|(i, r)| (format!("{i:010}"), r));
    let page = paginate(keyed, marker, max_items)?;
    Ok(iam::SimulatePolicyResponse {
        is_truncated: Some(page.is_truncated()),
        marker: page.next,
        evaluation_results: Some(page.items),
    })
}

fn check_handling(option: Option<&str>) -> Result<(), ServiceError> {
    match option {
        Some(o) if !RESOURCE_HANDLING_OPTIONS.contains(&o) => {
            Err(invalid(format!("Invalid ResourceHandlingOption: {o}")))
        }
        _ => Ok(()),
    }
}

/// Every context key the sources read, once, in order.
fn context_keys<'a>(sources: impl IntoIterator<Item = &'a Source>) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    for source in sources {
        for key in source.document.context_keys() {
            if !keys.iter().any(|k| k.eq_ignore_ascii_case(&key)) {
                keys.push(key);
            }
        }
    }
    keys
}

impl Core {
    pub(crate) fn simulate_principal_policy_op(
        &self,
        cx: &RequestCx,
        i: iam::SimulatePrincipalPolicyRequest,
    ) -> Result<iam::SimulatePolicyResponse, ServiceError> {
        check_handling(i.resource_handling_option.as_deref())?;
        let context = context_entries(i.context_entries.as_deref())?;
        let resource_owner = i.resource_owner.as_deref().map(owner_account).transpose()?;
        let simulation = {
            let dir = self.read();
            let account = account(&dir, &cx.caller)?;
            let entity = find_entity(account, &i.policy_source_arn)?;
            let exclusions = i.policy_exclusion_list.as_deref().unwrap_or_default();
            let (stored, stored_boundary) = entity_sources(account, &entity);
            let mut identity: Vec<Source> = stored
                .iter()
                .filter(|p| !excluded(p, exclusions))
                .filter_map(Source::stored)
                .collect();
            identity.extend(input_list(
                i.policy_input_list.as_deref(),
                "PolicyInputList",
            )?);
            // A boundary given in the request replaces the entity's own.
            let boundary =
                match boundary_input(i.permissions_boundary_policy_input_list.as_deref())? {
                    Some(b) => Some(b),
                    None => stored_boundary.as_ref().and_then(Source::stored),
                };
            let default = match &entity {
                Entity::User(u) => Some(u.principal.clone()),
                Entity::Role(r) => Principal::parse(&r.arn).ok(),
                Entity::Group(_) => None,
            };
            if i.resource_policy.is_some()
                && i.caller_arn.is_none()
                && !matches!(entity, Entity::User(_))
            {
                return Err(invalid(
                    "CallerArn is required when a ResourcePolicy is simulated for a group or role.",
                ));
            }
            let principal = caller(i.caller_arn.as_deref(), default, account)?;
            Simulation {
                identity,
                boundary,
                scps: Vec::new(),
                resource: i
                    .resource_policy
                    .as_deref()
                    .map(|t| Source::given("ResourcePolicy".into(), "Resource Policy", t))
                    .transpose()?,
                account: principal.account().unwrap_or(account.id()).to_owned(),
                principal,
            }
        };
        let ask = Ask {
            actions: &i.action_names,
            resources: i.resource_arns.as_deref(),
            resource_owner,
            context,
        };
        page(simulation.run(&ask), i.marker.as_deref(), i.max_items)
    }

    pub(crate) fn simulate_custom_policy_op(
        &self,
        cx: &RequestCx,
        i: iam::SimulateCustomPolicyRequest,
    ) -> Result<iam::SimulatePolicyResponse, ServiceError> {
        check_handling(i.resource_handling_option.as_deref())?;
        let context = context_entries(i.context_entries.as_deref())?;
        let resource_owner = i.resource_owner.as_deref().map(owner_account).transpose()?;
        if i.resource_policy.is_some() && i.caller_arn.is_none() {
            return Err(invalid(
                "CallerArn is required when a ResourcePolicy is simulated.",
            ));
        }
        let identity = input_list(Some(&i.policy_input_list), "PolicyInputList")?;
        let boundary = boundary_input(i.permissions_boundary_policy_input_list.as_deref())?;
        let scps = i
            .ordered_organization_policy_input_list
            .as_deref()
            .unwrap_or_default()
            .iter()
            .enumerate()
            .map(|(level, l)| {
                input_list(
                    l.service_control_policy_input_list.as_deref(),
                    &format!(
                        "OrderedOrganizationPolicyInputList.{}.ServiceControlPolicyInputList",
                        level + 1
                    ),
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        let principal = {
            let dir = self.read();
            let account = account(&dir, &cx.caller)?;
            caller(i.caller_arn.as_deref(), None, account)?
        };
        let simulation = Simulation {
            identity,
            boundary,
            scps,
            resource: i
                .resource_policy
                .as_deref()
                .map(|t| Source::given("ResourcePolicy".into(), "Resource Policy", t))
                .transpose()?,
            account: principal
                .account()
                .unwrap_or(&cx.caller.account_id)
                .to_owned(),
            principal,
        };
        let ask = Ask {
            actions: &i.action_names,
            resources: i.resource_arns.as_deref(),
            resource_owner,
            context,
        };
        page(simulation.run(&ask), i.marker.as_deref(), i.max_items)
    }

    pub(crate) fn get_context_keys_for_principal_policy_op(
        &self,
        cx: &RequestCx,
        i: iam::GetContextKeysForPrincipalPolicyRequest,
    ) -> Result<iam::GetContextKeysForPolicyResponse, ServiceError> {
        let mut sources = {
            let dir = self.read();
            let account = account(&dir, &cx.caller)?;
            let entity = find_entity(account, &i.policy_source_arn)?;
            let (stored, _) = entity_sources(account, &entity);
            stored.iter().filter_map(Source::stored).collect::<Vec<_>>()
        };
        sources.extend(input_list(
            i.policy_input_list.as_deref(),
            "PolicyInputList",
        )?);
        Ok(iam::GetContextKeysForPolicyResponse {
            context_key_names: Some(context_keys(&sources)),
        })
    }

    pub(crate) fn get_context_keys_for_custom_policy_op(
        &self,
        _cx: &RequestCx,
        i: iam::GetContextKeysForCustomPolicyRequest,
    ) -> Result<iam::GetContextKeysForPolicyResponse, ServiceError> {
        let sources = input_list(Some(&i.policy_input_list), "PolicyInputList")?;
        Ok(iam::GetContextKeysForPolicyResponse {
            context_key_names: Some(context_keys(&sources)),
        })
    }
}
