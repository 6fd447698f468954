//! Account-wide calls: the alias, the summary of entities and quotas, and the authorization
//! details dump.

use warden_protocol::ServiceError;
use warden_protocol::iam::{self, errors};
use warden_store::{AccountAliasRecord, Change, Object, ObjectKey, ObjectKind};

use super::managed::{count, version_output};
use super::profiles::profile_output;
use super::roles::trust_document;
use super::{account, boundary_output, tags};
use crate::directory::{Account, Directory, InlinePolicy, ManagedPolicy};
use crate::pagination::paginate;
use crate::{Core, RequestCx};

fn policy_details(
    policies: &std::collections::BTreeMap<String, InlinePolicy>,
) -> Vec<iam::PolicyDetail> {
    policies
        .values()
        .map(|p| iam::PolicyDetail {
            policy_name: Some(p.name.clone()),
            policy_document: Some(p.document.clone()),
        })
        .collect()
}

fn attached(
    account: &Account,
    arns: &std::collections::BTreeSet<String>,
) -> Vec<iam::AttachedPolicy> {
    arns.iter()
        .filter_map(|arn| account.managed_by_arn(arn))
        .map(|p| iam::AttachedPolicy {
            policy_name: Some(p.record.name.clone()),
            policy_arn: Some(p.arn.clone()),
        })
        .collect()
}

/// One entry of the authorization details, in the order AWS pages through them.
enum Detail {
    User(iam::UserDetail),
    Group(iam::GroupDetail),
    Role(iam::RoleDetail),
    Policy(iam::ManagedPolicyDetail),
}

fn details(dir: &Directory, account: &Account, filter: &[String]) -> Vec<(String, Detail)> {
    let wanted = |kind: &str| filter.is_empty() || filter.iter().any(|f| f == kind);
    let mut out = Vec::new();
    if wanted("User") {
        for (key, u) in &account.users.by_name {
            let r = &u.record;
            let mut groups: Vec<String> = u
                .groups
                .iter()
                .filter_map(|g| account.group_by_id(g))
                .map(|g| g.record.name.clone())
                .collect();
            groups.sort();
            out.push((
                format!("0{key}"),
                Detail::User(iam::UserDetail {
                    path: Some(r.path.clone()),
                    user_name: Some(r.name.clone()),
                    user_id: Some(r.user_id.clone()),
                    arn: Some(u.arn.clone()),
                    create_date: Some(r.created),
                    user_policy_list: Some(policy_details(&u.policies)),
                    group_list: Some(groups),
                    attached_managed_policies: Some(attached(account, &u.attached)),
                    permissions_boundary: boundary_output(r.permissions_boundary.as_deref()),
                    tags: Some(tags::output(&r.tags)),
                }),
            ));
        }
    }
    if wanted("Group") {
        for (key, g) in &account.groups.by_name {
            let r = &g.record;
            out.push((
                format!("1{key}"),
                Detail::Group(iam::GroupDetail {
                    path: Some(r.path.clone()),
                    group_name: Some(r.name.clone()),
                    group_id: Some(r.group_id.clone()),
                    arn: Some(g.arn.clone()),
                    create_date: Some(r.created),
                    group_policy_list: Some(policy_details(&g.policies)),
                    attached_managed_policies: Some(attached(account, &g.attached)),
                }),
            ));
        }
    }
    if wanted("Role") {
        for (key, role) in &account.roles.by_name {
            let r = &role.record;
            out.push((
                format!("2{key}"),
                Detail::Role(iam::RoleDetail {
                    path: Some(r.path.clone()),
                    role_name: Some(r.name.clone()),
                    role_id: Some(r.role_id.clone()),
                    arn: Some(role.arn.clone()),
                    create_date: Some(r.created),
                    assume_role_policy_document: Some(trust_document(dir, role)),
                    instance_profile_list: Some(
                        role.instance_profiles
                            .iter()
                            .filter_map(|id| account.instance_profiles.by_id(id))
                            .map(|p| profile_output(dir, account, p, false))
                            .collect(),
                    ),
                    role_policy_list: Some(policy_details(&role.policies)),
                    attached_managed_policies: Some(attached(account, &role.attached)),
                    permissions_boundary: boundary_output(r.permissions_boundary.as_deref()),
                    tags: Some(tags::output(&r.tags)),
                    role_last_used: Some(iam::RoleLastUsed {
                        last_used_date: r.last_used.as_ref().map(|u| u.time),
                        region: r.last_used.as_ref().map(|u| u.region.clone()),
                    }),
                }),
            ));
        }
    }
    if wanted("LocalManagedPolicy") {
        for (key, p) in &account.managed.by_name {
            out.push((format!("3{key}"), Detail::Policy(policy_detail(p))));
        }
    }
    // AWS managed policies exist in every account; the details list those this account uses.
    if wanted("AWSManagedPolicy") {
        for p in account
            .used_aws_policies()
            .filter(|p| !p.attached_to.is_empty() || !p.boundary_of.is_empty())
        {
            let key = format!("4{}", p.record.name.to_lowercase());
            out.push((key, Detail::Policy(policy_detail(p))));
        }
    }
    out
}

