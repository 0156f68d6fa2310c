// Package operator is the service behind Coffer's operator API: seal state,
// Shamir init and unseal, sealing, and root key rotation.
//
// Init and unseal need no credential (the shares are the credential, and an
// uninitialized server has no users yet); sealing and rotating the root key
// need the administrator of the operator account.
package operator

import (
	"context"
	"log/slog"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/authz"
	"github.com/cofferhq/coffer/internal/kms"
)

// Service implements the operator API.
type Service struct {
	keys *kms.Keys
	gate *authz.Gate
	log  *slog.Logger
}

// New returns the operator service.
func New(keys *kms.Keys, gate *authz.Gate, log *slog.Logger) *Service {
	return &Service{keys: keys, gate: gate, log: log}
}

// SealStatus reports whether the server is sealed and, for Shamir, how many
// shares it has.
func (s *Service) SealStatus(ctx context.Context) api.SealStatus { return s.keys.Status(ctx) }

// Init initializes a Shamir server: it returns the unseal shares, once.
func (s *Service) Init(ctx context.Context, shares, threshold int) (*api.InitResponse, error) {
	res, err := s.keys.Init(ctx, shares, threshold)
	if err == nil {
		s.log.Warn("root key created and split into unseal shares", "shares", shares, "threshold", threshold,
			"root_key_id", res.RootKeyID)
	}
	return res, err
}

// Unseal adds one unseal share.
func (s *Service) Unseal(ctx context.Context, share string) (api.SealStatus, error) {
	if share == "" {
		return api.SealStatus{}, api.Errorf(api.ErrInvalid, "share is required")
	}
	st, err := s.keys.Unseal(ctx, share)
	if err == nil && !st.Sealed {
		s.log.Info("unsealed", "root_key_id", st.RootKeyID)
	}
	return st, err
}

// Seal forgets the root key until the server is unsealed again.
// Action: coffer-operator.seal.update.
func (s *Service) Seal(ctx context.Context, cred authz.Credential) error {
	p, err := s.gate.Check(ctx, cred, authz.ActionOperatorSeal, authz.Resource{})
	if err != nil {
		return err
	}
	if err := s.keys.Seal(); err != nil {
		return err
	}
	s.log.Warn("sealed by operator", "by", p.IAMID)
	return nil
}

// RotateRootKey re-wraps every data key under a new root key.
// Action: coffer-operator.root-key.rotate.
func (s *Service) RotateRootKey(ctx context.Context, cred authz.Credential) (*api.RootKeyRotation, error) {
	p, err := s.gate.Check(ctx, cred, authz.ActionOperatorRotateRootKey, authz.Resource{})
	if err != nil {
		return nil, err
	}
	res, err := s.keys.RotateRootKey(ctx)
	if err == nil {
		s.log.Info("root key rotated", "by", p.IAMID, "root_key_id", res.RootKeyID, "data_keys", res.DataKeys)
	}
	return res, err
}
