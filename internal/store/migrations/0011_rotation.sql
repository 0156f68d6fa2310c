-- Coffer rotation schema, version 11: the scheduler's bookkeeping on
-- secrets and versions (package rotation owns the meaning).
--
-- secrets.rotation_claim / rotation_not_before / rotation_attempts: a
-- scheduler claims a secret due for rotation (next_rotation_date <= now and
-- rotation_not_before unset or past) by writing a fresh claim token, counting
-- the attempt and pushing rotation_not_before past a lease (FOR UPDATE SKIP
-- LOCKED on PostgreSQL), so that several nodes never rotate the same secret
-- at once and a crashed node's claim comes due again. A failed rotation
-- leaves rotation_not_before at the retry time (exponential backoff); a
-- successful one clears the three columns.
--
-- secrets.expiry_stage / expiry_not_before: 0 = nothing sent yet, N > 0 =
-- the "expiring within N days" notice was sent, -1 = the expiry was
-- recorded (secret.expired sent). expiry_not_before is when the secret next
-- needs the scheduler's attention (the claim lease, or the next notice).
--
-- secret_versions.retire_after: when a superseded version of a credentials
-- type (iam_credentials, service_credentials, custom_credentials) may have
-- its credentials retired (API key deleted, database user dropped) once it
-- has no locks; NULL = nothing to retire (never superseded, or done).
-- retire_claim / retire_not_before lease it like rotation.
--
-- Portable as 0001: TEXT, BIGINT.

-- +goose Up
ALTER TABLE secrets ADD COLUMN rotation_claim TEXT NOT NULL DEFAULT '';
ALTER TABLE secrets ADD COLUMN rotation_not_before BIGINT;
ALTER TABLE secrets ADD COLUMN rotation_attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE secrets ADD COLUMN expiry_stage BIGINT NOT NULL DEFAULT 0;
ALTER TABLE secrets ADD COLUMN expiry_not_before BIGINT;
ALTER TABLE secret_versions ADD COLUMN retire_after BIGINT;
ALTER TABLE secret_versions ADD COLUMN retire_claim TEXT NOT NULL DEFAULT '';
ALTER TABLE secret_versions ADD COLUMN retire_attempts BIGINT NOT NULL DEFAULT 0;
CREATE INDEX secret_versions_retire ON secret_versions (retire_after);

-- +goose Down
DROP INDEX secret_versions_retire;
ALTER TABLE secret_versions DROP COLUMN retire_attempts;
ALTER TABLE secret_versions DROP COLUMN retire_claim;
ALTER TABLE secret_versions DROP COLUMN retire_after;
ALTER TABLE secrets DROP COLUMN expiry_not_before;
ALTER TABLE secrets DROP COLUMN expiry_stage;
ALTER TABLE secrets DROP COLUMN rotation_attempts;
ALTER TABLE secrets DROP COLUMN rotation_not_before;
ALTER TABLE secrets DROP COLUMN rotation_claim;