fn policy_detail(p: &ManagedPolicy) -> iam::ManagedPolicyDetail {
    let r = &p.record;
    iam::ManagedPolicyDetail {
        policy_name: Some(r.name.clone()),
        policy_id: Some(r.policy_id.clone()),
        arn: Some(p.arn.clone()),
        path: Some(r.path.clone()),
        default_version_id: Some(r.default_version.clone()),
        attachment_count: Some(count(p.attached_to.len())),
        permissions_boundary_usage_count: Some(count(p.boundary_of.len())),
        is_attachable: Some(true),
        description: r.description.clone(),
        create_date: Some(r.created),
        update_date: Some(r.updated),
        policy_version_list: Some(
            r.versions
                .iter()
                .map(|v| version_output(r, v, true))
                .collect(),
        ),
    }
}

impl Core {
    pub(crate) async fn create_account_alias_op(
        &self,
        cx: &RequestCx,
        i: iam::CreateAccountAliasRequest,
    ) -> Result<(), ServiceError> {
        let _writer = self.writer.lock().await;
        let record = {
            let dir = self.read();
            let account = account(&dir, &cx.caller)?;
            // The model's pattern allows it, but the IAM User Guide says an alias "cannot be a
            // 12-digit number" (it would read as an account id in sign-in URLs).
            if i.account_alias.len() == 12 && i.account_alias.bytes().all(|b| b.is_ascii_digit()) {
                return Err(ServiceError::new(
                    errors::INVALID_INPUT,
                    "The account alias cannot be a 12-digit number.",
                ));
            }
            if account.alias.as_deref() == Some(i.account_alias.as_str()) {
                return Ok(());
            }
            let taken = dir
                .accounts
                .values()
                .any(|a| a.alias.as_deref() == Some(i.account_alias.as_str()));
            if taken {
                return Err(ServiceError::new(
                    errors::ENTITY_ALREADY_EXISTS,
                    format!("The account alias {} already exists.", i.account_alias),
                ));
            }
            // One alias per account: a new one replaces the old, as the console's "edit" does.
            AccountAliasRecord {
                account_id: account.id().to_owned(),
                alias: i.account_alias,
            }
        };
        self.commit(vec![Change::PutObject(Object::AccountAlias(record))])
            .await
    }

    pub(crate) async fn delete_account_alias_op(
        &self,
        cx: &RequestCx,
        i: iam::DeleteAccountAliasRequest,
    ) -> Result<(), ServiceError> {
        let _writer = self.writer.lock().await;
        let account_id = {
            let dir = self.read();
            let account = account(&dir, &cx.caller)?;
            if account.alias.as_deref() != Some(i.account_alias.as_str()) {
                return Err(ServiceError::new(
                    errors::NO_SUCH_ENTITY,
                    format!("The account alias {} cannot be found.", i.account_alias),
                ));
            }
            account.id().to_owned()
        };
        self.commit(vec![Change::DeleteObject(ObjectKey {
            kind: ObjectKind::AccountAlias,
            id: account_id,
        })])
        .await
    }

    pub(crate) fn list_account_aliases_op(
        &self,
        cx: &RequestCx,
        _i: iam::ListAccountAliasesRequest,
    ) -> Result<iam::ListAccountAliasesResponse, ServiceError> {
        let dir = self.read();
        let account = account(&dir, &cx.caller)?;
        Ok(iam::ListAccountAliasesResponse {
            account_aliases: account.alias.iter().cloned().collect(),
            is_truncated: Some(false),
            marker: None,
        })
    }

