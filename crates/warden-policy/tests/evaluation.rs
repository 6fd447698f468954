#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failure
//! Evaluation against the tables and rules of the IAM User Guide. Each test names the section it
//! follows. "Policy evaluation logic" pages:
//! - DENYALLOW = "How AWS enforcement code logic evaluates requests to allow or deny access"
//! - CROSS = "Cross-account policy evaluation logic"
//! - BOUNDARIES = "Permissions boundaries for IAM entities", evaluating effective permissions
//! - SESSION = "Policies and permissions in IAM", session policies

use warden_policy::{
    CompiledPolicy, Outcome, Policies, PolicySet, PolicyType, Principal, RequestContext, evaluate,
};

const ACCOUNT: &str = "111122223333";
const OTHER: &str = "444455556666";
const USER: &str = "arn:aws:iam::111122223333:user/alice";
const ROLE: &str = "arn:aws:iam::111122223333:role/app";
const SESSION: &str = "arn:aws:sts::111122223333:assumed-role/app/s1";
const FED: &str = "arn:aws:sts::111122223333:federated-user/bob";
const FED_USER: &str = "arn:aws:iam::111122223333:user/bob";
const BUCKET: &str = "arn:aws:s3:::bucket/key";

fn set(policies: &[&str]) -> PolicySet {
    PolicySet::new(policies.iter().enumerate().map(|(i, p)| {
        CompiledPolicy::parse(p)
            .unwrap_or_else(|e| panic!("policy {i}: {e}"))
            .with_name(format!("p{i}"))
    }))
}

fn allow(action: &str, resource: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"{action}","Resource":"{resource}"}}]}}"#
    )
}

fn deny(action: &str, resource: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","Action":"{action}","Resource":"{resource}"}}]}}"#
    )
}

/// A resource policy allowing `action` to the principals in `principal_json`.
fn grant(principal_json: &str, action: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"Grant","Effect":"Allow","Principal":{principal_json},"Action":"{action}","Resource":"{BUCKET}"}}]}}"#
    )
}

#[derive(Default)]
struct Case {
    identity: Option<PolicySet>,
    resource: Option<PolicySet>,
    boundary: Option<PolicySet>,
    session: Option<PolicySet>,
    scps: Vec<PolicySet>,
    rcps: Vec<PolicySet>,
    resource_policy_required: bool,
}

impl Case {
    fn identity(mut self, p: &str) -> Case {
        self.identity = Some(set(&[p]));
        self
    }
    fn no_identity(mut self) -> Case {
        self.identity = Some(set(&[]));
        self
    }
    fn resource(mut self, p: &str) -> Case {
        self.resource = Some(set(&[p]));
        self
    }
    fn boundary(mut self, p: &str) -> Case {
        self.boundary = Some(set(&[p]));
        self
    }
    fn session(mut self, p: &str) -> Case {
        self.session = Some(set(&[p]));
        self
    }
    fn scp(mut self, p: &str) -> Case {
        self.scps.push(set(&[p]));
        self
    }
    fn rcp(mut self, p: &str) -> Case {
        self.rcps.push(set(&[p]));
        self
    }
    fn trust(mut self) -> Case {
        self.resource_policy_required = true;
        self
    }

    fn run(
        &self,
        principal: Principal,
        action: &str,
        resource: &str,
        account: &str,
    ) -> (Outcome, Option<PolicyType>) {
        let ctx = RequestContext::new(principal, action, resource)
            .with_resource_account(Some(account.to_owned()));
        let d = evaluate(
            &ctx,
            &Policies {
                identity: self.identity.as_ref(),
                resource: self.resource.as_ref(),
                permissions_boundary: self.boundary.as_ref(),
                session: self.session.as_ref(),
                scps: &self.scps,
                rcps: &self.rcps,
                resource_policy_required: self.resource_policy_required,
            },
        );
        (d.outcome, d.decided_by)
    }

    /// `s3:GetObject` on the bucket, owned by `ACCOUNT`.
    fn get(&self, principal: &str) -> Outcome {
        self.run(p(principal), "s3:GetObject", BUCKET, ACCOUNT).0
    }
}

