package access

import (
	"context"
	"errors"

	"github.com/cofferhq/coffer/internal/authz"
	"github.com/cofferhq/coffer/internal/policy"
	"github.com/cofferhq/coffer/internal/store"
)

var _ authz.PolicySource = (*Service)(nil)

// compiledPolicy is a compiled policy at one revision.
type compiledPolicy struct {
	revision int64
	c        *policy.Compiled // nil: the stored policy does not compile
}

// PoliciesFor returns the active access policies of accountID whose subject
// is iamID or one of the account's access groups iamID belongs to, compiled,
// and those group ids (authz.PolicySource). It reads the store once for the
// groups and once for the policies; compiled policies are kept per id and
// revision, so a policy is parsed again only after it changes. A stored
// policy that no longer compiles (it cannot pass the API's validation, so
// only a newer binary's data or a hand-edited row) is logged and skipped:
// it grants nothing.
func (s *Service) PoliciesFor(ctx context.Context, accountID, iamID string) ([]*policy.Compiled, []string, error) {
	rows, groups, err := s.st.PoliciesFor(ctx, accountID, iamID)
	if err != nil {
		return nil, nil, err
	}
	out := make([]*policy.Compiled, 0, len(rows))
	for _, row := range rows {
		if c := s.compile(row); c != nil {
			out = append(out, c)
		}
	}
	return out, groups, nil
}

// compile returns the compiled form of row, from the cache when the
// revision is the same.
func (s *Service) compile(row *store.Policy) *policy.Compiled {
	if v, ok := s.compiled.Load(row.ID); ok && v.(*compiledPolicy).revision == row.Revision {
		return v.(*compiledPolicy).c
	}
	entry := &compiledPolicy{revision: row.Revision}
	r, err := decode(row)
	if err == nil {
		entry.c, err = policy.Compile(r.p)
	}
	if err != nil {
		s.log.Error("access: a stored policy does not compile; it grants nothing", "policy_id", row.ID,
			"error", err.Error())
	}
	s.compiled.Store(row.ID, entry)
	return entry.c
}

// CreateAdminPolicies gives adminIAMID the account administrator's access
// in accountID: Administrator on every account-management service
// (serviceType platform_service) and Administrator and Manager on every
// IAM-enabled service (serviceType service; Manager already reads secret
// payloads, and a service-defined role such as SecretsReader cannot be
// granted on all services at once). There is no gate: bootstrap and account
// creation call it. It is idempotent: policies that exist already are left
// as they are.
func (s *Service) CreateAdminPolicies(ctx context.Context, accountID, adminIAMID string) error {
	grants := []struct {
		kind  policy.ServiceKind
		roles []policy.Role
	}{
		{policy.KindPlatformService, []policy.Role{policy.RoleAdministrator}},
		{policy.KindService, []policy.Role{policy.RoleAdministrator, policy.RoleManager}},
	}
	for _, g := range grants {
		p := policy.Policy{Type: policy.TypeAccess, State: policy.StateActive,
			Description: "account administrator (created with the account)",
			Subject:     []policy.Attribute{{Key: policy.KeyIAMID, Value: adminIAMID}},
			Resource: []policy.Attribute{{Key: policy.KeyAccountID, Value: accountID},
				{Key: policy.KeyServiceType, Value: string(g.kind)}},
			Roles: g.roles}
		if err := policy.Validate(p); err != nil {
			return err
		}
		row := &store.Policy{ID: newPolicyID(), AccountID: accountID, CreatedByID: adminIAMID, LastModifiedByID: adminIAMID}
		fill(row, p)
		if err := s.st.CreatePolicy(ctx, row); err != nil && !errors.Is(err, store.ErrAlreadyExists) {
			return err
		}
	}
	s.invalidate(ctx)
	return nil
}

// PoliciesForGroup returns the active access policies of accountID whose
// subject is access group groupID, compiled (authz.GroupPolicySource, for
// the explain API).
func (s *Service) PoliciesForGroup(ctx context.Context, accountID, groupID string) ([]*policy.Compiled, error) {
	rows, err := s.st.ListPolicies(ctx, store.PolicyFilter{AccountID: accountID, AccessGroupID: groupID,
		Type: string(policy.TypeAccess), State: string(policy.StateActive)})
	if err != nil {
		return nil, err
	}
	out := make([]*policy.Compiled, 0, len(rows))
	for _, row := range rows {
		if c := s.compile(row); c != nil {
			out = append(out, c)
		}
	}
	return out, nil
}
