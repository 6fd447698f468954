//! The authorization API: other services ask whether a principal may perform an action on one
//! of their resources, and Warden answers as AWS would — the same evaluation as its own
//! requests (`authz::evaluate_subject`), with the service's resource-based policy, across
//! accounts.
//!
//! The principal comes from the request the service received (its SigV4 signature verified
//! here by that service's rules, so a role session or federated user is resolved from its
//! session token) or, for callers trusted to vouch for it, from a principal ARN. The caller of
//! the API needs `warden:Authorize` on the resource it asks about, and for the ARN form also
//! `warden:AuthorizeAsPrincipal` on the principal. Every decision passes through
//! [`Core::record_decisions`].

mod request;

mod record;

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, PoisonError, RwLock};

use serde::Serialize;
use warden_policy::{CompiledPolicy, Decision, Effect, PolicySet, Principal, PrincipalKind};
use warden_protocol::ServiceError;
use warden_sigv4::HttpRequest;

pub use request::{AuthorizeRequest, MAX_BATCH, SignedRequest, Who, parse_batch, parse_request};

use crate::authorization_message::AuthorizationMessage;
use crate::authz::{self, Subject, Target};
use crate::directory::Directory;
use crate::{Caller, Core, RequestCx, RequestInfo};

/// What the caller of the API needs on the resource it asks about.
pub const AUTHORIZE_ACTION: &str = "warden:Authorize";
/// What the caller additionally needs on a principal it names by ARN instead of passing the
/// principal's signed request.
pub const AUTHORIZE_AS_PRINCIPAL_ACTION: &str = "warden:AuthorizeAsPrincipal";

/// The answer to one question.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizeAnswer {
    pub allowed: bool,
    /// `allowed`, `explicitDeny`, `implicitDeny`; `unauthenticated` when the signed request
    /// did not authenticate; `error` (batch items only) when no decision could be made.
    pub decision: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal: Option<PrincipalIdentity>,
    pub action: String,
    pub resource: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_account: Option<String>,
    /// The policy type that decided: `identity`, `resource`, `permissionsBoundary`,
    /// `session`; absent for the root user in its own account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<&'static str>,
    pub matched_statements: Vec<AnswerStatement>,
    pub missing_context_keys: Vec<String>,
    /// AWS's access-denied message, for a denial.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// For a denial: the decision's details sealed for `sts:DecodeAuthorizationMessage`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoded_message: Option<String>,
    /// Why no decision was made (`unauthenticated`, `error`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<AnswerError>,
}

/// Who the principal turned out to be.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PrincipalIdentity {
    pub arn: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// `aws:userid`: the user id, `ROLE-ID:SESSION`, `ACCOUNT:NAME`, the account id, or
    /// `anonymous`.
    pub user_id: String,
    /// `aws:PrincipalType`: `User`, `AssumedRole`, `FederatedUser`, `Account`, `Anonymous`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_key_id: Option<String>,
}

/// A statement that applied.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AnswerStatement {
    pub policy_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_name: Option<String>,
    pub statement_index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    pub effect: &'static str,
}

/// An error in the shape of AWS's JSON protocols.
#[derive(Debug, Clone, Serialize)]
pub struct AnswerError {
    #[serde(rename = "__type")]
    pub code: String,
    pub message: String,
    pub status: u16,
}

impl From<&ServiceError> for AnswerError {
    fn from(e: &ServiceError) -> AnswerError {
        AnswerError {
            code: e.code.to_string(),
            message: e.message.clone(),
            status: e.status,
        }
    }
}

/// Compiled resource policies by text: a service sends the same bucket policy with every
/// request, and compiling it each time would cost more than deciding. Content-addressed, so
/// one cache serves every `Core` in the process.
static RESOURCE_POLICIES: LazyLock<RwLock<HashMap<String, Arc<PolicySet>>>> =
    LazyLock::new(|| RwLock::new(HashMap::new()));
/// More distinct policies than this and the cache starts over.
const RESOURCE_POLICY_CACHE_LIMIT: usize = 4096;

