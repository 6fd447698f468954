#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The IAM policy simulator through `Core::handle_iam`: result shapes (sources, positions,
//! boundary and organizations details, resource-specific results, pagination), errors, context
//! keys, its own authorization, and — the point of it — agreement with the live path: every
//! case is decided once by simulation and once by a real request as the user.

use std::sync::Arc;

use time::OffsetDateTime;
use warden_core::{Caller, Config, Core, MasterKey, RequestCx, RequestInfo};
use warden_policy::Principal;
use warden_protocol::ServiceError;
use warden_protocol::iam::{self, Request, Response};
use warden_store::SqliteStore;

const ACCOUNT: &str = "123456789012";

async fn core() -> Core {
    let config = Config {
        account_id: Some(ACCOUNT.into()),
        root_key: Some((
            "AKIAROOTROOTROOT0001".into(),
            "rootsecretrootsecretrootsecretrootsecret".into(),
        )),
        ..Config::default()
    };
    let store = Arc::new(SqliteStore::open_url("sqlite::memory:").await.unwrap());
    let key = MasterKey::from_bytes(&[9u8; 32]).unwrap();
    Core::open(store, key, config, OffsetDateTime::now_utc())
        .await
        .unwrap()
        .0
}

fn info() -> RequestInfo {
    RequestInfo {
        now: OffsetDateTime::now_utc(),
        source_ip: Some("10.0.0.1".parse().unwrap()),
        user_agent: Some("test".into()),
        secure_transport: true,
        region: "us-east-1".into(),
    }
}

fn cx(arn: &str, user_id: Option<String>) -> RequestCx {
    RequestCx {
        caller: Caller {
            account_id: ACCOUNT.into(),
            user_id,
            principal: Principal::parse(arn).unwrap(),
            arn: arn.into(),
            access_key_id: "AKIAROOTROOTROOT0001".into(),
            tags: Vec::new(),
            session: None,
        },
        info: info(),
    }
}

fn root() -> RequestCx {
    cx(&format!("arn:aws:iam::{ACCOUNT}:root"), None)
}

fn as_user(user: &iam::User) -> RequestCx {
    cx(&user.arn, Some(user.user_id.clone()))
}

async fn ok(core: &Core, request: Request) -> Response {
    core.handle_iam(&root(), request).await.unwrap()
}

async fn create_user(core: &Core, name: &str) -> iam::User {
    match ok(
        core,
        Request::CreateUser(iam::CreateUserRequest {
            user_name: name.into(),
            ..Default::default()
        }),
    )
    .await
    {
        Response::CreateUser(r) => r.user.unwrap(),
        other => panic!("{other:?}"),
    }
}

async fn put_user_policy(core: &Core, user: &str, name: &str, document: &str) {
    ok(
        core,
        Request::PutUserPolicy(iam::PutUserPolicyRequest {
            user_name: user.into(),
            policy_name: name.into(),
            policy_document: document.into(),
        }),
    )
    .await;
}

