-- Coffer secrets schema, version 13: fewer index writes per new secret.
--
-- secrets_group (instance_guid, group_id) repeats the leading columns of the
-- unique (instance_guid, group_id, secret_type, name) index, which serves
-- the same lookups. The rotation and expiry indexes now hold only secrets
-- that have a date: most secrets (arbitrary, kv, imported certificates
-- without expiry) have none, and the scheduler's queries compare the date,
-- which implies it is not null, so they keep using the indexes. Likewise
-- the index of versions waiting to be retired holds only those.

-- +goose Up
DROP INDEX secrets_group;
DROP INDEX secrets_next_rotation;
DROP INDEX secrets_expiration;
CREATE INDEX secrets_next_rotation ON secrets (next_rotation_date) WHERE next_rotation_date IS NOT NULL;
CREATE INDEX secrets_expiration ON secrets (expiration_date) WHERE expiration_date IS NOT NULL;
DROP INDEX secret_versions_retire;
CREATE INDEX secret_versions_retire ON secret_versions (retire_after) WHERE retire_after IS NOT NULL;

-- +goose Down
DROP INDEX secret_versions_retire;
CREATE INDEX secret_versions_retire ON secret_versions (retire_after);
DROP INDEX secrets_expiration;
DROP INDEX secrets_next_rotation;
CREATE INDEX secrets_expiration ON secrets (expiration_date);
CREATE INDEX secrets_next_rotation ON secrets (next_rotation_date);
CREATE INDEX secrets_group ON secrets (instance_guid, group_id);
