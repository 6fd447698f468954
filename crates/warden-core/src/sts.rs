//! STS: `GetCallerIdentity`, `AssumeRole`, `GetSessionToken`, `GetFederationToken` and
//! `GetAccessKeyInfo`.
//!
//! `GetCallerIdentity` needs no permission (AWS documents it). `AssumeRole` is authorized here,
//! not through the IAM table: its decision needs the role's trust policy as the resource policy,
//! which "must explicitly allow" the caller (within one account a trust policy naming the
//! caller suffices; naming the account needs the caller's identity policy too; across accounts
//! both must allow — the engine's `resource_policy_required` rules).

use time::{Duration, OffsetDateTime};
use warden_policy::validate::PolicyKind;
use warden_policy::{CompiledPolicy, Policies, PolicySet, evaluate};
use warden_protocol::ServiceError;
use warden_protocol::sts::{self, Handler, Request, errors};
use warden_store::{MfaOwner, Tag};

use crate::authz::{Subject, Target, access_denied, request_context};
use crate::directory::{Directory, Role};
use crate::iam::mfa::MfaFailure;
use crate::iam::roles::trust_document;
use crate::session::{SessionClaims, SessionKind};
use crate::{Caller, Core, RequestCx, RequestInfo, ids};

mod federated;
mod role_session;
mod saml;
mod web_identity;

use role_session::RoleSession;

/// AWS's limits on sessions.
const DEFAULT_DURATION: i32 = 3600;
const MIN_DURATION: i32 = 900;
/// Role chaining caps a session at an hour, whatever the role allows.
const CHAINED_MAX_DURATION: i32 = 3600;
/// `GetSessionToken`: 36 hours for users, 1 hour for the root user.
const USER_SESSION_MAX: i32 = 129_600;
const ROOT_SESSION_MAX: i32 = 3600;
const USER_SESSION_DEFAULT: i32 = 43_200;
/// The packed size session policies and tags may take, in characters (AWS does not publish its
/// packing; this counts the policy without whitespace, the ARNs and the tags).
const PACKED_LIMIT: usize = 2048;
const SESSION_TAGS_MAX: usize = 50;

fn validation(message: impl Into<String>) -> ServiceError {
    ServiceError::new(warden_protocol::common::VALIDATION_ERROR, message)
}

fn not_authorized(caller: &Caller, action: &str, resource: &str) -> ServiceError {
    access_denied(format!(
        "User: {} is not authorized to perform: {action} on resource: {resource}",
        caller.arn
    ))
}

/// The role an ARN names among the accounts this server holds, with its account's directory.
fn find_role<'d>(dir: &'d Directory, arn: &str) -> Option<&'d Role> {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(partition), Some("iam"), Some(""), Some(account), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    if partition != dir.partition || !resource.starts_with("role/") {
        return None;
    }
    let name = resource.rsplit('/').next()?;
    dir.account(account)?.role(name).filter(|r| r.arn == arn)
}

/// The packed size of session policies and tags, as a percentage of the limit.
/// The ARNs of a request's `PolicyArns`.
fn policy_arn_list(descriptors: Option<Vec<sts::PolicyDescriptorType>>) -> Vec<String> {
    descriptors
        .into_iter()
        .flatten()
        .filter_map(|p| p.arn)
        .collect()
}

/// What every role assumption checks of its session before any decision: the tags, the inline
/// session policy, and the packed size; returns the packed size in percent.
fn check_session_request(
    policy: Option<&str>,
    policy_arns: &[String],
    tags: &[Tag],
    transitive: &[String],
) -> Result<usize, ServiceError> {
    check_session_tags(tags, transitive)?;
    if let Some(policy) = policy {
        check_session_policy(policy)?;
    }
    let percent = packed_percent(policy, policy_arns, tags);
    if percent > 100 {
        return Err(ServiceError::new(
            errors::PACKED_POLICY_TOO_LARGE,
            format!(
                "Packed policy consumes {percent}% of allotted space, please use smaller policy."
            ),
        ));
    }
    Ok(percent)
}

fn packed_percent(policy: Option<&str>, arns: &[String], tags: &[Tag]) -> usize {
    let policy = policy.map_or(0, |p| p.chars().filter(|c| !c.is_whitespace()).count());
    let arns: usize = arns.iter().map(String::len).sum();
    let tags: usize = tags.iter().map(|t| t.key.len() + t.value.len()).sum();
    (policy + arns + tags) * 100 / PACKED_LIMIT
}

