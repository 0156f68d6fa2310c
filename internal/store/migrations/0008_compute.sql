-- Coffer compute runtime schema, version 8: Code Engine style projects and
-- their components (applications and jobs).
--
-- Portable as 0001: TEXT, BIGINT (unix microseconds for times), BOOLEAN.
-- A component's command, arguments and environment are JSON in TEXT
-- columns (format version-free: command and arguments are JSON arrays of
-- strings, env a JSON object of string values). The environment holds plain
-- configuration, never secrets: apps read secrets from Secrets Manager with
-- the CR token the runner gives them.

-- +goose Up
CREATE TABLE compute_projects (
    guid       TEXT   NOT NULL PRIMARY KEY,
    account_id TEXT   NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name       TEXT   NOT NULL,
    region     TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    revision   BIGINT NOT NULL,
    UNIQUE (account_id, name)
);
CREATE INDEX compute_projects_page ON compute_projects (account_id, created_at, guid);

CREATE TABLE compute_components (
    id                       TEXT    NOT NULL PRIMARY KEY,
    project_guid             TEXT    NOT NULL REFERENCES compute_projects (guid) ON DELETE CASCADE,
    type                     TEXT    NOT NULL,
    name                     TEXT    NOT NULL,
    image                    TEXT    NOT NULL,
    command                  TEXT    NOT NULL,
    arguments                TEXT    NOT NULL,
    env                      TEXT    NOT NULL,
    trusted_profiles_enabled BOOLEAN NOT NULL,
    trusted_profile          TEXT    NOT NULL,
    created_at               BIGINT  NOT NULL,
    updated_at               BIGINT  NOT NULL,
    revision                 BIGINT  NOT NULL,
    UNIQUE (project_guid, type, name)
);
CREATE INDEX compute_components_page ON compute_components (project_guid, type, created_at, id);

-- +goose Down
DROP TABLE compute_components;
DROP TABLE compute_projects;
