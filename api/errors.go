// Package api holds Coffer's wire types, error kinds, action and role names
// and the CRN type. It imports only the standard library so that the client,
// the CLI and every server package can share it.
package api

import (
	"errors"
	"fmt"
)

// Error kinds. Domain code wraps them with context, for example
//
//	fmt.Errorf("secret %s version %s: %w", id, v, api.ErrNotFound)
//
// and the HTTP layer maps the kind (found with errors.Is) to a status and to
// each API family's error body. The kinds are API: never rename one.
var (
	ErrInvalid            = &Kind{Code: "invalid", Status: 400}
	ErrUnauthenticated    = &Kind{Code: "unauthenticated", Status: 401}
	ErrPermissionDenied   = &Kind{Code: "permission_denied", Status: 403}
	ErrNotFound           = &Kind{Code: "not_found", Status: 404}
	ErrAlreadyExists      = &Kind{Code: "already_exists", Status: 409}
	ErrConflict           = &Kind{Code: "conflict", Status: 409}
	ErrFailedPrecondition = &Kind{Code: "failed_precondition", Status: 412}
	ErrTooLarge           = &Kind{Code: "too_large", Status: 413}
	ErrUnsupported        = &Kind{Code: "unsupported", Status: 400}
	ErrRateLimited        = &Kind{Code: "rate_limited", Status: 429}
	ErrSealed             = &Kind{Code: "sealed", Status: 503}
	ErrUnavailable        = &Kind{Code: "unavailable", Status: 503}
	ErrInternal           = &Kind{Code: "internal", Status: 500}
)

// Kinds lists every error kind, in a stable order.
var Kinds = []*Kind{
	ErrInvalid, ErrUnauthenticated, ErrPermissionDenied, ErrNotFound,
	ErrAlreadyExists, ErrConflict, ErrFailedPrecondition, ErrTooLarge,
	ErrUnsupported, ErrRateLimited, ErrSealed, ErrUnavailable, ErrInternal,
}

// Kind is a class of error with its HTTP status and a stable code.
type Kind struct {
	Code   string // stable snake_case code
	Status int    // HTTP status
}

func (k *Kind) Error() string { return k.Code }

// KindOf returns the kind err wraps, or ErrInternal when it wraps none.
func KindOf(err error) *Kind {
	for _, k := range Kinds {
		if errors.Is(err, k) {
			return k
		}
	}
	return ErrInternal
}

// KindByCode returns the kind with the given code, or nil.
func KindByCode(code string) *Kind {
	for _, k := range Kinds {
		if k.Code == code {
			return k
		}
	}
	return nil
}

// Error is an error with a kind, a message safe to show to the caller and an
// optional IBM message code (such as BXNIM0415E) for families that have them.
type Error struct {
	Kind    *Kind
	Message string // safe for the caller; never holds a secret
	Code    string // optional family-specific code, e.g. "BXNIM0415E" or "secret_locked"
	Details string // optional longer explanation
}

func (e *Error) Error() string { return e.Message }

// Unwrap returns the kind so errors.Is(err, api.ErrNotFound) works.
func (e *Error) Unwrap() error { return e.Kind }

// Errorf returns an *Error of kind k with a formatted message.
func Errorf(k *Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Message: fmt.Sprintf(format, args...)}
}

// WithCode returns a copy of e carrying a family-specific code.
func (e *Error) WithCode(code string) *Error {
	c := *e
	c.Code = code
	return &c
}

// Message returns the message a caller may see for err: the message of the
// outermost *Error, the wrapped text for known kinds, or "internal error".
func Message(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	if KindOf(err) == ErrInternal {
		return "internal error"
	}
	return err.Error()
}
