-- The PostgreSQL schema: the same tables as SQLite's migrations 0001 to 0003 (see
-- ../sqlite/), with PostgreSQL's types. Times are unix seconds (UTC); names are unique per
-- account regardless of case, as in AWS.
CREATE TABLE accounts (
    account_id  TEXT PRIMARY KEY NOT NULL,
    created     BIGINT NOT NULL
);

CREATE TABLE users (
    user_id     TEXT PRIMARY KEY NOT NULL,
    account_id  TEXT NOT NULL REFERENCES accounts(account_id),
    name        TEXT NOT NULL,
    name_lower  TEXT NOT NULL,
    path        TEXT NOT NULL,
    created     BIGINT NOT NULL,
    permissions_boundary TEXT,
    tags        TEXT NOT NULL,
    UNIQUE (account_id, name_lower)
);

CREATE TABLE groups (
    group_id    TEXT PRIMARY KEY NOT NULL,
    account_id  TEXT NOT NULL REFERENCES accounts(account_id),
    name        TEXT NOT NULL,
    name_lower  TEXT NOT NULL,
    path        TEXT NOT NULL,
    created     BIGINT NOT NULL,
    UNIQUE (account_id, name_lower)
);

CREATE TABLE group_members (
    group_id    TEXT NOT NULL REFERENCES groups(group_id),
    user_id     TEXT NOT NULL REFERENCES users(user_id),
    PRIMARY KEY (group_id, user_id)
);

-- `owner_user_id` is NULL for the account root's keys. The secret is sealed (AES-256-GCM) by
-- warden-core before it reaches this table.
CREATE TABLE access_keys (
    access_key_id   TEXT PRIMARY KEY NOT NULL,
    account_id      TEXT NOT NULL REFERENCES accounts(account_id),
    owner_user_id   TEXT REFERENCES users(user_id),
    sealed_secret   BYTEA NOT NULL,
    active          BOOLEAN NOT NULL,
    created         BIGINT NOT NULL,
    last_used       BIGINT,
    last_used_service TEXT,
    last_used_region  TEXT
);

CREATE TABLE inline_policies (
    account_id  TEXT NOT NULL REFERENCES accounts(account_id),
    owner_kind  TEXT NOT NULL CHECK (owner_kind IN ('user', 'group', 'role')),
    owner_id    TEXT NOT NULL,
    name        TEXT NOT NULL,
    name_lower  TEXT NOT NULL,
    document    TEXT NOT NULL,
    PRIMARY KEY (owner_kind, owner_id, name_lower)
);

-- Records kept whole as JSON (see objects.rs). NULLs are distinct in a UNIQUE constraint, so
-- objects without a unique name never collide, as in SQLite.
CREATE TABLE objects (
    kind        TEXT NOT NULL,
    id          TEXT NOT NULL,
    account_id  TEXT NOT NULL REFERENCES accounts(account_id),
    scope       TEXT,
    name_lower  TEXT,
    body        TEXT NOT NULL,
    PRIMARY KEY (kind, id),
    UNIQUE (kind, scope, name_lower)
);

-- The change log (see feed.rs): one row per commit, written in the commit's transaction.
-- `committed` is in microseconds since the epoch; `changes` is the commit's changes as JSON.
CREATE TABLE change_log (
    position    BIGINT PRIMARY KEY NOT NULL,
    origin      TEXT NOT NULL,
    committed   BIGINT NOT NULL,
    changes     TEXT NOT NULL
);
