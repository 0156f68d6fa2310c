package identity

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	_ "crypto/sha512" // registers SHA-512 for the RS512 token
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cofferhq/coffer/api"
	"github.com/google/go-cmp/cmp"
)

// Keys are slow to generate: each test binary makes these once.
var (
	jwtTestKeys = sync.OnceValues(func() ([2]*SigningKey, error) {
		var ks [2]*SigningKey
		for i := range ks {
			k, err := GenerateSigningKey(testIssueTime.Add(time.Duration(i) * time.Second))
			if err != nil {
				return ks, err
			}
			ks[i] = k
		}
		return ks, nil
	})
	jwtTestECKey = sync.OnceValue(func() *ecdsa.PrivateKey {
		k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		return k
	})
)

func jwtTestKey(tb testing.TB, i int) *SigningKey {
	tb.Helper()
	ks, err := jwtTestKeys()
	if err != nil {
		tb.Fatal(err)
	}
	return ks[i]
}

func jwtTestKeySet(tb testing.TB) KeySet {
	tb.Helper()
	s, err := NewKeySet(jwtTestKey(tb, 0).Public(), jwtTestKey(tb, 1).Public())
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func jwtTestClaims(tb testing.TB) Claims {
	tb.Helper()
	c, err := ServiceIDClaims(testClaimsParams(GrantAPIKey), testServiceID, "ci")
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func jwtTestOptions() VerifyOptions {
	return VerifyOptions{Issuer: testIssuer, Now: testIssueTime.Add(time.Minute)}
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func b64JSON(tb testing.TB, v any) string {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return b64(b)
}

// craftJWT builds a compact JWS by hand, signed by sign over the signing input.
func craftJWT(tb testing.TB, header, claims any, sign func(input []byte) []byte) string {
	tb.Helper()
	input := b64JSON(tb, header) + "." + b64JSON(tb, claims)
	return input + "." + b64(sign([]byte(input)))
}

func rsaSigner(tb testing.TB, k *rsa.PrivateKey, h crypto.Hash) func([]byte) []byte {
	return func(in []byte) []byte {
		hh := h.New()
		hh.Write(in)
		sig, err := rsa.SignPKCS1v15(rand.Reader, k, h, hh.Sum(nil))
		if err != nil {
			tb.Fatal(err)
		}
		return sig
	}
}

func ecSigner(tb testing.TB, k *ecdsa.PrivateKey) func([]byte) []byte {
	return func(in []byte) []byte {
		d := sha256.Sum256(in)
		r, s, err := ecdsa.Sign(rand.Reader, k, d[:])
		if err != nil {
			tb.Fatal(err)
		}
		out := make([]byte, 64)
		r.FillBytes(out[:32])
		s.FillBytes(out[32:])
		return out
	}
}

func claimsMap(tb testing.TB, c any, edit func(map[string]any)) map[string]any {
	tb.Helper()
	b, _ := json.Marshal(c)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		tb.Fatal(err)
	}
	if edit != nil {
		edit(m)
	}
	return m
}

func TestGenerateSigningKey(t *testing.T) {
	k := jwtTestKey(t, 0)
	if k.ID != "20261129-01:30:00" {
		t.Errorf("ID = %q, want 20261129-01:30:00", k.ID)
	}
	if k.Private.N.BitLen() != 2048 || k.Private.E != 65537 {
		t.Errorf("key is %d bits e=%d, want 2048 bits e=65537", k.Private.N.BitLen(), k.Private.E)
	}
	if !k.NotAfter.Equal(testIssueTime.Add(SigningKeyPeriod)) || !k.ExpiresAt.Equal(k.NotAfter.Add(SigningKeyOverlap)) {
		t.Errorf("NotAfter %v ExpiresAt %v, want now+%v and +%v more", k.NotAfter, k.ExpiresAt, SigningKeyPeriod, SigningKeyOverlap)
	}
}

func TestSigningKeyRedacted(t *testing.T) {
	k := jwtTestKey(t, 0)
	secrets := []string{k.Private.D.String(), k.Private.D.Text(16), k.Private.Primes[0].String(), fmt.Sprint(k.Private.D.Bytes()[:4])}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("key", "key", *k, "ptr", k)
	outs := []string{fmt.Sprintf("%v", k), fmt.Sprintf("%+v", *k), fmt.Sprintf("%#v", k), fmt.Sprintf("%d", *k),
		fmt.Sprintf("%x", k), fmt.Sprintf("%s", []*SigningKey{k}), logged.String()}
	for _, out := range outs {
		for _, s := range secrets {
			if strings.Contains(out, s) {
				t.Fatalf("formatted key %q contains private key material", out)
			}
		}
		if !strings.Contains(out, k.ID) {
			t.Errorf("formatted key %q lacks the key id", out)
		}
	}
}

func TestPrivateKeyMarshalRoundTrip(t *testing.T) {
	k := jwtTestKey(t, 0)
	der, err := MarshalPrivateKey(k.Private)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParsePrivateKey(der)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Equal(k.Private) {
		t.Error("ParsePrivateKey(MarshalPrivateKey(k)) != k")
	}
	ecDER, err := x509.MarshalPKCS8PrivateKey(jwtTestECKey())
	if err != nil {
		t.Fatal(err)
	}
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	smallDER, _ := x509.MarshalPKCS8PrivateKey(small)
	for name, in := range map[string][]byte{"garbage": []byte("not a key"), "empty": nil, "ec": ecDER, "rsa1024": smallDER} {
		if _, err := ParsePrivateKey(in); !errors.Is(err, api.ErrInvalid) {
			t.Errorf("ParsePrivateKey(%s) = %v, want api.ErrInvalid", name, err)
		}
	}
	if _, err := MarshalPrivateKey(small); !errors.Is(err, api.ErrInvalid) {
		t.Errorf("MarshalPrivateKey(rsa1024) = %v, want api.ErrInvalid", err)
	}
}

func TestSignHeader(t *testing.T) {
	k := jwtTestKey(t, 0)
	tok, err := Sign(k, jwtTestClaims(t))
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("Sign() = %d segments, want 3", len(parts))
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		t.Fatal(err)
	}
	var h map[string]any
	if err := json.Unmarshal(raw, &h); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]any{"alg": "RS256", "kid": k.ID}, h); diff != "" {
		t.Errorf("header mismatch (-want +got):\n%s", diff)
	}
}