fn compiled_resource_policy(text: &str) -> Result<Arc<PolicySet>, ServiceError> {
    if let Some(set) = RESOURCE_POLICIES
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .get(text)
    {
        return Ok(Arc::clone(set));
    }
    let policy = CompiledPolicy::parse(text).map_err(|e| ServiceError {
        code: "MalformedPolicyDocument".into(),
        message: format!("the resource policy is not a valid policy: {e}"),
        status: 400,
        sender_fault: true,
        reason: None,
    })?;
    let set = Arc::new(PolicySet::new(vec![policy.with_name("resource policy")]));
    let mut cache = RESOURCE_POLICIES
        .write()
        .unwrap_or_else(PoisonError::into_inner);
    if cache.len() >= RESOURCE_POLICY_CACHE_LIMIT {
        cache.clear();
    }
    cache.insert(text.to_owned(), Arc::clone(&set));
    Ok(set)
}

/// The principal of one question, once known.
enum Asker {
    /// Authenticated from its signed request, or a user or root named by ARN.
    Caller(RequestCx),
    /// A role session named by ARN: the role's policies, no session policies.
    RoleSession {
        cx: RequestCx,
        role_id: String,
        session_name: String,
    },
    /// A request without any signature: only resource policies can allow it.
    Anonymous(RequestInfo),
}

impl Asker {
    fn principal(&self) -> Principal {
        match self {
            Asker::Caller(cx) | Asker::RoleSession { cx, .. } => cx.caller.principal.clone(),
            Asker::Anonymous(_) => Principal::anonymous(),
        }
    }

    fn info(&self) -> &RequestInfo {
        match self {
            Asker::Caller(cx) | Asker::RoleSession { cx, .. } => &cx.info,
            Asker::Anonymous(info) => info,
        }
    }
}

fn invalid_token() -> ServiceError {
    ServiceError {
        code: "InvalidClientTokenId".into(),
        message: "The security token included in the request is invalid.".to_owned(),
        status: 403,
        sender_fault: true,
        reason: None,
    }
}

fn no_such_principal(arn: &str) -> ServiceError {
    ServiceError {
        code: "NoSuchEntity".into(),
        message: format!("The principal `{arn}` does not exist."),
        status: 404,
        sender_fault: true,
        reason: None,
    }
}

/// The account in an ARN (`arn:aws:sqs:us-east-1:111122223333:queue`); S3's ARNs have none.
fn arn_account(arn: &str) -> Option<String> {
    let account = arn.split(':').nth(4)?;
    (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())).then(|| account.to_owned())
}

/// A user, a role session or an account root, by ARN.
fn asker_by_arn(dir: &Directory, arn: &str, info: RequestInfo) -> Result<Asker, ServiceError> {
    let principal = Principal::parse(arn).map_err(|_| {
        request::validation(format!(
            "`principal` must be an IAM user, role session or account root ARN, not `{arn}`"
        ))
    })?;
    let account = principal
        .account()
        .and_then(|id| dir.account(id))
        .ok_or_else(|| no_such_principal(arn))?;
    let caller = |user_id: Option<String>, tags| Caller {
        account_id: account.id().to_owned(),
        user_id,
        arn: arn.to_owned(),
        principal: principal.clone(),
        access_key_id: String::new(),
        tags,
        session: None,
    };
    match principal.kind() {
        PrincipalKind::Root => Ok(Asker::Caller(RequestCx {
            caller: crate::authn::root_caller(account, ""),
            info,
        })),
        PrincipalKind::User => {
            let name = arn.rsplit('/').next().unwrap_or_default();
            let user = account
                .user(name)
                .filter(|u| u.arn == arn)
                .ok_or_else(|| no_such_principal(arn))?;
            Ok(Asker::Caller(RequestCx {
                caller: caller(Some(user.record.user_id.clone()), user.record.tags.clone()),
                info,
            }))
        }
        PrincipalKind::AssumedRole => {
            let mut parts = arn.splitn(3, '/').skip(1);
            let (Some(role_name), Some(session_name)) = (parts.next(), parts.next()) else {
                return Err(no_such_principal(arn));
            };
            let role = account
                .role(role_name)
                .ok_or_else(|| no_such_principal(arn))?;
            Ok(Asker::RoleSession {
                role_id: role.record.role_id.clone(),
                session_name: session_name.to_owned(),
                cx: RequestCx {
                    caller: caller(None, role.record.tags.clone()),
                    info,
                },
            })
        }
        _ => Err(request::validation(format!(
            "`principal` must be an IAM user, role session or account root ARN, not `{arn}` \
             (a federated user's permissions depend on its session: pass its signed request)"
        ))),
    }
}

