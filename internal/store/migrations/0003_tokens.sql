-- Coffer token service schema, version 3: IAM signing keys, refresh tokens
-- and the compute runtime's per-account CR token issuer keys.
--
-- Private keys are stored only encrypted under the system keyring (PKCS#8
-- DER sealed by kms.Keys.Encrypt). A signing key's kid is derived from the
-- rotation time slot it serves, so two nodes rotating at once collide on the
-- primary key and one of them reloads instead of creating a second key.
-- Refresh tokens are stored as keyed hashes; deleting their API key deletes
-- them (the refresh tokens of a key are revoked with it).

-- +goose Up
CREATE TABLE signing_keys (
    kid         TEXT   NOT NULL PRIMARY KEY,
    private_key BYTEA  NOT NULL,
    not_after   BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE compute_issuer_keys (
    account_id  TEXT   NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kid         TEXT   NOT NULL,
    private_key BYTEA  NOT NULL,
    not_after   BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (account_id, kid)
);
CREATE INDEX compute_issuer_keys_expiry ON compute_issuer_keys (expires_at);

CREATE TABLE refresh_tokens (
    hash       BYTEA  NOT NULL PRIMARY KEY,
    family     TEXT   NOT NULL,
    api_key_id TEXT   NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    account_id TEXT   NOT NULL,
    iam_id     TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT NOT NULL
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family);
CREATE INDEX refresh_tokens_api_key ON refresh_tokens (api_key_id);
CREATE INDEX refresh_tokens_expiry ON refresh_tokens (expires_at);

-- +goose Down
DROP TABLE refresh_tokens;
DROP TABLE compute_issuer_keys;
DROP TABLE signing_keys;
