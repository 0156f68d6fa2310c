package authz

import (
	"context"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/audit"
	"github.com/cofferhq/coffer/internal/reqctx"
	"github.com/cofferhq/coffer/internal/store"
)

// outcome is what an audit event of a decision says.
type outcome struct {
	allowed bool
	failure bool // the decision could not be made
	reason  string
}

// errAuditDown is the answer when a decision cannot be recorded: the
// operation is refused (fail closed).
var errAuditDown = api.Errorf(api.ErrUnavailable,
	"the audit trail cannot record this request, so it was refused; try again later")

// auditDecision writes the audit event of a decision about p.
func (g *Gate) auditDecision(ctx context.Context, p *Principal, action string, res Resource, o outcome) error {
	if g.legacy {
		return nil
	}
	return g.write(ctx, g.decisionEvent(ctx, p, action, res, o))
}

// decisionEvent returns the audit event of a decision.
func (g *Gate) decisionEvent(ctx context.Context, p *Principal, action string, res Resource, o outcome) audit.Event {
	e := g.event(ctx, action, res)
	e.Initiator.IAMID, e.Initiator.Kind = p.IAMID, initiatorKind(p.Kind)
	e.Initiator.APIKeyID, e.Initiator.ProfileID = p.APIKeyID, p.ProfileID
	if e.AccountID == "" {
		e.AccountID = p.AccountID
	}
	switch {
	case o.failure:
		e.Outcome, e.Reason = api.OutcomeFailure, o.reason
	case o.allowed:
		e.Outcome = api.OutcomeSuccess
	default:
		e.Outcome, e.Reason = api.OutcomeDenied, o.reason
	}
	return e
}

// Grant is an allowed decision whose audit event is written in the
// transaction of the operation it allowed (see Gate.Begin).
type Grant struct {
	g        *Gate
	ev       audit.Event
	appended *audit.Event // by Record, in a transaction not yet known to have committed
	done     bool         // the event is recorded (or there is none to record)
}

// Begin decides like Authorize, and records a denial or a failed decision
// the same way, at once. An allowed decision's event is not written yet:
// the caller appends it with Record inside the transaction that performs
// the operation, calls Committed once that transaction has committed, and
// defers Finish, which writes the event on its own when it did not commit
// with the operation (the operation failed before its transaction, or in
// it). So a successful operation and its event commit together, in one
// commit instead of two, and no operation takes effect without its event.
func (g *Gate) Begin(ctx context.Context, p *Principal, action string, res Resource) (*Grant, error) {
	res = g.target(ctx, action, res)
	d, err := g.decide(ctx, p, action, res)
	if err != nil {
		if aerr := g.auditDecision(ctx, p, action, res, outcome{failure: true, reason: "the decision failed: " + api.Message(err)}); aerr != nil {
			return nil, aerr
		}
		return nil, err
	}
	if !d.allowed {
		if err := g.auditDecision(ctx, p, action, res, outcome{allowed: false, reason: d.reason}); err != nil {
			return nil, err
		}
		return nil, api.Errorf(api.ErrPermissionDenied, "%s is not authorized to perform %s", p.IAMID, action)
	}
	if g.legacy {
		return &Grant{done: true}, nil
	}
	return &Grant{g: g, ev: g.decisionEvent(ctx, p, action, res, outcome{allowed: true, reason: d.reason})}, nil
}

// Record appends the decision's event inside tx. An error (the audit trail
// cannot be written) must fail the transaction: return it from the
// function given to store.Update.
func (gr *Grant) Record(ctx context.Context, tx *store.Tx) error {
	if gr.done {
		return nil
	}
	ev, err := gr.g.audit.AppendTx(ctx, tx, gr.ev)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		gr.g.log.ErrorContext(ctx, "authz: cannot write the audit event of a decision; refusing the request",
			"request_id", gr.ev.RequestID, "action", gr.ev.Action, "error", err.Error())
		return errAuditDown
	}
	gr.appended = &ev
	return nil
}

