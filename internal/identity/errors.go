package identity

import (
	"fmt"
	"time"

	"github.com/cofferhq/coffer/api"
)

// IBM message codes of the token endpoint (reference §11). Error codes are
// API: never rename one.
const (
	CodeAPIKeyNotFound        = "BXNIM0415E"
	CodePropertyMissing       = "BXNIM0109E"
	CodePropertyInvalid       = "BXNIM0106E"
	CodeProfileNotEligible    = "BXNIM0398E"
	CodeInvalidToken          = "BXNIM0407E"
	CodeRefreshTokenInvalid   = "BXNIM0408E"
	CodeNoAuthorizationHeader = "BXNIM0308E"
)

const (
	tokenErrorRequestType      = "incoming.Identity_Token"
	tokenErrorTimeLayout       = "02.01.2006 15:04:05"
	maxEchoedValueLen          = 64
	msgPropertyInvalid         = "Validation of property failed."
	msgAPIKeyNotFound          = "Provided API key could not be found."
	msgInvalidToken            = "Provided token is invalid."
	msgRefreshTokenInvalid     = "Provided refresh token is expired or invalid."
	msgProfileNotEligible      = "Selected trusted profile not eligible."
	msgPropertyMissing         = "Property missing or empty."
	msgNoAuthorizationHeader   = "No authorization header found"
	detailsAPIKeyDisabled      = "The API key is disabled and cannot be used to log in."
	detailsAPIKeyLocked        = "The API key is locked and cannot be used to log in."
	detailsProfileNotEligibleF = "The given token with identifier '%s' is not permitted to assume the indicated trusted profile; profile ID '%s'"
)

// TokenError is an error of IBM's token endpoint (POST /identity/token): an
// HTTP status, a BXNIM message code, a short message and optional details.
// Message and Details never hold a token or an API key value.
//
// A TokenError unwraps to the api kind of its status (400 → api.ErrInvalid,
// 401 → api.ErrUnauthenticated, 403 → api.ErrPermissionDenied), so code that
// only knows the api kinds still classifies it.
type TokenError struct {
	Status  int    // HTTP status; IBM answers bad credentials with 400
	Code    string // BXNIM code, e.g. "BXNIM0415E"
	Message string // errorMessage
	Details string // errorDetails, optional
}

// Error returns the code, the message and the details if any.
func (e *TokenError) Error() string {
	if e.Details == "" {
		return e.Code + ": " + e.Message
	}
	return e.Code + ": " + e.Message + " " + e.Details
}

// Unwrap returns the api kind that matches the status; statuses without a
// clear kind unwrap to api.ErrInternal (5xx) or the first kind with that status.
func (e *TokenError) Unwrap() error {
	switch e.Status {
	case 400:
		return api.ErrInvalid
	case 401:
		return api.ErrUnauthenticated
	case 403:
		return api.ErrPermissionDenied
	}
	for _, k := range api.Kinds {
		if k.Status == e.Status {
			return k
		}
	}
	return api.ErrInternal
}

// TokenErrorBody is the JSON error object of IBM's token endpoint, as
// returned by TokenError.Body.
type TokenErrorBody struct {
	ErrorCode    string            `json:"errorCode"`
	ErrorMessage string            `json:"errorMessage"`
	ErrorDetails string            `json:"errorDetails,omitempty"`
	Context      TokenErrorContext `json:"context"`
}

// TokenErrorContext is the "context" member of TokenErrorBody. URL is left
// empty: the Node core replaces the message of any error whose context.url
// contains "iam", and Coffer has no reason to trigger that.
type TokenErrorContext struct {
	RequestID   string `json:"requestId"`
	RequestType string `json:"requestType"`
	URL         string `json:"url,omitempty"`
	StartTime   string `json:"startTime,omitempty"` // dd.MM.yyyy HH:mm:ss:SSS UTC
	EndTime     string `json:"endTime,omitempty"`
}

// Body returns the IBM error JSON object for e (a TokenErrorBody), ready to
// encode. now, when not zero, fills startTime and endTime in IBM's layout.
func (e *TokenError) Body(requestID string, now time.Time) any {
	b := TokenErrorBody{
		ErrorCode:    e.Code,
		ErrorMessage: e.Message,
		ErrorDetails: e.Details,
		Context:      TokenErrorContext{RequestID: requestID, RequestType: tokenErrorRequestType},
	}
	if !now.IsZero() {
		ts := formatIBMTime(now)
		b.Context.StartTime, b.Context.EndTime = ts, ts
	}
	return b
}

