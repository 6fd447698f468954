-- The audit trail: one CloudTrail record per request, chained by SHA-256 digests.
-- `hash` = SHA-256(prev_hash || "\n" || seq || "\n" || body), hex; the first event's prev_hash is
-- 64 zeros. `audit_head` holds the last seq and hash, written in the same transaction as each
-- append, so removing events from the end is detected too.
CREATE TABLE audit_events (
    seq           INTEGER PRIMARY KEY NOT NULL,
    event_time    INTEGER NOT NULL,
    account_id    TEXT NOT NULL,
    principal_arn TEXT,
    event_name    TEXT NOT NULL,
    error_code    TEXT,
    body          TEXT NOT NULL,
    prev_hash     TEXT NOT NULL,
    hash          TEXT NOT NULL
);
CREATE INDEX audit_events_time ON audit_events (event_time);
CREATE INDEX audit_events_principal ON audit_events (principal_arn, seq);
CREATE INDEX audit_events_name ON audit_events (event_name, seq);
CREATE INDEX audit_events_account ON audit_events (account_id, seq);

CREATE TABLE audit_head (
    id    INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    seq   INTEGER NOT NULL,
    hash  TEXT NOT NULL
);
