//! Authorization: what each operation asks for, and the decision.
//!
//! [`iam_target`] is the one table that says which action on which resource every implemented
//! operation needs (from the IAM service authorization reference). An operation missing from it
//! answers `NotImplemented`, so nothing runs undecided.

use warden_policy::{Policies, RequestContext, evaluate};
use warden_protocol::ServiceError;
use warden_protocol::iam::Request;
use warden_store::Tag;

use crate::directory::{Account, Directory, entity_arn};
use crate::{Caller, RequestCx};

/// What a request asks to do.
#[derive(Debug)]
pub(crate) struct Target {
    pub action: &'static str,
    pub resource: String,
    /// `aws:ResourceTag/*` — the tags of the resource acted on.
    pub resource_tags: Vec<Tag>,
    /// `aws:RequestTag/*` — tags the request sets.
    pub request_tags: Vec<(String, String)>,
    /// `aws:TagKeys` — tag keys the request names (set or removed).
    pub tag_keys: Option<Vec<String>>,
    /// How AWS names an existing user or group in denial messages: `user NAME`, `group NAME`
    /// (for a resource that does not exist yet, or a listing, it shows the ARN).
    pub shown_as: Option<String>,
}

impl Target {
    fn new(action: &'static str, resource: String) -> Target {
        Target {
            action,
            resource,
            resource_tags: Vec::new(),
            request_tags: Vec::new(),
            tag_keys: None,
            shown_as: None,
        }
    }
}

/// The ARN of a user by name, with its path when it exists (AWS authorizes a request for a user
/// that does not exist against the ARN without a path, then answers `NoSuchEntity`).
fn user_target(
    account: Option<&Account>,
    account_id: &str,
    name: &str,
    action: &'static str,
) -> Target {
    match account.and_then(|a| a.user(name)) {
        Some(user) => Target {
            resource_tags: user.record.tags.clone(),
            shown_as: Some(format!("user {}", user.record.name)),
            ..Target::new(action, user.arn.clone())
        },
        None => Target::new(action, entity_arn(account_id, "user", "/", name)),
    }
}

fn group_target(
    account: Option<&Account>,
    account_id: &str,
    name: &str,
    action: &'static str,
) -> Target {
    match account.and_then(|a| a.group(name)) {
        Some(group) => Target {
            shown_as: Some(format!("group {}", group.record.name)),
            ..Target::new(action, group.arn.clone())
        },
        None => Target::new(action, entity_arn(account_id, "group", "/", name)),
    }
}

/// The caller's own user: operations that take an optional `UserName` act on the caller.
fn self_or_user(
    account: Option<&Account>,
    caller: &Caller,
    name: Option<&str>,
    action: &'static str,
) -> Target {
    match name {
        Some(name) => user_target(account, &caller.account_id, name, action),
        None => match caller
            .user_id
            .as_deref()
            .and_then(|id| account?.user_by_id(id))
        {
            Some(user) => user_target(account, &caller.account_id, &user.record.name, action),
            None => Target::new(action, caller.arn.clone()),
        },
    }
}

/// The action and resource each implemented operation is authorized for.
pub(crate) fn iam_target(
    request: &Request,
    caller: &Caller,
    dir: &Directory,
) -> Result<Target, ServiceError> {
    let account = dir.account(&caller.account_id);
    let id = caller.account_id.as_str();
    let user = |name: &str, action| user_target(account, id, name, action);
    let group = |name: &str, action| group_target(account, id, name, action);
    Ok(match request {
        Request::CreateUser(i) => {
            let path = i.path.as_deref().unwrap_or("/");
            let tags = i.tags.as_deref().unwrap_or_default();
            Target {
                request_tags: tags
                    .iter()
                    .map(|t| (t.key.clone(), t.value.clone()))
                    .collect(),
                tag_keys: (!tags.is_empty()).then(|| tags.iter().map(|t| t.key.clone()).collect()),
                ..Target::new("iam:CreateUser", entity_arn(id, "user", path, &i.user_name))
            }
        }
        Request::GetUser(i) => self_or_user(account, caller, i.user_name.as_deref(), "iam:GetUser"),
        Request::UpdateUser(i) => user(&i.user_name, "iam:UpdateUser"),
        Request::DeleteUser(i) => user(&i.user_name, "iam:DeleteUser"),
        Request::ListUsers(i) => Target::new(
            "iam:ListUsers",
            entity_arn(id, "user", i.path_prefix.as_deref().unwrap_or("/"), ""),
        ),
        Request::TagUser(i) => Target {
            request_tags: i
                .tags
                .iter()
                .map(|t| (t.key.clone(), t.value.clone()))
                .collect(),
            tag_keys: Some(i.tags.iter().map(|t| t.key.clone()).collect()),
            ..user(&i.user_name, "iam:TagUser")
        },
        Request::UntagUser(i) => Target {
            tag_keys: Some(i.tag_keys.clone()),
            ..user(&i.user_name, "iam:UntagUser")
        },
        Request::ListUserTags(i) => user(&i.user_name, "iam:ListUserTags"),
        Request::CreateGroup(i) => Target::new(
            "iam:CreateGroup",
            entity_arn(id, "group", i.path.as_deref().unwrap_or("/"), &i.group_name),
        ),
        Request::GetGroup(i) => group(&i.group_name, "iam:GetGroup"),
        Request::UpdateGroup(i) => group(&i.group_name, "iam:UpdateGroup"),
        Request::DeleteGroup(i) => group(&i.group_name, "iam:DeleteGroup"),
        Request::ListGroups(i) => Target::new(
            "iam:ListGroups",
            entity_arn(id, "group", i.path_prefix.as_deref().unwrap_or("/"), ""),
        ),
        Request::AddUserToGroup(i) => group(&i.group_name, "iam:AddUserToGroup"),
        Request::RemoveUserFromGroup(i) => group(&i.group_name, "iam:RemoveUserFromGroup"),
        Request::ListGroupsForUser(i) => user(&i.user_name, "iam:ListGroupsForUser"),
        Request::CreateAccessKey(i) => self_or_user(
            account,
            caller,
            i.user_name.as_deref(),
            "iam:CreateAccessKey",
        ),
        Request::ListAccessKeys(i) => self_or_user(
            account,
            caller,
            i.user_name.as_deref(),
            "iam:ListAccessKeys",
        ),
        Request::UpdateAccessKey(i) => self_or_user(
            account,
            caller,
            i.user_name.as_deref(),
            "iam:UpdateAccessKey",
        ),
        Request::DeleteAccessKey(i) => self_or_user(
            account,
            caller,
            i.user_name.as_deref(),
            "iam:DeleteAccessKey",
        ),
        Request::GetAccessKeyLastUsed(i) => {
            // The resource is the key's owner; an unknown key is checked against the caller.
            let owner = dir
                .keys
                .get(&i.access_key_id)
                .filter(|k| k.record.account_id == caller.account_id)
                .and_then(|k| k.record.owner_user_id.as_deref())
                .and_then(|uid| account.and_then(|a| a.user_by_id(uid)));
            match owner {
                Some(u) => user(&u.record.name, "iam:GetAccessKeyLastUsed"),
                None => self_or_user(account, caller, None, "iam:GetAccessKeyLastUsed"),
            }
        }
        Request::PutUserPolicy(i) => user(&i.user_name, "iam:PutUserPolicy"),
        Request::GetUserPolicy(i) => user(&i.user_name, "iam:GetUserPolicy"),
        Request::DeleteUserPolicy(i) => user(&i.user_name, "iam:DeleteUserPolicy"),
        Request::ListUserPolicies(i) => user(&i.user_name, "iam:ListUserPolicies"),
        Request::PutGroupPolicy(i) => group(&i.group_name, "iam:PutGroupPolicy"),
        Request::GetGroupPolicy(i) => group(&i.group_name, "iam:GetGroupPolicy"),
        Request::DeleteGroupPolicy(i) => group(&i.group_name, "iam:DeleteGroupPolicy"),
        Request::ListGroupPolicies(i) => group(&i.group_name, "iam:ListGroupPolicies"),
        other => return Err(ServiceError::not_implemented(other.operation().name())),
    })
}

