package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/cofferhq/coffer/api"
)

// This file holds IBM's Secrets Manager v2 API (/api/v2/...): all 41
// operations of IBM's Go SDK v2.0.11, on one instance chosen with
// Client.SecretsManager. Bodies and answers are the wire types of package
// api. Errors are *api.Error with the server's kind: api.ErrNotFound for an
// unknown secret, version, group or configuration (and for one the caller
// may not see), api.ErrAlreadyExists for a duplicate name,
// api.ErrFailedPrecondition (412) for a change a lock forbids, api.ErrInvalid
// for a refused body or query.
//
// Query parameters follow the SDK: arrays are one comma-joined value
// (groups=default%2Cabc), unset options are left out, PATCH bodies are sent
// as application/merge-patch+json.

// SecretsClient addresses one Secrets Manager instance. Make it with
// Client.SecretsManager; it is safe for concurrent use unless WithRawJSON
// is in effect.
type SecretsClient struct {
	c      *Client
	prefix string           // "" or /instances/{guid}
	raw    *json.RawMessage // when set, receives each answer's body
}

// SecretsManager returns a handle on the Secrets Manager instance with the
// given GUID: its requests go to {URL}/instances/{guid}/api/v2/.... An empty
// instanceGUID addresses the caller's default instance ({URL}/api/v2/...),
// or the instance a Host-based URL (https://{guid}.host) names.
func (c *Client) SecretsManager(instanceGUID string) *SecretsClient {
	s := &SecretsClient{c: c}
	if instanceGUID != "" {
		s.prefix = "/instances/" + url.PathEscape(instanceGUID)
	}
	return s
}

// WithRawJSON returns a copy of s that stores the body of every successful
// answer in dst (empty for operations without a body), so that a caller can
// show the API's JSON exactly as the server sent it. The copy must not be
// used concurrently.
func (s *SecretsClient) WithRawJSON(dst *json.RawMessage) *SecretsClient {
	c := *s
	c.raw = dst
	return &c
}

// SplitServiceURL splits a Secrets Manager service URL into the server's
// base URL and the instance GUID it names: "http://h:8420/instances/GUID"
// gives ("http://h:8420", "GUID"); any other URL (the server itself, or a
// Host-based https://GUID.host) comes back unchanged with an empty GUID. A
// trailing /api or /api/v2 is dropped first.
func SplitServiceURL(serviceURL string) (base, instanceGUID string) {
	u := strings.TrimRight(serviceURL, "/")
	u = strings.TrimSuffix(strings.TrimSuffix(u, "/api/v2"), "/api")
	i := strings.LastIndex(u, "/instances/")
	if i < 0 || strings.Contains(u[i+len("/instances/"):], "/") || i < strings.Index(u, "://")+3 {
		return u, ""
	}
	return u[:i], u[i+len("/instances/"):]
}

// do sends one request to the instance and decodes the answer into out.
func (s *SecretsClient) do(ctx context.Context, method, path string, in, out any, h http.Header) error {
	var raw json.RawMessage
	if err := s.c.doOpts(ctx, method, s.prefix+path, in, &raw, reqOpts{header: h}); err != nil {
		return err
	}
	if s.raw != nil {
		*s.raw = append((*s.raw)[:0], raw...)
	}
	if out == nil || len(raw) == 0 {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("decoding the answer of %s %s: %w", method, path, err)
	}
	return nil
}

// mergePatch is the header of the PATCH operations.
var mergePatch = http.Header{"Content-Type": {"application/merge-patch+json"}}

// configTypeHeader returns the X-Sm-Accept-Configuration-Type header that
// picks one of several configurations of the same name ("" for none).
func configTypeHeader(configType string) http.Header {
	if configType == "" {
		return nil
	}
	return http.Header{"X-Sm-Accept-Configuration-Type": {configType}}
}

// smPath returns /api/v2/{segments...}, each segment path-escaped.
func smPath(segments ...string) string {
	var b strings.Builder
	b.WriteString("/api/v2")
	for _, s := range segments {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(s))
	}
	return b.String()
}

// smQuery builds a query: zero ints, empty strings and empty lists are
// left out; lists are one comma-joined value.
type smQuery url.Values

func (q smQuery) int(k string, v int64) smQuery {
	if v != 0 {
		q[k] = []string{strconv.FormatInt(v, 10)}
	}
	return q
}

func (q smQuery) str(k, v string) smQuery {
	if v != "" {
		q[k] = []string{v}
	}
	return q
}

