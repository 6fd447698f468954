//! Authorization: what each operation asks for, and the decision.
//!
//! [`iam_target`] is the one table that says which action on which resource every implemented
//! operation needs (from the IAM service authorization reference). An operation missing from it
//! answers `NotImplemented`, so nothing runs undecided.

use warden_policy::{Decision, Outcome, Policies, PolicySet, Principal, RequestContext, evaluate};
use warden_protocol::ServiceError;
use warden_protocol::iam::{self, Request};
use warden_store::Tag;

use crate::directory::{Account, ArnScope, Directory};
use crate::session::SessionKind;
use crate::{Caller, RequestCx, RequestInfo};

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
    /// Service-specific condition keys (`iam:PolicyARN`, `iam:PermissionsBoundary`, …).
    pub keys: Vec<(&'static str, String)>,
    /// A role the operation hands to a service: the caller also needs `iam:PassRole` on it.
    pub passes_role: Option<String>,
    /// Allowed unless a policy denies it explicitly: AWS grants some self-service actions
    /// implicitly (`iam:ChangePassword` when the password policy lets users change theirs).
    pub granted_implicitly: bool,
}

impl Target {
    pub(crate) fn new(action: &'static str, resource: String) -> Target {
        Target {
            action,
            resource,
            resource_tags: Vec::new(),
            request_tags: Vec::new(),
            tag_keys: None,
            shown_as: None,
            keys: Vec::new(),
            passes_role: None,
            granted_implicitly: false,
        }
    }

    pub(crate) fn with_key(mut self, key: &'static str, value: Option<&str>) -> Target {
        if let Some(value) = value {
            self.keys.push((key, value.to_owned()));
        }
        self
    }

    /// Tags the request sets: `aws:RequestTag/*` and `aws:TagKeys`.
    fn setting_tags(mut self, tags: &[iam::Tag]) -> Target {
        if !tags.is_empty() {
            self.request_tags = tags
                .iter()
                .map(|t| (t.key.clone(), t.value.clone()))
                .collect();
            self.tag_keys = Some(tags.iter().map(|t| t.key.clone()).collect());
        }
        self
    }

    fn removing_tags(mut self, keys: &[String]) -> Target {
        self.tag_keys = Some(keys.to_vec());
        self
    }
}

/// A role by name: its ARN with its path when it exists, and its tags.
fn role_target(
    account: Option<&Account>,
    account_id: ArnScope<'_>,
    name: &str,
    action: &'static str,
) -> Target {
    match account.and_then(|a| a.role(name)) {
        Some(role) => Target {
            resource_tags: role.record.tags.clone(),
            ..Target::new(action, role.arn.clone())
        },
        None => Target::new(action, account_id.entity("role", "/", name)),
    }
}

/// A managed policy by ARN, with its tags when it exists.
fn policy_target(account: Option<&Account>, arn: &str, action: &'static str) -> Target {
    match account.and_then(|a| a.managed_by_arn(arn)) {
        Some(policy) => Target {
            resource_tags: policy.record.tags.clone(),
            ..Target::new(action, arn.to_owned())
        },
        None => Target::new(action, arn.to_owned()),
    }
}

fn profile_target(
    account: Option<&Account>,
    account_id: ArnScope<'_>,
    name: &str,
    action: &'static str,
) -> Target {
    match account.and_then(|a| a.instance_profiles.get(name)) {
        Some(profile) => Target {
            resource_tags: profile.record.tags.clone(),
            ..Target::new(action, profile.arn.clone())
        },
        None => Target::new(action, account_id.entity("instance-profile", "/", name)),
    }
}

fn server_certificate_target(
    account: Option<&Account>,
    account_id: ArnScope<'_>,
    name: &str,
    action: &'static str,
) -> Target {
    match account.and_then(|a| a.server_certificates.get(name)) {
        Some(cert) => Target {
            resource_tags: cert.tags.clone(),
            ..Target::new(
                action,
                account_id.entity("server-certificate", &cert.path, &cert.name),
            )
        },
        None => Target::new(action, account_id.entity("server-certificate", "/", name)),
    }
}

/// The ARN of a user by name, with its path when it exists (AWS authorizes a request for a user
/// that does not exist against the ARN without a path, then answers `NoSuchEntity`).
fn user_target(
    account: Option<&Account>,
    account_id: ArnScope<'_>,
    name: &str,
    action: &'static str,
) -> Target {
    match account.and_then(|a| a.user(name)) {
        Some(user) => Target {
            resource_tags: user.record.tags.clone(),
            shown_as: Some(format!("user {}", user.record.name)),
            ..Target::new(action, user.arn.clone())
        },
        None => Target::new(action, account_id.entity("user", "/", name)),
    }
}