func TestSignRefuses(t *testing.T) {
	k := jwtTestKey(t, 0)
	tests := []struct {
		name   string
		key    *SigningKey
		claims any
	}{
		{"nil key", nil, map[string]any{}},
		{"no id", &SigningKey{Private: k.Private}, map[string]any{}},
		{"no private", &SigningKey{ID: "x"}, map[string]any{}},
		{"array claims", k, []int{1}},
		{"unencodable", k, map[string]any{"f": func() {}}},
	}
	for _, tt := range tests {
		if _, err := Sign(tt.key, tt.claims); !errors.Is(err, api.ErrInvalid) {
			t.Errorf("Sign(%s) = %v, want api.ErrInvalid", tt.name, err)
		}
	}
}

func TestSignVerifyRoundTrip(t *testing.T) {
	want := jwtTestClaims(t)
	for i := range 2 {
		tok, err := Sign(jwtTestKey(t, i), want)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Verify(tok, jwtTestKeySet(t), jwtTestOptions())
		if err != nil {
			t.Fatalf("Verify(key %d) = %v", i, err)
		}
		if diff := cmp.Diff(want, *got); diff != "" {
			t.Errorf("Verify mismatch (-want +got):\n%s", diff)
		}
	}
}

func TestVerifyRefuses(t *testing.T) {
	k := jwtTestKey(t, 0)
	good := jwtTestClaims(t)
	rs := rsaSigner(t, k.Private, crypto.SHA256)
	hdr := map[string]any{"alg": "RS256", "kid": k.ID}
	pubDER, _ := x509.MarshalPKIXPublicKey(&k.Private.PublicKey)
	hs := func(key []byte) func([]byte) []byte {
		return func(in []byte) []byte { m := hmac.New(sha256.New, key); m.Write(in); return m.Sum(nil) }
	}
	with := func(edit func(map[string]any)) map[string]any { return claimsMap(t, good, edit) }
	now := jwtTestOptions().Now
	valid, _ := Sign(k, good)
	segs := strings.Split(valid, ".")
	tests := []struct {
		name, token, want string
		opts              func(*VerifyOptions)
	}{
		{name: "alg none", token: b64JSON(t, map[string]any{"alg": "none", "kid": k.ID}) + "." + b64JSON(t, good) + ".", want: "algorithm 'none' is not allowed"},
		{name: "HS256 with public key DER", token: craftJWT(t, map[string]any{"alg": "HS256", "kid": k.ID}, good, hs(pubDER)), want: "algorithm 'HS256'"},
		{name: "HS256 with JWKS bytes", token: craftJWT(t, map[string]any{"alg": "HS256", "kid": k.ID}, good, hs([]byte(k.Private.N.String()))), want: "algorithm 'HS256'"},
		{name: "RS512", token: craftJWT(t, map[string]any{"alg": "RS512", "kid": k.ID}, good, rsaSigner(t, k.Private, crypto.SHA512)), want: "algorithm 'RS512'"},
		{name: "ES256", token: craftJWT(t, map[string]any{"alg": "ES256", "kid": k.ID}, good, ecSigner(t, jwtTestECKey())), want: "algorithm 'ES256'"},
		{name: "lowercase alg", token: craftJWT(t, map[string]any{"alg": "rs256", "kid": k.ID}, good, rs), want: "not allowed"},
		{name: "unknown kid", token: craftJWT(t, map[string]any{"alg": "RS256", "kid": "20200101-00:00:00"}, good, rs), want: "unknown key"},
		{name: "no kid", token: craftJWT(t, map[string]any{"alg": "RS256"}, good, rs), want: "unknown key"},
		{name: "signed by other key", token: craftJWT(t, map[string]any{"alg": "RS256", "kid": jwtTestKey(t, 1).ID}, good, rs), want: "signature is invalid"},
		{name: "tampered payload", token: segs[0] + "." + b64JSON(t, with(func(m map[string]any) { m["iam_id"] = "iam-ServiceId-evil" })) + "." + segs[2], want: "signature is invalid"},
		{name: "crit header", token: craftJWT(t, map[string]any{"alg": "RS256", "kid": k.ID, "crit": []string{"exp"}, "exp": 1}, good, rs), want: "critical"},
		{name: "b64 false", token: craftJWT(t, map[string]any{"alg": "RS256", "kid": k.ID, "b64": false}, good, rs), want: "critical"},
		{name: "two segments", token: segs[0] + "." + segs[1], want: "not a compact JWS"},
		{name: "four segments", token: valid + ".x", want: "not a compact JWS"},
		{name: "empty", token: "", want: "not a compact JWS"},
		{name: "header not base64", token: "!!." + segs[1] + "." + segs[2], want: "base64url"},
		{name: "header not JSON", token: b64([]byte("[1]")) + "." + segs[1] + "." + segs[2], want: "not a JSON object"},
		{name: "signature not base64", token: segs[0] + "." + segs[1] + ".***", want: "not a compact JWS"},
		{name: "payload not JSON object", token: craftJWT(t, hdr, []int{1}, rs), want: "not a JSON object"},
		{name: "exp missing", token: craftJWT(t, hdr, with(func(m map[string]any) { delete(m, "exp") }), rs), want: "no exp claim"},
		{name: "exp string", token: craftJWT(t, hdr, with(func(m map[string]any) { m["exp"] = "1795919400" }), rs), want: "exp claim is not a valid date"},
		{name: "exp null", token: craftJWT(t, hdr, with(func(m map[string]any) { m["exp"] = nil }), rs), want: "exp claim is not a valid date"},
		{name: "exp huge", token: craftJWT(t, hdr, with(func(m map[string]any) { m["exp"] = 1e300 }), rs), want: "exp claim is not a valid date"},
		{name: "exp past", token: craftJWT(t, hdr, with(func(m map[string]any) { m["exp"] = now.Add(-61 * time.Second).Unix() }), rs), want: "token expired"},
		{name: "exp past no leeway", token: craftJWT(t, hdr, with(func(m map[string]any) { m["exp"] = now.Add(-time.Second).Unix() }), rs), want: "token expired",
			opts: func(o *VerifyOptions) { o.Leeway = -1 }},
		{name: "nbf future", token: craftJWT(t, hdr, with(func(m map[string]any) { m["nbf"] = now.Add(2 * time.Minute).Unix() }), rs), want: "not valid yet"},
		{name: "iat future", token: craftJWT(t, hdr, with(func(m map[string]any) { m["iat"] = now.Add(2 * time.Minute).Unix() }), rs), want: "issued in the future"},
		{name: "wrong iss", token: craftJWT(t, hdr, with(func(m map[string]any) { m["iss"] = "https://iam.cloud.ibm.com/identity" }), rs), want: "issuer"},
		{name: "iss missing", token: craftJWT(t, hdr, with(func(m map[string]any) { delete(m, "iss") }), rs), want: "issuer"},
		{name: "audience required", token: valid, want: "audience", opts: func(o *VerifyOptions) { o.Audience = "iam" }},
		{name: "claims of wrong type", token: craftJWT(t, hdr, with(func(m map[string]any) { m["account"] = "x" }), rs), want: "not IAM claims"},
		{name: "no iam_id", token: craftJWT(t, hdr, with(func(m map[string]any) { delete(m, "iam_id") }), rs), want: "not IAM claims"},
		{name: "retired key", token: valid, want: "retired key", opts: func(o *VerifyOptions) { o.Now = k.ExpiresAt.Add(time.Second) }},
		{name: "oversized", token: valid + strings.Repeat("A", MaxTokenSize), want: "larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := jwtTestOptions()
			if tt.opts != nil {
				tt.opts(&opts)
			}
			c, err := Verify(tt.token, jwtTestKeySet(t), opts)
			if err == nil {
				t.Fatalf("Verify() = %+v, nil; want an error", c)
			}
			if !errors.Is(err, api.ErrUnauthenticated) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Verify() = %v, want api.ErrUnauthenticated mentioning %q", err, tt.want)
			}
			for _, seg := range strings.Split(tt.token, ".") {
				if len(seg) > 8 && strings.Contains(err.Error(), seg) {
					t.Errorf("Verify() error %q echoes the token", err)
				}
			}
		})
	}
}

