package authz

import (
	"context"

	"github.com/cofferhq/coffer/internal/policy"
)

// PolicySource supplies the policies the gate decides with. The policy
// service implements it over the store.
type PolicySource interface {
	// PoliciesFor returns the active access policies of accountID whose
	// subject is iamID or one of the access groups iamID belongs to,
	// compiled, together with those group ids.
	PoliciesFor(ctx context.Context, accountID, iamID string) ([]*policy.Compiled, []string, error)
}
