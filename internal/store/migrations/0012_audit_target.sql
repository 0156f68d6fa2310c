-- Coffer audit trail schema, version 12: no index on audit_events.target.
--
-- Every audit event has a target, and targets (secret CRNs) are many and
-- arrive in no order, so keeping (target, seq) indexed cost each event a
-- page write of its own at a random place in the index: on a read-heavy
-- server that was most of what every audit commit wrote, and each secret
-- read waits for its audit commit. Queries filtered by target now walk the
-- log newest first (the primary key), usually together with the
-- account_id index, and stop at their page size. The time, account,
-- initiator and action indexes, whose keys arrive in order, stay.

-- +goose Up
DROP INDEX audit_events_target;

-- +goose Down
CREATE INDEX audit_events_target ON audit_events (target, seq);
