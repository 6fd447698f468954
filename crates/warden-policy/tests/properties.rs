#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failure
//! Properties of the evaluation logic over randomly generated policies and requests.

use proptest::prelude::*;
use warden_policy::{
    CompiledPolicy, Outcome, Policies, PolicySet, Principal, RequestContext, evaluate,
};

const ACTIONS: [&str; 8] = [
    "s3:*",
    "s3:Get*",
    "s3:GetObject",
    "ec2:Describe*",
    "*",
    "iam:?etUser",
    "S3:put*",
    "*:List*",
];
const REQUEST_ACTIONS: [&str; 7] = [
    "s3:GetObject",
    "s3:PutObject",
    "ec2:DescribeInstances",
    "iam:GetUser",
    "iam:SetUser",
    "sqs:SendMessage",
    "s3:ListBucket",
];
const RESOURCES: [&str; 6] = [
    "*",
    "arn:aws:s3:::bucket/*",
    "arn:aws:s3:::other/*",
    "arn:aws:s3:::bucket/${aws:username}/*",
    "arn:aws:*",
    "arn:aws:ec2:*:111122223333:instance/*",
];
const REQUEST_RESOURCES: [&str; 4] = [
    "arn:aws:s3:::bucket/alice/x",
    "arn:aws:s3:::other/y",
    "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
    "arn:aws:iam::111122223333:user/bob",
];
const CONDITIONS: [&str; 6] = [
    "",
    r#","Condition":{"StringEquals":{"aws:PrincipalTag/team":"red"}}"#,
    r#","Condition":{"StringNotEquals":{"aws:PrincipalTag/team":"blue"}}"#,
    r#","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}"#,
    r#","Condition":{"ForAllValues:StringLike":{"aws:TagKeys":["a*","b"]}}"#,
    r#","Condition":{"Null":{"aws:SourceIp":"false"},"Bool":{"aws:SecureTransport":"true"}}"#,
];
const PRINCIPALS: [&str; 4] = [
    r#""*""#,
    r#"{"AWS":"111122223333"}"#,
    r#"{"AWS":"arn:aws:iam::111122223333:user/alice"}"#,
    r#"{"AWS":"arn:aws:iam::111122223333:role/app"}"#,
];
const CALLERS: [&str; 4] = [
    "arn:aws:iam::111122223333:user/alice",
    "arn:aws:sts::111122223333:assumed-role/app/s",
    "arn:aws:iam::444455556666:user/carol",
    "arn:aws:iam::111122223333:root",
];

#[derive(Debug, Clone)]
struct Stmt {
    allow: bool,
    not_action: bool,
    action: usize,
    resource: usize,
    condition: usize,
    principal: usize,
}

impl Stmt {
    fn json(&self, with_principal: bool) -> String {
        let principal = if with_principal {
            format!(r#","Principal":{}"#, PRINCIPALS[self.principal])
        } else {
            String::new()
        };
        format!(
            r#"{{"Effect":"{}"{principal},"{}":"{}","Resource":"{}"{}}}"#,
            if self.allow { "Allow" } else { "Deny" },
            if self.not_action {
                "NotAction"
            } else {
                "Action"
            },
            ACTIONS[self.action],
            RESOURCES[self.resource],
            CONDITIONS[self.condition],
        )
    }
}

fn stmt() -> impl Strategy<Value = Stmt> {
    (
        any::<bool>(),
        prop::bool::weighted(0.2),
        0..ACTIONS.len(),
        0..RESOURCES.len(),
        0..CONDITIONS.len(),
        0..PRINCIPALS.len(),
    )
        .prop_map(
            |(allow, not_action, action, resource, condition, principal)| Stmt {
                allow,
                not_action,
                action,
                resource,
                condition,
                principal,
            },
        )
}

/// Policy sets by type: identity, resource, boundary, session, one SCP level.
#[derive(Debug, Clone)]
struct World {
    sets: [Option<Vec<Stmt>>; 5],
    caller: usize,
    action: usize,
    resource: usize,
    team: Option<&'static str>,
    tag_keys: Option<Vec<&'static str>>,
}

fn world() -> impl Strategy<Value = World> {
    let set = || proptest::option::weighted(0.6, prop::collection::vec(stmt(), 1..4));
    (
        [set(), set(), set(), set(), set()],
        0..CALLERS.len(),
        0..REQUEST_ACTIONS.len(),
        0..REQUEST_RESOURCES.len(),
        proptest::option::of(prop::sample::select(vec!["red", "blue"])),
        proptest::option::of(prop::collection::vec(
            prop::sample::select(vec!["a1", "b", "c"]),
            0..3,
        )),
    )
        .prop_map(|(sets, caller, action, resource, team, tag_keys)| World {
            sets,
            caller,
            action,
            resource,
            team,
            tag_keys,
        })
}

fn compile(stmts: &[Stmt], with_principal: bool) -> PolicySet {
    let body: Vec<String> = stmts.iter().map(|s| s.json(with_principal)).collect();
    let text = format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        body.join(",")
    );
    PolicySet::new([CompiledPolicy::parse(&text).unwrap()])
}

