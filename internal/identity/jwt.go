package identity

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/cofferhq/coffer/api"
)

// Token signing and verification limits and defaults.
const (
	MaxTokenSize      = 16 << 10           // tokens above 16 KiB are refused unread
	DefaultLeeway     = 60 * time.Second   // clock skew tolerated by Verify
	SigningKeyPeriod  = 7 * 24 * time.Hour // a new key signs this long (NotAfter)
	SigningKeyOverlap = 24 * time.Hour     // and verifies this much longer (ExpiresAt)
	AlgRS256          = "RS256"
	AlgES256          = "ES256"
	signingKeyBits    = 2048
	kidLayout         = "20060102-15:04:05"
	maxNumericDate    = 253402300799 // 9999-12-31T23:59:59Z
	redactedKey       = "REDACTED"
)

// SigningKey is an RSA key that signs access tokens. ID is the JWS kid, in
// IBM's date style ("20261129-01:30:00"). The key signs until NotAfter and
// its public half verifies until ExpiresAt; choosing the key by time is the
// caller's job. fmt and slog print it without the private key.
type SigningKey struct {
	ID        string
	Private   *rsa.PrivateKey
	NotAfter  time.Time // stop signing
	ExpiresAt time.Time // stop verifying
}

// GenerateSigningKey returns a new RSA 2048 key with ID now (UTC, to the
// second), NotAfter now+SigningKeyPeriod and ExpiresAt NotAfter+SigningKeyOverlap.
// Two keys generated in the same second share an ID: the caller must not.
func GenerateSigningKey(now time.Time) (*SigningKey, error) {
	priv, err := rsa.GenerateKey(rand.Reader, signingKeyBits)
	if err != nil {
		return nil, fmt.Errorf("generate signing key: %w", err)
	}
	notAfter := now.Add(SigningKeyPeriod)
	return &SigningKey{
		ID:        now.UTC().Format(kidLayout),
		Private:   priv,
		NotAfter:  notAfter,
		ExpiresAt: notAfter.Add(SigningKeyOverlap),
	}, nil
}

// Public returns the verifying half of k.
func (k SigningKey) Public() PublicKey {
	pk := PublicKey{ID: k.ID, ExpiresAt: k.ExpiresAt}
	if k.Private != nil {
		pk.Key = &k.Private.PublicKey
	}
	return pk
}

// String describes k without its private key.
func (k SigningKey) String() string {
	return fmt.Sprintf("SigningKey{ID:%s Private:%s NotAfter:%s ExpiresAt:%s}",
		k.ID, redactedKey, k.NotAfter.Format(time.RFC3339), k.ExpiresAt.Format(time.RFC3339))
}

// GoString implements fmt.GoStringer like String.
func (k SigningKey) GoString() string { return k.String() }

// Format prints String for every verb, so no verb can reach the private key.
func (k SigningKey) Format(f fmt.State, _ rune) { fmt.Fprint(f, k.String()) }

// LogValue implements slog.LogValuer without the private key.
func (k SigningKey) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", k.ID), slog.Time("not_after", k.NotAfter), slog.Time("expires_at", k.ExpiresAt))
}

// MarshalPrivateKey encodes k as PKCS#8 DER, for the caller to encrypt and
// store. Errors wrap api.ErrInvalid.
func MarshalPrivateKey(k *rsa.PrivateKey) ([]byte, error) {
	if k == nil || k.N == nil || k.N.BitLen() < signingKeyBits {
		return nil, api.Errorf(api.ErrInvalid, "signing key must be RSA of at least %d bits", signingKeyBits)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, api.Errorf(api.ErrInvalid, "signing key cannot be encoded")
	}
	return der, nil
}

// ParsePrivateKey decodes a PKCS#8 DER RSA key of at least 2048 bits, as
// written by MarshalPrivateKey. Errors wrap api.ErrInvalid and never
// include the input.
func ParsePrivateKey(der []byte) (*rsa.PrivateKey, error) {
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, api.Errorf(api.ErrInvalid, "signing key is not PKCS#8 DER")
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok || rk.N.BitLen() < signingKeyBits {
		return nil, api.Errorf(api.ErrInvalid, "signing key must be RSA of at least %d bits", signingKeyBits)
	}
	return rk, nil
}

