//! AWS Organizations, the subset that makes a server hold several accounts the AWS way:
//! `CreateOrganization`, `DescribeOrganization`, `DeleteOrganization`, `ListRoots`,
//! `CreateAccount` (with `DescribeCreateAccountStatus` and `ListCreateAccountStatus`),
//! `DescribeAccount` and `ListAccounts`.
//!
//! A new member account gets a role (`OrganizationAccountAccessRole` unless `RoleName` says
//! otherwise) that trusts the management account and has full administrator rights, as AWS
//! creates it; so the management account's administrators reach the member by `AssumeRole` and
//! no member account needs root keys. `CreateAccount` answers `IN_PROGRESS` like AWS; the
//! account, its role and the request's final status are committed in the same transaction, so a
//! crash can never leave a half-made account, and the first `DescribeCreateAccountStatus`
//! already reports `SUCCEEDED`.

use warden_protocol::ServiceError;
use warden_protocol::organizations::{self as org, Handler, Request, errors};
use warden_store::{
    AccountRecord, Change, CreateAccountStatusRecord, InlinePolicyRecord, Object, OrgAccountRecord,
    OrganizationRecord, PolicyOwner, RoleRecord, Tag,
};

use crate::authz::{self, Target};
use crate::directory::{Account, Directory};
use crate::pagination::paginate;
use crate::{Core, CoreError, RequestCx, ids};

/// The role a new member account gets when `CreateAccount` names none.
pub const DEFAULT_ACCESS_ROLE: &str = "OrganizationAccountAccessRole";
/// The inline policy of that role: everything, as AWS's `AdministratorAccess`.
const ACCESS_ROLE_POLICY_NAME: &str = "AdministratorAccess";
const ACCESS_ROLE_POLICY: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
/// `ListAccounts` and `ListCreateAccountStatus` pages: AWS's default and largest page.
const MAX_RESULTS: i32 = 20;

fn not_in_use() -> ServiceError {
    ServiceError::new(
        errors::AWS_ORGANIZATIONS_NOT_IN_USE_EXCEPTION,
        "Your account is not a member of an organization.",
    )
}

/// What AWS answers a member account calling an operation only the management account may.
fn management_only() -> ServiceError {
    ServiceError::new(
        errors::ACCESS_DENIED_EXCEPTION,
        "You don't have permissions to access this resource.",
    )
}

fn internal(e: CoreError) -> ServiceError {
    tracing::error!(error = %e, "organizations");
    ServiceError::internal()
}

fn invalid_input(reason: &'static str, message: &str) -> ServiceError {
    let mut e = ServiceError::new(errors::INVALID_INPUT_EXCEPTION, message);
    e.reason = Some(reason.into());
    e
}

/// Lower-case letters and digits, as AWS's organization, root and request ids use.
fn random_lower(len: usize) -> Result<String, ServiceError> {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut bytes = vec![0u8; len];
    getrandom::fill(&mut bytes).map_err(|_| ServiceError::internal())?;
    Ok(bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect())
}

/// The organization an account belongs to, with its management account.
fn organization_of<'d>(
    dir: &'d Directory,
    account: &Account,
) -> Option<(&'d OrganizationRecord, &'d Account)> {
    let org_id = &account.membership.as_ref()?.org_id;
    dir.accounts.values().find_map(|a| {
        a.organization
            .as_ref()
            .filter(|o| &o.org_id == org_id)
            .map(|o| (o, a))
    })
}

fn organization_arn(dir: &Directory, o: &OrganizationRecord) -> String {
    format!(
        "arn:{}:organizations::{}:organization/{}",
        dir.partition, o.account_id, o.org_id
    )
}

fn account_arn(dir: &Directory, o: &OrganizationRecord, account_id: &str) -> String {
    format!(
        "arn:{}:organizations::{}:account/{}/{account_id}",
        dir.partition, o.account_id, o.org_id
    )
}

/// Accounts here have no owner's email address; the management account shows one under the
/// reserved `.invalid` domain (docs/compatibility.md).
fn management_email(account_id: &str) -> String {
    format!("{account_id}@warden.invalid")
}