fn decide(w: &World) -> Outcome {
    let sets: Vec<Option<PolicySet>> = w
        .sets
        .iter()
        .enumerate()
        .map(|(i, s)| s.as_ref().map(|s| compile(s, i == 1)))
        .collect();
    let scps: Vec<PolicySet> = sets[4].iter().cloned().collect();
    let mut ctx = RequestContext::new(
        Principal::parse(CALLERS[w.caller]).unwrap(),
        REQUEST_ACTIONS[w.action],
        REQUEST_RESOURCES[w.resource],
    )
    .with_resource_account(Some("111122223333".into()));
    ctx.insert("aws:SourceIp", vec!["10.1.2.3".into()]);
    if let Some(team) = w.team {
        ctx.insert("aws:PrincipalTag/team", vec![team.into()]);
    }
    if let Some(keys) = &w.tag_keys {
        ctx.insert("aws:TagKeys", keys.iter().map(|k| k.to_string()).collect());
    }
    evaluate(
        &ctx,
        &Policies {
            identity: sets[0].as_ref(),
            resource: sets[1].as_ref(),
            permissions_boundary: sets[2].as_ref(),
            session: sets[3].as_ref(),
            scps: &scps,
            ..Policies::default()
        },
    )
    .outcome
}

/// Adds `extra` to the first existing set at or after `slot` (wrapping); false if none exists.
fn with_statement(w: &World, slot: usize, extra: Stmt) -> Option<World> {
    let mut w = w.clone();
    let n = w.sets.len();
    let i = (0..n)
        .map(|k| (slot + k) % n)
        .find(|&i| w.sets[i].is_some())?;
    w.sets[i].as_mut()?.push(extra);
    Some(w)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Adding a Deny statement never turns a deny into an allow.
    #[test]
    fn adding_a_deny_never_grants(w in world(), extra in stmt(), slot in 0usize..5) {
        let extra = Stmt { allow: false, ..extra };
        if let Some(w2) = with_statement(&w, slot, extra) {
            if decide(&w) != Outcome::Allowed {
                prop_assert_ne!(decide(&w2), Outcome::Allowed);
            }
            // And it never turns an explicit deny into anything else.
            if decide(&w) == Outcome::ExplicitDeny {
                prop_assert_eq!(decide(&w2), Outcome::ExplicitDeny);
            }
        }
    }

    /// Adding an Allow statement never turns an allow into a deny.
    #[test]
    fn adding_an_allow_never_denies(w in world(), extra in stmt(), slot in 0usize..5) {
        let extra = Stmt { allow: true, ..extra };
        if let Some(w2) = with_statement(&w, slot, extra)
            && decide(&w) == Outcome::Allowed {
                prop_assert_eq!(decide(&w2), Outcome::Allowed);
            }
    }

    /// `NotAction X` applies exactly where `Action X` does not.
    #[test]
    fn not_action_is_the_complement_of_action(action in 0..ACTIONS.len(), request in 0..REQUEST_ACTIONS.len()) {
        let outcome = |not_action| {
            let s = Stmt { allow: true, not_action, action, resource: 0, condition: 0, principal: 0 };
            let w = World {
                sets: [Some(vec![s]), None, None, None, None],
                caller: 0,
                action: request,
                resource: 0,
                team: None,
                tag_keys: None,
            };
            decide(&w) == Outcome::Allowed
        };
        prop_assert_ne!(outcome(false), outcome(true));
    }
}

