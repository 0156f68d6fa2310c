package api

// Grant types of the IAM token endpoint, POST /identity/token (form field
// grant_type).
const (
	GrantAPIKey       = "urn:ibm:params:oauth:grant-type:apikey"
	GrantRefreshToken = "refresh_token"
	GrantCRToken      = "urn:ibm:params:oauth:grant-type:cr-token"
	GrantAssume       = "urn:ibm:params:oauth:grant-type:assume"
)

// TokenPath is the path of the IAM token endpoint.
const TokenPath = "/identity/token"

// TokenResponse is the success body of POST /identity/token (IBM's format).
// Expiration is the absolute expiry in Unix seconds and ExpiresIn the
// lifetime in seconds; TokenType is "Bearer" and Scope "ibm openid".
// RefreshToken is absent for cr-token grants.
type TokenResponse struct {
	AccessToken  WireSecret `json:"access_token"`
	RefreshToken WireSecret `json:"refresh_token,omitempty"`
	TokenType    string     `json:"token_type"`
	ExpiresIn    int64      `json:"expires_in"`
	Expiration   int64      `json:"expiration"`
	Scope        string     `json:"scope,omitempty"`
}
