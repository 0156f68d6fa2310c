package federation

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/google/uuid"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/authz"
	"github.com/cofferhq/coffer/internal/store"
)

// Actions of the federation API, under the IAM Identity service.
const (
	ActionIssuerCreate = "iam-identity.federation-issuer.create"
	ActionIssuerGet    = "iam-identity.federation-issuer.get"
	ActionIssuerList   = "iam-identity.federation-issuer.list"
	ActionIssuerUpdate = "iam-identity.federation-issuer.update"
	ActionIssuerDelete = "iam-identity.federation-issuer.delete"
)

// ServiceConfig configures a Service.
type ServiceConfig struct {
	Registry *Registry   // required: the registry the cr-token grant uses
	Gate     *authz.Gate // required
}

// Service is the federation API: it registers, shows, replaces and removes
// the external OIDC issuers of an account. Every method authenticates the
// caller and authorizes its action with the gate first.
type Service struct {
	r    *Registry
	st   *store.Store
	gate *authz.Gate
}

// New returns the federation API over cfg.Registry. Errors: api.ErrInvalid
// when a dependency is missing.
func New(cfg ServiceConfig) (*Service, error) {
	if cfg.Registry == nil || cfg.Gate == nil {
		return nil, api.Errorf(api.ErrInvalid, "federation: Registry and Gate are required")
	}
	return &Service{r: cfg.Registry, st: cfg.Registry.st, gate: cfg.Gate}, nil
}

// NewIssuerID returns "FederationIssuer-<uuid>".
func NewIssuerID() string { return "FederationIssuer-" + uuid.NewString() }

func issuerView(v *store.FederationIssuer) api.FederationIssuer {
	out := api.FederationIssuer{ID: v.ID, AccountID: v.AccountID, Name: v.Name, Description: v.Description,
		Issuer: v.Issuer, CRType: v.CRType, ClusterCRN: v.ClusterCRN, JWKSSource: v.JWKSSource, JWKSURI: v.JWKSURI,
		Audiences: v.Audiences, CreatedBy: v.CreatedBy, CreatedAt: api.FormatAuditTime(v.CreatedAt),
		UpdatedAt: api.FormatAuditTime(v.UpdatedAt), Revision: v.Revision}
	if v.StaticJWKS != "" {
		out.JWKS = json.RawMessage(v.StaticJWKS)
	}
	if out.Audiences == nil {
		out.Audiences = []string{}
	}
	return out
}

// authorize authenticates cred and authorizes action on accountID, the
// caller's own account when "".
func (s *Service) authorize(ctx context.Context, cred authz.Credential, action, accountID string) (*authz.Principal, string, error) {
	p, err := s.gate.Authenticate(ctx, cred)
	if err != nil {
		return nil, "", err
	}
	if accountID == "" {
		accountID = p.AccountID
	}
	return p, accountID, s.gate.Authorize(ctx, p, action, authz.AccountResource(accountID))
}

// issuerFor authenticates cred, loads issuer id and authorizes action on
// its account. A missing issuer and one the caller may not see both answer
// api.ErrNotFound, so ids of other accounts cannot be probed.
func (s *Service) issuerFor(ctx context.Context, cred authz.Credential, action, id string) (*store.FederationIssuer, error) {
	p, err := s.gate.Authenticate(ctx, cred)
	if err != nil {
		return nil, err
	}
	notFound := api.Errorf(api.ErrNotFound, "federation issuer %s not found", short(id))
	v, err := s.st.FederationIssuer(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound
	} else if err != nil {
		return nil, err
	}
	if err := s.gate.Authorize(ctx, p, action, authz.AccountResource(v.AccountID)); errors.Is(err, api.ErrPermissionDenied) {
		return nil, notFound
	} else if err != nil {
		return nil, err
	}
	return v, nil
}

