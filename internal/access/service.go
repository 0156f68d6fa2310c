package access

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/authz"
	"github.com/cofferhq/coffer/internal/store"
)

// Gate is what the service needs of the authorization gate (*authz.Gate).
// A gate that also has Invalidate(ctx) (with or without an error result)
// is told about every change to policies and group memberships.
type Gate interface {
	Authenticate(ctx context.Context, cred authz.Credential) (*authz.Principal, error)
	Authorize(ctx context.Context, p *authz.Principal, action string, res authz.Resource) error
}

// Config configures the service.
type Config struct {
	Store  *store.Store // required
	Gate   Gate         // required
	Logger *slog.Logger // nil discards
	Now    func() time.Time
	// PublicURL is the URL clients reach Coffer at; policy and group hrefs
	// start with it.
	PublicURL string
}

// Service is the IAM Policy Management and Access Groups service.
type Service struct {
	st   *store.Store
	gate Gate
	log  *slog.Logger
	now  func() time.Time
	url  string

	compiled sync.Map // policy id → *compiledPolicy, see PoliciesFor
}

// New returns the service. Errors: a missing Store or Gate.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Gate == nil {
		return nil, errors.New("access: Store and Gate are required")
	}
	s := &Service{st: cfg.Store, gate: cfg.Gate, log: cfg.Logger, now: cfg.Now,
		url: strings.TrimSuffix(cfg.PublicURL, "/")}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}

// Service names of the resources the gate is asked about.
const (
	servicePolicies = "iam-access-management"
	serviceGroups   = "iam-groups"
)

// Actions of the Policy Management and Access Groups operations.
const (
	ActionPolicyCreate = "iam-access-management.policy.create"
	ActionPolicyRead   = "iam-access-management.policy.read"
	ActionPolicyList   = "iam-access-management.policy.list"
	ActionPolicyUpdate = "iam-access-management.policy.update"
	ActionPolicyDelete = "iam-access-management.policy.delete"
	ActionRoleList     = "iam-access-management.role.list"
	ActionGroupCreate  = "iam-groups.group.create"
	ActionGroupRead    = "iam-groups.group.read"
	ActionGroupList    = "iam-groups.group.list"
	ActionGroupUpdate  = "iam-groups.group.update"
	ActionGroupDelete  = "iam-groups.group.delete"
	ActionMemberAdd    = "iam-groups.member.add"
	ActionMemberRemove = "iam-groups.member.remove"
	ActionMemberList   = "iam-groups.member.list"
)

// resourceOf is the gate resource of an action in an account.
func resourceOf(action, accountID string) authz.Resource {
	svc := servicePolicies
	if strings.HasPrefix(action, serviceGroups+".") {
		svc = serviceGroups
	}
	return authz.Resource{AccountID: accountID, ServiceName: svc}
}

// authorize authenticates cred and authorizes action on accountID, or on
// the caller's own account when accountID is "".
func (s *Service) authorize(ctx context.Context, cred authz.Credential, action, accountID string) (*authz.Principal, error) {
	p, err := s.gate.Authenticate(ctx, cred)
	if err != nil {
		return nil, err
	}
	if accountID == "" {
		accountID = p.AccountID
	}
	return p, s.gate.Authorize(ctx, p, action, resourceOf(action, accountID))
}

// authorizeObject runs load (which returns the object's account) and
// authorizes the authenticated caller p for action there. A missing object and one
// the caller may not act on both answer notFound.
func (s *Service) authorizeObject(ctx context.Context, p *authz.Principal, action string, notFound error,
	load func() (string, error)) error {
	account, err := load()
	if errors.Is(err, store.ErrNotFound) {
		return notFound
	}
	if err != nil {
		return err
	}
	err = s.gate.Authorize(ctx, p, action, resourceOf(action, account))
	if errors.Is(err, api.ErrPermissionDenied) {
		return notFound
	}
	return err
}

// invalidate tells the gate that policies or memberships changed. A failure
// is logged: the change itself is committed, and the gate's generation
// protocol is its own to make reliable.
func (s *Service) invalidate(ctx context.Context) {
	switch g := s.gate.(type) {
	case interface{ Invalidate(context.Context) error }:
		if err := g.Invalidate(ctx); err != nil {
			s.log.ErrorContext(ctx, "access: invalidating the authorization cache failed", "error", err.Error())
		}
	case interface{ Invalidate(context.Context) }:
		g.Invalidate(ctx)
	}
}

// newPolicyID returns a fresh policy id (a UUID, as IBM's).
func newPolicyID() string { return uuid.NewString() }

// newGroupID returns a fresh access group id.
func newGroupID() string { return "AccessGroupId-" + uuid.NewString() }

// policyTime formats a stored time for the Policy and Access Groups APIs.
func policyTime(t time.Time) string { return api.FormatPolicyTime(t) }
