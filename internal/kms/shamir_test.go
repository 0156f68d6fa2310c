package kms

import (
	"bytes"
	"crypto/rand"
	"errors"
	mrand "math/rand/v2"
	"testing"

	"github.com/cofferhq/coffer/api"
)

func TestGFMul(t *testing.T) {
	// FIPS-197 §4.2: {57}·{83} = {c1}, {57}·{13} = {fe}; §4.2.1 {53}^-1 = {ca}.
	tests := []struct{ a, b, want byte }{
		{0x57, 0x83, 0xc1}, {0x57, 0x13, 0xfe}, {0x53, 0xca, 0x01},
		{0, 0x57, 0}, {1, 0x57, 0x57}, {2, 0x80, 0x1b},
	}
	for _, tt := range tests {
		if got := gfMul(tt.a, tt.b); got != tt.want {
			t.Errorf("gfMul(%#x, %#x) = %#x, want %#x", tt.a, tt.b, got, tt.want)
		}
	}
	for a := 1; a < 256; a++ {
		if got := gfMul(byte(a), gfInv(byte(a))); got != 1 {
			t.Fatalf("gfMul(%#x, gfInv(%#x)) = %#x, want 1", a, a, got)
		}
		for b := range 256 {
			if gfMul(byte(a), byte(b)) != gfMul(byte(b), byte(a)) {
				t.Fatalf("gfMul(%#x, %#x) is not commutative", a, b)
			}
		}
	}
	if got := gfInv(0); got != 0 {
		t.Errorf("gfInv(0) = %#x, want 0", got)
	}
}

func randomSecret(tb testing.TB, n int) []byte {
	tb.Helper()
	s := make([]byte, n)
	rand.Read(s)
	return s
}

func mustSplit(tb testing.TB, secret []byte, n, k int) [][]byte {
	tb.Helper()
	shares, err := Split(secret, n, k)
	if err != nil {
		tb.Fatalf("Split(%d bytes, %d, %d) error = %v", len(secret), n, k, err)
	}
	return shares
}

// subsets calls fn with every k-subset of {0..n-1}.
func subsets(n, k int, fn func([]int)) {
	idx := make([]int, k)
	var rec func(start, depth int)
	rec = func(start, depth int) {
		if depth == k {
			fn(idx)
			return
		}
		for i := start; i <= n-(k-depth); i++ {
			idx[depth] = i
			rec(i+1, depth+1)
		}
	}
	rec(0, 0)
}

func pick(shares [][]byte, idx []int) [][]byte {
	out := make([][]byte, len(idx))
	for i, j := range idx {
		out[i] = shares[j]
	}
	return out
}

func TestSplitCombineEveryKSubset(t *testing.T) {
	for n := 2; n <= 7; n++ {
		for k := 2; k <= n; k++ {
			secret := randomSecret(t, 32)
			shares := mustSplit(t, secret, n, k)
			for m := k; m <= n; m++ { // k or more shares all work
				subsets(n, m, func(idx []int) {
					got, err := Combine(pick(shares, idx))
					if err != nil || !bytes.Equal(got, secret) {
						t.Errorf("n=%d k=%d: Combine(shares %v) = %x, %v; want %x", n, k, idx, got, err, secret)
					}
				})
			}
			subsets(n, k-1, func(idx []int) {
				if len(idx) < 2 {
					return // Combine refuses a single share
				}
				if got, _ := Combine(pick(shares, idx)); bytes.Equal(got, secret) {
					t.Errorf("n=%d k=%d: Combine(%d shares %v) recovered the secret", n, k, len(idx), idx)
				}
			})
		}
	}
}

func TestSplitCombineRandom(t *testing.T) {
	r := mrand.New(mrand.NewPCG(1, 2))
	for range 200 {
		n := 2 + r.IntN(MaxShares-1)
		k := 2 + r.IntN(n-1)
		secret := randomSecret(t, 1+r.IntN(64))
		shares := mustSplit(t, secret, n, k)
		perm := r.Perm(n)
		got, err := Combine(pick(shares, perm[:k]))
		if err != nil || !bytes.Equal(got, secret) {
			t.Fatalf("n=%d k=%d: Combine(%v) = %x, %v; want %x", n, k, perm[:k], got, err, secret)
		}
		if len(secret) >= 16 && k > 2 {
			if got, _ := Combine(pick(shares, perm[:k-1])); bytes.Equal(got, secret) {
				t.Fatalf("n=%d k=%d: %d shares recovered the secret", n, k, k-1)
			}
		}
	}
}

func TestSplitSharesDifferPerCall(t *testing.T) {
	secret := randomSecret(t, 32)
	a, b := mustSplit(t, secret, 3, 2), mustSplit(t, secret, 3, 2)
	for i := range a {
		if bytes.Equal(a[i], b[i]) {
			t.Errorf("share %d is the same in two Splits of one secret", i+1)
		}
		if bytes.Contains(a[i], secret) {
			t.Errorf("share %d contains the secret", i+1)
		}
	}
}

func TestSplitErrors(t *testing.T) {
	tests := []struct {
		name   string
		secret []byte
		n, k   int
	}{
		{"empty secret", nil, 3, 2},
		{"threshold 1", []byte("s"), 3, 1},
		{"threshold 0", []byte("s"), 3, 0},
		{"threshold above shares", []byte("s"), 3, 4},
		{"too many shares", []byte("s"), 256, 2},
		{"one share", []byte("s"), 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Split(tt.secret, tt.n, tt.k); !errors.Is(err, api.ErrInvalid) {
				t.Errorf("Split(%q, %d, %d) error = %v, want api.ErrInvalid", tt.secret, tt.n, tt.k, err)
			}
		})
	}
	if _, err := Split([]byte("s"), 255, 255); err != nil {
		t.Errorf("Split(n=255, k=255) error = %v, want nil", err)
	}
}

func TestCombineErrors(t *testing.T) {
	sh := mustSplit(t, []byte("secret"), 3, 2)
	tests := []struct {
		name   string
		shares [][]byte
	}{
		{"none", nil},
		{"one", sh[:1]},
		{"duplicate point", [][]byte{sh[0], sh[0]}},
		{"point zero", [][]byte{append([]byte{0}, sh[0][1:]...), sh[1]}},
		{"unequal lengths", [][]byte{sh[0], sh[1][:4]}},
		{"too short", [][]byte{{1}, {2}}},
		{"empty share", [][]byte{{}, sh[1]}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := Combine(tt.shares); !errors.Is(err, api.ErrInvalid) {
				t.Errorf("Combine(%x) = %x, %v; want api.ErrInvalid", tt.shares, got, err)
			}
		})
	}
}

func FuzzCombine(f *testing.F) {
	sh := mustSplit(f, []byte("a secret"), 3, 2)
	f.Add(bytes.Join(sh, nil), uint8(9))
	f.Add([]byte{1, 2, 2, 3}, uint8(2))
	f.Add([]byte{}, uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, size uint8) {
		var shares [][]byte
		for s := int(size); s > 0 && len(data) > 0; {
			n := min(s, len(data))
			shares = append(shares, data[:n])
			data = data[n:]
		}
		got, err := Combine(shares)
		if err == nil && len(got) != len(shares[0])-1 {
			t.Fatalf("Combine gave %d bytes from shares of %d", len(got), len(shares[0]))
		}
	})
}
