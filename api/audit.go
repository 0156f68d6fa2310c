package api

import "time"

// This file holds the wire types of Coffer's audit API:
// GET /coffer/v1/audit/events and POST /coffer/v1/audit/verify.
//
// Format, version 1: JSON objects with snake_case names. Times are strings
// in AuditTimeLayout (RFC 3339, UTC, millisecond precision, "Z"); hashes are
// lowercase hex. The event list always carries its array, empty rather than
// null. An audit event never holds a secret value or a token.

// AuditTimeLayout is the layout of AuditEvent.Time: RFC 3339 in UTC with
// milliseconds, e.g. "2024-04-12T19:00:05.123Z".
const AuditTimeLayout = "2006-01-02T15:04:05.000Z"

// FormatAuditTime formats t in AuditTimeLayout, in UTC.
func FormatAuditTime(t time.Time) string { return t.UTC().Format(AuditTimeLayout) }

// Initiator kinds of audit events (AuditInitiator.Kind).
const (
	InitiatorUser      = "user"
	InitiatorServiceID = "serviceid"
	InitiatorProfile   = "profile"
	InitiatorAnonymous = "anonymous"
)

// Outcomes of audit events (AuditEvent.Outcome).
const (
	OutcomeSuccess = "success"
	OutcomeFailure = "failure"
	OutcomeDenied  = "denied"
)

// AuditInitiator is who made the request an audit event records.
type AuditInitiator struct {
	IAMID         string `json:"iam_id"`
	Kind          string `json:"kind"` // user, serviceid, profile or anonymous
	APIKeyID      string `json:"api_key_id,omitempty"`
	ProfileID     string `json:"profile_id,omitempty"`
	SourceAddress string `json:"source_address,omitempty"`
	UserAgent     string `json:"user_agent,omitempty"`
}

// AuditEvent is one entry of the audit trail.
type AuditEvent struct {
	ID        int64             `json:"id"`   // sequence number: 1, 2, 3 ... without gaps
	Time      string            `json:"time"` // AuditTimeLayout
	RequestID string            `json:"request_id"`
	Initiator AuditInitiator    `json:"initiator"`
	Action    string            `json:"action"` // e.g. secrets-manager.secret.read
	Target    string            `json:"target"` // a CRN
	AccountID string            `json:"account_id"`
	Outcome   string            `json:"outcome"` // success, failure or denied
	Reason    string            `json:"reason,omitempty"`
	Details   map[string]string `json:"details,omitempty"`
	Hash      string            `json:"hash"` // hex SHA-256 chaining this event to the previous one
}

// AuditEventList is the answer of GET /coffer/v1/audit/events: a page of
// events, newest first, and the token of the next page ("" on the last).
type AuditEventList struct {
	Events []AuditEvent `json:"events"`
	Next   string       `json:"next,omitempty"`
}

// AuditVerifyReport is the answer of POST /coffer/v1/audit/verify.
type AuditVerifyReport struct {
	Checked     int64  `json:"checked"` // events whose links were checked
	OK          bool   `json:"ok"`
	FirstBroken *int64 `json:"first_broken,omitempty"` // first event whose link is broken
	Reason      string `json:"reason,omitempty"`
}
