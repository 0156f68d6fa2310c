package store

import (
	"context"
	"fmt"
	"time"
)

// This file holds the external OIDC issuers of migration 0009, which
// package federation registers and verifies CR tokens with.

// FederationIssuer is an external OIDC issuer registered in an account.
// Issuer (the exact iss of its tokens) is unique across all accounts; Name
// is unique within the account. JWKSSource is "jwks_uri", "discovery" or
// "static"; StaticJWKS holds the JWKS document of a static issuer (public
// keys only) and is "" otherwise. Audiences is never stored empty by
// package federation, but the store does not enforce it.
type FederationIssuer struct {
	ID          string
	AccountID   string
	Name        string
	Description string
	Issuer      string
	CRType      string // IKS_SA, ROKS_SA or OIDC
	ClusterCRN  string // IKS_SA and ROKS_SA only
	JWKSSource  string
	JWKSURI     string
	StaticJWKS  string
	Audiences   []string
	CreatedBy   string // iam_id of the creator
	CreatedAt   time.Time
	UpdatedAt   time.Time
	Revision    int64
}

const federationIssuerCols = "id, account_id, name, description, issuer, cr_type, cluster_crn, jwks_source, " +
	"jwks_uri, static_jwks, audiences, created_by, created_at, updated_at, revision"

func scanFederationIssuer(s scanner) (*FederationIssuer, error) {
	v := new(FederationIssuer)
	err := s.Scan(&v.ID, &v.AccountID, &v.Name, &v.Description, &v.Issuer, &v.CRType, &v.ClusterCRN, &v.JWKSSource,
		&v.JWKSURI, &v.StaticJWKS, (*jsonList[string])(&v.Audiences), &v.CreatedBy,
		(*usec)(&v.CreatedAt), (*usec)(&v.UpdatedAt), &v.Revision)
	return v, err
}

func federationIssuerKey(v *FederationIssuer) (time.Time, string) { return v.CreatedAt, v.ID }

// CreateFederationIssuer stores a new issuer. It sets v.Revision to 1 and
// v.CreatedAt and v.UpdatedAt to now when zero. Errors: ErrAlreadyExists
// (same id, same issuer URL in any account, or same name in the account),
// api.ErrFailedPrecondition (no such account), api.ErrInvalid (empty id,
// account id or issuer).
func (q *queries) CreateFederationIssuer(ctx context.Context, v *FederationIssuer) error {
	if err := required("create federation issuer", "id", v.ID, "account id", v.AccountID, "issuer", v.Issuer); err != nil {
		return err
	}
	created, updated := createTimes(v.CreatedAt, v.UpdatedAt)
	v.Audiences = nilIfEmpty(v.Audiences)
	err := q.create(ctx, "federation issuer "+v.ID,
		`INSERT INTO federation_issuers (id, account_id, name, description, issuer, cr_type, cluster_crn, jwks_source,
		 jwks_uri, static_jwks, audiences, created_by, created_at, updated_at, revision)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
		v.ID, v.AccountID, v.Name, v.Description, v.Issuer, v.CRType, v.ClusterCRN, v.JWKSSource,
		v.JWKSURI, v.StaticJWKS, jsonText(v.Audiences), v.CreatedBy, micros(created), micros(updated))
	if err != nil {
		return err
	}
	v.CreatedAt, v.UpdatedAt, v.Revision = created, updated, 1
	return nil
}

// FederationIssuer returns the issuer with the given id, or ErrNotFound.
func (q *queries) FederationIssuer(ctx context.Context, id string) (*FederationIssuer, error) {
	return getOne(ctx, q, scanFederationIssuer, "federation issuer "+id,
		`SELECT `+federationIssuerCols+` FROM federation_issuers WHERE id = ?`, id)
}

// FederationIssuerByURL returns the issuer whose issuer URL is exactly iss,
// in whichever account registered it, or ErrNotFound.
func (q *queries) FederationIssuerByURL(ctx context.Context, iss string) (*FederationIssuer, error) {
	return getOne(ctx, q, scanFederationIssuer, fmt.Sprintf("federation issuer %q", iss),
		`SELECT `+federationIssuerCols+` FROM federation_issuers WHERE issuer = ?`, iss)
}

// FederationIssuerByName returns the account's issuer named name, or
// ErrNotFound.
func (q *queries) FederationIssuerByName(ctx context.Context, accountID, name string) (*FederationIssuer, error) {
	return getOne(ctx, q, scanFederationIssuer, fmt.Sprintf("account %s federation issuer named %q", accountID, name),
		`SELECT `+federationIssuerCols+` FROM federation_issuers WHERE account_id = ? AND name = ?`, accountID, name)
}

// ListFederationIssuers returns a page of the account's issuers. Errors:
// api.ErrInvalid for a bad page token or an empty account id.
func (q *queries) ListFederationIssuers(ctx context.Context, accountID string, opts ListOptions) ([]*FederationIssuer, string, error) {
	if err := required("list federation issuers", "account id", accountID); err != nil {
		return nil, "", err
	}
	p := page{what: "list federation issuers of account " + accountID, cols: federationIssuerCols,
		table: "federation_issuers", id: "id", where: "account_id = ?", args: []any{accountID}}
	return list(ctx, q, p, opts, scanFederationIssuer, federationIssuerKey)
}

// UpdateFederationIssuer writes every field of v but its id, account,
// creator and creation time, if the stored row is still at v.Revision, then
// increments v.Revision and sets v.UpdatedAt. Errors: ErrNotFound,
// ErrConflict, ErrAlreadyExists (the new name or issuer URL is taken).
func (q *queries) UpdateFederationIssuer(ctx context.Context, v *FederationIssuer) error {
	t := now()
	v.Audiences = nilIfEmpty(v.Audiences)
	err := q.update(ctx, "federation issuer "+v.ID,
		`UPDATE federation_issuers SET name = ?, description = ?, issuer = ?, cr_type = ?, cluster_crn = ?,
		 jwks_source = ?, jwks_uri = ?, static_jwks = ?, audiences = ?, updated_at = ?, revision = revision + 1
		 WHERE id = ? AND revision = ?`,
		[]any{v.Name, v.Description, v.Issuer, v.CRType, v.ClusterCRN, v.JWKSSource, v.JWKSURI, v.StaticJWKS,
			jsonText(v.Audiences), micros(t), v.ID, v.Revision},
		`SELECT 1 FROM federation_issuers WHERE id = ?`, v.ID)
	if err != nil {
		return err
	}
	v.Revision++
	v.UpdatedAt = t
	return nil
}

// DeleteFederationIssuer deletes the issuer. Errors: ErrNotFound.
func (q *queries) DeleteFederationIssuer(ctx context.Context, id string) error {
	return q.execOne(ctx, "federation issuer "+id, `DELETE FROM federation_issuers WHERE id = ?`, id)
}