// Sign returns claims (any value that encodes as a JSON object, usually a
// Claims) as a compact RS256 JWS whose header is exactly
// {"alg":"RS256","kid":key.ID}. It does not look at NotAfter. Errors wrap
// api.ErrInvalid for an unusable key or claims.
func Sign(key *SigningKey, claims any) (string, error) {
	if key == nil || key.ID == "" || key.Private == nil || key.Private.N == nil || key.Private.N.BitLen() < signingKeyBits {
		return "", api.Errorf(api.ErrInvalid, "sign: need a signing key with an id and RSA of at least %d bits", signingKeyBits)
	}
	payload, err := json.Marshal(claims)
	if err != nil || len(payload) == 0 || payload[0] != '{' {
		return "", api.Errorf(api.ErrInvalid, "sign: claims must encode as a JSON object")
	}
	signer, err := jose.NewSigner(jose.SigningKey{
		Algorithm: jose.RS256,
		Key:       jose.JSONWebKey{Key: key.Private, KeyID: key.ID},
	}, nil)
	if err != nil {
		return "", fmt.Errorf("sign: %w", err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("sign: %w", err)
	}
	return jws.CompactSerialize()
}

// PublicKey is the verifying half of a SigningKey. A zero ExpiresAt never
// expires.
type PublicKey struct {
	ID        string
	Key       *rsa.PublicKey
	ExpiresAt time.Time
}

// KeySet is an immutable set of public keys by kid. The zero KeySet is
// empty and verifies nothing.
type KeySet struct {
	keys map[string]PublicKey
}

// NewKeySet returns a KeySet of keys. Errors wrap api.ErrInvalid: a key
// without an id, a nil or short (< 2048 bits) key, a duplicate id.
func NewKeySet(keys ...PublicKey) (KeySet, error) {
	m := make(map[string]PublicKey, len(keys))
	for _, k := range keys {
		if k.ID == "" || k.Key == nil || k.Key.N == nil || k.Key.N.BitLen() < signingKeyBits {
			return KeySet{}, api.Errorf(api.ErrInvalid, "key set: key %q needs an id and RSA of at least %d bits", k.ID, signingKeyBits)
		}
		if _, dup := m[k.ID]; dup {
			return KeySet{}, api.Errorf(api.ErrInvalid, "key set: duplicate key id %q", k.ID)
		}
		m[k.ID] = k
	}
	return KeySet{keys: m}, nil
}

// Key returns the key with the given kid.
func (s KeySet) Key(kid string) (PublicKey, bool) {
	k, ok := s.keys[kid]
	return k, ok
}

// IDs returns the kids of the set, sorted.
func (s KeySet) IDs() []string {
	ids := make([]string, 0, len(s.keys))
	for id := range s.keys {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// JWKS returns the set as served at /identity/keys:
// {"keys":[{"kty":"RSA","n":…,"e":"AQAB","alg":"RS256","kid":…,"use":"sig"}]},
// sorted by kid; an empty set gives {"keys":[]}.
func (s KeySet) JWKS() ([]byte, error) {
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{}}
	for _, id := range s.IDs() {
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: s.keys[id].Key, KeyID: id, Algorithm: AlgRS256, Use: "sig"})
	}
	return json.Marshal(set)
}

// keyFunc returns the lookup Verify uses: known kids whose key has not
// expired at now.
func (s KeySet) keyFunc(now time.Time) func(string) (crypto.PublicKey, error) {
	return func(kid string) (crypto.PublicKey, error) {
		k, ok := s.keys[kid]
		if !ok {
			return nil, api.Errorf(api.ErrUnauthenticated, "token signed by an unknown key")
		}
		if !k.ExpiresAt.IsZero() && now.After(k.ExpiresAt) {
			return nil, api.Errorf(api.ErrUnauthenticated, "token signed by a retired key")
		}
		return k.Key, nil
	}
}

// VerifyOptions says what Verify and VerifyWith accept.
type VerifyOptions struct {
	Issuer      string        // required: the iss claim must equal it
	Now         time.Time     // zero means time.Now()
	Leeway      time.Duration // clock skew for exp, nbf and iat; zero means DefaultLeeway, negative none
	Audience    string        // if set, aud (string or array) must contain it
	AllowedAlgs []string      // VerifyWith only: subset of RS256, ES256; default RS256. Verify allows RS256 only.
}

// ErrTokenExpired is the error Verify returns (possibly wrapped) for a token
// past exp+leeway. It wraps api.ErrUnauthenticated.
var ErrTokenExpired = &api.Error{Kind: api.ErrUnauthenticated, Message: "token expired"}

