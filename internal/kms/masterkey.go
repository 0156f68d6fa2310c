package kms

import (
	"context"
	"fmt"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/envelope"
)

// MasterKey is the provider whose root key comes from the COFFER_MASTER_KEY
// environment variable. It cannot rotate online: the operator re-wraps
// offline and supplies a new variable.
type MasterKey struct {
	key envelope.Key
}

// NewMasterKey parses the variable's value: a 32-byte key in standard base64
// or as 64 hex digits. The error wraps api.ErrInvalid and never contains the
// value.
func NewMasterKey(encoded string) (*MasterKey, error) {
	key, err := envelope.ParseKey(encoded)
	if err != nil {
		return nil, fmt.Errorf("kms: COFFER_MASTER_KEY is not a key "+
			"(want 32 random bytes in base64, e.g. from `openssl rand -base64 32`): %w", api.ErrInvalid)
	}
	return &MasterKey{key: key}, nil
}

// Name returns "master-key".
func (m *MasterKey) Name() string { return "master-key" }

// RootKey returns the key; it never fails.
func (m *MasterKey) RootKey(ctx context.Context) (envelope.Key, error) { return m.key, nil }
