-- Coffer resource controller schema, version 5: resource groups and the
-- Resource Controller's view of instances.
--
-- resource_groups holds an account's resource groups (id: 32 hex digits).
-- Names are unique in an account; a partial unique index allows at most one
-- default group (is_default) per account, so that concurrent lazy creations
-- of the "Default" group cannot make two.
--
-- instances gains the columns of the Resource Controller's lifecycle:
-- who created, last updated and deleted it, when it was deleted and when it
-- is to be reclaimed (unix microseconds UTC; 0 = never), and the creation
-- parameters as a JSON object. A deleted instance keeps its row in state
-- pending_reclamation until the reaper removes it at reclaim_at; the
-- instances_reclaim index serves the reaper's scan. Rows written before this
-- migration (the bootstrap instance) get the defaults.
--
-- Portable as 0001: TEXT, BIGINT, BOOLEAN.

-- +goose Up
CREATE TABLE resource_groups (
    id         TEXT    NOT NULL PRIMARY KEY,
    account_id TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    is_default BOOLEAN NOT NULL,
    state      TEXT    NOT NULL,
    created_at BIGINT  NOT NULL,
    updated_at BIGINT  NOT NULL,
    revision   BIGINT  NOT NULL,
    UNIQUE (account_id, name)
);
CREATE INDEX resource_groups_account_page ON resource_groups (account_id, created_at, id);
CREATE UNIQUE INDEX resource_groups_one_default ON resource_groups (account_id) WHERE is_default;

ALTER TABLE instances ADD COLUMN created_by TEXT   NOT NULL DEFAULT '';
ALTER TABLE instances ADD COLUMN updated_by TEXT   NOT NULL DEFAULT '';
ALTER TABLE instances ADD COLUMN deleted_by TEXT   NOT NULL DEFAULT '';
ALTER TABLE instances ADD COLUMN deleted_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE instances ADD COLUMN reclaim_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE instances ADD COLUMN parameters TEXT   NOT NULL DEFAULT '{}';
CREATE INDEX instances_reclaim ON instances (state, reclaim_at);
CREATE INDEX instances_group ON instances (resource_group_id);

-- +goose Down
DROP INDEX instances_group;
DROP INDEX instances_reclaim;
ALTER TABLE instances DROP COLUMN parameters;
ALTER TABLE instances DROP COLUMN reclaim_at;
ALTER TABLE instances DROP COLUMN deleted_at;
ALTER TABLE instances DROP COLUMN deleted_by;
ALTER TABLE instances DROP COLUMN updated_by;
ALTER TABLE instances DROP COLUMN created_by;
DROP TABLE resource_groups;
