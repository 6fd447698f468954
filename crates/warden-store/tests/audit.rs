#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The audit trail on SQLite and PostgreSQL: appends chain, queries filter, and editing the
//! database behind Warden's back — a changed, removed or reordered event, or a cut end — is
//! found at its position.

use std::sync::Arc;

use warden_store::testing::TestDatabase;
use warden_store::*;

/// Runs each check once per backend (PostgreSQL when `WARDEN_TEST_POSTGRES` names a server).
macro_rules! on_both {
    ($($check:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $check() {
                    let db = super::TestDatabase::sqlite();
                    super::$check(&db).await;
                    db.drop_database().await.unwrap();
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $check() {
                    let Some(db) = super::TestDatabase::postgres().await.unwrap() else {
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

on_both!(
    appends_chain_and_queries_filter,
    a_changed_event_is_found,
    a_removed_event_is_found,
    reordered_events_are_found,
    a_cut_end_is_found,
    an_empty_trail_verifies,
);

fn event(i: i64, name: &str, principal: &str, error: Option<&str>) -> AuditRecord {
    AuditRecord {
        time_ms: 1_700_000_000_000 + i * 1000,
        account_id: "123456789012".into(),
        principal_arn: Some(principal.into()),
        event_name: name.into(),
        error_code: error.map(str::to_owned),
        body: format!(r#"{{"eventName":"{name}","n":{i}}}"#),
    }
}

async fn store_with_events(db: &TestDatabase) -> Arc<dyn Store> {
    let store = db.open().await.unwrap();
    let alice = "arn:aws:iam::123456789012:user/alice";
    let bob = "arn:aws:iam::123456789012:user/bob";
    store
        .append_audit(&[
            event(1, "CreateUser", alice, None),
            event(2, "GetUser", bob, None),
        ])
        .await
        .unwrap();
    store
        .append_audit(&[event(3, "DeleteUser", alice, Some("AccessDenied"))])
        .await
        .unwrap();
    store
        .append_audit(&[
            event(4, "ListUsers", bob, None),
            event(5, "GetUser", alice, None),
        ])
        .await
        .unwrap();
    store
}

async fn an_empty_trail_verifies(db: &TestDatabase) {
    let store = db.open().await.unwrap();
    assert_eq!(store.verify_audit().await.unwrap(), Ok(0));
    assert!(
        store
            .audit_events(&AuditFilter::default())
            .await
            .unwrap()
            .is_empty()
    );
}

async fn appends_chain_and_queries_filter(db: &TestDatabase) {
    let store = store_with_events(db).await;
    assert_eq!(store.verify_audit().await.unwrap(), Ok(5));
    let all = store.audit_events(&AuditFilter::default()).await.unwrap();
    assert_eq!(
        all.iter().map(|r| r.seq).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5]
    );
    assert_eq!(all[0].prev_hash, GENESIS);
    assert_eq!(all[1].prev_hash, all[0].hash);
    let alice = AuditFilter {
        principal_arn: Some("arn:aws:iam::123456789012:user/alice".into()),
        ..AuditFilter::default()
    };
    let names: Vec<String> = store
        .audit_events(&alice)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.record.event_name)
        .collect();
    assert_eq!(names, ["CreateUser", "DeleteUser", "GetUser"]);
    let errors = AuditFilter {
        errors_only: true,
        ..AuditFilter::default()
    };
    assert_eq!(store.audit_events(&errors).await.unwrap().len(), 1);
    let window = AuditFilter {
        since_ms: Some(1_700_000_002_000),
        until_ms: Some(1_700_000_004_000),
        event_name: Some("ListUsers".into()),
        ..AuditFilter::default()
    };
    assert_eq!(store.audit_events(&window).await.unwrap()[0].seq, 4);
    let page = AuditFilter {
        after_seq: Some(2),
        limit: Some(2),
        ..AuditFilter::default()
    };
    let seqs: Vec<i64> = store
        .audit_events(&page)
        .await
        .unwrap()
        .iter()
        .map(|r| r.seq)
        .collect();
    assert_eq!(seqs, [3, 4]);
}

async fn broken_at(db: &TestDatabase, sql: &str) -> i64 {
    drop(store_with_events(db).await);
    db.execute(sql).await.unwrap();
    let store = db.open().await.unwrap();
    store.verify_audit().await.unwrap().unwrap_err().position
}

async fn a_changed_event_is_found(db: &TestDatabase) {
    let at = broken_at(
        db,
        r#"UPDATE audit_events SET body = '{"eventName":"Nothing"}' WHERE seq = 3"#,
    )
    .await;
    assert_eq!(at, 3);
}

async fn a_removed_event_is_found(db: &TestDatabase) {
    assert_eq!(
        broken_at(db, "DELETE FROM audit_events WHERE seq = 2").await,
        2
    );
}

async fn reordered_events_are_found(db: &TestDatabase) {
    let swap = "UPDATE audit_events SET body = CASE seq WHEN 2 THEN \
                (SELECT body FROM audit_events WHERE seq = 3) ELSE \
                (SELECT body FROM audit_events WHERE seq = 2) END WHERE seq IN (2, 3)";
    assert_eq!(broken_at(db, swap).await, 2);
}

async fn a_cut_end_is_found(db: &TestDatabase) {
    assert_eq!(
        broken_at(db, "DELETE FROM audit_events WHERE seq = 5").await,
        5
    );
}
