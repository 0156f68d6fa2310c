package identity

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/store"
)

// CR token defaults and limits.
const (
	CRTokenAudience       = "iam"
	DefaultCRTokenTTL     = 10 * time.Minute
	computeIssuerPath     = "/coffer/v1/compute/accounts/"
	crComponentApp        = "application"
	crComponentJob        = "job"
	crComponentFunction   = "function"
	detailsUnknownIssuerF = "The issuer %s of the CR token is not trusted: it is neither Coffer's compute runtime " +
		"of an existing account nor an issuer registered in an account."
)

// CRIssuers finds the issuer of a CR token by its iss claim. Coffer's
// compute runtime is one; the federation of external OIDC issuers adds
// others through Config.CRIssuers.
type CRIssuers interface {
	// FindCRIssuer returns the issuer whose iss is iss, or an error
	// wrapping api.ErrNotFound when it knows none.
	FindCRIssuer(ctx context.Context, iss string) (CRIssuer, error)
}

// CRIssuer verifies the CR tokens of one issuer.
type CRIssuer interface {
	// VerifyCRToken checks the token's signature, audience "iam" and
	// lifetime and returns the compute resource it identifies. Errors wrap
	// api.ErrUnauthenticated for a bad token; others (api.ErrUnavailable
	// when a JWKS cannot be fetched) keep their kind.
	VerifyCRToken(ctx context.Context, token string) (*VerifiedCR, error)
}

// VerifiedCR is a compute resource proven by a verified CR token.
type VerifiedCR struct {
	Identity  CRIdentity
	AccountID string // the account the resource runs in
	Subject   string // the token's sub, named in errors
	ID        string // stable id of the resource, for the authn claim
	Name      string // its name, for the authn claim
}

// CRClaims describes the Code Engine style component a CR token of
// Coffer's compute runtime identifies.
type CRClaims struct {
	ProjectID     string // the project's GUID
	ProjectName   string
	ComponentType string // application, job or function
	ComponentName string
	Region        string
}

// ComputeIssuerURL returns the iss of the CR tokens of accountID's compute
// runtime: PublicURL + "/coffer/v1/compute/accounts/{account_id}". Its JWKS
// is served at that URL + "/keys".
func (s *Service) ComputeIssuerURL(accountID string) string {
	return s.url + computeIssuerPath + accountID
}

// MintCRToken returns a CR token of accountID's compute runtime for the
// component c, valid for ttl (zero means DefaultCRTokenTTL; at most an
// hour), signed with the account's issuer key. Errors: api.ErrInvalid for
// bad claims or ttl, api.ErrNotFound for an unknown account, api.ErrSealed.
func (s *Service) MintCRToken(ctx context.Context, accountID string, c CRClaims, ttl time.Duration) (api.Sensitive, error) {
	if ttl == 0 {
		ttl = DefaultCRTokenTTL
	}
	if ttl < MinTokenLifetime || ttl > maxTokenLifetime {
		return "", api.Errorf(api.ErrInvalid, "CR token lifetime must be between %v and %v", MinTokenLifetime, maxTokenLifetime)
	}
	if err := checkCRClaims(c); err != nil {
		return "", err
	}
	ring, err := s.computeRing(ctx, accountID)
	if err != nil {
		return "", err
	}
	key, err := ring.signer(ctx)
	if err != nil {
		return "", err
	}
	now := s.now()
	tok, err := Sign(key, map[string]any{
		"iss": s.ComputeIssuerURL(accountID), "aud": CRTokenAudience, "sub": componentCRN(accountID, c),
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(ttl).Unix(), "jti": newJTI(),
		"account_id": accountID, "project_id": c.ProjectID, "project_name": c.ProjectName,
		"component_type": c.ComponentType, "component_name": c.ComponentName, "region": c.Region,
	})
	return api.Sensitive(tok), err
}