/// New temporary credentials for `claims` (whose key id and secret this fills in).
fn issue(core: &Core, mut claims: SessionClaims) -> Result<sts::Credentials, ServiceError> {
    claims.access_key_id =
        ids::temporary_access_key_id(&claims.account_id).map_err(|_| ServiceError::internal())?;
    claims.secret = ids::secret_access_key().map_err(|_| ServiceError::internal())?;
    let token = claims.seal(&core.master_key).map_err(|e| {
        tracing::error!(error = %e, "cannot seal a session token");
        ServiceError::internal()
    })?;
    Ok(sts::Credentials {
        access_key_id: claims.access_key_id,
        secret_access_key: claims.secret,
        session_token: token,
        expiration: claims.expires,
    })
}

fn whole_seconds(now: OffsetDateTime) -> OffsetDateTime {
    now.replace_nanosecond(0).unwrap_or(now)
}

impl Handler for Core {
    type Context = RequestCx;

    async fn get_caller_identity(
        &self,
        cx: &RequestCx,
        _input: sts::GetCallerIdentityRequest,
    ) -> Result<sts::GetCallerIdentityResponse, ServiceError> {
        let caller = &cx.caller;
        let user_id = match caller.session.as_ref().map(|s| &s.claims.kind) {
            Some(SessionKind::AssumedRole {
                role_id,
                session_name,
                ..
            }) => format!("{role_id}:{session_name}"),
            Some(SessionKind::Federated { name, .. }) => format!("{}:{name}", caller.account_id),
            // The root user's id is its account id.
            _ => caller
                .user_id
                .clone()
                .unwrap_or_else(|| caller.account_id.clone()),
        };
        Ok(sts::GetCallerIdentityResponse {
            user_id: Some(user_id),
            account: Some(caller.account_id.clone()),
            arn: Some(caller.arn.clone()),
        })
    }

    async fn assume_role(
        &self,
        cx: &RequestCx,
        i: sts::AssumeRoleRequest,
    ) -> Result<sts::AssumeRoleResponse, ServiceError> {
        let caller = &cx.caller;
        let mfa_authenticated = self
            .check_mfa(cx, i.serial_number.as_deref(), i.token_code.as_deref())
            .await?;
        let policy_arns = policy_arn_list(i.policy_arns.clone());
        let tags: Vec<Tag> = i
            .tags
            .iter()
            .flatten()
            .map(|t| Tag {
                key: t.key.clone(),
                value: t.value.clone(),
            })
            .collect();
        let transitive = i.transitive_tag_keys.clone().unwrap_or_default();
        let percent = check_session_request(i.policy.as_deref(), &policy_arns, &tags, &transitive)?;
        let chained = matches!(
            caller.session.as_ref().map(|s| &s.claims.kind),
            Some(SessionKind::AssumedRole { .. })
        );
        let role_record = {
            let dir = self.read();
            let Some(role) = find_role(&dir, &i.role_arn) else {
                return Err(not_authorized(caller, "sts:AssumeRole", &i.role_arn));
            };
            for arn in &policy_arns {
                if dir
                    .account(&role.record.account_id)
                    .and_then(|a| a.policy_by_arn(arn))
                    .is_none()
                {
                    return Err(validation(format!(
                        "The policy {arn} passed in PolicyArns does not exist or is not \
                         attachable."
                    )));
                }
            }
            let dev_root =
                caller.is_root() && caller.access_key_id.is_empty() && self.accepts_unknown_keys();
            if !dev_root {
                self.authorize_assume_role(cx, &dir, role, &i, &tags, mfa_authenticated)?;
            }
            role.record.clone()
        };
        // Transitive tags of a chained session carry over into the next one.
        let mut session_tags = tags;
        let mut transitive_keys = transitive;
        if let Some(previous) = caller.session.as_ref().filter(|_| chained) {
            for key in &previous.claims.transitive_tag_keys {
                if let Some(tag) = previous.claims.tags.iter().find(|t| &t.key == key)
                    && !session_tags.iter().any(|t| t.key.eq_ignore_ascii_case(key))
                {
                    session_tags.push(tag.clone());
                    transitive_keys.push(key.clone());
                }
            }
        }
        let source_identity = i.source_identity.clone().or_else(|| {
            caller
                .session
                .as_ref()
                .and_then(|s| s.claims.source_identity.clone())
        });
        // A chained session stays the federated session it came from.
        let federated_provider = caller
            .session
            .as_ref()
            .filter(|_| chained)
            .and_then(|s| s.claims.federated_provider.clone());
        let opened = self
            .open_role_session(
                &cx.info,
                RoleSession {
                    role: role_record,
                    session_name: i.role_session_name,
                    duration_seconds: i.duration_seconds,
                    chained,
                    policy: i.policy,
                    policy_arns,
                    tags: session_tags,
                    transitive_tag_keys: transitive_keys,
                    source_identity: source_identity.clone(),
                    federated_provider,
                    mfa_authenticated,
                },
            )
            .await?;
        Ok(sts::AssumeRoleResponse {
            credentials: Some(opened.credentials),
            assumed_role_user: Some(opened.assumed_role_user),
            packed_policy_size: Some(i32::try_from(percent).unwrap_or(i32::MAX)),
            source_identity,
            session_token_utilization: None,
            session_token_size: None,
        })
    }

