package compute

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"regexp"
	"time"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/authz"
	"github.com/cofferhq/coffer/internal/identity"
	"github.com/cofferhq/coffer/internal/store"
)

// ServiceName is the IAM service name of the compute runtime.
const ServiceName = "codeengine"

// DefaultTokenTTL is the lifetime of a CR token when the request names none.
const DefaultTokenTTL = 15 * time.Minute

// Minter mints CR tokens of an account's compute runtime issuer;
// *identity.Service implements it.
type Minter interface {
	MintCRToken(ctx context.Context, accountID string, c identity.CRClaims, ttl time.Duration) (api.Sensitive, error)
}

// Config configures the compute service.
type Config struct {
	Store  *store.Store // required
	Gate   *authz.Gate  // required
	Minter Minter       // required: the identity service
	Region string       // default region of new projects; default "us-south"
	Logger *slog.Logger // nil = discard
	Now    func() time.Time
}

// Service manages projects, applications and jobs and mints their CR tokens.
type Service struct {
	st     *store.Store
	gate   *authz.Gate
	minter Minter
	region string
	log    *slog.Logger
	now    func() time.Time
}

// New returns the compute service. Errors: api.ErrInvalid when Store, Gate
// or Minter is missing.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Gate == nil || cfg.Minter == nil {
		return nil, api.Errorf(api.ErrInvalid, "compute: Store, Gate and Minter are required")
	}
	s := &Service{st: cfg.Store, gate: cfg.Gate, minter: cfg.Minter, region: cfg.Region, log: cfg.Logger, now: cfg.Now}
	if s.region == "" {
		s.region = "us-south"
	}
	if s.log == nil {
		s.log = slog.New(slog.NewJSONHandler(io.Discard, nil))
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}

var (
	projectNameRE   = regexp.MustCompile(`^[a-zA-Z0-9][-_.a-zA-Z0-9]{0,62}$`)
	componentNameRE = regexp.MustCompile(`^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$`)
	regionRE        = regexp.MustCompile(`^[a-z0-9][-a-z0-9]{0,31}$`)
	envNameRE       = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,127}$`)
)

const (
	maxEnvVars   = 100
	maxEnvValue  = 4096
	maxArgv      = 64
	maxArgLength = 4096
)

// projectCRN is crn:v1:coffer:public:codeengine:REGION:a/ACCOUNT:GUID::.
func projectCRN(p *store.ComputeProject) identity.CRN {
	return identity.CRN{CName: identity.CloudName, CType: identity.CloudType, Service: ServiceName,
		Location: p.Region, Scope: "a/" + p.AccountID, ServiceInstance: p.GUID}
}

// componentCRN is the project's CRN with the component's type and name.
func componentCRN(p *store.ComputeProject, c *store.ComputeComponent) string {
	crn := projectCRN(p)
	crn.ResourceType, crn.Resource = c.Type, c.Name
	return crn.String()
}

// projectResource is what the gate sees of a project.
func projectResource(p *store.ComputeProject) authz.Resource {
	return authz.Resource{AccountID: p.AccountID, ServiceName: ServiceName, ServiceInstance: p.GUID,
		Region: p.Region, CRN: projectCRN(p).String()}
}

// componentResource is what the gate sees of a component; c may be nil for
// a component about to be created or listed (typ and name say which).
func componentResource(p *store.ComputeProject, typ, name string) authz.Resource {
	res := projectResource(p)
	res.ResourceType, res.ID = typ, name
	if name != "" {
		crn := projectCRN(p)
		crn.ResourceType, crn.Resource = typ, name
		res.CRN = crn.String()
	}
	return res
}

// errProjectNotFound is the answer for a project that is missing or that the
// caller may not see.
func errProjectNotFound(ref string) error {
	return api.Errorf(api.ErrNotFound, "Code Engine project %q was not found", ref)
}

// loadProject finds the project ref (a GUID or a name) in the caller's
// account.
func (s *Service) loadProject(ctx context.Context, p *authz.Principal, ref string) (*store.ComputeProject, error) {
	proj, err := s.st.ComputeProject(ctx, ref)
	if err == nil && proj.AccountID == p.AccountID {
		return proj, nil
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	proj, err = s.st.ComputeProjectByName(ctx, p.AccountID, ref)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errProjectNotFound(ref)
	}
	return proj, err
}

// authorizedProject authenticates cred, finds the project ref and asks the
// gate about action on res(project). A project the caller may not act on
// answers like a missing one.
func (s *Service) authorizedProject(ctx context.Context, cred authz.Credential, ref, action string,
	res func(*store.ComputeProject) authz.Resource) (*authz.Principal, *store.ComputeProject, error) {
	p, err := s.gate.Authenticate(ctx, cred)
	if err != nil {
		return nil, nil, err
	}
	proj, err := s.loadProject(ctx, p, ref)
	if err != nil {
		return nil, nil, err
	}
	if err := s.gate.Authorize(ctx, p, action, res(proj)); err != nil {
		if errors.Is(err, api.ErrPermissionDenied) && !s.gate.Allowed(ctx, p, api.ActionProjectGet, projectResource(proj)) {
			return nil, nil, errProjectNotFound(ref)
		}
		return nil, nil, err
	}
	return p, proj, nil
}

// Page selects one page of a list: Token is the next token of the previous
// page ("" for the first), Limit the page size (0 means 100, at most 1000).
type Page struct {
	Token string
	Limit int
}

func (p Page) options() store.ListOptions {
	return store.ListOptions{PageToken: p.Token, Limit: p.Limit}
}

func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }
