package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/cofferhq/coffer/api"
)

// This file holds the IAM Identity API v1 (service IDs, API keys, trusted
// profiles and their rules, links and identities) and Coffer's account and
// user API. Errors are *api.Error with the server's kind: api.ErrNotFound for
// an unknown id, api.ErrConflict for a stale If-Match or a locked entity,
// api.ErrInvalid for a refused body.

// CreateOptions are the headers of a create: Entity-Lock creates the entity
// locked, Entity-Disable (API keys only) creates the key disabled.
type CreateOptions struct {
	Lock    bool
	Disable bool
}

func (o CreateOptions) header() http.Header {
	h := http.Header{}
	if o.Lock {
		h.Set("Entity-Lock", "true")
	}
	if o.Disable {
		h.Set("Entity-Disable", "true")
	}
	return h
}

// ifMatch returns the If-Match header for an update; "" means "*" (update
// whatever the current version is).
func ifMatch(tag string) reqOpts {
	if tag == "" {
		tag = "*"
	}
	return reqOpts{header: http.Header{"If-Match": {tag}}}
}

// ListServiceIDsOptions are the query parameters of ListServiceIDs.
// AccountID is required unless PageToken is set.
type ListServiceIDsOptions struct {
	AccountID, GroupID, Name string
	PageSize                 int // 1-100; 0: the server's default (20)
	PageToken                string
	Sort, Order, Filter      string
	IncludeHistory           bool
}

func (o ListServiceIDsOptions) query() string {
	return encodeQuery(url.Values{"account_id": {o.AccountID}, "group_id": {o.GroupID}, "name": {o.Name},
		"pagesize": {itoa(o.PageSize)}, "pagetoken": {o.PageToken}, "sort": {o.Sort}, "order": {o.Order},
		"filter": {o.Filter}, "include_history": {btoa(o.IncludeHistory)}})
}

// CreateServiceID creates a service ID (and its API key when req.APIKey is
// set; the answer then carries the key's value once).
func (c *Client) CreateServiceID(ctx context.Context, req api.CreateServiceIDRequest, opts CreateOptions) (*api.ServiceID, error) {
	var s api.ServiceID
	return &s, c.doOpts(ctx, "POST", "/v1/serviceids/", req, &s, reqOpts{header: opts.header()})
}

// ListServiceIDs returns one page of service IDs; see AllServiceIDs.
func (c *Client) ListServiceIDs(ctx context.Context, opts ListServiceIDsOptions) (*api.ServiceIDList, error) {
	var l api.ServiceIDList
	return &l, c.do(ctx, "GET", "/v1/serviceids/"+opts.query(), nil, &l)
}

// AllServiceIDs returns every service ID matching opts, following next.
func (c *Client) AllServiceIDs(ctx context.Context, opts ListServiceIDsOptions) ([]api.ServiceID, error) {
	return pageAll(func(token string) ([]api.ServiceID, string, error) {
		opts.PageToken = token
		l, err := c.ListServiceIDs(ctx, opts)
		if err != nil {
			return nil, "", err
		}
		return l.ServiceIDs, l.Next, nil
	})
}

// ServiceID returns a service ID by id (ServiceId-…).
func (c *Client) ServiceID(ctx context.Context, id string) (*api.ServiceID, error) {
	var s api.ServiceID
	return &s, c.do(ctx, "GET", "/v1/serviceids/"+url.PathEscape(id), nil, &s)
}

// UpdateServiceID changes a service ID. tag is its entity_tag ("" for "*").
func (c *Client) UpdateServiceID(ctx context.Context, id, tag string, req api.UpdateServiceIDRequest) (*api.ServiceID, error) {
	var s api.ServiceID
	return &s, c.doOpts(ctx, "PUT", "/v1/serviceids/"+url.PathEscape(id), req, &s, ifMatch(tag))
}

// DeleteServiceID deletes a service ID and its API keys.
func (c *Client) DeleteServiceID(ctx context.Context, id string) error {
	return c.do(ctx, "DELETE", "/v1/serviceids/"+url.PathEscape(id), nil, nil)
}

