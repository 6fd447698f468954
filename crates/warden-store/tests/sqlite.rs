#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use time::OffsetDateTime;
use warden_store::*;

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

#[tokio::test]
async fn committed_records_survive_reopening() {
    let dir = std::env::temp_dir().join(format!("warden-store-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("roundtrip.db");
    let _ = std::fs::remove_file(&path);
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
        let store = SqliteStore::open(&path).await.unwrap();
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
    let store = SqliteStore::open(&path).await.unwrap();
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
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_failed_change_rolls_back_the_whole_commit() {
    let store = SqliteStore::open_url("sqlite::memory:").await.unwrap();
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

#[tokio::test]
async fn deleting_records_removes_them() {
    let store = SqliteStore::open_url("sqlite::memory:").await.unwrap();
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
