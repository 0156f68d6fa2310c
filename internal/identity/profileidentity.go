package identity

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/authz"
	"github.com/cofferhq/coffer/internal/store"
)

// Actions of the profile identity operations (IBM's names).
const (
	ActionIdentityGet    = "iam-identity.profile.identity.get"
	ActionIdentityList   = "iam-identity.profile.identity.list"
	ActionIdentityCreate = "iam-identity.profile.identity.create"
	ActionIdentityUpdate = "iam-identity.profile.identity.update"
	ActionIdentityDelete = "iam-identity.profile.identity.delete"
)

func identityView(i *store.ProfileIdentity) api.ProfileIdentity {
	return api.ProfileIdentity{IAMID: i.IAMID, Identifier: i.Identifier, Type: i.Type, Accounts: i.Accounts,
		Description: i.Description}
}

func identitiesView(rev int64, ids []*store.ProfileIdentity) *api.ProfileIdentitiesResponse {
	out := &api.ProfileIdentitiesResponse{Identities: []api.ProfileIdentity{}}
	for _, i := range ids {
		out.Identities = append(out.Identities, identityView(i))
	}
	out.EntityTag = entityTag(rev, out)
	return out
}

// newIdentity validates one trusted identity and derives its iam_id: a user
// is its own iam_id, a service ID iam-ServiceId-…, a CRN crn-<CRN>. A
// service ID must exist; its description is the default one.
func (s *Service) newIdentity(ctx context.Context, r api.ProfileIdentityRequest) (*store.ProfileIdentity, error) {
	i := &store.ProfileIdentity{Type: r.Type, Identifier: r.Identifier, Accounts: r.Accounts, Description: r.Description}
	if r.Type != api.ProfileIdentityUser && len(r.Accounts) > 0 {
		return nil, api.Errorf(api.ErrInvalid, "accounts is allowed only for identities of type user")
	}
	switch r.Type {
	case api.ProfileIdentityUser:
		if err := CheckID(PrefixUser, r.Identifier); err != nil {
			return nil, api.Errorf(api.ErrInvalid, "identifier: %s", api.Message(err))
		}
		for _, a := range r.Accounts {
			if !ValidAccountID(a) {
				return nil, api.Errorf(api.ErrInvalid, "accounts: %q is not an account id", a)
			}
		}
		i.IAMID = r.Identifier
	case api.ProfileIdentityServiceID:
		sid, err := s.st.ServiceID(ctx, r.Identifier)
		if errors.Is(err, store.ErrNotFound) {
			return nil, api.Errorf(api.ErrInvalid, "identifier: service ID %s not found", r.Identifier)
		}
		if err != nil {
			return nil, err
		}
		i.IAMID, i.Description = sid.IAMID, or(r.Description, sid.Description)
	case api.ProfileIdentityCRN:
		c, err := ParseCRN(r.Identifier)
		if err != nil {
			return nil, api.Errorf(api.ErrInvalid, "identifier: %s", api.Message(err))
		}
		i.IAMID = PrefixCRNIAMID + c.String()
	default:
		return nil, api.Errorf(api.ErrInvalid, "type must be user, serviceid or crn")
	}
	return i, nil
}

// ProfileIdentities returns the identities profile profileID trusts and
// the entity tag of the set (iam-identity.profile.identity.list).
func (s *Service) ProfileIdentities(ctx context.Context, cred authz.Credential, profileID string) (*api.ProfileIdentitiesResponse, error) {
	prof, err := s.profileFor(ctx, cred, ActionIdentityList, profileID)
	if err != nil {
		return nil, err
	}
	ids, err := s.st.ListProfileIdentities(ctx, profileID)
	if err != nil {
		return nil, err
	}
	return identitiesView(prof.IdentitiesRevision, ids), nil
}

// SetProfileIdentities replaces the whole set of identities profile
// profileID trusts (iam-identity.profile.identity.update); ifMatch is the
// entity tag of the set as read, or "*". Errors: api.ErrInvalid,
// api.ErrConflict (stale tag or a concurrent change), api.ErrNotFound.
func (s *Service) SetProfileIdentities(ctx context.Context, cred authz.Credential, profileID, ifMatch string, req api.SetProfileIdentitiesRequest) (*api.ProfileIdentitiesResponse, error) {
	prof, err := s.profileFor(ctx, cred, ActionIdentityUpdate, profileID)
	if err != nil {
		return nil, err
	}
	cur, err := s.st.ListProfileIdentities(ctx, profileID)
	if err != nil {
		return nil, err
	}
	if err := checkIfMatch(ifMatch, identitiesView(prof.IdentitiesRevision, cur).EntityTag); err != nil {
		return nil, err
	}
	var next []*store.ProfileIdentity
	for _, r := range req.Identities {
		i, err := s.newIdentity(ctx, r)
		if err != nil {
			return nil, err
		}
		if slices.ContainsFunc(next, func(o *store.ProfileIdentity) bool { return sameIdentity(o, i.Type, i.Identifier) }) {
			return nil, api.Errorf(api.ErrInvalid, "identity %s %s is listed twice", i.Type, i.Identifier)
		}
		next = append(next, i)
	}
	return s.replaceIdentities(ctx, prof, next)
}