fn statement_of(m: &warden_policy::MatchedStatement<'_>) -> AnswerStatement {
    AnswerStatement {
        policy_type: m.policy_type.as_str(),
        policy_name: m.policy_name.map(str::to_owned),
        statement_index: m.statement_index,
        sid: m.sid.map(str::to_owned),
        effect: match m.effect {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        },
    }
}

impl Core {
    /// Answers one question. `Err` when the question cannot be answered: the caller may not
    /// ask it, the principal named by ARN does not exist, or the resource policy is not a
    /// policy. A signed request that does not authenticate is an answer
    /// (`decision: unauthenticated`), since it says something about the principal.
    pub fn authorize_request(
        &self,
        cx: &RequestCx,
        request: &AuthorizeRequest,
    ) -> Result<AuthorizeAnswer, ServiceError> {
        {
            let dir = self.read();
            authz::authorize(
                cx,
                &dir,
                &Target::new(AUTHORIZE_ACTION, request.resource.clone()),
            )?;
            if let Who::Principal(arn) = &request.who {
                authz::authorize(
                    cx,
                    &dir,
                    &Target::new(AUTHORIZE_AS_PRINCIPAL_ACTION, arn.clone()),
                )?;
            }
        }
        let resource_policy = request
            .resource_policy
            .as_deref()
            .map(compiled_resource_policy)
            .transpose()?;
        let asker = match &request.who {
            Who::Signed(material) => match self.authenticate_material(material, &cx.info) {
                Ok(asker) => asker,
                Err(e) => return Ok(self.unauthenticated(request, &e)),
            },
            Who::Principal(arn) => {
                let info = RequestInfo {
                    source_ip: None,
                    user_agent: None,
                    secure_transport: false,
                    ..cx.info.clone()
                };
                asker_by_arn(&self.read(), arn, info)?
            }
        };
        let dir = self.read();
        let subject = match &asker {
            Asker::Caller(pcx) => Subject::of(&pcx.caller, &dir).ok_or_else(invalid_token)?,
            Asker::RoleSession {
                cx: pcx,
                role_id,
                session_name,
            } => {
                let role = dir
                    .account(&pcx.caller.account_id)
                    .and_then(|a| a.roles.by_id(role_id))
                    .ok_or_else(|| no_such_principal(&pcx.caller.arn))?;
                Subject {
                    identity: Some(&role.identity),
                    boundary: role.boundary.as_deref(),
                    session: None,
                    userid: format!("{role_id}:{session_name}"),
                }
            }
            Asker::Anonymous(_) => Subject {
                identity: None,
                boundary: None,
                session: None,
                userid: "anonymous".to_owned(),
            },
        };
        let principal = asker.principal();
        let mut ctx = authz::global_context(
            asker.info(),
            principal.clone(),
            &request.action,
            &request.resource,
        );
        match &asker {
            Asker::Caller(pcx) | Asker::RoleSession { cx: pcx, .. } => {
                authz::add_caller_keys(&mut ctx, pcx, &subject.userid)
            }
            Asker::Anonymous(_) => ctx.insert("aws:userid", vec!["anonymous".to_owned()]),
        }
        for (key, values) in &request.context {
            ctx.insert(key, values.clone());
        }
        let resource_account = request
            .resource_account
            .clone()
            .or_else(|| arn_account(&request.resource))
            .or_else(|| principal.account().map(str::to_owned));
        let ctx = ctx.with_resource_account(resource_account.clone());
        // A root session (no identity policies) is limited by its session policies alone.
        let identity = subject
            .identity
            .or(subject.session)
            .unwrap_or(&authz::NO_POLICIES);
        let decision =
            authz::evaluate_subject(&ctx, identity, &subject, resource_policy.as_deref(), &[]);
        let identity = PrincipalIdentity {
            arn: principal.arn().to_owned(),
            account_id: principal.account().map(str::to_owned),
            user_id: subject.userid.clone(),
            kind: principal.kind().aws_principal_type().unwrap_or("Anonymous"),
            access_key_id: match &asker {
                Asker::Caller(pcx) if !pcx.caller.access_key_id.is_empty() => {
                    Some(pcx.caller.access_key_id.clone())
                }
                _ => None,
            },
        };
        let answer = self.answer(request, &ctx, &decision, identity, resource_account);
        Ok(answer)
    }

