#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Several nodes on one database (`Core`s over stores opened on the same data): what one writes
//! the others see once they follow the change log; concurrent writes of one name give AWS's
//! errors; a node with another master key refuses to start. Every check runs on SQLite and on
//! PostgreSQL (when `WARDEN_TEST_POSTGRES` names a server; see `warden_store::testing`).

use std::sync::Arc;

use time::OffsetDateTime;
use warden_core::{Caller, Config, Core, CoreError, MasterKey, RequestCx, RequestInfo};
use warden_policy::Principal;
use warden_protocol::ServiceError;
use warden_protocol::iam::{self, Request, Response};
use warden_store::testing::TestDatabase;

const ACCOUNT: &str = "123456789012";

macro_rules! on_both_backends {
    ($($check:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $check() {
                    let db = warden_store::testing::TestDatabase::sqlite();
                    super::$check(&db).await;
                    db.drop_database().await.unwrap();
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $check() {
                    let Some(db) = warden_store::testing::TestDatabase::postgres().await.unwrap()
                    else {
                        eprintln!("WARDEN_TEST_POSTGRES is not set: PostgreSQL not tested");
                        return;
                    };
                    super::$check(&db).await;
                    db.drop_database().await.unwrap();
                }
            )*
        }
    };
}

on_both_backends!(
    a_write_on_one_node_is_seen_by_the_others,
    a_write_validates_against_the_other_nodes_writes,
    concurrent_creates_of_one_name_give_entity_already_exists,
    nodes_starting_together_create_one_first_account,
    a_node_behind_the_pruned_log_reloads,
    a_node_with_another_master_key_refuses_to_start,
);

fn config() -> Config {
    Config {
        account_id: Some(ACCOUNT.into()),
        root_key: Some((
            "AKIAROOTROOTROOT0001".into(),
            "rootsecretrootsecretrootsecretrootsecret".into(),
        )),
        ..Config::default()
    }
}

async fn node_with_key(db: &TestDatabase, key: [u8; 32]) -> Result<Core, CoreError> {
    let key = MasterKey::from_bytes(&key).unwrap();
    let store = db.open().await.unwrap();
    Ok(Core::open(store, key, config(), OffsetDateTime::now_utc())
        .await?
        .0)
}

async fn node(db: &TestDatabase) -> Core {
    node_with_key(db, [9u8; 32]).await.unwrap()
}

fn root() -> RequestCx {
    let arn = format!("arn:aws:iam::{ACCOUNT}:root");
    RequestCx {
        caller: Caller {
            account_id: ACCOUNT.into(),
            user_id: None,
            principal: Principal::parse(&arn).unwrap(),
            arn,
            access_key_id: "AKIAROOTROOTROOT0001".into(),
            tags: Vec::new(),
            session: None,
        },
        info: RequestInfo {
            now: OffsetDateTime::now_utc(),
            source_ip: None,
            user_agent: None,
            secure_transport: false,
            region: "us-east-1".into(),
        },
    }
}

async fn create_user(core: &Core, name: &str) -> Result<Response, ServiceError> {
    let request = Request::CreateUser(iam::CreateUserRequest {
        user_name: name.into(),
        ..Default::default()
    });
    core.handle_iam(&root(), request).await
}

async fn user_names(core: &Core) -> Vec<String> {
    let request = Request::ListUsers(iam::ListUsersRequest::default());
    match core.handle_iam(&root(), request).await.unwrap() {
        Response::ListUsers(r) => r.users.into_iter().map(|u| u.user_name).collect(),
        other => panic!("{other:?}"),
    }
}

async fn a_write_on_one_node_is_seen_by_the_others(db: &TestDatabase) {
    let a = node(db).await;
    let b = node(db).await;
    create_user(&a, "alice").await.unwrap();
    assert_eq!(user_names(&a).await, ["alice"]);
    b.catch_up().await.unwrap();
    assert_eq!(user_names(&b).await, ["alice"]);
    // A node started later loads it with everything else.
    let c = node(db).await;
    assert_eq!(user_names(&c).await, ["alice"]);
    let delete = Request::DeleteUser(iam::DeleteUserRequest {
        user_name: "alice".into(),
    });
    c.handle_iam(&root(), delete).await.unwrap();
    a.catch_up().await.unwrap();
    b.catch_up().await.unwrap();
    assert!(user_names(&a).await.is_empty());
    assert!(user_names(&b).await.is_empty());
}

async fn a_write_validates_against_the_other_nodes_writes(db: &TestDatabase) {
    let a = node(db).await;
    let b = node(db).await;
    create_user(&a, "alice").await.unwrap();
    // B has not followed the log, yet its write must see alice: it catches up first.
    let err = create_user(&b, "Alice").await.unwrap_err();
    assert_eq!(err.code, "EntityAlreadyExists", "{err:?}");
    let add_key = Request::CreateAccessKey(iam::CreateAccessKeyRequest {
        user_name: Some("alice".into()),
    });
    b.handle_iam(&root(), add_key).await.unwrap();
}