// LockServiceID locks a service ID against changes and deletion.
func (c *Client) LockServiceID(ctx context.Context, id string) error {
	return c.do(ctx, "POST", "/v1/serviceids/"+url.PathEscape(id)+"/lock", nil, nil)
}

// UnlockServiceID unlocks a service ID.
func (c *Client) UnlockServiceID(ctx context.Context, id string) error {
	return c.do(ctx, "DELETE", "/v1/serviceids/"+url.PathEscape(id)+"/lock", nil, nil)
}

// ListAPIKeysOptions are the query parameters of ListAPIKeys. Scope is
// entity (default) or account; Type is user or serviceid.
type ListAPIKeysOptions struct {
	AccountID, IAMID, GroupID string
	PageSize                  int
	PageToken                 string
	Scope, Type               string
	Sort, Order, Filter       string
	IncludeHistory            bool
}

func (o ListAPIKeysOptions) query() string {
	return encodeQuery(url.Values{"account_id": {o.AccountID}, "iam_id": {o.IAMID}, "group_id": {o.GroupID},
		"pagesize": {itoa(o.PageSize)}, "pagetoken": {o.PageToken}, "scope": {o.Scope}, "type": {o.Type},
		"sort": {o.Sort}, "order": {o.Order}, "filter": {o.Filter}, "include_history": {btoa(o.IncludeHistory)}})
}

// CreateAPIKey creates an API key for req.IAMID; the answer carries the
// key's value, once.
func (c *Client) CreateAPIKey(ctx context.Context, req api.CreateAPIKeyRequest, opts CreateOptions) (*api.APIKey, error) {
	var k api.APIKey
	return &k, c.doOpts(ctx, "POST", "/v1/apikeys", req, &k, reqOpts{header: opts.header()})
}

// ListAPIKeys returns one page of API keys; see AllAPIKeys.
func (c *Client) ListAPIKeys(ctx context.Context, opts ListAPIKeysOptions) (*api.APIKeyList, error) {
	var l api.APIKeyList
	return &l, c.do(ctx, "GET", "/v1/apikeys"+opts.query(), nil, &l)
}

// AllAPIKeys returns every API key matching opts, following next.
func (c *Client) AllAPIKeys(ctx context.Context, opts ListAPIKeysOptions) ([]api.APIKey, error) {
	return pageAll(func(token string) ([]api.APIKey, string, error) {
		opts.PageToken = token
		l, err := c.ListAPIKeys(ctx, opts)
		if err != nil {
			return nil, "", err
		}
		return l.APIKeys, l.Next, nil
	})
}

// APIKey returns an API key by id (ApiKey-…), without its value.
func (c *Client) APIKey(ctx context.Context, id string) (*api.APIKey, error) {
	var k api.APIKey
	return &k, c.do(ctx, "GET", "/v1/apikeys/"+url.PathEscape(id), nil, &k)
}

// APIKeyDetails returns the API key whose value is value (sent in the
// IAM-ApiKey header, never in the URL).
func (c *Client) APIKeyDetails(ctx context.Context, value api.Sensitive) (*api.APIKey, error) {
	var k api.APIKey
	return &k, c.doOpts(ctx, "GET", "/v1/apikeys/details", nil, &k,
		reqOpts{header: http.Header{"Iam-Apikey": {value.Reveal()}}})
}

// UpdateAPIKey changes an API key. tag is its entity_tag ("" for "*").
func (c *Client) UpdateAPIKey(ctx context.Context, id, tag string, req api.UpdateAPIKeyRequest) (*api.APIKey, error) {
	var k api.APIKey
	return &k, c.doOpts(ctx, "PUT", "/v1/apikeys/"+url.PathEscape(id), req, &k, ifMatch(tag))
}

// DeleteAPIKey deletes an API key; tokens issued with it stay valid until
// they expire.
func (c *Client) DeleteAPIKey(ctx context.Context, id string) error {
	return c.do(ctx, "DELETE", "/v1/apikeys/"+url.PathEscape(id), nil, nil)
}

