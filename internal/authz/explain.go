package authz

import (
	"context"
	"fmt"
	"strings"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/policy"
)

// GroupPolicySource is implemented by a PolicySource that can also list the
// policies of one access group, for explanations about a group.
type GroupPolicySource interface {
	// PoliciesForGroup returns the active access policies of accountID whose
	// subject is access group groupID, compiled.
	PoliciesForGroup(ctx context.Context, accountID, groupID string) ([]*policy.Compiled, error)
}

// Limits on an explain request's resource.
const (
	maxExplainAttrs = 32
	maxExplainValue = 1000
)

// Explain answers whether req.Subject may perform req.Action on
// req.Resource and why: which policies applied and, for a denial, why each
// of the subject's policies did not grant it. The caller needs
// iam-access-management.policy.read (api.ActionExplain) on the account the
// resource names (by default the caller's own; another account is refused
// like any cross-account request). Whoever may read the account's policies
// sees the reasons about all of them, so the explanation is not filtered
// further. It decides with fresh policies, not the gate's cache. Errors:
// api.ErrInvalid (no action, not exactly one subject, a resource too big),
// api.ErrUnsupported (a group subject, when the policy source cannot list a
// group's policies), and the gate's.
func (g *Gate) Explain(ctx context.Context, cred Credential, req api.ExplainRequest) (*api.ExplainResponse, error) {
	p, err := g.authenticate(ctx, cred, api.ActionExplain, Resource{})
	if err != nil {
		return nil, err
	}
	account := req.Resource[policy.KeyAccountID]
	if account == "" {
		account = p.AccountID
	}
	if err := g.Authorize(ctx, p, api.ActionExplain, AccountResource(account)); err != nil {
		return nil, err
	}
	if err := checkExplain(req); err != nil {
		return nil, err
	}
	preq, ps, err := g.explainInput(ctx, account, req)
	if err != nil {
		return nil, err
	}
	return explainResponse(req, policy.DecideCompiled(preq, ps)), nil
}

// checkExplain validates an explain request.
func checkExplain(req api.ExplainRequest) error {
	s := req.Subject
	switch {
	case strings.TrimSpace(req.Action) == "":
		return api.Errorf(api.ErrInvalid, "action is required, e.g. secrets-manager.secret.read")
	case (s.IAMID == "") == (s.AccessGroupID == ""):
		return api.Errorf(api.ErrInvalid, "subject needs exactly one of iam_id and access_group_id")
	case len(req.Resource) > maxExplainAttrs:
		return api.Errorf(api.ErrInvalid, "resource has more than %d attributes", maxExplainAttrs)
	}
	for k, v := range req.Resource {
		if len(k) > maxExplainValue || len(v) > maxExplainValue {
			return api.Errorf(api.ErrInvalid, "resource attributes and values are at most %d characters", maxExplainValue)
		}
	}
	return nil
}

// explainInput returns the evaluator's request and the subject's policies.
func (g *Gate) explainInput(ctx context.Context, account string, req api.ExplainRequest) (policy.Request, []*policy.Compiled, error) {
	attrs := make(map[string]string, len(req.Resource)+1)
	for k, v := range req.Resource {
		attrs[k] = v
	}
	attrs[policy.KeyAccountID] = account
	preq := policy.Request{Action: req.Action, Resource: attrs, Environment: policy.Environment{Now: g.now()},
		Subject: policy.Subject{IAMID: req.Subject.IAMID, AccountID: account}}
	if id := req.Subject.AccessGroupID; id != "" {
		src, ok := g.policies.(GroupPolicySource)
		if !ok {
			return preq, nil, api.Errorf(api.ErrUnsupported, "explaining the access of a group is not supported by this server")
		}
		ps, err := src.PoliciesForGroup(ctx, account, id)
		preq.Subject.AccessGroups = []string{id}
		return preq, ps, err
	}
	ps, groups, err := g.policies.PoliciesFor(ctx, account, req.Subject.IAMID)
	preq.Subject.AccessGroups = groups
	return preq, ps, err
}

// explainResponse turns a decision into the wire answer.
func explainResponse(req api.ExplainRequest, d policy.Decision) *api.ExplainResponse {
	out := &api.ExplainResponse{Allowed: d.Allowed, Matched: []api.ExplainMatch{}, Reasons: []api.ExplainReason{}}
	for _, m := range d.Matched {
		out.Matched = append(out.Matched, api.ExplainMatch{PolicyID: m.PolicyID, Roles: roleIDs(m.Roles),
			GrantingRoles: roleIDs(m.GrantingRoles)})
	}
	for _, r := range d.Reasons {
		out.Reasons = append(out.Reasons, api.ExplainReason{PolicyID: r.PolicyID, Code: string(r.Code), Message: r.Message})
	}
	who := "iam_id " + req.Subject.IAMID
	if req.Subject.AccessGroupID != "" {
		who = "access group " + req.Subject.AccessGroupID
	}
	verb := "may not"
	if d.Allowed {
		verb = "may"
	}
	out.Summary = fmt.Sprintf("%s %s perform %s on %s: %s", who, verb, req.Action, describe(req.Resource), d.String())
	return out
}

func roleIDs(rs []policy.Role) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	return out
}

// describe renders resource attributes in a stable order.
func describe(attrs map[string]string) string {
	var parts []string
	for _, k := range []string{policy.KeyServiceName, policy.KeyServiceInstance, policy.KeyRegion,
		policy.KeyResourceGroupID, policy.KeyResourceType, policy.KeyResource} {
		if v := attrs[k]; v != "" {
			parts = append(parts, k+"="+v)
		}
	}
	if len(parts) == 0 {
		return "the account"
	}
	return strings.Join(parts, " ")
}