    async fn decode_authorization_message(
        &self,
        cx: &RequestCx,
        i: sts::DecodeAuthorizationMessageRequest,
    ) -> Result<sts::DecodeAuthorizationMessageResponse, ServiceError> {
        self.decode_authorization_message_op(cx, i)
    }

    async fn get_federation_token(
        &self,
        cx: &RequestCx,
        i: sts::GetFederationTokenRequest,
    ) -> Result<sts::GetFederationTokenResponse, ServiceError> {
        self.get_federation_token_op(cx, i)
    }

    async fn get_access_key_info(
        &self,
        cx: &RequestCx,
        i: sts::GetAccessKeyInfoRequest,
    ) -> Result<sts::GetAccessKeyInfoResponse, ServiceError> {
        self.get_access_key_info_op(cx, &i)
    }

    async fn get_session_token(
        &self,
        cx: &RequestCx,
        i: sts::GetSessionTokenRequest,
    ) -> Result<sts::GetSessionTokenResponse, ServiceError> {
        let caller = &cx.caller;
        if caller.session.is_some() {
            return Err(access_denied(
                "Cannot call GetSessionToken with session credentials".to_owned(),
            ));
        }
        let mfa_authenticated = self
            .check_mfa(cx, i.serial_number.as_deref(), i.token_code.as_deref())
            .await?;
        let (max, default) = if caller.is_root() {
            (ROOT_SESSION_MAX, ROOT_SESSION_MAX)
        } else {
            (USER_SESSION_MAX, USER_SESSION_DEFAULT)
        };
        let duration = i.duration_seconds.unwrap_or(default);
        if !(MIN_DURATION..=max).contains(&duration) {
            return Err(validation(format!(
                "1 validation error detected: Value '{duration}' at 'durationSeconds' failed to \
                 satisfy constraint: Member must have value between {MIN_DURATION} and {max}"
            )));
        }
        let now = whole_seconds(cx.info.now);
        let claims = SessionClaims {
            version: 1,
            kind: SessionKind::UserSession {
                user_id: caller.user_id.clone(),
            },
            account_id: caller.account_id.clone(),
            access_key_id: String::new(),
            secret: String::new(),
            issued: now,
            expires: now + Duration::seconds(i64::from(duration)),
            policy: None,
            policy_arns: Vec::new(),
            tags: Vec::new(),
            transitive_tag_keys: Vec::new(),
            source_identity: None,
            chained: false,
            federated_provider: None,
            mfa_authenticated,
        };
        Ok(sts::GetSessionTokenResponse {
            credentials: Some(issue(self, claims)?),
            session_token_utilization: None,
            session_token_size: None,
        })
    }
}

