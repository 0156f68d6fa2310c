package identity

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/store"
)

// metaBootstrap records what the first start created; its presence makes
// Bootstrap a no-op.
const metaBootstrap = "bootstrap"

// BootstrapRecord is what the first start created.
type BootstrapRecord struct {
	AccountID       string `json:"account_id"`
	AdminIAMID      string `json:"admin_iam_id"`
	APIKeyID        string `json:"api_key_id"`
	DefaultInstance string `json:"default_instance"`
}

// BootstrapConfig says what to create on first start.
type BootstrapConfig struct {
	AccountName string        // default "coffer"
	AdminName   string        // default "admin"
	APIKey      api.Sensitive // the bootstrap key's value; random when empty
	Region      string        // region of the default instance
}

// BootstrapResult reports the outcome. APIKey is set only when this call
// created the key (so it can be shown once).
type BootstrapResult struct {
	BootstrapRecord
	Created bool
	APIKey  api.Sensitive
}

// Bootstrap creates, on first start, the operator account, its
// administrator, an API key for the administrator and the account's default
// Secrets Manager instance, all in one transaction, then runs
// Config.OnAccountCreated (the administrator's policies). Later calls
// create nothing but run OnAccountCreated again (it is idempotent), so that
// a start interrupted between the two completes, and report what exists.
func (s *Service) Bootstrap(ctx context.Context, cfg BootstrapConfig) (*BootstrapResult, error) {
	if rec, err := s.bootstrapRecord(ctx); err == nil {
		if err := s.accountCreated(ctx, rec.AccountID, rec.AdminIAMID); err != nil {
			return nil, err
		}
		return &BootstrapResult{BootstrapRecord: *rec}, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	value := cfg.APIKey
	if value == "" {
		value = NewAPIKeyValue()
	}
	hash, err := s.HashKey(ctx, value.Reveal())
	if err != nil {
		return nil, err
	}
	rec := BootstrapRecord{AccountID: NewAccountID(), AdminIAMID: NewUserIAMID(), APIKeyID: NewAPIKeyID(),
		DefaultInstance: uuid.NewString()}
	now := s.now().UTC()
	err = s.st.Update(ctx, func(tx *store.Tx) error {
		if err := tx.CreateAccount(ctx, &store.Account{ID: rec.AccountID, Name: or(cfg.AccountName, "coffer"),
			State: "ACTIVE", OwnerIAMID: rec.AdminIAMID, CreatedAt: now}); err != nil {
			return err
		}
		if err := tx.CreateUser(ctx, &store.User{IAMID: rec.AdminIAMID, AccountID: rec.AccountID,
			Name: or(cfg.AdminName, "admin"), State: "ACTIVE", CreatedAt: now}); err != nil {
			return err
		}
		if err := tx.CreateAPIKey(ctx, &store.APIKey{ID: rec.APIKeyID, AccountID: rec.AccountID, IAMID: rec.AdminIAMID,
			Name: "bootstrap", Description: "created at first start", CreatedBy: rec.AdminIAMID, Hash: hash,
			CreatedAt: now}); err != nil {
			return err
		}
		if err := tx.CreateInstance(ctx, &store.Instance{GUID: rec.DefaultInstance, AccountID: rec.AccountID,
			Name: "default", Region: cfg.Region, Plan: "standard", State: "active", CreatedAt: now}); err != nil {
			return err
		}
		raw, _ := json.Marshal(rec)
		return tx.PutMeta(ctx, metaBootstrap, raw)
	})
	if err != nil {
		return nil, fmt.Errorf("bootstrap: %w", err)
	}
	if err := s.accountCreated(ctx, rec.AccountID, rec.AdminIAMID); err != nil {
		return nil, err
	}
	s.log.Info("bootstrap created the operator account", "account_id", rec.AccountID, "admin", rec.AdminIAMID,
		"default_instance", rec.DefaultInstance)
	return &BootstrapResult{BootstrapRecord: rec, Created: true, APIKey: value}, nil
}

func (s *Service) bootstrapRecord(ctx context.Context) (*BootstrapRecord, error) {
	raw, err := s.st.Meta(ctx, metaBootstrap)
	if err != nil {
		return nil, err
	}
	var rec BootstrapRecord
	if err := json.Unmarshal(raw, &rec); err != nil {
		return nil, fmt.Errorf("bootstrap record is corrupt: %w", api.ErrFailedPrecondition)
	}
	return &rec, nil
}

// accountCreated runs Config.OnAccountCreated, if any.
func (s *Service) accountCreated(ctx context.Context, accountID, adminIAMID string) error {
	if s.onAccountCreated == nil {
		return nil
	}
	if err := s.onAccountCreated(ctx, accountID, adminIAMID); err != nil {
		return fmt.Errorf("account %s: creating the administrator's policies: %w", accountID, err)
	}
	return nil
}

// OperatorAccount returns the id of the operator account, created at
// bootstrap. Errors: store.ErrNotFound before the bootstrap (a sealed
// server that was never unsealed), store errors.
func (s *Service) OperatorAccount(ctx context.Context) (string, error) { return s.operatorAccount(ctx) }

// operatorAccount returns the id of the account created at bootstrap.
func (s *Service) operatorAccount(ctx context.Context) (string, error) {
	rec, err := s.bootstrapRecord(ctx)
	if err != nil {
		return "", err
	}
	return rec.AccountID, nil
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
