package authz

import (
	"context"
	"fmt"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/audit"
)

// Actions of the audit API.
const (
	ActionAuditEventsRead = "coffer-audit.events.read"
	ActionAuditVerify     = "coffer-audit.chain.verify"
)

// AuditEvents returns a page of the audit events f selects, newest first
// (coffer-audit.events.read on the caller's account). A caller sees the
// events of its own account only (f.AccountID is overwritten), except the
// operator account's callers, who see every account's events, including
// failed authentications that name no account. Errors: api.ErrInvalid (a
// malformed page token), and the gate's.
func (g *Gate) AuditEvents(ctx context.Context, cred Credential, f audit.Filter) (api.AuditEventList, error) {
	p, err := g.authenticate(ctx, cred, ActionAuditEventsRead, Resource{})
	if err != nil {
		return api.AuditEventList{}, err
	}
	if err := g.Authorize(ctx, p, ActionAuditEventsRead, AccountResource(p.AccountID)); err != nil {
		return api.AuditEventList{}, err
	}
	f.AccountID = p.AccountID
	if op, err := g.operatorAccount(ctx); err == nil && op == p.AccountID {
		f.AccountID = ""
	}
	events, next, err := g.audit.Query(ctx, f)
	if err != nil {
		return api.AuditEventList{}, err
	}
	return audit.WireList(events, next), nil
}

// VerifyAudit recomputes the whole audit hash chain and reports the first
// broken link. The chain is server-wide, so the action
// (coffer-audit.chain.verify) targets the operator account: only its
// callers may verify. Errors: the gate's, and api.ErrUnavailable when the
// store cannot be read.
func (g *Gate) VerifyAudit(ctx context.Context, cred Credential) (api.AuditVerifyReport, error) {
	op, err := g.operatorAccount(ctx)
	if err != nil {
		return api.AuditVerifyReport{}, err
	}
	if _, err := g.Check(ctx, cred, ActionAuditVerify, AccountResource(op)); err != nil {
		return api.AuditVerifyReport{}, err
	}
	rep, err := g.audit.Verify(ctx, 0, 0)
	if err != nil {
		return api.AuditVerifyReport{}, err
	}
	return rep.Wire(), nil
}

// operatorAccount returns the operator account, or an error wrapping
// api.ErrUnavailable when the gate does not know it.
func (g *Gate) operatorAccount(ctx context.Context) (string, error) {
	if g.opAcct == nil {
		return "", api.Errorf(api.ErrUnavailable, "the operator account is not known")
	}
	acct, err := g.opAcct(ctx)
	if err != nil {
		return "", fmt.Errorf("authz: the operator account: %w", err)
	}
	return acct, nil
}
