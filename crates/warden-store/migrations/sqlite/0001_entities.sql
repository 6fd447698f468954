-- Accounts, users, groups, memberships, access keys and inline policies.
-- Times are unix seconds (UTC). Names are unique per account regardless of case, as in AWS.
CREATE TABLE accounts (
    account_id  TEXT PRIMARY KEY NOT NULL,
    created     INTEGER NOT NULL
);

CREATE TABLE users (
    user_id     TEXT PRIMARY KEY NOT NULL,
    account_id  TEXT NOT NULL REFERENCES accounts(account_id),
    name        TEXT NOT NULL,
    name_lower  TEXT NOT NULL,
    path        TEXT NOT NULL,
    created     INTEGER NOT NULL,
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
    created     INTEGER NOT NULL,
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
    sealed_secret   BLOB NOT NULL,
    active          INTEGER NOT NULL,
    created         INTEGER NOT NULL,
    last_used       INTEGER,
    last_used_service TEXT,
    last_used_region  TEXT
);

CREATE TABLE inline_policies (
    account_id  TEXT NOT NULL REFERENCES accounts(account_id),
    owner_kind  TEXT NOT NULL CHECK (owner_kind IN ('user', 'group')),
    owner_id    TEXT NOT NULL,
    name        TEXT NOT NULL,
    name_lower  TEXT NOT NULL,
    document    TEXT NOT NULL,
    PRIMARY KEY (owner_kind, owner_id, name_lower)
);
