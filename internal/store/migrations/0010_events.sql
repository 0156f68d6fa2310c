-- Coffer event notifications schema, version 10: where an instance's events
-- go (event_destinations) and the durable outbox of deliveries
-- (event_outbox). Package events owns both formats.
--
-- event_destinations.config is package events' JSON document of the
-- destination (format version 1: {"v":1,"url":...,"subject":...,
-- "secret_sealed":base64}); a webhook's signing secret is in it only sealed
-- with the instance's data key (kms.Keys), never in the clear.
--
-- event_outbox holds one row per event and destination: event is the JSON
-- body exactly as it is sent. state is pending, delivered or dead (given up
-- after the maximum number of attempts). A dispatcher claims due pending
-- rows (next_attempt_at <= now; FOR UPDATE SKIP LOCKED on PostgreSQL) by
-- writing a fresh claim_token, counting the attempt and pushing
-- next_attempt_at past a lease, so that a crashed node's rows come due again
-- and several nodes never hold the same row. Finishing a row requires its
-- claim token. Times are unix microseconds UTC; delivered_at is 0 until
-- delivered. Removing a destination removes its pending rows.
--
-- Portable as 0001: TEXT, BIGINT.

-- +goose Up
CREATE TABLE event_destinations (
    instance_guid TEXT   NOT NULL REFERENCES instances (guid) ON DELETE CASCADE,
    id            TEXT   NOT NULL,
    kind          TEXT   NOT NULL,
    config        TEXT   NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    revision      BIGINT NOT NULL,
    PRIMARY KEY (instance_guid, id)
);

CREATE TABLE event_outbox (
    id              TEXT   NOT NULL PRIMARY KEY,
    instance_guid   TEXT   NOT NULL,
    destination_id  TEXT   NOT NULL,
    event_id        TEXT   NOT NULL,
    event_type      TEXT   NOT NULL,
    event           TEXT   NOT NULL,
    state           TEXT   NOT NULL,
    attempts        BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    claim_token     TEXT   NOT NULL,
    delivered_at    BIGINT NOT NULL,
    last_error      TEXT   NOT NULL,
    created_at      BIGINT NOT NULL,
    UNIQUE (instance_guid, destination_id, event_id),
    FOREIGN KEY (instance_guid, destination_id)
        REFERENCES event_destinations (instance_guid, id) ON DELETE CASCADE
);
CREATE INDEX event_outbox_due ON event_outbox (state, next_attempt_at);
CREATE INDEX event_outbox_page ON event_outbox (instance_guid, created_at, id);

-- +goose Down
DROP INDEX event_outbox_page;
DROP INDEX event_outbox_due;
DROP TABLE event_outbox;
DROP TABLE event_destinations;