func TestVerifyLeeway(t *testing.T) {
	k := jwtTestKey(t, 0)
	c := jwtTestClaims(t)
	tok, _ := Sign(k, c)
	exp := time.Unix(c.Expiry, 0)
	tests := []struct {
		name    string
		now     time.Time
		leeway  time.Duration
		wantErr error
	}{
		{"before exp", exp.Add(-time.Second), 0, nil},
		{"within default leeway", exp.Add(59 * time.Second), 0, nil},
		{"at exp plus leeway", exp.Add(60 * time.Second), 0, ErrTokenExpired},
		{"custom leeway", exp.Add(4 * time.Minute), 5 * time.Minute, nil},
		{"no leeway", exp, -1, ErrTokenExpired},
		{"iat within leeway", time.Unix(c.IssuedAt, 0).Add(-30 * time.Second), 0, nil},
	}
	for _, tt := range tests {
		_, err := Verify(tok, jwtTestKeySet(t), VerifyOptions{Issuer: testIssuer, Now: tt.now, Leeway: tt.leeway})
		if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
			t.Errorf("%s: Verify() = %v, want %v", tt.name, err, tt.wantErr)
		}
	}
}

func TestVerifyOptionsErrors(t *testing.T) {
	tok, _ := Sign(jwtTestKey(t, 0), jwtTestClaims(t))
	if _, err := Verify(tok, jwtTestKeySet(t), VerifyOptions{Now: testIssueTime}); api.KindOf(err) != api.ErrInternal {
		t.Errorf("Verify(no issuer) = %v, want api.ErrInternal", err)
	}
	kf := func(string) (crypto.PublicKey, error) { return &jwtTestKey(t, 0).Private.PublicKey, nil }
	opts := jwtTestOptions()
	opts.AllowedAlgs = []string{"HS256"}
	if _, err := VerifyWith(tok, kf, opts); api.KindOf(err) != api.ErrInternal {
		t.Errorf("VerifyWith(AllowedAlgs HS256) = %v, want api.ErrInternal", err)
	}
	if _, err := Verify(tok, KeySet{}, jwtTestOptions()); !errors.Is(err, api.ErrUnauthenticated) {
		t.Errorf("Verify(empty key set) = %v, want api.ErrUnauthenticated", err)
	}
}