/// Decides the request; `AccessDenied` with AWS's message when it is not allowed.
pub(crate) fn authorize(
    cx: &RequestCx,
    dir: &Directory,
    target: &Target,
) -> Result<(), ServiceError> {
    let caller = &cx.caller;
    // The root user can do everything in its account; only SCPs (not yet modelled) restrict it.
    let Some(user_id) = &caller.user_id else {
        return Ok(());
    };
    let Some(user) = dir
        .account(&caller.account_id)
        .and_then(|a| a.user_by_id(user_id))
    else {
        return Err(access_denied(format!(
            "User: {} is not authorized to perform: {} on resource: {}",
            caller.arn, target.action, target.resource
        )));
    };
    let ctx = request_context(cx, user_id, target);
    let policies = Policies {
        identity: Some(&user.identity),
        ..Policies::default()
    };
    let decision = evaluate(&ctx, &policies);
    if decision.is_allowed() {
        return Ok(());
    }
    let mut message = decision.denial_message(&ctx).unwrap_or_default();
    if let Some(shown) = &target.shown_as {
        // The message names the resource by its ARN; IAM names existing users and groups
        // `user NAME` / `group NAME` instead.
        let by_arn = format!(" on resource: {} ", target.resource);
        message = message.replacen(&by_arn, &format!(" on resource: {shown} "), 1);
    }
    Err(access_denied(message))
}

fn access_denied(message: String) -> ServiceError {
    ServiceError {
        code: "AccessDenied".into(),
        message,
        status: 403,
        sender_fault: true,
    }
}

/// The condition context: global keys from the request and caller, and the target's tags.
fn request_context(cx: &RequestCx, user_id: &str, target: &Target) -> RequestContext {
    let caller = &cx.caller;
    let info = &cx.info;
    let mut ctx = RequestContext::new(caller.principal.clone(), target.action, &target.resource)
        .with_resource_account(Some(caller.account_id.clone()));
    let mut now = String::with_capacity(20);
    warden_protocol::write_timestamp(&mut now, info.now);
    ctx.insert("aws:CurrentTime", vec![now]);
    ctx.insert("aws:EpochTime", vec![info.now.unix_timestamp().to_string()]);
    ctx.insert(
        "aws:SecureTransport",
        vec![info.secure_transport.to_string()],
    );
    ctx.insert("aws:RequestedRegion", vec![info.region.clone()]);
    ctx.insert("aws:userid", vec![user_id.to_owned()]);
    if let Some(ip) = info.source_ip {
        ctx.insert("aws:SourceIp", vec![ip.to_string()]);
    }
    if let Some(agent) = &info.user_agent {
        ctx.insert("aws:UserAgent", vec![agent.clone()]);
    }
    for tag in &caller.tags {
        ctx.insert(
            &format!("aws:PrincipalTag/{}", tag.key),
            vec![tag.value.clone()],
        );
    }
    for tag in &target.resource_tags {
        ctx.insert(
            &format!("aws:ResourceTag/{}", tag.key),
            vec![tag.value.clone()],
        );
    }
    for (key, value) in &target.request_tags {
        ctx.insert(&format!("aws:RequestTag/{key}"), vec![value.clone()]);
    }
    if let Some(keys) = &target.tag_keys {
        ctx.insert("aws:TagKeys", keys.clone());
    }
    ctx
}
