package api

import "encoding/json"

// This file holds the wire types of Coffer's federation API:
// /coffer/v1/federation/issuers, the external OIDC issuers (Kubernetes
// service-account issuers, GitHub Actions, GitLab) whose tokens the
// cr-token grant of POST /identity/token accepts.
//
// Format, version 1: JSON objects with snake_case names; times are RFC 3339
// strings in UTC (FormatAuditTime's layout). Lists always carry their
// array, empty rather than null. A static JWKS holds public keys only.

// CRTypeOIDC is the cr_type of tokens of a generic external OIDC issuer
// (GitHub Actions, GitLab...). Only claim rules, never links, match them.
const CRTypeOIDC = "OIDC"

// Sources of an issuer's keys (FederationIssuer.JWKSSource).
const (
	JWKSSourceURI       = "jwks_uri"  // fetched from JWKSURI
	JWKSSourceDiscovery = "discovery" // jwks_uri read from {issuer}/.well-known/openid-configuration
	JWKSSourceStatic    = "static"    // the JWKS document given at registration, never fetched
)

// FederationIssuerPath is the collection of external OIDC issuers.
const FederationIssuerPath = "/coffer/v1/federation/issuers"

// FederationIssuer is an external OIDC issuer registered in an account.
// Issuer is the exact iss of its tokens and is unique across all accounts
// of a Coffer: a token belongs to the account that registered its issuer.
type FederationIssuer struct {
	ID          string          `json:"id"`
	AccountID   string          `json:"account_id"`
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Issuer      string          `json:"issuer"`
	CRType      string          `json:"cr_type"`               // IKS_SA, ROKS_SA or OIDC
	ClusterCRN  string          `json:"cluster_crn,omitempty"` // IKS_SA, ROKS_SA: the link.crn links name
	JWKSSource  string          `json:"jwks_source"`
	JWKSURI     string          `json:"jwks_uri,omitempty"`
	JWKS        json.RawMessage `json:"jwks,omitempty"` // static issuers only
	Audiences   []string        `json:"audiences"`
	CreatedBy   string          `json:"created_by"`
	CreatedAt   string          `json:"created_at"`
	UpdatedAt   string          `json:"updated_at"`
	Revision    int64           `json:"revision"`
}

// FederationIssuerRequest is the body of POST /coffer/v1/federation/issuers
// and of PUT /coffer/v1/federation/issuers/{id}, which replaces every field.
// AccountID defaults to the caller's account (create only). Exactly one key
// source: JWKSSource "jwks_uri" with JWKSURI, "discovery", or "static" with
// JWKS; an empty JWKSSource is inferred from the other two fields, else
// discovery. Audiences defaults to ["iam"]. Revision, when set on a PUT,
// must equal the stored revision (api.ErrConflict otherwise).
type FederationIssuerRequest struct {
	AccountID   string          `json:"account_id,omitempty"`
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Issuer      string          `json:"issuer"`
	CRType      string          `json:"cr_type"`
	ClusterCRN  string          `json:"cluster_crn,omitempty"`
	JWKSSource  string          `json:"jwks_source,omitempty"`
	JWKSURI     string          `json:"jwks_uri,omitempty"`
	JWKS        json.RawMessage `json:"jwks,omitempty"`
	Audiences   []string        `json:"audiences,omitempty"`
	Revision    int64           `json:"revision,omitempty"`
}

// FederationIssuerList is the answer of GET /coffer/v1/federation/issuers.
// Next is the page token of the next page, "" on the last.
type FederationIssuerList struct {
	Issuers []FederationIssuer `json:"issuers"`
	Next    string             `json:"next,omitempty"`
}