async fn concurrent_creates_of_one_name_give_entity_already_exists(db: &TestDatabase) {
    let a = Arc::new(node(db).await);
    let b = Arc::new(node(db).await);
    for round in 0..5 {
        let name = format!("racer{round}");
        let (ra, rb) = tokio::join!(create_user(&a, &name), create_user(&b, &name));
        let lost = match (ra, rb) {
            (Ok(_), Err(e)) | (Err(e), Ok(_)) => e,
            other => panic!("exactly one create must succeed: {other:?}"),
        };
        assert_eq!(lost.code, "EntityAlreadyExists", "{lost:?}");
    }
    a.catch_up().await.unwrap();
    b.catch_up().await.unwrap();
    assert_eq!(user_names(&a).await.len(), 5);
    assert_eq!(user_names(&a).await, user_names(&b).await);
}

async fn nodes_starting_together_create_one_first_account(db: &TestDatabase) {
    let key = MasterKey::from_bytes(&[9u8; 32]).unwrap();
    // Stores first (SQLite's migrations do not expect two processes creating one file).
    let (store_a, store_b) = (db.open().await.unwrap(), db.open().await.unwrap());
    let open = |store, config: Config| {
        let key = key.clone();
        async move {
            Core::open(store, key, config, OffsetDateTime::now_utc())
                .await
                .unwrap()
        }
    };
    // No account id given: each node would pick a random one if they did not serialise.
    let unpinned = || Config {
        account_id: None,
        root_key: None,
        ..config()
    };
    let ((a, a_new), (b, b_new)) =
        tokio::join!(open(store_a, unpinned()), open(store_b, unpinned()));
    assert_eq!(a.first_account_id(), b.first_account_id());
    assert!(
        a_new.is_none() ^ b_new.is_none(),
        "one node creates the account"
    );
}

async fn a_node_with_another_master_key_refuses_to_start(db: &TestDatabase) {
    node(db).await;
    let err = node_with_key(db, [7u8; 32]).await.unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, CoreError::Config(_)), "{err:?}");
    assert!(message.contains("master key"), "{message}");
}

async fn a_node_behind_the_pruned_log_reloads(db: &TestDatabase) {
    let a = node(db).await;
    let b = node(db).await;
    create_user(&a, "alice").await.unwrap();
    create_user(&a, "bob").await.unwrap();
    // B never saw alice's entry, and it is gone from the log: B must reload to see both.
    let store = db.open().await.unwrap();
    let last = store.snapshot().await.unwrap().position;
    db.prune_log_before(last).await.unwrap();
    drop(store);
    b.catch_up().await.unwrap();
    assert_eq!(user_names(&b).await, ["alice", "bob"]);
    // The same through a write, which catches up before it validates.
    create_user(&a, "carol").await.unwrap();
    create_user(&a, "dave").await.unwrap();
    let last = db.open().await.unwrap().snapshot().await.unwrap().position;
    db.prune_log_before(last).await.unwrap();
    let err = create_user(&b, "carol").await.unwrap_err();
    assert_eq!(err.code, "EntityAlreadyExists", "{err:?}");
    assert_eq!(user_names(&b).await, ["alice", "bob", "carol", "dave"]);
}

/// Member accounts made by `CreateAccount` in the first second must not become the first account
/// at the next start (times are kept in seconds; a tie once went to the smaller id).
#[tokio::test]
async fn an_account_created_in_the_first_second_is_not_the_first_account() {
    use warden_protocol::organizations::{self as org, Request as OrgRequest};
    let db = TestDatabase::sqlite();
    let now = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
    // The largest id: every account CreateAccount makes has a smaller one.
    let first = "999999999999";
    let config = || Config {
        account_id: Some(first.into()),
        ..config()
    };
    let key = MasterKey::from_bytes(&[9u8; 32]).unwrap();
    let core = Core::open(db.open().await.unwrap(), key.clone(), config(), now)
        .await
        .unwrap()
        .0;
    let mut cx = root();
    cx.caller.account_id = first.into();
    cx.caller.arn = format!("arn:aws:iam::{first}:root");
    cx.caller.principal = Principal::parse(&cx.caller.arn).unwrap();
    cx.info.now = now;
    let create_org =
        OrgRequest::CreateOrganization(org::CreateOrganizationRequest { feature_set: None });
    core.handle_organizations(&cx, create_org).await.unwrap();
    let create_account = OrgRequest::CreateAccount(org::CreateAccountRequest {
        email: "member@example.com".into(),
        account_name: "member".into(),
        role_name: None,
        iam_user_access_to_billing: None,
        tags: None,
    });
    core.handle_organizations(&cx, create_account)
        .await
        .unwrap();
    drop(core);
    let reopened = Core::open(db.open().await.unwrap(), key, config(), now)
        .await
        .unwrap()
        .0;
    assert_eq!(reopened.first_account_id().as_deref(), Some(first));
    db.drop_database().await.unwrap();
}
