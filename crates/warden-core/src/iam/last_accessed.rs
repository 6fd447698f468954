//! Service last-accessed data: which services an identity's policies grant, and when each was
//! last used — computed from the audit trail's allowed requests (IAM's own calls and the
//! decisions of the authorization API, recorded as their services' events).
//!
//! `GenerateServiceLastAccessedDetails` scans the trail and stores the report as a job (AWS runs
//! it in the background; here it is complete when the call returns).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use time::OffsetDateTime;
use warden_policy::{Effect, PolicyDocument};
use warden_protocol::ServiceError;
use warden_protocol::iam::{self, errors};
use warden_store::{
    ActionAccessRecord, AuditFilter, Change, EntityAccessRecord, EntityRef, LastAccessedJobRecord,
    Object, ServiceAccessRecord,
};

use super::{account, stamp};
use crate::directory::Account;
use crate::directory::{SourcePolicy, SourceType};
use crate::pagination::paginate;
use crate::{Core, RequestCx};

/// Events read from the store per page while scanning.
const SCAN_PAGE: u32 = 10_000;

fn no_such_job(id: &str) -> ServiceError {
    ServiceError::new(
        errors::NO_SUCH_ENTITY,
        format!("The job with ID {id} cannot be found."),
    )
}

fn invalid_arn(arn: &str) -> ServiceError {
    ServiceError::new(errors::INVALID_INPUT, format!("ARN {arn} is not valid."))
}

/// The identity (or policy) a report is about, and who can have used it.
struct Subject<'a> {
    /// The policies whose grants list the services.
    documents: Vec<(SourcePolicy<'a>, Option<PolicyDocument>)>,
    /// The users and roles whose requests count.
    entities: Vec<EntityAccessRecord>,
}

fn user_entity(user: &crate::directory::User) -> EntityAccessRecord {
    EntityAccessRecord {
        arn: user.arn.clone(),
        name: user.record.name.clone(),
        kind: "USER".to_owned(),
        id: user.record.user_id.clone(),
        path: user.record.path.clone(),
        last: None,
    }
}

fn role_entity(role: &crate::directory::Role) -> EntityAccessRecord {
    EntityAccessRecord {
        arn: role.arn.clone(),
        name: role.record.name.clone(),
        kind: "ROLE".to_owned(),
        id: role.record.role_id.clone(),
        path: role.record.path.clone(),
        last: None,
    }
}

fn parsed(sources: Vec<SourcePolicy<'_>>) -> Vec<(SourcePolicy<'_>, Option<PolicyDocument>)> {
    sources
        .into_iter()
        .map(|s| {
            let doc = PolicyDocument::parse(s.document).ok();
            (s, doc)
        })
        .collect()
}

/// The user, group, role or managed policy an ARN names in `account`.
fn subject<'a>(account: &'a Account, arn: &str) -> Result<Subject<'a>, ServiceError> {
    let resource = arn
        .split(':')
        .nth(5)
        .filter(|_| arn.starts_with("arn:") && arn.split(':').count() == 6)
        .ok_or_else(|| invalid_arn(arn))?;
    let (kind, rest) = resource.split_once('/').ok_or_else(|| invalid_arn(arn))?;
    let name = rest.rsplit('/').next().unwrap_or(rest);
    let not_found = || {
        ServiceError::new(
            errors::NO_SUCH_ENTITY,
            format!("The entity {arn} cannot be found."),
        )
    };
    match kind {
        "user" => {
            let user = account
                .user(name)
                .filter(|u| u.arn == arn)
                .ok_or_else(not_found)?;
            Ok(Subject {
                documents: parsed(account.user_sources(user)),
                entities: vec![user_entity(user)],
            })
        }
        "group" => {
            let group = account
                .group(name)
                .filter(|g| g.arn == arn)
                .ok_or_else(not_found)?;
            Ok(Subject {
                documents: parsed(account.group_sources(group)),
                entities: group
                    .members
                    .iter()
                    .filter_map(|id| account.user_by_id(id))
                    .map(user_entity)
                    .collect(),
            })
        }
        "role" => {
            let role = account
                .role(name)
                .filter(|r| r.arn == arn)
                .ok_or_else(not_found)?;
            Ok(Subject {
                documents: parsed(account.role_sources(role)),
                entities: vec![role_entity(role)],
            })
        }
        "policy" => {
            let policy = account.managed_by_arn(arn).ok_or_else(not_found)?;
            let document = policy.default_document().unwrap_or("{}");
            let source = SourcePolicy {
                name: &policy.record.name,
                source_type: if crate::directory::is_aws_managed_arn(arn) {
                    SourceType::AwsManaged
                } else {
                    SourceType::UserManaged
                },
                label: policy.arn.clone(),
                holder: &policy.arn,
                document,
                compiled: policy.compiled.as_ref(),
            };
            // Who has the policy: its users and roles, and its groups' members.
            let mut entities = BTreeMap::new();
            for entity in &policy.attached_to {
                match entity {
                    EntityRef::User(id) => {
                        if let Some(u) = account.user_by_id(id) {
                            entities.insert(u.arn.clone(), user_entity(u));
                        }
                    }
                    EntityRef::Role(id) => {
                        if let Some(r) = account.roles.by_id(id) {
                            entities.insert(r.arn.clone(), role_entity(r));
                        }
                    }
                    EntityRef::Group(id) => {
                        for member in account.group_by_id(id).into_iter().flat_map(|g| &g.members) {
                            if let Some(u) = account.user_by_id(member) {
                                entities.insert(u.arn.clone(), user_entity(u));
                            }
                        }
                    }
                }
            }
            Ok(Subject {
                documents: parsed(vec![source]),
                entities: entities.into_values().collect(),
            })
        }
        _ => Err(invalid_arn(arn)),
    }
}

