//! The store conformance suite: every check runs against SQLite and against PostgreSQL (when
//! `WARDEN_TEST_POSTGRES` names a server; see `warden_store::testing`), each on a fresh database.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;
use warden_store::testing::TestDatabase;
use warden_store::*;

/// Runs each check once per backend, as `sqlite::NAME` and `postgres::NAME`.
macro_rules! conformance {
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

conformance!(
    committed_records_survive_reopening,
    a_failed_change_rolls_back_the_whole_commit,
    deleting_records_removes_them,
    objects_round_trip_and_keep_names_unique,
    every_commit_is_one_log_entry_in_order,
    a_write_sees_what_another_store_committed_before_it,
    writes_from_two_stores_are_serialised,
    a_waiting_store_wakes_for_another_stores_commit,
);

fn t(s: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(s).unwrap()
}

fn account() -> Change {
    Change::PutAccount(AccountRecord {
        account_id: "123456789012".into(),
        created: t(1_700_000_000),
    })
}

fn user(id: &str, name: &str) -> UserRecord {
    UserRecord {
        user_id: id.into(),
        account_id: "123456789012".into(),
        name: name.into(),
        path: "/team/".into(),
        created: t(1_700_000_100),
        permissions_boundary: None,
        tags: vec![Tag {
            key: "team".into(),
            value: "blue".into(),
        }],
    }
}

fn key(id: &str, owner: Option<&str>) -> AccessKeyRecord {
    AccessKeyRecord {
        access_key_id: id.into(),
        account_id: "123456789012".into(),
        owner_user_id: owner.map(str::to_owned),
        sealed_secret: vec![1, 2, 3],
        active: true,
        created: t(1_700_000_200),
        last_used: None,
    }
}

async fn committed_records_survive_reopening(db: &TestDatabase) {
    let written = vec![
        account(),
        Change::PutUser(user("AIDA1", "Alice")),
        Change::PutGroup(GroupRecord {
            group_id: "AGPA1".into(),
            account_id: "123456789012".into(),
            name: "Admins".into(),
            path: "/".into(),
            created: t(1_700_000_300),
        }),
        Change::AddMember(Membership {
            group_id: "AGPA1".into(),
            user_id: "AIDA1".into(),
        }),
        Change::PutAccessKey(key("AKIA1", Some("AIDA1"))),
        Change::PutAccessKey(key("AKIAROOT", None)),
        Change::PutInlinePolicy(InlinePolicyRecord {
            account_id: "123456789012".into(),
            owner: PolicyOwner::Group("AGPA1".into()),
            name: "all".into(),
            document: r#"{"Version":"2012-10-17"}"#.into(),
        }),
    ];
    {
        let store = db.open().await.unwrap();
        store.commit(&written).await.unwrap();
        let used = KeyUse {
            time: t(1_700_000_900),
            service: "iam".into(),
            region: "us-east-1".into(),
        };
        store
            .commit(&[
                Change::RecordKeyUse {
                    access_key_id: "AKIA1".into(),
                    used: used.clone(),
                },
                Change::SetAccessKeyActive {
                    access_key_id: "AKIA1".into(),
                    active: false,
                },
            ])
            .await
            .unwrap();
        // An older use never moves last-used backwards.
        store
            .commit(&[Change::RecordKeyUse {
                access_key_id: "AKIA1".into(),
                used: KeyUse {
                    time: t(1_700_000_800),
                    ..used
                },
            }])
            .await
            .unwrap();
    }
    let store = db.open().await.unwrap();
    let loaded = store.load().await.unwrap();
    let mut expected = written.clone();
    expected[4] = Change::PutAccessKey(AccessKeyRecord {
        active: false,
        last_used: Some(KeyUse {
            time: t(1_700_000_900),
            service: "iam".into(),
            region: "us-east-1".into(),
        }),
        ..key("AKIA1", Some("AIDA1"))
    });
    assert_eq!(loaded, expected);
}

async fn a_failed_change_rolls_back_the_whole_commit(db: &TestDatabase) {
    let store = db.open().await.unwrap();
    store
        .commit(&[account(), Change::PutUser(user("AIDA1", "Alice"))])
        .await
        .unwrap();
    // Same name in another case: the database's uniqueness rule refuses it, and the group
    // written before it in the same commit must not survive.
    let err = store
        .commit(&[
            Change::PutGroup(GroupRecord {
                group_id: "AGPA9".into(),
                account_id: "123456789012".into(),
                name: "g".into(),
                path: "/".into(),
                created: t(1),
            }),
            Change::PutUser(user("AIDA2", "ALICE")),
        ])
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    let loaded = store.load().await.unwrap();
    assert_eq!(loaded.len(), 2, "{loaded:?}");
}

async fn deleting_records_removes_them(db: &TestDatabase) {
    let store = db.open().await.unwrap();
    store
        .commit(&[
            account(),
            Change::PutUser(user("AIDA1", "Alice")),
            Change::PutAccessKey(key("AKIA1", Some("AIDA1"))),
            Change::PutInlinePolicy(InlinePolicyRecord {
                account_id: "123456789012".into(),
                owner: PolicyOwner::User("AIDA1".into()),
                name: "P".into(),
                document: "{}".into(),
            }),
        ])
        .await
        .unwrap();
    store
        .commit(&[
            Change::DeleteInlinePolicy {
                owner: PolicyOwner::User("AIDA1".into()),
                name: "p".into(),
            },
            Change::DeleteAccessKey {
                access_key_id: "AKIA1".into(),
            },
            Change::DeleteUser {
                user_id: "AIDA1".into(),
            },
        ])
        .await
        .unwrap();
    assert_eq!(store.load().await.unwrap(), vec![account()]);
}

fn role(id: &str, account: &str, name: &str) -> Object {
    Object::Role(RoleRecord {
        role_id: id.into(),
        account_id: account.into(),
        name: name.into(),
        path: "/".into(),
        created: t(1_700_000_000),
        description: None,
        max_session_duration: 3600,
        trust_policy: "{}".into(),
        trust_principals: vec![],
        permissions_boundary: None,
        tags: vec![],
        last_used: None,
    })
}

async fn objects_round_trip_and_keep_names_unique(db: &TestDatabase) {
    let store = db.open().await.unwrap();
    let other = Change::PutAccount(AccountRecord {
        account_id: "210987654321".into(),
        created: t(1_700_000_000),
    });
    let alias = |account: &str, alias: &str| {
        Object::AccountAlias(AccountAliasRecord {
            account_id: account.into(),
            alias: alias.into(),
        })
    };
    store
        .commit(&[
            account(),
            other.clone(),
            Change::PutObject(role("AROA1", "123456789012", "Ops")),
            // The same role name in another account is another role.
            Change::PutObject(role("AROA2", "210987654321", "ops")),
            Change::PutObject(alias("123456789012", "My-Corp")),
        ])
        .await
        .unwrap();
    // A role name is unique in its account regardless of case.
    let err = store
        .commit(&[Change::PutObject(role("AROA3", "123456789012", "OPS"))])
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    // An alias is unique across accounts.
    let err = store
        .commit(&[Change::PutObject(alias("210987654321", "my-corp"))])
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    // Replacing an object by its key keeps one copy.
    store
        .commit(&[Change::PutObject(role(
            "AROA1",
            "123456789012",
            "Operators",
        ))])
        .await
        .unwrap();
    let loaded = store.load().await.unwrap();
    assert_eq!(
        loaded,
        vec![
            account(),
            other,
            Change::PutObject(role("AROA1", "123456789012", "Operators")),
            Change::PutObject(role("AROA2", "210987654321", "ops")),
            Change::PutObject(alias("123456789012", "My-Corp")),
        ]
    );
    store
        .commit(&[Change::DeleteObject(ObjectKey {
            kind: ObjectKind::Role,
            id: "AROA2".into(),
        })])
        .await
        .unwrap();
    assert_eq!(store.load().await.unwrap().len(), 4);
}

fn entries(feed: Feed) -> Vec<LogEntry> {
    match feed {
        Feed::Entries(entries) => entries,
        Feed::Gap => panic!("unexpected gap in the change log"),
    }
}

async fn every_commit_is_one_log_entry_in_order(db: &TestDatabase) {
    let store = db.open().await.unwrap();
    assert_eq!(store.snapshot().await.unwrap().position, 0);
    let first = vec![account(), Change::PutUser(user("AIDA1", "Alice"))];
    let second = vec![Change::DeleteUser {
        user_id: "AIDA1".into(),
    }];
    let (txn, feed) = store.begin_write(0).await.unwrap();
    assert!(entries(feed).is_empty());
    assert_eq!(txn.commit(&first, "node-a").await.unwrap(), 1);
    let (txn, feed) = store.begin_write(1).await.unwrap();
    assert!(entries(feed).is_empty());
    assert_eq!(txn.commit(&second, "node-b").await.unwrap(), 2);
    // A failed commit leaves no entry.
    let (txn, _) = store.begin_write(2).await.unwrap();
    let dangling = Change::AddMember(Membership {
        group_id: "AGPANONE".into(),
        user_id: "AIDANONE".into(),
    });
    txn.commit(&[dangling], "node-a").await.unwrap_err();
    // A write dropped without committing leaves none either.
    drop(store.begin_write(2).await.unwrap());

    let log = entries(store.changes_since(0).await.unwrap());
    let seen: Vec<_> = log
        .iter()
        .map(|e| (e.position, e.origin.as_str(), e.changes.clone()))
        .collect();
    assert_eq!(seen, vec![(1, "node-a", first), (2, "node-b", second)]);
    assert_eq!(entries(store.changes_since(1).await.unwrap()).len(), 1);
    assert!(entries(store.changes_since(2).await.unwrap()).is_empty());
    let snapshot = store.snapshot().await.unwrap();
    assert_eq!(snapshot.position, 2);
    assert_eq!(snapshot.changes, vec![account()]);
}

async fn a_write_sees_what_another_store_committed_before_it(db: &TestDatabase) {
    let a = db.open().await.unwrap();
    let b = db.open().await.unwrap();
    let (txn, _) = a.begin_write(0).await.unwrap();
    let position = txn.commit(&[account()], "a").await.unwrap();
    let (txn, feed) = b.begin_write(0).await.unwrap();
    let missed = entries(feed);
    assert_eq!(missed.len(), 1);
    assert_eq!(missed[0].position, position);
    assert_eq!(missed[0].changes, vec![account()]);
    txn.commit(&[Change::PutUser(user("AIDA1", "Alice"))], "b")
        .await
        .unwrap();
    let snapshot = a.snapshot().await.unwrap();
    assert_eq!(snapshot.position, position + 1);
    assert_eq!(
        snapshot.changes,
        vec![account(), Change::PutUser(user("AIDA1", "Alice"))]
    );
}

async fn writes_from_two_stores_are_serialised(db: &TestDatabase) {
    let a = db.open().await.unwrap();
    let b = db.open().await.unwrap();
    a.commit(&[account()]).await.unwrap();
    let (held, _) = a.begin_write(1).await.unwrap();
    // B asks to write while A holds the write lock: it must wait for A's commit and then see it.
    let waiting = {
        let b = Arc::clone(&b);
        tokio::spawn(async move {
            let (txn, feed) = b.begin_write(1).await.unwrap();
            let missed = entries(feed);
            let position = txn
                .commit(&[Change::PutUser(user("AIDA2", "Bob"))], "b")
                .await
                .unwrap();
            (missed, position)
        })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    let position = held
        .commit(&[Change::PutUser(user("AIDA1", "Alice"))], "a")
        .await
        .unwrap();
    let (missed, b_position) = waiting.await.unwrap();
    assert_eq!(position, 2);
    assert_eq!(b_position, 3);
    assert_eq!(missed.len(), 1, "{missed:?}");
    assert_eq!(missed[0].origin, "a");
}

async fn a_waiting_store_wakes_for_another_stores_commit(db: &TestDatabase) {
    let a = db.open().await.unwrap();
    let b = db.open().await.unwrap();
    if !b.shared() {
        // An embedded database has one writer; waiting is only a pause.
        b.wait_for_changes(Duration::from_millis(10)).await.unwrap();
        return;
    }
    // Listening starts on the first wait; a first short wait sets it up.
    b.wait_for_changes(Duration::from_millis(10)).await.unwrap();
    let waiting = {
        let b = Arc::clone(&b);
        tokio::spawn(async move { b.wait_for_changes(Duration::from_secs(600)).await })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    a.commit(&[account()]).await.unwrap();
    tokio::time::timeout(Duration::from_secs(60), waiting)
        .await
        .expect("a commit wakes a waiting store")
        .unwrap()
        .unwrap();
    assert_eq!(entries(b.changes_since(0).await.unwrap()).len(), 1);
}
