-- The change log (see feed.rs): one row per commit, written in the commit's transaction.
-- `committed` is in microseconds since the epoch; `changes` is the commit's changes as JSON.
CREATE TABLE change_log (
    position    INTEGER PRIMARY KEY NOT NULL,
    origin      TEXT NOT NULL,
    committed   INTEGER NOT NULL,
    changes     TEXT NOT NULL
);