func checkCRClaims(c CRClaims) error {
	for name, v := range map[string]string{"project_id": c.ProjectID, "project_name": c.ProjectName,
		"component_name": c.ComponentName, "region": c.Region} {
		if v == "" || strings.ContainsAny(v, ": \t\r\n/") || len(v) > 128 {
			return api.Errorf(api.ErrInvalid, "CR claim %s must be 1 to 128 characters without ':', '/' or spaces", name)
		}
	}
	switch c.ComponentType {
	case crComponentApp, crComponentJob, crComponentFunction:
		return nil
	}
	return api.Errorf(api.ErrInvalid, "CR claim component_type must be %s, %s or %s", crComponentApp, crComponentJob, crComponentFunction)
}

// projectCRN is crn:v1:coffer:public:codeengine:REGION:a/ACCOUNT:PROJECT::
func projectCRN(account, region, project string) CRN {
	return CRN{CName: CloudName, CType: CloudType, Service: "codeengine", Location: region,
		Scope: "a/" + account, ServiceInstance: project}
}

// componentCRN is the project CRN with the component as resource type and name.
func componentCRN(account string, c CRClaims) string {
	crn := projectCRN(account, c.Region, c.ProjectID)
	crn.ResourceType, crn.Resource = c.ComponentType, c.ComponentName
	return crn.String()
}

// computeRing returns the issuer key ring of an existing account.
func (s *Service) computeRing(ctx context.Context, accountID string) (*keyRing, error) {
	if !ValidAccountID(accountID) {
		return nil, api.Errorf(api.ErrNotFound, "account %s not found", echoValue(accountID))
	}
	if _, err := s.st.Account(ctx, accountID); errors.Is(err, store.ErrNotFound) {
		return nil, api.Errorf(api.ErrNotFound, "account %s not found", accountID)
	} else if err != nil {
		return nil, err
	}
	s.computeMu.Lock()
	defer s.computeMu.Unlock()
	r, ok := s.computeRings[accountID]
	if !ok {
		r = newKeyRing(computeKeys{st: s.st, account: accountID}, s.keys, s.now, s.rotation)
		s.computeRings[accountID] = r
	}
	return r, nil
}

// ComputeJWKS returns the public keys of accountID's compute runtime
// issuer, creating the first one if needed. Errors: api.ErrNotFound for an
// unknown account, api.ErrSealed.
func (s *Service) ComputeJWKS(ctx context.Context, accountID string) ([]byte, error) {
	ring, err := s.computeRing(ctx, accountID)
	if err != nil {
		return nil, err
	}
	if _, err := ring.signer(ctx); err != nil {
		return nil, err
	}
	set, err := ring.keySet(ctx, "")
	if err != nil {
		return nil, err
	}
	return set.JWKS()
}

// computeIssuers is the CRIssuers of Coffer's compute runtime.
type computeIssuers struct{ s *Service }

func (c computeIssuers) FindCRIssuer(ctx context.Context, iss string) (CRIssuer, error) {
	account, ok := strings.CutPrefix(iss, c.s.url+computeIssuerPath)
	if !ok {
		return nil, api.Errorf(api.ErrNotFound, "not a compute runtime issuer")
	}
	ring, err := c.s.computeRing(ctx, account)
	if err != nil {
		return nil, err
	}
	return computeIssuer{s: c.s, account: account, iss: iss, ring: ring}, nil
}

// computeIssuer verifies the CR tokens of one account's compute runtime.
type computeIssuer struct {
	s       *Service
	account string
	iss     string
	ring    *keyRing
}

