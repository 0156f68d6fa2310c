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
	"strings"

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

// Resource is the target of an action, described by IBM's resource
// attributes. Policies match on these attributes; an empty field is an
// attribute the request does not carry.
type Resource struct {
	AccountID       string // accountId
	ServiceName     string // serviceName; "" = the service the action names
	ServiceInstance string // serviceInstance (an instance GUID)
	Region          string // region
	ResourceGroupID string // resourceGroupId
	ResourceType    string // resourceType, e.g. "secret-group"
	ID              string // resource, e.g. a secret group id
	CRN             string // the target's CRN, for the audit trail
}

// AccountResource is the resource of an account-wide action.
func AccountResource(accountID string) Resource { return Resource{AccountID: accountID} }

// ServiceOf returns the service an action belongs to: the part of its name
// before the first dot ("secrets-manager" for "secrets-manager.secret.read").
func ServiceOf(action string) string {
	svc, _, _ := strings.Cut(action, ".")
	return svc
}

// Check authenticates cred, then authorizes action on res. It returns
// api.ErrUnauthenticated or api.ErrPermissionDenied; it never looks anything
// up for a caller it has not authenticated.
func (g *Gate) Check(ctx context.Context, cred Credential, action string, res Resource) (*Principal, error) {
	p, err := g.Authenticate(ctx, cred)
	if err != nil {
		return nil, err
	}
	return p, g.Authorize(ctx, p, action, res)
}

// Authenticate turns cred into the caller's principal (api.ErrUnauthenticated
// when it is missing or unusable).
func (g *Gate) Authenticate(ctx context.Context, cred Credential) (*Principal, error) {
	if cred.Empty() {
		return nil, api.Errorf(api.ErrUnauthenticated, "no credential: send Authorization: Bearer TOKEN")
	}
	return g.auth.Authenticate(ctx, cred)
}

// Authorize decides whether p may perform action on res, and returns
// api.ErrPermissionDenied when it may not.
func (g *Gate) Authorize(ctx context.Context, p *Principal, action string, res Resource) error {
	if !g.Allowed(ctx, p, action, res) {
		return api.Errorf(api.ErrPermissionDenied, "%s is not authorized to perform %s", p.IAMID, action)
	}
	return nil
}

// Allowed reports whether p may perform action on res; lists use it to
// keep only what the caller may see.
func (g *Gate) Allowed(ctx context.Context, p *Principal, action string, res Resource) bool {
	switch action {
	case ActionOperatorSeal, ActionOperatorRotateRootKey:
		return p.Operator
	}
	return p.Admin && p.AccountID == res.AccountID
}
