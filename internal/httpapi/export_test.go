package httpapi

import "github.com/cofferhq/coffer/internal/identity"

// newForTest builds a server without the identity service, for tests of
// the HTTP machinery itself.
func newForTest(cfg Config) (*Server, error) {
	cfg.Identity = &identity.Service{}
	return New(cfg)
}
