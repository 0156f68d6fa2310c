package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cofferhq/coffer/api"
)

// tokenEarly is how long before its expiration a cached token is renewed.
const tokenEarly = 60 * time.Second

// tokenSource obtains IAM access tokens for a client and caches them. It is
// safe for concurrent use: one caller fetches while the others wait (or give
// up when their context ends), then all share the new token.
type tokenSource struct {
	c   *Client
	sem chan struct{} // held while reading or renewing the cache

	access, refresh api.Sensitive
	exp             time.Time
}

func newTokenSource(c *Client) *tokenSource {
	ts := &tokenSource{c: c, sem: make(chan struct{}, 1),
		access: c.cfg.Token, refresh: c.cfg.RefreshToken, exp: c.cfg.TokenExpiration}
	return ts
}

func (ts *tokenSource) lock(ctx context.Context) error {
	select {
	case ts.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (ts *tokenSource) unlock() { <-ts.sem }

// token returns a cached access token that is valid for at least another
// minute, or obtains a new one.
func (ts *tokenSource) token(ctx context.Context) (api.Sensitive, error) {
	if err := ts.lock(ctx); err != nil {
		return "", err
	}
	defer ts.unlock()
	if ts.access != "" && ts.c.cfg.Now().Before(ts.exp.Add(-tokenEarly)) {
		return ts.access, nil
	}
	res, err := ts.fetch(ctx)
	if err != nil {
		return "", err
	}
	ts.access, ts.refresh = res.AccessToken.Sensitive(), res.RefreshToken.Sensitive()
	ts.exp = tokenExpiry(res, ts.c.cfg.Now())
	if ts.c.cfg.OnToken != nil {
		ts.c.cfg.OnToken(*res)
	}
	return ts.access, nil
}

// fetch renews the token with the refresh token when there is one, falling
// back to the API key when that fails.
func (ts *tokenSource) fetch(ctx context.Context) (*api.TokenResponse, error) {
	var err error
	if ts.refresh != "" && ts.refresh.Reveal() != "not_supported" {
		var res *api.TokenResponse
		if res, err = ts.c.RefreshToken(ctx, ts.refresh); err == nil {
			return res, nil
		}
	}
	if ts.c.cfg.APIKey == "" {
		if err == nil {
			err = api.Errorf(api.ErrUnauthenticated, "the access token expired and there is no API key to get a new one")
		}
		return nil, err
	}
	return ts.c.ExchangeAPIKey(ctx, ts.c.cfg.APIKey)
}

// invalidate drops the cached access token after the server refused it. It
// reports whether there was one to drop.
func (ts *tokenSource) invalidate() bool {
	ts.sem <- struct{}{}
	defer ts.unlock()
	had := ts.access != ""
	ts.access, ts.exp = "", time.Time{}
	return had
}

// tokenExpiry returns when res's token expires: its expiration, or now plus
// expires_in when the server sent no expiration.
func tokenExpiry(res *api.TokenResponse, now time.Time) time.Time {
	if res.Expiration > 0 {
		return time.Unix(res.Expiration, 0)
	}
	return now.Add(time.Duration(res.ExpiresIn) * time.Second)
}

// Token returns an access token for the client's credential: the configured
// Token, or one obtained with the API key (cached and renewed as every
// request does). Errors from the token endpoint come back as *api.Error
// (an unknown API key is api.ErrInvalid, as IBM answers 400); a client
// without any credential gets api.ErrUnauthenticated.
func (c *Client) Token(ctx context.Context) (api.Sensitive, error) {
	switch {
	case c.ts != nil:
		return c.ts.token(ctx)
	case c.cfg.Token != "":
		return c.cfg.Token, nil
	}
	return "", api.Errorf(api.ErrUnauthenticated, "no API key or token to authenticate with")
}

// ExchangeAPIKey asks the token endpoint for an access token with the API
// key grant. It does not change the client's cached token.
func (c *Client) ExchangeAPIKey(ctx context.Context, key api.Sensitive) (*api.TokenResponse, error) {
	return c.RequestToken(ctx, url.Values{"grant_type": {api.GrantAPIKey}, "apikey": {key.Reveal()},
		"response_type": {"cloud_iam"}})
}

// RefreshToken asks the token endpoint for a new access token with the
// refresh_token grant.
func (c *Client) RefreshToken(ctx context.Context, refresh api.Sensitive) (*api.TokenResponse, error) {
	return c.RequestToken(ctx, url.Values{"grant_type": {api.GrantRefreshToken}, "refresh_token": {refresh.Reveal()},
		"response_type": {"cloud_iam"}})
}

// RequestToken posts form to POST {URL}/identity/token, unauthenticated, and
// returns the token. Token endpoint errors ({errorCode, errorMessage}) come
// back as *api.Error; an answer without an access token is api.ErrInternal.
// No error ever contains a form value.
func (c *Client) RequestToken(ctx context.Context, form url.Values) (*api.TokenResponse, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+api.TokenPath, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, api.Errorf(api.ErrInvalid, "bad Coffer URL %q", c.base)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, api.Errorf(api.ErrUnavailable, "cannot reach the token endpoint at %s%s: %v", c.base, api.TokenPath, ctxOrNetErr(ctx, err))
	}
	defer resp.Body.Close()
	var raw json.RawMessage
	if err := json.NewDecoder(http.MaxBytesReader(nil, resp.Body, 1<<20)).Decode(&raw); err != nil && resp.StatusCode < 300 {
		return nil, api.Errorf(api.ErrInternal, "the token endpoint answered %s with a body that is not JSON", resp.Status)
	}
	if resp.StatusCode >= 300 {
		err := scrub(decodeError(resp.StatusCode, raw), form)
		var e *api.Error
		if errors.As(err, &e) && e.Kind == api.ErrInvalid && strings.HasPrefix(e.Code, "BXNIM") {
			// IAM answers refused credentials with 400: to the caller they
			// are an authentication failure, whatever the status.
			e.Kind = api.ErrUnauthenticated
		}
		return nil, fmt.Errorf("getting an IAM token: %w", err)
	}
	var res api.TokenResponse
	if err := json.Unmarshal(raw, &res); err != nil || res.AccessToken == "" {
		return nil, api.Errorf(api.ErrInternal, "the token endpoint answered without an access token")
	}
	return &res, nil
}

// ctxOrNetErr describes a transport error without repeating the URL.
func ctxOrNetErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// secretFields are the token form fields whose values must never reach an
// error message, even when a server echoes them.
var secretFields = []string{"apikey", "refresh_token", "cr_token", "access_token"}

// scrub replaces the secret form values in err's message with REDACTED.
func scrub(err error, form url.Values) error {
	var e *api.Error
	if !errors.As(err, &e) {
		return err
	}
	for _, f := range secretFields {
		if v := form.Get(f); v != "" {
			e.Message = strings.ReplaceAll(e.Message, v, "REDACTED")
			e.Details = strings.ReplaceAll(e.Details, v, "REDACTED")
		}
	}
	return err
}
