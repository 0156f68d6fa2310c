package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/cofferhq/coffer/api"
)

// Family is an API family; each answers errors in its own IBM shape.
type Family int

// The API families Coffer serves.
const (
	FamilyCoffer   Family = iota // /coffer/v1/... and anything unknown
	FamilyToken                  // /identity/...
	FamilyIdentity               // /v1/apikeys, /v1/serviceids, /v1/profiles, /v1/accounts
	FamilyPolicy                 // /v1/policies, /v2/policies, /v2/roles, /v2/groups
	FamilyResource               // /v2/resource_instances, /v2/resource_groups
	FamilySecrets                // /api/v2/..., /instances/{guid}/api/v2/...
)

// familyOf tells which family a path belongs to. It is the one place that
// decides the error shape of a request.
func familyOf(path string) Family {
	switch {
	case strings.HasPrefix(path, "/identity/"):
		return FamilyToken
	case strings.HasPrefix(path, "/api/v2/"), strings.HasPrefix(path, "/instances/"):
		return FamilySecrets
	case hasAnyPrefix(path, "/v1/apikeys", "/v1/serviceids", "/v1/profiles"):
		return FamilyIdentity
	case hasAnyPrefix(path, "/v1/policies", "/v2/policies", "/v2/roles", "/v2/groups"):
		return FamilyPolicy
	case hasAnyPrefix(path, "/v2/resource_instances", "/v2/resource_groups"):
		return FamilyResource
	}
	return FamilyCoffer
}

func hasAnyPrefix(s string, prefixes ...string) bool {
	for _, p := range prefixes {
		if s == p || strings.HasPrefix(s, p+"/") || strings.HasPrefix(s, p+"?") {
			return true
		}
	}
	return false
}

// tokenCodes are the IBM IAM message codes used when an error of a kind
// carries no code of its own on the token endpoint.
var tokenCodes = map[*api.Kind]string{
	api.ErrInvalid:            "BXNIM0109E",
	api.ErrUnauthenticated:    "BXNIM0308E",
	api.ErrPermissionDenied:   "BXNIM0513E",
	api.ErrNotFound:           "BXNIM0415E",
	api.ErrTooLarge:           "BXNIM0109E",
	api.ErrSealed:             "BXNIM0503E",
	api.ErrUnavailable:        "BXNIM0503E",
	api.ErrInternal:           "BXNIM0500E",
	api.ErrRateLimited:        "BXNIM0429E",
	api.ErrUnsupported:        "BXNIM0109E",
	api.ErrConflict:           "BXNIM0409E",
	api.ErrAlreadyExists:      "BXNIM0409E",
	api.ErrFailedPrecondition: "BXNIM0412E",
}

// problem is what every error body is built from.
type problem struct {
	status    int
	code      string // family code, or the kind's code
	kind      *api.Kind
	message   string
	details   string
	requestID string
}

func newProblem(err error, requestID string) problem {
	kind := api.KindOf(err)
	p := problem{status: kind.Status, code: kind.Code, kind: kind, message: api.Message(err), requestID: requestID}
	var e *api.Error
	if errors.As(err, &e) {
		if e.Code != "" {
			p.code = e.Code
		}
		p.details = e.Details
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		p.status, p.kind, p.code = http.StatusRequestEntityTooLarge, api.ErrTooLarge, api.ErrTooLarge.Code
		p.message = fmt.Sprintf("request body too large: the limit is %d bytes", mbe.Limit)
		return p
	}
	if kind == api.ErrInternal {
		p.message = "internal error (request id " + requestID + ")"
		p.details = ""
	}
	return p
}

// body returns the error body in the family's shape.
func (p problem) body(f Family, now time.Time) any {
	switch f {
	case FamilyToken:
		code := p.code
		if !strings.HasPrefix(code, "BXNIM") {
			code = tokenCodes[p.kind]
		}
		return tokenErrorBody{
			ErrorCode: code, ErrorMessage: p.message, ErrorDetails: p.details,
			Context: tokenErrorContext{RequestID: p.requestID, RequestType: "incoming.Identity_Token",
				StartTime: ibmTime(now)},
		}
	case FamilyIdentity:
		item := errorItem{Code: p.kind.Code, Message: p.message, Details: p.details}
		if strings.HasPrefix(p.code, "BXNIM") {
			item.MessageCode = p.code
		} else {
			item.Code = p.code
		}
		return errorsBody{Trace: p.requestID, Errors: []errorItem{item}, StatusCode: p.status,
			Context: &identityContext{TransactionID: p.requestID}}
	case FamilyResource:
		return rcErrorBody{ErrorCode: "RC-" + p.code, Message: p.message, StatusCode: p.status,
			TransactionID: p.requestID, Details: p.details}
	default: // secrets, policy, coffer: the IBM API handbook shape
		return errorsBody{Trace: p.requestID, StatusCode: p.status,
			Errors: []errorItem{{Code: p.code, Message: p.message, Details: p.details}}}
	}
}

type errorItem struct {
	Code        string `json:"code"`
	MessageCode string `json:"message_code,omitempty"`
	Message     string `json:"message"`
	Details     string `json:"details,omitempty"`
}

type errorsBody struct {
	Trace      string           `json:"trace"`
	Errors     []errorItem      `json:"errors"`
	StatusCode int              `json:"status_code"`
	Context    *identityContext `json:"context,omitempty"`
}

type identityContext struct {
	TransactionID string `json:"transaction_id"`
}

type tokenErrorBody struct {
	ErrorCode    string            `json:"errorCode"`
	ErrorMessage string            `json:"errorMessage"`
	ErrorDetails string            `json:"errorDetails,omitempty"`
	Context      tokenErrorContext `json:"context"`
}

type tokenErrorContext struct {
	RequestID   string `json:"requestId"`
	RequestType string `json:"requestType"`
	StartTime   string `json:"startTime"`
}

type rcErrorBody struct {
	ErrorCode     string `json:"error_code"`
	Message       string `json:"message"`
	StatusCode    int    `json:"status_code"`
	TransactionID string `json:"transaction_id"`
	Details       string `json:"details,omitempty"`
}

// writeError answers err in the request's family shape. Internal errors are
// logged with their full chain; the caller sees only "internal error" and
// the request id. It is the only place that logs a request's error.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	rid := RequestID(r.Context())
	p := newProblem(err, rid)
	if p.kind == api.ErrInternal {
		s.log.ErrorContext(r.Context(), "request failed", "request_id", rid, "method", r.Method,
			"path", r.URL.Path, "error", err.Error())
	} else {
		s.log.DebugContext(r.Context(), "request refused", "request_id", rid, "status", p.status, "code", p.code)
	}
	if p.status == http.StatusUnauthorized && familyOf(r.URL.Path) != FamilyToken {
		w.Header().Set("WWW-Authenticate", `Bearer realm="coffer"`)
	}
	writeJSON(w, p.status, p.body(familyOf(r.URL.Path), s.now()))
}

// ibmTime formats t as IBM IAM's error context does: dd.MM.yyyy HH:mm:ss:SSS UTC.
func ibmTime(t time.Time) string {
	t = t.UTC()
	return fmt.Sprintf("%s:%03d UTC", t.Format("02.01.2006 15:04:05"), t.Nanosecond()/1e6)
}