fn organization_output(dir: &Directory, o: &OrganizationRecord) -> org::Organization {
    org::Organization {
        id: Some(o.org_id.clone()),
        arn: Some(organization_arn(dir, o)),
        feature_set: Some(o.feature_set.clone()),
        master_account_arn: Some(account_arn(dir, o, &o.account_id)),
        master_account_id: Some(o.account_id.clone()),
        master_account_email: Some(management_email(&o.account_id)),
        // Deprecated in the API ("do not use"); policy types are not modelled yet.
        available_policy_types: Some(Vec::new()),
    }
}

fn account_output(dir: &Directory, o: &OrganizationRecord, m: &OrgAccountRecord) -> org::Account {
    org::Account {
        id: Some(m.account_id.clone()),
        arn: Some(account_arn(dir, o, &m.account_id)),
        email: Some(m.email.clone()),
        name: Some(m.name.clone()),
        status: Some("ACTIVE".to_owned()),
        state: Some("ACTIVE".to_owned()),
        joined_method: Some(m.joined_method.clone()),
        joined_timestamp: Some(m.joined),
        paths: None,
    }
}

fn status_output(s: &CreateAccountStatusRecord) -> org::CreateAccountStatus {
    org::CreateAccountStatus {
        id: Some(s.request_id.clone()),
        account_name: Some(s.account_name.clone()),
        state: Some(s.state.clone()),
        requested_timestamp: Some(s.requested),
        completed_timestamp: s.completed,
        account_id: s.new_account_id.clone(),
        gov_cloud_account_id: None,
        failure_reason: s.failure_reason.clone(),
    }
}

/// The page token of Organizations' list operations (the shared paginator's, with this
/// service's error for a bad one).
fn page<T>(
    items: impl IntoIterator<Item = (String, T)>,
    token: Option<&str>,
    max: Option<i32>,
) -> Result<(Vec<T>, Option<String>), ServiceError> {
    let page = paginate(
        items,
        token,
        Some(max.unwrap_or(MAX_RESULTS).min(MAX_RESULTS)),
    )
    .map_err(|_| {
        invalid_input(
            "INVALID_NEXT_TOKEN",
            "You specified an invalid value for the nextToken request parameter.",
        )
    })?;
    Ok((page.items, page.next))
}

/// The IAM action of each operation Warden implements.
fn action_of(op: org::Operation) -> Option<&'static str> {
    use org::Operation as O;
    Some(match op {
        O::CreateOrganization => "organizations:CreateOrganization",
        O::DescribeOrganization => "organizations:DescribeOrganization",
        O::DeleteOrganization => "organizations:DeleteOrganization",
        O::ListRoots => "organizations:ListRoots",
        O::CreateAccount => "organizations:CreateAccount",
        O::DescribeCreateAccountStatus => "organizations:DescribeCreateAccountStatus",
        O::ListCreateAccountStatus => "organizations:ListCreateAccountStatus",
        O::DescribeAccount => "organizations:DescribeAccount",
        O::ListAccounts => "organizations:ListAccounts",
        _ => return None,
    })
}