// Verify checks a Coffer access token against keys and returns its claims.
// It refuses, with errors wrapping api.ErrUnauthenticated that name the
// failed check and never echo the token: a token over MaxTokenSize, a
// malformed JWS, any alg but RS256, a crit header, an unknown or retired
// kid, a bad signature, exp missing or past (ErrTokenExpired), nbf in the
// future, iat in the future beyond the leeway, a wrong iss, a missing aud
// when opts.Audience is set, and claims that are not a Claims object with
// an iam_id. An empty opts.Issuer is a programming error (api.ErrInternal).
func Verify(token string, keys KeySet, opts VerifyOptions) (*Claims, error) {
	opts.AllowedAlgs = []string{AlgRS256}
	payload, _, err := verifyJWT(token, keys.keyFunc(verifyNow(opts)), opts)
	if err != nil {
		return nil, err
	}
	var c Claims
	if err := json.Unmarshal(payload, &c); err != nil || c.IAMID == "" {
		return nil, api.Errorf(api.ErrUnauthenticated, "token claims are not IAM claims")
	}
	return &c, nil
}

// VerifyWith checks a JWT whose key keyFunc finds by kid (the kid may be
// empty), for tokens of other issuers such as CR tokens, and returns its
// claims undecoded. It makes the checks of Verify, allowing the algorithms
// of opts.AllowedAlgs (RS256 and ES256 only; RSA keys need 2048 bits, EC
// keys P-256). An error of keyFunc that wraps an api kind (such as
// api.ErrUnavailable when a JWKS cannot be fetched) keeps its kind; other
// keyFunc errors become api.ErrUnauthenticated.
func VerifyWith(token string, keyFunc func(kid string) (crypto.PublicKey, error), opts VerifyOptions) (map[string]json.RawMessage, error) {
	_, claims, err := verifyJWT(token, keyFunc, opts)
	return claims, err
}

func verifyNow(opts VerifyOptions) time.Time {
	if opts.Now.IsZero() {
		return time.Now()
	}
	return opts.Now
}

func verifyJWT(token string, keyFunc func(string) (crypto.PublicKey, error), opts VerifyOptions) ([]byte, map[string]json.RawMessage, error) {
	if err := checkVerifyOptions(opts); err != nil {
		return nil, nil, err
	}
	if len(token) > MaxTokenSize {
		return nil, nil, api.Errorf(api.ErrUnauthenticated, "token larger than %d bytes", MaxTokenSize)
	}
	alg, kid, err := parseJWSHeader(token, defaultAlgs(opts.AllowedAlgs))
	if err != nil {
		return nil, nil, err
	}
	key, err := lookupKey(keyFunc, kid, alg)
	if err != nil {
		return nil, nil, err
	}
	jws, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(alg)})
	if err != nil {
		return nil, nil, api.Errorf(api.ErrUnauthenticated, "token is not a compact JWS")
	}
	payload, err := jws.Verify(key)
	if err != nil {
		return nil, nil, api.Errorf(api.ErrUnauthenticated, "token signature is invalid")
	}
	var claims map[string]json.RawMessage
	if err := json.Unmarshal(payload, &claims); err != nil || claims == nil {
		return nil, nil, api.Errorf(api.ErrUnauthenticated, "token claims are not a JSON object")
	}
	if err := checkClaims(claims, opts); err != nil {
		return nil, nil, err
	}
	return payload, claims, nil
}

func checkVerifyOptions(opts VerifyOptions) error {
	if opts.Issuer == "" {
		return fmt.Errorf("verify token: VerifyOptions.Issuer is empty: %w", api.ErrInternal)
	}
	for _, a := range opts.AllowedAlgs {
		if a != AlgRS256 && a != AlgES256 {
			return fmt.Errorf("verify token: algorithm %q cannot be allowed: %w", a, api.ErrInternal)
		}
	}
	return nil
}

func defaultAlgs(algs []string) []string {
	if len(algs) == 0 {
		return []string{AlgRS256}
	}
	return algs
}

