package identity

import (
	"context"
	"errors"
	"strings"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/authz"
	"github.com/cofferhq/coffer/internal/store"
)

// Actions of the trusted profile operations (IBM's names).
const (
	ActionProfileCreate = "iam-identity.profile.create"
	ActionProfileGet    = "iam-identity.profile.get"
	ActionProfileList   = "iam-identity.profile.list"
	ActionProfileUpdate = "iam-identity.profile.update"
	ActionProfileDelete = "iam-identity.profile.delete"

	ActionRuleCreate = "iam-identity.profile.rule.create"
	ActionRuleGet    = "iam-identity.profile.rule.get"
	ActionRuleList   = "iam-identity.profile.rule.list"
	ActionRuleUpdate = "iam-identity.profile.rule.update"
	ActionRuleDelete = "iam-identity.profile.rule.delete"
)

const (
	// MaxProfileRules is how many claim rules a profile may have.
	MaxProfileRules = 20
	// defaultSAMLExpiration is the session length of a SAML rule that names none.
	defaultSAMLExpiration = 43200
)

func profileView(p *store.Profile) api.TrustedProfile {
	out := api.TrustedProfile{ID: p.ID, CRN: IdentityCRN(p.AccountID, "profile", p.ID).String(), Name: p.Name,
		Description: p.Description, Email: p.Email, CreatedAt: api.FormatIdentityTime(p.CreatedAt),
		ModifiedAt: api.FormatIdentityTime(p.UpdatedAt), IAMID: p.IAMID, AccountID: p.AccountID}
	out.EntityTag = entityTag(p.Revision, out)
	return out
}

func errProfileNameTaken(name string) error {
	return api.Errorf(api.ErrAlreadyExists, "a trusted profile named %q already exists in the account", name)
}

// CreateProfile creates a trusted profile in req.AccountID (or the caller's
// account) (iam-identity.profile.create). Errors: api.ErrInvalid (no name),
// api.ErrAlreadyExists (name taken in the account), and the gate's.
func (s *Service) CreateProfile(ctx context.Context, cred authz.Credential, req api.CreateProfileRequest) (*api.TrustedProfile, error) {
	p, err := s.authorize(ctx, cred, ActionProfileCreate, req.AccountID)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(req.Name) == "" {
		return nil, api.Errorf(api.ErrInvalid, "name is required")
	}
	id := NewProfileID()
	prof := &store.Profile{ID: id, AccountID: or(req.AccountID, p.AccountID), IAMID: IAMIDOf(id), Name: req.Name,
		Description: req.Description, Email: req.Email}
	if err := s.st.CreateProfile(ctx, prof); err != nil {
		if errors.Is(err, store.ErrAlreadyExists) {
			return nil, errProfileNameTaken(req.Name)
		}
		return nil, err
	}
	out := profileView(prof)
	return &out, nil
}

// profileFor is the gate of an operation on profile id or one of its rules,
// links or identities: see authorizeObject.
func (s *Service) profileFor(ctx context.Context, cred authz.Credential, action, id string) (*store.Profile, error) {
	var prof *store.Profile
	_, err := s.authorizeObject(ctx, cred, action, api.Errorf(api.ErrNotFound, "Trusted profile %s not found", id),
		func() (string, error) {
			var err error
			prof, err = s.st.Profile(ctx, id)
			if err != nil {
				return "", err
			}
			return prof.AccountID, nil
		})
	return prof, err
}

// Profile returns trusted profile id without its rules, links and
// identities (iam-identity.profile.get). A profile of an account the caller
// may not read answers api.ErrNotFound, as a missing one.
func (s *Service) Profile(ctx context.Context, cred authz.Credential, id string) (*api.TrustedProfile, error) {
	prof, err := s.profileFor(ctx, cred, ActionProfileGet, id)
	if err != nil {
		return nil, err
	}
	out := profileView(prof)
	return &out, nil
}

// ListProfiles returns a page of the trusted profiles of r.AccountID (or
// the caller's account), only the one named r.Name if set
// (iam-identity.profile.list).
func (s *Service) ListProfiles(ctx context.Context, cred authz.Credential, r ListRequest) (*api.TrustedProfilesList, error) {
	pg, err := openPage(r)
	if err != nil {
		return nil, err
	}
	p, err := s.authorize(ctx, cred, ActionProfileList, pg.Account)
	if err != nil {
		return nil, err
	}
	pg.Account = or(pg.Account, p.AccountID)
	items, next, err := s.st.ListProfiles(ctx, pg.Account, pg.Name, pg.options())
	if err != nil {
		return nil, err
	}
	info := pg.links(r, len(items), next)
	out := &api.TrustedProfilesList{Offset: info.offset, Limit: info.limit, First: info.first, Next: info.next,
		Profiles: []api.TrustedProfile{}}
	for _, v := range items {
		out.Profiles = append(out.Profiles, profileView(v))
	}
	return out, nil
}

