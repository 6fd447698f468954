#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Dev mode's worlds: one per partition, seeded alike, reset to the seed; unknown keys are the
//! default account's root only when not enforcing.

use time::OffsetDateTime;
use warden_core::dev::{DevOptions, DevWorlds, Seed, StartError};
use warden_core::{Core, Quotas, RequestCx, RequestInfo};
use warden_protocol::iam::{self, Request, Response};
use warden_sigv4::HttpRequest;

const SEED: &str = r#"{"accounts": [{
    "policies": [{"name": "Read", "path": "/ro/", "document":
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:Get*", "Resource": "*"}]}}],
    "users": [{"name": "alice", "attached_policies": ["Read"],
               "access_keys": [{"id": "AKIAALICEALICE000001", "secret": "alicealicealicealicealicealicealice00000"}]}],
    "roles": [{"name": "deployer", "attached_policies": ["arn:aws:iam::123456789012:policy/ro/Read"],
               "assume_role_policy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                   "Principal": {"AWS": "arn:aws:iam::123456789012:user/alice"}, "Action": "sts:AssumeRole"}]}}]
}]}"#;

fn options(enforce: bool, seed: Option<&str>) -> DevOptions {
    DevOptions {
        account_id: "123456789012".into(),
        root_key: None,
        enforce,
        seed: seed.map(|s| serde_json::from_str::<Seed>(s).unwrap()),
        quotas: Quotas::default(),
        oidc_fetcher: None,
    }
}

fn as_root(core: &Core) -> RequestCx {
    RequestCx {
        caller: core
            .unknown_key_caller()
            .expect("unknown keys are the root"),
        info: RequestInfo {
            now: OffsetDateTime::now_utc(),
            source_ip: None,
            user_agent: None,
            secure_transport: false,
            region: "us-east-1".into(),
        },
    }
}

async fn user_arn(core: &Core, name: &str) -> Option<String> {
    let cx = as_root(core);
    let request = Request::GetUser(iam::GetUserRequest {
        user_name: Some(name.into()),
    });
    match core.handle_iam(&cx, request).await {
        Ok(Response::GetUser(out)) => Some(out.user.arn),
        Ok(other) => panic!("unexpected {other:?}"),
        Err(e) if e.code == "NoSuchEntity" => None,
        Err(e) => panic!("{e:?}"),
    }
}

async fn create_user(core: &Core, name: &str) {
    let request = Request::CreateUser(iam::CreateUserRequest {
        user_name: name.into(),
        ..Default::default()
    });
    core.handle_iam(&as_root(core), request).await.unwrap();
}

#[tokio::test]
async fn every_partition_gets_its_own_seeded_world() {
    let worlds = DevWorlds::start(options(false, Some(SEED))).await.unwrap();
    let aws = worlds.world("aws").await.unwrap();
    let cn = worlds.world("aws-cn").await.unwrap();
    assert_eq!(
        user_arn(&aws, "alice").await.as_deref(),
        Some("arn:aws:iam::123456789012:user/alice")
    );
    assert_eq!(
        user_arn(&cn, "alice").await.as_deref(),
        Some("arn:aws-cn:iam::123456789012:user/alice")
    );
    // The seed's `arn:aws:` ARNs read as the world's partition: the attachment resolves and the
    // trust policy names the world's alice.
    let request = Request::ListAttachedRolePolicies(iam::ListAttachedRolePoliciesRequest {
        role_name: "deployer".into(),
        ..Default::default()
    });
    let Ok(Response::ListAttachedRolePolicies(attached)) =
        cn.handle_iam(&as_root(&cn), request).await
    else {
        panic!("ListAttachedRolePolicies failed");
    };
    let arns: Vec<_> = attached
        .attached_policies
        .unwrap_or_default()
        .into_iter()
        .filter_map(|p| p.policy_arn)
        .collect();
    assert_eq!(arns, ["arn:aws-cn:iam::123456789012:policy/ro/Read"]);
    let request = Request::GetRole(iam::GetRoleRequest {
        role_name: "deployer".into(),
    });
    let Ok(Response::GetRole(role)) = cn.handle_iam(&as_root(&cn), request).await else {
        panic!("GetRole failed");
    };
    let trust = role.role.assume_role_policy_document.unwrap_or_default();
    assert!(
        trust.contains(r#""arn:aws-cn:iam::123456789012:user/alice""#),
        "{trust}"
    );
    create_user(&cn, "bob").await;
    assert!(user_arn(&aws, "bob").await.is_none());
    // The same world on the next request.
    let again = worlds.world("aws-cn").await.unwrap();
    assert!(user_arn(&again, "bob").await.is_some());
}

#[tokio::test]
async fn reset_returns_every_world_to_the_seed() {
    let worlds = DevWorlds::start(options(false, Some(SEED))).await.unwrap();
    for partition in ["aws", "aws-us-gov"] {
        create_user(&worlds.world(partition).await.unwrap(), "temporary").await;
    }
    worlds.reset().await.unwrap();
    for partition in ["aws", "aws-us-gov"] {
        let core = worlds.world(partition).await.unwrap();
        assert!(user_arn(&core, "temporary").await.is_none(), "{partition}");
        assert!(user_arn(&core, "alice").await.is_some(), "{partition}");
    }
}

#[tokio::test]
async fn the_root_key_stays_the_same_across_resets() {
    let worlds = DevWorlds::start(options(true, None)).await.unwrap();
    let key = worlds.root_key().cloned().unwrap();
    worlds.reset().await.unwrap();
    assert_eq!(worlds.root_key(), Some(&key));
}

fn signed_with(key: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential={key}/20010101/us-east-1/iam/aws4_request, \
         SignedHeaders=host;x-amz-date, Signature={}",
        "0".repeat(64)
    )
}

fn authenticate(core: &Core, authorization: &str) -> Result<String, String> {
    let headers = [
        ("authorization", authorization),
        ("host", "localhost"),
        ("x-amz-date", "20010101T000000Z"),
    ];
    let request = HttpRequest {
        method: "POST",
        path: "/",
        query: "",
        headers: &headers,
        body: b"Action=ListUsers&Version=2010-05-08",
    };
    core.authenticate(&request, OffsetDateTime::now_utc())
        .map(|a| a.caller.arn)
        .map_err(|e| e.code.into_owned())
}

#[tokio::test]
async fn unknown_keys_are_the_root_unless_enforcing() {
    let permissive = DevWorlds::start(options(false, Some(SEED))).await.unwrap();
    let core = permissive.world("aws").await.unwrap();
    assert_eq!(
        authenticate(&core, &signed_with("AKIAMADEUP")).as_deref(),
        Ok("arn:aws:iam::123456789012:root")
    );
    // A key the world knows is verified as always: this signature is wrong and stale.
    let known = authenticate(&core, &signed_with("AKIAALICEALICE000001"));
    assert!(known.is_err(), "{known:?}");

    let enforcing = DevWorlds::start(options(true, Some(SEED))).await.unwrap();
    let core = enforcing.world("aws").await.unwrap();
    assert!(core.unknown_key_caller().is_none());
    assert_eq!(
        authenticate(&core, &signed_with("AKIAMADEUP")),
        Err("InvalidClientTokenId".to_owned())
    );
}

async fn seed_error(seed: &str) -> String {
    match DevWorlds::start(options(false, Some(seed))).await {
        Err(StartError::Seed(e)) => e.to_string(),
        other => panic!("expected a seed error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_bad_seed_names_its_place_and_the_operations_answer() {
    let twice = r#"{"accounts": [{"users": [
        {"name": "a", "access_keys": [{"id": "AKIASAMESAME00000001", "secret": "ssssssssssssssssssssssss"}]},
        {"name": "b", "access_keys": [{"id": "AKIASAMESAME00000001", "secret": "ssssssssssssssssssssssss"}]}]}]}"#;
    let message = seed_error(twice).await;
    assert!(
        message.starts_with(
            "seed accounts[0].users[1] (b).access_keys[0]: CreateAccessKey: EntityAlreadyExists"
        ),
        "{message}"
    );
    let three = r#"{"accounts": [{"users": [{"name": "a", "access_keys": [
        {"id": "AKIAKEYKEYKEY0000001", "secret": "ssssssssssssssssssssssss"},
        {"id": "AKIAKEYKEYKEY0000002", "secret": "ssssssssssssssssssssssss"},
        {"id": "AKIAKEYKEYKEY0000003", "secret": "ssssssssssssssssssssssss"}]}]}]}"#;
    let message = seed_error(three).await;
    assert!(
        message.contains("users[0] (a).access_keys[2]: CreateAccessKey: LimitExceeded"),
        "{message}"
    );
    let missing_policy = r#"{"accounts": [{"roles": [{"name": "r", "attached_policies": ["Nope"],
        "assume_role_policy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}}]}]}"#;
    let message = seed_error(missing_policy).await;
    assert!(
        message.contains(
            "roles[0] (r): AttachRolePolicy: NoSuchEntity: Policy arn:aws:iam::123456789012:policy/Nope"
        ),
        "{message}"
    );
    let bad_account = r#"{"accounts": [{"id": "12"}]}"#;
    assert!(
        seed_error(bad_account)
            .await
            .starts_with("seed accounts[0]: CreateAccount: InvalidInput"),
    );
}