// LockAPIKey locks an API key against changes and deletion.
func (c *Client) LockAPIKey(ctx context.Context, id string) error {
	return c.do(ctx, "POST", "/v1/apikeys/"+url.PathEscape(id)+"/lock", nil, nil)
}

// UnlockAPIKey unlocks an API key.
func (c *Client) UnlockAPIKey(ctx context.Context, id string) error {
	return c.do(ctx, "DELETE", "/v1/apikeys/"+url.PathEscape(id)+"/lock", nil, nil)
}

// DisableAPIKey disables an API key: it can no longer authenticate.
func (c *Client) DisableAPIKey(ctx context.Context, id string) error {
	return c.do(ctx, "POST", "/v1/apikeys/"+url.PathEscape(id)+"/disable", nil, nil)
}

// EnableAPIKey enables a disabled API key.
func (c *Client) EnableAPIKey(ctx context.Context, id string) error {
	return c.do(ctx, "DELETE", "/v1/apikeys/"+url.PathEscape(id)+"/disable", nil, nil)
}

// ListOptions are the query parameters of Coffer's own lists and of
// ListProfiles (with AccountID and Name).
type ListOptions struct {
	AccountID, Name     string
	PageSize            int
	PageToken           string
	Sort, Order, Filter string
	IncludeHistory      bool
}

func (o ListOptions) query() string {
	return encodeQuery(url.Values{"account_id": {o.AccountID}, "name": {o.Name}, "pagesize": {itoa(o.PageSize)},
		"pagetoken": {o.PageToken}, "sort": {o.Sort}, "order": {o.Order}, "filter": {o.Filter},
		"include_history": {btoa(o.IncludeHistory)}})
}

// CreateProfile creates a trusted profile.
func (c *Client) CreateProfile(ctx context.Context, req api.CreateProfileRequest) (*api.TrustedProfile, error) {
	var p api.TrustedProfile
	return &p, c.do(ctx, "POST", "/v1/profiles", req, &p)
}

// ListProfiles returns one page of the trusted profiles of opts.AccountID.
func (c *Client) ListProfiles(ctx context.Context, opts ListOptions) (*api.TrustedProfilesList, error) {
	var l api.TrustedProfilesList
	return &l, c.do(ctx, "GET", "/v1/profiles"+opts.query(), nil, &l)
}

// AllProfiles returns every trusted profile matching opts, following next.
func (c *Client) AllProfiles(ctx context.Context, opts ListOptions) ([]api.TrustedProfile, error) {
	return pageAll(func(token string) ([]api.TrustedProfile, string, error) {
		opts.PageToken = token
		l, err := c.ListProfiles(ctx, opts)
		if err != nil {
			return nil, "", err
		}
		return l.Profiles, l.Next, nil
	})
}

// Profile returns a trusted profile by id (Profile-…).
func (c *Client) Profile(ctx context.Context, id string) (*api.TrustedProfile, error) {
	var p api.TrustedProfile
	return &p, c.do(ctx, "GET", profilePath(id), nil, &p)
}

// UpdateProfile changes a trusted profile. tag is its entity_tag ("" for "*").
func (c *Client) UpdateProfile(ctx context.Context, id, tag string, req api.UpdateProfileRequest) (*api.TrustedProfile, error) {
	var p api.TrustedProfile
	return &p, c.doOpts(ctx, "PUT", profilePath(id), req, &p, ifMatch(tag))
}

// DeleteProfile deletes a trusted profile with its rules, links and
// identities.
func (c *Client) DeleteProfile(ctx context.Context, id string) error {
	return c.do(ctx, "DELETE", profilePath(id), nil, nil)
}

// CreateClaimRule adds a claim rule to a profile.
func (c *Client) CreateClaimRule(ctx context.Context, profileID string, req api.CreateClaimRuleRequest) (*api.ProfileClaimRule, error) {
	var r api.ProfileClaimRule
	return &r, c.do(ctx, "POST", profilePath(profileID, "rules"), req, &r)
}

// ListClaimRules returns every claim rule of a profile.
func (c *Client) ListClaimRules(ctx context.Context, profileID string) (*api.ProfileClaimRuleList, error) {
	var l api.ProfileClaimRuleList
	return &l, c.do(ctx, "GET", profilePath(profileID, "rules"), nil, &l)
}