// Committed tells the grant that the transaction Record wrote to has
// committed: the event is in the trail.
func (gr *Grant) Committed() {
	if gr.done || gr.appended == nil {
		return
	}
	gr.done = true
	gr.g.audit.Published(*gr.appended)
}

// Finish writes the event on its own unless it was committed with the
// operation. Defer it right after Begin.
func (gr *Grant) Finish(ctx context.Context) {
	if gr == nil || gr.done {
		return
	}
	gr.done = true
	_ = gr.g.write(context.WithoutCancel(ctx), gr.ev) // a failure is logged by write; the operation has already failed
}

// auditAnonymous writes the audit event of a failed authentication. The
// credential never reaches it; the reason is the error's caller-safe
// message.
func (g *Gate) auditAnonymous(ctx context.Context, action string, res Resource, cause error) error {
	if g.legacy {
		return nil
	}
	e := g.event(ctx, action, res)
	e.Initiator.Kind = api.InitiatorAnonymous
	e.Outcome, e.Reason = api.OutcomeFailure, "unauthenticated: "+api.Message(cause)
	return g.write(ctx, e)
}

// event returns the parts of an event that come from the request.
func (g *Gate) event(ctx context.Context, action string, res Resource) audit.Event {
	e := audit.Event{Time: g.now(), RequestID: reqctx.RequestID(ctx), Action: action, Target: res.CRN,
		AccountID: res.AccountID}
	e.Initiator.SourceAddr, e.Initiator.UserAgent = reqctx.RemoteAddr(ctx), reqctx.UserAgent(ctx)
	if res.ServiceInstance != "" || res.ResourceType != "" || res.ID != "" {
		e.Details = make(map[string]string, 3)
		setIf(e.Details, "service_instance", res.ServiceInstance)
		setIf(e.Details, "resource_type", res.ResourceType)
		setIf(e.Details, "resource", res.ID)
	}
	return e
}

func setIf(m map[string]string, k, v string) {
	if v != "" {
		m[k] = v
	}
}

// write commits e; a failure is logged here (the caller only learns that
// the audit trail is down) and refuses the operation.
func (g *Gate) write(ctx context.Context, e audit.Event) error {
	if err := g.audit.Write(ctx, e); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		g.log.ErrorContext(ctx, "authz: cannot write the audit event of a decision; refusing the request",
			"request_id", e.RequestID, "action", e.Action, "error", err.Error())
		return errAuditDown
	}
	return nil
}

// initiatorKind maps a principal kind to an audit initiator kind.
func initiatorKind(kind string) string {
	switch kind {
	case api.InitiatorServiceID, api.InitiatorProfile:
		return kind
	}
	return api.InitiatorUser
}

// Login is a security-relevant event that is not an authorization
// decision: a token request at the IAM token endpoint.
type Login struct {
	Action    string // e.g. "iam-identity.token.create"
	IAMID     string // the subject that logged in ("" when the request was refused)
	Kind      string // principal kind of IAMID
	AccountID string
	APIKeyID  string
	ProfileID string
	Allowed   bool
	Reason    string            // why it was refused; never a credential
	Details   map[string]string // e.g. the grant type
}

// RecordLogin writes the audit event of a login. Like decisions, it fails
// closed: when the event cannot be written the login must be refused.
func (g *Gate) RecordLogin(ctx context.Context, l Login) error {
	if g.legacy {
		return nil
	}
	e := g.event(ctx, l.Action, Resource{AccountID: l.AccountID})
	e.Initiator.IAMID, e.Initiator.APIKeyID, e.Initiator.ProfileID = l.IAMID, l.APIKeyID, l.ProfileID
	e.Initiator.Kind = api.InitiatorAnonymous
	if l.IAMID != "" {
		e.Initiator.Kind = initiatorKind(l.Kind)
	}
	e.Details = l.Details
	e.Outcome = api.OutcomeSuccess
	if !l.Allowed {
		e.Outcome, e.Reason = api.OutcomeFailure, l.Reason
	}
	return g.write(ctx, e)
}