mod arbitrary_seeds {
    use proptest::prelude::*;

    use super::*;

    /// Text a seed author might write, odd characters included.
    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-zA-Z0-9+=,.@_-]{1,20}",
            "[ -~]{0,30}",
            "\\PC{0,10}",
            Just(String::new()),
        ]
    }

    fn user() -> impl Strategy<Value = serde_json::Value> {
        (
            text(),
            proptest::option::of(text()),
            proptest::collection::btree_map(text(), text(), 0..3),
            proptest::option::of(text()),
            proptest::collection::vec((text(), text()), 0..3),
        )
            .prop_map(|(name, path, tags, document, keys)| {
                let mut user = serde_json::json!({"name": name, "tags": tags});
                if let Some(path) = path {
                    user["path"] = path.into();
                }
                if let Some(document) = document {
                    user["policies"] = serde_json::json!([{"name": "p", "document": document}]);
                }
                user["access_keys"] = keys
                    .into_iter()
                    .map(|(id, secret)| serde_json::json!({"id": id, "secret": secret}))
                    .collect();
                user
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Whatever a seed holds, dev mode either starts from it or names the seed's fault: it
        /// never panics and never fails inside the store.
        #[test]
        fn a_seed_starts_or_names_its_fault(
            users in proptest::collection::vec(user(), 0..4),
            alias in proptest::option::of(text()),
        ) {
            let seed = serde_json::json!({"accounts": [{"alias": alias, "users": users}]});
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            let result = runtime.block_on(DevWorlds::start(DevOptions {
                seed: Some(serde_json::from_value(seed).unwrap()),
                ..options(false, None)
            }));
            match result {
                Ok(_) => {}
                Err(StartError::Seed(e)) => {
                    prop_assert!(e.to_string().starts_with("seed accounts[0]"), "{e}");
                    prop_assert!(e.code != "InternalFailure", "{e}");
                }
                Err(other) => prop_assert!(false, "not a seed error: {other:?}"),
            }
        }
    }
}