func (q smQuery) list(k string, v []string) smQuery {
	if len(v) > 0 {
		q[k] = []string{strings.Join(v, ",")}
	}
	return q
}

func (q smQuery) String() string { return encodeQuery(url.Values(q)) }

// CreateSecretGroup creates a secret group (POST /secret_groups).
// A duplicate name is api.ErrAlreadyExists.
func (s *SecretsClient) CreateSecretGroup(ctx context.Context, req api.SecretGroupPrototype) (*api.SecretGroup, error) {
	var g api.SecretGroup
	return &g, s.do(ctx, "POST", smPath("secret_groups"), req, &g, nil)
}

// ListSecretGroups returns every secret group the caller may see, the
// default group included (not paginated).
func (s *SecretsClient) ListSecretGroups(ctx context.Context) (*api.SecretGroupList, error) {
	var l api.SecretGroupList
	return &l, s.do(ctx, "GET", smPath("secret_groups"), nil, &l, nil)
}

// SecretGroup returns a secret group by id ("default" for the default
// group).
func (s *SecretsClient) SecretGroup(ctx context.Context, id string) (*api.SecretGroup, error) {
	var g api.SecretGroup
	return &g, s.do(ctx, "GET", smPath("secret_groups", id), nil, &g, nil)
}

// UpdateSecretGroup changes a secret group's name or description with a
// merge-patch.
func (s *SecretsClient) UpdateSecretGroup(ctx context.Context, id string, patch api.SecretGroupPatch) (*api.SecretGroup, error) {
	var g api.SecretGroup
	return &g, s.do(ctx, "PATCH", smPath("secret_groups", id), patch, &g, mergePatch)
}

// DeleteSecretGroup deletes an empty secret group.
func (s *SecretsClient) DeleteSecretGroup(ctx context.Context, id string) error {
	return s.do(ctx, "DELETE", smPath("secret_groups", id), nil, nil, nil)
}

// CreateSecret creates a secret of req.SecretType and returns it with its
// data.
func (s *SecretsClient) CreateSecret(ctx context.Context, req api.SecretPrototype) (*api.Secret, error) {
	var sec api.Secret
	return &sec, s.do(ctx, "POST", smPath("secrets"), req, &sec, nil)
}

// ListSecretsOptions are the query parameters of ListSecrets. Zero values
// are left out (the server's defaults: offset 0, limit 200).
type ListSecretsOptions struct {
	Offset, Limit  int64
	Sort           string // id, created_at, updated_at, expiration_date, secret_type or name; "-" prefix: descending
	Search         string
	Groups         []string // group ids; "default" for the default group
	SecretTypes    []string
	MatchAllLabels []string
}

func (o ListSecretsOptions) query() string {
	return smQuery{}.int("offset", o.Offset).int("limit", o.Limit).str("sort", o.Sort).str("search", o.Search).
		list("groups", o.Groups).list("secret_types", o.SecretTypes).list("match_all_labels", o.MatchAllLabels).String()
}

// ListSecrets returns one page of secrets' metadata; see SecretsPager.
func (s *SecretsClient) ListSecrets(ctx context.Context, opts ListSecretsOptions) (*api.SecretsPage, error) {
	var p api.SecretsPage
	return &p, s.do(ctx, "GET", smPath("secrets")+opts.query(), nil, &p, nil)
}

// SecretsPager returns a pager over ListSecrets that starts at opts.Offset
// and follows each page's next link.
func (s *SecretsClient) SecretsPager(opts ListSecretsOptions) *Pager[api.SecretMetadata] {
	return newPager(opts.Offset, func(ctx context.Context, off int64) ([]api.SecretMetadata, api.Page, error) {
		opts.Offset = off
		p, err := s.ListSecrets(ctx, opts)
		if err != nil {
			return nil, api.Page{}, err
		}
		return p.Secrets, p.Page, nil
	})
}

// Secret returns a secret with the data of its current version. It needs
// the secrets-manager.secret.read action.
func (s *SecretsClient) Secret(ctx context.Context, id string) (*api.Secret, error) {
	var sec api.Secret
	return &sec, s.do(ctx, "GET", smPath("secrets", id), nil, &sec, nil)
}

// SecretByName returns a secret with its data by its group's name
// ("default" for the default group), its type and its name.
func (s *SecretsClient) SecretByName(ctx context.Context, groupName, secretType, name string) (*api.Secret, error) {
	var sec api.Secret
	return &sec, s.do(ctx, "GET", smPath("secret_groups", groupName, "secret_types", secretType, "secrets", name), nil, &sec, nil)
}