fn group_target(
    account: Option<&Account>,
    account_id: ArnScope<'_>,
    name: &str,
    action: &'static str,
) -> Target {
    match account.and_then(|a| a.group(name)) {
        Some(group) => Target {
            shown_as: Some(format!("group {}", group.record.name)),
            ..Target::new(action, group.arn.clone())
        },
        None => Target::new(action, account_id.entity("group", "/", name)),
    }
}

/// The caller's own user: operations that take an optional `UserName` act on the caller.
fn self_or_user(
    account: Option<&Account>,
    scope: ArnScope<'_>,
    caller: &Caller,
    name: Option<&str>,
    action: &'static str,
) -> Target {
    match name {
        Some(name) => user_target(account, scope, name, action),
        None => match caller
            .user_id
            .as_deref()
            .and_then(|id| account?.user_by_id(id))
        {
            Some(user) => user_target(account, scope, &user.record.name, action),
            None => Target::new(action, caller.arn.clone()),
        },
    }
}

/// A resource by ARN with the tags it has (none when it does not exist).
fn tagged(tags: Option<Vec<Tag>>, arn: &str, action: &'static str) -> Target {
    Target {
        resource_tags: tags.unwrap_or_default(),
        ..Target::new(action, arn.to_owned())
    }
}

/// The action and resource each implemented operation is authorized for.
pub(crate) fn iam_target(
    request: &Request,
    caller: &Caller,
    dir: &Directory,
) -> Result<Target, ServiceError> {
    let account = dir.account(&caller.account_id);
    let id = dir.arn_scope(&caller.account_id);
    let user = |name: &str, action| user_target(account, id, name, action);
    let group = |name: &str, action| group_target(account, id, name, action);
    let role = |name: &str, action| role_target(account, id, name, action);
    let policy = |arn: &str, action| policy_target(account, arn, action);
    let profile = |name: &str, action| profile_target(account, id, name, action);
    let server_cert = |name: &str, action| server_certificate_target(account, id, name, action);
    let self_or = |name: Option<&str>, action| self_or_user(account, id, caller, name, action);
    let everything = |action| Target::new(action, "*".to_owned());
    // Identity providers by ARN, with their tags when they exist.
    let saml = |arn: &str, action| {
        tagged(
            account.and_then(|a| crate::iam::saml_provider_tags(a, arn)),
            arn,
            action,
        )
    };
    // MFA devices by serial number (their ARN), with their tags when they exist.
    let mfa = |serial: &str, action| {
        tagged(
            account.and_then(|a| a.mfa_devices.get(serial).map(|d| d.tags.clone())),
            serial,
            action,
        )
    };
    let oidc = |arn: &str, action| {
        tagged(
            account.and_then(|a| crate::iam::oidc_provider_tags(a, arn)),
            arn,
            action,
        )
    };
    Ok(match request {
        Request::CreateUser(i) => Target::new(
            "iam:CreateUser",
            id.entity("user", i.path.as_deref().unwrap_or("/"), &i.user_name),
        )
        .setting_tags(i.tags.as_deref().unwrap_or_default())
        .with_key("iam:PermissionsBoundary", i.permissions_boundary.as_deref()),
        Request::GetUser(i) => {
            self_or_user(account, id, caller, i.user_name.as_deref(), "iam:GetUser")
        }
        Request::UpdateUser(i) => user(&i.user_name, "iam:UpdateUser"),
        Request::DeleteUser(i) => user(&i.user_name, "iam:DeleteUser"),
        Request::ListUsers(i) => Target::new(
            "iam:ListUsers",
            id.entity("user", i.path_prefix.as_deref().unwrap_or("/"), ""),
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
            id.entity("group", i.path.as_deref().unwrap_or("/"), &i.group_name),
        ),
        Request::GetGroup(i) => group(&i.group_name, "iam:GetGroup"),
        Request::UpdateGroup(i) => group(&i.group_name, "iam:UpdateGroup"),
        Request::DeleteGroup(i) => group(&i.group_name, "iam:DeleteGroup"),
        Request::ListGroups(i) => Target::new(
            "iam:ListGroups",
            id.entity("group", i.path_prefix.as_deref().unwrap_or("/"), ""),
        ),
        Request::AddUserToGroup(i) => group(&i.group_name, "iam:AddUserToGroup"),
        Request::RemoveUserFromGroup(i) => group(&i.group_name, "iam:RemoveUserFromGroup"),
        Request::ListGroupsForUser(i) => user(&i.user_name, "iam:ListGroupsForUser"),
        Request::CreateAccessKey(i) => self_or(i.user_name.as_deref(), "iam:CreateAccessKey"),
        Request::ListAccessKeys(i) => self_or(i.user_name.as_deref(), "iam:ListAccessKeys"),
        Request::UpdateAccessKey(i) => self_or(i.user_name.as_deref(), "iam:UpdateAccessKey"),
        Request::DeleteAccessKey(i) => self_or(i.user_name.as_deref(), "iam:DeleteAccessKey"),
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
                None => self_or_user(account, id, caller, None, "iam:GetAccessKeyLastUsed"),
            }
        }
        Request::CreateLoginProfile(i) => self_or(i.user_name.as_deref(), "iam:CreateLoginProfile"),
        Request::GetLoginProfile(i) => self_or(i.user_name.as_deref(), "iam:GetLoginProfile"),
        Request::UpdateLoginProfile(i) => user(&i.user_name, "iam:UpdateLoginProfile"),
        Request::DeleteLoginProfile(i) => self_or(i.user_name.as_deref(), "iam:DeleteLoginProfile"),
        Request::ChangePassword(_) => {
            // The password policy's "allow users to change their own password", and a reset
            // the administrator required, grant the change without a policy.
            let implicit = account
                .zip(caller.user_id.as_deref())
                .is_some_and(|(a, id)| {
                    crate::password::Rules::of(a.password_policy.as_ref()).users_may_change()
                        || a.login_profile(Some(id))
                            .is_some_and(|p| p.password_reset_required)
                });
            Target {
                granted_implicitly: implicit && caller.session.is_none(),
                ..self_or(None, "iam:ChangePassword")
            }
        }
        Request::UpdateAccountPasswordPolicy(_) => everything("iam:UpdateAccountPasswordPolicy"),
        Request::GetAccountPasswordPolicy => everything("iam:GetAccountPasswordPolicy"),
        Request::DeleteAccountPasswordPolicy => everything("iam:DeleteAccountPasswordPolicy"),
        Request::GenerateCredentialReport => everything("iam:GenerateCredentialReport"),
        Request::GetCredentialReport => everything("iam:GetCredentialReport"),
        Request::CreateVirtualMFADevice(i) => Target::new(
            "iam:CreateVirtualMFADevice",
            id.entity(
                "mfa",
                i.path.as_deref().unwrap_or("/"),
                &i.virtual_mfa_device_name,
            ),
        )
        .setting_tags(i.tags.as_deref().unwrap_or_default()),
        Request::EnableMFADevice(i) => user(&i.user_name, "iam:EnableMFADevice"),
        Request::ResyncMFADevice(i) => user(&i.user_name, "iam:ResyncMFADevice"),
        Request::DeactivateMFADevice(i) => {
            self_or(i.user_name.as_deref(), "iam:DeactivateMFADevice")
        }
        Request::ListMFADevices(i) => self_or(i.user_name.as_deref(), "iam:ListMFADevices"),
        Request::GetMFADevice(i) => self_or(i.user_name.as_deref(), "iam:GetMFADevice"),
        Request::DeleteVirtualMFADevice(i) => mfa(&i.serial_number, "iam:DeleteVirtualMFADevice"),
        Request::ListVirtualMFADevices(_) => everything("iam:ListVirtualMFADevices"),
        Request::TagMFADevice(i) => mfa(&i.serial_number, "iam:TagMFADevice").setting_tags(&i.tags),
        Request::UntagMFADevice(i) => {
            mfa(&i.serial_number, "iam:UntagMFADevice").removing_tags(&i.tag_keys)
        }
        Request::ListMFADeviceTags(i) => mfa(&i.serial_number, "iam:ListMFADeviceTags"),
        Request::GenerateServiceLastAccessedDetails(i) => {
            tagged(None, &i.arn, "iam:GenerateServiceLastAccessedDetails")
        }
        Request::GetServiceLastAccessedDetails(_) => {
            everything("iam:GetServiceLastAccessedDetails")
        }
        Request::GetServiceLastAccessedDetailsWithEntities(_) => {
            everything("iam:GetServiceLastAccessedDetailsWithEntities")
        }
        Request::ListPoliciesGrantingServiceAccess(i) => {
            tagged(None, &i.arn, "iam:ListPoliciesGrantingServiceAccess")
        }
        Request::PutUserPolicy(i) => user(&i.user_name, "iam:PutUserPolicy"),
        Request::GetUserPolicy(i) => user(&i.user_name, "iam:GetUserPolicy"),
        Request::DeleteUserPolicy(i) => user(&i.user_name, "iam:DeleteUserPolicy"),
        Request::ListUserPolicies(i) => user(&i.user_name, "iam:ListUserPolicies"),
        Request::PutGroupPolicy(i) => group(&i.group_name, "iam:PutGroupPolicy"),
        Request::GetGroupPolicy(i) => group(&i.group_name, "iam:GetGroupPolicy"),
        Request::DeleteGroupPolicy(i) => group(&i.group_name, "iam:DeleteGroupPolicy"),
        Request::ListGroupPolicies(i) => group(&i.group_name, "iam:ListGroupPolicies"),
        Request::CreateRole(i) => Target::new(
            "iam:CreateRole",
            id.entity("role", i.path.as_deref().unwrap_or("/"), &i.role_name),
        )
        .setting_tags(i.tags.as_deref().unwrap_or_default())
        .with_key("iam:PermissionsBoundary", i.permissions_boundary.as_deref()),
        Request::GetRole(i) => role(&i.role_name, "iam:GetRole"),
        Request::UpdateRole(i) => role(&i.role_name, "iam:UpdateRole"),
        Request::UpdateRoleDescription(i) => role(&i.role_name, "iam:UpdateRoleDescription"),
        Request::UpdateAssumeRolePolicy(i) => role(&i.role_name, "iam:UpdateAssumeRolePolicy"),
        Request::DeleteRole(i) => role(&i.role_name, "iam:DeleteRole"),
        Request::ListRoles(i) => Target::new(
            "iam:ListRoles",
            id.entity("role", i.path_prefix.as_deref().unwrap_or("/"), ""),
        ),
        Request::TagRole(i) => role(&i.role_name, "iam:TagRole").setting_tags(&i.tags),
        Request::UntagRole(i) => role(&i.role_name, "iam:UntagRole").removing_tags(&i.tag_keys),
        Request::ListRoleTags(i) => role(&i.role_name, "iam:ListRoleTags"),
        Request::PutRolePolicy(i) => role(&i.role_name, "iam:PutRolePolicy"),
        Request::GetRolePolicy(i) => role(&i.role_name, "iam:GetRolePolicy"),
        Request::DeleteRolePolicy(i) => role(&i.role_name, "iam:DeleteRolePolicy"),
        Request::ListRolePolicies(i) => role(&i.role_name, "iam:ListRolePolicies"),
        Request::CreatePolicy(i) => Target::new(
            "iam:CreatePolicy",
            id.entity("policy", i.path.as_deref().unwrap_or("/"), &i.policy_name),
        )
        .setting_tags(i.tags.as_deref().unwrap_or_default()),
        Request::GetPolicy(i) => policy(&i.policy_arn, "iam:GetPolicy"),
        Request::DeletePolicy(i) => policy(&i.policy_arn, "iam:DeletePolicy"),
        Request::ListPolicies(_) => everything("iam:ListPolicies"),
        Request::CreatePolicyVersion(i) => policy(&i.policy_arn, "iam:CreatePolicyVersion"),
        Request::GetPolicyVersion(i) => policy(&i.policy_arn, "iam:GetPolicyVersion"),
        Request::DeletePolicyVersion(i) => policy(&i.policy_arn, "iam:DeletePolicyVersion"),
        Request::ListPolicyVersions(i) => policy(&i.policy_arn, "iam:ListPolicyVersions"),
        Request::SetDefaultPolicyVersion(i) => policy(&i.policy_arn, "iam:SetDefaultPolicyVersion"),
        Request::TagPolicy(i) => policy(&i.policy_arn, "iam:TagPolicy").setting_tags(&i.tags),
        Request::UntagPolicy(i) => {
            policy(&i.policy_arn, "iam:UntagPolicy").removing_tags(&i.tag_keys)
        }
        Request::ListPolicyTags(i) => policy(&i.policy_arn, "iam:ListPolicyTags"),
        Request::ListEntitiesForPolicy(i) => policy(&i.policy_arn, "iam:ListEntitiesForPolicy"),
        Request::AttachUserPolicy(i) => user(&i.user_name, "iam:AttachUserPolicy")
            .with_key("iam:PolicyARN", Some(&i.policy_arn)),
        Request::DetachUserPolicy(i) => user(&i.user_name, "iam:DetachUserPolicy")
            .with_key("iam:PolicyARN", Some(&i.policy_arn)),
        Request::ListAttachedUserPolicies(i) => user(&i.user_name, "iam:ListAttachedUserPolicies"),
        Request::AttachGroupPolicy(i) => group(&i.group_name, "iam:AttachGroupPolicy")
            .with_key("iam:PolicyARN", Some(&i.policy_arn)),
        Request::DetachGroupPolicy(i) => group(&i.group_name, "iam:DetachGroupPolicy")
            .with_key("iam:PolicyARN", Some(&i.policy_arn)),
        Request::ListAttachedGroupPolicies(i) => {
            group(&i.group_name, "iam:ListAttachedGroupPolicies")
        }
        Request::AttachRolePolicy(i) => role(&i.role_name, "iam:AttachRolePolicy")
            .with_key("iam:PolicyARN", Some(&i.policy_arn)),
        Request::DetachRolePolicy(i) => role(&i.role_name, "iam:DetachRolePolicy")
            .with_key("iam:PolicyARN", Some(&i.policy_arn)),
        Request::ListAttachedRolePolicies(i) => role(&i.role_name, "iam:ListAttachedRolePolicies"),
        Request::PutUserPermissionsBoundary(i) => {
            user(&i.user_name, "iam:PutUserPermissionsBoundary")
                .with_key("iam:PermissionsBoundary", Some(&i.permissions_boundary))
        }
        Request::DeleteUserPermissionsBoundary(i) => {
            user(&i.user_name, "iam:DeleteUserPermissionsBoundary")
        }
        Request::PutRolePermissionsBoundary(i) => {
            role(&i.role_name, "iam:PutRolePermissionsBoundary")
                .with_key("iam:PermissionsBoundary", Some(&i.permissions_boundary))
        }
        Request::DeleteRolePermissionsBoundary(i) => {
            role(&i.role_name, "iam:DeleteRolePermissionsBoundary")
        }
        Request::CreateInstanceProfile(i) => Target::new(
            "iam:CreateInstanceProfile",
            id.entity(
                "instance-profile",
                i.path.as_deref().unwrap_or("/"),
                &i.instance_profile_name,
            ),
        )
        .setting_tags(i.tags.as_deref().unwrap_or_default()),
        Request::GetInstanceProfile(i) => {
            profile(&i.instance_profile_name, "iam:GetInstanceProfile")
        }
        Request::DeleteInstanceProfile(i) => {
            profile(&i.instance_profile_name, "iam:DeleteInstanceProfile")
        }
        Request::ListInstanceProfiles(i) => Target::new(
            "iam:ListInstanceProfiles",
            id.entity(
                "instance-profile",
                i.path_prefix.as_deref().unwrap_or("/"),
                "",
            ),
        ),
        Request::ListInstanceProfilesForRole(i) => {
            role(&i.role_name, "iam:ListInstanceProfilesForRole")
        }
        Request::AddRoleToInstanceProfile(i) => Target {
            // Handing a role to an instance profile passes it to EC2 (AWS checks iam:PassRole).
            passes_role: Some(role(&i.role_name, "iam:PassRole").resource),
            ..profile(&i.instance_profile_name, "iam:AddRoleToInstanceProfile")
        },
        Request::RemoveRoleFromInstanceProfile(i) => profile(
            &i.instance_profile_name,
            "iam:RemoveRoleFromInstanceProfile",
        ),
        Request::TagInstanceProfile(i) => {
            profile(&i.instance_profile_name, "iam:TagInstanceProfile").setting_tags(&i.tags)
        }
        Request::UntagInstanceProfile(i) => {
            profile(&i.instance_profile_name, "iam:UntagInstanceProfile").removing_tags(&i.tag_keys)
        }
        Request::ListInstanceProfileTags(i) => {
            profile(&i.instance_profile_name, "iam:ListInstanceProfileTags")
        }
        Request::CreateServiceLinkedRole(i) => Target::new(
            "iam:CreateServiceLinkedRole",
            id.entity(
                "role",
                &format!("/aws-service-role/{}/", i.aws_service_name),
                &crate::iam::service_linked_role_name(
                    &i.aws_service_name,
                    i.custom_suffix.as_deref(),
                ),
            ),
        )
        .with_key("iam:AWSServiceName", Some(&i.aws_service_name)),
        Request::DeleteServiceLinkedRole(i) => role(&i.role_name, "iam:DeleteServiceLinkedRole"),
        Request::GetServiceLinkedRoleDeletionStatus(i) => {
            // The task id is `task/aws-service-role/SERVICE/ROLE/UUID`: the resource is the role.
            let role_path = i
                .deletion_task_id
                .strip_prefix("task/")
                .and_then(|rest| rest.rsplit_once('/'))
                .map(|(role, _)| role.to_owned())
                .unwrap_or_default();
            Target::new(
                "iam:GetServiceLinkedRoleDeletionStatus",
                id.entity("role", "/", &role_path),
            )
        }
        Request::CreateAccountAlias(_) => everything("iam:CreateAccountAlias"),
        Request::DeleteAccountAlias(_) => everything("iam:DeleteAccountAlias"),
        Request::ListAccountAliases(_) => everything("iam:ListAccountAliases"),
        Request::GetAccountSummary => everything("iam:GetAccountSummary"),
        Request::GetAccountAuthorizationDetails(_) => {
            everything("iam:GetAccountAuthorizationDetails")
        }
        Request::UploadSSHPublicKey(i) => user(&i.user_name, "iam:UploadSSHPublicKey"),
        Request::GetSSHPublicKey(i) => user(&i.user_name, "iam:GetSSHPublicKey"),
        Request::UpdateSSHPublicKey(i) => user(&i.user_name, "iam:UpdateSSHPublicKey"),
        Request::DeleteSSHPublicKey(i) => user(&i.user_name, "iam:DeleteSSHPublicKey"),
        Request::ListSSHPublicKeys(i) => self_or(i.user_name.as_deref(), "iam:ListSSHPublicKeys"),
        Request::UploadSigningCertificate(i) => {
            self_or(i.user_name.as_deref(), "iam:UploadSigningCertificate")
        }
        Request::UpdateSigningCertificate(i) => {
            self_or(i.user_name.as_deref(), "iam:UpdateSigningCertificate")
        }
        Request::DeleteSigningCertificate(i) => {
            self_or(i.user_name.as_deref(), "iam:DeleteSigningCertificate")
        }
        Request::ListSigningCertificates(i) => {
            self_or(i.user_name.as_deref(), "iam:ListSigningCertificates")
        }
        Request::UploadServerCertificate(i) => Target::new(
            "iam:UploadServerCertificate",
            id.entity(
                "server-certificate",
                i.path.as_deref().unwrap_or("/"),
                &i.server_certificate_name,
            ),
        )
        .setting_tags(i.tags.as_deref().unwrap_or_default()),
        Request::GetServerCertificate(i) => {
            server_cert(&i.server_certificate_name, "iam:GetServerCertificate")
        }
        Request::UpdateServerCertificate(i) => {
            server_cert(&i.server_certificate_name, "iam:UpdateServerCertificate")
        }
        Request::DeleteServerCertificate(i) => {
            server_cert(&i.server_certificate_name, "iam:DeleteServerCertificate")
        }
        Request::ListServerCertificates(i) => Target::new(
            "iam:ListServerCertificates",
            id.entity(
                "server-certificate",
                i.path_prefix.as_deref().unwrap_or("/"),
                "",
            ),
        ),
        Request::TagServerCertificate(i) => {
            server_cert(&i.server_certificate_name, "iam:TagServerCertificate")
                .setting_tags(&i.tags)
        }
        Request::UntagServerCertificate(i) => {
            server_cert(&i.server_certificate_name, "iam:UntagServerCertificate")
                .removing_tags(&i.tag_keys)
        }
        Request::ListServerCertificateTags(i) => {
            server_cert(&i.server_certificate_name, "iam:ListServerCertificateTags")
        }
        Request::CreateSAMLProvider(i) => Target::new(
            "iam:CreateSAMLProvider",
            id.entity("saml-provider", "/", &i.name),
        )
        .setting_tags(i.tags.as_deref().unwrap_or_default()),
        Request::GetSAMLProvider(i) => saml(&i.saml_provider_arn, "iam:GetSAMLProvider"),
        Request::UpdateSAMLProvider(i) => saml(&i.saml_provider_arn, "iam:UpdateSAMLProvider"),
        Request::DeleteSAMLProvider(i) => saml(&i.saml_provider_arn, "iam:DeleteSAMLProvider"),
        Request::ListSAMLProviders(_) => everything("iam:ListSAMLProviders"),
        Request::TagSAMLProvider(i) => {
            saml(&i.saml_provider_arn, "iam:TagSAMLProvider").setting_tags(&i.tags)
        }
        Request::UntagSAMLProvider(i) => {
            saml(&i.saml_provider_arn, "iam:UntagSAMLProvider").removing_tags(&i.tag_keys)
        }
        Request::ListSAMLProviderTags(i) => saml(&i.saml_provider_arn, "iam:ListSAMLProviderTags"),
        Request::CreateOpenIDConnectProvider(i) => {
            let url = i.url.strip_prefix("https://").unwrap_or(&i.url);
            Target::new(
                "iam:CreateOpenIDConnectProvider",
                id.entity("oidc-provider", "/", url.trim_end_matches('/')),
            )
            .setting_tags(i.tags.as_deref().unwrap_or_default())
        }
        Request::GetOpenIDConnectProvider(i) => oidc(
            &i.open_id_connect_provider_arn,
            "iam:GetOpenIDConnectProvider",
        ),
        Request::DeleteOpenIDConnectProvider(i) => oidc(
            &i.open_id_connect_provider_arn,
            "iam:DeleteOpenIDConnectProvider",
        ),
        Request::ListOpenIDConnectProviders(_) => everything("iam:ListOpenIDConnectProviders"),
        Request::AddClientIDToOpenIDConnectProvider(i) => oidc(
            &i.open_id_connect_provider_arn,
            "iam:AddClientIDToOpenIDConnectProvider",
        ),
        Request::RemoveClientIDFromOpenIDConnectProvider(i) => oidc(
            &i.open_id_connect_provider_arn,
            "iam:RemoveClientIDFromOpenIDConnectProvider",
        ),
        Request::UpdateOpenIDConnectProviderThumbprint(i) => oidc(
            &i.open_id_connect_provider_arn,
            "iam:UpdateOpenIDConnectProviderThumbprint",
        ),
        Request::TagOpenIDConnectProvider(i) => oidc(
            &i.open_id_connect_provider_arn,
            "iam:TagOpenIDConnectProvider",
        )
        .setting_tags(&i.tags),
        Request::UntagOpenIDConnectProvider(i) => oidc(
            &i.open_id_connect_provider_arn,
            "iam:UntagOpenIDConnectProvider",
        )
        .removing_tags(&i.tag_keys),
        Request::ListOpenIDConnectProviderTags(i) => oidc(
            &i.open_id_connect_provider_arn,
            "iam:ListOpenIDConnectProviderTags",
        ),
        Request::SimulatePrincipalPolicy(i) => {
            Target::new("iam:SimulatePrincipalPolicy", i.policy_source_arn.clone())
        }
        Request::GetContextKeysForPrincipalPolicy(i) => Target::new(
            "iam:GetContextKeysForPrincipalPolicy",
            i.policy_source_arn.clone(),
        ),
        Request::SimulateCustomPolicy(_) => everything("iam:SimulateCustomPolicy"),
        Request::GetContextKeysForCustomPolicy(_) => {
            everything("iam:GetContextKeysForCustomPolicy")
        }
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
    if caller.is_root() {
        return Ok(());
    }
    let Some(subject) = Subject::of(caller, dir) else {
        return Err(access_denied(format!(
            "User: {} is not authorized to perform: {} on resource: {}",
            caller.arn, target.action, target.resource
        )));
    };
    decide(cx, &subject, target)?;
    if let Some(role_arn) = &target.passes_role {
        let pass = Target::new("iam:PassRole", role_arn.clone())
            .with_key("iam:PassedToService", Some("ec2.amazonaws.com"));
        decide(cx, &subject, &pass)?;
    }
    Ok(())
}

