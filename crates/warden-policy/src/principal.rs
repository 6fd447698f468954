//! Who is making a request, and how a policy's `Principal` element names them.
//!
//! A resource-based policy can name the caller directly (the user, role session or federated user
//! ARN), name its parent (the role a session came from, the IAM user who federated) or name its
//! account. Which of these matched decides which implicit denies still apply (IAM User Guide,
//! "How AWS enforcement code logic evaluates requests", resource-based policies).

use std::fmt;

use crate::arn::Arn;
use crate::document::{PrincipalElement, PrincipalType, Principals};

/// The kind of caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PrincipalKind {
    /// An unauthenticated caller.
    Anonymous,
    /// The account root user.
    Root,
    /// An IAM user.
    User,
    /// An IAM role acting as itself (the IAM policy simulator evaluates roles this way).
    Role,
    /// A role session (`arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`).
    AssumedRole,
    /// A federated user session from `GetFederationToken`.
    FederatedUser,
    /// An AWS service principal such as `ec2.amazonaws.com`.
    Service,
    /// A web identity (OIDC) provider, as seen by a trust policy.
    WebIdentity,
    /// A SAML provider, as seen by a trust policy.
    Saml,
}

impl PrincipalKind {
    /// The value of `aws:PrincipalType` for this kind, where AWS defines one.
    pub fn aws_principal_type(self) -> Option<&'static str> {
        match self {
            PrincipalKind::Anonymous => Some("Anonymous"),
            PrincipalKind::Root => Some("Account"),
            PrincipalKind::User => Some("User"),
            PrincipalKind::AssumedRole | PrincipalKind::Role => Some("AssumedRole"),
            PrincipalKind::FederatedUser => Some("FederatedUser"),
            _ => None,
        }
    }

    /// Callers that IAM identity policies can apply to.
    pub fn is_iam_identity(self) -> bool {
        matches!(
            self,
            PrincipalKind::User
                | PrincipalKind::Role
                | PrincipalKind::AssumedRole
                | PrincipalKind::FederatedUser
        )
    }
}

/// The caller of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    kind: PrincipalKind,
    /// The caller's ARN (or service name / provider for non-IAM callers).
    arn: String,
    partition: String,
    account: Option<String>,
    /// For a role session or role: the role's name (paths are not part of session ARNs).
    role_name: Option<String>,
    /// For a federated user: the IAM user who called `GetFederationToken`, when known.
    parent_user_arn: Option<String>,
}

/// Why a principal string was not understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "principal `{0}` is not an IAM user, role, assumed-role session, federated user, root user, service principal, identity provider or `*`"
)]
pub struct PrincipalError(String);

const WEB_IDENTITY_HOSTS: [&str; 4] = [
    "cognito-identity.amazonaws.com",
    "www.amazon.com",
    "graph.facebook.com",
    "accounts.google.com",
];

impl Principal {
    /// An anonymous caller.
    pub fn anonymous() -> Principal {
        Principal {
            kind: PrincipalKind::Anonymous,
            arn: "*".to_owned(),
            partition: "aws".to_owned(),
            account: None,
            role_name: None,
            parent_user_arn: None,
        }
    }

    /// An IAM user of `account` whose name is not known: the IAM policy simulator's caller
    /// when none is given. It has no ARN, so `aws:PrincipalArn` and `aws:username` stay absent.
    pub fn unnamed_user(partition: &str, account: &str) -> Principal {
        Principal {
            kind: PrincipalKind::User,
            arn: String::new(),
            partition: partition.to_owned(),
            account: Some(account.to_owned()),
            role_name: None,
            parent_user_arn: None,
        }
    }

