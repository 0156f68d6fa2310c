package httpapi

import (
	"net/http"
	"net/url"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/authz"
	"github.com/cofferhq/coffer/internal/identity"
)

// routeIdentity registers the IAM Identity API v1 routes and Coffer's
// account and user routes.
func (s *Server) routeIdentity() {
	s.routeServiceIDs()
	s.routeAPIKeys()
	s.routeProfiles()
	s.routeProfileRules()
	s.routeProfileLinks()
	s.routeProfileIdentities()
	s.routeAccounts()
}

// call is a service call made with the request and the caller's credential.
type call[T any] func(r *http.Request, cred authz.Credential) (T, error)

// serveJSON returns a handler that makes one service call and answers its
// result with status; an IAM Identity entity also gets its ETag header.
func serveJSON[T any](status int, fn call[T]) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		cred, err := Credential(r)
		if err != nil {
			return err
		}
		v, err := fn(r, cred)
		if err != nil {
			return err
		}
		if tag := entityTagOf(v); tag != "" {
			w.Header().Set("ETag", tag)
		}
		writeJSON(w, status, v)
		return nil
	}
}

// serveNoContent returns a handler that makes one service call and answers
// 204 No Content.
func serveNoContent(fn func(r *http.Request, cred authz.Credential) error) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		cred, err := Credential(r)
		if err != nil {
			return err
		}
		if err := fn(r, cred); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

// entityTagOf returns the entity tag of an IAM Identity answer, or "".
func entityTagOf(v any) string {
	switch v := v.(type) {
	case *api.ServiceID:
		return v.EntityTag
	case *api.APIKey:
		return v.EntityTag
	case *api.TrustedProfile:
		return v.EntityTag
	case *api.ProfileClaimRule:
		return v.EntityTag
	case *api.ProfileLink:
		return v.EntityTag
	case *api.ProfileIdentitiesResponse:
		return v.EntityTag
	}
	return ""
}

// createOptions reads the Entity-Lock and Entity-Disable headers of a create.
func createOptions(r *http.Request) identity.CreateOptions {
	return identity.CreateOptions{Locked: r.Header.Get("Entity-Lock") == "true",
		Disabled: r.Header.Get("Entity-Disable") == "true"}
}

// listRequest reads the paging and filter query of a list, with the
// absolute request URL from which next and first links are made.
func listRequest(r *http.Request) (identity.ListRequest, error) {
	u := &url.URL{Scheme: "http", Host: r.Host, Path: r.URL.Path, RawQuery: r.URL.RawQuery}
	if r.TLS != nil {
		u.Scheme = "https"
	}
	return identity.ParseListRequest(u)
}

// decoded decodes the request body into a fresh T.
func decoded[T any](r *http.Request) (T, error) {
	var v T
	err := decodeJSON(r, &v)
	return v, err
}