    /// The answer for a decision (recorded by [`Core::record_decisions`]).
    fn answer(
        &self,
        request: &AuthorizeRequest,
        ctx: &warden_policy::RequestContext,
        decision: &Decision<'_>,
        identity: PrincipalIdentity,
        resource_account: Option<String>,
    ) -> AuthorizeAnswer {
        let message = decision.denial_message(ctx);
        let encoded_message = message.as_ref().and_then(|_| {
            let name = identity.arn.rsplit(['/', ':']).next().unwrap_or_default();
            let details = AuthorizationMessage::from_decision(
                decision,
                (&identity.user_id, name, &identity.arn),
                &request.action,
                &request.resource,
                request.context.clone(),
            );
            match self.encode_authorization_message(&details) {
                Ok(encoded) => Some(encoded),
                Err(e) => {
                    tracing::error!(error = %e, "cannot seal an authorization message");
                    None
                }
            }
        });
        let decided_by = decision.decided_by.map(|t| t.as_str());
        AuthorizeAnswer {
            allowed: decision.is_allowed(),
            decision: decision.outcome.as_str(),
            principal: Some(identity),
            action: request.action.clone(),
            resource: request.resource.clone(),
            resource_account,
            decided_by,
            matched_statements: decision
                .matched_statements
                .iter()
                .map(statement_of)
                .collect(),
            missing_context_keys: decision
                .missing_context_keys
                .iter()
                .map(|k| (*k).to_owned())
                .collect(),
            message,
            encoded_message,
            error: None,
        }
    }

    /// The answer when the signed request did not authenticate.
    fn unauthenticated(&self, request: &AuthorizeRequest, error: &ServiceError) -> AuthorizeAnswer {
        AuthorizeAnswer {
            allowed: false,
            decision: "unauthenticated",
            principal: None,
            action: request.action.clone(),
            resource: request.resource.clone(),
            resource_account: request.resource_account.clone(),
            decided_by: None,
            matched_statements: Vec::new(),
            missing_context_keys: Vec::new(),
            message: None,
            encoded_message: None,
            error: Some(AnswerError::from(error)),
        }
    }

    /// A batch: every item answered in order; an item that cannot be decided becomes an
    /// `error` answer and the rest go on.
    pub fn authorize_batch(
        &self,
        cx: &RequestCx,
        items: Vec<Result<AuthorizeRequest, ServiceError>>,
    ) -> Vec<AuthorizeAnswer> {
        items
            .into_iter()
            .map(|item| match item {
                Err(e) => error_answer(&e, None),
                Ok(request) => self
                    .authorize_request(cx, &request)
                    .unwrap_or_else(|e| error_answer(&e, Some(&request))),
            })
            .collect()
    }

    /// Verifies the service's request and finds its principal; `Ok(Anonymous)` when the
    /// request carries no signature at all.
    fn authenticate_material(
        &self,
        material: &SignedRequest,
        info: &RequestInfo,
    ) -> Result<Asker, ServiceError> {
        let headers: Vec<(&str, &str)> = material
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let http = HttpRequest {
            method: &material.method,
            path: &material.path,
            query: &material.query,
            headers: &headers,
            body: b"",
        };
        let user_agent = headers
            .iter()
            .find(|(n, _)| *n == "user-agent")
            .map(|(_, v)| (*v).to_owned());
        match self.authenticate_service_request(&http, material.payload_hash.as_deref(), info.now) {
            Ok(authenticated) => Ok(Asker::Caller(RequestCx {
                info: RequestInfo {
                    now: info.now,
                    source_ip: None,
                    user_agent,
                    secure_transport: false,
                    region: authenticated.region,
                },
                caller: authenticated.caller,
            })),
            Err(e) if e.code == "MissingAuthenticationToken" => Ok(Asker::Anonymous(RequestInfo {
                now: info.now,
                source_ip: None,
                user_agent,
                secure_transport: false,
                region: info.region.clone(),
            })),
            Err(e) => Err(e),
        }
    }
}

/// A batch item that could not be decided.
fn error_answer(error: &ServiceError, request: Option<&AuthorizeRequest>) -> AuthorizeAnswer {
    AuthorizeAnswer {
        allowed: false,
        decision: "error",
        principal: None,
        action: request.map(|r| r.action.clone()).unwrap_or_default(),
        resource: request.map(|r| r.resource.clone()).unwrap_or_default(),
        resource_account: request.and_then(|r| r.resource_account.clone()),
        decided_by: None,
        matched_statements: Vec::new(),
        missing_context_keys: Vec::new(),
        message: None,
        encoded_message: None,
        error: Some(AnswerError::from(error)),
    }
}
