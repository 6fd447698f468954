//! Each identity's effective policies, compiled: what a user or role may do is its inline and
//! attached managed policies (and, for a user, its groups'), limited by its permissions boundary.
//! Whatever changes one of those inputs recompiles the identities it reaches.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use warden_policy::{CompiledPolicy, PolicySet};
use warden_store::EntityRef;

use super::{Account, InlinePolicy};

fn inline<'a>(
    prefix: &'a str,
    policies: &'a BTreeMap<String, InlinePolicy>,
) -> impl Iterator<Item = CompiledPolicy> + 'a {
    policies.values().filter_map(move |p| {
        let compiled = p.compiled.clone()?;
        Some(compiled.with_name(format!("{prefix}/{}", p.name)))
    })
}

impl Account {
    /// The default version of an attached policy, named by its ARN.
    fn managed_compiled(&self, arn: &str) -> Option<CompiledPolicy> {
        let compiled = self.managed_by_arn(arn)?.compiled.clone()?;
        Some(compiled.with_name(arn))
    }

    fn attached<'a>(
        &'a self,
        arns: &'a BTreeSet<String>,
    ) -> impl Iterator<Item = CompiledPolicy> + 'a {
        arns.iter().filter_map(|arn| self.managed_compiled(arn))
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
        let mut policies: Vec<CompiledPolicy> = inline("user", &user.policies)
            .chain(self.attached(&user.attached))
            .collect();
        for group_id in &user.groups {
            if let Some(group) = self.group_by_id(group_id) {
                let prefix = format!("group/{}", group.record.name);
                policies.extend(inline(&prefix, &group.policies));
                policies.extend(self.attached(&group.attached));
            }
        }
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
        let policies: Vec<CompiledPolicy> = inline("role", &role.policies)
            .chain(self.attached(&role.attached))
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
