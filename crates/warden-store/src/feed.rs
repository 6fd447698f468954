//! The change log: every commit appends one entry (its position, the node that wrote it, and its
//! changes as JSON) in the same transaction as the changes themselves. A node that applied every
//! entry up to position `p` has exactly the state of the database at `p`, so following the log
//! is how nodes sharing a database see each other's writes.
//!
//! Positions have no gaps: writers hold a database-wide lock while they commit and take
//! `max + 1`, so an entry never becomes visible after a later one (a sequence could hand out 5
//! and 6 and commit 6 first; a reader at 6 would then never see 5).

use time::OffsetDateTime;

use crate::StoreError;
use crate::records::Change;

/// Every record, and the change-log position the records include.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub changes: Vec<Change>,
    pub position: i64,
}

/// One commit in the change log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    pub position: i64,
    /// The node that wrote it.
    pub origin: String,
    /// When it was committed (by the writer's clock), for measuring propagation.
    pub committed: OffsetDateTime,
    pub changes: Vec<Change>,
}

/// What a reader of the log finds after its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Feed {
    /// The entries after the position, oldest first (none when it is current).
    Entries(Vec<LogEntry>),
    /// Entries after the position were pruned: the reader must load a new snapshot.
    Gap,
}

/// How long entries stay in the log. A node that falls further behind (stopped, cut off from
/// the database) reloads everything instead of replaying.
pub(crate) const RETAIN_SECONDS: i64 = 3600;
/// Entries are pruned once every this many commits.
pub(crate) const PRUNE_EVERY: i64 = 1024;

pub(crate) fn encode(changes: &[Change]) -> Result<String, StoreError> {
    serde_json::to_string(changes).map_err(|e| StoreError::Corrupt(format!("a change: {e}")))
}

pub(crate) fn decode(
    position: i64,
    origin: String,
    committed: i64,
    changes: &str,
) -> Result<LogEntry, StoreError> {
    let changes = serde_json::from_str(changes)
        .map_err(|e| StoreError::Corrupt(format!("change log entry {position}: {e}")))?;
    let committed = OffsetDateTime::from_unix_timestamp_nanos(i128::from(committed) * 1000)
        .map_err(|_| StoreError::Corrupt(format!("change log entry {position}: time")))?;
    Ok(LogEntry {
        position,
        origin,
        committed,
        changes,
    })
}

/// Microseconds since the epoch, as the log stores commit times.
pub(crate) fn now_micros() -> i64 {
    i64::try_from(OffsetDateTime::now_utc().unix_timestamp_nanos() / 1000).unwrap_or(i64::MAX)
}

/// Decides between the entries read and a gap: when the oldest entry kept is beyond
/// `position + 1`, something in between was pruned.
pub(crate) fn feed(position: i64, oldest: Option<i64>, entries: Vec<LogEntry>) -> Feed {
    match oldest {
        Some(oldest) if position < oldest - 1 && position < i64::MAX => Feed::Gap,
        _ => Feed::Entries(entries),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reader_behind_the_oldest_entry_kept_has_a_gap() {
        assert_eq!(feed(0, Some(1), vec![]), Feed::Entries(vec![]));
        assert_eq!(feed(4, Some(5), vec![]), Feed::Entries(vec![]));
        assert_eq!(feed(3, Some(5), vec![]), Feed::Gap);
        // A reader ahead of the log (a fresh snapshot, or `commit` outside the feed) has none.
        assert_eq!(feed(9, Some(5), vec![]), Feed::Entries(vec![]));
        assert_eq!(feed(0, None, vec![]), Feed::Entries(vec![]));
    }

    #[test]
    fn changes_round_trip_through_the_log_encoding() {
        let changes = vec![Change::DeleteUser {
            user_id: "AIDA1".into(),
        }];
        let entry = decode(
            7,
            "n".into(),
            1_700_000_000_000_000,
            &encode(&changes).unwrap(),
        );
        let entry = entry.unwrap();
        assert_eq!(entry.changes, changes);
        assert_eq!(entry.committed.unix_timestamp(), 1_700_000_000);
    }
}