impl Core {
    /// The caller's account, the organization it belongs to and that organization's
    /// management account, for an operation only the management account may call.
    fn managed_organization<'d>(
        dir: &'d Directory,
        cx: &RequestCx,
    ) -> Result<(&'d OrganizationRecord, &'d Account), ServiceError> {
        let account = dir
            .account(&cx.caller.account_id)
            .ok_or_else(ServiceError::internal)?;
        let (o, management) = organization_of(dir, account).ok_or_else(not_in_use)?;
        if management.id() != account.id() {
            return Err(management_only());
        }
        Ok((o, management))
    }

    /// Answers one Organizations request: authorize (`organizations:*` actions against the
    /// caller's policies), then run the operation.
    pub async fn handle_organizations(
        &self,
        cx: &RequestCx,
        request: Request,
    ) -> Result<org::Response, ServiceError> {
        let resource = match &request {
            Request::DescribeAccount(i) => {
                let dir = self.read();
                dir.account(&cx.caller.account_id)
                    .and_then(|a| organization_of(&dir, a))
                    .map(|(o, _)| account_arn(&dir, o, &i.account_id))
                    .unwrap_or_else(|| "*".to_owned())
            }
            _ => "*".to_owned(),
        };
        let Some(action) = action_of(request.operation()) else {
            return Err(ServiceError::not_implemented(request.operation().name()));
        };
        {
            let dir = self.read();
            authz::authorize(cx, &dir, &Target::new(action, resource)).map_err(|e| {
                // Organizations' denial is `AccessDeniedException`, with IAM's explanation.
                let mut denied = ServiceError::new(errors::ACCESS_DENIED_EXCEPTION, e.message);
                denied.status = 400;
                denied
            })?;
        }
        org::dispatch(self, cx, request).await
    }

    /// Makes a member account: the account, its membership, the access role with its policy,
    /// and the request's final status, all in one commit.
    async fn create_member_account(
        &self,
        cx: &RequestCx,
        i: &org::CreateAccountRequest,
        request_id: &str,
    ) -> Result<(), ServiceError> {
        let now = cx.info.now.replace_nanosecond(0).unwrap_or(cx.info.now);
        let _writer = self.writer.lock().await;
        let (o, email_taken) = {
            let dir = self.read();
            let (o, _) = Self::managed_organization(&dir, cx)?;
            let email_taken = dir.accounts.values().any(|a| {
                a.membership
                    .as_ref()
                    .is_some_and(|m| m.email.eq_ignore_ascii_case(&i.email))
            });
            (o.clone(), email_taken)
        };
        let mut status = CreateAccountStatusRecord {
            request_id: request_id.to_owned(),
            account_id: o.account_id.clone(),
            account_name: i.account_name.clone(),
            state: "SUCCEEDED".to_owned(),
            requested: now,
            completed: Some(now),
            new_account_id: None,
            failure_reason: None,
        };
        if email_taken {
            // AWS reports this through the request's status, not as an error of the call.
            status.state = "FAILED".to_owned();
            status.failure_reason = Some("EMAIL_ALREADY_EXISTS".to_owned());
            return self
                .commit(vec![Change::PutObject(Object::CreateAccountStatus(status))])
                .await;
        }
        let account_id = loop {
            let id = crate::random_account_id().map_err(internal)?;
            if self.read().account(&id).is_none() {
                break id;
            }
        };
        let partition = self.read().partition.clone();
        let role_name = i
            .role_name
            .clone()
            .unwrap_or_else(|| DEFAULT_ACCESS_ROLE.to_owned());
        let trust = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:{partition}:iam::{}:root"}},"Action":"sts:AssumeRole"}}]}}"#,
            o.account_id
        );
        let role_id = ids::role_id().map_err(internal)?;
        status.new_account_id = Some(account_id.clone());
        let tags: Vec<Tag> = i
            .tags
            .iter()
            .flatten()
            .map(|t| Tag {
                key: t.key.clone(),
                value: t.value.clone(),
            })
            .collect();
        self.commit(vec![
            Change::PutAccount(AccountRecord {
                account_id: account_id.clone(),
                created: now,
            }),
            Change::PutObject(Object::OrgAccount(OrgAccountRecord {
                account_id: account_id.clone(),
                org_id: o.org_id.clone(),
                name: i.account_name.clone(),
                email: i.email.clone(),
                joined_method: "CREATED".to_owned(),
                joined: now,
                tags,
            })),
            Change::PutObject(Object::Role(RoleRecord {
                role_id: role_id.clone(),
                account_id: account_id.clone(),
                name: role_name.clone(),
                path: "/".to_owned(),
                created: now,
                description: None,
                max_session_duration: 3600,
                trust_policy: trust,
                trust_principals: Vec::new(),
                permissions_boundary: None,
                tags: Vec::new(),
                last_used: None,
            })),
            Change::PutInlinePolicy(InlinePolicyRecord {
                account_id: account_id.clone(),
                owner: PolicyOwner::Role(role_id),
                name: ACCESS_ROLE_POLICY_NAME.to_owned(),
                document: ACCESS_ROLE_POLICY.to_owned(),
            }),
            Change::PutObject(Object::CreateAccountStatus(status)),
        ])
        .await
    }
}

impl Handler for Core {
    type Context = RequestCx;