/// The session policies of a session created without any, where that means no permissions.
pub(crate) static NO_POLICIES: std::sync::LazyLock<PolicySet> =
    std::sync::LazyLock::new(|| PolicySet::new(Vec::new()));

/// Whose policies decide: a user's, a role session's (its role's, within the session's
/// policies), or a root session's (everything).
pub(crate) struct Subject<'d> {
    /// `None` for a root session, which is not limited by identity policies.
    pub identity: Option<&'d PolicySet>,
    pub boundary: Option<&'d PolicySet>,
    pub session: Option<&'d PolicySet>,
    /// `aws:userid`: the user id, `ROLE-ID:SESSION` or the account id.
    pub userid: String,
}

impl<'d> Subject<'d> {
    pub(crate) fn of(caller: &'d Caller, dir: &'d Directory) -> Option<Subject<'d>> {
        let account = dir.account(&caller.account_id)?;
        let session = caller.session.as_deref();
        let session_policies = session.and_then(|s| s.policies.as_deref());
        if let Some(SessionKind::Federated { user_id, name }) = session.map(|s| &s.claims.kind) {
            // The asking user's (or root's) permissions, within the session policies; none
            // passed means no permissions at all.
            let (identity, boundary) = match user_id {
                Some(id) => {
                    let user = account.user_by_id(id)?;
                    (Some(&*user.identity), user.boundary.as_deref())
                }
                None => (None, None),
            };
            return Some(Subject {
                identity,
                boundary,
                session: Some(session_policies.unwrap_or(&NO_POLICIES)),
                userid: format!("{}:{name}", caller.account_id),
            });
        }
        if let Some(SessionKind::AssumedRole {
            role_id,
            session_name,
            ..
        }) = session.map(|s| &s.claims.kind)
        {
            let role = account.roles.by_id(role_id)?;
            return Some(Subject {
                identity: Some(&role.identity),
                boundary: role.boundary.as_deref(),
                session: session_policies,
                userid: format!("{role_id}:{session_name}"),
            });
        }
        match &caller.user_id {
            Some(user_id) => {
                let user = account.user_by_id(user_id)?;
                Some(Subject {
                    identity: Some(&user.identity),
                    boundary: user.boundary.as_deref(),
                    session: session_policies,
                    userid: user_id.clone(),
                })
            }
            None => Some(Subject {
                identity: None,
                boundary: None,
                session: session_policies,
                userid: caller.account_id.clone(),
            }),
        }
    }
}

