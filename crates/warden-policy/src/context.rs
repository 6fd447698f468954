//! The request context: who asks to do what to which resource, and the context keys.
//!
//! Context values are strings; each condition operator reads them as its own type, as AWS does.
//! Key names are case-insensitive, tag-key suffixes included, so keys are stored lowercased.

use std::collections::HashMap;

use crate::arn::ArnParts;
use crate::pattern::VariableSource;
use crate::principal::Principal;

/// The values of one context key, with its name as first given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextEntry {
    pub name: String,
    pub values: Vec<String>,
}

/// Everything a policy decision reads.
#[derive(Debug, Clone)]
pub struct RequestContext {
    principal: Principal,
    action: String,
    action_lower: String,
    resource: String,
    resource_account: Option<String>,
    keys: HashMap<String, ContextEntry>,
}

impl RequestContext {
    /// A request by `principal` to perform `action` on `resource`. The context starts with the
    /// keys AWS derives from the caller (`aws:PrincipalArn`, `aws:PrincipalAccount`,
    /// `aws:PrincipalType`, `aws:username`); [`insert`](Self::insert) overrides them.
    pub fn new(principal: Principal, action: &str, resource: &str) -> RequestContext {
        let mut ctx = RequestContext {
            action_lower: action.to_ascii_lowercase(),
            action: action.to_owned(),
            resource: resource.to_owned(),
            resource_account: None,
            // A service request carries a dozen or so keys; sized once, never rehashed.
            keys: HashMap::with_capacity(16),
            principal,
        };
        ctx.derive_principal_keys();
        ctx
    }

    fn derive_principal_keys(&mut self) {
        if self.principal.kind().is_iam_identity()
            || self.principal.kind() == crate::principal::PrincipalKind::Root
        {
            let arn = self.principal.principal_arn();
            if !arn.is_empty() {
                self.insert("aws:PrincipalArn", vec![arn]);
            }
            if let Some(account) = self.principal.account().map(str::to_owned) {
                self.insert("aws:PrincipalAccount", vec![account]);
            }
        }
        if let Some(kind) = self.principal.kind().aws_principal_type() {
            self.insert("aws:PrincipalType", vec![kind.to_owned()]);
        }
        if let Some(name) = self.principal.user_name().map(str::to_owned) {
            self.insert("aws:username", vec![name]);
        }
    }

    /// The account that owns the resource; defaults to the caller's account.
    pub fn with_resource_account(mut self, account: Option<String>) -> RequestContext {
        self.resource_account = account;
        self
    }

    /// Sets a context key (any previous values of the key are replaced).
    pub fn insert(&mut self, key: &str, values: Vec<String>) {
        let lower = if key.is_ascii() {
            key.to_ascii_lowercase()
        } else {
            key.to_lowercase()
        };
        self.keys.insert(
            lower,
            ContextEntry {
                name: key.to_owned(),
                values,
            },
        );
    }

    /// The values of a key; `key_lower` must already be lowercase.
    pub fn values(&self, key_lower: &str) -> Option<&[String]> {
        self.keys.get(key_lower).map(|e| e.values.as_slice())
    }

    pub fn principal(&self) -> &Principal {
        &self.principal
    }

    pub fn action(&self) -> &str {
        &self.action
    }

    /// The action, lowercased: actions are case-insensitive.
    pub fn action_lower(&self) -> &str {
        &self.action_lower
    }

    /// The service prefix of the action, lowercased (`s3` for `s3:GetObject`).
    pub fn service_lower(&self) -> &str {
        self.action_lower
            .split_once(':')
            .map_or(self.action_lower.as_str(), |(s, _)| s)
    }

    pub fn resource(&self) -> &str {
        &self.resource
    }

    pub(crate) fn resource_parts(&self) -> ArnParts<'_> {
        ArnParts::split(&self.resource)
    }

    /// The account owning the resource, when known.
    pub fn resource_account(&self) -> Option<&str> {
        self.resource_account.as_deref()
    }

    /// Whether the caller and the resource are in the same account. An unknown resource
    /// account means the caller's own; anonymous callers and services have no account.
    pub fn is_same_account(&self) -> bool {
        match (self.principal.account(), self.resource_account.as_deref()) {
            (Some(_), None) => true,
            (Some(p), Some(r)) => p == r,
            (None, _) => false,
        }
    }
}

impl VariableSource for RequestContext {
    /// Only single-valued keys can be policy variables ("you can't use a multivalued condition
    /// key as a variable", IAM User Guide, policy variables).
    fn variable(&self, key: &str) -> Option<&str> {
        match self.values(key) {
            Some([single]) => Some(single),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derives_principal_keys_and_ignores_key_case() {
        let p = Principal::parse("arn:aws:sts::111122223333:assumed-role/R/s").unwrap();
        let mut ctx = RequestContext::new(p, "S3:GetObject", "arn:aws:s3:::b/k");
        assert_eq!(
            ctx.values("aws:principalarn"),
            Some(&["arn:aws:iam::111122223333:role/R".to_owned()][..])
        );
        assert_eq!(ctx.values("aws:principaltype").unwrap()[0], "AssumedRole");
        assert_eq!(ctx.action_lower(), "s3:getobject");
        assert_eq!(ctx.service_lower(), "s3");
        ctx.insert("aws:PrincipalTag/Team", vec!["red".into()]);
        assert_eq!(ctx.variable("aws:principaltag/team"), Some("red"));
        ctx.insert("aws:TagKeys", vec!["a".into(), "b".into()]);
        assert_eq!(ctx.variable("aws:tagkeys"), None);
        assert!(ctx.is_same_account());
        let ctx = ctx.with_resource_account(Some("444455556666".into()));
        assert!(!ctx.is_same_account());
    }

    #[test]
    fn an_unnamed_user_has_only_its_account() {
        let p = Principal::unnamed_user("aws", "111122223333");
        let ctx = RequestContext::new(p, "s3:GetObject", "*");
        assert_eq!(ctx.values("aws:principalarn"), None);
        assert_eq!(ctx.values("aws:username"), None);
        assert_eq!(
            ctx.values("aws:principalaccount").unwrap()[0],
            "111122223333"
        );
        assert_eq!(ctx.values("aws:principaltype").unwrap()[0], "User");
        assert!(ctx.is_same_account());
    }

    #[test]
    fn users_get_a_username() {
        let p = Principal::parse("arn:aws:iam::111122223333:user/dev/alice").unwrap();
        let ctx = RequestContext::new(p, "iam:GetUser", "*");
        assert_eq!(ctx.variable("aws:username"), Some("alice"));
        assert!(
            !RequestContext::new(Principal::anonymous(), "s3:GetObject", "*").is_same_account()
        );
    }
}