    async fn create_organization(
        &self,
        cx: &RequestCx,
        i: org::CreateOrganizationRequest,
    ) -> Result<org::CreateOrganizationResponse, ServiceError> {
        let now = cx.info.now.replace_nanosecond(0).unwrap_or(cx.info.now);
        let _writer = self.writer.lock().await;
        let record = {
            let dir = self.read();
            let account = dir
                .account(&cx.caller.account_id)
                .ok_or_else(ServiceError::internal)?;
            if account.membership.is_some() {
                return Err(ServiceError::new(
                    errors::ALREADY_IN_ORGANIZATION_EXCEPTION,
                    "The AWS account is already a member of an organization.",
                ));
            }
            OrganizationRecord {
                org_id: format!("o-{}", random_lower(10)?),
                account_id: account.id().to_owned(),
                root_id: format!("r-{}", random_lower(4)?),
                feature_set: i.feature_set.unwrap_or_else(|| "ALL".to_owned()),
                created: now,
            }
        };
        let name = self
            .read()
            .account(&record.account_id)
            .and_then(|a| a.alias.clone())
            .unwrap_or_else(|| record.account_id.clone());
        let membership = OrgAccountRecord {
            account_id: record.account_id.clone(),
            org_id: record.org_id.clone(),
            name,
            email: management_email(&record.account_id),
            // AWS lists the account that created the organization as invited.
            joined_method: "INVITED".to_owned(),
            joined: now,
            tags: Vec::new(),
        };
        self.commit(vec![
            Change::PutObject(Object::Organization(record.clone())),
            Change::PutObject(Object::OrgAccount(membership)),
        ])
        .await?;
        let dir = self.read();
        Ok(org::CreateOrganizationResponse {
            organization: Some(organization_output(&dir, &record)),
        })
    }

    async fn describe_organization(
        &self,
        cx: &RequestCx,
    ) -> Result<org::DescribeOrganizationResponse, ServiceError> {
        let dir = self.read();
        let account = dir
            .account(&cx.caller.account_id)
            .ok_or_else(ServiceError::internal)?;
        let (o, _) = organization_of(&dir, account).ok_or_else(not_in_use)?;
        Ok(org::DescribeOrganizationResponse {
            organization: Some(organization_output(&dir, o)),
        })
    }

    async fn delete_organization(&self, cx: &RequestCx) -> Result<(), ServiceError> {
        let _writer = self.writer.lock().await;
        let (org_id, management) = {
            let dir = self.read();
            let (o, management) = Self::managed_organization(&dir, cx)?;
            let members = dir
                .accounts
                .values()
                .filter(|a| a.membership.as_ref().is_some_and(|m| m.org_id == o.org_id))
                .count();
            if members > 1 {
                return Err(ServiceError::new(
                    errors::ORGANIZATION_NOT_EMPTY_EXCEPTION,
                    "To delete an organization you must first remove all member accounts \
                     (except the management account).",
                ));
            }
            (o.org_id.clone(), management.id().to_owned())
        };
        self.commit(vec![
            Change::DeleteObject(warden_store::ObjectKey {
                kind: warden_store::ObjectKind::OrgAccount,
                id: management,
            }),
            Change::DeleteObject(warden_store::ObjectKey {
                kind: warden_store::ObjectKind::Organization,
                id: org_id,
            }),
        ])
        .await
    }

    async fn list_roots(
        &self,
        cx: &RequestCx,
        i: org::ListRootsRequest,
    ) -> Result<org::ListRootsResponse, ServiceError> {
        let dir = self.read();
        let (o, _) = Self::managed_organization(&dir, cx)?;
        let root = org::Root {
            id: Some(o.root_id.clone()),
            arn: Some(format!(
                "arn:{}:organizations::{}:root/{}/{}",
                dir.partition, o.account_id, o.org_id, o.root_id
            )),
            name: Some("Root".to_owned()),
            policy_types: Some(Vec::new()),
        };
        let (roots, next_token) = page(
            [(o.root_id.clone(), root)],
            i.next_token.as_deref(),
            i.max_results,
        )?;
        Ok(org::ListRootsResponse {
            roots: Some(roots),
            next_token,
        })
    }