// parseJWSHeader reads the protected header of a compact JWS before any
// cryptography, to refuse what Coffer never accepts.
func parseJWSHeader(token string, allowed []string) (alg, kid string, err error) {
	enc, _, ok := strings.Cut(token, ".")
	if !ok || strings.Count(token, ".") != 2 {
		return "", "", api.Errorf(api.ErrUnauthenticated, "token is not a compact JWS")
	}
	raw, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil {
		return "", "", api.Errorf(api.ErrUnauthenticated, "token header is not base64url")
	}
	var h struct {
		Alg  string          `json:"alg"`
		Kid  string          `json:"kid"`
		Crit json.RawMessage `json:"crit"`
		B64  json.RawMessage `json:"b64"`
	}
	if err := json.Unmarshal(raw, &h); err != nil {
		return "", "", api.Errorf(api.ErrUnauthenticated, "token header is not a JSON object")
	}
	if !slices.Contains(allowed, h.Alg) {
		return "", "", api.Errorf(api.ErrUnauthenticated, "token algorithm %s is not allowed", echoValue(h.Alg))
	}
	if h.Crit != nil || h.B64 != nil {
		return "", "", api.Errorf(api.ErrUnauthenticated, "token header has critical extensions")
	}
	return h.Alg, h.Kid, nil
}

// lookupKey asks keyFunc for the key and checks it suits alg.
func lookupKey(keyFunc func(string) (crypto.PublicKey, error), kid, alg string) (crypto.PublicKey, error) {
	key, err := keyFunc(kid)
	if err != nil {
		if api.KindOf(err) != api.ErrInternal {
			return nil, fmt.Errorf("token signing key: %w", err)
		}
		return nil, api.Errorf(api.ErrUnauthenticated, "token signing key not found")
	}
	switch k := key.(type) {
	case *rsa.PublicKey:
		if alg == AlgRS256 && k != nil && k.N != nil && k.N.BitLen() >= signingKeyBits {
			return k, nil
		}
	case *ecdsa.PublicKey:
		if alg == AlgES256 && k != nil && k.Curve == elliptic.P256() {
			return k, nil
		}
	}
	return nil, api.Errorf(api.ErrUnauthenticated, "token signing key does not suit algorithm %s", alg)
}

// checkClaims checks exp, nbf, iat, iss and aud.
func checkClaims(c map[string]json.RawMessage, opts VerifyOptions) error {
	now, leeway := verifyNow(opts), opts.Leeway
	if leeway == 0 {
		leeway = DefaultLeeway
	} else if leeway < 0 {
		leeway = 0
	}
	exp, err := numericDate(c, "exp", true)
	if err != nil {
		return err
	}
	if !now.Before(exp.Add(leeway)) {
		return ErrTokenExpired
	}
	if nbf, err := numericDate(c, "nbf", false); err != nil {
		return err
	} else if !nbf.IsZero() && now.Add(leeway).Before(nbf) {
		return api.Errorf(api.ErrUnauthenticated, "token not valid yet (nbf)")
	}
	if iat, err := numericDate(c, "iat", false); err != nil {
		return err
	} else if !iat.IsZero() && iat.After(now.Add(leeway)) {
		return api.Errorf(api.ErrUnauthenticated, "token issued in the future (iat)")
	}
	var iss string
	if err := json.Unmarshal(c["iss"], &iss); err != nil || iss != opts.Issuer {
		return api.Errorf(api.ErrUnauthenticated, "token issuer (iss) is not accepted")
	}
	if opts.Audience != "" && !hasAudience(c["aud"], opts.Audience) {
		return api.Errorf(api.ErrUnauthenticated, "token audience (aud) is not accepted")
	}
	return nil
}

// numericDate reads claim name as a JSON number of seconds (RFC 7519
// NumericDate). A missing optional claim gives the zero time.
func numericDate(c map[string]json.RawMessage, name string, required bool) (time.Time, error) {
	raw, ok := c[name]
	if !ok {
		if required {
			return time.Time{}, api.Errorf(api.ErrUnauthenticated, "token has no %s claim", name)
		}
		return time.Time{}, nil
	}
	s := string(raw)
	f, err := strconv.ParseFloat(s, 64)
	if s == "" || (s[0] != '-' && (s[0] < '0' || s[0] > '9')) || err != nil || f < 0 || f > maxNumericDate {
		return time.Time{}, api.Errorf(api.ErrUnauthenticated, "token %s claim is not a valid date", name)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), nil
}

func hasAudience(raw json.RawMessage, want string) bool {
	var one string
	if err := json.Unmarshal(raw, &one); err == nil {
		return one == want
	}
	var many []string
	if err := json.Unmarshal(raw, &many); err == nil {
		return slices.Contains(many, want)
	}
	return false
}