fn p(arn: &str) -> Principal {
    Principal::parse(arn).unwrap()
}

fn fed() -> Principal {
    p(FED).with_parent_user(FED_USER)
}

use Outcome::{Allowed, ExplicitDeny, ImplicitDeny};

#[test]
fn implicit_deny_by_default_and_identity_allow() {
    assert_eq!(Case::default().no_identity().get(USER), ImplicitDeny);
    assert_eq!(
        Case::default()
            .identity(&allow("s3:GetObject", "*"))
            .get(USER),
        Allowed
    );
    assert_eq!(
        Case::default()
            .identity(&allow("s3:PutObject", "*"))
            .get(USER),
        ImplicitDeny
    );
    // Actions are case-insensitive.
    assert_eq!(
        Case::default()
            .identity(&allow("S3:getobject", "*"))
            .get(USER),
        Allowed
    );
    // Resources are case-sensitive.
    assert_eq!(
        Case::default()
            .identity(&allow("s3:GetObject", "arn:aws:s3:::BUCKET/*"))
            .get(USER),
        ImplicitDeny
    );
}

/// DENYALLOW, deny evaluation: "If the enforcement code finds even one explicit deny that
/// applies, the enforcement code returns a final decision of Deny."
#[test]
fn explicit_deny_wins_in_every_policy_type() {
    let a = allow("s3:*", "*");
    let d = deny("s3:GetObject", "*");
    let base = || Case::default().identity(&a);
    let cases = [
        (base().identity(&d), PolicyType::Identity),
        (base().resource(r#"{"Statement":{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*"}}"#), PolicyType::Resource),
        (base().boundary(&d), PolicyType::PermissionsBoundary),
        (base().session(&d), PolicyType::Session),
        (base().scp(&d), PolicyType::ServiceControl),
        (base().rcp(r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"*"}]}"#), PolicyType::ResourceControl),
    ];
    for (case, t) in cases {
        let principal = if t == PolicyType::Session {
            SESSION
        } else {
            USER
        };
        assert_eq!(
            case.run(p(principal), "s3:GetObject", BUCKET, ACCOUNT),
            (ExplicitDeny, Some(t))
        );
    }
    // A deny in the identity policy beats a resource policy naming the user directly.
    let c = Case::default()
        .identity(&d)
        .resource(&grant(&format!(r#"{{"AWS":"{USER}"}}"#), "s3:GetObject"));
    assert_eq!(c.get(USER), ExplicitDeny);
    // Even the root user is bound by explicit denies and SCPs.
    let root = "arn:aws:iam::111122223333:root";
    assert_eq!(Case::default().get(root), Allowed);
    assert_eq!(Case::default().scp(&d).get(root), ExplicitDeny);
    assert_eq!(
        Case::default().scp(&allow("ec2:*", "*")).get(root),
        ImplicitDeny
    );
}

/// DENYALLOW, RCPs and SCPs: every level must contain an applicable Allow.
#[test]
fn every_scp_and_rcp_level_must_allow() {
    let a = allow("s3:*", "*");
    let full = allow("*", "*");
    let only_ec2 = allow("ec2:*", "*");
    let c = Case::default().identity(&a).scp(&full).scp(&a).scp(&full);
    assert_eq!(c.get(USER), Allowed);
    let c = Case::default().identity(&a).scp(&full).scp(&only_ec2);
    assert_eq!(
        c.run(p(USER), "s3:GetObject", BUCKET, ACCOUNT),
        (ImplicitDeny, Some(PolicyType::ServiceControl))
    );
    let rcp_full =
        r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}}"#;
    let rcp_ec2 =
        r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"ec2:*","Resource":"*"}}"#;
    assert_eq!(
        Case::default().identity(&a).rcp(rcp_full).get(USER),
        Allowed
    );
    let c = Case::default().identity(&a).rcp(rcp_full).rcp(rcp_ec2);
    assert_eq!(
        c.run(p(USER), "s3:GetObject", BUCKET, ACCOUNT),
        (ImplicitDeny, Some(PolicyType::ResourceControl))
    );
    // A resource policy naming the caller directly cannot get past an SCP.
    let c = Case::default()
        .no_identity()
        .scp(&only_ec2)
        .resource(&grant(&format!(r#"{{"AWS":"{USER}"}}"#), "s3:*"));
    assert_eq!(c.get(USER), ImplicitDeny);
}

/// DENYALLOW, resource-based policies, "IAM user": "resource-based policies that grant
/// permissions to an IAM user ARN (that is not a federated user session) are not limited by an
/// implicit deny in an identity-based policy or permissions boundary."
#[test]
fn same_account_resource_policy_naming_the_user() {
    let rbp = grant(&format!(r#"{{"AWS":"{USER}"}}"#), "s3:GetObject");
    assert_eq!(
        Case::default().no_identity().resource(&rbp).get(USER),
        Allowed
    );
    let c = Case::default()
        .no_identity()
        .resource(&rbp)
        .boundary(&allow("ec2:*", "*"));
    assert_eq!(c.get(USER), Allowed);
    // A boundary's explicit deny still wins.
    let c = Case::default()
        .no_identity()
        .resource(&rbp)
        .boundary(&deny("s3:*", "*"));
    assert_eq!(c.get(USER), ExplicitDeny);
    // Another user is not named.
    assert_eq!(
        Case::default()
            .no_identity()
            .resource(&rbp)
            .get("arn:aws:iam::111122223333:user/mallory"),
        ImplicitDeny
    );
}

/// DENYALLOW, "IAM role": "Resource-based policies that grant permissions to an IAM role ARN are
/// limited by an implicit deny in a permissions boundary or session policy." Rows of the
/// empirical table reproduced from that rule (boundary / role policy / resource policy → result).
#[test]
fn same_account_resource_policy_naming_the_role() {
    let rbp = grant(&format!(r#"{{"AWS":"{ROLE}"}}"#), "s3:GetObject");
    let pb_allow = allow("s3:*", "*");
    let pb_other = allow("ec2:*", "*");
    let id = allow("s3:GetObject", "*");
    // (boundary, identity, resource) → outcome
    type Row<'a> = (Option<&'a str>, Option<&'a str>, Option<&'a str>, Outcome);
    let rows: [Row<'_>; 7] = [
        (Some(&pb_other), None, Some(&rbp), ImplicitDeny),
        (Some(&pb_allow), Some(&id), None, Allowed),
        (Some(&pb_allow), None, Some(&rbp), Allowed),
        (Some(&pb_allow), Some(&id), Some(&rbp), Allowed),
        (Some(&pb_allow), None, None, ImplicitDeny),
        (Some(&pb_other), Some(&id), None, ImplicitDeny),
        (Some(&pb_other), Some(&id), Some(&rbp), ImplicitDeny),
    ];
    for (i, (pb, idp, rp, want)) in rows.into_iter().enumerate() {
        let mut c = Case::default().no_identity();
        if let Some(pb) = pb {
            c = c.boundary(pb);
        }
        if let Some(idp) = idp {
            c = c.identity(idp);
        }
        if let Some(rp) = rp {
            c = c.resource(rp);
        }
        assert_eq!(c.get(SESSION), want, "row {i}");
    }
    // No boundary: the role ARN grant bypasses the identity policy's implicit deny.
    assert_eq!(
        Case::default().no_identity().resource(&rbp).get(SESSION),
        Allowed
    );
    // SESSION: with the role ARN named, the session policy limits the grant.
    let c = Case::default()
        .no_identity()
        .resource(&rbp)
        .session(&allow("ec2:*", "*"));
    assert_eq!(
        c.run(p(SESSION), "s3:GetObject", BUCKET, ACCOUNT),
        (ImplicitDeny, Some(PolicyType::Session))
    );
}

/// DENYALLOW, "IAM role session": "Permissions granted directly to a session are not limited by
/// an implicit deny in an identity-based policy, a permissions boundary, or session policy."
#[test]
fn same_account_resource_policy_naming_the_session() {
    let rbp = grant(&format!(r#"{{"AWS":"{SESSION}"}}"#), "s3:GetObject");
    let c = Case::default()
        .no_identity()
        .resource(&rbp)
        .boundary(&allow("ec2:*", "*"))
        .session(&allow("ec2:*", "*"));
    assert_eq!(c.get(SESSION), Allowed);
    // Another session of the same role is not named.
    assert_eq!(
        c.get("arn:aws:sts::111122223333:assumed-role/app/s2"),
        ImplicitDeny
    );
}

/// DENYALLOW, "AWS STS federated user principal": naming the federated user ARN grants directly;
/// naming the IAM user who federated is "limited by an implicit deny in a permission boundary or
/// session policy". DENYALLOW step 7: a federated session without session policies is denied.
#[test]
fn same_account_federated_user() {
    let direct = grant(&format!(r#"{{"AWS":"{FED}"}}"#), "s3:GetObject");
    let parent = grant(&format!(r#"{{"AWS":"{FED_USER}"}}"#), "s3:GetObject");
    let run = |c: &Case| c.run(fed(), "s3:GetObject", BUCKET, ACCOUNT).0;
    assert_eq!(
        run(&Case::default().no_identity().resource(&direct)),
        Allowed
    );
    assert_eq!(
        run(&Case::default()
            .no_identity()
            .resource(&direct)
            .session(&allow("ec2:*", "*"))),
        Allowed
    );
    assert_eq!(
        run(&Case::default()
            .no_identity()
            .resource(&parent)
            .session(&allow("ec2:*", "*"))),
        ImplicitDeny
    );
    assert_eq!(
        run(&Case::default()
            .no_identity()
            .resource(&parent)
            .session(&allow("s3:*", "*"))),
        Allowed
    );
    // Identity policy allows, but no session policy was passed: no permissions.
    assert_eq!(
        run(&Case::default().identity(&allow("s3:*", "*"))),
        ImplicitDeny
    );
    assert_eq!(
        run(&Case::default()
            .identity(&allow("s3:*", "*"))
            .session(&allow("s3:GetObject", "*"))),
        Allowed
    );
}

/// "Principal" element, AWS account principals: naming the account "delegates authority to the
/// account", so identity policies must also allow, within the account too.
#[test]
fn naming_the_account_delegates_to_identity_policies() {
    for named in [
        format!(r#"{{"AWS":"{ACCOUNT}"}}"#),
        format!(r#"{{"AWS":"arn:aws:iam::{ACCOUNT}:root"}}"#),
    ] {
        let rbp = grant(&named, "s3:GetObject");
        assert_eq!(
            Case::default().no_identity().resource(&rbp).get(USER),
            ImplicitDeny
        );
        assert_eq!(
            Case::default()
                .identity(&allow("s3:GetObject", "*"))
                .resource(&rbp)
                .get(USER),
            Allowed
        );
    }
}

/// "Principal" element, all principals: `"*"` grants everyone, anonymous callers included.
#[test]
fn wildcard_principal_and_anonymous_callers() {
    let public = grant(r#""*""#, "s3:GetObject");
    let anon = Principal::anonymous();
    assert_eq!(
        Case::default()
            .resource(&public)
            .run(anon.clone(), "s3:GetObject", BUCKET, ACCOUNT)
            .0,
        Allowed
    );
    assert_eq!(
        Case::default()
            .run(anon.clone(), "s3:GetObject", BUCKET, ACCOUNT)
            .0,
        ImplicitDeny
    );
    // Naming an account never matches anonymous callers.
    let acct = grant(&format!(r#"{{"AWS":"{ACCOUNT}"}}"#), "s3:GetObject");
    assert_eq!(
        Case::default()
            .resource(&acct)
            .run(anon, "s3:GetObject", BUCKET, ACCOUNT)
            .0,
        ImplicitDeny
    );
    assert_eq!(
        Case::default().no_identity().resource(&public).get(USER),
        Allowed
    );
    assert_eq!(
        Case::default()
            .no_identity()
            .resource(&grant(r#"{"AWS":"*"}"#, "s3:GetObject"))
            .get(USER),
        Allowed
    );
}

/// CROSS: "The request is allowed only if both evaluations return a decision of Allow."
#[test]
fn cross_account_needs_both_sides() {
    let remote_user = "arn:aws:iam::444455556666:user/carol";
    let rbp_user = grant(&format!(r#"{{"AWS":"{remote_user}"}}"#), "s3:GetObject");
    let rbp_account = grant(&format!(r#"{{"AWS":"{OTHER}"}}"#), "s3:GetObject");
    let id = allow("s3:GetObject", "*");
    let run = |c: &Case| c.run(p(remote_user), "s3:GetObject", BUCKET, ACCOUNT);
    assert_eq!(
        run(&Case::default().no_identity().resource(&rbp_user)),
        (ImplicitDeny, Some(PolicyType::Identity))
    );
    assert_eq!(
        run(&Case::default().identity(&id)),
        (ImplicitDeny, Some(PolicyType::Resource))
    );
    assert_eq!(
        run(&Case::default().identity(&id).resource(&rbp_user)).0,
        Allowed
    );
    assert_eq!(
        run(&Case::default().identity(&id).resource(&rbp_account)).0,
        Allowed
    );
    // The principal's side: boundary and SCP of the caller's account apply.
    assert_eq!(
        run(&Case::default()
            .identity(&id)
            .resource(&rbp_user)
            .boundary(&allow("ec2:*", "*")))
        .1,
        Some(PolicyType::PermissionsBoundary)
    );
    assert_eq!(
        run(&Case::default()
            .identity(&id)
            .resource(&rbp_user)
            .scp(&allow("ec2:*", "*")))
        .0,
        ImplicitDeny
    );
    // The resource side's explicit deny decides.
    let rbp_deny = format!(
        r#"{{"Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{OTHER}"}},"Action":"s3:*","Resource":"*"}},{{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"*"}}]}}"#
    );
    assert_eq!(
        run(&Case::default().identity(&id).resource(&rbp_deny)).0,
        ExplicitDeny
    );
    // Another account's root user needs the resource policy too.
    let other_root = "arn:aws:iam::444455556666:root";
    assert_eq!(
        Case::default()
            .run(p(other_root), "s3:GetObject", BUCKET, ACCOUNT)
            .0,
        ImplicitDeny
    );
    assert_eq!(
        Case::default()
            .resource(&rbp_account)
            .run(p(other_root), "s3:GetObject", BUCKET, ACCOUNT)
            .0,
        Allowed
    );
}

/// DENYALLOW: "IAM role trust policies and KMS key policies are exceptions to this logic,
/// because they must explicitly allow access for principals."
#[test]
fn trust_policies_must_allow_the_caller() {
    let role_arn = "arn:aws:iam::111122223333:role/target";
    let trust = |principal: &str| {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{principal},"Action":"sts:AssumeRole"}}]}}"#
        )
    };
    let id = allow("sts:AssumeRole", role_arn);
    let run = |c: &Case| c.run(p(USER), "sts:AssumeRole", role_arn, ACCOUNT).0;
    // Naming the caller's ARN suffices.
    assert_eq!(
        run(&Case::default()
            .no_identity()
            .trust()
            .resource(&trust(&format!(r#"{{"AWS":"{USER}"}}"#)))),
        Allowed
    );
    // Naming the account needs the caller's identity policy too.
    let acct = trust(&format!(r#"{{"AWS":"{ACCOUNT}"}}"#));
    assert_eq!(
        run(&Case::default().no_identity().trust().resource(&acct)),
        ImplicitDeny
    );
    assert_eq!(
        run(&Case::default().identity(&id).trust().resource(&acct)),
        Allowed
    );
    // An identity policy alone is not enough.
    let other = trust(r#"{"AWS":"arn:aws:iam::111122223333:user/someone"}"#);
    assert_eq!(
        run(&Case::default().identity(&id).trust().resource(&other)),
        ImplicitDeny
    );
    // A service principal is allowed by the trust policy alone.
    let svc = trust(r#"{"Service":"ec2.amazonaws.com"}"#);
    assert_eq!(
        Case::default()
            .trust()
            .resource(&svc)
            .run(p("ec2.amazonaws.com"), "sts:AssumeRole", role_arn, ACCOUNT)
            .0,
        Allowed
    );
}

/// BOUNDARIES: the effective permissions are the intersection of identity policy and boundary.
#[test]
fn permissions_boundary_intersects_identity() {
    let id = allow("s3:*", "*");
    assert_eq!(
        Case::default()
            .identity(&id)
            .boundary(&allow("s3:Get*", "*"))
            .get(USER),
        Allowed
    );
    let c = Case::default()
        .identity(&id)
        .boundary(&allow("s3:Put*", "*"));
    assert_eq!(
        c.run(p(USER), "s3:GetObject", BUCKET, ACCOUNT),
        (ImplicitDeny, Some(PolicyType::PermissionsBoundary))
    );
    // A boundary grants nothing by itself.
    assert_eq!(
        Case::default()
            .no_identity()
            .boundary(&allow("*", "*"))
            .get(USER),
        ImplicitDeny
    );
}

/// SESSION: "The resulting session's permissions are the intersection of the session policies
/// and … the identity-based policy."
#[test]
fn session_policies_intersect_identity() {
    let id = allow("s3:*", "*");
    assert_eq!(
        Case::default()
            .identity(&id)
            .session(&allow("s3:GetObject", "*"))
            .get(SESSION),
        Allowed
    );
    assert_eq!(
        Case::default()
            .identity(&id)
            .session(&allow("s3:PutObject", "*"))
            .get(SESSION),
        ImplicitDeny
    );
    // No session policy: the role's permissions.
    assert_eq!(Case::default().identity(&id).get(SESSION), Allowed);
    // A session policy grants nothing by itself.
    assert_eq!(
        Case::default()
            .no_identity()
            .session(&allow("*", "*"))
            .get(SESSION),
        ImplicitDeny
    );
}

/// NotPrincipal: "The NotPrincipal element with a Deny effect will always deny any IAM principal
/// that has a permissions boundary policy attached" (BOUNDARIES, important box).
#[test]
fn not_principal_deny() {
    let policy = |listed: &str| {
        format!(
            r#"{{"Statement":[{{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}},{{"Effect":"Deny","NotPrincipal":{{"AWS":{listed}}},"Action":"s3:*","Resource":"*"}}]}}"#
        )
    };
    let exempt = policy(&format!(r#"["{USER}","{ACCOUNT}"]"#));
    assert_eq!(
        Case::default().no_identity().resource(&exempt).get(USER),
        Allowed
    );
    assert_eq!(
        Case::default()
            .no_identity()
            .resource(&exempt)
            .get("arn:aws:iam::111122223333:user/x"),
        ExplicitDeny
    );
    // Without the account listed the user is not exempt.
    let user_only = policy(&format!(r#"["{USER}"]"#));
    assert_eq!(
        Case::default().no_identity().resource(&user_only).get(USER),
        ExplicitDeny
    );
    // With a boundary, never exempt.
    let c = Case::default()
        .no_identity()
        .resource(&exempt)
        .boundary(&allow("*", "*"));
    assert_eq!(c.get(USER), ExplicitDeny);
}

/// Policy variables in Resource: "the resource that includes a policy variable with no value will
/// not match any resource"; without Version 2012-10-17 the variable is literal text.
#[test]
fn variables_in_resources() {
    let home = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::home/${aws:username}/*"}}"#;
    let c = Case::default().identity(home);
    assert_eq!(
        c.run(
            p(USER),
            "s3:GetObject",
            "arn:aws:s3:::home/alice/f",
            ACCOUNT
        )
        .0,
        Allowed
    );
    assert_eq!(
        c.run(p(USER), "s3:GetObject", "arn:aws:s3:::home/bob/f", ACCOUNT)
            .0,
        ImplicitDeny
    );
    // A role session has no aws:username: the resource matches nothing, and the key is reported.
    let ctx = RequestContext::new(p(SESSION), "s3:GetObject", "arn:aws:s3:::home/alice/f");
    let policies = c.identity.as_ref();
    let d = evaluate(
        &ctx,
        &Policies {
            identity: policies,
            ..Policies::default()
        },
    );
    assert_eq!(d.outcome, ImplicitDeny);
    assert_eq!(d.missing_context_keys, vec!["aws:username"]);
    let legacy = r#"{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::home/${aws:username}/*"}}"#;
    let c = Case::default().identity(legacy);
    assert_eq!(
        c.run(
            p(USER),
            "s3:GetObject",
            "arn:aws:s3:::home/alice/f",
            ACCOUNT
        )
        .0,
        ImplicitDeny
    );
    assert_eq!(
        c.run(
            p(USER),
            "s3:GetObject",
            "arn:aws:s3:::home/${aws:username}/f",
            ACCOUNT
        )
        .0,
        Allowed
    );
}

/// `NotAction` and `NotResource` apply to everything they do not list.
#[test]
fn not_action_and_not_resource() {
    let p1 = r#"{"Statement":{"Effect":"Allow","NotAction":"iam:*","NotResource":"arn:aws:s3:::secret/*"}}"#;
    let c = Case::default().identity(p1);
    assert_eq!(c.get(USER), Allowed);
    assert_eq!(
        c.run(p(USER), "iam:CreateUser", "*", ACCOUNT).0,
        ImplicitDeny
    );
    assert_eq!(
        c.run(p(USER), "s3:GetObject", "arn:aws:s3:::secret/x", ACCOUNT)
            .0,
        ImplicitDeny
    );
}

/// Decisions carry their reasons: the matching statements and AWS's denial message.
#[test]
fn decisions_explain_themselves() {
    let id = set(&[
        r#"{"Statement":[{"Sid":"Read","Effect":"Allow","Action":"s3:Get*","Resource":"*"},{"Sid":"NoSecrets","Effect":"Deny","Action":"s3:*","Resource":"arn:aws:s3:::bucket/*","Condition":{"StringEquals":{"aws:PrincipalTag/clearance":"low"}}}]}"#,
    ]);
    let mut ctx = RequestContext::new(p(USER), "s3:GetObject", BUCKET);
    let d = evaluate(
        &ctx,
        &Policies {
            identity: Some(&id),
            ..Policies::default()
        },
    );
    assert_eq!(d.outcome, Allowed);
    assert_eq!(d.matched_statements.len(), 1);
    assert_eq!(d.matched_statements[0].sid, Some("Read"));
    assert_eq!(d.matched_statements[0].policy_name, Some("p0"));
    assert_eq!(d.missing_context_keys, vec!["aws:PrincipalTag/clearance"]);
    ctx.insert("aws:PrincipalTag/clearance", vec!["low".into()]);
    let d = evaluate(
        &ctx,
        &Policies {
            identity: Some(&id),
            ..Policies::default()
        },
    );
    assert_eq!(d.outcome, ExplicitDeny);
    assert_eq!(d.matched_statements.len(), 2);
    assert_eq!(d.matched_statements[1].statement_index, 1);
    assert_eq!(
        d.denial_message(&ctx).unwrap(),
        "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::bucket/key with an explicit deny in an identity-based policy"
    );
    let ctx = RequestContext::new(p(USER), "s3:PutObject", BUCKET);
    let d = evaluate(
        &ctx,
        &Policies {
            identity: Some(&id),
            ..Policies::default()
        },
    );
    assert_eq!(
        d.denial_message(&ctx).unwrap(),
        "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: s3:PutObject on resource: arn:aws:s3:::bucket/key because no identity-based policy allows the s3:PutObject action"
    );
}