/// One decision: the subject's identity policies, within its permissions boundary and session
/// policies.
fn decide(cx: &RequestCx, subject: &Subject<'_>, target: &Target) -> Result<(), ServiceError> {
    // A root session has root's permissions: everything, narrowed by its session policies.
    let identity = match (subject.identity, subject.session) {
        (Some(identity), _) => identity,
        (None, Some(session)) => session,
        (None, None) => return Ok(()),
    };
    let ctx = request_context(cx, &subject.userid, target);
    let decision = evaluate_subject(&ctx, identity, subject, None, &[]);
    if decision.is_allowed()
        || (target.granted_implicitly && decision.outcome != Outcome::ExplicitDeny)
    {
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

/// The decision for a subject's identity policies (within its boundary and session policies),
/// with an optional resource policy and SCP levels. The live path and the IAM policy simulator
/// both decide here, so a simulation answers what a real request would get.
pub(crate) fn evaluate_subject<'p>(
    ctx: &RequestContext,
    identity: &'p PolicySet,
    subject: &Subject<'p>,
    resource: Option<&'p PolicySet>,
    scps: &'p [PolicySet],
) -> Decision<'p> {
    let policies = Policies {
        identity: Some(identity),
        resource,
        permissions_boundary: subject.boundary,
        session: subject.session,
        scps,
        ..Policies::default()
    };
    evaluate(ctx, &policies)
}

