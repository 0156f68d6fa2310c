package identity

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/cofferhq/coffer/api"
)

// MaxTokenRequestBody caps the body of a token request (64 KiB).
const MaxTokenRequestBody = 64 << 10

const formContentType = "application/x-www-form-urlencoded"

// TokenRequest is a parsed, validated token request. Only the fields of its
// grant are set. Secret fields are api.Sensitive, so the request can be
// logged as it is.
type TokenRequest struct {
	GrantType    string // one of the Grant constants
	ResponseType string // optional and not interpreted (the Go core sends cloud_iam)
	Scope        string // optional

	APIKey       api.Sensitive // apikey grant, trimmed
	RefreshToken api.Sensitive // refresh_token grant; assume grant when no access_token
	CRToken      api.Sensitive // cr-token grant, trimmed (SDKs send the file's trailing newline)
	AccessToken  api.Sensitive // assume grant

	// Profile selection, cr-token and assume grants. The SDKs may send
	// ProfileID and ProfileName together; they must name the same profile.
	// The assume grant gives ProfileCRN, ProfileID or ProfileName+Account.
	ProfileID   string
	ProfileName string
	ProfileCRN  string
	Account     string // assume grant with ProfileName

	// Client credentials from an optional "Authorization: Basic" header.
	ClientID     string
	ClientSecret api.Sensitive
}

// ParseTokenRequest reads and validates the body of POST /identity/token:
// application/x-www-form-urlencoded (any charset parameter), at most
// MaxTokenRequestBody bytes, '+' or "%20" for spaces, parameters in any
// order, each at most once. Every error is a *TokenError with status 400:
// BXNIM0109E naming a missing or empty property, BXNIM0106E for a bad
// Content-Type, body, Authorization header, duplicated parameter or
// unsupported grant_type. It does not look at the method or the URL query.
func ParseTokenRequest(r *http.Request) (*TokenRequest, error) {
	form, err := readTokenForm(r)
	if err != nil {
		return nil, err
	}
	req := &TokenRequest{GrantType: form.Get("grant_type"), ResponseType: form.Get("response_type"), Scope: form.Get("scope")}
	if err := parseClientAuth(r, req); err != nil {
		return nil, err
	}
	switch req.GrantType {
	case "":
		return nil, PropertyMissingError("grant_type")
	case GrantAPIKey:
		err = req.parseAPIKey(form)
	case GrantRefreshToken:
		err = req.parseRefresh(form)
	case GrantCRToken:
		err = req.parseCRToken(form)
	case GrantAssume:
		err = req.parseAssume(form)
	default:
		return nil, UnsupportedGrantTypeError(req.GrantType)
	}
	if err != nil {
		return nil, err
	}
	return req, nil
}

// readTokenForm checks the Content-Type and decodes the capped body.
func readTokenForm(r *http.Request) (url.Values, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != formContentType {
		return nil, InvalidPropertyError("Content-Type", "must be "+formContentType)
	}
	if r.ContentLength > MaxTokenRequestBody {
		return nil, InvalidPropertyError("body", fmt.Sprintf("larger than %d bytes", MaxTokenRequestBody))
	}
	if r.Body == nil {
		return url.Values{}, nil
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, MaxTokenRequestBody))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, InvalidPropertyError("body", fmt.Sprintf("larger than %d bytes", MaxTokenRequestBody))
	}
	if err != nil {
		return nil, InvalidPropertyError("body", "could not be read")
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, InvalidPropertyError("body", "is not valid form encoding")
	}
	for name, vs := range form {
		if len(vs) > 1 {
			return nil, InvalidPropertyError(truncateName(name), "given more than once")
		}
	}
	return form, nil
}

// truncateName keeps a caller's parameter name short and printable for an
// error message; parameter names are never secret.
func truncateName(name string) string {
	if e := echoValue(name); e != "(omitted)" {
		return name
	}
	return "(parameter)"
}

// parseClientAuth reads optional Basic client credentials. Other schemes
// are ignored: the token endpoint authenticates with the form, and SDK
// users may add headers of their own.
func parseClientAuth(r *http.Request, req *TokenRequest) error {
	h := r.Header.Get("Authorization")
	scheme, _, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Basic") {
		return nil
	}
	id, secret, ok := r.BasicAuth()
	if !ok || id == "" || secret == "" {
		return InvalidPropertyError("Authorization", "Basic credentials must be base64(client_id:client_secret), both non-empty")
	}
	req.ClientID, req.ClientSecret = id, api.Sensitive(secret)
	return nil
}

