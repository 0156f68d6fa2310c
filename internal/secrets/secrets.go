// Package secrets is Coffer's Secrets Manager: secret groups, secrets of
// every type, versions, locks, configurations, notifications and tasks.
package secrets

import (
	"errors"
	"log/slog"
	"time"

	"github.com/cofferhq/coffer/internal/authz"
	"github.com/cofferhq/coffer/internal/identity"
	"github.com/cofferhq/coffer/internal/kms"
	"github.com/cofferhq/coffer/internal/resource"
	"github.com/cofferhq/coffer/internal/store"
)

// Config configures the secrets service.
type Config struct {
	Store     *store.Store      // required
	Keys      *kms.Keys         // required
	Gate      *authz.Gate       // required
	Resources *resource.Service // required: instances
	Identity  *identity.Service // required: iam_credentials and service_credentials
	Logger    *slog.Logger
	Now       func() time.Time
	PublicURL string
}

// Service implements the Secrets Manager v2 operations.
type Service struct {
	cfg Config
}

// New returns the secrets service.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Keys == nil || cfg.Gate == nil || cfg.Resources == nil || cfg.Identity == nil {
		return nil, errors.New("secrets: Store, Keys, Gate, Resources and Identity are required")
	}
	return &Service{cfg: cfg}, nil
}
