-- Roles, managed policies, attachments, instance profiles, other credentials, aliases and
-- deletion tasks: one row per record, the record as JSON in `body` (see objects.rs).
-- `scope`/`name_lower` hold the name the database keeps unique regardless of case: per account
-- (scope = account id) or, for aliases, everywhere (scope = '').
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

-- Roles hold inline policies too: widen the owner check (SQLite cannot alter a CHECK).
CREATE TABLE inline_policies_v2 (
    account_id  TEXT NOT NULL REFERENCES accounts(account_id),
    owner_kind  TEXT NOT NULL CHECK (owner_kind IN ('user', 'group', 'role')),
    owner_id    TEXT NOT NULL,
    name        TEXT NOT NULL,
    name_lower  TEXT NOT NULL,
    document    TEXT NOT NULL,
    PRIMARY KEY (owner_kind, owner_id, name_lower)
);
INSERT INTO inline_policies_v2 SELECT account_id, owner_kind, owner_id, name, name_lower, document
    FROM inline_policies;
DROP TABLE inline_policies;
ALTER TABLE inline_policies_v2 RENAME TO inline_policies;
