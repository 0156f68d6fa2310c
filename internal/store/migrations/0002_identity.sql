-- Coffer IAM Identity schema, version 2: service IDs, trusted profiles with
-- their claim rules, links and trusted identities, and the API key fields
-- IBM's APIKey model has beyond version 1.
--
-- Portable as 0001: TEXT, BIGINT (unix microseconds for times), BOOLEAN,
-- BYTEA. Lists of strings (unique_instance_crns, rule conditions, identity
-- accounts) are JSON arrays in TEXT columns, version-free: their element
-- shapes are IBM's wire shapes. A profile's identities form one set with
-- its own revision (profiles.identities_revision) so that a PUT of the set
-- can be checked against the entity tag the client read.

-- +goose Up
CREATE TABLE service_ids (
    id                   TEXT    NOT NULL PRIMARY KEY,
    account_id           TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    iam_id               TEXT    NOT NULL UNIQUE,
    name                 TEXT    NOT NULL,
    description          TEXT    NOT NULL,
    unique_instance_crns TEXT    NOT NULL,
    locked               BOOLEAN NOT NULL,
    created_at           BIGINT  NOT NULL,
    updated_at           BIGINT  NOT NULL,
    revision             BIGINT  NOT NULL
);
CREATE INDEX service_ids_page ON service_ids (account_id, created_at, id);

CREATE TABLE profiles (
    id                  TEXT   NOT NULL PRIMARY KEY,
    account_id          TEXT   NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    iam_id              TEXT   NOT NULL UNIQUE,
    name                TEXT   NOT NULL,
    description         TEXT   NOT NULL,
    email               TEXT   NOT NULL,
    identities_revision BIGINT NOT NULL,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL,
    revision            BIGINT NOT NULL,
    UNIQUE (account_id, name)
);
CREATE INDEX profiles_page ON profiles (account_id, created_at, id);

CREATE TABLE profile_rules (
    id         TEXT   NOT NULL PRIMARY KEY,
    profile_id TEXT   NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    name       TEXT   NOT NULL,
    type       TEXT   NOT NULL,
    realm_name TEXT   NOT NULL,
    cr_type    TEXT   NOT NULL,
    expiration BIGINT NOT NULL,
    conditions TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    revision   BIGINT NOT NULL
);
CREATE INDEX profile_rules_page ON profile_rules (profile_id, created_at, id);

CREATE TABLE profile_links (
    id               TEXT    NOT NULL PRIMARY KEY,
    profile_id       TEXT    NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    name             TEXT    NOT NULL,
    cr_type          TEXT    NOT NULL,
    crn              TEXT    NOT NULL,
    namespace        TEXT    NOT NULL,
    sa_name          TEXT    NOT NULL,
    component_type   TEXT    NOT NULL,
    component_name   TEXT    NOT NULL,
    is_cross_account BOOLEAN NOT NULL,
    created_at       BIGINT  NOT NULL
);
CREATE INDEX profile_links_page ON profile_links (profile_id, created_at, id);

CREATE TABLE profile_identities (
    profile_id  TEXT   NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    type        TEXT   NOT NULL,
    identifier  TEXT   NOT NULL,
    iam_id      TEXT   NOT NULL,
    accounts    TEXT   NOT NULL,
    description TEXT   NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (profile_id, type, identifier)
);

ALTER TABLE api_keys ADD COLUMN expires_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE api_keys ADD COLUMN support_sessions BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE api_keys ADD COLUMN action_when_leaked TEXT NOT NULL DEFAULT 'none';
ALTER TABLE api_keys ADD COLUMN stored_value BYTEA;

-- +goose Down
ALTER TABLE api_keys DROP COLUMN stored_value;
ALTER TABLE api_keys DROP COLUMN action_when_leaked;
ALTER TABLE api_keys DROP COLUMN support_sessions;
ALTER TABLE api_keys DROP COLUMN expires_at;
DROP TABLE profile_identities;
DROP TABLE profile_links;
DROP TABLE profile_rules;
DROP TABLE profiles;
DROP TABLE service_ids;