pub(crate) fn access_denied(message: String) -> ServiceError {
    ServiceError {
        code: "AccessDenied".into(),
        message,
        status: 403,
        sender_fault: true,
        reason: None,
    }
}

/// The condition context: global keys from the request and caller, and the target's tags.
pub(crate) fn request_context(cx: &RequestCx, user_id: &str, target: &Target) -> RequestContext {
    let caller = &cx.caller;
    let mut ctx = request_info_context(&cx.info, caller.principal.clone(), target)
        .with_resource_account(Some(caller.account_id.clone()));
    add_caller_keys(&mut ctx, cx, user_id);
    ctx
}

/// The keys that come from the caller and its credentials: `aws:userid`, the session's keys,
/// `aws:PrincipalTag/*`, `aws:FederatedProvider`.
pub(crate) fn add_caller_keys(ctx: &mut RequestContext, cx: &RequestCx, user_id: &str) {
    let caller = &cx.caller;
    ctx.insert("aws:userid", vec![user_id.to_owned()]);
    if let Some(session) = &caller.session {
        // Keys only temporary credentials carry. A session created without MFA has
        // `aws:MultiFactorAuthPresent` `false` and no `aws:MultiFactorAuthAge`, as in AWS.
        let claims = &session.claims;
        let mut issued = String::with_capacity(20);
        warden_protocol::write_timestamp(&mut issued, claims.issued);
        ctx.insert("aws:TokenIssueTime", vec![issued]);
        match claims.mfa_authenticated {
            Some(at) => {
                let age = (cx.info.now - at).whole_seconds().max(0);
                ctx.insert("aws:MultiFactorAuthPresent", vec!["true".to_owned()]);
                ctx.insert("aws:MultiFactorAuthAge", vec![age.to_string()]);
            }
            None => ctx.insert("aws:MultiFactorAuthPresent", vec!["false".to_owned()]),
        }
        if let Some(source) = &claims.source_identity {
            ctx.insert("aws:SourceIdentity", vec![source.clone()]);
        }
    }
    for tag in &caller.tags {
        ctx.insert(
            &format!("aws:PrincipalTag/{}", tag.key),
            vec![tag.value.clone()],
        );
    }
    if let Some(provider) = caller
        .session
        .as_ref()
        .and_then(|s| s.claims.federated_provider.as_ref())
    {
        ctx.insert("aws:FederatedProvider", vec![provider.clone()]);
    }
}

