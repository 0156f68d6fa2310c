-- Coffer audit trail schema, version 4: the hash-chained audit log.
--
-- audit_events holds one row per audit event, numbered 1, 2, 3 ... without
-- gaps. Each row carries the hash of its predecessor (prev_hash; 32 zero
-- bytes for event 1) and its own hash, computed by package audit (see
-- internal/audit/doc.go for the versioned canonical encoding). The store
-- never computes or checks them. details is a JSON object of strings.
--
-- audit_head is a single row (id = 1) naming the last event and its hash.
-- A writer locks it (SELECT ... FOR UPDATE on PostgreSQL; SQLite runs one
-- writer at a time) before it numbers new events, so that several nodes on
-- one database extend one linear chain. seq = 0 with an empty hash means the
-- log is empty.
--
-- Portable as 0001: TEXT, BIGINT (time is unix microseconds UTC), BYTEA.

-- +goose Up
CREATE TABLE audit_events (
    seq              BIGINT NOT NULL PRIMARY KEY,
    time             BIGINT NOT NULL,
    account_id       TEXT   NOT NULL,
    request_id       TEXT   NOT NULL,
    initiator_iam_id TEXT   NOT NULL,
    initiator_kind   TEXT   NOT NULL,
    api_key_id       TEXT   NOT NULL,
    profile_id       TEXT   NOT NULL,
    source_addr      TEXT   NOT NULL,
    user_agent       TEXT   NOT NULL,
    action           TEXT   NOT NULL,
    target           TEXT   NOT NULL,
    outcome          TEXT   NOT NULL,
    reason           TEXT   NOT NULL,
    details          TEXT   NOT NULL,
    prev_hash        BYTEA  NOT NULL,
    hash             BYTEA  NOT NULL
);
CREATE INDEX audit_events_time ON audit_events (time);
CREATE INDEX audit_events_account ON audit_events (account_id, seq);
CREATE INDEX audit_events_initiator ON audit_events (initiator_iam_id, seq);
CREATE INDEX audit_events_action ON audit_events (action, seq);
CREATE INDEX audit_events_target ON audit_events (target, seq);

CREATE TABLE audit_head (
    id   BIGINT NOT NULL PRIMARY KEY,
    seq  BIGINT NOT NULL,
    hash BYTEA  NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');

-- +goose Down
DROP TABLE audit_head;
DROP TABLE audit_events;
