// Package authz is the gate every operation passes: it authenticates the
// caller's credential, decides with the account's IAM policies whether the
// caller may perform the named action on the target, and writes one audit
// event for the decision before the operation may proceed.
//
// # Decisions
//
// A decision is policy.DecideCompiled over the policies the PolicySource
// returns for the caller (its own and its access groups'), with the request
// built from the caller (iam_id, groups, account), the action, the target's
// resource attributes (Resource) and the gate's clock. Tenancy comes first:
// a caller never gets anything on a resource of another account, whatever
// the policies say; a resource without an account is refused too. Operator
// actions (coffer-operator.*) target the operator account when the caller
// names none, so the operator account's administrator policies cover them.
//
// # Caches and invalidation
//
// The gate caches, per principal (iam_id and account), the compiled policies
// and groups, and per (principal, action, resource) the decision, both
// bounded LRUs. A generation counter guards both: Invalidate bumps it, so
// every entry cached before is ignored from the next request on; a change
// takes effect on the next request. Invalidate also tells the other gates of
// the process (Bus) and, through Config.Notifier (PostgreSQL LISTEN/NOTIFY
// on channel "coffer_authz"), the other nodes sharing the database, whose
// Run applies it. Entries also expire after Config.CacheTTL, and decisions
// of principals whose policies have time rules are not cached at all.
//
// # Audit
//
// Check and Authorize write one audit event per decision (outcome success or
// denied, with the reason) through Config.Audit before they return; when the
// write fails, the operation fails: they return an error wrapping
// api.ErrUnavailable (503). Unauthenticated attempts are audited as
// anonymous failures; the credential never reaches the event. Allowed, used
// to filter lists, decides without writing events: the list operation's own
// Check is the audited decision.
package authz

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/audit"
	"github.com/cofferhq/coffer/internal/policy"
	"github.com/cofferhq/coffer/internal/store"
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
	// Admin and Operator are informational (the account's owner, and the
	// owner of the operator account). The policy gate does not use them:
	// only NewGate's bootstrap rule does.
	Admin    bool
	Operator bool
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

// AuditLog is the audit trail the gate writes decisions to and the audit API
// reads; *audit.Log implements it.
type AuditLog interface {
	// Write commits e and returns once it is durable; see audit.Log.Write.
	Write(ctx context.Context, e audit.Event) error
	// Query returns a page of events; see audit.Log.Query.
	Query(ctx context.Context, f audit.Filter) ([]audit.Event, string, error)
	// Verify re-checks the hash chain; see audit.Log.Verify.
	Verify(ctx context.Context, from, to int64) (audit.VerifyReport, error)
	// AppendTx appends e inside an operation's transaction; see
	// audit.Log.AppendTx.
	AppendTx(ctx context.Context, tx *store.Tx, e audit.Event) (audit.Event, error)
	// Published hands events committed with AppendTx to the sinks.
	Published(events ...audit.Event)
}

// Operator action names.
const (
	ActionOperatorSeal          = "coffer-operator.seal.update"
	ActionOperatorRotateRootKey = "coffer-operator.root-key.rotate"
)

// ActionAuthenticate names the audit events of failed authentications that
// happen before any action is known (Gate.Authenticate on its own).
const ActionAuthenticate = "coffer.credential.authenticate"

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
	CRN             string // the target's CRN, for the audit trail only
}

// AccountResource is the resource of an account-wide action.
func AccountResource(accountID string) Resource { return Resource{AccountID: accountID} }

// ServiceOf returns the service an action belongs to, as the policy
// catalogue knows it ("secrets-manager" for "secrets-manager.secret.read",
// "coffer-account" for "coffer.account.create"); for an action the catalogue
// does not know, the part of its name before the first dot.
func ServiceOf(action string) string {
	if s := policy.ServiceOf(action); s != "" {
		return s
	}
	svc, _, _ := strings.Cut(action, ".")
	return svc
}

// Config configures a Gate.
type Config struct {
	Authenticator Authenticator // required
	Policies      PolicySource  // required
	Audit         AuditLog      // required: every decision is written here
	// Notifier carries invalidations to the other nodes of a shared
	// database; nil: this node only (and Bus).
	Notifier Notifier
	// Bus carries invalidations between the gates of one process; nil: a
	// bus of this gate's own.
	Bus *Bus
	// OperatorAccount returns the operator account, the target of operator
	// actions that name no account; nil: such actions are refused.
	OperatorAccount func(ctx context.Context) (string, error)
	Now             func() time.Time // default time.Now
	Logger          *slog.Logger     // nil discards
	// CacheSize bounds the decision cache (entries); zero means
	// DefaultCacheSize, negative disables both caches. The principal cache
	// holds a quarter as many entries.
	CacheSize int
	// CacheTTL bounds how long a cached entry is trusted even without an
	// invalidation; zero means DefaultCacheTTL.
	CacheTTL time.Duration
}

// Cache defaults.
const (
	DefaultCacheSize = 20000
	DefaultCacheTTL  = time.Minute
)

// Gate authorizes and audits operations.
type Gate struct {
	auth     Authenticator
	policies PolicySource
	audit    AuditLog
	notifier Notifier
	bus      *Bus
	opAcct   func(ctx context.Context) (string, error)
	now      func() time.Time
	log      *slog.Logger
	ttl      time.Duration
	node     string // this gate's id in notifications

	legacy bool // NewGate: the bootstrap rule, no policies, no audit

	gen        atomic.Uint64 // bumped by every invalidation
	principals *lru[principalKey, *principalEntry]
	decisions  *lru[decisionKey, decisionEntry]
	unsub      func()
}

