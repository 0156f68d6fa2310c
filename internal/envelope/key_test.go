package envelope

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/cofferhq/coffer/api"
)

// testKey returns a key whose bytes are seed, seed+1, ..., so tests can tell
// keys apart and spot their bytes in output.
func testKey(tb testing.TB, seed byte) Key {
	tb.Helper()
	var k Key
	for i := range k {
		k[i] = seed + byte(i)
	}
	return k
}

func TestNewKeyIsRandom(t *testing.T) {
	a, err := NewKey()
	if err != nil {
		t.Fatalf("NewKey() error = %v", err)
	}
	b, err := NewKey()
	if err != nil {
		t.Fatalf("NewKey() error = %v", err)
	}
	if a == b || a.IsZero() {
		t.Errorf("NewKey() twice gave equal or zero keys (ids %s, %s)", a.ID(), b.ID())
	}
}

func TestZero(t *testing.T) {
	k := testKey(t, 1)
	k.Zero()
	if !k.IsZero() {
		t.Errorf("after Zero, IsZero() = false")
	}
}

func TestParseKey(t *testing.T) {
	k := testKey(t, 0xa0)
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{"base64", k.Encode(), true},
		{"base64 with newline", k.Encode() + "\n", true},
		{"base64 with spaces", "  " + k.Encode() + "\t", true},
		{"hex lower", hex.EncodeToString(k[:]), true},
		{"hex upper", strings.ToUpper(hex.EncodeToString(k[:])), true},
		{"empty", "", false},
		{"base64 of 31 bytes", base64.StdEncoding.EncodeToString(k[:31]), false},
		{"base64 of 33 bytes", base64.StdEncoding.EncodeToString(append(k[:], 1)), false},
		{"base64 unpadded", base64.RawStdEncoding.EncodeToString(k[:]), false},
		{"base64 url", base64.URLEncoding.EncodeToString(bytes.Repeat([]byte{0xff}, 32)), false},
		{"hex 62 digits", hex.EncodeToString(k[:31]), false},
		{"hex with a non-digit", "zz" + hex.EncodeToString(k[1:]), false},
		{"garbage", "secret-looking-garbage-value", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseKey(tt.in)
			if !tt.ok {
				if err == nil {
					t.Fatalf("ParseKey(%q) error = nil, want an error", tt.in)
				}
				if !errors.Is(err, api.ErrInvalid) {
					t.Errorf("ParseKey(%q) error = %v, want api.ErrInvalid", tt.in, err)
				}
				if s := strings.TrimSpace(tt.in); s != "" && strings.Contains(err.Error(), s) {
					t.Errorf("ParseKey error %q repeats its input", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseKey(%q) error = %v", tt.in, err)
			}
			if got != k {
				t.Errorf("ParseKey(%q) gave key %s, want %s", tt.in, got.ID(), k.ID())
			}
		})
	}
}

func TestEncodeRoundTrip(t *testing.T) {
	k, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseKey(k.Encode())
	if err != nil || got != k {
		t.Errorf("ParseKey(Encode()) = %s, %v; want %s, nil", got.ID(), err, k.ID())
	}
}

func TestID(t *testing.T) {
	// Computed independently:
	// python3 -c "import hashlib; print(hashlib.sha256(b'coffer key id v1' + bytes(32)).hexdigest()[:16])"
	if got, want := (Key{}).ID(), "78070c609f467a8f"; got != want {
		t.Errorf("Key{}.ID() = %q, want %q", got, want)
	}
	a, b := testKey(t, 1), testKey(t, 2)
	if a.ID() == b.ID() {
		t.Errorf("two keys share the ID %q", a.ID())
	}
	if len(a.ID()) != 16 {
		t.Errorf("ID() = %q, want 16 hex digits", a.ID())
	}
}

func TestKeyRedaction(t *testing.T) {
	k := testKey(t, 0x41) // bytes spell "ABCDEF..." so text leaks show too
	p := &k
	var text, js bytes.Buffer
	slog.New(slog.NewTextHandler(&text, nil)).Info("x", "key", k, "ptr", p, slog.Any("s", struct{ K Key }{k}))
	slog.New(slog.NewJSONHandler(&js, nil)).Info("x", "key", k, "ptr", p, slog.Any("s", struct{ K Key }{k}))
	j, err := json.Marshal(struct {
		K Key
		P *Key
	}{k, p})
	if err != nil {
		t.Fatalf("json.Marshal error = %v", err)
	}
	outs := map[string]string{
		"fmt":       fmt.Sprintf("%v %s %d %x %X %q %+v %#v %v %#v", k, k, k, k, k, k, k, k, p, p),
		"fmt slice": fmt.Sprint([]Key{k}, map[string]Key{"k": k}),
		"slog text": text.String(),
		"slog json": js.String(),
		"json":      string(j),
	}
	leaks := []string{k.Encode(), hex.EncodeToString(k[:]), "ABCDEFGH", "65 66 67", "65, 66, 67", "0x41"}
	for name, out := range outs {
		if !strings.Contains(out, "REDACTED") {
			t.Errorf("%s output %q lacks REDACTED", name, out)
		}
		for _, leak := range leaks {
			if strings.Contains(strings.ToUpper(out), strings.ToUpper(leak)) {
				t.Errorf("%s output %q reveals the key (%q)", name, out, leak)
			}
		}
	}
}

func TestKeyJSONDoesNotRoundTrip(t *testing.T) {
	j, err := json.Marshal(testKey(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	var k Key
	if err := json.Unmarshal(j, &k); err == nil {
		t.Errorf("json.Unmarshal(%s) into Key succeeded with key %s, want an error", j, k.ID())
	}
}
