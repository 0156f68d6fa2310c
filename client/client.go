// Package client is the Go client for Coffer's APIs. The CLI, the console
// and the tests use it; it imports only the standard library and package api,
// so any program can use it without the server.
//
// The client never prints, exits or reads flags. It reads the environment
// only in ConfigFromEnv. Errors from the server come back as *api.Error with
// the same kind the server used, so errors.Is(err, api.ErrNotFound) works
// across the wire.
package client

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/cofferhq/coffer/api"
)

// DefaultURL is where a local Coffer listens by default.
const DefaultURL = "http://127.0.0.1:8420"

// Config configures a Client.
//
// Authentication follows IBM's model: an APIKey is exchanged at
// POST {URL}/identity/token for an IAM access token, which every request
// carries as "Authorization: Bearer"; the client caches the token until a
// minute before it expires and then renews it (with the refresh token when
// it has one, else with the API key again). A Token alone is sent as is.
type Config struct {
	URL    string        // base URL of the server; default DefaultURL
	APIKey api.Sensitive // API key, exchanged for access tokens
	// Token is an already-issued IAM access token. Alone, it is sent as is;
	// with an APIKey or a RefreshToken it is used until TokenExpiration and
	// then renewed.
	Token           api.Sensitive
	RefreshToken    api.Sensitive // refresh token issued with Token, if any
	TokenExpiration time.Time     // expiry of Token; zero: renew it at once
	// OnToken, when set, is called with every token the client obtains (the
	// CLI saves its session with it). It must not call the client.
	OnToken func(api.TokenResponse)
	// UseBasicAPIKey sends the APIKey as "Basic apikey:KEY" on every request
	// instead of exchanging it for tokens.
	UseBasicAPIKey bool
	HTTPClient     *http.Client // default: a client with a 60s timeout
	UserAgent      string
	Now            func() time.Time // default time.Now; for token expiry
}

// ConfigFromEnv reads COFFER_URL, COFFER_APIKEY and COFFER_TOKEN.
func ConfigFromEnv() Config {
	return Config{URL: os.Getenv("COFFER_URL"), APIKey: api.Sensitive(os.Getenv("COFFER_APIKEY")),
		Token: api.Sensitive(os.Getenv("COFFER_TOKEN"))}
}

// Client talks to one Coffer server.
type Client struct {
	base string
	hc   *http.Client
	cfg  Config
	ts   *tokenSource // nil when the client does not obtain tokens itself
}

// New returns a client for cfg.
func New(cfg Config) *Client {
	if cfg.URL == "" {
		cfg.URL = DefaultURL
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 60 * time.Second}
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "coffer-client"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	c := &Client{base: strings.TrimRight(cfg.URL, "/"), hc: hc, cfg: cfg}
	if (cfg.APIKey != "" && !cfg.UseBasicAPIKey) || cfg.RefreshToken != "" {
		c.ts = newTokenSource(c)
	}
	return c
}

// URL returns the server's base URL.
func (c *Client) URL() string { return c.base }

// reqOpts are the less common parts of a request.
type reqOpts struct {
	header http.Header // extra request headers
}

// do sends a JSON request and decodes a JSON answer into out (nil: ignore).
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	return c.doOpts(ctx, method, path, in, out, reqOpts{})
}

// doOpts is do with extra headers. A 401 answer to a
// request sent with a cached token drops the token and retries once.
func (c *Client) doOpts(ctx context.Context, method, path string, in, out any, o reqOpts) error {
	var b []byte
	if in != nil {
		var err error
		if b, err = json.Marshal(in); err != nil {
			return err
		}
	}
	resp, raw, err := c.send(ctx, method, path, b, in != nil, o)
	if err == nil && resp.StatusCode == http.StatusUnauthorized && c.ts != nil && c.ts.invalidate() {
		resp, raw, err = c.send(ctx, method, path, b, in != nil, o)
	}
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		return decodeError(resp.StatusCode, raw)
	}
	if out == nil || len(raw) == 0 {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("decoding the answer of %s %s: %w", method, path, err)
	}
	return nil
}

// send makes one HTTP request and reads the whole answer.
func (c *Client) send(ctx context.Context, method, path string, body []byte, hasBody bool, o reqOpts) (*http.Response, []byte, error) {
	var rd io.Reader
	if hasBody {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return nil, nil, err
	}
	if hasBody {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	for k, v := range o.header {
		req.Header[k] = v
	}
	if err := c.authorize(ctx, req); err != nil {
		return nil, nil, err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s: %w", method, path, api.Errorf(api.ErrUnavailable, "cannot reach Coffer at %s: %v", c.base, err))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, nil, api.Errorf(api.ErrUnavailable, "reading the answer of %s %s: %v", method, path, err)
	}
	return resp, raw, nil
}

// authorize sets the Authorization header: a Bearer token (obtained from
// the API key when needed), or Basic apikey:KEY with UseBasicAPIKey.
func (c *Client) authorize(ctx context.Context, req *http.Request) error {
	switch {
	case c.ts != nil:
		tok, err := c.ts.token(ctx)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+tok.Reveal())
	case c.cfg.Token != "":
		req.Header.Set("Authorization", "Bearer "+c.cfg.Token.Reveal())
	case c.cfg.APIKey != "":
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("apikey:"+c.cfg.APIKey.Reveal())))
	}
	return nil
}

// wireError holds the fields of every IBM error shape Coffer answers with.
type wireError struct {
	Errors []struct {
		Code        string `json:"code"`
		MessageCode string `json:"message_code"`
		Message     string `json:"message"`
		Details     string `json:"details"`
	} `json:"errors"`
	ErrorCode    string `json:"errorCode"`
	ErrorMessage string `json:"errorMessage"`
	ErrorDetails string `json:"errorDetails"`
	RCErrorCode  string `json:"error_code"`
	Message      string `json:"message"`
}

// decodeError maps an error answer back to an *api.Error of the kind the
// server used (by its code when it names a kind, else by status).
func decodeError(status int, raw []byte) error {
	var w wireError
	json.Unmarshal(raw, &w)
	e := &api.Error{Message: strings.TrimSpace(string(raw))}
	code := ""
	switch {
	case len(w.Errors) > 0:
		code, e.Message, e.Details = w.Errors[0].Code, w.Errors[0].Message, w.Errors[0].Details
		if w.Errors[0].MessageCode != "" {
			e.Code = w.Errors[0].MessageCode
		}
	case w.ErrorCode != "":
		e.Code, e.Message, e.Details = w.ErrorCode, w.ErrorMessage, w.ErrorDetails
	case w.RCErrorCode != "":
		code, e.Message = strings.TrimPrefix(w.RCErrorCode, "RC-"), w.Message
	}
	if k := api.KindByCode(code); k != nil && k.Status == status {
		e.Kind = k
	} else {
		if code != "" && e.Code == "" {
			e.Code = code
		}
		e.Kind = kindOfStatus(status)
	}
	if e.Message == "" {
		e.Message = http.StatusText(status)
	}
	return e
}

func kindOfStatus(status int) *api.Kind {
	for _, k := range api.Kinds {
		if k.Status == status {
			return k
		}
	}
	if status >= 500 {
		return api.ErrInternal
	}
	return api.ErrInvalid
}
