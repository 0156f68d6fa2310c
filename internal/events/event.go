// Package events delivers Coffer's event notifications: what happened to a
// secret (created, rotated, expiring...), sent to an instance's destinations,
// HTTP webhooks signed as Standard Webhooks specify and NATS subjects.
//
// # Model
//
// The secrets service configures each instance's destinations
// (SetDestinations) and publishes events; a Dispatcher delivers them. An
// event is never sent from the code path that caused it: Publish and
// PublishTx write one row per destination into the outbox table
// (event_outbox), ideally in the caller's own transaction, so an event
// exists exactly when the change it reports committed, and a restart loses
// nothing. Dispatcher.Run claims due rows (FOR UPDATE SKIP LOCKED on
// PostgreSQL, so several nodes share the work without delivering a row
// twice), sends them, and retries failures with exponential backoff (1s, 2s,
// 4s ... up to MaxBackoff) until MaxAttempts, after which the row is dead
// (kept for inspection). Delivery is at least once: a node that dies after
// sending but before recording it sends again after the claim's lease;
// receivers deduplicate by the event id (webhook-id header, Nats-Msg-Id).
//
// # Wire format (version 1)
//
// The body is the JSON object of Event with "spec_version":"1". Events carry
// ids, names, types, version ids and times, never a secret value: Validate
// refuses Data keys that name a secret (password, token, private_key ...)
// and values that look like tokens.
//
// Webhooks are POSTed with Content-Type application/json and the headers
// webhook-id (the event id, the same on every retry), webhook-timestamp
// (unix seconds of the attempt) and webhook-signature
// ("v1,<base64 HMAC-SHA256(key, id.timestamp.body)>", key being the
// base64-decoded part of the destination's "whsec_..." secret); any 2xx
// answer is a delivery, anything else (redirects included) a failure. NATS
// messages carry the same body, with the event id in the Nats-Msg-Id header
// (JetStream deduplicates on it).
//
// # Secrets
//
// A webhook's signing secret is sealed with the instance's data key
// (kms.Keys) before it reaches the store, and is never logged or echoed in
// errors.
package events

import (
	"encoding/json"
	"strings"
	"time"
	"unicode"

	"github.com/cofferhq/coffer/api"
)

// Event types.
const (
	SecretCreated         = "secret.created"
	SecretRotated         = "secret.rotated"
	SecretRotationFailed  = "secret.rotation_failed"
	SecretExpiringSoon    = "secret.expiring_soon"
	SecretExpired         = "secret.expired"
	SecretDeleted         = "secret.deleted"
	SecretVersionLocked   = "secret_version.locked"
	SecretVersionUnlocked = "secret_version.unlocked"
	CredentialsCreated    = "credentials.created"
	CredentialsDeleted    = "credentials.deleted"
	NotificationsTest     = "notifications.test"
)

// Types lists every event type.
var Types = []string{SecretCreated, SecretRotated, SecretRotationFailed, SecretExpiringSoon, SecretExpired,
	SecretDeleted, SecretVersionLocked, SecretVersionUnlocked, CredentialsCreated, CredentialsDeleted, NotificationsTest}

// SpecVersion is the version of the event body's format.
const SpecVersion = "1"

// Event is one notification. It never holds a secret value: Data is for
// identifiers, counts, dates and reasons (e.g. "days_left", "error_code"),
// and Validate refuses keys that name a secret.
type Event struct {
	ID            string            `json:"id"` // set by Publish when empty (a UUID)
	Type          string            `json:"type"`
	Time          time.Time         `json:"time"` // set by Publish when zero
	AccountID     string            `json:"account_id,omitempty"`
	InstanceGUID  string            `json:"instance_guid"`
	SecretID      string            `json:"secret_id,omitempty"`
	SecretName    string            `json:"secret_name,omitempty"`
	SecretType    string            `json:"secret_type,omitempty"`
	SecretGroupID string            `json:"secret_group_id,omitempty"`
	VersionID     string            `json:"version_id,omitempty"`
	Data          map[string]string `json:"data,omitempty"`
}

const (
	maxDataEntries = 32
	maxDataKey     = 64
	maxDataValue   = 1024
)

// Validate checks that e can be published: a known type, an instance, and
// Data without anything that looks like a secret. Errors wrap api.ErrInvalid.
func (e *Event) Validate() error {
	switch {
	case !contains(Types, e.Type):
		return api.Errorf(api.ErrInvalid, "event type %q is unknown", e.Type)
	case e.InstanceGUID == "":
		return api.Errorf(api.ErrInvalid, "event %s: the instance is required", e.Type)
	case len(e.Data) > maxDataEntries:
		return api.Errorf(api.ErrInvalid, "event %s: at most %d data entries", e.Type, maxDataEntries)
	}
	for k, v := range e.Data {
		switch {
		case k == "" || len(k) > maxDataKey:
			return api.Errorf(api.ErrInvalid, "event %s: data keys must have 1 to %d bytes", e.Type, maxDataKey)
		case len(v) > maxDataValue:
			return api.Errorf(api.ErrInvalid, "event %s: data %q is longer than %d bytes", e.Type, k, maxDataValue)
		case secretKey(k):
			return api.Errorf(api.ErrInvalid, "event %s: data %q names a secret; events never hold secret values", e.Type, k)
		case looksLikeToken(v):
			return api.Errorf(api.ErrInvalid, "event %s: data %q holds what looks like a token or key; events never hold secret values", e.Type, k)
		}
	}
	return nil
}

// body returns e's wire format (see the package comment).
func (e *Event) body() ([]byte, error) {
	return json.Marshal(struct {
		SpecVersion string `json:"spec_version"`
		*Event
	}{SpecVersion, e})
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// secretWords are last words of data keys that name a secret; secretPairs
// two-word endings. So "client_secret", "accessToken" and "private_key" are
// refused while "secret_id" and "api_key_id" pass (as in package audit).
var (
	secretWords = map[string]bool{"password": true, "passwd": true, "passphrase": true, "apikey": true,
		"token": true, "secret": true, "payload": true, "privatekey": true, "credential": true, "credentials": true,
		"content": true, "value": true}
	secretPairs = map[string]bool{"private key": true, "api key": true, "secret key": true, "access key": true,
		"signing key": true, "root key": true, "data key": true}
)

func secretKey(k string) bool {
	w := words(k)
	if len(w) == 0 {
		return false
	}
	return secretWords[w[len(w)-1]] || len(w) >= 2 && secretPairs[w[len(w)-2]+" "+w[len(w)-1]]
}

// words splits k into lower-case words at non-alphanumerics and at
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

// looksLikeToken reports values shaped like a JWT, a PEM block or a
// webhook secret.
func looksLikeToken(v string) bool {
	return strings.Contains(v, "eyJ") && strings.Count(v, ".") >= 2 ||
		strings.Contains(v, "-----BEGIN") || strings.Contains(v, "whsec_")
}