func (s *Service) replaceIdentities(ctx context.Context, prof *store.Profile, ids []*store.ProfileIdentity) (*api.ProfileIdentitiesResponse, error) {
	rev, err := s.st.ReplaceProfileIdentities(ctx, prof.ID, prof.IdentitiesRevision, ids)
	if errors.Is(err, store.ErrConflict) {
		return nil, api.Errorf(api.ErrConflict, "the identities of trusted profile %s changed concurrently: retry", prof.ID)
	}
	if err != nil {
		return nil, err
	}
	slices.SortFunc(ids, func(a, b *store.ProfileIdentity) int {
		return cmp.Or(strings.Compare(a.Type, b.Type), strings.Compare(a.Identifier, b.Identifier))
	})
	return identitiesView(rev, ids), nil
}

func sameIdentity(i *store.ProfileIdentity, typ, identifier string) bool {
	return i.Type == typ && i.Identifier == identifier
}

// AddProfileIdentity adds one identity to those profile profileID trusts,
// or replaces the one of the same type and identifier
// (iam-identity.profile.identity.create). identityType is the path's type
// and must equal req.Type. Errors: api.ErrInvalid, api.ErrConflict (a
// concurrent change), api.ErrNotFound.
func (s *Service) AddProfileIdentity(ctx context.Context, cred authz.Credential, profileID, identityType string, req api.ProfileIdentityRequest) (*api.ProfileIdentity, error) {
	prof, err := s.profileFor(ctx, cred, ActionIdentityCreate, profileID)
	if err != nil {
		return nil, err
	}
	if req.Type != identityType {
		return nil, api.Errorf(api.ErrInvalid, "the body's type %q is not the path's %q", req.Type, identityType)
	}
	i, err := s.newIdentity(ctx, req)
	if err != nil {
		return nil, err
	}
	ids, err := s.st.ListProfileIdentities(ctx, profileID)
	if err != nil {
		return nil, err
	}
	ids = slices.DeleteFunc(ids, func(o *store.ProfileIdentity) bool { return sameIdentity(o, i.Type, i.Identifier) })
	if _, err := s.replaceIdentities(ctx, prof, append(ids, i)); err != nil {
		return nil, err
	}
	out := identityView(i)
	return &out, nil
}

// ProfileIdentity returns the identity of the given type and identifier
// that profile profileID trusts (iam-identity.profile.identity.get).
// Errors: api.ErrNotFound.
func (s *Service) ProfileIdentity(ctx context.Context, cred authz.Credential, profileID, identityType, identifier string) (*api.ProfileIdentity, error) {
	if _, err := s.profileFor(ctx, cred, ActionIdentityGet, profileID); err != nil {
		return nil, err
	}
	ids, err := s.st.ListProfileIdentities(ctx, profileID)
	if err != nil {
		return nil, err
	}
	for _, i := range ids {
		if sameIdentity(i, identityType, identifier) {
			out := identityView(i)
			return &out, nil
		}
	}
	return nil, errIdentityNotFound(profileID, identityType, identifier)
}

func errIdentityNotFound(profileID, typ, identifier string) error {
	return api.Errorf(api.ErrNotFound, "trusted profile %s has no identity %s %s", profileID, typ, identifier)
}

// DeleteProfileIdentity removes the identity of the given type and
// identifier from those profile profileID trusts
// (iam-identity.profile.identity.delete). Errors: api.ErrNotFound,
// api.ErrConflict (a concurrent change).
func (s *Service) DeleteProfileIdentity(ctx context.Context, cred authz.Credential, profileID, identityType, identifier string) error {
	prof, err := s.profileFor(ctx, cred, ActionIdentityDelete, profileID)
	if err != nil {
		return err
	}
	ids, err := s.st.ListProfileIdentities(ctx, profileID)
	if err != nil {
		return err
	}
	kept := slices.DeleteFunc(slices.Clone(ids), func(o *store.ProfileIdentity) bool { return sameIdentity(o, identityType, identifier) })
	if len(kept) == len(ids) {
		return errIdentityNotFound(profileID, identityType, identifier)
	}
	_, err = s.replaceIdentities(ctx, prof, kept)
	return err
}