func (ci computeIssuer) VerifyCRToken(ctx context.Context, token string) (*VerifiedCR, error) {
	set, err := ci.ring.keySet(ctx, peekKid(token))
	if err != nil {
		return nil, err
	}
	now := ci.s.now()
	raw, err := VerifyWith(token, keyFunc(set, now), VerifyOptions{Issuer: ci.iss, Now: now, Audience: CRTokenAudience})
	if err != nil {
		return nil, err
	}
	claims := map[string]any{}
	var c struct {
		Sub, AccountID, ProjectID, ComponentType, ComponentName, Region string
	}
	for name, dst := range map[string]*string{"sub": &c.Sub, "account_id": &c.AccountID, "project_id": &c.ProjectID,
		"component_type": &c.ComponentType, "component_name": &c.ComponentName, "region": &c.Region} {
		json.Unmarshal(raw[name], dst)
	}
	for name, v := range raw {
		var x any
		if json.Unmarshal(v, &x) == nil {
			claims[name] = x
		}
	}
	if c.AccountID != ci.account || c.ProjectID == "" || c.ComponentType == "" || c.ComponentName == "" {
		return nil, api.Errorf(api.ErrUnauthenticated, "CR token claims do not describe a compute component of the issuer's account")
	}
	id := CRIdentity{Type: CRTypeCE, CRN: projectCRN(ci.account, c.Region, c.ProjectID).String(),
		ComponentType: c.ComponentType, ComponentName: c.ComponentName, Claims: claims}
	return &VerifiedCR{Identity: id, AccountID: ci.account, Subject: c.Sub,
		ID: c.ProjectID + "/" + c.ComponentType + "/" + c.ComponentName, Name: c.ComponentName}, nil
}

// unverifiedIssuer reads the iss claim of a JWT without verifying it, only
// to choose the issuer that will.
func unverifiedIssuer(token string) (string, bool) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 || len(token) > MaxTokenSize {
		return "", false
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", false
	}
	var c struct {
		Iss string `json:"iss"`
	}
	if json.Unmarshal(raw, &c) != nil || c.Iss == "" {
		return "", false
	}
	return c.Iss, true
}

// findCRIssuer asks Coffer's compute runtime, then each configured finder.
func (s *Service) findCRIssuer(ctx context.Context, iss string) (CRIssuer, error) {
	for _, f := range s.crIssuers {
		is, err := f.FindCRIssuer(ctx, iss)
		if err == nil {
			return is, nil
		}
		if !errors.Is(err, api.ErrNotFound) {
			return nil, err
		}
	}
	return nil, InvalidTokenError(fmt.Sprintf(detailsUnknownIssuerF, echoValue(iss)))
}

// crTokenGrant exchanges a CR token for an access token of a trusted
// profile the compute resource may use. No refresh token, as at IBM.
func (s *Service) crTokenGrant(ctx context.Context, req *TokenRequest) (*TokenResponse, error) {
	token := req.CRToken.Reveal()
	iss, ok := unverifiedIssuer(token)
	if !ok {
		return nil, InvalidTokenError("The CR token is not a JWT with an iss claim.")
	}
	issuer, err := s.findCRIssuer(ctx, iss)
	if err != nil {
		return nil, err
	}
	cr, err := issuer.VerifyCRToken(ctx, token)
	if err != nil {
		return nil, invalidToken(err, "The CR token was refused")
	}
	prof, err := s.crProfile(ctx, req, cr)
	if err != nil {
		return nil, err
	}
	if ok, err := s.profileTrustsCR(ctx, prof, cr); err != nil {
		return nil, err
	} else if !ok {
		return nil, ProfileNotEligibleError(cr.Subject, prof.IAMID)
	}
	authn := ComputeResourceAuthn(cr.AccountID, cr.ID, cr.Name)
	return s.profileToken(ctx, req, prof, GrantCRToken, authn)
}

// profileToken signs the token of prof reached by grant.
func (s *Service) profileToken(ctx context.Context, req *TokenRequest, prof *store.Profile, grant string, authn AuthnClaim) (*TokenResponse, error) {
	c, err := ProfileClaims(s.claimsParams(req, prof.AccountID, grant), prof.ID, prof.Name, authn)
	if err != nil {
		return nil, err
	}
	access, err := s.sign(ctx, signedClaims{Claims: c})
	if err != nil {
		return nil, err
	}
	resp := NewTokenResponse(access, "", &c)
	return &resp, nil
}

