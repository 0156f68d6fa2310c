package access

import (
	"context"
	"strings"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/authz"
	"github.com/cofferhq/coffer/internal/policy"
)

// RoleQuery is the query of GET /v2/roles.
type RoleQuery struct {
	AccountID         string // default: the caller's account
	ServiceName       string
	SourceServiceName string // authorization policies: the source service (informational)
	PolicyType        string // access or authorization
	ServiceGroupID    string
}

// ListRoles lists the roles of a service (iam-access-management.role.list):
// with q.ServiceName, the system roles that grant something on it and the
// roles it defines itself, each with its actions there; without, every
// system role and no service roles. Coffer has no custom roles:
// custom_roles is always empty. Errors: api.ErrInvalid (an unknown service,
// both service_name and service_group_id) and the gate's.
func (s *Service) ListRoles(ctx context.Context, cred authz.Credential, q RoleQuery) (*api.RoleList, error) {
	if _, err := s.authorize(ctx, cred, ActionRoleList, q.AccountID); err != nil {
		return nil, err
	}
	if q.ServiceName != "" && q.ServiceGroupID != "" {
		return nil, invalidBody("service_name and service_group_id cannot be given together")
	}
	out := &api.RoleList{CustomRoles: []api.Role{}, ServiceRoles: []api.Role{}, SystemRoles: []api.Role{}}
	services := policy.Services()
	if q.ServiceName == "" {
		seen := map[policy.Role]bool{}
		for _, svc := range services {
			for _, r := range svc.SystemRoles {
				if !seen[r.Role] {
					seen[r.Role] = true
					out.SystemRoles = append(out.SystemRoles, api.Role{DisplayName: r.DisplayName,
						Description: r.Description, Actions: []string{}, CRN: r.CRN})
				}
			}
		}
		return out, nil
	}
	var names []string
	for _, svc := range services {
		if svc.Name == q.ServiceName {
			out.SystemRoles, out.ServiceRoles = roleList(svc.SystemRoles), roleList(svc.ServiceRoles)
			return out, nil
		}
		names = append(names, svc.Name)
	}
	return nil, invalidBody("unknown service %.100q (known: %s)", q.ServiceName, strings.Join(names, ", "))
}

func roleList(in []policy.RoleInfo) []api.Role {
	out := make([]api.Role, len(in))
	for i, r := range in {
		out[i] = api.Role{DisplayName: r.DisplayName, Description: r.Description, Actions: r.Actions, CRN: r.CRN}
	}
	return out
}
