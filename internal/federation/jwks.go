package federation

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-jose/go-jose/v4"

	"github.com/cofferhq/coffer/api"
)

// Limits of what is fetched and parsed.
const (
	maxDocumentBytes = 1 << 20 // a JWKS or discovery document
	maxKeys          = 100     // keys kept from one JWKS
	maxRedirects     = 3
	discoveryPath    = "/.well-known/openid-configuration"
)

// keySet is the usable public signing keys of one JWKS, by kid.
type keySet map[string]crypto.PublicKey

// parseJWKS reads a JWKS document and keeps its public signature keys that
// Coffer can verify with: RSA (RS256; Verify later requires 2048 bits) and
// EC P-256 (ES256). Keys of other types, keys for encryption and keys that
// do not parse are skipped, so one exotic key does not hide the others; a
// private key is refused outright (api.ErrInvalid), as is a document with no
// usable key.
func parseJWKS(doc []byte) (keySet, error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(doc, &set); err != nil {
		return nil, api.Errorf(api.ErrInvalid, "JWKS is not a JSON object with a keys array")
	}
	out := keySet{}
	for _, raw := range set.Keys {
		var k jose.JSONWebKey
		if err := k.UnmarshalJSON(raw); err != nil || !k.Valid() || (k.Use != "" && k.Use != "sig") {
			continue
		}
		if !k.IsPublic() {
			return nil, api.Errorf(api.ErrInvalid, "JWKS holds a private key (kid %q): publish public keys only", k.KeyID)
		}
		if usableKey(k.Key) && len(out) < maxKeys {
			out[k.KeyID] = k.Key
		}
	}
	if len(out) == 0 {
		return nil, api.Errorf(api.ErrInvalid, "JWKS holds no RSA or EC P-256 signature key")
	}
	return out, nil
}

func usableKey(k any) bool {
	switch k := k.(type) {
	case *rsa.PublicKey:
		return true
	case *ecdsa.PublicKey:
		return k.Curve == elliptic.P256()
	}
	return false
}

// lookup returns the key of kid. A token without kid may use the only key
// of a one-key set.
func (ks keySet) lookup(kid string) (crypto.PublicKey, bool) {
	if k, ok := ks[kid]; ok {
		return k, true
	}
	if kid == "" && len(ks) == 1 {
		for _, k := range ks {
			return k, true
		}
	}
	return nil, false
}

// fetcher fetches discovery and JWKS documents over the client the
// operator configured, refusing URLs the policy refuses.
type fetcher struct {
	hc        *http.Client
	allowHTTP bool // plain http to any host, not only loopback
}

func newFetcher(hc *http.Client, allowHTTP bool) *fetcher {
	f := &fetcher{allowHTTP: allowHTTP}
	c := *hc // copy: the redirect policy is ours
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= maxRedirects {
			return fmt.Errorf("more than %d redirects", maxRedirects)
		}
		return f.checkURL(req.URL)
	}
	f.hc = &c
	return f
}

// checkURL enforces the fetch policy: https, or http to a loopback host
// (or anywhere with allowHTTP); no user info.
func (f *fetcher) checkURL(u *url.URL) error {
	if u.User != nil || u.Host == "" {
		return api.Errorf(api.ErrInvalid, "URL %s must be absolute, without user info", u.Redacted())
	}
	switch {
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && (f.allowHTTP || isLoopback(u.Hostname())):
		return nil
	}
	return api.Errorf(api.ErrInvalid, "URL %s must use https (plain http is allowed only to a loopback address)", u.Redacted())
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkFetchURL parses s and applies the fetch policy.
func (f *fetcher) checkFetchURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, api.Errorf(api.ErrInvalid, "%q is not a URL", s)
	}
	return u, f.checkURL(u)
}

// get fetches a JSON document. Network failures and non-200 answers are
// api.ErrUnavailable.
func (f *fetcher) get(ctx context.Context, rawURL string) ([]byte, error) {
	u, err := f.checkFetchURL(rawURL)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, api.Errorf(api.ErrInvalid, "bad URL %s", u.Redacted())
	}
	req.Header.Set("Accept", "application/json")
	resp, err := f.hc.Do(req)
	if err != nil {
		return nil, api.Errorf(api.ErrUnavailable, "fetching %s: %v", u.Redacted(), netError(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxDocumentBytes+1))
	switch {
	case err != nil:
		return nil, api.Errorf(api.ErrUnavailable, "reading %s: %v", u.Redacted(), err)
	case resp.StatusCode != http.StatusOK:
		return nil, api.Errorf(api.ErrUnavailable, "fetching %s: status %s", u.Redacted(), resp.Status)
	case len(body) > maxDocumentBytes:
		return nil, api.Errorf(api.ErrUnavailable, "%s is larger than %d bytes", u.Redacted(), maxDocumentBytes)
	}
	return body, nil
}

// netError drops the URL a *url.Error repeats.
func netError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}

// discover reads the issuer's OIDC discovery document and returns its
// jwks_uri. The document must name exactly the issuer (OpenID Connect
// Discovery §4.3), so a document served for another issuer is refused.
func (f *fetcher) discover(ctx context.Context, issuer string) (string, error) {
	doc, err := f.get(ctx, strings.TrimSuffix(issuer, "/")+discoveryPath)
	if err != nil {
		return "", err
	}
	var d struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := json.Unmarshal(doc, &d); err != nil || d.JWKSURI == "" {
		return "", api.Errorf(api.ErrUnavailable, "the discovery document of %s has no jwks_uri", issuer)
	}
	if d.Issuer != issuer {
		return "", api.Errorf(api.ErrUnavailable, "the discovery document of %s names another issuer, %q", issuer, d.Issuer)
	}
	return d.JWKSURI, nil
}

// fetchKeys fetches the key set of a remote issuer: from jwksURI, or, when
// it is "", from the jwks_uri of the issuer's discovery document. A JWKS
// that does not parse is api.ErrUnavailable (the issuer is broken, not the
// token).
func (f *fetcher) fetchKeys(ctx context.Context, issuer, jwksURI string) (keySet, error) {
	if jwksURI == "" {
		var err error
		if jwksURI, err = f.discover(ctx, issuer); err != nil {
			return nil, err
		}
	}
	doc, err := f.get(ctx, jwksURI)
	if err != nil {
		return nil, err
	}
	ks, err := parseJWKS(doc)
	if err != nil {
		return nil, api.Errorf(api.ErrUnavailable, "the JWKS of %s: %s", issuer, api.Message(err))
	}
	return ks, nil
}