func TestVerifyWith(t *testing.T) {
	ec := jwtTestECKey()
	k := jwtTestKey(t, 0)
	claims := map[string]any{"iss": "https://k8s.example", "sub": "system:serviceaccount:ns:sa", "aud": []string{"iam"},
		"exp": testIssueTime.Add(time.Hour).Unix(), "iat": testIssueTime.Unix(), "nbf": testIssueTime.Unix()}
	esTok := craftJWT(t, map[string]any{"alg": "ES256", "kid": "ec1"}, claims, ecSigner(t, ec))
	rsTok := craftJWT(t, map[string]any{"alg": "RS256"}, claims, rsaSigner(t, k.Private, crypto.SHA256))
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	smallTok := craftJWT(t, map[string]any{"alg": "RS256"}, claims, rsaSigner(t, small, crypto.SHA256))
	keys := func(key crypto.PublicKey, err error) func(string) (crypto.PublicKey, error) {
		return func(string) (crypto.PublicKey, error) { return key, err }
	}
	opts := VerifyOptions{Issuer: "https://k8s.example", Now: testIssueTime.Add(time.Minute), Audience: "iam"}
	both := opts
	both.AllowedAlgs = []string{AlgRS256, AlgES256}
	tests := []struct {
		name     string
		token    string
		keyFunc  func(string) (crypto.PublicKey, error)
		opts     VerifyOptions
		wantKind *api.Kind
	}{
		{"ES256 allowed", esTok, keys(&ec.PublicKey, nil), both, nil},
		{"RS256 without kid", rsTok, keys(&k.Private.PublicKey, nil), opts, nil},
		{"ES256 not allowed by default", esTok, keys(&ec.PublicKey, nil), opts, api.ErrUnauthenticated},
		{"ES256 token, RSA key", esTok, keys(&k.Private.PublicKey, nil), both, api.ErrUnauthenticated},
		{"RS256 token, EC key", rsTok, keys(&ec.PublicKey, nil), both, api.ErrUnauthenticated},
		{"RSA 1024 key", smallTok, keys(&small.PublicKey, nil), opts, api.ErrUnauthenticated},
		{"HMAC key", rsTok, keys([]byte("secret"), nil), opts, api.ErrUnauthenticated},
		{"nil key", rsTok, keys(nil, nil), opts, api.ErrUnauthenticated},
		{"JWKS down keeps its kind", rsTok, keys(nil, api.Errorf(api.ErrUnavailable, "jwks down")), opts, api.ErrUnavailable},
		{"plain key error", rsTok, keys(nil, errors.New("db said secret")), opts, api.ErrUnauthenticated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := VerifyWith(tt.token, tt.keyFunc, tt.opts)
			if tt.wantKind == nil {
				if err != nil {
					t.Fatalf("VerifyWith() = %v", err)
				}
				if string(got["sub"]) != `"system:serviceaccount:ns:sa"` {
					t.Errorf("VerifyWith() sub = %s", got["sub"])
				}
				return
			}
			if api.KindOf(err) != tt.wantKind || strings.Contains(fmt.Sprint(err), "db said") {
				t.Errorf("VerifyWith() = %v, want kind %v", err, tt.wantKind)
			}
		})
	}
}