/// The condition context of a request by `principal`, from the request alone: the global keys
/// every request has, and the target's tags and keys. Callers without an identity of their own
/// (an identity provider asking for a role) get nothing more.
pub(crate) fn request_info_context(
    info: &RequestInfo,
    principal: Principal,
    target: &Target,
) -> RequestContext {
    let mut ctx = global_context(info, principal, target.action, &target.resource);
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
    for (key, value) in &target.keys {
        ctx.insert(key, vec![value.clone()]);
    }
    ctx
}

/// The global keys every request has, from the request's facts alone.
pub(crate) fn global_context(
    info: &RequestInfo,
    principal: Principal,
    action: &str,
    resource: &str,
) -> RequestContext {
    let mut ctx = RequestContext::new(principal, action, resource);
    let mut now = String::with_capacity(20);
    warden_protocol::write_timestamp(&mut now, info.now);
    ctx.insert("aws:CurrentTime", vec![now]);
    ctx.insert("aws:EpochTime", vec![info.now.unix_timestamp().to_string()]);
    ctx.insert(
        "aws:SecureTransport",
        vec![info.secure_transport.to_string()],
    );
    ctx.insert("aws:RequestedRegion", vec![info.region.clone()]);
    if let Some(ip) = info.source_ip {
        ctx.insert("aws:SourceIp", vec![ip.to_string()]);
    }
    if let Some(agent) = &info.user_agent {
        ctx.insert("aws:UserAgent", vec![agent.clone()]);
    }
    ctx
}