// UpdateProfile changes the fields req sets on profile id
// (iam-identity.profile.update); ifMatch is the If-Match header. Errors:
// api.ErrInvalid, api.ErrConflict (stale tag), api.ErrAlreadyExists (name
// taken), api.ErrNotFound.
func (s *Service) UpdateProfile(ctx context.Context, cred authz.Credential, id, ifMatch string, req api.UpdateProfileRequest) (*api.TrustedProfile, error) {
	prof, err := s.profileFor(ctx, cred, ActionProfileUpdate, id)
	if err != nil {
		return nil, err
	}
	err = store.RetryAnyVersion(ifMatch, func() error {
		if err := checkIfMatch(ifMatch, profileView(prof).EntityTag); err != nil {
			return err
		}
		if req.Name != nil {
			if strings.TrimSpace(*req.Name) == "" {
				return api.Errorf(api.ErrInvalid, "name cannot be empty")
			}
			prof.Name = *req.Name
		}
		if req.Description != nil {
			prof.Description = *req.Description
		}
		if req.Email != nil {
			prof.Email = *req.Email
		}
		err := s.st.UpdateProfile(ctx, prof)
		if errors.Is(err, store.ErrAlreadyExists) {
			return errProfileNameTaken(prof.Name)
		}
		return err
	}, func() (err error) { prof, err = s.st.Profile(ctx, id); return err })
	if err != nil {
		return nil, err
	}
	out := profileView(prof)
	return &out, nil
}

// DeleteProfile deletes profile id with its rules, links and identities,
// and forgets the cached tokens of the profile (iam-identity.profile.delete).
func (s *Service) DeleteProfile(ctx context.Context, cred authz.Credential, id string) error {
	prof, err := s.profileFor(ctx, cred, ActionProfileDelete, id)
	if err != nil {
		return err
	}
	if err := s.st.DeleteProfile(ctx, id); err != nil {
		return err
	}
	s.invalidateSubject(prof.IAMID)
	return nil
}

func ruleView(r *store.ProfileRule) api.ProfileClaimRule {
	out := api.ProfileClaimRule{ID: r.ID, CreatedAt: api.FormatIdentityTime(r.CreatedAt),
		ModifiedAt: api.FormatIdentityTime(r.UpdatedAt), Name: r.Name, Type: r.Type, RealmName: r.RealmName,
		Expiration: r.Expiration, CRType: r.CRType, Conditions: []api.ProfileClaimRuleCondition{}}
	for _, c := range r.Conditions {
		out.Conditions = append(out.Conditions, api.ProfileClaimRuleCondition(c))
	}
	out.EntityTag = entityTag(r.Revision, out)
	return out
}

// checkRule validates a claim rule as IBM does and fills rule's fields.
func checkRule(req api.CreateClaimRuleRequest, rule *store.ProfileRule) error {
	switch req.Type {
	case api.ClaimRuleTypeCR:
		if req.CRType == "" {
			return api.Errorf(api.ErrInvalid, "a %s rule needs cr_type", api.ClaimRuleTypeCR)
		}
		if req.RealmName != "" || req.Expiration != 0 {
			return api.Errorf(api.ErrInvalid, "a %s rule must not have realm_name or expiration", api.ClaimRuleTypeCR)
		}
	case api.ClaimRuleTypeSAML:
		if req.RealmName == "" {
			return api.Errorf(api.ErrInvalid, "a %s rule needs realm_name", api.ClaimRuleTypeSAML)
		}
		if req.CRType != "" {
			return api.Errorf(api.ErrInvalid, "a %s rule must not have cr_type", api.ClaimRuleTypeSAML)
		}
		if req.Expiration < 0 {
			return api.Errorf(api.ErrInvalid, "expiration must be a positive number of seconds")
		}
	default:
		return api.Errorf(api.ErrInvalid, "type must be %s or %s", api.ClaimRuleTypeCR, api.ClaimRuleTypeSAML)
	}
	r := Rule{CRType: req.CRType}
	for _, c := range req.Conditions {
		r.Conditions = append(r.Conditions, Condition(c))
	}
	if err := ValidateRule(r); err != nil {
		return err
	}
	rule.Name, rule.Type, rule.RealmName, rule.CRType = req.Name, req.Type, req.RealmName, req.CRType
	rule.Expiration = req.Expiration
	if req.Type == api.ClaimRuleTypeSAML && rule.Expiration == 0 {
		rule.Expiration = defaultSAMLExpiration
	}
	rule.Conditions = nil
	for _, c := range req.Conditions {
		rule.Conditions = append(rule.Conditions, store.Condition(c))
	}
	return nil
}

