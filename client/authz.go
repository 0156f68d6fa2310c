package client

import (
	"context"

	"github.com/cofferhq/coffer/api"
)

// Explain asks the server whether req.Subject may perform req.Action on
// req.Resource, and which policies matched or why none did
// (POST /coffer/v1/authz/explain, action iam-access-management.policy.read).
func (c *Client) Explain(ctx context.Context, req api.ExplainRequest) (*api.ExplainResponse, error) {
	var resp api.ExplainResponse
	return &resp, c.do(ctx, "POST", "/coffer/v1/authz/explain", req, &resp)
}