// CreateIssuer registers an external OIDC issuer in req.AccountID (or the
// caller's account) (iam-identity.federation-issuer.create). Errors:
// api.ErrInvalid for a bad request, api.ErrAlreadyExists when the name is
// taken in the account or the issuer URL is registered in any account, and
// the gate's.
func (s *Service) CreateIssuer(ctx context.Context, cred authz.Credential, req api.FederationIssuerRequest) (*api.FederationIssuer, error) {
	p, account, err := s.authorize(ctx, cred, ActionIssuerCreate, req.AccountID)
	if err != nil {
		return nil, err
	}
	row := &store.FederationIssuer{ID: NewIssuerID(), AccountID: account, CreatedBy: p.IAMID}
	if err := s.r.applyRequest(row, req); err != nil {
		return nil, err
	}
	if err := s.st.CreateFederationIssuer(ctx, row); err != nil {
		return nil, clash(err, row)
	}
	out := issuerView(row)
	return &out, nil
}

// clash explains an ErrAlreadyExists of the store: the issuer URL may be
// another account's, whose registration is not shown.
func clash(err error, row *store.FederationIssuer) error {
	if !errors.Is(err, store.ErrAlreadyExists) {
		return err
	}
	return api.Errorf(api.ErrAlreadyExists, "a federation issuer named %q already exists in the account, or issuer %s "+
		"is already registered (an issuer URL can be registered in one account only)", row.Name, row.Issuer)
}

// Issuer returns issuer id (iam-identity.federation-issuer.get). Errors:
// api.ErrNotFound, and the gate's.
func (s *Service) Issuer(ctx context.Context, cred authz.Credential, id string) (*api.FederationIssuer, error) {
	v, err := s.issuerFor(ctx, cred, ActionIssuerGet, id)
	if err != nil {
		return nil, err
	}
	out := issuerView(v)
	return &out, nil
}

// ListIssuers returns a page of the issuers of accountID (or the caller's
// account), starting after pageToken (iam-identity.federation-issuer.list).
// limit <= 0 means 100. Errors: api.ErrInvalid for a bad page token, and
// the gate's.
func (s *Service) ListIssuers(ctx context.Context, cred authz.Credential, accountID, pageToken string, limit int) (*api.FederationIssuerList, error) {
	_, account, err := s.authorize(ctx, cred, ActionIssuerList, accountID)
	if err != nil {
		return nil, err
	}
	rows, next, err := s.st.ListFederationIssuers(ctx, account, store.ListOptions{PageToken: pageToken, Limit: limit})
	if err != nil {
		return nil, err
	}
	out := &api.FederationIssuerList{Issuers: []api.FederationIssuer{}, Next: next}
	for _, v := range rows {
		out.Issuers = append(out.Issuers, issuerView(v))
	}
	return out, nil
}

// UpdateIssuer replaces every field of issuer id with req
// (iam-identity.federation-issuer.update); req.AccountID must be "" or the
// issuer's account, and a non-zero req.Revision must be the stored one.
// The issuer's cached keys are dropped. Errors: api.ErrNotFound,
// api.ErrInvalid, api.ErrConflict (stale revision), api.ErrAlreadyExists,
// and the gate's.
func (s *Service) UpdateIssuer(ctx context.Context, cred authz.Credential, id string, req api.FederationIssuerRequest) (*api.FederationIssuer, error) {
	v, err := s.issuerFor(ctx, cred, ActionIssuerUpdate, id)
	if err != nil {
		return nil, err
	}
	if req.AccountID != "" && req.AccountID != v.AccountID {
		return nil, api.Errorf(api.ErrInvalid, "an issuer cannot move to another account")
	}
	if req.Revision != 0 && req.Revision != v.Revision {
		return nil, api.Errorf(api.ErrConflict, "federation issuer %s is at revision %d, not %d", id, v.Revision, req.Revision)
	}
	if err := s.r.applyRequest(v, req); err != nil {
		return nil, err
	}
	if err := s.st.UpdateFederationIssuer(ctx, v); err != nil {
		return nil, clash(err, v)
	}
	s.r.cache.forget(v.ID)
	out := issuerView(v)
	return &out, nil
}

// DeleteIssuer removes issuer id (iam-identity.federation-issuer.delete):
// its tokens are refused from then on. Errors: api.ErrNotFound, and the
// gate's.
func (s *Service) DeleteIssuer(ctx context.Context, cred authz.Credential, id string) error {
	v, err := s.issuerFor(ctx, cred, ActionIssuerDelete, id)
	if err != nil {
		return err
	}
	if err := s.st.DeleteFederationIssuer(ctx, id); err != nil {
		return err
	}
	s.r.cache.forget(v.ID)
	return nil
}