    async fn create_account(
        &self,
        cx: &RequestCx,
        i: org::CreateAccountRequest,
    ) -> Result<org::CreateAccountResponse, ServiceError> {
        if let Some(role) = &i.role_name
            && role.len() > 64
        {
            return Err(invalid_input(
                "INVALID_ROLE_NAME",
                "You provided a role name that isn't valid.",
            ));
        }
        let request_id = format!("car-{}", random_lower(32)?);
        self.create_member_account(cx, &i, &request_id).await?;
        let requested = self
            .read()
            .account(&cx.caller.account_id)
            .and_then(|a| a.create_account_statuses.get(&request_id))
            .map(|s| s.requested)
            .unwrap_or(cx.info.now);
        // The answer to the call itself is always `IN_PROGRESS`, as in AWS: clients poll
        // `DescribeCreateAccountStatus` for the outcome.
        Ok(org::CreateAccountResponse {
            create_account_status: Some(org::CreateAccountStatus {
                id: Some(request_id),
                account_name: Some(i.account_name),
                state: Some("IN_PROGRESS".to_owned()),
                requested_timestamp: Some(requested),
                ..org::CreateAccountStatus::default()
            }),
        })
    }

    async fn describe_create_account_status(
        &self,
        cx: &RequestCx,
        i: org::DescribeCreateAccountStatusRequest,
    ) -> Result<org::DescribeCreateAccountStatusResponse, ServiceError> {
        let dir = self.read();
        let (_, management) = Self::managed_organization(&dir, cx)?;
        let status = management
            .create_account_statuses
            .get(&i.create_account_request_id)
            .ok_or_else(|| {
                ServiceError::new(
                    errors::CREATE_ACCOUNT_STATUS_NOT_FOUND_EXCEPTION,
                    "We can't find an create account request with the CreateAccountRequestId \
                     that you specified.",
                )
            })?;
        Ok(org::DescribeCreateAccountStatusResponse {
            create_account_status: Some(status_output(status)),
        })
    }

    async fn list_create_account_status(
        &self,
        cx: &RequestCx,
        i: org::ListCreateAccountStatusRequest,
    ) -> Result<org::ListCreateAccountStatusResponse, ServiceError> {
        let dir = self.read();
        let (_, management) = Self::managed_organization(&dir, cx)?;
        let mut statuses: Vec<&CreateAccountStatusRecord> = management
            .create_account_statuses
            .values()
            .filter(|s| {
                i.states
                    .as_ref()
                    .is_none_or(|states| states.contains(&s.state))
            })
            .collect();
        statuses.sort_by(|a, b| (a.requested, &a.request_id).cmp(&(b.requested, &b.request_id)));
        let keyed = statuses.into_iter().map(|s| {
            (
                format!("{:020}/{}", s.requested.unix_timestamp(), s.request_id),
                status_output(s),
            )
        });
        let (items, next_token) = page(keyed, i.next_token.as_deref(), i.max_results)?;
        Ok(org::ListCreateAccountStatusResponse {
            create_account_statuses: Some(items),
            next_token,
        })
    }

    async fn describe_account(
        &self,
        cx: &RequestCx,
        i: org::DescribeAccountRequest,
    ) -> Result<org::DescribeAccountResponse, ServiceError> {
        let dir = self.read();
        let (o, _) = Self::managed_organization(&dir, cx)?;
        let member = dir
            .account(&i.account_id)
            .and_then(|a| a.membership.as_ref())
            .filter(|m| m.org_id == o.org_id)
            .ok_or_else(|| {
                ServiceError::new(
                    errors::ACCOUNT_NOT_FOUND_EXCEPTION,
                    "You specified an account that doesn't exist.",
                )
            })?;
        Ok(org::DescribeAccountResponse {
            account: Some(account_output(&dir, o, member)),
        })
    }

    async fn list_accounts(
        &self,
        cx: &RequestCx,
        i: org::ListAccountsRequest,
    ) -> Result<org::ListAccountsResponse, ServiceError> {
        let dir = self.read();
        let (o, _) = Self::managed_organization(&dir, cx)?;
        let members = dir.accounts.values().filter_map(|a| {
            a.membership
                .as_ref()
                .filter(|m| m.org_id == o.org_id)
                .map(|m| (m.account_id.clone(), account_output(&dir, o, m)))
        });
        let (accounts, next_token) = page(members, i.next_token.as_deref(), i.max_results)?;
        Ok(org::ListAccountsResponse {
            accounts: Some(accounts),
            next_token,
        })
    }
}