impl Core {
    /// Verifies the MFA code an STS request carries: `None` without one, the time it was
    /// proved otherwise. The device must be enabled for the calling user (or root).
    async fn check_mfa(
        &self,
        cx: &RequestCx,
        serial: Option<&str>,
        code: Option<&str>,
    ) -> Result<Option<OffsetDateTime>, ServiceError> {
        let unable = || {
            access_denied(
                "MultiFactorAuthentication failed, unable to validate MFA code.".to_owned(),
            )
        };
        let (serial, code) = match (serial, code) {
            (None, None) => return Ok(None),
            (Some(serial), Some(code)) => (serial, code),
            _ => return Err(unable()),
        };
        let caller = &cx.caller;
        let owner = match caller.session.as_ref().map(|s| &s.claims.kind) {
            None => match &caller.user_id {
                Some(id) => MfaOwner::User(id.clone()),
                None => MfaOwner::Root,
            },
            Some(SessionKind::UserSession { user_id: Some(id) }) => MfaOwner::User(id.clone()),
            Some(_) => return Err(unable()),
        };
        match self
            .verify_mfa_code(&caller.account_id, &owner, serial, code, cx.info.now)
            .await
        {
            Ok(()) => Ok(Some(whole_seconds(cx.info.now))),
            Err(MfaFailure::BadCode) => Err(access_denied(
                "MultiFactorAuthentication failed with invalid MFA one time pass code.".to_owned(),
            )),
            Err(MfaFailure::NoDevice) => Err(unable()),
            Err(MfaFailure::Store) => Err(ServiceError::internal()),
        }
    }

    fn get_federation_token_op(
        &self,
        cx: &RequestCx,
        i: sts::GetFederationTokenRequest,
    ) -> Result<sts::GetFederationTokenResponse, ServiceError> {
        let caller = &cx.caller;
        if caller.session.is_some() {
            return Err(access_denied(
                "Cannot call GetFederationToken with session credentials".to_owned(),
            ));
        }
        let policy_arns: Vec<String> = i
            .policy_arns
            .iter()
            .flatten()
            .filter_map(|p| p.arn.clone())
            .collect();
        let tags: Vec<Tag> = i
            .tags
            .iter()
            .flatten()
            .map(|t| Tag {
                key: t.key.clone(),
                value: t.value.clone(),
            })
            .collect();
        check_session_tags(&tags, &[])?;
        if let Some(policy) = &i.policy {
            check_session_policy(policy)?;
        }
        let percent = packed_percent(i.policy.as_deref(), &policy_arns, &tags);
        if percent > 100 {
            return Err(ServiceError::new(
                errors::PACKED_POLICY_TOO_LARGE,
                format!(
                    "Packed policy consumes {percent}% of allotted space, please use smaller \
                     policy."
                ),
            ));
        }
        let (max, default) = if caller.is_root() {
            (ROOT_SESSION_MAX, ROOT_SESSION_MAX)
        } else {
            (USER_SESSION_MAX, USER_SESSION_DEFAULT)
        };
        let duration = i.duration_seconds.unwrap_or(default);
        if !(MIN_DURATION..=max).contains(&duration) {
            return Err(validation(format!(
                "1 validation error detected: Value '{duration}' at 'durationSeconds' failed to \
                 satisfy constraint: Member must have value between {MIN_DURATION} and {max}"
            )));
        }
        let federated_arn = {
            let dir = self.read();
            for arn in &policy_arns {
                if dir
                    .account(&caller.account_id)
                    .and_then(|a| a.policy_by_arn(arn))
                    .is_none()
                {
                    return Err(validation(format!(
                        "The policy {arn} passed in PolicyArns does not exist or is not \
                         attachable."
                    )));
                }
            }
            let arn = format!(
                "arn:{}:sts::{}:federated-user/{}",
                dir.partition, caller.account_id, i.name
            );
            let mut target = Target::new("sts:GetFederationToken", arn.clone());
            if !tags.is_empty() {
                target.request_tags = tags
                    .iter()
                    .map(|t| (t.key.clone(), t.value.clone()))
                    .collect();
                target.tag_keys = Some(tags.iter().map(|t| t.key.clone()).collect());
            }
            crate::authz::authorize(cx, &dir, &target)?;
            arn
        };
        let now = whole_seconds(cx.info.now);
        let claims = SessionClaims {
            version: 1,
            kind: SessionKind::Federated {
                user_id: caller.user_id.clone(),
                name: i.name.clone(),
            },
            account_id: caller.account_id.clone(),
            access_key_id: String::new(),
            secret: String::new(),
            issued: now,
            expires: now + Duration::seconds(i64::from(duration)),
            policy: i.policy.clone(),
            policy_arns,
            tags,
            transitive_tag_keys: Vec::new(),
            source_identity: None,
            chained: false,
            federated_provider: None,
            mfa_authenticated: None,
        };
        Ok(sts::GetFederationTokenResponse {
            credentials: Some(issue(self, claims)?),
            federated_user: Some(sts::FederatedUser {
                federated_user_id: format!("{}:{}", caller.account_id, i.name),
                arn: federated_arn,
            }),
            packed_policy_size: Some(i32::try_from(percent).unwrap_or(i32::MAX)),
            session_token_utilization: None,
            session_token_size: None,
        })
    }

