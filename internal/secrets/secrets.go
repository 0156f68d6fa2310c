// Package secrets is Coffer's Secrets Manager: secret groups, secrets of
// every type, versions, locks, configurations, the Event Notifications
// registration and custom credentials tasks, with the 41 operations of IBM's
// Secrets Manager v2 API.
//
// # Model
//
// Every operation names the instance it addresses by GUID ("" means the
// caller's account's default instance), authenticates the caller with the
// gate, resolves the instance, and authorizes IBM's action on an
// authz.Resource carrying the instance's attributes. Secret-group-scoped
// operations (secrets, their versions and locks, groups themselves) carry
// ResourceType "secret-group" and the group id, so that a policy granting a
// role on one group covers its secrets; the CRN names the precise object.
// On an object looked up by id, a denied caller gets 403 only if it may read
// the object's metadata, otherwise the same 404 as for a missing object.
//
// Payloads are sealed with kms.Keys under envelope.Binding{instance, secret,
// version} and stored only as ciphertext; the store never sees them in
// clear. The secret parts of configurations are sealed the same way, bound
// to "configuration:<type>:<name>".
//
// Versions are numbered; the highest is "current", the one before it
// "previous". Coffer keeps the metadata of every version and the data of the
// newest Config.VersionDataLimit versions (default 10): when a new version
// pushes the count of versions with data beyond the limit, the data of the
// oldest unlocked ones is destroyed (payload_available=false). A locked
// version's data is never destroyed; a secret with locks cannot be deleted.
//
// # Errors
//
// Methods return errors wrapping the api kinds: api.ErrUnauthenticated,
// api.ErrPermissionDenied, api.ErrNotFound (also for objects the caller may
// not see), api.ErrInvalid (bad input, naming the field),
// api.ErrAlreadyExists (duplicate names), api.ErrFailedPrecondition (locked
// data, a secret with locks, an expired secret's payload),
// api.ErrUnsupported (features Coffer does not implement yet) and
// api.ErrConflict (a concurrent change).
package secrets

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/authz"
	"github.com/cofferhq/coffer/internal/events"
	"github.com/cofferhq/coffer/internal/identity"
	"github.com/cofferhq/coffer/internal/kms"
	"github.com/cofferhq/coffer/internal/resource"
	"github.com/cofferhq/coffer/internal/store"
)

// Defaults of Config.
const (
	DefaultVersionDataLimit = 10
	DefaultMaxPayload       = 1 << 20
	// instanceCacheTTL bounds how long an instance lookup is reused: an
	// instance deleted or renamed elsewhere is seen within this time.
	instanceCacheTTL = 2 * time.Second
)

// Instances finds Secrets Manager instances: Instance by GUID and the
// default instance of an account (the one named "default", else the oldest
// active one). Both return only active instances, api.ErrNotFound
// otherwise, and do not authorize (the secrets service does).
// resource.Service implements it.
type Instances interface {
	Instance(ctx context.Context, guid string) (*store.Instance, error)
	DefaultInstance(ctx context.Context, accountID string) (*store.Instance, error)
}

// Config configures the secrets service.
type Config struct {
	Store     *store.Store      // required
	Keys      *kms.Keys         // required
	Gate      *authz.Gate       // required
	Resources *resource.Service // required: instances (see Instances)
	Identity  *identity.Service // required: iam_credentials and service_credentials
	// Instances overrides how instances are found; nil uses Resources when
	// it implements Instances, else reads the store with the same rules.
	Instances Instances
	Logger    *slog.Logger
	Now       func() time.Time
	Rand      io.Reader // randomness for generated passwords; nil = crypto/rand
	PublicURL string
	// MaxPayload caps a secret payload in bytes; 0 = DefaultMaxPayload.
	MaxPayload int
	// VersionDataLimit is how many versions of a secret keep their data;
	// 0 = DefaultVersionDataLimit. It is never below 2 (current and previous).
	VersionDataLimit int
	// CredentialsGrace is how long a superseded version of an
	// iam_credentials, service_credentials or custom_credentials secret
	// keeps its credentials before the scheduler retires them (once it has
	// no lock); 0 = DefaultCredentialsGrace.
	CredentialsGrace time.Duration
	// Events publishes event notifications and holds the instances'
	// destinations; nil publishes nothing (see notifications.go).
	Events *events.Bus
}

// Service implements the Secrets Manager v2 operations.
type Service struct {
	cfg       Config
	st        *store.Store
	keys      *kms.Keys
	gate      *authz.Gate
	ids       *identity.Service
	instances Instances
	log       *slog.Logger
	now       func() time.Time
	rand      io.Reader
	maxData   int

	instMu    sync.Mutex
	instCache map[string]cachedInstance // by GUID, and by "account:"+id for defaults
	decoded   decodedMetadata           // for the read path, see metadataToRender
}

type cachedInstance struct {
	in      *store.Instance
	expires time.Time
}

// New returns the secrets service. Errors: a missing required dependency.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Keys == nil || cfg.Gate == nil || cfg.Resources == nil || cfg.Identity == nil {
		return nil, errors.New("secrets: Store, Keys, Gate, Resources and Identity are required")
	}
	s := &Service{cfg: cfg, st: cfg.Store, keys: cfg.Keys, gate: cfg.Gate, ids: cfg.Identity, log: cfg.Logger,
		now: cfg.Now, rand: cfg.Rand, maxData: cfg.VersionDataLimit, instCache: map[string]cachedInstance{}}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.rand == nil {
		s.rand = rand.Reader
	}
	if s.maxData == 0 {
		s.maxData = DefaultVersionDataLimit
	}
	s.maxData = max(s.maxData, 2)
	switch {
	case cfg.Instances != nil:
		s.instances = cfg.Instances
	default:
		if in, ok := any(cfg.Resources).(Instances); ok {
			s.instances = in
		} else {
			s.instances = storeInstances{cfg.Store}
		}
	}
	return s, nil
}

// storeInstances finds instances in the store, with the rules of Instances.
type storeInstances struct{ st *store.Store }

func (si storeInstances) Instance(ctx context.Context, guid string) (*store.Instance, error) {
	in, err := si.st.Instance(ctx, guid)
	if err == nil && in.State != "active" {
		err = store.ErrNotFound
	}
	if err != nil {
		return nil, instanceNotFound(guid, err)
	}
	return in, nil
}

func (si storeInstances) DefaultInstance(ctx context.Context, accountID string) (*store.Instance, error) {
	if in, err := si.st.InstanceByName(ctx, accountID, "default"); err == nil && in.State == "active" {
		return in, nil
	}
	opts := store.ListOptions{Limit: 1000}
	for {
		page, next, err := si.st.ListInstances(ctx, accountID, opts)
		if err != nil {
			return nil, err
		}
		for _, in := range page {
			if in.State == "active" {
				return in, nil
			}
		}
		if next == "" {
			return nil, api.Errorf(api.ErrNotFound, "the account has no Secrets Manager instance")
		}
		opts.PageToken = next
	}
}

func instanceNotFound(guid string, err error) error {
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, api.ErrNotFound) {
		return api.Errorf(api.ErrNotFound, "Secrets Manager instance %s not found", guid)
	}
	return err
}

// maxPayload returns the payload limit.
func (s *Service) maxPayload() int {
	if s.cfg.MaxPayload > 0 {
		return s.cfg.MaxPayload
	}
	return DefaultMaxPayload
}
