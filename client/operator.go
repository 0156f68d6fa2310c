package client

import (
	"context"

	"github.com/cofferhq/coffer/api"
)

// SealStatus reports whether the server is sealed.
func (c *Client) SealStatus(ctx context.Context) (*api.SealStatus, error) {
	var st api.SealStatus
	return &st, c.do(ctx, "GET", "/coffer/v1/operator/seal-status", nil, &st)
}

// Init initializes a Shamir server and returns its unseal shares (once).
func (c *Client) Init(ctx context.Context, shares, threshold int) (*api.InitResponse, error) {
	var res api.InitResponse
	return &res, c.do(ctx, "POST", "/coffer/v1/operator/init", api.InitRequest{Shares: shares, Threshold: threshold}, &res)
}

// Unseal sends one unseal share.
func (c *Client) Unseal(ctx context.Context, share string) (*api.SealStatus, error) {
	var st api.SealStatus
	return &st, c.do(ctx, "POST", "/coffer/v1/operator/unseal", api.UnsealRequest{Share: share}, &st)
}

// Seal seals the server (operator administrators only).
func (c *Client) Seal(ctx context.Context) (*api.SealStatus, error) {
	var st api.SealStatus
	return &st, c.do(ctx, "POST", "/coffer/v1/operator/seal", nil, &st)
}

// RotateRootKey re-wraps every data key under a new root key.
func (c *Client) RotateRootKey(ctx context.Context) (*api.RootKeyRotation, error) {
	var res api.RootKeyRotation
	return &res, c.do(ctx, "POST", "/coffer/v1/operator/rotate-root-key", nil, &res)
}

// Version returns the server's version.
func (c *Client) Version(ctx context.Context) (*api.Version, error) {
	var v api.Version
	return &v, c.do(ctx, "GET", "/coffer/v1/version", nil, &v)
}

// Health returns the server's readiness.
func (c *Client) Health(ctx context.Context) (*api.Health, error) {
	var h api.Health
	return &h, c.do(ctx, "GET", "/readyz", nil, &h)
}
