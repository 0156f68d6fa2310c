package resource

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/store"
)

// CRN parts of Coffer's resources.
const (
	crnPrefix       = "crn:v1:coffer:public:"
	defaultInstance = "default" // the name of an account's default instance
)

// InstanceCRN returns the CRN of inst:
// crn:v1:coffer:public:secrets-manager:{region}:a/{account}:{guid}::.
func InstanceCRN(inst *store.Instance) string {
	return crnPrefix + api.SecretsManagerService + ":" + inst.Region + ":a/" + inst.AccountID + ":" + inst.GUID + "::"
}

// GroupCRN returns the CRN of a resource group:
// crn:v1:coffer:public:resource-controller::a/{account}::resource-group:{id}.
func GroupCRN(accountID, groupID string) string {
	return crnPrefix + "resource-controller::a/" + accountID + "::resource-group:" + groupID
}

// guidOf returns the instance GUID an id names: the id itself, or the
// service-instance field of a Secrets Manager CRN. ok is false for a CRN of
// anything else.
func guidOf(id string) (guid string, ok bool) {
	if !strings.HasPrefix(id, "crn:") {
		return id, id != ""
	}
	f := strings.Split(id, ":")
	if len(f) != 10 || f[4] != api.SecretsManagerService || f[7] == "" {
		return "", false
	}
	return f[7], true
}

// newGroupID returns a resource group id: 32 random hex digits.
func newGroupID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// EnsureDefaultGroup returns the account's default resource group, creating
// it (named "Default") when the account has none. Concurrent calls create
// one group. Errors: api.ErrFailedPrecondition when the account does not
// exist, or when a group that is not the default already holds the name
// "Default".
func (s *Service) EnsureDefaultGroup(ctx context.Context, accountID string) (*store.ResourceGroup, error) {
	g, err := s.st.DefaultResourceGroup(ctx, accountID)
	if !errors.Is(err, store.ErrNotFound) {
		return g, err
	}
	g = &store.ResourceGroup{ID: newGroupID(), AccountID: accountID, Name: api.DefaultResourceGroupName,
		IsDefault: true, State: api.ResourceGroupStateActive}
	err = s.st.CreateResourceGroup(ctx, g)
	if errors.Is(err, store.ErrAlreadyExists) { // another caller won the race
		g, err = s.st.DefaultResourceGroup(ctx, accountID)
		if errors.Is(err, store.ErrNotFound) {
			return nil, api.Errorf(api.ErrFailedPrecondition,
				"account %s has a resource group named %q that is not its default group", accountID,
				api.DefaultResourceGroupName)
		}
		return g, err
	}
	if err != nil {
		return nil, fmt.Errorf("creating the default resource group of account %s: %w", accountID, err)
	}
	s.log.InfoContext(ctx, "default resource group created", "account_id", accountID, "group", g.ID)
	return g, nil
}

// load reads an instance in any state and attaches it to its account's
// default group when it has none. Errors: api.ErrNotFound.
func (s *Service) load(ctx context.Context, guid string) (*store.ResourceInstance, error) {
	ri, err := s.st.ResourceInstance(ctx, guid)
	if err != nil {
		return nil, err
	}
	return ri, s.adopt(ctx, ri)
}

// adopt attaches an instance without a resource group (the bootstrap
// instance) to its account's default group.
func (s *Service) adopt(ctx context.Context, ri *store.ResourceInstance) error {
	if ri.ResourceGroupID != "" {
		return nil
	}
	g, err := s.EnsureDefaultGroup(ctx, ri.AccountID)
	if err != nil {
		return err
	}
	ri.ResourceGroupID = g.ID
	err = s.st.UpdateResourceInstance(ctx, ri)
	if errors.Is(err, store.ErrConflict) { // changed meanwhile: take the stored row
		fresh, err := s.st.ResourceInstance(ctx, ri.GUID)
		if err != nil {
			return err
		}
		*ri = *fresh
		if ri.ResourceGroupID == "" {
			return fmt.Errorf("attaching instance %s to its default resource group: %w", ri.GUID, store.ErrConflict)
		}
		return nil
	}
	return err
}

// activeInstance loads an active instance. Errors: api.ErrNotFound.
func (s *Service) activeInstance(ctx context.Context, guid string) (*store.ResourceInstance, error) {
	ri, err := s.load(ctx, guid)
	if errors.Is(err, store.ErrNotFound) || err == nil && ri.State != api.InstanceStateActive {
		return nil, api.Errorf(api.ErrNotFound, "instance %s not found", guid)
	}
	return ri, err
}

// defaultInstance finds the account's default instance (see
// DefaultInstance).
func (s *Service) defaultInstance(ctx context.Context, accountID string) (*store.ResourceInstance, error) {
	in, err := s.st.InstanceByName(ctx, accountID, defaultInstance)
	if err == nil && in.State == api.InstanceStateActive {
		return s.load(ctx, in.GUID)
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	oldest, _, err := s.st.ListResourceInstances(ctx, store.ResourceInstanceFilter{AccountID: accountID,
		States: []string{api.InstanceStateActive}}, store.ListOptions{Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(oldest) == 0 {
		return nil, api.Errorf(api.ErrNotFound, "account %s has no Secrets Manager instance", accountID)
	}
	return oldest[0], s.adopt(ctx, oldest[0])
}
