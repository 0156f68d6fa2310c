package server

import (
	"context"
	"errors"
	"fmt"

	"github.com/cofferhq/coffer/internal/envelope"
	"github.com/cofferhq/coffer/internal/kms"
	"github.com/cofferhq/coffer/internal/store"
)

const metaPassphraseSalt = "kms.passphrase_salt"

// provider builds the root key provider the configuration names. It is
// the one place a provider is chosen.
func (s *Server) provider(ctx context.Context) (kms.Provider, error) {
	if s.cfg.Dev {
		return kms.NewDev(), nil
	}
	switch s.cfg.Seal {
	case "keyfile":
		kf := kms.NewKeyFile(s.cfg.RootKeyFile)
		if err := s.createKeyFileIfNew(ctx, kf); err != nil {
			return nil, err
		}
		return kf, nil
	case "master-key":
		if s.cfg.MasterKey == "" {
			return nil, errors.New("--seal=master-key needs COFFER_MASTER_KEY (a base64 32-byte key)")
		}
		return kms.NewMasterKey(s.cfg.MasterKey)
	case "passphrase":
		if s.cfg.Passphrase == "" {
			return nil, errors.New("--seal=passphrase needs COFFER_PASSPHRASE")
		}
		salt, err := s.passphraseSalt(ctx)
		if err != nil {
			return nil, err
		}
		return kms.NewPassphrase(s.cfg.Passphrase, salt)
	case "shamir":
		shares, threshold, initialized, err := kms.ShamirThreshold(ctx, s.store)
		if err != nil {
			return nil, err
		}
		// Keys verifies the rebuilt key against the database itself.
		sh := kms.NewShamir(threshold, func(envelope.Key) error { return nil })
		if initialized {
			if err := sh.SetShareCount(shares); err != nil {
				return nil, err
			}
		}
		return sh, nil
	}
	return nil, fmt.Errorf("unknown seal type %q", s.cfg.Seal)
}

// createKeyFileIfNew creates the root key file for a database that has
// none yet. For a database that already has data, a missing key file is an
// error (creating a new key would make its data unreadable).
func (s *Server) createKeyFileIfNew(ctx context.Context, kf *kms.KeyFile) error {
	_, err := s.store.Meta(ctx, "kms.root_check")
	if err == nil {
		return nil // an existing database: the key file must be there, and Open says so if it is not
	}
	if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	created, err := kf.Create()
	if err != nil {
		return err
	}
	if created {
		s.log.Info("created the root key file", "path", s.cfg.RootKeyFile)
	}
	return nil
}

func (s *Server) passphraseSalt(ctx context.Context) ([]byte, error) {
	salt, err := s.store.Meta(ctx, metaPassphraseSalt)
	if err == nil {
		return salt, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	if salt, err = kms.NewSalt(); err != nil {
		return nil, err
	}
	return salt, s.store.PutMeta(ctx, metaPassphraseSalt, salt)
}