fn statement(effect: &str, action: &str, resource: &str, condition: &str) -> String {
    let condition = if condition.is_empty() {
        String::new()
    } else {
        format!(r#","Condition":{condition}"#)
    };
    format!(r#"{{"Effect":"{effect}","Action":"{action}","Resource":"{resource}"{condition}}}"#)
}

fn policy(statements: &[String]) -> String {
    format!(
        "{{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {}\n  ]\n}}",
        statements.join(",\n    ")
    )
}

fn simulate_principal(arn: &str, actions: &[&str]) -> iam::SimulatePrincipalPolicyRequest {
    iam::SimulatePrincipalPolicyRequest {
        policy_source_arn: arn.into(),
        action_names: actions.iter().map(|a| (*a).to_owned()).collect(),
        ..Default::default()
    }
}

async fn simulate(
    core: &Core,
    request: iam::SimulatePrincipalPolicyRequest,
) -> Result<iam::SimulatePolicyResponse, ServiceError> {
    match core
        .handle_iam(&root(), Request::SimulatePrincipalPolicy(request))
        .await?
    {
        Response::SimulatePrincipalPolicy(r) => Ok(r),
        other => panic!("{other:?}"),
    }
}

async fn simulate_custom(
    core: &Core,
    request: iam::SimulateCustomPolicyRequest,
) -> Result<iam::SimulatePolicyResponse, ServiceError> {
    match core
        .handle_iam(&root(), Request::SimulateCustomPolicy(request))
        .await?
    {
        Response::SimulateCustomPolicy(r) => Ok(r),
        other => panic!("{other:?}"),
    }
}

/// What the live path decides: allowed when the request got past authorization.
async fn live(core: &Core, who: &iam::User, request: Request) -> bool {
    match core.handle_iam(&as_user(who), request).await {
        Ok(_) => true,
        Err(e) if e.code == "AccessDenied" => false,
        Err(e) => e.code != "NotImplemented",
    }
}

fn ip_entry(ip: &str) -> iam::ContextEntry {
    iam::ContextEntry {
        context_key_name: Some("aws:SourceIp".into()),
        context_key_values: Some(vec![ip.into()]),
        context_key_type: Some("ip".into()),
    }
}

#[tokio::test]
async fn simulation_agrees_with_the_live_path() {
    let core = core().await;
    let alice = create_user(&core, "alice").await;
    let bob = create_user(&core, "bob").await;
    put_user_policy(
        &core,
        "alice",
        "base",
        &policy(&[
            statement("Allow", "iam:ListUsers", "*", ""),
            statement("Allow", "iam:Get*", &alice.arn, ""),
            statement(
                "Allow",
                "iam:ListRoles",
                "*",
                r#"{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}"#,
            ),
            statement("Deny", "iam:ListPolicies", "*", ""),
            statement("Allow", "iam:List*", "*", ""),
        ]),
    )
    .await;
    // A group grants iam:CreateGroup; a boundary then takes iam:ListServerCertificates away.
    ok(
        &core,
        Request::CreateGroup(iam::CreateGroupRequest {
            group_name: "devs".into(),
            ..Default::default()
        }),
    )
    .await;
    ok(
        &core,
        Request::PutGroupPolicy(iam::PutGroupPolicyRequest {
            group_name: "devs".into(),
            policy_name: "make-groups".into(),
            policy_document: policy(&[statement("Allow", "iam:CreateGroup", "*", "")]),
        }),
    )
    .await;
    ok(
        &core,
        Request::AddUserToGroup(iam::AddUserToGroupRequest {
            group_name: "devs".into(),
            user_name: "alice".into(),
        }),
    )
    .await;

    let cases: Vec<(&str, Request, &str, &str)> = vec![
        (
            "allowed by the user's policy",
            Request::ListUsers(Default::default()),
            "iam:ListUsers",
            "*",
        ),
        (
            "allowed by the group's policy",
            Request::CreateGroup(iam::CreateGroupRequest {
                group_name: "made".into(),
                ..Default::default()
            }),
            "iam:CreateGroup",
            "*",
        ),
        (
            "explicit deny beats the List* allow",
            Request::ListPolicies(Default::default()),
            "iam:ListPolicies",
            "*",
        ),
        (
            "condition on aws:SourceIp holds",
            Request::ListRoles(Default::default()),
            "iam:ListRoles",
            "*",
        ),
        (
            "own user by ARN",
            Request::GetUser(iam::GetUserRequest {
                user_name: Some("alice".into()),
            }),
            "iam:GetUser",
            &alice.arn,
        ),
        (
            "another user: not in the Resource",
            Request::GetUser(iam::GetUserRequest {
                user_name: Some("bob".into()),
            }),
            "iam:GetUser",
            &bob.arn,
        ),
        (
            "nothing grants it",
            Request::DeleteUser(iam::DeleteUserRequest {
                user_name: "bob".into(),
            }),
            "iam:DeleteUser",
            &bob.arn,
        ),
    ];
    for (name, request, action, resource) in cases {
        let mut input = simulate_principal(&alice.arn, &[action]);
        input.resource_arns = Some(vec![resource.to_owned()]);
        input.context_entries = Some(vec![ip_entry("10.0.0.1")]);
        let result = simulate(&core, input).await.unwrap();
        let simulated = &result.evaluation_results.unwrap()[0].eval_decision;
        let allowed = live(&core, &alice, request).await;
        assert_eq!(
            simulated == "allowed",
            allowed,
            "{name}: simulated {simulated}"
        );
    }
}

#[tokio::test]
async fn results_name_their_sources_and_positions() {
    let core = core().await;
    let alice = create_user(&core, "alice").await;
    let doc = policy(&[
        statement("Allow", "iam:List*", "*", ""),
        statement("Deny", "iam:ListRoles", "*", ""),
    ]);
    put_user_policy(&core, "alice", "lists", &doc).await;
    let custom = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}}"#;
    let mut input = simulate_principal(
        &alice.arn,
        &[
            "iam:ListUsers",
            "iam:ListRoles",
            "iam:GetUser",
            "s3:GetObject",
        ],
    );
    input.policy_input_list = Some(vec![custom.into()]);
    let results = simulate(&core, input).await.unwrap();
    assert_eq!(results.is_truncated, Some(false));
    let results = results.evaluation_results.unwrap();
    let decisions: Vec<&str> = results.iter().map(|r| r.eval_decision.as_str()).collect();
    assert_eq!(
        decisions,
        ["allowed", "explicitDeny", "allowed", "implicitDeny"]
    );
    let list_users = &results[0];
    assert_eq!(list_users.eval_resource_name.as_deref(), Some("*"));
    assert_eq!(list_users.eval_decision_details, None);
    assert_eq!(list_users.resource_specific_results, None);
    assert_eq!(list_users.missing_context_values, Some(vec![]));
    let matched = list_users.matched_statements.as_ref().unwrap();
    assert_eq!(matched.len(), 1);
    assert_eq!(matched[0].source_policy_id.as_deref(), Some("lists"));
    assert_eq!(matched[0].source_policy_type.as_deref(), Some("user"));
    // The first statement: line 4, from its `{` at column 5 to just past its `}`.
    let pos = |p: &Option<iam::Position>| {
        let p = p.as_ref().unwrap();
        (p.line.unwrap(), p.column.unwrap())
    };
    let first_len = statement("Allow", "iam:List*", "*", "").len() as i32;
    assert_eq!(pos(&matched[0].start_position), (4, 5));
    assert_eq!(pos(&matched[0].end_position), (4, 5 + first_len));
    // The deny is reported with the allow it overrides, each at its own place.
    let denied = results[1].matched_statements.as_ref().unwrap();
    let starts: Vec<_> = denied.iter().map(|m| pos(&m.start_position)).collect();
    assert_eq!(starts, [(4, 5), (5, 5)]);
    let given = &results[2].matched_statements.as_ref().unwrap()[0];
    assert_eq!(given.source_policy_id.as_deref(), Some("PolicyInputList.1"));
    assert_eq!(given.source_policy_type.as_deref(), Some("IAM Policy"));
    assert_eq!(pos(&given.start_position), (1, 37));
    assert_eq!(pos(&given.end_position), (1, custom.len() as i32));
    assert!(results[3].matched_statements.as_ref().unwrap().is_empty());
}

