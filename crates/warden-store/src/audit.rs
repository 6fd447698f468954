//! The audit trail's records and its hash chain, independent of the database.
//!
//! Each event is stored with the digest of the one before it: `hash = SHA-256(prev_hash "\n"
//! seq "\n" body)`. Changing, removing or reordering any event breaks the chain from there on,
//! and the chain's head (last seq and hash) is kept apart, so events cut from the end show too.

use sha2::{Digest, Sha256};

/// The previous hash of the first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One event to append: the CloudTrail record and the fields queries filter on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    /// Milliseconds since the Unix epoch.
    pub time_ms: i64,
    /// The account the event belongs to (`recipientAccountId`).
    pub account_id: String,
    pub principal_arn: Option<String>,
    pub event_name: String,
    pub error_code: Option<String>,
    /// The CloudTrail record, JSON.
    pub body: String,
}

/// An event as stored: its place in the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRow {
    pub seq: i64,
    pub record: AuditRecord,
    pub prev_hash: String,
    pub hash: String,
}

/// Which events a query wants; every field narrows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub principal_arn: Option<String>,
    pub event_name: Option<String>,
    pub errors_only: bool,
    pub since_ms: Option<i64>,
    pub until_ms: Option<i64>,
    pub account_id: Option<String>,
    /// Events after this sequence number (paging).
    pub after_seq: Option<i64>,
    pub limit: Option<u32>,
}

/// A value a query binds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Bind<'a> {
    Text(&'a str),
    Int(i64),
}

/// The columns every audit read selects, in [`AuditRow`] order.
pub(crate) const COLUMNS: &str =
    "seq, event_time, account_id, principal_arn, event_name, error_code, body, prev_hash, hash";

/// The SQL of a filtered read and what it binds, in order; `placeholder(n)` writes the n-th
/// (1-based) parameter in the backend's syntax (`?` or `$n`).
pub(crate) fn select(
    filter: &AuditFilter,
    placeholder: fn(usize) -> String,
) -> (String, Vec<Bind<'_>>) {
    let mut sql = format!("SELECT {COLUMNS} FROM audit_events WHERE 1 = 1");
    let mut binds = Vec::new();
    if let Some(v) = &filter.principal_arn {
        binds.push(Bind::Text(v));
        sql.push_str(&format!(
            " AND principal_arn = {}",
            placeholder(binds.len())
        ));
    }
    if let Some(v) = &filter.event_name {
        binds.push(Bind::Text(v));
        sql.push_str(&format!(" AND event_name = {}", placeholder(binds.len())));
    }
    if filter.errors_only {
        sql.push_str(" AND error_code IS NOT NULL");
    }
    if let Some(v) = filter.since_ms {
        binds.push(Bind::Int(v));
        sql.push_str(&format!(" AND event_time >= {}", placeholder(binds.len())));
    }
    if let Some(v) = filter.until_ms {
        binds.push(Bind::Int(v));
        sql.push_str(&format!(" AND event_time <= {}", placeholder(binds.len())));
    }
    if let Some(v) = &filter.account_id {
        binds.push(Bind::Text(v));
        sql.push_str(&format!(" AND account_id = {}", placeholder(binds.len())));
    }
    if let Some(v) = filter.after_seq {
        binds.push(Bind::Int(v));
        sql.push_str(&format!(" AND seq > {}", placeholder(binds.len())));
    }
    sql.push_str(" ORDER BY seq");
    if let Some(v) = filter.limit {
        binds.push(Bind::Int(i64::from(v)));
        sql.push_str(&format!(" LIMIT {}", placeholder(binds.len())));
    }
    (sql, binds)
}

