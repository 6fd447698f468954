-- The audit trail (see migrations/sqlite/0004_audit.sql): records chained by SHA-256 digests.
-- The head row exists from the start, so an append locks it (FOR UPDATE) and appends from
-- several nodes are serialised into one chain.
CREATE TABLE audit_events (
    seq           BIGINT PRIMARY KEY NOT NULL,
    event_time    BIGINT NOT NULL,
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
    seq   BIGINT NOT NULL,
    hash  TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
    VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
