package kms

import (
	"crypto/rand"
	"fmt"
	"io"

	"github.com/cofferhq/coffer/api"
)

// Shamir's secret sharing over GF(2^8) with the AES polynomial
// x^8 + x^4 + x^3 + x + 1 (0x11b).
//
// Share format (bytes): x || y_1 .. y_m, where x in 1..255 is the share's
// point and y_i is the value at x of a random polynomial of degree k-1 whose
// constant term is the i-th byte of the secret. Split uses x = 1..n. The text
// form for operators is EncodeShare's.
//
// Thresholds: 2 <= k <= n <= 255. A threshold of 1 is refused: every share
// would be the secret itself, which only a key file should hold.

// Limits of Split.
const (
	MinThreshold = 2
	MaxShares    = 255
)

// Split divides secret into n shares, any k of which recover it with
// Combine, while k-1 reveal nothing about it. Each call draws fresh random
// polynomials, so shares of one secret differ between calls. Errors wrap
// api.ErrInvalid (empty secret, or not 2 <= k <= n <= 255) or api.ErrInternal
// (the random source failed).
func Split(secret []byte, n, k int) ([][]byte, error) {
	if len(secret) == 0 {
		return nil, fmt.Errorf("kms: cannot split an empty secret: %w", api.ErrInvalid)
	}
	if k < MinThreshold || k > n || n > MaxShares {
		return nil, fmt.Errorf("kms: %d shares with threshold %d: need 2 <= threshold <= shares <= 255 (a threshold of 1 would make every share the key itself): %w", n, k, api.ErrInvalid)
	}
	shares := make([][]byte, n)
	for i := range shares {
		shares[i] = make([]byte, 1+len(secret))
		shares[i][0] = byte(i + 1)
	}
	coeffs := make([]byte, k) // coeffs[0] is the secret byte
	defer clear(coeffs)
	for j, s := range secret {
		if _, err := io.ReadFull(rand.Reader, coeffs[1:]); err != nil {
			return nil, fmt.Errorf("kms: reading random coefficients: %w", api.ErrInternal)
		}
		coeffs[0] = s
		for _, sh := range shares {
			sh[1+j] = evalPoly(coeffs, sh[0])
		}
	}
	return shares, nil
}

// Combine recovers the secret from at least the threshold number of shares
// made by one Split. It cannot tell too few shares, or shares of different
// secrets, from enough: it then returns a wrong secret, so callers verify
// the result (as the Shamir provider does). Errors wrap api.ErrInvalid: fewer
// than 2 shares, shares of unequal or too short length, a share with x = 0,
// or two shares with the same x.
func Combine(shares [][]byte) ([]byte, error) {
	if err := checkShares(shares); err != nil {
		return nil, err
	}
	secret := make([]byte, len(shares[0])-1)
	// Lagrange basis at 0: l_i = prod_{j != i} x_j / (x_j - x_i); in GF(2^8)
	// subtraction is XOR.
	basis := make([]byte, len(shares))
	for i, si := range shares {
		num, den := byte(1), byte(1)
		for j, sj := range shares {
			if i != j {
				num = gfMul(num, sj[0])
				den = gfMul(den, sj[0]^si[0])
			}
		}
		basis[i] = gfMul(num, gfInv(den))
	}
	for b := range secret {
		var v byte
		for i, s := range shares {
			v ^= gfMul(basis[i], s[1+b])
		}
		secret[b] = v
	}
	return secret, nil
}

// checkShares validates the shape of shares given to Combine.
func checkShares(shares [][]byte) error {
	if len(shares) < MinThreshold || len(shares) > MaxShares {
		return fmt.Errorf("kms: got %d shares, need 2 to 255: %w", len(shares), api.ErrInvalid)
	}
	var seen [256]bool
	for i, s := range shares {
		if len(s) < 2 || len(s) != len(shares[0]) {
			return fmt.Errorf("kms: share %d has %d bytes, want %d (at least 2, all equal): %w", i+1, len(s), len(shares[0]), api.ErrInvalid)
		}
		if s[0] == 0 {
			return fmt.Errorf("kms: share %d has point 0, which no share uses: %w", i+1, api.ErrInvalid)
		}
		if seen[s[0]] {
			return fmt.Errorf("kms: two shares have point %d: %w", s[0], api.ErrInvalid)
		}
		seen[s[0]] = true
	}
	return nil
}

// evalPoly evaluates the polynomial with coefficients c (c[0] constant) at x
// by Horner's rule.
func evalPoly(c []byte, x byte) byte {
	var v byte
	for i := len(c) - 1; i >= 0; i-- {
		v = gfMul(v, x) ^ c[i]
	}
	return v
}

// gfMul multiplies in GF(2^8) without data-dependent branches or tables, so
// its timing does not depend on the (secret) operands.
func gfMul(a, b byte) byte {
	var p byte
	for range 8 {
		p ^= a & -(b & 1)
		a = a<<1 ^ 0x1b&-(a>>7)
		b >>= 1
	}
	return p
}

// gfInv returns the multiplicative inverse a^254 (0 for 0), by a fixed
// sequence of multiplications.
func gfInv(a byte) byte {
	r := byte(1)
	for range 7 { // r = a^(2+4+...+128) = a^254
		a = gfMul(a, a)
		r = gfMul(r, a)
	}
	return r
}