// ClaimRule returns one claim rule of a profile.
func (c *Client) ClaimRule(ctx context.Context, profileID, ruleID string) (*api.ProfileClaimRule, error) {
	var r api.ProfileClaimRule
	return &r, c.do(ctx, "GET", profilePath(profileID, "rules", ruleID), nil, &r)
}

// UpdateClaimRule replaces a claim rule. tag is its entity_tag ("" for "*").
func (c *Client) UpdateClaimRule(ctx context.Context, profileID, ruleID, tag string, req api.UpdateClaimRuleRequest) (*api.ProfileClaimRule, error) {
	var r api.ProfileClaimRule
	return &r, c.doOpts(ctx, "PUT", profilePath(profileID, "rules", ruleID), req, &r, ifMatch(tag))
}

// DeleteClaimRule deletes a claim rule.
func (c *Client) DeleteClaimRule(ctx context.Context, profileID, ruleID string) error {
	return c.do(ctx, "DELETE", profilePath(profileID, "rules", ruleID), nil, nil)
}

// CreateProfileLink links a profile to a compute resource.
func (c *Client) CreateProfileLink(ctx context.Context, profileID string, req api.CreateProfileLinkRequest) (*api.ProfileLink, error) {
	var l api.ProfileLink
	return &l, c.do(ctx, "POST", profilePath(profileID, "links"), req, &l)
}

// ListProfileLinks returns every link of a profile.
func (c *Client) ListProfileLinks(ctx context.Context, profileID string) (*api.ProfileLinkList, error) {
	var l api.ProfileLinkList
	return &l, c.do(ctx, "GET", profilePath(profileID, "links"), nil, &l)
}

// ProfileLink returns one link of a profile.
func (c *Client) ProfileLink(ctx context.Context, profileID, linkID string) (*api.ProfileLink, error) {
	var l api.ProfileLink
	return &l, c.do(ctx, "GET", profilePath(profileID, "links", linkID), nil, &l)
}

// DeleteProfileLink deletes one link of a profile.
func (c *Client) DeleteProfileLink(ctx context.Context, profileID, linkID string) error {
	return c.do(ctx, "DELETE", profilePath(profileID, "links", linkID), nil, nil)
}

// DeleteProfileLinksByParams deletes the links of a profile that match p
// (p.CRType is required).
func (c *Client) DeleteProfileLinksByParams(ctx context.Context, profileID string, p ProfileLinkParams) error {
	q := encodeQuery(url.Values{"type": {p.CRType}, "crn": {p.CRN}, "namespace": {p.Namespace}, "name": {p.Name},
		"component_type": {p.ComponentType}, "component_name": {p.ComponentName}})
	return c.do(ctx, "DELETE", profilePath(profileID, "links")+q, nil, nil)
}

// ProfileLinkParams select the links DeleteProfileLinksByParams deletes.
type ProfileLinkParams struct {
	CRType, CRN, Namespace, Name, ComponentType, ComponentName string
}

// ProfileIdentities returns the identities a profile trusts, with the
// entity tag of the set.
func (c *Client) ProfileIdentities(ctx context.Context, profileID string) (*api.ProfileIdentitiesResponse, error) {
	var r api.ProfileIdentitiesResponse
	return &r, c.do(ctx, "GET", profilePath(profileID, "identities"), nil, &r)
}

// SetProfileIdentities replaces the identities a profile trusts. tag is the
// set's entity_tag ("" for "*").
func (c *Client) SetProfileIdentities(ctx context.Context, profileID, tag string, req api.SetProfileIdentitiesRequest) (*api.ProfileIdentitiesResponse, error) {
	var r api.ProfileIdentitiesResponse
	return &r, c.doOpts(ctx, "PUT", profilePath(profileID, "identities"), req, &r, ifMatch(tag))
}