func TestKeySetJWKS(t *testing.T) {
	k0, k1 := jwtTestKey(t, 0), jwtTestKey(t, 1)
	set, err := NewKeySet(k1.Public(), k0.Public())
	if err != nil {
		t.Fatal(err)
	}
	raw, err := set.JWKS()
	if err != nil {
		t.Fatal(err)
	}
	var got struct{ Keys []map[string]string }
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	var want []map[string]string
	for _, k := range []*SigningKey{k0, k1} {
		want = append(want, map[string]string{"kty": "RSA", "n": b64(k.Private.N.Bytes()), "e": "AQAB", "alg": "RS256", "kid": k.ID, "use": "sig"})
	}
	if diff := cmp.Diff(want, got.Keys); diff != "" {
		t.Errorf("JWKS() mismatch (-want +got):\n%s", diff)
	}
	if empty, _ := (KeySet{}).JWKS(); string(empty) != `{"keys":[]}` {
		t.Errorf("empty JWKS() = %s, want {\"keys\":[]}", empty)
	}
	if diff := cmp.Diff([]string{k0.ID, k1.ID}, set.IDs()); diff != "" {
		t.Errorf("IDs() mismatch (-want +got):\n%s", diff)
	}
	if _, ok := set.Key(k0.ID); !ok {
		t.Errorf("Key(%q) not found", k0.ID)
	}
}