#[tokio::test]
async fn managed_policies_groups_and_boundaries() {
    let core = core().await;
    let alice = create_user(&core, "alice").await;
    let created = ok(
        &core,
        Request::CreatePolicy(iam::CreatePolicyRequest {
            policy_name: "Everything".into(),
            policy_document: policy(&[statement("Allow", "iam:*", "*", "")]),
            ..Default::default()
        }),
    )
    .await;
    let Response::CreatePolicy(created) = created else {
        panic!()
    };
    let everything = created.policy.unwrap().arn.unwrap();
    ok(
        &core,
        Request::AttachUserPolicy(iam::AttachUserPolicyRequest {
            user_name: "alice".into(),
            policy_arn: everything.clone(),
        }),
    )
    .await;
    ok(
        &core,
        Request::PutUserPermissionsBoundary(iam::PutUserPermissionsBoundaryRequest {
            user_name: "alice".into(),
            permissions_boundary: "arn:aws:iam::aws:policy/IAMReadOnlyAccess".into(),
        }),
    )
    .await;
    let results = simulate(
        &core,
        simulate_principal(&alice.arn, &["iam:GetUser", "iam:CreateUser"]),
    )
    .await
    .unwrap()
    .evaluation_results
    .unwrap();
    assert_eq!(results[0].eval_decision, "allowed");
    assert_eq!(results[1].eval_decision, "implicitDeny");
    let detail = |r: &iam::EvaluationResult| {
        r.permissions_boundary_decision_detail
            .as_ref()
            .unwrap()
            .allowed_by_permissions_boundary
    };
    assert_eq!(detail(&results[0]), Some(true));
    assert_eq!(detail(&results[1]), Some(false));
    let types: Vec<(Option<&str>, Option<&str>)> = results[0]
        .matched_statements
        .as_ref()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m.source_policy_id.as_deref(),
                m.source_policy_type.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        types,
        [
            (Some("Everything"), Some("user-managed")),
            (Some("IAMReadOnlyAccess"), Some("aws-managed"))
        ]
    );
    // The live path agrees on both.
    assert!(live(&core, &alice, Request::GetUser(Default::default())).await);
    let create = Request::CreateUser(iam::CreateUserRequest {
        user_name: "carol".into(),
        ..Default::default()
    });
    assert!(!live(&core, &alice, create).await);
    // A boundary in the request replaces the user's own.
    let mut input = simulate_principal(&alice.arn, &["iam:CreateUser"]);
    input.permissions_boundary_policy_input_list =
        Some(vec![policy(&[statement("Allow", "*", "*", "")])]);
    let r = simulate(&core, input).await.unwrap();
    assert_eq!(r.evaluation_results.unwrap()[0].eval_decision, "allowed");
    // Excluding the managed policy leaves nothing to allow.
    let mut input = simulate_principal(&alice.arn, &["iam:GetUser"]);
    input.policy_exclusion_list = Some(vec![iam::PolicyIdentifier {
        policy_arn: Some(everything.clone()),
        ..Default::default()
    }]);
    let r = simulate(&core, input).await.unwrap();
    assert_eq!(
        r.evaluation_results.unwrap()[0].eval_decision,
        "implicitDeny"
    );

    // A group and a role can be simulated by ARN too.
    ok(
        &core,
        Request::CreateGroup(iam::CreateGroupRequest {
            group_name: "g".into(),
            ..Default::default()
        }),
    )
    .await;
    ok(
        &core,
        Request::AttachGroupPolicy(iam::AttachGroupPolicyRequest {
            group_name: "g".into(),
            policy_arn: everything,
        }),
    )
    .await;
    let group_arn = format!("arn:aws:iam::{ACCOUNT}:group/g");
    let r = simulate(&core, simulate_principal(&group_arn, &["iam:CreateUser"]))
        .await
        .unwrap();
    let r = &r.evaluation_results.unwrap()[0];
    assert_eq!(r.eval_decision, "allowed");
    assert_eq!(r.permissions_boundary_decision_detail, None);
}