// CreateClaimRule adds a claim rule to profile profileID
// (iam-identity.profile.rule.create). Errors: api.ErrInvalid (bad rule or
// more than MaxProfileRules), api.ErrNotFound.
func (s *Service) CreateClaimRule(ctx context.Context, cred authz.Credential, profileID string, req api.CreateClaimRuleRequest) (*api.ProfileClaimRule, error) {
	if _, err := s.profileFor(ctx, cred, ActionRuleCreate, profileID); err != nil {
		return nil, err
	}
	rule := &store.ProfileRule{ID: NewClaimRuleID(), ProfileID: profileID}
	if err := checkRule(req, rule); err != nil {
		return nil, err
	}
	err := s.st.Update(ctx, func(tx *store.Tx) error {
		rules, err := tx.ListProfileRules(ctx, profileID)
		if err != nil {
			return err
		}
		if len(rules) >= MaxProfileRules {
			return api.Errorf(api.ErrInvalid, "a trusted profile may have at most %d claim rules", MaxProfileRules)
		}
		return tx.CreateProfileRule(ctx, rule)
	})
	if err != nil {
		return nil, err
	}
	out := ruleView(rule)
	return &out, nil
}

// ListClaimRules returns every claim rule of profile profileID
// (iam-identity.profile.rule.list).
func (s *Service) ListClaimRules(ctx context.Context, cred authz.Credential, profileID string) (*api.ProfileClaimRuleList, error) {
	if _, err := s.profileFor(ctx, cred, ActionRuleList, profileID); err != nil {
		return nil, err
	}
	rules, err := s.st.ListProfileRules(ctx, profileID)
	if err != nil {
		return nil, err
	}
	out := &api.ProfileClaimRuleList{Rules: []api.ProfileClaimRule{}}
	for _, r := range rules {
		out.Rules = append(out.Rules, ruleView(r))
	}
	return out, nil
}

// rule returns rule ruleID of profileID after the gate of action.
func (s *Service) rule(ctx context.Context, cred authz.Credential, action, profileID, ruleID string) (*store.ProfileRule, error) {
	if _, err := s.profileFor(ctx, cred, action, profileID); err != nil {
		return nil, err
	}
	r, err := s.st.ProfileRule(ctx, profileID, ruleID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, api.Errorf(api.ErrNotFound, "Claim rule %s not found in trusted profile %s", ruleID, profileID)
	}
	return r, err
}

// ClaimRule returns rule ruleID of profile profileID
// (iam-identity.profile.rule.get).
func (s *Service) ClaimRule(ctx context.Context, cred authz.Credential, profileID, ruleID string) (*api.ProfileClaimRule, error) {
	r, err := s.rule(ctx, cred, ActionRuleGet, profileID, ruleID)
	if err != nil {
		return nil, err
	}
	out := ruleView(r)
	return &out, nil
}

// UpdateClaimRule replaces rule ruleID of profile profileID with req
// (iam-identity.profile.rule.update); ifMatch is the If-Match header.
// Errors: api.ErrInvalid, api.ErrConflict (stale tag), api.ErrNotFound.
func (s *Service) UpdateClaimRule(ctx context.Context, cred authz.Credential, profileID, ruleID, ifMatch string, req api.UpdateClaimRuleRequest) (*api.ProfileClaimRule, error) {
	r, err := s.rule(ctx, cred, ActionRuleUpdate, profileID, ruleID)
	if err != nil {
		return nil, err
	}
	if err := checkIfMatch(ifMatch, ruleView(r).EntityTag); err != nil {
		return nil, err
	}
	if err := checkRule(req, r); err != nil {
		return nil, err
	}
	if err := s.st.UpdateProfileRule(ctx, r); err != nil {
		return nil, err
	}
	out := ruleView(r)
	return &out, nil
}

// DeleteClaimRule deletes rule ruleID of profile profileID
// (iam-identity.profile.rule.delete). Errors: api.ErrNotFound.
func (s *Service) DeleteClaimRule(ctx context.Context, cred authz.Credential, profileID, ruleID string) error {
	if _, err := s.rule(ctx, cred, ActionRuleDelete, profileID, ruleID); err != nil {
		return err
	}
	return s.st.DeleteProfileRule(ctx, profileID, ruleID)
}