func TestNewKeySetRefuses(t *testing.T) {
	k := jwtTestKey(t, 0)
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	tests := map[string][]PublicKey{
		"duplicate": {k.Public(), k.Public()},
		"no id":     {{Key: &k.Private.PublicKey}},
		"nil key":   {{ID: "x"}},
		"rsa1024":   {{ID: "x", Key: &small.PublicKey}},
	}
	for name, keys := range tests {
		if _, err := NewKeySet(keys...); !errors.Is(err, api.ErrInvalid) {
			t.Errorf("NewKeySet(%s) = %v, want api.ErrInvalid", name, err)
		}
	}
}

func FuzzVerify(f *testing.F) {
	k := jwtTestKey(f, 0)
	good, err := Sign(k, jwtTestClaims(f))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(strings.Replace(good, ".", "..", 1))
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Add("..")
	set := jwtTestKeySet(f)
	f.Fuzz(func(t *testing.T, tok string) {
		c, err := Verify(tok, set, jwtTestOptions())
		if err != nil {
			if k := api.KindOf(err); k != api.ErrUnauthenticated {
				t.Fatalf("Verify() error %v has kind %v, want unauthenticated", err, k)
			}
			return
		}
		if c == nil || c.IAMID == "" {
			t.Fatalf("Verify() = %+v, nil", c)
		}
	})
}

func BenchmarkSign(b *testing.B) {
	k := jwtTestKey(b, 0)
	c := jwtTestClaims(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Sign(k, c); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify measures a cold verification: Verify keeps no cache, so
// every call parses, checks the RSA signature and decodes the claims.
func BenchmarkVerify(b *testing.B) {
	k := jwtTestKey(b, 0)
	tok, err := Sign(k, jwtTestClaims(b))
	if err != nil {
		b.Fatal(err)
	}
	set := jwtTestKeySet(b)
	opts := jwtTestOptions()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Verify(tok, set, opts); err != nil {
			b.Fatal(err)
		}
	}
}
