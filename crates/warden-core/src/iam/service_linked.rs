//! Service-linked roles: roles that an AWS service creates for itself, under
//! `/aws-service-role/SERVICE/`, trusting only that service and changeable only as AWS allows.

use warden_protocol::ServiceError;
use warden_protocol::iam::{self, errors};
use warden_store::{Change, DeletionTaskRecord, Object, ObjectKey, ObjectKind, RoleRecord};

use super::{account, find_role, stamp};
use crate::{Core, RequestCx, ids};

/// Role names AWS gives some services' linked roles. Other services get
/// `AWSServiceRoleFor` + the service's first label with its first letter raised.
const KNOWN_NAMES: [(&str, &str); 16] = [
    ("autoscaling.amazonaws.com", "AWSServiceRoleForAutoScaling"),
    (
        "elasticbeanstalk.amazonaws.com",
        "AWSServiceRoleForElasticBeanstalk",
    ),
    (
        "elasticloadbalancing.amazonaws.com",
        "AWSServiceRoleForElasticLoadBalancing",
    ),
    ("ecs.amazonaws.com", "AWSServiceRoleForECS"),
    ("eks.amazonaws.com", "AWSServiceRoleForAmazonEKS"),
    ("rds.amazonaws.com", "AWSServiceRoleForRDS"),
    (
        "organizations.amazonaws.com",
        "AWSServiceRoleForOrganizations",
    ),
    ("cloudtrail.amazonaws.com", "AWSServiceRoleForCloudTrail"),
    ("config.amazonaws.com", "AWSServiceRoleForConfig"),
    (
        "guardduty.amazonaws.com",
        "AWSServiceRoleForAmazonGuardDuty",
    ),
    ("spot.amazonaws.com", "AWSServiceRoleForEC2Spot"),
    ("ssm.amazonaws.com", "AWSServiceRoleForAmazonSSM"),
    ("support.amazonaws.com", "AWSServiceRoleForSupport"),
    (
        "trustedadvisor.amazonaws.com",
        "AWSServiceRoleForTrustedAdvisor",
    ),
    (
        "dynamodb.application-autoscaling.amazonaws.com",
        "AWSServiceRoleForApplicationAutoScaling_DynamoDBTable",
    ),
    (
        "access-analyzer.amazonaws.com",
        "AWSServiceRoleForAccessAnalyzer",
    ),
];

/// The role name AWS gives a service's linked role.
pub(crate) fn role_name(service: &str, suffix: Option<&str>) -> String {
    let base = match KNOWN_NAMES.iter().find(|(s, _)| *s == service) {
        Some((_, name)) => (*name).to_owned(),
        None => {
            let label = service.split('.').next().unwrap_or(service);
            let mut chars = label.chars();
            let capitalised: String = match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect(),
                None => String::new(),
            };
            format!("AWSServiceRoleFor{capitalised}")
        }
    };
    match suffix {
        Some(suffix) => format!("{base}_{suffix}"),
        None => base,
    }
}

/// The trust policy AWS writes for a service-linked role.
fn trust_policy(service: &str) -> String {
    format!(
        "{{\"Version\":\"2012-10-17\",\"Statement\":[{{\"Effect\":\"Allow\",\"Principal\":\
         {{\"Service\":[\"{service}\"]}},\"Action\":[\"sts:AssumeRole\"]}}]}}"
    )
}

fn invalid_service(service: &str) -> ServiceError {
    ServiceError::new(
        errors::INVALID_INPUT,
        format!("Service role name cannot be generated for service {service}."),
    )
}

impl Core {
    pub(crate) async fn create_service_linked_role_op(
        &self,
        cx: &RequestCx,
        i: iam::CreateServiceLinkedRoleRequest,
    ) -> Result<iam::CreateServiceLinkedRoleResponse, ServiceError> {
        let service = i.aws_service_name;
        let label_ok = |l: &str| {
            !l.is_empty()
                && l.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        };
        let Some(host) = service.strip_suffix(".amazonaws.com") else {
            return Err(invalid_service(&service));
        };
        if !host.split('.').all(label_ok) {
            return Err(invalid_service(&service));
        }
        let record = RoleRecord {
            role_id: String::new(),
            account_id: String::new(),
            name: role_name(&service, i.custom_suffix.as_deref()),
            path: format!("/aws-service-role/{service}/"),
            created: stamp(cx),
            description: i.description,
            max_session_duration: 3600,
            trust_policy: trust_policy(&service),
            trust_principals: Vec::new(),
            permissions_boundary: None,
            tags: Vec::new(),
            last_used: None,
        };
        let role = self.create_role_record(cx, record).await?;
        Ok(iam::CreateServiceLinkedRoleResponse { role: Some(role) })
    }

    /// AWS deletes asynchronously after checking the service no longer uses the role; Warden
    /// has no service using it, so the task has succeeded by the time its id is returned.
    pub(crate) async fn delete_service_linked_role_op(
        &self,
        cx: &RequestCx,
        i: iam::DeleteServiceLinkedRoleRequest,
    ) -> Result<iam::DeleteServiceLinkedRoleResponse, ServiceError> {
        let _writer = self.writer.lock().await;
        let (role_id, task) = {
            let dir = self.read();
            let account = account(&dir, &cx.caller)?;
            let role = find_role(account, &i.role_name)?;
            if !role.is_service_linked() {
                return Err(ServiceError::new(
                    errors::INVALID_INPUT,
                    format!(
                        "Role {} is not a service-linked role; use DeleteRole.",
                        role.record.name
                    ),
                ));
            }
            super::roles::check_role_deletable(role)?;
            let service_path = role.record.path.trim_start_matches('/');
            let task = DeletionTaskRecord {
                deletion_task_id: format!(
                    "task/{service_path}{}/{}",
                    role.record.name,
                    ids::uuid().map_err(|_| ServiceError::internal())?
                ),
                account_id: account.id().to_owned(),
                status: "SUCCEEDED".to_owned(),
                created: stamp(cx),
            };
            (role.record.role_id.clone(), task)
        };
        let deletion_task_id = task.deletion_task_id.clone();
        self.commit(vec![
            Change::DeleteObject(ObjectKey {
                kind: ObjectKind::Role,
                id: role_id,
            }),
            Change::PutObject(Object::DeletionTask(task)),
        ])
        .await?;
        Ok(iam::DeleteServiceLinkedRoleResponse { deletion_task_id })
    }

    pub(crate) fn get_service_linked_role_deletion_status_op(
        &self,
        cx: &RequestCx,
        i: iam::GetServiceLinkedRoleDeletionStatusRequest,
    ) -> Result<iam::GetServiceLinkedRoleDeletionStatusResponse, ServiceError> {
        let dir = self.read();
        let task = account(&dir, &cx.caller)?
            .deletion_tasks
            .get(&i.deletion_task_id)
            .ok_or_else(|| {
                ServiceError::new(
                    errors::NO_SUCH_ENTITY,
                    format!("Deletion task {} cannot be found.", i.deletion_task_id),
                )
            })?;
        Ok(iam::GetServiceLinkedRoleDeletionStatusResponse {
            status: task.status.clone(),
            reason: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_linked_role_names() {
        assert_eq!(
            role_name("elasticbeanstalk.amazonaws.com", None),
            "AWSServiceRoleForElasticBeanstalk"
        );
        assert_eq!(role_name("lex.amazonaws.com", None), "AWSServiceRoleForLex");
        assert_eq!(
            role_name("autoscaling.amazonaws.com", Some("web")),
            "AWSServiceRoleForAutoScaling_web"
        );
    }
}