    /// Reads a caller from its ARN (or `*` / `anonymous`, a service principal, or an identity
    /// provider).
    pub fn parse(text: &str) -> Result<Principal, PrincipalError> {
        let err = || PrincipalError(text.to_owned());
        if text == "*" || text.eq_ignore_ascii_case("anonymous") {
            return Ok(Principal::anonymous());
        }
        let simple = |kind| Principal {
            kind,
            arn: text.to_owned(),
            partition: "aws".to_owned(),
            account: None,
            role_name: None,
            parent_user_arn: None,
        };
        if WEB_IDENTITY_HOSTS.contains(&text) {
            return Ok(simple(PrincipalKind::WebIdentity));
        }
        if !text.starts_with("arn:") {
            if text.ends_with(".amazonaws.com") || text.ends_with(".amazonaws.com.cn") {
                return Ok(simple(PrincipalKind::Service));
            }
            return Err(err());
        }
        let arn = Arn::parse(text).map_err(|_| err())?;
        if arn.account.len() != 12 || !arn.account.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err());
        }
        let (kind, role_name) = match (arn.service, arn.resource) {
            ("iam", "root") => (PrincipalKind::Root, None),
            ("iam", r) if r.starts_with("user/") => (PrincipalKind::User, None),
            ("iam", r) if r.starts_with("role/") => {
                (PrincipalKind::Role, r.rsplit('/').next().map(str::to_owned))
            }
            ("iam", r) if r.starts_with("saml-provider/") => (PrincipalKind::Saml, None),
            ("iam", r) if r.starts_with("oidc-provider/") => (PrincipalKind::WebIdentity, None),
            ("sts", r) if r.starts_with("assumed-role/") => {
                let mut parts = r.splitn(3, '/').skip(1);
                match (parts.next(), parts.next()) {
                    (Some(role), Some(session)) if !role.is_empty() && !session.is_empty() => {
                        (PrincipalKind::AssumedRole, Some(role.to_owned()))
                    }
                    _ => return Err(err()),
                }
            }
            ("sts", r) if r.starts_with("federated-user/") && r.len() > 15 => {
                (PrincipalKind::FederatedUser, None)
            }
            _ => return Err(err()),
        };
        if matches!(kind, PrincipalKind::User | PrincipalKind::Role) && arn.resource.ends_with('/')
        {
            return Err(err());
        }
        Ok(Principal {
            kind,
            arn: text.to_owned(),
            partition: arn.partition.to_owned(),
            account: Some(arn.account.to_owned()),
            role_name,
            parent_user_arn: None,
        })
    }

    /// Records the IAM user who created a federated user session, so that resource policies
    /// naming that user apply to the session (limited by its session policy).
    pub fn with_parent_user(mut self, user_arn: &str) -> Principal {
        if self.kind == PrincipalKind::FederatedUser {
            self.parent_user_arn = Some(user_arn.to_owned());
        }
        self
    }

    pub fn kind(&self) -> PrincipalKind {
        self.kind
    }

    pub fn arn(&self) -> &str {
        &self.arn
    }

    pub fn account(&self) -> Option<&str> {
        self.account.as_deref()
    }

    pub fn partition(&self) -> &str {
        &self.partition
    }

    /// The role ARN as `aws:PrincipalArn` reports it for a role session.
    pub fn role_arn(&self) -> Option<String> {
        match (self.kind, &self.role_name, &self.account) {
            (PrincipalKind::AssumedRole, Some(role), Some(account)) => {
                Some(format!("arn:{}:iam::{account}:role/{role}", self.partition))
            }
            (PrincipalKind::Role, _, _) => Some(self.arn.clone()),
            _ => None,
        }
    }

    /// The value of `aws:PrincipalArn`: the role ARN for role sessions, otherwise the caller.
    pub fn principal_arn(&self) -> String {
        self.role_arn().unwrap_or_else(|| self.arn.clone())
    }

    /// The value of `aws:username` (IAM users only).
    pub fn user_name(&self) -> Option<&str> {
        match self.kind {
            PrincipalKind::User => self.arn.rsplit('/').next().filter(|n| !n.is_empty()),
            _ => None,
        }
    }
}

impl fmt::Display for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.arn)
    }
}

/// How a `Principal` element matched the caller, from weakest to strongest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PrincipalMatch {
    None,
    /// The caller's account: delegation, the caller's identity policies must also allow.
    Account,
    /// The role of a role session, or the IAM user behind a federated user session: limited by
    /// the permissions boundary and session policy.
    Parent,
    /// The caller itself (or `*`): not limited by implicit denies in other policy types.
    Direct,
}

/// A compiled `Principal`/`NotPrincipal` element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrincipalMatcher {
    negated: bool,
    any: bool,
    accounts: Vec<String>,
    arns: Vec<String>,
    /// `(account, role name)` of the role ARNs named, compared without the path.
    roles: Vec<(String, String)>,
    services: Vec<String>,
    federated: Vec<String>,
    canonical: Vec<String>,
}

impl PrincipalMatcher {
    pub fn new(element: &PrincipalElement) -> PrincipalMatcher {
        let mut m = PrincipalMatcher {
            negated: element.negated,
            any: false,
            accounts: Vec::new(),
            arns: Vec::new(),
            roles: Vec::new(),
            services: Vec::new(),
            federated: Vec::new(),
            canonical: Vec::new(),
        };
        let typed = match &element.principals {
            Principals::Any => {
                m.any = true;
                return m;
            }
            Principals::Typed(typed) => typed,
        };
        for (kind, values) in typed {
            for value in values {
                match kind {
                    PrincipalType::Aws => m.add_aws(value),
                    PrincipalType::Service => m.services.push(value.clone()),
                    PrincipalType::Federated => m.federated.push(value.clone()),
                    PrincipalType::CanonicalUser => m.canonical.push(value.clone()),
                }
            }
        }
        m
    }

