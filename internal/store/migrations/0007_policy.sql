-- Coffer IAM Policy Management and Access Groups schema, version 7.
--
-- policies holds IAM access and authorization policies in one model (v1 and
-- v2 are two wire views of the same row). subject, resource, resource_tags
-- and roles are JSON arrays in TEXT columns, rule is a JSON object or '' for
-- none; their shapes are package policy's Attribute, Role and Rule (version
-- free: IBM's key/operator/value model). The service keeps the derived
-- columns in step with the JSON:
--   subject_iam_id, subject_group_id  the access policy's subject, indexed so
--                                     that the policies of one caller are one
--                                     query (PoliciesFor); '' for the other
--   service_name, service_type        the resource's serviceName and its kind,
--                                     for the list filters
--   match_key                         a hash of type + subject + resource +
--                                     tags: two active policies of an account
--                                     may not share it (IBM's 409
--                                     policy_conflict_error); a partial unique
--                                     index enforces it on both databases.
--
-- access_groups ids are "AccessGroupId-<uuid>"; names are unique per account.
-- access_group_members (type user, service or profile) go with their group.
--
-- Portable as 0001: TEXT, BIGINT (unix microseconds UTC), BOOLEAN.

-- +goose Up
CREATE TABLE policies (
    id                  TEXT   NOT NULL PRIMARY KEY,
    account_id          TEXT   NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    type                TEXT   NOT NULL,
    state               TEXT   NOT NULL,
    description         TEXT   NOT NULL,
    subject             TEXT   NOT NULL,
    resource            TEXT   NOT NULL,
    resource_tags       TEXT   NOT NULL,
    roles               TEXT   NOT NULL,
    rule                TEXT   NOT NULL,
    pattern             TEXT   NOT NULL,
    subject_iam_id      TEXT   NOT NULL,
    subject_group_id    TEXT   NOT NULL,
    service_name        TEXT   NOT NULL,
    service_type        TEXT   NOT NULL,
    match_key           TEXT   NOT NULL,
    created_at          BIGINT NOT NULL,
    created_by_id       TEXT   NOT NULL,
    updated_at          BIGINT NOT NULL,
    last_modified_by_id TEXT   NOT NULL,
    revision            BIGINT NOT NULL
);
CREATE INDEX policies_page ON policies (account_id, created_at, id);
CREATE INDEX policies_iam_id ON policies (account_id, subject_iam_id, state);
CREATE INDEX policies_group_id ON policies (account_id, subject_group_id, state);
CREATE UNIQUE INDEX policies_unique_active ON policies (account_id, match_key) WHERE state = 'active';

CREATE TABLE access_groups (
    id                  TEXT   NOT NULL PRIMARY KEY,
    account_id          TEXT   NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name                TEXT   NOT NULL,
    description         TEXT   NOT NULL,
    created_at          BIGINT NOT NULL,
    created_by_id       TEXT   NOT NULL,
    updated_at          BIGINT NOT NULL,
    last_modified_by_id TEXT   NOT NULL,
    revision            BIGINT NOT NULL,
    UNIQUE (account_id, name)
);
CREATE INDEX access_groups_page ON access_groups (account_id, created_at, id);

CREATE TABLE access_group_members (
    group_id      TEXT   NOT NULL REFERENCES access_groups (id) ON DELETE CASCADE,
    iam_id        TEXT   NOT NULL,
    type          TEXT   NOT NULL,
    created_at    BIGINT NOT NULL,
    created_by_id TEXT   NOT NULL,
    PRIMARY KEY (group_id, iam_id)
);
CREATE INDEX access_group_members_iam_id ON access_group_members (iam_id, group_id);

-- +goose Down
DROP TABLE access_group_members;
DROP TABLE access_groups;
DROP TABLE policies;