/// The service namespaces a policy's `Allow` statements reach.
fn granted_namespaces(document: &PolicyDocument) -> BTreeSet<String> {
    let Ok(reference) = warden_catalog::service_reference() else {
        return BTreeSet::new();
    };
    let mut found = BTreeSet::new();
    for statement in &document.statements {
        if statement.effect != Effect::Allow {
            continue;
        }
        let Some(actions) = &statement.action else {
            continue;
        };
        let patterns: Vec<&str> = if actions.negated {
            // NotAction: everything but some actions; every service may be reached.
            vec!["*"]
        } else {
            actions.values.iter().map(String::as_str).collect()
        };
        for pattern in patterns {
            let service = pattern.split_once(':').map_or(pattern, |(s, _)| s);
            for s in reference.services() {
                if wildcard(service, &s.prefix) {
                    found.insert(s.prefix.clone());
                }
            }
        }
    }
    found
}

/// IAM's wildcard match (`*` and `?`), case-insensitive.
fn wildcard(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.to_ascii_lowercase().chars().collect();
    let t: Vec<char> = text.to_ascii_lowercase().chars().collect();
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

fn service_name(namespace: &str) -> String {
    warden_catalog::service_reference()
        .ok()
        .and_then(|r| r.service(namespace))
        .map_or_else(|| namespace.to_owned(), |s| s.name.clone())
}

/// The IAM entity an allowed request was made as: `("USER", user id)` or `("ROLE", role id)`.
fn acting_entity(record: &Value) -> Option<(&'static str, &str)> {
    let identity = &record["userIdentity"];
    match identity["type"].as_str()? {
        "IAMUser" => Some(("USER", identity["principalId"].as_str()?)),
        "AssumedRole" => Some((
            "ROLE",
            identity["sessionContext"]["sessionIssuer"]["principalId"].as_str()?,
        )),
        _ => None,
    }
}

impl Core {
    pub(crate) async fn generate_service_last_accessed_details_op(
        &self,
        cx: &RequestCx,
        i: iam::GenerateServiceLastAccessedDetailsRequest,
    ) -> Result<iam::GenerateServiceLastAccessedDetailsResponse, ServiceError> {
        let granularity = i.granularity.unwrap_or_else(|| "SERVICE_LEVEL".to_owned());
        let (namespaces, mut entities) = {
            let dir = self.read();
            let account = account(&dir, &cx.caller)?;
            let subject = subject(account, &i.arn)?;
            let namespaces: BTreeSet<String> = subject
                .documents
                .iter()
                .filter_map(|(_, doc)| doc.as_ref())
                .flat_map(granted_namespaces)
                .collect();
            (namespaces, subject.entities)
        };
        let by_id: BTreeMap<(String, String), usize> = entities
            .iter()
            .enumerate()
            .map(|(n, e)| ((e.kind.clone(), e.id.clone()), n))
            .collect();
        // Per namespace: per entity index, the last use; and per action, the last use.
        let mut uses: BTreeMap<String, BTreeMap<usize, (OffsetDateTime, String)>> = BTreeMap::new();
        let mut actions: BTreeMap<String, BTreeMap<String, ActionAccessRecord>> = BTreeMap::new();
        let mut filter = AuditFilter {
            account_id: Some(cx.caller.account_id.clone()),
            limit: Some(SCAN_PAGE),
            ..AuditFilter::default()
        };
        loop {
            let page = self.audit_events(&filter).await?;
            let Some(last) = page.last() else { break };
            filter.after_seq = Some(last.seq);
            for row in page.iter().filter(|r| r.record.error_code.is_none()) {
                let Ok(record) = serde_json::from_str::<Value>(&row.record.body) else {
                    continue;
                };
                let Some((kind, id)) = acting_entity(&record) else {
                    continue;
                };
                let Some(&n) = by_id.get(&(kind.to_owned(), id.to_owned())) else {
                    continue;
                };
                let Some(namespace) = record["eventSource"]
                    .as_str()
                    .and_then(|s| s.strip_suffix(".amazonaws.com"))
                else {
                    continue;
                };
                if !namespaces.contains(namespace) {
                    continue;
                }
                let time = OffsetDateTime::from_unix_timestamp_nanos(
                    i128::from(row.record.time_ms) * 1_000_000,
                )
                .unwrap_or(OffsetDateTime::UNIX_EPOCH);
                let region = record["awsRegion"]
                    .as_str()
                    .unwrap_or("us-east-1")
                    .to_owned();
                let slot = uses.entry(namespace.to_owned()).or_default();
                if slot.get(&n).is_none_or(|(t, _)| *t <= time) {
                    slot.insert(n, (time, region.clone()));
                }
                let action = record["eventName"].as_str().unwrap_or_default().to_owned();
                let entry = actions
                    .entry(namespace.to_owned())
                    .or_default()
                    .entry(action.clone());
                let newer = ActionAccessRecord {
                    name: action,
                    time,
                    entity: entities[n].arn.clone(),
                    region,
                };
                entry
                    .and_modify(|old| {
                        if old.time <= newer.time {
                            *old = newer.clone();
                        }
                    })
                    .or_insert(newer);
            }
        }
        let services = namespaces
            .iter()
            .map(|namespace| {
                let used = uses.get(namespace);
                let last = used.and_then(|m| m.iter().max_by_key(|(_, (t, _))| *t));
                let per_entity: Vec<EntityAccessRecord> = entities
                    .iter_mut()
                    .enumerate()
                    .map(|(n, e)| EntityAccessRecord {
                        last: used.and_then(|m| m.get(&n)).map(|(t, _)| *t),
                        ..e.clone()
                    })
                    .collect();
                ServiceAccessRecord {
                    namespace: namespace.clone(),
                    name: service_name(namespace),
                    last: last.map(|(_, (t, _))| *t),
                    last_entity: last.map(|(n, _)| entities[*n].arn.clone()),
                    last_region: last.map(|(_, (_, r))| r.clone()),
                    total_entities: used.map_or(0, |m| u32::try_from(m.len()).unwrap_or(0)),
                    actions: actions
                        .get(namespace)
                        .map(|a| a.values().cloned().collect())
                        .unwrap_or_default(),
                    entities: per_entity,
                }
            })
            .collect();
        let now = stamp(cx);
        let job = LastAccessedJobRecord {
            job_id: crate::audit::event_id(),
            account_id: cx.caller.account_id.clone(),
            arn: i.arn,
            granularity,
            created: now,
            completed: now,
            services,
        };
        let job_id = job.job_id.clone();
        let _writer = self.writer.lock().await;
        self.commit(vec![Change::PutObject(Object::LastAccessedJob(job))])
            .await?;
        Ok(iam::GenerateServiceLastAccessedDetailsResponse {
            job_id: Some(job_id),
        })
    }

    fn last_accessed_job(
        &self,
        cx: &RequestCx,
        job_id: &str,
    ) -> Result<LastAccessedJobRecord, ServiceError> {
        let dir = self.read();
        let account = account(&dir, &cx.caller)?;
        account
            .last_accessed_jobs
            .get(job_id)
            .cloned()
            .ok_or_else(|| no_such_job(job_id))
    }

    pub(crate) fn get_service_last_accessed_details_op(
        &self,
        cx: &RequestCx,
        i: iam::GetServiceLastAccessedDetailsRequest,
    ) -> Result<iam::GetServiceLastAccessedDetailsResponse, ServiceError> {
        let job = self.last_accessed_job(cx, &i.job_id)?;
        let action_level = job.granularity == "ACTION_LEVEL";
        let page = paginate(
            job.services.iter().map(|s| (s.namespace.clone(), s)),
            i.marker.as_deref(),
            i.max_items,
        )?;
        let truncated = page.is_truncated();
        let services = page
            .items
            .iter()
            .map(|s| iam::ServiceLastAccessed {
                service_name: s.name.clone(),
                last_authenticated: s.last,
                service_namespace: s.namespace.clone(),
                last_authenticated_entity: s.last_entity.clone(),
                last_authenticated_region: s.last_region.clone(),
                total_authenticated_entities: Some(i32::try_from(s.total_entities).unwrap_or(0)),
                tracked_actions_last_accessed: action_level.then(|| {
                    s.actions
                        .iter()
                        .map(|a| iam::TrackedActionLastAccessed {
                            action_name: Some(a.name.clone()),
                            last_accessed_entity: Some(a.entity.clone()),
                            last_accessed_time: Some(a.time),
                            last_accessed_region: Some(a.region.clone()),
                        })
                        .collect()
                }),
            })
            .collect();
        Ok(iam::GetServiceLastAccessedDetailsResponse {
            job_status: "COMPLETED".to_owned(),
            job_type: Some(job.granularity.clone()),
            job_creation_date: job.created,
            services_last_accessed: services,
            job_completion_date: job.completed,
            is_truncated: Some(truncated),
            marker: page.next,
            error: None,
        })
    }

    pub(crate) fn get_service_last_accessed_details_with_entities_op(
        &self,
        cx: &RequestCx,
        i: iam::GetServiceLastAccessedDetailsWithEntitiesRequest,
    ) -> Result<iam::GetServiceLastAccessedDetailsWithEntitiesResponse, ServiceError> {
        let job = self.last_accessed_job(cx, &i.job_id)?;
        let service = job
            .services
            .iter()
            .find(|s| s.namespace == i.service_namespace);
        let entities: Vec<&EntityAccessRecord> = service
            .map(|s| s.entities.iter().collect())
            .unwrap_or_default();
        let page = paginate(
            entities.into_iter().map(|e| (e.arn.clone(), e)),
            i.marker.as_deref(),
            i.max_items,
        )?;
        let truncated = page.is_truncated();
        Ok(iam::GetServiceLastAccessedDetailsWithEntitiesResponse {
            job_status: "COMPLETED".to_owned(),
            job_creation_date: job.created,
            job_completion_date: job.completed,
            entity_details_list: page
                .items
                .iter()
                .map(|e| iam::EntityDetails {
                    entity_info: iam::EntityInfo {
                        arn: e.arn.clone(),
                        name: e.name.clone(),
                        r#type: e.kind.clone(),
                        id: e.id.clone(),
                        path: Some(e.path.clone()),
                    },
                    last_authenticated: e.last,
                })
                .collect(),
            is_truncated: Some(truncated),
            marker: page.next,
            error: None,
        })
    }

    pub(crate) fn list_policies_granting_service_access_op(
        &self,
        cx: &RequestCx,
        i: iam::ListPoliciesGrantingServiceAccessRequest,
    ) -> Result<iam::ListPoliciesGrantingServiceAccessResponse, ServiceError> {
        let dir = self.read();
        let account = account(&dir, &cx.caller)?;
        if i.arn.contains(":policy/") {
            return Err(invalid_arn(&i.arn));
        }
        let subject = subject(account, &i.arn)?;
        let entries = i
            .service_namespaces
            .iter()
            .map(|namespace| {
                let policies = subject
                    .documents
                    .iter()
                    .filter(|(_, doc)| {
                        doc.as_ref()
                            .is_some_and(|d| granted_namespaces(d).contains(namespace))
                    })
                    .map(|(source, _)| {
                        let managed = matches!(
                            source.source_type,
                            SourceType::AwsManaged | SourceType::UserManaged
                        );
                        iam::PolicyGrantingServiceAccess {
                            policy_name: source.name.to_owned(),
                            policy_type: if managed { "MANAGED" } else { "INLINE" }.to_owned(),
                            policy_arn: managed.then(|| source.holder.to_owned()),
                            entity_type: (!managed).then(|| {
                                match source.source_type {
                                    SourceType::Group => "GROUP",
                                    SourceType::Role => "ROLE",
                                    _ => "USER",
                                }
                                .to_owned()
                            }),
                            entity_name: (!managed).then(|| source.holder.to_owned()),
                        }
                    })
                    .collect();
                iam::ListPoliciesGrantingServiceAccessEntry {
                    service_namespace: Some(namespace.clone()),
                    policies: Some(policies),
                }
            })
            .collect();
        Ok(iam::ListPoliciesGrantingServiceAccessResponse {
            policies_granting_service_access: entries,
            is_truncated: Some(false),
            marker: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_granted_by_allow_statements_only() {
        let doc = PolicyDocument::parse(
            r#"{"Version":"2012-10-17","Statement":[
                {"Effect":"Allow","Action":["s3:Get*","IAM:ListUsers"],"Resource":"*"},
                {"Effect":"Deny","Action":"ec2:*","Resource":"*"},
                {"Effect":"Allow","Action":"sq?:Send*","Resource":"*"}]}"#,
        )
        .unwrap();
        let got = granted_namespaces(&doc);
        assert!(got.contains("s3") && got.contains("iam") && got.contains("sqs"));
        assert!(!got.contains("ec2"));
        let all = PolicyDocument::parse(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#,
        )
        .unwrap();
        assert!(granted_namespaces(&all).len() > 300);
    }

    #[test]
    fn wildcards() {
        assert!(wildcard("*", "s3"));
        assert!(wildcard("s?s", "sqs"));
        assert!(wildcard("IAM", "iam"));
        assert!(!wildcard("s3", "s3express"));
        assert!(wildcard("s3*", "s3express"));
    }
}