    fn add_aws(&mut self, value: &str) {
        if value == "*" {
            self.any = true;
        } else if value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit()) {
            self.accounts.push(value.to_owned());
        } else if let Ok(arn) = Arn::parse(value) {
            if arn.service == "iam" && arn.resource == "root" {
                self.accounts.push(arn.account.to_owned());
            } else {
                if arn.service == "iam"
                    && arn.resource.starts_with("role/")
                    && let Some(name) = arn.resource.rsplit('/').next()
                {
                    self.roles.push((arn.account.to_owned(), name.to_owned()));
                }
                self.arns.push(value.to_owned());
            }
        } else {
            self.arns.push(value.to_owned());
        }
    }

    /// Whether this is `NotPrincipal`.
    pub fn is_negated(&self) -> bool {
        self.negated
    }

    /// How the listed principals name the caller (ignoring negation).
    pub fn match_principal(&self, p: &Principal) -> PrincipalMatch {
        if self.any {
            return PrincipalMatch::Direct;
        }
        let account_named = p
            .account
            .as_deref()
            .is_some_and(|a| self.accounts.iter().any(|x| x == a));
        match p.kind {
            PrincipalKind::Anonymous => PrincipalMatch::None,
            PrincipalKind::Root => {
                if account_named || self.arns.contains(&p.arn) {
                    PrincipalMatch::Direct
                } else {
                    PrincipalMatch::None
                }
            }
            PrincipalKind::Service => self.listed(&self.services, &p.arn),
            PrincipalKind::WebIdentity | PrincipalKind::Saml => {
                self.listed(&self.federated, &p.arn)
            }
            PrincipalKind::User | PrincipalKind::AssumedRole => {
                if self.arns.contains(&p.arn) {
                    PrincipalMatch::Direct
                } else if self.names_role_of(p) {
                    PrincipalMatch::Parent
                } else if account_named {
                    PrincipalMatch::Account
                } else {
                    PrincipalMatch::None
                }
            }
            PrincipalKind::Role => {
                if self.names_role_of(p) {
                    PrincipalMatch::Parent
                } else if account_named {
                    PrincipalMatch::Account
                } else {
                    PrincipalMatch::None
                }
            }
            PrincipalKind::FederatedUser => {
                if self.arns.contains(&p.arn) {
                    PrincipalMatch::Direct
                } else if p
                    .parent_user_arn
                    .as_deref()
                    .is_some_and(|u| self.arns.iter().any(|a| a == u))
                {
                    PrincipalMatch::Parent
                } else if account_named {
                    PrincipalMatch::Account
                } else {
                    PrincipalMatch::None
                }
            }
        }
    }

    fn listed(&self, list: &[String], value: &str) -> PrincipalMatch {
        if list.iter().any(|x| x == value) {
            PrincipalMatch::Direct
        } else {
            PrincipalMatch::None
        }
    }

    fn names_role_of(&self, p: &Principal) -> bool {
        match (&p.role_name, &p.account) {
            (Some(name), Some(account)) => {
                self.roles.iter().any(|(a, n)| a == account && n == name)
            }
            _ => false,
        }
    }

    /// For `NotPrincipal`: whether the caller is exempt. AWS checks the account, then the role,
    /// then the session, so every one of them must be listed ("you must also specify the account
    /// ARN of the not-denied principal", IAM User Guide, NotPrincipal).
    pub fn excludes(&self, p: &Principal) -> bool {
        if self.any {
            return true;
        }
        let account_listed = p
            .account
            .as_deref()
            .is_some_and(|a| self.accounts.iter().any(|x| x == a));
        let arn_listed = self.arns.contains(&p.arn);
        match p.kind {
            PrincipalKind::Anonymous => false,
            PrincipalKind::Root => account_listed,
            PrincipalKind::Service => self.services.contains(&p.arn),
            PrincipalKind::WebIdentity | PrincipalKind::Saml => self.federated.contains(&p.arn),
            PrincipalKind::User | PrincipalKind::FederatedUser => account_listed && arn_listed,
            PrincipalKind::Role => account_listed && self.names_role_of(p),
            PrincipalKind::AssumedRole => account_listed && self.names_role_of(p) && arn_listed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matcher(json: &str) -> PrincipalMatcher {
        let doc = crate::PolicyDocument::parse(&format!(
            r#"{{"Statement":{{"Effect":"Allow","Principal":{json},"Action":"*","Resource":"*"}}}}"#
        ))
        .unwrap();
        PrincipalMatcher::new(doc.statements[0].principal.as_ref().unwrap())
    }

    fn p(arn: &str) -> Principal {
        Principal::parse(arn).unwrap()
    }

    #[test]
    fn parses_caller_kinds() {
        assert_eq!(
            p("arn:aws:iam::111122223333:root").kind(),
            PrincipalKind::Root
        );
        assert_eq!(
            p("arn:aws:iam::111122223333:user/a/b").kind(),
            PrincipalKind::User
        );
        assert_eq!(
            p("arn:aws:iam::111122223333:user/a/b").user_name(),
            Some("b")
        );
        let s = p("arn:aws-cn:sts::111122223333:assumed-role/R/s");
        assert_eq!(s.kind(), PrincipalKind::AssumedRole);
        assert_eq!(s.principal_arn(), "arn:aws-cn:iam::111122223333:role/R");
        assert_eq!(
            p("arn:aws:sts::111122223333:federated-user/bob").kind(),
            PrincipalKind::FederatedUser
        );
        assert_eq!(p("ec2.amazonaws.com").kind(), PrincipalKind::Service);
        assert_eq!(p("accounts.google.com").kind(), PrincipalKind::WebIdentity);
        assert_eq!(p("*").kind(), PrincipalKind::Anonymous);
        for bad in [
            "bob",
            "arn:aws:iam::1:user/x",
            "arn:aws:sts::111122223333:assumed-role/R",
            "arn:aws:s3:::bucket",
            "arn:aws:iam::111122223333:user/",
        ] {
            assert!(Principal::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn match_strength_depends_on_what_is_named() {
        let session = p("arn:aws:sts::111122223333:assumed-role/R/s");
        assert_eq!(
            matcher(r#"{"AWS":"arn:aws:sts::111122223333:assumed-role/R/s"}"#)
                .match_principal(&session),
            PrincipalMatch::Direct
        );
        // The role's path is not in the session ARN; roles are compared by account and name.
        assert_eq!(
            matcher(r#"{"AWS":"arn:aws:iam::111122223333:role/path/R"}"#).match_principal(&session),
            PrincipalMatch::Parent
        );
        assert_eq!(
            matcher(r#"{"AWS":"111122223333"}"#).match_principal(&session),
            PrincipalMatch::Account
        );
        assert_eq!(
            matcher(r#"{"AWS":"arn:aws:iam::111122223333:root"}"#).match_principal(&session),
            PrincipalMatch::Account
        );
        assert_eq!(
            matcher(r#"{"AWS":"444455556666"}"#).match_principal(&session),
            PrincipalMatch::None
        );
        assert_eq!(
            matcher(r#""*""#).match_principal(&Principal::anonymous()),
            PrincipalMatch::Direct
        );
        assert_eq!(
            matcher(r#"{"AWS":"111122223333"}"#).match_principal(&Principal::anonymous()),
            PrincipalMatch::None
        );
        let fed = p("arn:aws:sts::111122223333:federated-user/bob")
            .with_parent_user("arn:aws:iam::111122223333:user/bob");
        assert_eq!(
            matcher(r#"{"AWS":"arn:aws:iam::111122223333:user/bob"}"#).match_principal(&fed),
            PrincipalMatch::Parent
        );
        assert_eq!(
            matcher(r#"{"Service":["ec2.amazonaws.com"]}"#)
                .match_principal(&p("ec2.amazonaws.com")),
            PrincipalMatch::Direct
        );
    }

    /// IAM User Guide, NotPrincipal: the account, the role and the session must all be listed.
    #[test]
    fn not_principal_needs_every_level_listed() {
        let session = p("arn:aws:sts::111122223333:assumed-role/R/s");
        let only_session = matcher(r#"{"AWS":"arn:aws:sts::111122223333:assumed-role/R/s"}"#);
        assert!(!only_session.excludes(&session));
        let all = matcher(
            r#"{"AWS":["arn:aws:sts::111122223333:assumed-role/R/s","arn:aws:iam::111122223333:role/R","arn:aws:iam::111122223333:root"]}"#,
        );
        assert!(all.excludes(&session));
        let user = p("arn:aws:iam::111122223333:user/a");
        assert!(!matcher(r#"{"AWS":"arn:aws:iam::111122223333:user/a"}"#).excludes(&user));
        assert!(
            matcher(r#"{"AWS":["arn:aws:iam::111122223333:user/a","111122223333"]}"#)
                .excludes(&user)
        );
    }
}
