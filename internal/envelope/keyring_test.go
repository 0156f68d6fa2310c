package envelope

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/cofferhq/coffer/api"
	"github.com/google/go-cmp/cmp"
)

var testBinding = Binding{Instance: "inst-1", Secret: "secret-1", Version: "v-1"}

// newTestKeyring returns a keyring with terms 1..terms, keys testKey(term),
// current being the last term.
func newTestKeyring(tb testing.TB, terms int64) *Keyring {
	tb.Helper()
	keys := map[int64]Key{}
	for t := int64(1); t <= terms; t++ {
		keys[t] = testKey(tb, byte(t))
	}
	kr, err := NewKeyring(keys, terms)
	if err != nil {
		tb.Fatalf("NewKeyring() error = %v", err)
	}
	return kr
}

func mustSeal(tb testing.TB, kr *Keyring, b Binding, plaintext []byte) []byte {
	tb.Helper()
	ct, err := kr.Seal(b, plaintext)
	if err != nil {
		tb.Fatalf("Seal(%+v) error = %v", b, err)
	}
	return ct
}

func TestNewKeyringErrors(t *testing.T) {
	k := testKey(t, 1)
	tests := []struct {
		name    string
		keys    map[int64]Key
		current int64
	}{
		{"no keys", nil, 1},
		{"current missing", map[int64]Key{1: k}, 2},
		{"term zero", map[int64]Key{0: k, 1: k}, 1},
		{"negative term", map[int64]Key{-1: k}, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewKeyring(tt.keys, tt.current); !errors.Is(err, api.ErrInvalid) {
				t.Errorf("NewKeyring(%d keys, %d) error = %v, want api.ErrInvalid", len(tt.keys), tt.current, err)
			}
		})
	}
}

func TestSealOpenRoundTrip(t *testing.T) {
	kr := newTestKeyring(t, 3)
	for _, pt := range [][]byte{{}, []byte("x"), bytes.Repeat([]byte("payload"), 1000)} {
		ct := mustSeal(t, kr, testBinding, pt)
		if len(ct) != len(pt)+minCiphertext {
			t.Errorf("Seal(%d bytes) gave %d bytes, want %d", len(pt), len(ct), len(pt)+minCiphertext)
		}
		if term, err := CiphertextTerm(ct); err != nil || term != 3 {
			t.Errorf("CiphertextTerm() = %d, %v; want 3, nil", term, err)
		}
		got, err := kr.Open(testBinding, ct)
		if err != nil {
			t.Fatalf("Open() error = %v", err)
		}
		if diff := cmp.Diff(pt, got, cmp.Comparer(bytes.Equal)); diff != "" {
			t.Errorf("Open(Seal(p)) mismatch (-want +got):\n%s", diff)
		}
	}
}

func TestOpenOldTerm(t *testing.T) {
	old := newTestKeyring(t, 1)
	ct := mustSeal(t, old, testBinding, []byte("old"))
	kr := newTestKeyring(t, 2)
	got, err := kr.Open(testBinding, ct)
	if err != nil || string(got) != "old" {
		t.Errorf("Open(term 1 ciphertext) = %q, %v; want %q, nil", got, err, "old")
	}
}

func TestOpenFailsForOtherBinding(t *testing.T) {
	kr := newTestKeyring(t, 1)
	ct := mustSeal(t, kr, testBinding, []byte("value"))
	tests := []struct {
		name string
		b    Binding
	}{
		{"instance", Binding{"inst-2", "secret-1", "v-1"}},
		{"secret", Binding{"inst-1", "secret-2", "v-1"}},
		{"version", Binding{"inst-1", "secret-1", "v-2"}},
		{"empty instance", Binding{"", "secret-1", "v-1"}},
		{"fields shifted", Binding{"inst-1secret-1", "", "v-1"}},
		{"zero", Binding{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := kr.Open(tt.b, ct); !errors.Is(err, ErrDecrypt) {
				t.Errorf("Open(%+v) = %q, %v; want ErrDecrypt", tt.b, got, err)
			}
		})
	}
}

func TestAssociatedDataIsUnambiguous(t *testing.T) {
	pairs := [][2]Binding{
		{{Instance: "a", Secret: "bc"}, {Instance: "ab", Secret: "c"}},
		{{Secret: "a", Version: "bc"}, {Secret: "ab", Version: "c"}},
		{{Instance: "a"}, {Secret: "a"}},
		{{Instance: "a"}, {Version: "a"}},
		{{Instance: "\x01a"}, {Instance: "\x01", Secret: "a"}},
	}
	for _, p := range pairs {
		if bytes.Equal(associatedData(p[0], 1), associatedData(p[1], 1)) {
			t.Errorf("associatedData(%+v) == associatedData(%+v)", p[0], p[1])
		}
	}
	if bytes.Equal(associatedData(testBinding, 1), associatedData(testBinding, 2)) {
		t.Errorf("associatedData ignores the term")
	}
	// And end to end: a ciphertext for ("a","bc") does not open as ("ab","c").
	kr := newTestKeyring(t, 1)
	ct := mustSeal(t, kr, pairs[0][0], []byte("v"))
	if _, err := kr.Open(pairs[0][1], ct); !errors.Is(err, ErrDecrypt) {
		t.Errorf("Open(%+v) of a ciphertext for %+v error = %v, want ErrDecrypt", pairs[0][1], pairs[0][0], err)
	}
}

