package access

import (
	"cmp"
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/authz"
	"github.com/cofferhq/coffer/internal/store"
)

// Policy list paging: limit defaults to 50 and is at most 100 (IBM's
// bounds). The start token is the offset of the page's first policy in the
// sorted list, as a decimal string; clients treat it as opaque.
const (
	defaultPolicyLimit = 50
	maxPolicyLimit     = 100
)

// PolicyQuery is the query of a policy list (GET /v1/policies and
// /v2/policies). AccountID is required.
type PolicyQuery struct {
	AccountID     string
	IAMID         string
	AccessGroupID string
	Type          string // access or authorization
	ServiceType   string // service or platform_service
	ServiceName   string // v2 only
	State         string // active (default) or deleted
	Sort          string // a field, "-field" for descending
	Format        string // include_last_permit or display
	Limit         int
	Start         string
	URL           *url.URL // the request's absolute URL, for the links
}

// ParsePolicyQuery reads a policy list query from u. Errors: api.ErrInvalid
// for a bad limit.
func ParsePolicyQuery(u *url.URL) (PolicyQuery, error) {
	v := u.Query()
	q := PolicyQuery{AccountID: v.Get("account_id"), IAMID: v.Get("iam_id"), AccessGroupID: v.Get("access_group_id"),
		Type: v.Get("type"), ServiceType: v.Get("service_type"), ServiceName: v.Get("service_name"),
		State: v.Get("state"), Sort: v.Get("sort"), Format: v.Get("format"), Start: v.Get("start"), URL: u}
	if l := v.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > maxPolicyLimit {
			return q, invalidBody("limit must be a number from 1 to %d", maxPolicyLimit)
		}
		q.Limit = n
	}
	return q, nil
}

// sortKeys are the fields a policy list sorts on.
var sortKeys = map[string]func(*store.Policy) string{
	"id": func(p *store.Policy) string { return p.ID }, "href": func(p *store.Policy) string { return p.ID },
	"type": func(p *store.Policy) string { return p.Type }, "state": func(p *store.Policy) string { return p.State },
	"created_at":          func(p *store.Policy) string { return policyTime(p.CreatedAt) },
	"created_by_id":       func(p *store.Policy) string { return p.CreatedByID },
	"last_modified_at":    func(p *store.Policy) string { return policyTime(p.UpdatedAt) },
	"last_modified_by_id": func(p *store.Policy) string { return p.LastModifiedByID },
}

// page is one page of a sorted policy list, with its links.
type page struct {
	rows                  []*record
	limit                 int
	first, next, previous *api.PolicyPageLink
}

// list returns the page q asks for of the policies the caller may list.
func (s *Service) list(ctx context.Context, cred authz.Credential, q PolicyQuery) (*page, error) {
	if q.AccountID == "" {
		return nil, api.Errorf(api.ErrInvalid, "account_id is a required query parameter").WithCode(api.CodePolicyMissingQuery)
	}
	if _, err := s.authorize(ctx, cred, ActionPolicyList, q.AccountID); err != nil {
		return nil, err
	}
	field, desc := strings.CutPrefix(q.Sort, "-")
	key, ok := sortKeys[cmp.Or(field, "created_at")]
	if !ok {
		return nil, invalidBody("sort must be one of id, type, href, created_at, created_by_id, last_modified_at, last_modified_by_id, state (with - for descending), not %.50q", q.Sort)
	}
	rows, err := s.st.ListPolicies(ctx, store.PolicyFilter{AccountID: q.AccountID, IAMID: q.IAMID,
		AccessGroupID: q.AccessGroupID, Type: q.Type, State: cmp.Or(q.State, "active"), ServiceName: q.ServiceName,
		ServiceType: q.ServiceType})
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(rows, func(a, b *store.Policy) int {
		c := cmp.Compare(key(a), key(b))
		if desc {
			return -c
		}
		return c
	})
	start, _ := strconv.Atoi(q.Start)
	start = min(max(start, 0), len(rows))
	pg := &page{limit: cmp.Or(q.Limit, defaultPolicyLimit)}
	end := min(start+pg.limit, len(rows))
	for _, row := range rows[start:end] {
		r, err := decode(row)
		if err != nil {
			return nil, err
		}
		pg.rows = append(pg.rows, r)
	}
	pg.links(q, start, end, len(rows))
	return pg, nil
}

// links sets the page's first, next and previous links.
func (pg *page) links(q PolicyQuery, start, end, total int) {
	if q.URL == nil {
		return
	}
	link := func(at int) *api.PolicyPageLink {
		u := *q.URL
		v := u.Query()
		v.Del("start")
		if at > 0 {
			v.Set("start", strconv.Itoa(at))
		}
		u.RawQuery = v.Encode()
		l := &api.PolicyPageLink{Href: u.String()}
		if at > 0 {
			l.Start = strconv.Itoa(at)
		}
		return l
	}
	pg.first = link(0)
	if end < total {
		pg.next = link(end)
	}
	if start > 0 {
		pg.previous = link(max(start-pg.limit, 0))
	}
}

// ListPolicies returns a page of the account's policies as v1 policies
// (iam-access-management.policy.list on q.AccountID), active ones unless
// q.State says "deleted", sorted by q.Sort (default created_at). Errors:
// api.ErrInvalid (no account_id: code missing_required_query_parameter; bad
// sort or limit) and the gate's.
func (s *Service) ListPolicies(ctx context.Context, cred authz.Credential, q PolicyQuery) (*api.PolicyList, error) {
	pg, err := s.list(ctx, cred, q)
	if err != nil {
		return nil, err
	}
	out := &api.PolicyList{Limit: pg.limit, First: pg.first, Next: pg.next, Previous: pg.previous, Policies: []api.Policy{}}
	for _, r := range pg.rows {
		out.Policies = append(out.Policies, s.toV1(r))
	}
	return out, nil
}

// ListV2Policies is ListPolicies for v2 policies; q.Format "display" adds
// role details.
func (s *Service) ListV2Policies(ctx context.Context, cred authz.Credential, q PolicyQuery) (*api.V2PolicyList, error) {
	pg, err := s.list(ctx, cred, q)
	if err != nil {
		return nil, err
	}
	out := &api.V2PolicyList{Limit: pg.limit, First: pg.first, Next: pg.next, Previous: pg.previous, Policies: []api.V2Policy{}}
	for _, r := range pg.rows {
		out.Policies = append(out.Policies, s.toV2(r, q.Format == "display"))
	}
	return out, nil
}
