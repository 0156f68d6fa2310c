-- Secrets Manager v2 schema, version 1: secret groups, secrets, versions,
-- locks, configurations, the notifications registration and custom
-- credentials tasks. Every row belongs to an instance (directly or through
-- its secret) and goes with it (ON DELETE CASCADE).
--
-- Payloads and the secret parts of configurations are stored only as
-- ciphertext (package envelope via kms.Keys, bound to instance, secret and
-- version). Type-specific metadata is a JSON document (metadata columns);
-- what lists filter, sort or index on has its own column. The default secret
-- group is implicit (id "default"), so secrets.group_id has no foreign key.

-- +goose Up
CREATE TABLE secret_groups (
    instance_guid TEXT   NOT NULL REFERENCES instances (guid) ON DELETE CASCADE,
    id            TEXT   NOT NULL,
    name          TEXT   NOT NULL,
    description   TEXT   NOT NULL,
    created_by    TEXT   NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    revision      BIGINT NOT NULL,
    PRIMARY KEY (instance_guid, id),
    UNIQUE (instance_guid, name)
);

-- A name is unique per instance, group and type: IBM's GetSecretByNameType
-- addresses a secret by exactly these.
CREATE TABLE secrets (
    id                 TEXT    NOT NULL PRIMARY KEY,
    instance_guid      TEXT    NOT NULL REFERENCES instances (guid) ON DELETE CASCADE,
    group_id           TEXT    NOT NULL,
    secret_type        TEXT    NOT NULL,
    name               TEXT    NOT NULL,
    description        TEXT    NOT NULL,
    labels             TEXT    NOT NULL,
    state              BIGINT  NOT NULL,
    expiration_date    BIGINT,
    next_rotation_date BIGINT,
    metadata           TEXT    NOT NULL,
    current_version    TEXT    NOT NULL,
    versions_total     BIGINT  NOT NULL,
    locks_total        BIGINT  NOT NULL,
    downloaded         BOOLEAN NOT NULL,
    created_by         TEXT    NOT NULL,
    created_at         BIGINT  NOT NULL,
    updated_at         BIGINT  NOT NULL,
    revision           BIGINT  NOT NULL,
    UNIQUE (instance_guid, group_id, secret_type, name)
);
CREATE INDEX secrets_page ON secrets (instance_guid, created_at, id);
CREATE INDEX secrets_group ON secrets (instance_guid, group_id);
CREATE INDEX secrets_next_rotation ON secrets (next_rotation_date);
CREATE INDEX secrets_expiration ON secrets (expiration_date);

CREATE TABLE secret_labels (
    secret_id TEXT NOT NULL REFERENCES secrets (id) ON DELETE CASCADE,
    label     TEXT NOT NULL,
    PRIMARY KEY (secret_id, label)
);
CREATE INDEX secret_labels_label ON secret_labels (label, secret_id);

-- Versions are numbered 1, 2, ... per secret (seq); the highest is current,
-- the one below it previous. payload is NULL once the data is destroyed (or
-- while a custom credentials task has not delivered it).
CREATE TABLE secret_versions (
    id                TEXT    NOT NULL PRIMARY KEY,
    secret_id         TEXT    NOT NULL REFERENCES secrets (id) ON DELETE CASCADE,
    seq               BIGINT  NOT NULL,
    payload           BYTEA,
    payload_available BOOLEAN NOT NULL,
    downloaded        BOOLEAN NOT NULL,
    auto_rotated      BOOLEAN NOT NULL,
    metadata          TEXT    NOT NULL,
    expiration_date   BIGINT,
    created_by        TEXT    NOT NULL,
    created_at        BIGINT  NOT NULL,
    updated_at        BIGINT  NOT NULL,
    revision          BIGINT  NOT NULL,
    UNIQUE (secret_id, seq)
);

CREATE TABLE secret_locks (
    version_id    TEXT   NOT NULL REFERENCES secret_versions (id) ON DELETE CASCADE,
    name          TEXT   NOT NULL,
    secret_id     TEXT   NOT NULL REFERENCES secrets (id) ON DELETE CASCADE,
    instance_guid TEXT   NOT NULL,
    description   TEXT   NOT NULL,
    attributes    TEXT   NOT NULL,
    created_by    TEXT   NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    PRIMARY KEY (version_id, name)
);
CREATE INDEX secret_locks_secret ON secret_locks (secret_id, created_at);
CREATE INDEX secret_locks_instance ON secret_locks (instance_guid, secret_id);

-- Names may repeat across configuration types (the SDK's
-- X-Sm-Accept-Configuration-Type header resolves them).
CREATE TABLE secret_configurations (
    instance_guid TEXT   NOT NULL REFERENCES instances (guid) ON DELETE CASCADE,
    config_type   TEXT   NOT NULL,
    name          TEXT   NOT NULL,
    secret_type   TEXT   NOT NULL,
    metadata      TEXT   NOT NULL,
    sealed        BYTEA,
    created_by    TEXT   NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    revision      BIGINT NOT NULL,
    PRIMARY KEY (instance_guid, config_type, name)
);
CREATE INDEX secret_configurations_name ON secret_configurations (instance_guid, name);

CREATE TABLE notifications_registrations (
    instance_guid      TEXT   NOT NULL PRIMARY KEY REFERENCES instances (guid) ON DELETE CASCADE,
    instance_crn       TEXT   NOT NULL,
    source_name        TEXT   NOT NULL,
    source_description TEXT   NOT NULL,
    test_requested_at  BIGINT,
    created_by         TEXT   NOT NULL,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL,
    revision           BIGINT NOT NULL
);

CREATE TABLE secret_tasks (
    id          TEXT   NOT NULL PRIMARY KEY,
    secret_id   TEXT   NOT NULL REFERENCES secrets (id) ON DELETE CASCADE,
    version_id  TEXT   NOT NULL,
    task_type   TEXT   NOT NULL,
    status      TEXT   NOT NULL,
    task_trigger TEXT  NOT NULL,
    errors      TEXT   NOT NULL,
    created_by  TEXT   NOT NULL,
    updated_by  TEXT   NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    revision    BIGINT NOT NULL
);
CREATE INDEX secret_tasks_secret ON secret_tasks (secret_id, created_at, id);

-- +goose Down
DROP TABLE secret_tasks;
DROP TABLE notifications_registrations;
DROP TABLE secret_configurations;
DROP TABLE secret_locks;
DROP TABLE secret_versions;
DROP TABLE secret_labels;
DROP TABLE secrets;
DROP TABLE secret_groups;
