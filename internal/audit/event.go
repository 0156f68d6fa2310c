package audit

import (
	"fmt"
	"strings"
	"time"
	"unicode"

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
		if containsJWT(f) {
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
		case secretKey(k):
			return api.Errorf(api.ErrInvalid, "audit event %s: detail %q names a secret; audit events never hold secrets", action, k)
		case containsJWT(v):
			return api.Errorf(api.ErrInvalid, "audit event %s: detail %q holds a token; audit events never hold secrets", action, k)
		}
	}
	return nil
}

// secretWords are the last words of detail keys that name a secret.
var secretWords = map[string]bool{
	"password": true, "passwd": true, "passphrase": true, "apikey": true, "token": true, "secret": true,
	"payload": true, "privatekey": true, "credential": true, "credentials": true,
}

// secretPairs are two-word endings of detail keys that name a secret.
var secretPairs = map[string]bool{
	"private key": true, "api key": true, "secret key": true, "access key": true, "signing key": true,
	"root key": true, "data key": true,
}

// secretKey reports whether a detail key names a secret: its last word (of
// "snake_case", "kebab-case", "dotted.name" or "camelCase") is one of
// secretWords, or its last two words one of secretPairs. So "client_secret",
// "accessToken", "private_key" and "password" are refused, while
// "secret_id", "token_type" and "api_key_id" (identifiers, not values) pass.
func secretKey(k string) bool {
	w := words(k)
	if len(w) == 0 {
		return false
	}
	if secretWords[w[len(w)-1]] {
		return true
	}
	return len(w) >= 2 && secretPairs[w[len(w)-2]+" "+w[len(w)-1]]
}

// words splits k into lower-case words at non-letters-or-digits and at
// lower-to-upper case changes.
func words(k string) []string {
	var out []string
	var cur strings.Builder
	prevLower := false
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, cur.String())
			cur.Reset()
		}
	}
	for _, r := range k {
		switch {
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			flush()
			prevLower = false
			continue
		case unicode.IsUpper(r) && prevLower:
			flush()
		}
		prevLower = unicode.IsLower(r) || unicode.IsDigit(r)
		cur.WriteRune(unicode.ToLower(r))
	}
	flush()
	return out
}

// containsJWT reports whether a word of s has the shape of a JWS compact
// serialization with a JSON header ("eyJ<header>.<claims>.<signature>"),
// such as an IAM access token.
func containsJWT(s string) bool {
	if !strings.Contains(s, "eyJ") {
		return false
	}
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || strings.ContainsRune(`"',;:=`, r) }) {
		if strings.HasPrefix(w, "eyJ") && strings.Count(w, ".") == 2 && len(w) > 20 {
			return true
		}
	}
	return false
}

// String returns a short description of e for logs and test failures:
// never its details.
func (e Event) String() string {
	return fmt.Sprintf("audit event %d %s %s by %s: %s", e.ID, e.Action, e.Target, e.Initiator.IAMID, e.Outcome)
}
