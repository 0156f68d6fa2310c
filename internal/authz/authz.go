// Package authz is the gate every operation passes: it authenticates the
// caller's credential, decides whether the caller may perform the named
// action on the target, and (with the audit trail) records the decision.
//
// Until policies exist, the rule is the bootstrap one: an account's
// administrator may do everything in that account, and only the
// administrator of the operator account may call operator actions.
package authz

import (
	"context"
	"log/slog"

	"github.com/cofferhq/coffer/api"
)

// Credential is what a request presents: a bearer token or an API key.
type Credential struct {
	Bearer api.Sensitive // IAM access token from "Authorization: Bearer"
	APIKey api.Sensitive // API key from "Authorization: Basic apikey:KEY"
}

// Empty reports whether the request presented no credential.
func (c Credential) Empty() bool { return c.Bearer == "" && c.APIKey == "" }

// Principal is an authenticated caller.
type Principal struct {
	IAMID     string // iam_id of the subject (user, service ID or profile)
	AccountID string
	Kind      string // "user", "serviceid", "profile"
	APIKeyID  string // the API key used, if any
	ProfileID string // the trusted profile, if any
	Admin     bool   // administrator of its account
	Operator  bool   // administrator of the operator account
}

// LogValue keeps principals short in logs.
func (p *Principal) LogValue() slog.Value {
	return slog.GroupValue(slog.String("iam_id", p.IAMID), slog.String("account", p.AccountID))
}

// Authenticator turns a credential into a principal. It returns an error
// wrapping api.ErrUnauthenticated for a missing, unknown, locked, disabled
// or expired credential.
type Authenticator interface {
	Authenticate(ctx context.Context, cred Credential) (*Principal, error)
}

// Gate authorizes operations.
type Gate struct {
	auth Authenticator
}

// NewGate returns a gate that authenticates with auth.
func NewGate(auth Authenticator) *Gate { return &Gate{auth: auth} }

// Operator action names.
const (
	ActionOperatorSeal          = "coffer-operator.seal.update"
	ActionOperatorRotateRootKey = "coffer-operator.root-key.rotate"
)

// Check authenticates cred and authorizes action on targetAccount's resources
// ("" for operator actions). It returns api.ErrUnauthenticated or
// api.ErrPermissionDenied; it never looks anything up for a caller it has not
// authenticated.
func (g *Gate) Check(ctx context.Context, cred Credential, action, targetAccount string) (*Principal, error) {
	if cred.Empty() {
		return nil, api.Errorf(api.ErrUnauthenticated, "no credential: send Authorization: Bearer TOKEN")
	}
	p, err := g.auth.Authenticate(ctx, cred)
	if err != nil {
		return nil, err
	}
	if !allowed(p, action, targetAccount) {
		return nil, api.Errorf(api.ErrPermissionDenied, "%s is not authorized to perform %s", p.IAMID, action)
	}
	return p, nil
}

func allowed(p *Principal, action, targetAccount string) bool {
	switch action {
	case ActionOperatorSeal, ActionOperatorRotateRootKey:
		return p.Operator
	}
	return p.Admin && p.AccountID == targetAccount
}
