// Package resource is Coffer's resource controller: Secrets Manager
// instances and resource groups, with IBM's Resource Controller API.
package resource

import (
	"errors"
	"log/slog"
	"time"

	"github.com/cofferhq/coffer/internal/authz"
	"github.com/cofferhq/coffer/internal/kms"
	"github.com/cofferhq/coffer/internal/store"
)

// Config configures the resource service.
type Config struct {
	Store     *store.Store // required
	Keys      *kms.Keys    // required: deleting an instance shreds its data keys
	Gate      *authz.Gate  // required
	Logger    *slog.Logger
	Now       func() time.Time
	PublicURL string
}

// Service manages instances and resource groups.
type Service struct {
	cfg Config
}

// New returns the resource service.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Keys == nil || cfg.Gate == nil {
		return nil, errors.New("resource: Store, Keys and Gate are required")
	}
	return &Service{cfg: cfg}, nil
}