#[tokio::test]
async fn resource_specific_results_context_and_cross_account() {
    let core = core().await;
    let conditional = policy(&[statement(
        "Allow",
        "s3:GetObject",
        "arn:aws:s3:::bucket/*",
        r#"{"IpAddress":{"aws:SourceIp":"192.0.2.0/24"},"NumericLessThan":{"s3:max-keys":"10"}}"#,
    )]);
    let mut input = iam::SimulateCustomPolicyRequest {
        policy_input_list: vec![conditional.clone()],
        action_names: vec!["s3:GetObject".into()],
        resource_arns: Some(vec![
            "arn:aws:s3:::bucket/a".into(),
            "arn:aws:s3:::other/b".into(),
        ]),
        ..Default::default()
    };
    let results = simulate_custom(&core, input.clone())
        .await
        .unwrap()
        .evaluation_results
        .unwrap();
    assert_eq!(results.len(), 2);
    let a = &results[0];
    assert_eq!(a.eval_decision, "implicitDeny");
    assert_eq!(a.eval_decision_details, Some(vec![]));
    assert_eq!(a.missing_context_values, Some(vec![]));
    let specific = &a.resource_specific_results.as_ref().unwrap()[0];
    assert_eq!(specific.eval_resource_name, "arn:aws:s3:::bucket/a");
    assert_eq!(
        specific.missing_context_values,
        Some(vec!["aws:SourceIp".to_owned()])
    );
    // With the keys given, every type checked, the condition holds.
    input.context_entries = Some(vec![
        ip_entry("192.0.2.7"),
        iam::ContextEntry {
            context_key_name: Some("s3:max-keys".into()),
            context_key_values: Some(vec!["5".into()]),
            context_key_type: Some("numeric".into()),
        },
    ]);
    let results = simulate_custom(&core, input.clone())
        .await
        .unwrap()
        .evaluation_results
        .unwrap();
    assert_eq!(results[0].eval_decision, "allowed");
    assert_eq!(results[1].eval_decision, "implicitDeny");

    // Across accounts both sides must allow; EvalDecisionDetails says which did.
    let resource_policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:user/alice"}},"Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket/*"}}]}}"#
    );
    let cross = iam::SimulateCustomPolicyRequest {
        policy_input_list: vec![policy(&[statement("Allow", "s3:*", "*", "")])],
        action_names: vec!["s3:GetObject".into(), "s3:PutObject".into()],
        resource_arns: Some(vec!["arn:aws:s3:::bucket/a".into()]),
        resource_policy: Some(resource_policy),
        resource_owner: Some("arn:aws:iam::210987654321:root".into()),
        caller_arn: Some(format!("arn:aws:iam::{ACCOUNT}:user/alice")),
        ..Default::default()
    };
    let results = simulate_custom(&core, cross.clone())
        .await
        .unwrap()
        .evaluation_results
        .unwrap();
    assert_eq!(results[0].eval_decision, "allowed");
    assert_eq!(results[1].eval_decision, "implicitDeny");
    let details = results[1].eval_decision_details.clone().unwrap();
    assert_eq!(
        details,
        [
            ("IAM Policy".to_owned(), "allowed".to_owned()),
            ("Resource Policy".to_owned(), "implicitDeny".to_owned())
        ]
    );
    let from_resource = &results[0].matched_statements.as_ref().unwrap()[0];
    assert_eq!(
        from_resource.source_policy_id.as_deref(),
        Some("ResourcePolicy")
    );
    assert_eq!(
        from_resource.source_policy_type.as_deref(),
        Some("Resource Policy")
    );

    // SCPs: one level that allows only s3:GetObject.
    let mut with_scps = cross;
    with_scps.resource_policy = None;
    with_scps.resource_owner = None;
    with_scps.resource_arns = None;
    with_scps.ordered_organization_policy_input_list =
        Some(vec![iam::OrderedOrganizationPolicyType {
            service_control_policy_input_list: Some(vec![policy(&[statement(
                "Allow",
                "s3:GetObject",
                "*",
                "",
            )])]),
        }]);
    let results = simulate_custom(&core, with_scps)
        .await
        .unwrap()
        .evaluation_results
        .unwrap();
    let orgs = |r: &iam::EvaluationResult| {
        r.organizations_decision_detail
            .as_ref()
            .unwrap()
            .allowed_by_organizations
    };
    assert_eq!(results[0].eval_decision, "allowed");
    assert_eq!(orgs(&results[0]), Some(true));
    assert_eq!(results[1].eval_decision, "implicitDeny");
    assert_eq!(orgs(&results[1]), Some(false));
}

#[tokio::test]
async fn pagination_walks_every_result_once() {
    let core = core().await;
    let actions: Vec<String> = (0..5).map(|i| format!("s3:Action{i}")).collect();
    let mut input = iam::SimulateCustomPolicyRequest {
        policy_input_list: vec![policy(&[statement("Allow", "s3:*", "*", "")])],
        action_names: actions.clone(),
        max_items: Some(2),
        ..Default::default()
    };
    let mut seen = Vec::new();
    loop {
        let page = simulate_custom(&core, input.clone()).await.unwrap();
        let items = page.evaluation_results.unwrap();
        assert!(items.len() <= 2);
        seen.extend(items.into_iter().map(|r| r.eval_action_name));
        if page.is_truncated != Some(true) {
            assert_eq!(page.marker, None);
            break;
        }
        input.marker = page.marker;
    }
    assert_eq!(seen, actions);
}

#[tokio::test]
async fn bad_input_is_an_aws_error() {
    let core = core().await;
    let alice = create_user(&core, "alice").await;
    let custom = |f: &dyn Fn(&mut iam::SimulateCustomPolicyRequest)| {
        let mut r = iam::SimulateCustomPolicyRequest {
            policy_input_list: vec![policy(&[statement("Allow", "s3:*", "*", "")])],
            action_names: vec!["s3:GetObject".into()],
            ..Default::default()
        };
        f(&mut r);
        r
    };
    let cases: Vec<(iam::SimulateCustomPolicyRequest, &str, &str)> = vec![
        (
            custom(&|r| r.policy_input_list = vec!["{not json".into()]),
            "InvalidInput",
            "Syntax errors in policy.",
        ),
        (
            custom(&|r| {
                r.context_entries = Some(vec![iam::ContextEntry {
                    context_key_name: Some("aws:SourceIp".into()),
                    context_key_values: Some(vec!["not-an-ip".into()]),
                    context_key_type: Some("ip".into()),
                }])
            }),
            "InvalidInput",
            "Invalid value not-an-ip for context key aws:SourceIp of type ip.",
        ),
        (
            custom(&|r| {
                r.context_entries = Some(vec![iam::ContextEntry {
                    context_key_name: Some("k".into()),
                    context_key_values: Some(vec!["1".into(), "2".into()]),
                    context_key_type: Some("numeric".into()),
                }])
            }),
            "InvalidInput",
            "",
        ),
        (
            custom(&|r| r.resource_policy = Some(policy(&[]))),
            "InvalidInput",
            "CallerArn is required when a ResourcePolicy is simulated.",
        ),
        (
            custom(&|r| r.caller_arn = Some(format!("arn:aws:iam::{ACCOUNT}:role/r"))),
            "InvalidInput",
            "",
        ),
        (
            custom(&|r| r.resource_handling_option = Some("EC2-Nope".into())),
            "InvalidInput",
            "",
        ),
        (
            custom(&|r| r.marker = Some("!!".into())),
            "InvalidInput",
            "Invalid Marker.",
        ),
    ];
    for (request, code, message) in cases {
        let err = simulate_custom(&core, request).await.unwrap_err();
        assert_eq!(err.code, code);
        assert!(err.message.contains(message), "{}", err.message);
    }
    let missing = simulate(
        &core,
        simulate_principal(&format!("arn:aws:iam::{ACCOUNT}:user/nobody"), &["s3:*"]),
    )
    .await
    .unwrap_err();
    assert_eq!(missing.code, "NoSuchEntity");
    assert_eq!(
        missing.message,
        "The user with name nobody cannot be found."
    );
    for arn in [
        "arn:aws:s3:::bucket".to_owned(),
        "not an arn".to_owned(),
        format!("arn:aws:iam::{ACCOUNT}:policy/p"),
    ] {
        let err = simulate(&core, simulate_principal(&arn, &["s3:*"]))
            .await
            .unwrap_err();
        assert_eq!(err.code, "InvalidInput", "{arn}");
    }
    // A user simulated with a resource policy is its own caller.
    let mut input = simulate_principal(&alice.arn, &["s3:GetObject"]);
    input.resource_policy =
        Some(policy(&[statement("Deny", "s3:*", "*", "")].map(|s| {
            s.replace("\"Effect\"", "\"Principal\":\"*\",\"Effect\"")
        })));
    let r = simulate(&core, input).await.unwrap();
    assert_eq!(
        r.evaluation_results.unwrap()[0].eval_decision,
        "explicitDeny"
    );
}

#[tokio::test]
async fn context_keys_of_principal_and_custom_policies() {
    let core = core().await;
    let alice = create_user(&core, "alice").await;
    put_user_policy(
        &core,
        "alice",
        "p",
        &policy(&[statement(
            "Allow",
            "s3:*",
            "arn:aws:s3:::b/${aws:username}/*",
            r#"{"Bool":{"aws:SecureTransport":"true"}}"#,
        )]),
    )
    .await;
    let response = core
        .handle_iam(
            &root(),
            Request::GetContextKeysForPrincipalPolicy(
                iam::GetContextKeysForPrincipalPolicyRequest {
                    policy_source_arn: alice.arn.clone(),
                    policy_input_list: Some(vec![policy(&[statement(
                        "Deny",
                        "*",
                        "*",
                        r#"{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}"#,
                    )])]),
                },
            ),
        )
        .await
        .unwrap();
    let Response::GetContextKeysForPrincipalPolicy(keys) = response else {
        panic!()
    };
    assert_eq!(
        keys.context_key_names.unwrap(),
        ["aws:SecureTransport", "aws:username", "aws:SourceIp"]
    );
    let response = core
        .handle_iam(
            &root(),
            Request::GetContextKeysForCustomPolicy(iam::GetContextKeysForCustomPolicyRequest {
                policy_input_list: vec![policy(&[statement("Allow", "*", "*", "")])],
            }),
        )
        .await
        .unwrap();
    let Response::GetContextKeysForCustomPolicy(keys) = response else {
        panic!()
    };
    assert_eq!(keys.context_key_names, Some(vec![]));
}

#[tokio::test]
async fn the_simulator_is_authorized_like_any_operation() {
    let core = core().await;
    let alice = create_user(&core, "alice").await;
    let bob = create_user(&core, "bob").await;
    put_user_policy(
        &core,
        "alice",
        "sim",
        &policy(&[statement(
            "Allow",
            "iam:SimulatePrincipalPolicy",
            &bob.arn,
            "",
        )]),
    )
    .await;
    let ask =
        |arn: &str| Request::SimulatePrincipalPolicy(simulate_principal(arn, &["iam:GetUser"]));
    assert!(
        core.handle_iam(&as_user(&alice), ask(&bob.arn))
            .await
            .is_ok()
    );
    let err = core
        .handle_iam(&as_user(&alice), ask(&alice.arn))
        .await
        .unwrap_err();
    assert_eq!(err.code, "AccessDenied");
    assert!(
        err.message.contains("iam:SimulatePrincipalPolicy"),
        "{}",
        err.message
    );
    let custom = Request::SimulateCustomPolicy(iam::SimulateCustomPolicyRequest {
        policy_input_list: vec![policy(&[])],
        action_names: vec!["s3:GetObject".into()],
        ..Default::default()
    });
    let err = core.handle_iam(&as_user(&alice), custom).await.unwrap_err();
    assert!(
        err.message
            .contains("iam:SimulateCustomPolicy on resource: *"),
        "{}",
        err.message
    );
}