// DeleteSecret deletes a secret and all its versions; a secret with locks
// cannot be deleted. forceDelete (custom_credentials only) deletes it even
// when its provider's tasks fail.
func (s *SecretsClient) DeleteSecret(ctx context.Context, id string, forceDelete bool) error {
	q := ""
	if forceDelete {
		q = "?force_delete=true"
	}
	return s.do(ctx, "DELETE", smPath("secrets", id)+q, nil, nil, nil)
}

// SecretMetadata returns a secret without its data.
func (s *SecretsClient) SecretMetadata(ctx context.Context, id string) (*api.SecretMetadata, error) {
	var m api.SecretMetadata
	return &m, s.do(ctx, "GET", smPath("secrets", id, "metadata"), nil, &m, nil)
}

// UpdateSecretMetadata changes a secret's metadata with a merge-patch: only
// the fields set in patch change.
func (s *SecretsClient) UpdateSecretMetadata(ctx context.Context, id string, patch api.SecretMetadataPatch) (*api.SecretMetadata, error) {
	var m api.SecretMetadata
	return &m, s.do(ctx, "PATCH", smPath("secrets", id, "metadata"), patch, &m, mergePatch)
}

// CreateSecretAction runs an action on a secret (revoke a private
// certificate, validate a public certificate's DNS challenge).
func (s *SecretsClient) CreateSecretAction(ctx context.Context, id string, req api.SecretActionPrototype) (*api.SecretAction, error) {
	var a api.SecretAction
	return &a, s.do(ctx, "POST", smPath("secrets", id, "actions"), req, &a, nil)
}

// CreateSecretVersion creates a new version of a secret (rotates it); the
// body's fields depend on the secret's type.
func (s *SecretsClient) CreateSecretVersion(ctx context.Context, secretID string, req api.SecretVersionPrototype) (*api.SecretVersion, error) {
	var v api.SecretVersion
	return &v, s.do(ctx, "POST", smPath("secrets", secretID, "versions"), req, &v, nil)
}

// ListSecretVersions returns the metadata of every version of a secret
// (not paginated).
func (s *SecretsClient) ListSecretVersions(ctx context.Context, secretID string) (*api.SecretVersionList, error) {
	var l api.SecretVersionList
	return &l, s.do(ctx, "GET", smPath("secrets", secretID, "versions"), nil, &l, nil)
}

// SecretVersion returns a version with its data; id is a version id or the
// alias "current" or "previous".
func (s *SecretsClient) SecretVersion(ctx context.Context, secretID, id string) (*api.SecretVersion, error) {
	var v api.SecretVersion
	return &v, s.do(ctx, "GET", smPath("secrets", secretID, "versions", id), nil, &v, nil)
}

// DeleteSecretVersionData deletes the data of a version (iam_credentials and
// custom_credentials only).
func (s *SecretsClient) DeleteSecretVersionData(ctx context.Context, secretID, id string) error {
	return s.do(ctx, "DELETE", smPath("secrets", secretID, "versions", id, "secret_data"), nil, nil, nil)
}

// SecretVersionMetadata returns a version without its data.
func (s *SecretsClient) SecretVersionMetadata(ctx context.Context, secretID, id string) (*api.SecretVersionMetadata, error) {
	var m api.SecretVersionMetadata
	return &m, s.do(ctx, "GET", smPath("secrets", secretID, "versions", id, "metadata"), nil, &m, nil)
}

// UpdateSecretVersionMetadata changes a version's version_custom_metadata
// with a merge-patch.
func (s *SecretsClient) UpdateSecretVersionMetadata(ctx context.Context, secretID, id string, patch api.SecretVersionMetadataPatch) (*api.SecretVersionMetadata, error) {
	var m api.SecretVersionMetadata
	return &m, s.do(ctx, "PATCH", smPath("secrets", secretID, "versions", id, "metadata"), patch, &m, mergePatch)
}

// CreateSecretVersionAction runs an action on a version (revoke a private
// certificate version).
func (s *SecretsClient) CreateSecretVersionAction(ctx context.Context, secretID, id string, req api.SecretActionPrototype) (*api.SecretAction, error) {
	var a api.SecretAction
	return &a, s.do(ctx, "POST", smPath("secrets", secretID, "versions", id, "actions"), req, &a, nil)
}

