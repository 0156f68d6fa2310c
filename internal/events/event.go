// Package events delivers Coffer's event notifications: what happened to a
// secret (created, rotated, expiring...), sent to an instance's destinations,
// HTTP webhooks signed as Standard Webhooks specify and NATS subjects.
//
// # Model
//
// The secrets service configures each instance's destinations
// (SetDestinations, PutDestination, DeleteDestination) and publishes
// events; a Dispatcher delivers them. An event is never sent from the
// code path that caused it: Publish and PublishTx write one row per
// destination into the outbox table (event_outbox), ideally in the
// caller's own transaction, so an event exists exactly when the change it
// reports committed, and a restart loses nothing. Dispatcher.Run claims
// due rows (FOR UPDATE SKIP LOCKED on PostgreSQL, so several nodes share
// the work without delivering a row twice), sends them, and retries
// failures with exponential backoff (1s, 2s, 4s ... up to MaxBackoff) until
// MaxAttempts, after which the row is dead (kept for inspection). Delivery
// is at least once: a node that dies after sending but before recording it
// sends again after the claim's lease; receivers deduplicate by the event
// id (webhook-id header, Nats-Msg-Id).
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
	"time"

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
		case api.SecretName(k, "content", "value"):
			return api.Errorf(api.ErrInvalid, "event %s: data %q names a secret; events never hold secret values", e.Type, k)
		case api.SecretShaped(v):
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