    fn get_access_key_info_op(
        &self,
        cx: &RequestCx,
        i: &sts::GetAccessKeyInfoRequest,
    ) -> Result<sts::GetAccessKeyInfoResponse, ServiceError> {
        let dir = self.read();
        crate::authz::authorize(
            cx,
            &dir,
            &Target::new("sts:GetAccessKeyInfo", "*".to_owned()),
        )?;
        let account = match ids::account_of_temporary_key(&i.access_key_id) {
            Some(account) => Some(account),
            None => dir
                .keys
                .get(&i.access_key_id)
                .map(|k| k.record.account_id.clone()),
        };
        match account {
            Some(account) => Ok(sts::GetAccessKeyInfoResponse {
                account: Some(account),
            }),
            None => Err(validation(format!(
                "The access key {} was not issued by this server.",
                i.access_key_id
            ))),
        }
    }
}

fn check_session_policy(policy: &str) -> Result<(), ServiceError> {
    match warden_policy::validate::validate_text(policy, PolicyKind::Session)
        .into_iter()
        .next()
    {
        Some(finding) => Err(ServiceError::new(
            errors::MALFORMED_POLICY_DOCUMENT,
            finding.aws_message,
        )),
        None => Ok(()),
    }
}

fn check_session_tags(tags: &[Tag], transitive: &[String]) -> Result<(), ServiceError> {
    if tags.len() > SESSION_TAGS_MAX {
        return Err(validation(format!(
            "1 validation error detected: Value at 'tags' failed to satisfy constraint: Member \
             must have length less than or equal to {SESSION_TAGS_MAX}"
        )));
    }
    for (n, tag) in tags.iter().enumerate() {
        if tags[..n]
            .iter()
            .any(|t| t.key.eq_ignore_ascii_case(&tag.key))
        {
            return Err(validation(format!(
                "Duplicate tag keys found. Please note that Tag keys are case insensitive: {}",
                tag.key
            )));
        }
    }
    if let Some(key) = transitive
        .iter()
        .find(|k| !tags.iter().any(|t| t.key.eq_ignore_ascii_case(k)))
    {
        return Err(validation(format!(
            "The specified transitive tag key {key} must be included in the requested tags."
        )));
    }
    Ok(())
}