// ListSecretTasks returns the tasks of a custom_credentials secret.
func (s *SecretsClient) ListSecretTasks(ctx context.Context, secretID string) (*api.SecretTaskList, error) {
	var l api.SecretTaskList
	return &l, s.do(ctx, "GET", smPath("secrets", secretID, "tasks"), nil, &l, nil)
}

// SecretTask returns one task of a custom_credentials secret.
func (s *SecretsClient) SecretTask(ctx context.Context, secretID, id string) (*api.SecretTask, error) {
	var t api.SecretTask
	return &t, s.do(ctx, "GET", smPath("secrets", secretID, "tasks", id), nil, &t, nil)
}

// ReplaceSecretTask reports a task's outcome (PUT): the credentials created,
// their deletion, or the errors.
func (s *SecretsClient) ReplaceSecretTask(ctx context.Context, secretID, id string, req api.SecretTaskPrototype) (*api.SecretTask, error) {
	var t api.SecretTask
	return &t, s.do(ctx, "PUT", smPath("secrets", secretID, "tasks", id), req, &t, nil)
}

// DeleteSecretTask deletes a task of a custom_credentials secret.
func (s *SecretsClient) DeleteSecretTask(ctx context.Context, secretID, id string) error {
	return s.do(ctx, "DELETE", smPath("secrets", secretID, "tasks", id), nil, nil, nil)
}

// ListLocksOptions are the query parameters of ListSecretLocks and
// ListSecretVersionLocks (server defaults: offset 0, limit 25).
type ListLocksOptions struct {
	Offset, Limit int64
	Sort          string // created_at, updated_at or name; "-" prefix: descending
	Search        string // substring of the lock name
}

func (o ListLocksOptions) query() string {
	return smQuery{}.int("offset", o.Offset).int("limit", o.Limit).str("sort", o.Sort).str("search", o.Search).String()
}

// ListSecretsLocksOptions are the query parameters of ListSecretsLocks.
type ListSecretsLocksOptions struct {
	Offset, Limit int64
	Search        string
	Groups        []string
}

// ListSecretsLocks returns one page of the instance's locked secrets with
// their locks by version.
func (s *SecretsClient) ListSecretsLocks(ctx context.Context, opts ListSecretsLocksOptions) (*api.SecretsLocksPage, error) {
	q := smQuery{}.int("offset", opts.Offset).int("limit", opts.Limit).str("search", opts.Search).list("groups", opts.Groups)
	var p api.SecretsLocksPage
	return &p, s.do(ctx, "GET", smPath("secrets_locks")+q.String(), nil, &p, nil)
}

// SecretsLocksPager returns a pager over ListSecretsLocks.
func (s *SecretsClient) SecretsLocksPager(opts ListSecretsLocksOptions) *Pager[api.SecretLocks] {
	return newPager(opts.Offset, func(ctx context.Context, off int64) ([]api.SecretLocks, api.Page, error) {
		opts.Offset = off
		p, err := s.ListSecretsLocks(ctx, opts)
		if err != nil {
			return nil, api.Page{}, err
		}
		return p.SecretsLocks, p.Page, nil
	})
}

// ListSecretLocks returns one page of the locks of every version of a
// secret.
func (s *SecretsClient) ListSecretLocks(ctx context.Context, id string, opts ListLocksOptions) (*api.SecretLocksPage, error) {
	var p api.SecretLocksPage
	return &p, s.do(ctx, "GET", smPath("secrets", id, "locks")+opts.query(), nil, &p, nil)
}

// CreateSecretLocksBulk locks the current version of a secret; a lock of
// the same name on that version is replaced. mode is "",
// api.LockModeRemovePrevious or api.LockModeRemovePreviousAndDelete.
func (s *SecretsClient) CreateSecretLocksBulk(ctx context.Context, id string, locks []api.SecretLockPrototype, mode string) (*api.SecretLocks, error) {
	var l api.SecretLocks
	q := smQuery{}.str("mode", mode).String()
	return &l, s.do(ctx, "POST", smPath("secrets", id, "locks_bulk")+q, api.SecretLocksPrototype{Locks: nonNilLocks(locks)}, &l, nil)
}

// DeleteSecretLocksBulk removes the named locks from every version of a
// secret (all of them when names is empty); unknown names are ignored.
func (s *SecretsClient) DeleteSecretLocksBulk(ctx context.Context, id string, names []string) (*api.SecretLocks, error) {
	var l api.SecretLocks
	q := smQuery{}.list("name", names).String()
	return &l, s.do(ctx, "DELETE", smPath("secrets", id, "locks_bulk")+q, nil, &l, nil)
}

