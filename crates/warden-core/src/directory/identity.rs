//! Each identity's effective policies, compiled: what a user or role may do is its inline and
//! attached managed policies (and, for a user, its groups'), limited by its permissions boundary.
//! Whatever changes one of those inputs recompiles the identities it reaches.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use warden_policy::{CompiledPolicy, PolicySet};
use warden_store::EntityRef;

use super::{Account, InlinePolicy};

/// Where one of an identity's policies comes from, in the IAM policy simulator's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SourceType {
    User,
    Group,
    Role,
    AwsManaged,
    UserManaged,
}

impl SourceType {
    /// `SourcePolicyType` in a simulation result.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            SourceType::User => "user",
            SourceType::Group => "group",
            SourceType::Role => "role",
            SourceType::AwsManaged => "aws-managed",
            SourceType::UserManaged => "user-managed",
        }
    }
}

/// One policy that bears on an identity: what the simulator reports, and what the live path
/// compiles. Both read the same list, so they cannot disagree about which policies apply.
#[derive(Debug, Clone)]
pub(crate) struct SourcePolicy<'a> {
    /// The policy's name (inline or managed).
    pub name: &'a str,
    pub source_type: SourceType,
    /// The name the compiled policy carries in decisions: `user/NAME`, `group/GROUP/NAME`,
    /// `role/NAME`, or a managed policy's ARN.
    pub label: String,
    /// For a managed policy, its ARN; for an inline policy, the name of the user, group or
    /// role that holds it.
    pub holder: &'a str,
    pub document: &'a str,
    pub compiled: Option<&'a CompiledPolicy>,
}

impl SourcePolicy<'_> {
    fn compiled_named(&self) -> Option<CompiledPolicy> {
        Some(self.compiled?.clone().with_name(self.label.clone()))
    }
}

fn inline<'a>(
    source_type: SourceType,
    prefix: String,
    holder: &'a str,
    policies: &'a BTreeMap<String, InlinePolicy>,
) -> impl Iterator<Item = SourcePolicy<'a>> + 'a {
    policies.values().map(move |p| SourcePolicy {
        name: &p.name,
        source_type,
        label: format!("{prefix}/{}", p.name),
        holder,
        document: &p.document,
        compiled: p.compiled.as_ref(),
    })
}

impl Account {
    /// An attached (or boundary) managed policy, labelled by its ARN.
    fn managed_source<'a>(&'a self, arn: &'a str) -> Option<SourcePolicy<'a>> {
        let policy = self.managed_by_arn(arn)?;
        Some(SourcePolicy {
            name: &policy.record.name,
            source_type: if super::is_aws_managed_arn(arn) {
                SourceType::AwsManaged
            } else {
                SourceType::UserManaged
            },
            label: arn.to_owned(),
            holder: &policy.arn,
            document: policy.default_document()?,
            compiled: policy.compiled.as_ref(),
        })
    }

    fn managed_compiled(&self, arn: &str) -> Option<CompiledPolicy> {
        self.managed_source(arn)?.compiled_named()
    }