    pub(crate) fn get_account_summary_op(
        &self,
        cx: &RequestCx,
    ) -> Result<iam::GetAccountSummaryResponse, ServiceError> {
        let dir = self.read();
        let account = account(&dir, &cx.caller)?;
        let q = &self.quotas;
        let n = count;
        let versions_in_use: usize = account
            .managed
            .values()
            .map(|p| p.record.versions.len())
            .sum();
        let root_keys = account
            .root_keys
            .iter()
            .filter(|k| dir.keys.contains_key(*k))
            .count();
        let summary = vec![
            ("AccessKeysPerUserQuota", n(q.access_keys_per_user)),
            ("AccountAccessKeysPresent", n(usize::from(root_keys > 0))),
            (
                "AccountMFAEnabled",
                n(usize::from(account.mfa_devices_of(None).next().is_some())),
            ),
            (
                "AccountPasswordPresent",
                n(usize::from(account.login_profile(None).is_some())),
            ),
            ("AccountSigningCertificatesPresent", 0),
            ("AssumeRolePolicySizeQuota", 2048),
            (
                "AttachedPoliciesPerGroupQuota",
                n(q.attached_policies_per_group),
            ),
            (
                "AttachedPoliciesPerRoleQuota",
                n(q.attached_policies_per_role),
            ),
            (
                "AttachedPoliciesPerUserQuota",
                n(q.attached_policies_per_user),
            ),
            ("GlobalEndpointTokenVersion", 1),
            ("GroupPolicySizeQuota", n(q.group_policy_size)),
            ("Groups", n(account.groups.len())),
            ("GroupsPerUserQuota", n(q.groups_per_user)),
            ("GroupsQuota", n(q.groups_per_account)),
            ("InstanceProfiles", n(account.instance_profiles.len())),
            ("InstanceProfilesQuota", n(q.instance_profiles_per_account)),
            ("MFADevices", n(account.mfa_devices.len())),
            (
                "MFADevicesInUse",
                n(account
                    .mfa_devices
                    .values()
                    .filter(|d| d.owner.is_some())
                    .count()),
            ),
            ("Policies", n(account.managed.len())),
            ("PoliciesQuota", n(q.policies_per_account)),
            ("PolicySizeQuota", 6144),
            ("PolicyVersionsInUse", n(versions_in_use)),
            ("PolicyVersionsInUseQuota", 10000),
            (
                "Providers",
                n(account.oidc_providers.len() + account.saml_providers.len()),
            ),
            ("RolePolicySizeQuota", n(q.role_policy_size)),
            ("Roles", n(account.roles.len())),
            ("RolesQuota", n(q.roles_per_account)),
            ("ServerCertificates", n(account.server_certificates.len())),
            (
                "ServerCertificatesQuota",
                n(q.server_certificates_per_account),
            ),
            (
                "SigningCertificatesPerUserQuota",
                n(q.signing_certificates_per_user),
            ),
            ("UserPolicySizeQuota", n(q.user_policy_size)),
            ("Users", n(account.users.len())),
            ("UsersQuota", n(q.users_per_account)),
            ("VersionsPerPolicyQuota", 5),
        ];
        Ok(iam::GetAccountSummaryResponse {
            summary_map: Some(
                summary
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v))
                    .collect(),
            ),
        })
    }

    pub(crate) fn get_account_authorization_details_op(
        &self,
        cx: &RequestCx,
        i: iam::GetAccountAuthorizationDetailsRequest,
    ) -> Result<iam::GetAccountAuthorizationDetailsResponse, ServiceError> {
        let dir = self.read();
        let account = account(&dir, &cx.caller)?;
        let filter = i.filter.unwrap_or_default();
        let page = paginate(
            details(&dir, account, &filter),
            i.marker.as_deref(),
            i.max_items,
        )?;
        let mut answer = iam::GetAccountAuthorizationDetailsResponse {
            user_detail_list: Some(Vec::new()),
            group_detail_list: Some(Vec::new()),
            role_detail_list: Some(Vec::new()),
            policies: Some(Vec::new()),
            is_truncated: Some(page.is_truncated()),
            marker: page.next,
        };
        for detail in page.items {
            match detail {
                Detail::User(d) => answer.user_detail_list.get_or_insert_default().push(d),
                Detail::Group(d) => answer.group_detail_list.get_or_insert_default().push(d),
                Detail::Role(d) => answer.role_detail_list.get_or_insert_default().push(d),
                Detail::Policy(d) => answer.policies.get_or_insert_default().push(d),
            }
        }
        Ok(answer)
    }
}
