package identity

import (
	"context"
	"errors"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/authz"
	"github.com/cofferhq/coffer/internal/store"
)

// Actions of the profile link operations (IBM's names).
const (
	ActionLinkCreate = "iam-identity.profile.link.create"
	ActionLinkGet    = "iam-identity.profile.link.get"
	ActionLinkList   = "iam-identity.profile.link.list"
	ActionLinkDelete = "iam-identity.profile.link.delete"
)

// LinkQuery selects the links DeleteProfileLinks deletes: CRType always,
// every other field when set. Name is the service account name.
type LinkQuery struct {
	CRType, CRN, Namespace, Name, ComponentType, ComponentName string
}

func linkView(l *store.ProfileLink) api.ProfileLink {
	out := api.ProfileLink{ID: l.ID, CreatedAt: api.FormatIdentityTime(l.CreatedAt),
		ModifiedAt: api.FormatIdentityTime(l.CreatedAt), Name: l.Name, CRType: l.CRType, IsCrossAccount: l.IsCrossAccount,
		Link: api.ProfileLinkLink{CRN: l.CRN, Namespace: l.Namespace, Name: l.ServiceAccount,
			ComponentType: l.ComponentType, ComponentName: l.ComponentName}}
	out.EntityTag = entityTag(1, out) // links never change
	return out
}

// CreateProfileLink links profile profileID to a compute resource
// (iam-identity.profile.link.create). The link is checked per cr_type (CE
// needs component_type and component_name; IKS_SA and ROKS_SA namespace and
// name) and, unless is_cross_account, its CRN must be of the profile's
// account. Errors: api.ErrInvalid, api.ErrNotFound.
func (s *Service) CreateProfileLink(ctx context.Context, cred authz.Credential, profileID string, req api.CreateProfileLinkRequest) (*api.ProfileLink, error) {
	prof, err := s.profileFor(ctx, cred, ActionLinkCreate, profileID)
	if err != nil {
		return nil, err
	}
	l := Link{CRType: req.CRType, CRN: req.Link.CRN, Namespace: req.Link.Namespace, Name: req.Link.Name,
		ComponentType: req.Link.ComponentType, ComponentName: req.Link.ComponentName}
	if err := ValidateLink(l); err != nil {
		return nil, err
	}
	if c, _ := ParseCRN(l.CRN); !req.IsCrossAccount && c.Account() != prof.AccountID {
		return nil, api.Errorf(api.ErrInvalid,
			"the link's crn is not of the profile's account %s: set is_cross_account to link another account's resource", prof.AccountID)
	}
	row := &store.ProfileLink{ID: NewProfileLinkID(), ProfileID: profileID, Name: req.Name, CRType: l.CRType, CRN: l.CRN,
		Namespace: l.Namespace, ServiceAccount: l.Name, ComponentType: l.ComponentType, ComponentName: l.ComponentName,
		IsCrossAccount: req.IsCrossAccount}
	if err := s.st.CreateProfileLink(ctx, row); err != nil {
		return nil, err
	}
	out := linkView(row)
	return &out, nil
}

// ListProfileLinks returns every link of profile profileID
// (iam-identity.profile.link.list).
func (s *Service) ListProfileLinks(ctx context.Context, cred authz.Credential, profileID string) (*api.ProfileLinkList, error) {
	if _, err := s.profileFor(ctx, cred, ActionLinkList, profileID); err != nil {
		return nil, err
	}
	links, err := s.st.ListProfileLinks(ctx, profileID)
	if err != nil {
		return nil, err
	}
	out := &api.ProfileLinkList{Links: []api.ProfileLink{}}
	for _, l := range links {
		out.Links = append(out.Links, linkView(l))
	}
	return out, nil
}

// ProfileLink returns link linkID of profile profileID
// (iam-identity.profile.link.get). Errors: api.ErrNotFound.
func (s *Service) ProfileLink(ctx context.Context, cred authz.Credential, profileID, linkID string) (*api.ProfileLink, error) {
	if _, err := s.profileFor(ctx, cred, ActionLinkGet, profileID); err != nil {
		return nil, err
	}
	l, err := s.st.ProfileLink(ctx, profileID, linkID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errLinkNotFound(profileID, linkID)
	}
	if err != nil {
		return nil, err
	}
	out := linkView(l)
	return &out, nil
}

func errLinkNotFound(profileID, linkID string) error {
	return api.Errorf(api.ErrNotFound, "Link %s not found in trusted profile %s", linkID, profileID)
}

// DeleteProfileLink deletes link linkID of profile profileID
// (iam-identity.profile.link.delete). Errors: api.ErrNotFound.
func (s *Service) DeleteProfileLink(ctx context.Context, cred authz.Credential, profileID, linkID string) error {
	if _, err := s.profileFor(ctx, cred, ActionLinkDelete, profileID); err != nil {
		return err
	}
	err := s.st.DeleteProfileLink(ctx, profileID, linkID)
	if errors.Is(err, store.ErrNotFound) {
		return errLinkNotFound(profileID, linkID)
	}
	return err
}

// DeleteProfileLinks deletes the links of profile profileID that match q
// (iam-identity.profile.link.delete). Errors: api.ErrInvalid without
// q.CRType, api.ErrNotFound when no link matched.
func (s *Service) DeleteProfileLinks(ctx context.Context, cred authz.Credential, profileID string, q LinkQuery) error {
	if _, err := s.profileFor(ctx, cred, ActionLinkDelete, profileID); err != nil {
		return err
	}
	if q.CRType == "" {
		return &api.Error{Kind: api.ErrInvalid, Code: codePropertyMissing, Message: "the type query parameter (cr_type) is required"}
	}
	n, err := s.st.DeleteProfileLinksWhere(ctx, profileID, store.LinkFilter{CRType: q.CRType, CRN: q.CRN,
		Namespace: q.Namespace, ServiceAccount: q.Name, ComponentType: q.ComponentType, ComponentName: q.ComponentName})
	if err == nil && n == 0 {
		return api.Errorf(api.ErrNotFound, "no link of trusted profile %s matches", profileID)
	}
	return err
}
