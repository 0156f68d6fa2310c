package identity

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strconv"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/store"
)

// Paging of IAM Identity lists (IBM's pagesize/pagetoken style).
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// ListRequest selects one page of a list. AccountID "" means the caller's
// account. Name filters service IDs and profiles; IAMID and Scope (entity,
// the default, or account) select API keys. A PageToken, when given, carries
// the account and filters of the first page, which then win over the
// fields. URL is the absolute request URL, from which the IAM Identity lists
// build their first and next links; Coffer's own lists ignore it.
type ListRequest struct {
	AccountID string
	Name      string
	IAMID     string
	Scope     string
	PageSize  int // 0 means DefaultPageSize
	PageToken string
	URL       *url.URL
}

// ParseListRequest reads a ListRequest from the query of u (account_id,
// name, iam_id, scope, pagesize, pagetoken) and keeps u as the URL. Errors:
// api.ErrInvalid for a pagesize that is not a number from 1 to 100.
func ParseListRequest(u *url.URL) (ListRequest, error) {
	q := u.Query()
	r := ListRequest{AccountID: q.Get("account_id"), Name: q.Get("name"), IAMID: q.Get("iam_id"),
		Scope: q.Get("scope"), PageToken: q.Get("pagetoken"), URL: u}
	if v := q.Get("pagesize"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxPageSize {
			return r, api.Errorf(api.ErrInvalid, "pagesize must be a number from 1 to %d", MaxPageSize)
		}
		r.PageSize = n
	}
	return r, nil
}

// pageToken is the decoded form of an IAM Identity pagetoken. Format,
// version 1: base64url without padding of the JSON of this struct. It names
// the account and filters of the listing and the store's keyset token, so
// that a client passing only pagetoken continues the same listing.
type pageToken struct {
	V       int    `json:"v"`
	Account string `json:"a"`
	Name    string `json:"n,omitempty"`
	IAMID   string `json:"i,omitempty"`
	Scope   string `json:"s,omitempty"`
	Store   string `json:"t"`
	Offset  int64  `json:"o"`
}

const pageTokenV1 = 1

func (t pageToken) encode() string {
	b, _ := json.Marshal(t)
	return base64.RawURLEncoding.EncodeToString(b)
}

// page is the resolved request of one page: the listing and where it is.
type page struct {
	pageToken
	size int
}

// openPage resolves r: from its token when it has one, else from its fields.
// Errors: api.ErrInvalid for a malformed token.
func openPage(r ListRequest) (page, error) {
	p := page{size: r.PageSize}
	if p.size <= 0 {
		p.size = DefaultPageSize
	}
	if r.PageToken == "" {
		p.pageToken = pageToken{V: pageTokenV1, Account: r.AccountID, Name: r.Name, IAMID: r.IAMID, Scope: r.Scope}
		return p, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(r.PageToken)
	if err != nil || json.Unmarshal(b, &p.pageToken) != nil || p.V != pageTokenV1 || p.Account == "" || p.Store == "" {
		return p, api.Errorf(api.ErrInvalid, "invalid pagetoken: pass the pagetoken of a next link unchanged")
	}
	return p, nil
}

func (p page) options() store.ListOptions {
	return store.ListOptions{PageToken: p.Store, Limit: p.size}
}

// pageInfo is the paging part of an IAM Identity list envelope.
type pageInfo struct {
	offset, limit int64
	first, next   string
}

// links returns the envelope fields of page p that returned n items, with
// storeNext the store's token for the following page ("" on the last).
// first and next are the request URL with pagetoken removed or replaced.
func (p page) links(r ListRequest, n int, storeNext string) pageInfo {
	info := pageInfo{offset: p.Offset, limit: int64(p.size)}
	if r.URL == nil {
		return info
	}
	info.first = withPageToken(r.URL, "")
	if storeNext != "" {
		t := p.pageToken
		t.Store, t.Offset = storeNext, p.Offset+int64(n)
		info.next = withPageToken(r.URL, t.encode())
	}
	return info
}

func withPageToken(u *url.URL, token string) string {
	c := *u
	q := c.Query()
	q.Del("pagetoken")
	if token != "" {
		q.Set("pagetoken", token)
	}
	c.RawQuery = q.Encode()
	return c.String()
}