// crProfile finds the profile a cr-token request names: by id, by name in
// the resource's account, or both (they must agree), or by CRN. A profile
// that does not exist answers like one the resource may not use.
func (s *Service) crProfile(ctx context.Context, req *TokenRequest, cr *VerifiedCR) (*store.Profile, error) {
	notEligible := func(id string) error { return ProfileNotEligibleError(cr.Subject, IAMIDOf(id)) }
	var byID, byName *store.Profile
	id := req.ProfileID
	if req.ProfileCRN != "" && id == "" {
		id = profileIDOfCRN(req.ProfileCRN)
	}
	if id != "" {
		p, err := s.st.Profile(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return nil, notEligible(id)
		} else if err != nil {
			return nil, err
		}
		byID = p
	}
	if req.ProfileName != "" {
		p, err := s.st.ProfileByName(ctx, cr.AccountID, req.ProfileName)
		if errors.Is(err, store.ErrNotFound) {
			return nil, ProfileNotEligibleError(cr.Subject, "(no profile named "+echoValue(req.ProfileName)+")")
		} else if err != nil {
			return nil, err
		}
		byName = p
	}
	switch {
	case byID != nil && byName != nil && byID.ID != byName.ID:
		return nil, InvalidPropertyError("profile_name", "profile_id and profile_name name different trusted profiles")
	case byID != nil:
		return byID, nil
	}
	return byName, nil
}

// profileIDOfCRN returns the Profile- id of a profile CRN, or "".
func profileIDOfCRN(s string) string {
	c, err := ParseCRN(s)
	if err != nil || c.Service != identityService || c.ResourceType != "profile" {
		return ""
	}
	return c.Resource
}

// profileTrustsCR reports whether one of prof's links or Profile-CR rules
// matches the resource. A resource of another account may only use a link
// marked is_cross_account.
func (s *Service) profileTrustsCR(ctx context.Context, prof *store.Profile, cr *VerifiedCR) (bool, error) {
	sameAccount := prof.AccountID == cr.AccountID
	links, err := s.st.ListProfileLinks(ctx, prof.ID)
	if err != nil {
		return false, err
	}
	for _, l := range links {
		link := Link{CRType: l.CRType, CRN: l.CRN, Namespace: l.Namespace, Name: l.ServiceAccount,
			ComponentType: l.ComponentType, ComponentName: l.ComponentName}
		if (sameAccount || l.IsCrossAccount) && link.Matches(cr.Identity) {
			return true, nil
		}
	}
	if !sameAccount {
		return false, nil
	}
	rules, err := s.st.ListProfileRules(ctx, prof.ID)
	if err != nil {
		return false, err
	}
	for _, r := range rules {
		if r.Type != api.ClaimRuleTypeCR {
			continue
		}
		rule := Rule{CRType: r.CRType}
		for _, c := range r.Conditions {
			rule.Conditions = append(rule.Conditions, Condition{Claim: c.Claim, Operator: c.Operator, Value: c.Value})
		}
		if ok, _ := rule.Matches(cr.Identity); ok {
			return true, nil
		}
	}
	return false, nil
}

// ComputeOpenIDConfiguration returns the OIDC discovery document of
// accountID's compute runtime issuer (issuer and jwks_uri), so generic OIDC
// verifiers can trust it. Errors: api.ErrNotFound for an unknown account.
func (s *Service) ComputeOpenIDConfiguration(ctx context.Context, accountID string) (map[string]any, error) {
	if _, err := s.computeRing(ctx, accountID); err != nil {
		return nil, err
	}
	iss := s.ComputeIssuerURL(accountID)
	return map[string]any{
		"issuer": iss, "jwks_uri": iss + "/keys",
		"id_token_signing_alg_values_supported": []string{AlgRS256},
		"response_types_supported":              []string{"id_token"},
		"subject_types_supported":               []string{"public"},
	}, nil
}
