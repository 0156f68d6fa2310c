package audit_test

import (
	"context"
	"strings"
	"testing"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/audit"
)

const jwt = "eyJhbGciOiJSUzI1NiJ9.eyJpYW1faWQiOiJ4In0.c2lnbmF0dXJl"

// TestWriteRefuses checks that invalid events, and events whose details look
// like they carry a secret, are refused and not written.
func TestWriteRefuses(t *testing.T) {
	l := startLog(t, audit.Config{Store: openStore(t, sqliteURL(t))})
	tests := []struct {
		name   string
		change func(*audit.Event)
	}{
		{"no action", func(e *audit.Event) { e.Action = "" }},
		{"no initiator kind", func(e *audit.Event) { e.Initiator.Kind = "" }},
		{"unknown initiator kind", func(e *audit.Event) { e.Initiator.Kind = "robot" }},
		{"unknown outcome", func(e *audit.Event) { e.Outcome = "maybe" }},
		{"long field", func(e *audit.Event) { e.Reason = strings.Repeat("x", 1025) }},
		{"too many details", func(e *audit.Event) {
			for i := range 40 {
				e.Details[string(rune('a'+i%26))+strings.Repeat("k", i)] = "v"
			}
		}},
		{"empty detail key", func(e *audit.Event) { e.Details[""] = "v" }},
		{"JWT value", func(e *audit.Event) { e.Details["note"] = jwt }},
		{"bearer JWT value", func(e *audit.Event) { e.Details["authorization"] = "Bearer " + jwt }},
		{"JWT in the reason", func(e *audit.Event) { e.Reason = "token " + jwt + " expired" }},
		{"quoted JWT in the user agent", func(e *audit.Event) { e.Initiator.UserAgent = `x="` + jwt + `"` }},
	}
	for _, k := range []string{"password", "Password", "db_password", "passphrase", "apikey", "api_key", "apiKey",
		"token", "access_token", "refreshToken", "secret", "client_secret", "payload", "private_key", "privateKey",
		"PRIVATE-KEY", "credentials", "signing.key"} {
		tests = append(tests, struct {
			name   string
			change func(*audit.Event)
		}{"detail " + k, func(e *audit.Event) { e.Details[k] = "hunter2" }})
	}
	for _, tc := range tests {
		e := event(1)
		tc.change(&e)
		err := l.Write(context.Background(), e)
		wantKind(t, tc.name, err, api.ErrInvalid)
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%s: error %q quotes the value", tc.name, err)
		}
	}
	if st := l.Stats(); st.Events != 0 {
		t.Errorf("Stats().Events = %d after refused writes, want 0", st.Events)
	}
}

// TestWriteAllowsIdentifiers checks that detail keys naming identifiers of
// secrets, not secrets, pass.
func TestWriteAllowsIdentifiers(t *testing.T) {
	l := startLog(t, audit.Config{Store: openStore(t, sqliteURL(t))})
	for _, k := range []string{"secret_id", "secret_type", "secret_group_id", "api_key_id", "apikey_id", "token_type",
		"payload_size", "version_id", "key_id", "rotation_interval", "secretName"} {
		e := event(1)
		e.Details = map[string]string{k: "v"}
		if err := l.Write(context.Background(), e); err != nil {
			t.Errorf("Write with detail %q = %v, want nil", k, err)
		}
	}
	for _, kind := range []string{api.InitiatorUser, api.InitiatorServiceID, api.InitiatorProfile, api.InitiatorAnonymous} {
		e := event(1)
		e.Initiator.Kind = kind
		if err := l.Write(context.Background(), e); err != nil {
			t.Errorf("Write with initiator kind %q = %v, want nil", kind, err)
		}
	}
}
