package secrets

import (
	"context"
	"net/url"
	"slices"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/authz"
	"github.com/cofferhq/coffer/internal/store"
)

// Paging limits of IBM's lists.
const (
	DefaultListLimit  = 200
	DefaultLocksLimit = 25
	MaxListLimit      = 1000
)

// ListOptions are the query parameters of a paginated list. Path and Query
// are the request's, kept in the paging links. Limit 0 means the list's
// default.
type ListOptions struct {
	Offset, Limit int64
	Sort          string
	Search        string
	Groups        []string
	Types         []string
	Labels        []string // match_all_labels
	Path          string
	Query         url.Values
}

// checkPaging validates offset and limit and fills the default limit.
func (o *ListOptions) checkPaging(def int64) error {
	if o.Offset < 0 {
		return api.Errorf(api.ErrInvalid, "offset must be 0 or more")
	}
	if o.Limit == 0 {
		o.Limit = def
	}
	if o.Limit < 1 || o.Limit > MaxListLimit {
		return api.Errorf(api.ErrInvalid, "limit must be between 1 and %d", MaxListLimit)
	}
	return nil
}

func (o *ListOptions) page(total int64, returned int) api.Page {
	return api.NewPage(o.Path, o.Query, total, o.Limit, o.Offset, int64(returned))
}

// ListSecrets returns a page of the instance's secrets' metadata
// (secrets-manager.secrets.list), filtered by groups, types, labels
// (match_all_labels) and search, sorted by sort. Errors: api.ErrInvalid
// (paging out of range, unknown sort or type).
func (s *Service) ListSecrets(ctx context.Context, cred authz.Credential, instance string, o ListOptions) (*api.SecretsPage, error) {
	c, err := s.begin(ctx, cred, instance)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, c, actSecretsList); err != nil {
		return nil, err
	}
	if err := o.checkPaging(DefaultListLimit); err != nil {
		return nil, err
	}
	if !store.ValidSecretSort(o.Sort) {
		return nil, api.Errorf(api.ErrInvalid, "sort must be one of id, created_at, updated_at, expiration_date, secret_type, name (with - to descend)")
	}
	for _, t := range o.Types {
		if !slices.Contains(api.SecretTypes, t) {
			return nil, api.Errorf(api.ErrInvalid, "secret_types: %q is not a secret type", t)
		}
	}
	rows, total, err := s.st.ListSecrets(ctx, c.in.GUID, store.SecretFilter{Offset: o.Offset, Limit: o.Limit,
		Sort: o.Sort, Search: o.Search, Groups: o.Groups, Types: o.Types, Labels: o.Labels})
	if err != nil {
		return nil, err
	}
	out := &api.SecretsPage{Secrets: make(api.List[api.SecretMetadata], 0, len(rows))}
	for _, x := range rows {
		if !s.gate.Allowed(ctx, c.p, actMetadataRead, c.groupRes(x.GroupID, "")) {
			total--
			continue
		}
		m, err := s.metadataOf(c, x)
		if err != nil {
			return nil, err
		}
		out.Secrets = append(out.Secrets, *m)
	}
	out.Page = o.page(total, len(out.Secrets))
	return out, nil
}
