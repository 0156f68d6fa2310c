package authz

import (
	"context"
	"fmt"
	"time"

	"github.com/cofferhq/coffer/internal/policy"
)

// verdict is a decision as the gate keeps it: allowed or not, and why not.
type verdict struct {
	allowed bool
	reason  string // short, for the audit trail; "" when allowed
}

// principalKey names a principal's cache entry.
type principalKey struct{ iamID, account string }

// principalEntry is a principal's compiled policies and access groups.
type principalEntry struct {
	gen      uint64
	at       time.Time
	policies []*policy.Compiled
	groups   []string
	timed    bool // some policy has a rule: its decisions depend on the time and are not cached
}

// decisionKey names a cached decision. The resource's CRN is not part of
// it: policies do not see it.
type decisionKey struct {
	iamID, account, action string
	res                    Resource
}

type decisionEntry struct {
	gen uint64
	at  time.Time
	v   verdict
}

// Tenancy reasons.
const (
	reasonNoAccount    = "the target names no account"
	reasonOtherAccount = "the target belongs to another account than the caller's"
)

// decide returns the decision for p, action and res, from the cache when it
// holds a fresh one.
func (g *Gate) decide(ctx context.Context, p *Principal, action string, res Resource) (verdict, error) {
	if g.legacy {
		return legacyVerdict(p, action, res), nil
	}
	switch {
	case res.AccountID == "":
		return verdict{reason: reasonNoAccount}, nil
	case p.AccountID != res.AccountID:
		return verdict{reason: reasonOtherAccount}, nil
	}
	gen, now := g.gen.Load(), g.now()
	res.CRN = ""
	key := decisionKey{iamID: p.IAMID, account: p.AccountID, action: action, res: res}
	if e, ok := g.decisions.get(key); ok && e.gen == gen && now.Sub(e.at) < g.ttl {
		return e.v, nil
	}
	pe, err := g.policiesOf(ctx, p, gen, now)
	if err != nil {
		return verdict{}, err
	}
	d := policy.DecideCompiled(request(p, pe.groups, action, res, now), pe.policies)
	v := verdict{allowed: d.Allowed}
	if !d.Allowed {
		v.reason = denialReason(d, action)
	}
	if !pe.timed {
		g.decisions.put(key, decisionEntry{gen: gen, at: now, v: v})
	}
	return v, nil
}

// policiesOf returns p's compiled policies and groups, from the cache when
// it holds a fresh entry of generation gen.
func (g *Gate) policiesOf(ctx context.Context, p *Principal, gen uint64, now time.Time) (*principalEntry, error) {
	key := principalKey{iamID: p.IAMID, account: p.AccountID}
	if e, ok := g.principals.get(key); ok && e.gen == gen && now.Sub(e.at) < g.ttl {
		return e, nil
	}
	ps, groups, err := g.policies.PoliciesFor(ctx, p.AccountID, p.IAMID)
	if err != nil {
		return nil, fmt.Errorf("authz: the policies of %s: %w", p.IAMID, err)
	}
	e := &principalEntry{gen: gen, at: now, policies: ps, groups: groups}
	for _, c := range ps {
		if c != nil && c.Policy().Rule != nil {
			e.timed = true
		}
	}
	g.principals.put(key, e)
	return e, nil
}

// request builds the evaluator's request. serviceName is left to the
// evaluator's default (the action's service) when res names none.
func request(p *Principal, groups []string, action string, res Resource, now time.Time) policy.Request {
	attrs := make(map[string]string, 8)
	set := func(k, v string) {
		if v != "" {
			attrs[k] = v
		}
	}
	set(policy.KeyAccountID, res.AccountID)
	set(policy.KeyServiceName, res.ServiceName)
	set(policy.KeyServiceInstance, res.ServiceInstance)
	set(policy.KeyRegion, res.Region)
	set(policy.KeyResourceGroupID, res.ResourceGroupID)
	set(policy.KeyResourceType, res.ResourceType)
	set(policy.KeyResource, res.ID)
	return policy.Request{
		Subject:     policy.Subject{IAMID: p.IAMID, AccessGroups: groups, AccountID: p.AccountID},
		Action:      action,
		Resource:    attrs,
		Environment: policy.Environment{Now: now},
	}
}

// denialReason sums up a denial in one line for the audit trail; the
// explain API gives the full story.
func denialReason(d policy.Decision, action string) string {
	if len(d.Matched) > 0 {
		return fmt.Sprintf("policies apply to the target, but none grants %s", action)
	}
	for _, r := range d.Reasons {
		if r.Code == policy.ReasonUnknownAction {
			return fmt.Sprintf("no role grants %s: the action is unknown", action)
		}
	}
	return fmt.Sprintf("no policy of the caller grants %s on the target", action)
}

// legacyVerdict is NewGate's bootstrap rule.
func legacyVerdict(p *Principal, action string, res Resource) verdict {
	if ServiceOf(action) == "coffer-operator" {
		return verdict{allowed: p.Operator}
	}
	return verdict{allowed: p.Admin && p.AccountID == res.AccountID}
}
