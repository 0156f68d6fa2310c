package envelope

import (
	"errors"
	"testing"

	"github.com/cofferhq/coffer/api"
)

func TestWrapRoundTrip(t *testing.T) {
	kek, dek := testKey(t, 1), testKey(t, 100)
	for _, ad := range [][]byte{nil, []byte("instance-1/term-3")} {
		w, err := Wrap(kek, dek, ad)
		if err != nil {
			t.Fatalf("Wrap() error = %v", err)
		}
		if len(w) != wrappedSize || w[0] != 1 {
			t.Fatalf("Wrap() gave %d bytes, version %d; want %d bytes, version 1", len(w), w[0], wrappedSize)
		}
		got, err := Unwrap(kek, w, ad)
		if err != nil {
			t.Fatalf("Unwrap(%q) error = %v", ad, err)
		}
		if got != dek {
			t.Errorf("Unwrap(%q) = key %s, want %s", ad, got.ID(), dek.ID())
		}
	}
}

func TestWrapUsesFreshNonces(t *testing.T) {
	kek, dek := testKey(t, 1), testKey(t, 100)
	a, _ := Wrap(kek, dek, nil)
	b, _ := Wrap(kek, dek, nil)
	if string(a) == string(b) {
		t.Errorf("Wrap() twice gave the same bytes")
	}
}

func TestUnwrapFailures(t *testing.T) {
	kek, dek := testKey(t, 1), testKey(t, 100)
	ad := []byte("ad")
	w, err := Wrap(kek, dek, ad)
	if err != nil {
		t.Fatal(err)
	}
	otherVersion := append([]byte{2}, w[1:]...)
	tests := []struct {
		name    string
		kek     Key
		wrapped []byte
		ad      []byte
	}{
		{"wrong kek", testKey(t, 2), w, ad},
		{"other ad", kek, w, []byte("ae")},
		{"no ad", kek, w, nil},
		{"truncated", kek, w[:len(w)-1], ad},
		{"extended", kek, append(append([]byte{}, w...), 0), ad},
		{"empty", kek, nil, ad},
		{"other version", kek, otherVersion, ad},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertWrongKey(t, tt.kek, tt.wrapped, tt.ad)
		})
	}
	t.Run("every bit flipped", func(t *testing.T) {
		for i := range len(w) * 8 {
			c := append([]byte{}, w...)
			c[i/8] ^= 1 << (i % 8)
			assertWrongKey(t, kek, c, ad)
		}
	})
}

func assertWrongKey(tb testing.TB, kek Key, wrapped, ad []byte) {
	tb.Helper()
	got, err := Unwrap(kek, wrapped, ad)
	if !errors.Is(err, ErrWrongKey) || !errors.Is(err, api.ErrFailedPrecondition) {
		tb.Errorf("Unwrap(%x) = %s, %v; want ErrWrongKey", wrapped, got.ID(), err)
	}
	if !got.IsZero() {
		tb.Errorf("Unwrap(%x) failed but returned a non-zero key", wrapped)
	}
}