// AddProfileIdentity adds one identity of type identityType (user,
// serviceid or crn) to those a profile trusts.
func (c *Client) AddProfileIdentity(ctx context.Context, profileID, identityType string, req api.ProfileIdentityRequest) (*api.ProfileIdentity, error) {
	var r api.ProfileIdentity
	return &r, c.do(ctx, "POST", profilePath(profileID, "identities", identityType), req, &r)
}

// ProfileIdentity returns one identity a profile trusts.
func (c *Client) ProfileIdentity(ctx context.Context, profileID, identityType, identifier string) (*api.ProfileIdentity, error) {
	var r api.ProfileIdentity
	return &r, c.do(ctx, "GET", profilePath(profileID, "identities", identityType, identifier), nil, &r)
}

// DeleteProfileIdentity removes one identity a profile trusts.
func (c *Client) DeleteProfileIdentity(ctx context.Context, profileID, identityType, identifier string) error {
	return c.do(ctx, "DELETE", profilePath(profileID, "identities", identityType, identifier), nil, nil)
}

// profilePath returns /v1/profiles/{id}/{more…}, each segment escaped.
func profilePath(id string, more ...string) string {
	p := "/v1/profiles/" + url.PathEscape(id)
	for _, m := range more {
		p += "/" + url.PathEscape(m)
	}
	return p
}

// CreateAccount creates an account with an administrator and an API key for
// it (value shown once). Only the operator account's administrator may.
func (c *Client) CreateAccount(ctx context.Context, req api.CreateAccountRequest) (*api.CreateAccountResponse, error) {
	var res api.CreateAccountResponse
	return &res, c.do(ctx, "POST", "/coffer/v1/accounts", req, &res)
}

// ListAccounts returns one page of the accounts the caller may see.
func (c *Client) ListAccounts(ctx context.Context, opts ListOptions) (*api.AccountList, error) {
	var l api.AccountList
	return &l, c.do(ctx, "GET", "/coffer/v1/accounts"+opts.query(), nil, &l)
}

// CreateUser creates a user in req.AccountID.
func (c *Client) CreateUser(ctx context.Context, req api.CreateUserRequest) (*api.User, error) {
	var u api.User
	return &u, c.do(ctx, "POST", "/coffer/v1/users", req, &u)
}

// ListUsers returns one page of the users of opts.AccountID.
func (c *Client) ListUsers(ctx context.Context, opts ListOptions) (*api.UserList, error) {
	var l api.UserList
	return &l, c.do(ctx, "GET", "/coffer/v1/users"+opts.query(), nil, &l)
}

// DeleteUser deletes a user by iam_id, with its API keys.
func (c *Client) DeleteUser(ctx context.Context, iamID string) error {
	return c.do(ctx, "DELETE", "/coffer/v1/users/"+url.PathEscape(iamID), nil, nil)
}

// maxPages bounds pageAll against a server that never ends a listing.
const maxPages = 10000

// pageAll calls fetch with each page token (first ""), following next
// until it is empty.
func pageAll[T any](fetch func(token string) ([]T, string, error)) ([]T, error) {
	var all []T
	token := ""
	for range maxPages {
		items, next, err := fetch(token)
		if err != nil {
			return nil, err
		}
		all = append(all, items...)
		if token = NextPageToken(next); token == "" {
			return all, nil
		}
	}
	return nil, api.Errorf(api.ErrInternal, "the listing did not end after %d pages", maxPages)
}

// NextPageToken returns the page token of a list's next: the pagetoken
// query parameter of a full URL (IAM Identity), or next itself when it is
// a bare token (Coffer's own lists). It returns "" on the last page.
func NextPageToken(next string) string {
	if next == "" {
		return ""
	}
	if u, err := url.Parse(next); err == nil && (u.Scheme != "" || u.RawQuery != "") {
		return u.Query().Get("pagetoken")
	}
	return next
}

// encodeQuery encodes the non-empty values of q as "?…" ("" if none).
func encodeQuery(q url.Values) string {
	for k, v := range q {
		if len(v) == 0 || v[0] == "" {
			delete(q, k)
		}
	}
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

func itoa(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

func btoa(b bool) string {
	if !b {
		return ""
	}
	return "true"
}