/// Any string built from policy-ish fragments (valid or not).
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("*".to_owned()),
        "[a-z0-9:*?/${}'., -]{0,24}",
        Just("${aws:username}".to_owned()),
        Just("${aws:PrincipalTag/t, 'd'}".to_owned()),
        Just("arn:aws:s3:::b/*".to_owned()),
        Just("arn:*:*".to_owned()),
        Just("::::::".to_owned()),
        "\\PC{0,8}",
    ]
}

fn operator() -> impl Strategy<Value = String> {
    let names = prop::sample::select(vec![
        "StringEquals",
        "StringNotLike",
        "StringEqualsIgnoreCase",
        "NumericLessThan",
        "DateGreaterThan",
        "Bool",
        "BinaryEquals",
        "IpAddress",
        "NotIpAddress",
        "ArnLike",
        "ArnNotEquals",
        "Null",
    ]);
    (
        prop::sample::select(vec!["", "ForAllValues:", "ForAnyValue:"]),
        names,
        any::<bool>(),
    )
        .prop_map(|(q, n, if_exists)| {
            let suffix = if if_exists && n != "Null" {
                "IfExists"
            } else {
                ""
            };
            format!("{q}{n}{suffix}")
        })
}

fn arbitrary_policy() -> impl Strategy<Value = String> {
    let stmt = (
        any::<bool>(),
        prop::collection::vec(fragment(), 1..3),
        prop::collection::vec(fragment(), 1..3),
        prop::collection::vec(
            (
                operator(),
                fragment(),
                prop::collection::vec(fragment(), 0..3),
            ),
            0..3,
        ),
        any::<bool>(),
    )
        .prop_map(|(allow, actions, resources, conditions, negate)| {
            let conds: Vec<String> = conditions
                .iter()
                .map(|(op, key, values)| {
                    format!(
                        "{}:{{{}:{}}}",
                        json(op),
                        json(key),
                        serde_json::to_string(values).unwrap()
                    )
                })
                .collect();
            format!(
                r#"{{"Effect":"{}","Principal":"*","{}":{},"Resource":{},"Condition":{{{}}}}}"#,
                if allow { "Allow" } else { "Deny" },
                if negate { "NotAction" } else { "Action" },
                serde_json::to_string(&actions).unwrap(),
                serde_json::to_string(&resources).unwrap(),
                conds.join(",")
            )
        });
    (any::<bool>(), prop::collection::vec(stmt, 1..4)).prop_map(|(v2012, stmts)| {
        let version = if v2012 {
            r#""Version":"2012-10-17","#
        } else {
            ""
        };
        format!(r#"{{{version}"Statement":[{}]}}"#, stmts.join(","))
    })
}

fn json(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// The fuzz target's path, in the normal suite: arbitrary (often odd) policies, used as every
    /// policy type at once, evaluated against odd requests. Nothing may panic.
    #[test]
    fn evaluating_arbitrary_policies_never_panics(
        policy in arbitrary_policy(),
        action in fragment(),
        resource in fragment(),
        value in fragment(),
    ) {
        let Ok(compiled) = CompiledPolicy::parse(&policy) else { return Ok(()) };
        for kind in warden_policy::validate::PolicyKind::ALL {
            let _ = warden_policy::validate::validate_text(&policy, kind);
        }
        let set = PolicySet::new([compiled]);
        let levels = [set.clone()];
        for principal in CALLERS.iter().map(|c| Principal::parse(c).unwrap()).chain([Principal::anonymous()]) {
            let mut ctx = RequestContext::new(principal, &action, &resource);
            for key in ["aws:username", "aws:PrincipalTag/t", "aws:SourceIp", "aws:TagKeys", "aws:CurrentTime"] {
                ctx.insert(key, vec![value.clone(), value.clone()]);
            }
            let d = evaluate(&ctx, &Policies {
                identity: Some(&set), resource: Some(&set), permissions_boundary: Some(&set),
                session: Some(&set), scps: &levels, rcps: &levels, resource_policy_required: false,
            });
            let _ = d.denial_message(&ctx);
        }
    }
}