/// Reads a row of [`COLUMNS`] from either backend.
pub(crate) fn row<R>(row: &R) -> Result<AuditRow, sqlx::Error>
where
    R: sqlx::Row,
    for<'c> &'c str: sqlx::ColumnIndex<R>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    Ok(AuditRow {
        seq: row.try_get("seq")?,
        record: AuditRecord {
            time_ms: row.try_get("event_time")?,
            account_id: row.try_get("account_id")?,
            principal_arn: row.try_get("principal_arn")?,
            event_name: row.try_get("event_name")?,
            error_code: row.try_get("error_code")?,
            body: row.try_get("body")?,
        },
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

/// The chain's digest of one event.
pub fn chain_hash(prev_hash: &str, seq: i64, body: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(prev_hash.as_bytes());
    hasher.update(b"\n");
    hasher.update(seq.to_string().as_bytes());
    hasher.update(b"\n");
    hasher.update(body.as_bytes());
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Where and why a chain is broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainBreak {
    /// The sequence number of the first event that does not fit (for a cut end: the one
    /// after the last that remains).
    pub position: i64,
    pub reason: String,
}

/// Checks events in stored order against each other and against the head.
#[derive(Debug)]
pub struct ChainVerifier {
    expected_seq: i64,
    prev_hash: String,
    checked: u64,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        ChainVerifier {
            expected_seq: 1,
            prev_hash: GENESIS.to_owned(),
            checked: 0,
        }
    }
}

impl ChainVerifier {
    /// Checks the next stored event.
    pub fn next(&mut self, row: &AuditRow) -> Result<(), ChainBreak> {
        let bad = |reason: String| ChainBreak {
            position: self.expected_seq,
            reason,
        };
        if row.seq != self.expected_seq {
            return Err(bad(format!(
                "event {} found where event {} should be (events removed or reordered)",
                row.seq, self.expected_seq
            )));
        }
        if row.prev_hash != self.prev_hash {
            return Err(bad(
                "its link to the previous event does not match (an earlier event was changed, \
                 removed or reordered)"
                    .to_owned(),
            ));
        }
        if chain_hash(&row.prev_hash, row.seq, &row.record.body) != row.hash {
            return Err(bad(
                "its content does not match its digest (changed)".to_owned()
            ));
        }
        self.prev_hash = row.hash.clone();
        self.expected_seq += 1;
        self.checked += 1;
        Ok(())
    }

    /// Checks that the chain ends where the head says; returns how many events were checked.
    pub fn finish(self, head: Option<(i64, String)>) -> Result<u64, ChainBreak> {
        let last = self.expected_seq - 1;
        match head {
            None if last == 0 => Ok(self.checked),
            None => Err(ChainBreak {
                position: 1,
                reason: "events exist but the chain's head is missing".to_owned(),
            }),
            Some((seq, hash)) if seq == last && hash == self.prev_hash => Ok(self.checked),
            Some((seq, _)) if seq > last => Err(ChainBreak {
                position: last + 1,
                reason: format!(
                    "the chain ends at event {last} but its head says {seq} (events removed from the end)"
                ),
            }),
            Some(_) => Err(ChainBreak {
                position: last,
                reason: "the chain's head does not match its last event".to_owned(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(bodies: &[&str]) -> Vec<AuditRow> {
        let mut prev = GENESIS.to_owned();
        bodies
            .iter()
            .enumerate()
            .map(|(i, body)| {
                let seq = i as i64 + 1;
                let hash = chain_hash(&prev, seq, body);
                let row = AuditRow {
                    seq,
                    record: AuditRecord {
                        time_ms: 0,
                        account_id: "1".into(),
                        principal_arn: None,
                        event_name: "E".into(),
                        error_code: None,
                        body: (*body).to_owned(),
                    },
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                };
                prev = hash;
                row
            })
            .collect()
    }

    fn verify(rows: &[AuditRow], head: Option<(i64, String)>) -> Result<u64, ChainBreak> {
        let mut v = ChainVerifier::default();
        for row in rows {
            v.next(row)?;
        }
        v.finish(head)
    }

    fn head(rows: &[AuditRow]) -> Option<(i64, String)> {
        rows.last().map(|r| (r.seq, r.hash.clone()))
    }

    #[test]
    fn an_intact_chain_verifies() {
        let rows = chain(&["a", "b", "c"]);
        assert_eq!(verify(&rows, head(&rows)), Ok(3));
        assert_eq!(verify(&[], None), Ok(0));
    }

    #[test]
    fn a_changed_event_is_found() {
        let mut rows = chain(&["a", "b", "c"]);
        let h = head(&rows);
        rows[1].record.body = "B".into();
        assert_eq!(verify(&rows, h).unwrap_err().position, 2);
    }

    #[test]
    fn a_removed_event_is_found() {
        let mut rows = chain(&["a", "b", "c"]);
        let h = head(&rows);
        rows.remove(1);
        assert_eq!(verify(&rows, h).unwrap_err().position, 2);
    }

    #[test]
    fn reordered_events_are_found() {
        let mut rows = chain(&["a", "b", "c"]);
        let h = head(&rows);
        rows.swap(0, 1);
        assert_eq!(verify(&rows, h).unwrap_err().position, 1);
    }

    #[test]
    fn a_cut_end_is_found_by_the_head() {
        let mut rows = chain(&["a", "b", "c"]);
        let h = head(&rows);
        rows.pop();
        assert_eq!(verify(&rows, h).unwrap_err().position, 3);
    }

    #[test]
    fn a_rewritten_chain_from_a_point_is_still_found_by_later_links() {
        // Changing an event and recomputing its own hash breaks the next event's link.
        let mut rows = chain(&["a", "b", "c"]);
        let h = head(&rows);
        rows[0].record.body = "A".into();
        rows[0].hash = chain_hash(GENESIS, 1, "A");
        assert_eq!(verify(&rows, h).unwrap_err().position, 2);
    }
}