impl Core {
    /// Decides `sts:AssumeRole` (and `sts:TagSession`, `sts:SetSourceIdentity` when the request
    /// uses them) for the caller against the role's trust policy.
    fn authorize_assume_role(
        &self,
        cx: &RequestCx,
        dir: &Directory,
        role: &Role,
        i: &sts::AssumeRoleRequest,
        tags: &[Tag],
        mfa_authenticated: Option<OffsetDateTime>,
    ) -> Result<(), ServiceError> {
        let caller = &cx.caller;
        if caller.is_root()
            || matches!(
                caller.session.as_ref().map(|s| &s.claims.kind),
                Some(SessionKind::UserSession { user_id: None })
            )
        {
            return Err(access_denied(
                "Roles may not be assumed by root accounts.".to_owned(),
            ));
        }
        let Some(subject) = Subject::of(caller, dir) else {
            return Err(not_authorized(caller, "sts:AssumeRole", &role.arn));
        };
        let trust = match CompiledPolicy::parse(&trust_document(dir, role)) {
            Ok(policy) => PolicySet::new([policy.with_name("trust policy")]),
            Err(_) => PolicySet::new(Vec::<CompiledPolicy>::new()),
        };
        let mut actions = vec!["sts:AssumeRole"];
        if !tags.is_empty() {
            actions.push("sts:TagSession");
        }
        if i.source_identity.is_some() {
            actions.push("sts:SetSourceIdentity");
        }
        for action in actions {
            let mut target = Target::new(action, role.arn.clone())
                .with_key("sts:ExternalId", i.external_id.as_deref())
                .with_key("sts:RoleSessionName", Some(&i.role_session_name))
                .with_key("sts:SourceIdentity", i.source_identity.as_deref());
            if !tags.is_empty() {
                target.request_tags = tags
                    .iter()
                    .map(|t| (t.key.clone(), t.value.clone()))
                    .collect();
                target.tag_keys = Some(tags.iter().map(|t| t.key.clone()).collect());
            }
            let mut ctx = request_context(cx, &subject.userid, &target)
                .with_resource_account(Some(role.record.account_id.clone()));
            if mfa_authenticated.is_some() {
                // The code was proved with this very request.
                ctx.insert("aws:MultiFactorAuthPresent", vec!["true".to_owned()]);
                ctx.insert("aws:MultiFactorAuthAge", vec!["0".to_owned()]);
            }
            let decision = evaluate(
                &ctx,
                &Policies {
                    identity: subject.identity,
                    permissions_boundary: subject.boundary,
                    session: subject.session,
                    resource: Some(&trust),
                    resource_policy_required: true,
                    ..Policies::default()
                },
            );
            if !decision.is_allowed() {
                return Err(access_denied(
                    decision
                        .denial_message(&ctx)
                        .unwrap_or_else(|| format!("not authorized to perform: {action}")),
                ));
            }
        }
        Ok(())
    }

    /// Answers an STS request that needs no AWS credentials: the caller's identity comes from an
    /// identity provider's token (`AssumeRoleWithWebIdentity`) or assertion
    /// (`AssumeRoleWithSAML`, not implemented yet), so the request is not authenticated and any
    /// signature on it plays no part, as in AWS. Every other operation answers
    /// `NotImplemented` here: they go through [`Core::handle_sts`].
    pub async fn handle_sts_unsigned(
        &self,
        info: &RequestInfo,
        request: Request,
    ) -> Result<sts::Response, ServiceError> {
        match request {
            Request::AssumeRoleWithWebIdentity(i) => self
                .assume_role_with_web_identity_op(info, i)
                .await
                .map(sts::Response::AssumeRoleWithWebIdentity),
            Request::AssumeRoleWithSAML(i) => self
                .assume_role_with_saml_op(info, i)
                .await
                .map(sts::Response::AssumeRoleWithSAML),
            other => Err(ServiceError::not_implemented(other.operation().name())),
        }
    }

    /// Answers one STS request. `GetCallerIdentity` is allowed to every authenticated caller
    /// (AWS documents that no permission is needed); `AssumeRole` decides against the trust
    /// policy; credentials from `GetSessionToken` may call only `AssumeRole` and
    /// `GetCallerIdentity`, as in AWS. Every other operation answers `NotImplemented`, so none
    /// runs without a decision.
    pub async fn handle_sts(
        &self,
        cx: &RequestCx,
        request: Request,
    ) -> Result<sts::Response, ServiceError> {
        let kind = cx.caller.session.as_ref().map(|s| &s.claims.kind);
        let federated = matches!(kind, Some(SessionKind::Federated { .. }));
        let user_session = matches!(kind, Some(SessionKind::UserSession { .. }));
        match request {
            Request::GetCallerIdentity(_) => sts::dispatch(self, cx, request).await,
            // A federated user may call no other STS operation; a GetSessionToken session only
            // AssumeRole besides.
            other if federated => Err(access_denied(format!(
                "User: {} is not authorized to perform: sts:{} because federated users can \
                 only call GetCallerIdentity",
                cx.caller.arn,
                other.operation().name()
            ))),
            Request::AssumeRole(_) => sts::dispatch(self, cx, request).await,
            other if user_session => Err(access_denied(format!(
                "Cannot call {} with session credentials",
                other.operation().name()
            ))),
            Request::GetSessionToken(_)
            | Request::GetFederationToken(_)
            | Request::GetAccessKeyInfo(_)
            | Request::DecodeAuthorizationMessage(_) => sts::dispatch(self, cx, request).await,
            other => Err(ServiceError::not_implemented(other.operation().name())),
        }
    }
}