// ListSecretVersionLocks returns one page of the locks of one version.
func (s *SecretsClient) ListSecretVersionLocks(ctx context.Context, secretID, id string, opts ListLocksOptions) (*api.SecretLocksPage, error) {
	var p api.SecretLocksPage
	return &p, s.do(ctx, "GET", smPath("secrets", secretID, "versions", id, "locks")+opts.query(), nil, &p, nil)
}

// CreateSecretVersionLocksBulk locks one version of a secret; see
// CreateSecretLocksBulk for mode.
func (s *SecretsClient) CreateSecretVersionLocksBulk(ctx context.Context, secretID, id string, locks []api.SecretLockPrototype, mode string) (*api.SecretLocks, error) {
	var l api.SecretLocks
	q := smQuery{}.str("mode", mode).String()
	return &l, s.do(ctx, "POST", smPath("secrets", secretID, "versions", id, "locks_bulk")+q,
		api.SecretLocksPrototype{Locks: nonNilLocks(locks)}, &l, nil)
}

// DeleteSecretVersionLocksBulk removes the named locks from one version
// (all of them when names is empty).
func (s *SecretsClient) DeleteSecretVersionLocksBulk(ctx context.Context, secretID, id string, names []string) (*api.SecretLocks, error) {
	var l api.SecretLocks
	q := smQuery{}.list("name", names).String()
	return &l, s.do(ctx, "DELETE", smPath("secrets", secretID, "versions", id, "locks_bulk")+q, nil, &l, nil)
}

// nonNilLocks makes an empty lock list encode as [] (locks is required).
func nonNilLocks(l []api.SecretLockPrototype) []api.SecretLockPrototype {
	if l == nil {
		return []api.SecretLockPrototype{}
	}
	return l
}

// CreateConfiguration creates a configuration of req.ConfigType. A
// duplicate name is api.ErrAlreadyExists.
func (s *SecretsClient) CreateConfiguration(ctx context.Context, req api.ConfigurationPrototype) (*api.Configuration, error) {
	var c api.Configuration
	return &c, s.do(ctx, "POST", smPath("configurations"), req, &c, nil)
}

// ListConfigurationsOptions are the query parameters of ListConfigurations.
type ListConfigurationsOptions struct {
	Offset, Limit int64
	Sort          string // config_type, secret_type or name; "-" prefix: descending
	Search        string
	SecretTypes   []string
}

// ListConfigurations returns one page of configurations' metadata.
func (s *SecretsClient) ListConfigurations(ctx context.Context, opts ListConfigurationsOptions) (*api.ConfigurationsPage, error) {
	q := smQuery{}.int("offset", opts.Offset).int("limit", opts.Limit).str("sort", opts.Sort).str("search", opts.Search).
		list("secret_types", opts.SecretTypes)
	var p api.ConfigurationsPage
	return &p, s.do(ctx, "GET", smPath("configurations")+q.String(), nil, &p, nil)
}

// ConfigurationsPager returns a pager over ListConfigurations.
func (s *SecretsClient) ConfigurationsPager(opts ListConfigurationsOptions) *Pager[api.ConfigurationMetadata] {
	return newPager(opts.Offset, func(ctx context.Context, off int64) ([]api.ConfigurationMetadata, api.Page, error) {
		opts.Offset = off
		p, err := s.ListConfigurations(ctx, opts)
		if err != nil {
			return nil, api.Page{}, err
		}
		return p.Configurations, p.Page, nil
	})
}

// Configuration returns a configuration by name. configType, when not
// empty, picks among configurations of several types with that name (sent
// as X-Sm-Accept-Configuration-Type).
func (s *SecretsClient) Configuration(ctx context.Context, name, configType string) (*api.Configuration, error) {
	var c api.Configuration
	return &c, s.do(ctx, "GET", smPath("configurations", name), nil, &c, configTypeHeader(configType))
}

// UpdateConfiguration changes a configuration with a merge-patch.
func (s *SecretsClient) UpdateConfiguration(ctx context.Context, name, configType string, patch api.ConfigurationPatch) (*api.Configuration, error) {
	h := configTypeHeader(configType)
	if h == nil {
		h = http.Header{}
	}
	h.Set("Content-Type", "application/merge-patch+json")
	var c api.Configuration
	return &c, s.do(ctx, "PATCH", smPath("configurations", name), patch, &c, h)
}

