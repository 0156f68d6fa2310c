package audit

import (
	"fmt"
	"time"

	"github.com/cofferhq/coffer/api"
)

// Event is one audit record: who (Initiator) did what (Action) to which
// Target, with what Outcome. It never holds a secret value, a token or a
// payload (see the package doc); Details are short non-secret extras such as
// a secret's id or a version number.
type Event struct {
	// ID is the sequence number the log assigns (1, 2, 3 ...); Write
	// ignores it.
	ID int64
	// Time is when the decision was made; zero means the log's clock at
	// Write. It is kept in UTC to the microsecond.
	Time      time.Time
	RequestID string
	Initiator Initiator
	// Action is the IBM-style action, e.g. "secrets-manager.secret.read".
	// Required.
	Action string
	// Target is the CRN of the resource acted on.
	Target    string
	AccountID string
	// Outcome is api.OutcomeSuccess, api.OutcomeFailure or api.OutcomeDenied.
	Outcome string
	// Reason is short text, such as why access was denied.
	Reason string
	// Details are non-secret extras; see the package doc for refused keys.
	Details map[string]string
	// Hash is the event's link in the chain, set by the log; Write ignores it.
	Hash []byte
}

// Initiator is the caller an event is about.
type Initiator struct {
	IAMID string
	// Kind is api.InitiatorUser, api.InitiatorServiceID,
	// api.InitiatorProfile or api.InitiatorAnonymous. Required.
	Kind       string
	APIKeyID   string
	ProfileID  string
	SourceAddr string
	UserAgent  string
}

// Limits on an event's text, so that one event stays small.
const (
	maxField      = 1024 // bytes in any string field or detail value
	maxDetails    = 32   // entries in Details
	maxDetailsKey = 64   // bytes in a Details key
)

// check returns an error wrapping api.ErrInvalid when e is not a valid event
// to write.
func (e *Event) check() error {
	if e.Action == "" {
		return api.Errorf(api.ErrInvalid, "audit event: action is required")
	}
	switch e.Initiator.Kind {
	case api.InitiatorUser, api.InitiatorServiceID, api.InitiatorProfile, api.InitiatorAnonymous:
	default:
		return api.Errorf(api.ErrInvalid, "audit event %s: initiator kind %q is not user, serviceid, profile or anonymous",
			e.Action, e.Initiator.Kind)
	}
	switch e.Outcome {
	case api.OutcomeSuccess, api.OutcomeFailure, api.OutcomeDenied:
	default:
		return api.Errorf(api.ErrInvalid, "audit event %s: outcome %q is not success, failure or denied", e.Action, e.Outcome)
	}
	for _, f := range e.fields() {
		if len(f) > maxField {
			return api.Errorf(api.ErrInvalid, "audit event %s: a field is longer than %d bytes", e.Action, maxField)
		}
		if api.SecretShaped(f) {
			return api.Errorf(api.ErrInvalid, "audit event %s: a field holds a token; audit events never hold secrets", e.Action)
		}
	}
	return checkDetails(e.Action, e.Details)
}

// fields returns e's string fields.
func (e *Event) fields() []string {
	in := &e.Initiator
	return []string{e.RequestID, in.IAMID, in.Kind, in.APIKeyID, in.ProfileID, in.SourceAddr, in.UserAgent,
		e.Action, e.Target, e.AccountID, e.Outcome, e.Reason}
}

// checkDetails refuses details that are too big or look like they hold a
// secret. Errors never quote a value.
func checkDetails(action string, d map[string]string) error {
	if len(d) > maxDetails {
		return api.Errorf(api.ErrInvalid, "audit event %s: more than %d details", action, maxDetails)
	}
	for k, v := range d {
		switch {
		case k == "" || len(k) > maxDetailsKey:
			return api.Errorf(api.ErrInvalid, "audit event %s: detail keys must have 1 to %d bytes", action, maxDetailsKey)
		case len(v) > maxField:
			return api.Errorf(api.ErrInvalid, "audit event %s: detail %q is longer than %d bytes", action, k, maxField)
		case api.SecretName(k):
			return api.Errorf(api.ErrInvalid, "audit event %s: detail %q names a secret; audit events never hold secrets", action, k)
		case api.SecretShaped(v):
			return api.Errorf(api.ErrInvalid, "audit event %s: detail %q holds a token; audit events never hold secrets", action, k)
		}
	}
	return nil
}

// String returns a short description of e for logs and test failures:
// never its details.
func (e Event) String() string {
	return fmt.Sprintf("audit event %d %s %s by %s: %s", e.ID, e.Action, e.Target, e.Initiator.IAMID, e.Outcome)
}
