package audit

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

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
	in := &e.Initiator
	for _, f := range [...]string{e.RequestID, in.IAMID, in.Kind, in.APIKeyID, in.ProfileID, in.SourceAddr,
		in.UserAgent, e.Action, e.Target, e.AccountID, e.Outcome, e.Reason} {
		if len(f) > maxField {
			return api.Errorf(api.ErrInvalid, "audit event %s: a field is longer than %d bytes", e.Action, maxField)
		}
		if api.SecretShaped(f) {
			return api.Errorf(api.ErrInvalid, "audit event %s: a field holds a token; audit events never hold secrets", e.Action)
		}
	}
	return checkDetails(e.Action, e.Details)
}

// clean replaces, in every string field and detail of e, each run of bytes
// that is not valid UTF-8 and each NUL byte with U+FFFD. Callers' text (a
// user agent, a form value) can hold them; PostgreSQL's text columns refuse
// them (which would fail every event committed with this one) and JSON
// cannot carry them, so what is hashed is what is stored and read back.
// Details is copied before it is changed.
func (e *Event) clean() {
	in := &e.Initiator
	for _, f := range [...]*string{&e.RequestID, &in.IAMID, &in.Kind, &in.APIKeyID, &in.ProfileID, &in.SourceAddr,
		&in.UserAgent, &e.Action, &e.Target, &e.AccountID, &e.Outcome, &e.Reason} {
		*f = cleanText(*f)
	}
	for k, v := range e.Details {
		if cleanText(k) != k || cleanText(v) != v {
			d := make(map[string]string, len(e.Details))
			for k, v := range e.Details {
				d[cleanText(k)] = cleanText(v)
			}
			e.Details = d
			return
		}
	}
}

// cleanText returns s with each run of invalid UTF-8 and each NUL byte
// replaced by U+FFFD; s itself when it has neither.
func cleanText(s string) string {
	if utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
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
