// Package resource is Coffer's resource controller: Secrets Manager
// instances and resource groups, with IBM's Resource Controller API
// (/v2/resource_instances) and Resource Manager API (/v2/resource_groups).
//
// # Model
//
// An instance is a row of the store's instances table. Its GUID names it in
// Secrets Manager URLs and policies; its CRN,
// crn:v1:coffer:public:secrets-manager:{region}:a/{account}:{guid}::, is its
// Resource Controller id. Every instance belongs to a resource group of its
// account; every account has a default group named "Default", created by
// EnsureDefaultGroup (called at account creation, and lazily wherever a
// default group is needed). Instances written before resource groups existed
// (the bootstrap instance) are attached to the Default group when first
// seen.
//
// Deleting an instance does not destroy it at once: it moves to state
// pending_reclamation, disappears from lists and lookups, and its name is
// freed. After the reclamation window (Config.ReclamationWindow) the reaper
// (Run, or one pass with Reap) crypto-shreds the instance's data keys and
// deletes its row, which deletes its secrets (their tables reference
// instances ON DELETE CASCADE).
//
// # For the secrets service
//
// Instance and DefaultInstance return active instances without any
// authorization: the caller authorizes. They are served from a small
// in-memory cache (Config.CacheTTL) that this node invalidates on every
// change; another node's change is seen within the TTL.
package resource

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/cofferhq/coffer/internal/authz"
	"github.com/cofferhq/coffer/internal/kms"
	"github.com/cofferhq/coffer/internal/store"
)

// Actions of the Resource Controller, IBM's names.
const (
	ActionInstanceCreate   = "resource-controller.instance.create"
	ActionInstanceRetrieve = "resource-controller.instance.retrieve"
	ActionInstanceList     = "resource-controller.instance.list"
	ActionInstanceUpdate   = "resource-controller.instance.update"
	ActionInstanceDelete   = "resource-controller.instance.delete"
	ActionGroupCreate      = "resource-controller.group.create"
	ActionGroupRetrieve    = "resource-controller.group.retrieve"
	ActionGroupList        = "resource-controller.group.list"
	ActionGroupUpdate      = "resource-controller.group.update"
	ActionGroupDelete      = "resource-controller.group.delete"
)

// Defaults of Config.
const (
	DefaultReclamationWindow = 7 * 24 * time.Hour
	DefaultReapInterval      = time.Minute
	DefaultCacheTTL          = 5 * time.Second
)

// Config configures the resource service.
type Config struct {
	Store     *store.Store // required
	Keys      *kms.Keys    // required: reclaiming an instance shreds its data keys
	Gate      *authz.Gate  // required
	Logger    *slog.Logger // nil = discard
	Now       func() time.Time
	PublicURL string // where clients reach Coffer; instance endpoints are built from it

	// ReclamationWindow is how long a deleted instance waits before it is
	// reclaimed: zero means DefaultReclamationWindow, a negative value no
	// wait (the next reaper pass reclaims it).
	ReclamationWindow time.Duration
	// ReapInterval is how often Run looks for instances to reclaim: zero
	// means DefaultReapInterval.
	ReapInterval time.Duration
	// CacheTTL bounds how long Instance and DefaultInstance serve a cached
	// answer: zero means DefaultCacheTTL, a negative value no cache.
	CacheTTL time.Duration
}

// Service manages instances and resource groups.
type Service struct {
	st       *store.Store
	keys     *kms.Keys
	gate     *authz.Gate
	log      *slog.Logger
	now      func() time.Time
	url      string
	window   time.Duration
	interval time.Duration
	ttl      time.Duration

	byGUID    sync.Map      // guid -> cacheEntry
	byAccount sync.Map      // account id -> cacheEntry (its default instance)
	kick      chan struct{} // wakes Run when an instance is due at once
}

// cacheEntry is a cached active instance.
type cacheEntry struct {
	inst    store.Instance
	expires time.Time
}

// New returns the resource service. Errors: Store, Keys or Gate missing.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Keys == nil || cfg.Gate == nil {
		return nil, errors.New("resource: Store, Keys and Gate are required")
	}
	s := &Service{st: cfg.Store, keys: cfg.Keys, gate: cfg.Gate, log: cfg.Logger, now: cfg.Now,
		url: cfg.PublicURL, window: cfg.ReclamationWindow, interval: cfg.ReapInterval, ttl: cfg.CacheTTL,
		kick: make(chan struct{}, 1)}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.window == 0 {
		s.window = DefaultReclamationWindow
	}
	if s.interval <= 0 {
		s.interval = DefaultReapInterval
	}
	if s.ttl == 0 {
		s.ttl = DefaultCacheTTL
	}
	return s, nil
}

// Instance returns the active instance with the GUID, without
// authorization (the caller authorizes). Errors: api.ErrNotFound when no
// instance has the GUID or it is not active (deleted, pending reclamation).
func (s *Service) Instance(ctx context.Context, guid string) (*store.Instance, error) {
	if in, ok := s.cached(&s.byGUID, guid); ok {
		return in, nil
	}
	ri, err := s.activeInstance(ctx, guid)
	if err != nil {
		return nil, err
	}
	s.remember(&s.byGUID, guid, &ri.Instance)
	return &ri.Instance, nil
}

// DefaultInstance returns the account's default instance: its active
// instance named "default" if any, else its oldest active instance. It does
// no authorization. Errors: api.ErrNotFound when the account has no active
// instance.
func (s *Service) DefaultInstance(ctx context.Context, accountID string) (*store.Instance, error) {
	if in, ok := s.cached(&s.byAccount, accountID); ok {
		return in, nil
	}
	ri, err := s.defaultInstance(ctx, accountID)
	if err != nil {
		return nil, err
	}
	s.remember(&s.byAccount, accountID, &ri.Instance)
	return &ri.Instance, nil
}

// InstanceCRN returns the CRN of inst (see the package documentation).
func (s *Service) InstanceCRN(inst *store.Instance) string { return InstanceCRN(inst) }

// cached returns a copy of the unexpired entry of key in m.
func (s *Service) cached(m *sync.Map, key string) (*store.Instance, bool) {
	v, ok := m.Load(key)
	if !ok {
		return nil, false
	}
	e := v.(*cacheEntry)
	if s.now().After(e.expires) {
		m.CompareAndDelete(key, v)
		return nil, false
	}
	in := e.inst
	return &in, true
}

func (s *Service) remember(m *sync.Map, key string, in *store.Instance) {
	if s.ttl > 0 {
		m.Store(key, &cacheEntry{inst: *in, expires: s.now().Add(s.ttl)})
	}
}

// forget drops what the cache holds about the instance and its account.
func (s *Service) forget(guid, accountID string) {
	s.byGUID.Delete(guid)
	s.byAccount.Delete(accountID)
}
