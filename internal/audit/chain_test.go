package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/cofferhq/coffer/internal/store"
)

// TestChainHashV1 builds the documented encoding by hand and checks that
// chainHash hashes exactly it: changing the format breaks this test.
func TestChainHashV1(t *testing.T) {
	r := &store.AuditEvent{Seq: 2, Time: time.UnixMicro(1700000000123456).UTC(), RequestID: "req",
		InitiatorIAMID: "iam-1", InitiatorKind: "user", APIKeyID: "k", ProfileID: "", SourceAddr: "192.0.2.1",
		UserAgent: "ua", Action: "secrets-manager.secret.read", Target: "crn:x", AccountID: "acct",
		Outcome: "success", Reason: "", Details: map[string]string{"b": "2", "a": "1", "ab": ""}}
	prev := bytes.Repeat([]byte{0x42}, 32)

	var want bytes.Buffer
	u32 := func(n int) { want.Write(binary.BigEndian.AppendUint32(nil, uint32(n))) }
	str := func(s string) { u32(len(s)); want.WriteString(s) }
	want.WriteByte(0x01)
	want.Write(prev)
	want.Write(binary.BigEndian.AppendUint64(nil, 2))
	want.Write(binary.BigEndian.AppendUint64(nil, 1700000000123456))
	for _, s := range []string{"req", "iam-1", "user", "k", "", "192.0.2.1", "ua", "secrets-manager.secret.read",
		"crn:x", "acct", "success", ""} {
		str(s)
	}
	u32(3)
	for _, kv := range [][2]string{{"a", "1"}, {"ab", ""}, {"b", "2"}} {
		str(kv[0])
		str(kv[1])
	}
	sum := sha256.Sum256(want.Bytes())
	if got := chainHash(prev, r); !bytes.Equal(got, sum[:]) {
		t.Errorf("chainHash = %x, want %x", got, sum)
	}
}

// TestChainHashFields checks that every field, and the link, changes the hash.
func TestChainHashFields(t *testing.T) {
	base := func() *store.AuditEvent {
		return &store.AuditEvent{Seq: 1, Time: time.UnixMicro(1).UTC(), Action: "a", Details: map[string]string{"k": "v"}}
	}
	h0 := chainHash(genesis, base())
	changes := map[string]func(*store.AuditEvent){
		"seq":        func(r *store.AuditEvent) { r.Seq = 2 },
		"time":       func(r *store.AuditEvent) { r.Time = r.Time.Add(time.Microsecond) },
		"request_id": func(r *store.AuditEvent) { r.RequestID = "x" },
		"iam_id":     func(r *store.AuditEvent) { r.InitiatorIAMID = "x" },
		"kind":       func(r *store.AuditEvent) { r.InitiatorKind = "x" },
		"api_key_id": func(r *store.AuditEvent) { r.APIKeyID = "x" },
		"profile_id": func(r *store.AuditEvent) { r.ProfileID = "x" },
		"source":     func(r *store.AuditEvent) { r.SourceAddr = "x" },
		"user_agent": func(r *store.AuditEvent) { r.UserAgent = "x" },
		"action":     func(r *store.AuditEvent) { r.Action = "b" },
		"target":     func(r *store.AuditEvent) { r.Target = "x" },
		"account_id": func(r *store.AuditEvent) { r.AccountID = "x" },
		"outcome":    func(r *store.AuditEvent) { r.Outcome = "x" },
		"reason":     func(r *store.AuditEvent) { r.Reason = "x" },
		"detail":     func(r *store.AuditEvent) { r.Details["k"] = "w" },
		"detail key": func(r *store.AuditEvent) { r.Details = map[string]string{"kv": ""} },
		"no details": func(r *store.AuditEvent) { r.Details = nil },
		// Length prefixes keep field boundaries: moving a byte between
		// neighbours changes the hash.
		"boundary": func(r *store.AuditEvent) { r.Action, r.Target = "", "a" },
	}
	for name, change := range changes {
		r := base()
		change(r)
		if bytes.Equal(chainHash(genesis, r), h0) {
			t.Errorf("changing %s leaves the hash unchanged", name)
		}
	}
	if bytes.Equal(chainHash(bytes.Repeat([]byte{1}, 32), base()), h0) {
		t.Errorf("changing prev_hash leaves the hash unchanged")
	}
}

// TestDetailsJSON checks that the stored details decode to exactly the
// event's details (valid UTF-8, see Event.clean), whatever their
// characters, with keys in byte order.
func TestDetailsJSON(t *testing.T) {
	for _, d := range []map[string]string{
		nil,
		{"resource": "0195-abc", "resource_type": "secret"},
		{"q": `say "hi"`, "bs": `C:\dir`, "ctl": "a\nb\tc\x01", "html": "<a&b>", "utf8": "grüße ✓", "sep": "a\u2028b"},
		{"": "empty key", "z": "", "a": "1"},
	} {
		keys := sortedKeys(d)
		got := detailsJSON(d, keys)
		var back map[string]string
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatalf("detailsJSON(%q) = %s: not JSON: %v", d, got, err)
		}
		if !maps.Equal(back, d) {
			t.Errorf("detailsJSON(%q) decodes to %q", d, back)
		}
		if !slices.IsSorted(keys) || len(keys) != len(d) {
			t.Errorf("sortedKeys(%q) = %q", d, keys)
		}
	}
}