// DeleteConfiguration deletes a configuration.
func (s *SecretsClient) DeleteConfiguration(ctx context.Context, name, configType string) error {
	return s.do(ctx, "DELETE", smPath("configurations", name), nil, nil, configTypeHeader(configType))
}

// CreateConfigurationAction runs an action on a configuration (sign, set
// signed, revoke, rotate the CRL or the intermediate CA).
func (s *SecretsClient) CreateConfigurationAction(ctx context.Context, name, configType string, req api.ConfigurationActionPrototype) (*api.ConfigurationAction, error) {
	var a api.ConfigurationAction
	return &a, s.do(ctx, "POST", smPath("configurations", name, "actions"), req, &a, configTypeHeader(configType))
}

// CreateNotificationsRegistration registers the instance with an Event
// Notifications instance.
func (s *SecretsClient) CreateNotificationsRegistration(ctx context.Context, req api.NotificationsRegistrationPrototype) (*api.NotificationsRegistration, error) {
	var r api.NotificationsRegistration
	return &r, s.do(ctx, "POST", smPath("notifications", "registration"), req, &r, nil)
}

// NotificationsRegistration returns the instance's Event Notifications
// registration (api.ErrNotFound when there is none).
func (s *SecretsClient) NotificationsRegistration(ctx context.Context) (*api.NotificationsRegistration, error) {
	var r api.NotificationsRegistration
	return &r, s.do(ctx, "GET", smPath("notifications", "registration"), nil, &r, nil)
}

// DeleteNotificationsRegistration removes the registration.
func (s *SecretsClient) DeleteNotificationsRegistration(ctx context.Context) error {
	return s.do(ctx, "DELETE", smPath("notifications", "registration"), nil, nil, nil)
}

// TestNotificationsRegistration sends a test event to the registered Event
// Notifications instance (GET .../registration/test, 204).
func (s *SecretsClient) TestNotificationsRegistration(ctx context.Context) error {
	return s.do(ctx, "GET", smPath("notifications", "registration", "test"), nil, nil, nil)
}

// Pager walks a paginated Secrets Manager list page by page, as IBM's SDK
// pagers do: the first call uses the starting offset, each next one the
// offset of the previous page's next link; there is no next page once a
// page has no next link.
type Pager[T any] struct {
	fetch  func(ctx context.Context, offset int64) ([]T, api.Page, error)
	offset int64
	done   bool
	pages  int
}

func newPager[T any](offset int64, fetch func(context.Context, int64) ([]T, api.Page, error)) *Pager[T] {
	return &Pager[T]{fetch: fetch, offset: offset}
}

// HasNext reports whether another page may be fetched.
func (p *Pager[T]) HasNext() bool { return !p.done }

// Next fetches the next page. It returns api.ErrInvalid wrapped when the
// server's next link has no integer offset, and stops a listing that does
// not end after maxPages pages.
func (p *Pager[T]) Next(ctx context.Context) ([]T, error) {
	if p.done {
		return nil, api.Errorf(api.ErrInvalid, "no more pages")
	}
	items, page, err := p.fetch(ctx, p.offset)
	if err != nil {
		return nil, err
	}
	next, ok, err := NextOffset(page)
	if err != nil {
		return nil, err
	}
	if p.pages++; !ok {
		p.done = true
	} else if p.pages >= maxPages {
		return nil, api.Errorf(api.ErrInternal, "the listing did not end after %d pages", maxPages)
	}
	p.offset = next
	return items, nil
}

// All fetches every remaining page and returns their items together.
func (p *Pager[T]) All(ctx context.Context) ([]T, error) {
	var all []T
	for p.HasNext() {
		items, err := p.Next(ctx)
		if err != nil {
			return nil, err
		}
		all = append(all, items...)
	}
	return all, nil
}

// NextOffset returns the offset query parameter of a page's next link, and
// false on the last page (no next link, or one without an offset). A next
// link whose offset is not an integer is an error wrapping api.ErrInvalid.
func NextOffset(p api.Page) (int64, bool, error) {
	if p.Next == nil {
		return 0, false, nil
	}
	u, err := url.Parse(p.Next.Href)
	if err != nil {
		return 0, false, api.Errorf(api.ErrInvalid, "the next link %q is not a URL", p.Next.Href)
	}
	v := u.Query().Get("offset")
	if v == "" {
		return 0, false, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, false, api.Errorf(api.ErrInvalid, "the next link's offset %q is not an integer", v)
	}
	return n, true, nil
}
