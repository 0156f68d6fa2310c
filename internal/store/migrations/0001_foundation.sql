-- Coffer foundation schema, version 1.
--
-- The same text runs on SQLite and PostgreSQL: only TEXT, BIGINT, BOOLEAN and
-- BYTEA (NUMERIC affinity on SQLite, which keeps blobs as they are). Times are
-- BIGINT unix microseconds UTC. Every mutable row carries a revision for
-- optimistic concurrency. Lists page by (created_at, id), hence the indexes.

-- +goose Up
CREATE TABLE accounts (
    id           TEXT    NOT NULL PRIMARY KEY,
    name         TEXT    NOT NULL,
    state        TEXT    NOT NULL,
    owner_iam_id TEXT    NOT NULL,
    created_at BIGINT  NOT NULL,
    updated_at BIGINT  NOT NULL,
    revision   BIGINT  NOT NULL
);
CREATE INDEX accounts_page ON accounts (created_at, id);

CREATE TABLE users (
    iam_id     TEXT    NOT NULL,
    account_id TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    email      TEXT    NOT NULL,
    state      TEXT    NOT NULL,
    created_at BIGINT  NOT NULL,
    updated_at BIGINT  NOT NULL,
    revision   BIGINT  NOT NULL,
    PRIMARY KEY (account_id, iam_id),
    UNIQUE (account_id, name)
);
CREATE INDEX users_page ON users (account_id, created_at, iam_id);

CREATE TABLE api_keys (
    id          TEXT    NOT NULL PRIMARY KEY,
    account_id  TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    iam_id      TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    description TEXT    NOT NULL,
    created_by  TEXT    NOT NULL,
    hash        BYTEA   NOT NULL UNIQUE,
    locked      BOOLEAN NOT NULL,
    disabled    BOOLEAN NOT NULL,
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL,
    revision    BIGINT  NOT NULL
);
CREATE INDEX api_keys_page ON api_keys (account_id, created_at, id);
CREATE INDEX api_keys_owner_page ON api_keys (account_id, iam_id, created_at, id);

CREATE TABLE instances (
    guid              TEXT   NOT NULL PRIMARY KEY,
    account_id        TEXT   NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name              TEXT   NOT NULL,
    region            TEXT   NOT NULL,
    resource_group_id TEXT   NOT NULL,
    plan              TEXT   NOT NULL,
    state             TEXT   NOT NULL,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    revision          BIGINT NOT NULL,
    UNIQUE (account_id, name)
);
CREATE INDEX instances_page ON instances (created_at, guid);
CREATE INDEX instances_account_page ON instances (account_id, created_at, guid);

-- No foreign key to instances: the system namespace ("" or "coffer:system")
-- has data keys but no instance row.
CREATE TABLE data_keys (
    instance_id TEXT   NOT NULL,
    term        BIGINT NOT NULL,
    wrapped     BYTEA  NOT NULL,
    root_key_id TEXT   NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (instance_id, term)
);

CREATE TABLE meta (
    name  TEXT  NOT NULL PRIMARY KEY,
    value BYTEA NOT NULL
);

-- +goose Down
DROP TABLE meta;
DROP TABLE data_keys;
DROP TABLE instances;
DROP TABLE api_keys;
DROP TABLE users;
DROP TABLE accounts;