func TestTermSwapFails(t *testing.T) {
	// Same key under both terms: only the associated data tells them apart.
	k := testKey(t, 7)
	kr, err := NewKeyring(map[int64]Key{1: k, 2: k}, 1)
	if err != nil {
		t.Fatal(err)
	}
	ct := mustSeal(t, kr, testBinding, []byte("value"))
	binary.BigEndian.PutUint64(ct[1:9], 2)
	if got, err := kr.Open(testBinding, ct); !errors.Is(err, ErrDecrypt) {
		t.Errorf("Open(term relabelled 1->2) = %q, %v; want ErrDecrypt", got, err)
	}
}

func TestOpenUnknownTerm(t *testing.T) {
	ct := mustSeal(t, newTestKeyring(t, 2), testBinding, []byte("value"))
	_, err := newTestKeyring(t, 1).Open(testBinding, ct)
	for _, want := range []error{ErrUnknownTerm, ErrDecrypt, api.ErrInternal} {
		if !errors.Is(err, want) {
			t.Errorf("Open(term 2 in a term-1 keyring) error = %v, want it to wrap %v", err, want)
		}
	}
}

func TestOpenTamperedCiphertext(t *testing.T) {
	kr := newTestKeyring(t, 1)
	ct := mustSeal(t, kr, testBinding, []byte("a secret value"))
	for n := range len(ct) {
		if got, err := kr.Open(testBinding, ct[:n]); !errors.Is(err, ErrDecrypt) {
			t.Errorf("Open(first %d bytes) = %q, %v; want ErrDecrypt", n, got, err)
		}
	}
	for i := range len(ct) * 8 {
		c := append([]byte{}, ct...)
		c[i/8] ^= 1 << (i % 8)
		if got, err := kr.Open(testBinding, c); !errors.Is(err, ErrDecrypt) {
			t.Errorf("Open(bit %d flipped) = %q, %v; want ErrDecrypt", i, got, err)
		}
	}
	if _, err := kr.Open(testBinding, append(ct, 0)); !errors.Is(err, ErrDecrypt) {
		t.Errorf("Open(extended) error = %v, want ErrDecrypt", err)
	}
}

func TestErrorsDoNotRevealPlaintext(t *testing.T) {
	kr := newTestKeyring(t, 1)
	ct := mustSeal(t, kr, testBinding, []byte("PLAINTEXT-MARKER"))
	ct[len(ct)-1] ^= 1
	_, err := kr.Open(testBinding, ct)
	if err == nil || bytes.Contains([]byte(err.Error()), []byte("PLAINTEXT")) {
		t.Errorf("Open(tampered) error = %v, want an error without the plaintext", err)
	}
}

func TestSealUsesFreshNonces(t *testing.T) {
	kr := newTestKeyring(t, 1)
	seen := map[string]bool{}
	for range 1000 {
		ct := mustSeal(t, kr, testBinding, nil)
		nonce := string(ct[9:headerSize])
		if seen[nonce] {
			t.Fatalf("Seal() reused nonce %x", nonce)
		}
		seen[nonce] = true
	}
}

func TestKeyringConcurrentUse(t *testing.T) {
	kr := newTestKeyring(t, 2)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			b := Binding{Instance: "i", Secret: fmt.Sprint(g), Version: "v"}
			for i := range 200 {
				pt := []byte(fmt.Sprint(g, i))
				got, err := kr.Open(b, mustSeal(t, kr, b, pt))
				if err != nil || !bytes.Equal(got, pt) {
					t.Errorf("Open(Seal(%q)) = %q, %v", pt, got, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestCiphertextTermErrors(t *testing.T) {
	ct := mustSeal(t, newTestKeyring(t, 1), testBinding, nil)
	bad := append([]byte{9}, ct[1:]...)
	for _, c := range [][]byte{nil, ct[:len(ct)-1], bad} {
		if term, err := CiphertextTerm(c); !errors.Is(err, ErrDecrypt) {
			t.Errorf("CiphertextTerm(%x) = %d, %v; want ErrDecrypt", c, term, err)
		}
	}
}

func FuzzOpen(f *testing.F) {
	kr := newTestKeyring(f, 2)
	f.Add(mustSeal(f, kr, testBinding, []byte("hello")), "inst-1")
	f.Add([]byte{}, "")
	f.Add([]byte{1, 0, 0, 0, 0, 0, 0, 0, 2}, "x")
	f.Fuzz(func(t *testing.T, ct []byte, instance string) {
		b := Binding{Instance: instance, Secret: "secret-1", Version: "v-1"}
		pt, err := kr.Open(b, ct)
		if err != nil {
			if !errors.Is(err, ErrDecrypt) || pt != nil {
				t.Fatalf("Open(%x) = %q, %v; want nil, ErrDecrypt", ct, pt, err)
			}
			return
		}
		// Anything that opens must be a genuine, unaltered ciphertext for b.
		if b != testBinding {
			t.Fatalf("Open(%x) succeeded for binding %+v", ct, b)
		}
	})
}

func BenchmarkSeal1KiB(b *testing.B) {
	kr := newTestKeyring(b, 1)
	pt := make([]byte, 1024)
	b.ReportAllocs()
	b.SetBytes(int64(len(pt)))
	for b.Loop() {
		if _, err := kr.Seal(testBinding, pt); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpen1KiB(b *testing.B) {
	kr := newTestKeyring(b, 1)
	ct := mustSeal(b, kr, testBinding, make([]byte, 1024))
	b.ReportAllocs()
	b.SetBytes(1024)
	for b.Loop() {
		if _, err := kr.Open(testBinding, ct); err != nil {
			b.Fatal(err)
		}
	}
}
