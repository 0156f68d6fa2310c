-- Coffer federation schema, version 1: the external OIDC issuers accounts
-- register so that their tokens (Kubernetes projected service-account
-- tokens, GitHub Actions or GitLab ID tokens) can be exchanged with the
-- cr-token grant.
--
-- An issuer URL (the exact iss of its tokens) is unique across ALL
-- accounts: a token then belongs to exactly one account, the one that
-- registered its issuer. jwks_source is 'jwks_uri' (keys fetched from
-- jwks_uri), 'discovery' (jwks_uri read from
-- {issuer}/.well-known/openid-configuration) or 'static' (static_jwks holds
-- the JWKS document, public keys only, never fetched). audiences is a JSON
-- array of strings. Portable as 0001: TEXT, BIGINT (unix microseconds).

-- +goose Up
CREATE TABLE federation_issuers (
    id          TEXT   NOT NULL PRIMARY KEY,
    account_id  TEXT   NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name        TEXT   NOT NULL,
    description TEXT   NOT NULL,
    issuer      TEXT   NOT NULL UNIQUE,
    cr_type     TEXT   NOT NULL,
    cluster_crn TEXT   NOT NULL,
    jwks_source TEXT   NOT NULL,
    jwks_uri    TEXT   NOT NULL,
    static_jwks TEXT   NOT NULL,
    audiences   TEXT   NOT NULL,
    created_by  TEXT   NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    revision    BIGINT NOT NULL,
    UNIQUE (account_id, name)
);
CREATE INDEX federation_issuers_page ON federation_issuers (account_id, created_at, id);

-- +goose Down
DROP TABLE federation_issuers;