// New returns a policy-based gate. Start Run when cfg.Notifier is set.
// Errors: api.ErrInvalid when a required dependency is missing.
func New(cfg Config) (*Gate, error) {
	if cfg.Authenticator == nil || cfg.Policies == nil || cfg.Audit == nil {
		return nil, api.Errorf(api.ErrInvalid, "authz: Authenticator, Policies and Audit are required")
	}
	g := &Gate{auth: cfg.Authenticator, policies: cfg.Policies, audit: cfg.Audit, notifier: cfg.Notifier,
		bus: cfg.Bus, opAcct: cfg.OperatorAccount, now: cfg.Now, log: cfg.Logger, ttl: cfg.CacheTTL,
		node: newNodeID()}
	if g.now == nil {
		g.now = time.Now
	}
	if g.log == nil {
		g.log = slog.New(slog.DiscardHandler)
	}
	if g.ttl <= 0 {
		g.ttl = DefaultCacheTTL
	}
	size := cfg.CacheSize
	if size == 0 {
		size = DefaultCacheSize
	}
	if size > 0 {
		g.principals = newLRU[principalKey, *principalEntry](max(size/4, 1))
		g.decisions = newLRU[decisionKey, decisionEntry](size)
	}
	if g.bus == nil {
		g.bus = NewBus()
	}
	g.unsub = g.bus.Subscribe(g.bump)
	return g, nil
}

// NewGate returns a gate with the bootstrap rule and no audit trail: an
// account's administrator may do everything in that account, and only the
// operator account's administrator may call operator actions. It exists for
// services built on their own (tests of a single package); the server builds
// its gate with New.
func NewGate(auth Authenticator) *Gate {
	return &Gate{auth: auth, legacy: true, now: time.Now, log: slog.New(slog.DiscardHandler), bus: NewBus()}
}

// Check authenticates cred, then authorizes action on res (see Authorize).
// It returns errors wrapping api.ErrUnauthenticated, api.ErrPermissionDenied
// or api.ErrUnavailable (the audit trail or the policies cannot be
// reached); it never looks anything up for a caller it has not
// authenticated, and it audits failed authentications as anonymous.
func (g *Gate) Check(ctx context.Context, cred Credential, action string, res Resource) (*Principal, error) {
	p, err := g.authenticate(ctx, cred, action, res)
	if err != nil {
		return nil, err
	}
	return p, g.Authorize(ctx, p, action, res)
}

// Authenticate turns cred into the caller's principal (api.ErrUnauthenticated
// when it is missing or unusable; such attempts are audited as anonymous
// failures of ActionAuthenticate).
func (g *Gate) Authenticate(ctx context.Context, cred Credential) (*Principal, error) {
	return g.authenticate(ctx, cred, ActionAuthenticate, Resource{})
}

func (g *Gate) authenticate(ctx context.Context, cred Credential, action string, res Resource) (*Principal, error) {
	var p *Principal
	var err error = api.Errorf(api.ErrUnauthenticated, "no credential: send Authorization: Bearer TOKEN")
	if !cred.Empty() {
		p, err = g.auth.Authenticate(ctx, cred)
	}
	if err == nil || !errors.Is(err, api.ErrUnauthenticated) {
		return p, err
	}
	if aerr := g.auditAnonymous(ctx, action, res, err); aerr != nil {
		return nil, aerr
	}
	return nil, err
}

// Authorize decides whether p may perform action on res and audits the
// decision. It returns nil when allowed, an error wrapping
// api.ErrPermissionDenied when not, and one wrapping api.ErrUnavailable
// when the decision cannot be made or its audit event cannot be written
// (the operation must fail: fail closed).
func (g *Gate) Authorize(ctx context.Context, p *Principal, action string, res Resource) error {
	res = g.target(ctx, action, res)
	d, err := g.decide(ctx, p, action, res)
	if err != nil {
		if aerr := g.auditDecision(ctx, p, action, res, outcome{failure: true, reason: "the decision failed: " + api.Message(err)}); aerr != nil {
			return aerr
		}
		return err
	}
	if err := g.auditDecision(ctx, p, action, res, outcome{allowed: d.allowed, reason: d.reason}); err != nil {
		return err
	}
	if !d.allowed {
		return api.Errorf(api.ErrPermissionDenied, "%s is not authorized to perform %s", p.IAMID, action)
	}
	return nil
}

// Allowed reports whether p may perform action on res, without an audit
// event; lists use it to keep only what the caller may see. A decision that
// fails (policies unreachable) is false.
func (g *Gate) Allowed(ctx context.Context, p *Principal, action string, res Resource) bool {
	d, err := g.decide(ctx, p, action, g.target(ctx, action, res))
	return err == nil && d.allowed
}

// target fills in the operator account for operator actions that name no
// account.
func (g *Gate) target(ctx context.Context, action string, res Resource) Resource {
	if res.AccountID != "" || g.opAcct == nil || ServiceOf(action) != "coffer-operator" {
		return res
	}
	if acct, err := g.opAcct(ctx); err == nil {
		res.AccountID = acct
	}
	return res
}
