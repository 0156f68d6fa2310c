package client

import (
	"context"
	"net/url"

	"github.com/cofferhq/coffer/api"
)

// This file holds Coffer's federation API: the external OIDC issuers
// (Kubernetes service-account issuers, GitHub Actions, GitLab) whose tokens
// the cr-token grant accepts. Errors are *api.Error: api.ErrNotFound for an
// unknown id, api.ErrAlreadyExists for a name taken in the account or an
// issuer URL registered in any account, api.ErrInvalid for a refused body.

// ListFederationIssuersOptions are the query parameters of
// ListFederationIssuers.
type ListFederationIssuersOptions struct {
	AccountID string // default: the caller's account
	Start     string // the Next of the previous page
	Limit     int    // 1-1000; 0: the server's default (100)
}

// CreateFederationIssuer registers an external OIDC issuer.
func (c *Client) CreateFederationIssuer(ctx context.Context, req api.FederationIssuerRequest) (*api.FederationIssuer, error) {
	var out api.FederationIssuer
	return &out, c.do(ctx, "POST", api.FederationIssuerPath, req, &out)
}

// ListFederationIssuers returns one page of issuers; see AllFederationIssuers.
func (c *Client) ListFederationIssuers(ctx context.Context, opts ListFederationIssuersOptions) (*api.FederationIssuerList, error) {
	var out api.FederationIssuerList
	q := encodeQuery(url.Values{"account_id": {opts.AccountID}, "start": {opts.Start}, "limit": {itoa(opts.Limit)}})
	return &out, c.do(ctx, "GET", api.FederationIssuerPath+q, nil, &out)
}

// AllFederationIssuers returns every issuer of the account (the caller's
// when accountID is ""), following the pages.
func (c *Client) AllFederationIssuers(ctx context.Context, accountID string) ([]api.FederationIssuer, error) {
	var all []api.FederationIssuer
	opts := ListFederationIssuersOptions{AccountID: accountID}
	for range maxPages {
		l, err := c.ListFederationIssuers(ctx, opts)
		if err != nil {
			return nil, err
		}
		all = append(all, l.Issuers...)
		if l.Next == "" {
			return all, nil
		}
		opts.Start = l.Next
	}
	return nil, api.Errorf(api.ErrInternal, "more than %d pages of federation issuers", maxPages)
}

// FederationIssuer returns the issuer with the given id.
func (c *Client) FederationIssuer(ctx context.Context, id string) (*api.FederationIssuer, error) {
	var out api.FederationIssuer
	return &out, c.do(ctx, "GET", api.FederationIssuerPath+"/"+url.PathEscape(id), nil, &out)
}

// UpdateFederationIssuer replaces every field of issuer id with req; a
// non-zero req.Revision must be the current one (api.ErrConflict otherwise).
func (c *Client) UpdateFederationIssuer(ctx context.Context, id string, req api.FederationIssuerRequest) (*api.FederationIssuer, error) {
	var out api.FederationIssuer
	return &out, c.do(ctx, "PUT", api.FederationIssuerPath+"/"+url.PathEscape(id), req, &out)
}

// DeleteFederationIssuer removes issuer id; its tokens are refused from then on.
func (c *Client) DeleteFederationIssuer(ctx context.Context, id string) error {
	return c.do(ctx, "DELETE", api.FederationIssuerPath+"/"+url.PathEscape(id), nil, nil)
}