// requiredField returns the trimmed value of name or BXNIM0109E.
func requiredField(form url.Values, name string) (string, error) {
	v := strings.TrimSpace(form.Get(name))
	if v == "" {
		return "", PropertyMissingError(name)
	}
	return v, nil
}

func (req *TokenRequest) parseAPIKey(form url.Values) error {
	v, err := requiredField(form, "apikey")
	req.APIKey = api.Sensitive(v)
	return err
}

func (req *TokenRequest) parseRefresh(form url.Values) error {
	v, err := requiredField(form, "refresh_token")
	req.RefreshToken = api.Sensitive(v)
	return err
}

func (req *TokenRequest) parseCRToken(form url.Values) error {
	v, err := requiredField(form, "cr_token")
	if err != nil {
		return err
	}
	req.CRToken = api.Sensitive(v)
	req.readProfile(form)
	if req.ProfileID == "" && req.ProfileName == "" && req.ProfileCRN == "" {
		return PropertyMissingError("profile_id, profile_name or profile_crn")
	}
	return nil
}

func (req *TokenRequest) parseAssume(form url.Values) error {
	access := strings.TrimSpace(form.Get("access_token"))
	refresh := strings.TrimSpace(form.Get("refresh_token"))
	switch {
	case access != "" && refresh != "":
		return InvalidPropertyError("access_token", "give access_token or refresh_token, not both")
	case access == "" && refresh == "":
		return PropertyMissingError("access_token")
	}
	req.AccessToken, req.RefreshToken = api.Sensitive(access), api.Sensitive(refresh)
	req.readProfile(form)
	req.Account = strings.TrimSpace(form.Get("account"))
	switch {
	case req.ProfileCRN != "" || req.ProfileID != "":
		return nil
	case req.ProfileName == "":
		return PropertyMissingError("profile_id")
	case req.Account == "":
		return PropertyMissingError("account")
	}
	return nil
}

func (req *TokenRequest) readProfile(form url.Values) {
	req.ProfileID = strings.TrimSpace(form.Get("profile_id"))
	req.ProfileName = strings.TrimSpace(form.Get("profile_name"))
	req.ProfileCRN = strings.TrimSpace(form.Get("profile_crn"))
}

// TokenResponse is the success body of the token endpoint. Expiration is
// the token's exp in Unix seconds and ExpiresIn is exp − iat: the Go core
// caches from these two alone. RefreshToken is empty (and omitted) for the
// cr-token grant. fmt and slog print it without the tokens.
type TokenResponse struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token,omitempty"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	Expiration   int64  `json:"expiration"`
	Scope        string `json:"scope"`

	claims   *Claims // the access token's claims, for the audit trail
	apiKeyID string  // the API key the login used, if any
}

// NewTokenResponse returns the response for an access token with claims c
// and an optional refresh token.
func NewTokenResponse(accessToken, refreshToken string, c *Claims) TokenResponse {
	return TokenResponse{
		AccessToken: accessToken, RefreshToken: refreshToken, TokenType: "Bearer",
		ExpiresIn: c.Expiry - c.IssuedAt, Expiration: c.Expiry, Scope: c.Scope, claims: c,
	}
}

// String describes r without its tokens.
func (r TokenResponse) String() string {
	return fmt.Sprintf("TokenResponse{AccessToken:%s RefreshToken:%s TokenType:%s ExpiresIn:%d Expiration:%d Scope:%s}",
		redactedKey, redactedKey, r.TokenType, r.ExpiresIn, r.Expiration, r.Scope)
}

// GoString implements fmt.GoStringer like String.
func (r TokenResponse) GoString() string { return r.String() }

// Format prints String for every verb, so no verb can reach the tokens.
func (r TokenResponse) Format(f fmt.State, _ rune) { fmt.Fprint(f, r.String()) }

// LogValue implements slog.LogValuer without the tokens.
func (r TokenResponse) LogValue() slog.Value {
	return slog.GroupValue(slog.String("token_type", r.TokenType), slog.Int64("expires_in", r.ExpiresIn),
		slog.Int64("expiration", r.Expiration), slog.String("scope", r.Scope))
}