// formatIBMTime writes t as "dd.MM.yyyy HH:mm:ss:SSS UTC"; Go's layouts
// cannot put a colon before the milliseconds.
func formatIBMTime(t time.Time) string {
	t = t.UTC()
	return fmt.Sprintf("%s:%03d UTC", t.Format(tokenErrorTimeLayout), t.Nanosecond()/int(time.Millisecond))
}

// APIKeyNotFoundError is BXNIM0415E "Provided API key could not be found."
// (400), for an API key value that matches no key.
func APIKeyNotFoundError() *TokenError {
	return &TokenError{Status: 400, Code: CodeAPIKeyNotFound, Message: msgAPIKeyNotFound}
}

// APIKeyDisabledError is the answer for a disabled API key: IBM's
// BXNIM0415E family (400) with details saying the key is disabled. Only the
// holder of the key value can see it, so it reveals nothing to others.
func APIKeyDisabledError() *TokenError {
	return &TokenError{Status: 400, Code: CodeAPIKeyNotFound, Message: msgAPIKeyNotFound, Details: detailsAPIKeyDisabled}
}

// APIKeyLockedError is the answer for a locked API key, in the same family as
// APIKeyDisabledError. Note that on IBM Cloud a lock only protects a key from
// being changed or deleted and a locked key still logs in; use this only if
// Coffer decides to block locked keys.
func APIKeyLockedError() *TokenError {
	return &TokenError{Status: 400, Code: CodeAPIKeyNotFound, Message: msgAPIKeyNotFound, Details: detailsAPIKeyLocked}
}

// PropertyMissingError is BXNIM0109E "Property missing or empty." (400) with
// details "Property '<name>' either missing or empty.".
func PropertyMissingError(name string) *TokenError {
	return &TokenError{Status: 400, Code: CodePropertyMissing, Message: msgPropertyMissing,
		Details: fmt.Sprintf("Property '%s' either missing or empty.", name)}
}

// InvalidPropertyError is BXNIM0106E (400), IBM's code for a property that
// fails validation (observed for response_type), with details naming the
// property and the reason. name and reason must not hold a secret value.
func InvalidPropertyError(name, reason string) *TokenError {
	return &TokenError{Status: 400, Code: CodePropertyInvalid, Message: msgPropertyInvalid,
		Details: fmt.Sprintf("Validation of property '%s' failed: %s", name, reason)}
}

// UnsupportedGrantTypeError is the answer for a grant_type Coffer does not
// serve. IBM's code for it is not documented; Coffer uses BXNIM0106E (400),
// the code IBM returns when a property fails validation, and lists the
// supported grants. The given value is echoed only when short and printable.
func UnsupportedGrantTypeError(grant string) *TokenError {
	return InvalidPropertyError("grant_type", fmt.Sprintf("value %s is not supported. Valid values: '%s', '%s', '%s', '%s'",
		echoValue(grant), GrantAPIKey, GrantRefreshToken, GrantCRToken, GrantAssume))
}

// ProfileNotEligibleError is BXNIM0398E "Selected trusted profile not
// eligible." (400). identifier names the caller (such as the compute
// resource "tok2iks1:<namespace>:<serviceaccount>:<pod>"), never its token;
// profileIAMID is the profile's iam_id.
func ProfileNotEligibleError(identifier, profileIAMID string) *TokenError {
	return &TokenError{Status: 400, Code: CodeProfileNotEligible, Message: msgProfileNotEligible,
		Details: fmt.Sprintf(detailsProfileNotEligibleF, identifier, profileIAMID)}
}

// InvalidTokenError is BXNIM0407E "Provided token is invalid." (400). detail
// says which check failed (the message of a Verify error is safe) and must
// never hold the token itself.
func InvalidTokenError(detail string) *TokenError {
	return &TokenError{Status: 400, Code: CodeInvalidToken, Message: msgInvalidToken, Details: detail}
}

// RefreshTokenInvalidError is BXNIM0408E "Provided refresh token is expired
// or invalid." (400); detail as for InvalidTokenError.
func RefreshTokenInvalidError(detail string) *TokenError {
	return &TokenError{Status: 400, Code: CodeRefreshTokenInvalid, Message: msgRefreshTokenInvalid, Details: detail}
}

// NoAuthorizationHeaderError is BXNIM0308E "No authorization header found"
// (401), for grants that require client credentials.
func NoAuthorizationHeaderError() *TokenError {
	return &TokenError{Status: 401, Code: CodeNoAuthorizationHeader, Message: msgNoAuthorizationHeader}
}

// echoValue quotes a caller-supplied, non-secret value for an error message,
// or says it was omitted when it is long or not printable ASCII.
func echoValue(s string) string {
	if len(s) > maxEchoedValueLen {
		return "(omitted)"
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e || s[i] == '\'' {
			return "(omitted)"
		}
	}
	return "'" + s + "'"
}