    fn attached<'a>(
        &'a self,
        arns: &'a BTreeSet<String>,
    ) -> impl Iterator<Item = SourcePolicy<'a>> + 'a {
        arns.iter().filter_map(|arn| self.managed_source(arn))
    }

    /// A user's identity policies, in the order its compiled set holds them: its inline
    /// policies, its attached policies, then each group's inline and attached policies.
    pub(crate) fn user_sources<'a>(&'a self, user: &'a super::User) -> Vec<SourcePolicy<'a>> {
        let name = user.record.name.as_str();
        let mut sources: Vec<SourcePolicy<'a>> =
            inline(SourceType::User, "user".to_owned(), name, &user.policies)
                .chain(self.attached(&user.attached))
                .collect();
        for group_id in &user.groups {
            if let Some(group) = self.group_by_id(group_id) {
                sources.extend(self.group_sources(group));
            }
        }
        sources
    }

    /// A group's own policies: inline, then attached.
    pub(crate) fn group_sources<'a>(&'a self, group: &'a super::Group) -> Vec<SourcePolicy<'a>> {
        let name = group.record.name.as_str();
        inline(
            SourceType::Group,
            format!("group/{name}"),
            name,
            &group.policies,
        )
        .chain(self.attached(&group.attached))
        .collect()
    }

    /// A role's identity policies: inline, then attached.
    pub(crate) fn role_sources<'a>(&'a self, role: &'a super::Role) -> Vec<SourcePolicy<'a>> {
        let name = role.record.name.as_str();
        inline(SourceType::Role, "role".to_owned(), name, &role.policies)
            .chain(self.attached(&role.attached))
            .collect()
    }

    /// A permissions boundary's policy, by ARN.
    pub(crate) fn boundary_source<'a>(&'a self, arn: Option<&'a str>) -> Option<SourcePolicy<'a>> {
        self.managed_source(arn?)
    }

    /// The boundary's policy set. A boundary whose policy cannot be found grants nothing: an
    /// entity with a boundary is never less restricted than its boundary says.
    fn boundary_set(&self, arn: Option<&str>) -> Option<Arc<PolicySet>> {
        let arn = arn?;
        Some(Arc::new(PolicySet::new(self.managed_compiled(arn))))
    }

    /// Recompiles a user's identity policies and boundary.
    pub(super) fn refresh_user(&mut self, user_id: &str) {
        let Some(user) = self.user_by_id(user_id) else {
            return;
        };
        let policies: Vec<CompiledPolicy> = self
            .user_sources(user)
            .iter()
            .filter_map(SourcePolicy::compiled_named)
            .collect();
        let identity = Arc::new(PolicySet::new(policies));
        let boundary = self.boundary_set(user.record.permissions_boundary.as_deref());
        if let Some(user) = self.user_by_id_mut(user_id) {
            user.identity = identity;
            user.boundary = boundary;
        }
    }

    pub(super) fn refresh_role(&mut self, role_id: &str) {
        let Some(role) = self.roles.by_id(role_id) else {
            return;
        };
        let policies: Vec<CompiledPolicy> = self
            .role_sources(role)
            .iter()
            .filter_map(SourcePolicy::compiled_named)
            .collect();
        let identity = Arc::new(PolicySet::new(policies));
        let boundary = self.boundary_set(role.record.permissions_boundary.as_deref());
        if let Some(role) = self.roles.by_id_mut(role_id) {
            role.identity = identity;
            role.boundary = boundary;
        }
    }

    /// Recompiles what depends on `entity`: the user or role, or every member of the group.
    pub(super) fn refresh(&mut self, entity: &EntityRef) {
        match entity {
            EntityRef::User(id) => self.refresh_user(id),
            EntityRef::Role(id) => self.refresh_role(id),
            EntityRef::Group(id) => {
                let members = self
                    .group_by_id(id)
                    .map(|g| g.members.clone())
                    .unwrap_or_default();
                for member in members {
                    self.refresh_user(&member);
                }
            }
        }
    }

    /// Recompiles everyone a managed policy reaches, as an attachment or a boundary.
    pub(super) fn refresh_policy_users(&mut self, arn: &str) {
        let Some(policy) = self.managed_by_arn(arn) else {
            return;
        };
        let reached: Vec<EntityRef> = policy
            .attached_to
            .iter()
            .chain(&policy.boundary_of)
            .cloned()
            .collect();
        for entity in reached {
            self.refresh(&entity);
        }
    }

    /// Records that `entity`'s boundary moved from `old` to `new`, for the policies' usage counts.
    pub(super) fn move_boundary(
        &mut self,
        entity: &EntityRef,
        old: Option<&str>,
        new: Option<&str>,
    ) {
        if old == new {
            return;
        }
        if let Some(policy) = old.and_then(|arn| self.managed_by_arn_mut(arn)) {
            policy.boundary_of.remove(entity);
        }
        if let Some(policy) = new.and_then(|arn| self.managed_by_arn_mut(arn)) {
            policy.boundary_of.insert(entity.clone());
        }
    }

    /// Forgets a deleted entity in the usage sets of every managed policy.
    pub(super) fn forget_in_policies(&mut self, entity: &EntityRef) {
        for policy in self
            .managed
            .by_name
            .values_mut()
            .chain(self.aws_policies.values_mut())
        {
            policy.attached_to.remove(entity);
            policy.boundary_of.remove(entity);
        }
    }
}
