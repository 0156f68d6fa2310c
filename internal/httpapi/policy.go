package httpapi

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/access"
	"github.com/cofferhq/coffer/internal/authz"
)

// routePolicy registers IBM's Policy Management API: /v1/policies,
// /v2/policies and /v2/roles. Nothing is served without Config.Access.
func (s *Server) routePolicy() {
	a := s.cfg.Access
	if a == nil {
		return
	}
	s.Handle("GET /v1/policies", servePolicy(http.StatusOK, func(r *http.Request, c authz.Credential) (*api.PolicyList, string, error) {
		q, err := access.ParsePolicyQuery(absoluteURL(r))
		if err != nil {
			return nil, "", err
		}
		l, err := a.ListPolicies(r.Context(), c, q)
		return l, "", err
	}))
	s.Handle("POST /v1/policies", servePolicy(http.StatusCreated, func(r *http.Request, c authz.Credential) (*api.Policy, string, error) {
		return withTag(decodedThen(r, func(req api.Policy) (*api.Policy, error) { return a.CreatePolicy(r.Context(), c, req) }))
	}))
	s.Handle("GET /v1/policies/{id}", servePolicy(http.StatusOK, func(r *http.Request, c authz.Credential) (*api.Policy, string, error) {
		return withTag(a.Policy(r.Context(), c, r.PathValue("id")))
	}))
	s.Handle("PUT /v1/policies/{id}", servePolicy(http.StatusOK, func(r *http.Request, c authz.Credential) (*api.Policy, string, error) {
		return withTag(decodedThen(r, func(req api.Policy) (*api.Policy, error) {
			return a.ReplacePolicy(r.Context(), c, r.PathValue("id"), r.Header.Get("If-Match"), req)
		}))
	}))
	s.Handle("PATCH /v1/policies/{id}", servePolicy(http.StatusOK, func(r *http.Request, c authz.Credential) (*api.Policy, string, error) {
		return withTag(decodedThen(r, func(req api.UpdatePolicyStateRequest) (*api.Policy, error) {
			return a.UpdatePolicyState(r.Context(), c, r.PathValue("id"), r.Header.Get("If-Match"), req)
		}))
	}))
	del := serveNoContent(func(r *http.Request, c authz.Credential) error {
		return a.DeletePolicy(r.Context(), c, r.PathValue("id"))
	})
	s.Handle("DELETE /v1/policies/{id}", del)
	s.Handle("DELETE /v2/policies/{id}", del)
	s.routeV2Policy(a)
	s.Handle("GET /v2/roles", servePolicy(http.StatusOK, func(r *http.Request, c authz.Credential) (*api.RoleList, string, error) {
		v := r.URL.Query()
		l, err := a.ListRoles(r.Context(), c, access.RoleQuery{AccountID: v.Get("account_id"),
			ServiceName: v.Get("service_name"), SourceServiceName: v.Get("source_service_name"),
			PolicyType: v.Get("policy_type"), ServiceGroupID: v.Get("service_group_id")})
		return l, "", err
	}))
}

// routeV2Policy registers /v2/policies (DELETE is shared with v1).
func (s *Server) routeV2Policy(a *access.Service) {
	s.Handle("GET /v2/policies", servePolicy(http.StatusOK, func(r *http.Request, c authz.Credential) (*api.V2PolicyList, string, error) {
		q, err := access.ParsePolicyQuery(absoluteURL(r))
		if err != nil {
			return nil, "", err
		}
		l, err := a.ListV2Policies(r.Context(), c, q)
		return l, "", err
	}))
	s.Handle("POST /v2/policies", servePolicy(http.StatusCreated, func(r *http.Request, c authz.Credential) (*api.V2Policy, string, error) {
		return withV2Tag(decodedThen(r, func(req api.V2Policy) (*api.V2Policy, error) { return a.CreateV2Policy(r.Context(), c, req) }))
	}))
	s.Handle("GET /v2/policies/{id}", servePolicy(http.StatusOK, func(r *http.Request, c authz.Credential) (*api.V2Policy, string, error) {
		return withV2Tag(a.V2Policy(r.Context(), c, r.PathValue("id"), r.URL.Query().Get("format")))
	}))
	s.Handle("PUT /v2/policies/{id}", servePolicy(http.StatusOK, func(r *http.Request, c authz.Credential) (*api.V2Policy, string, error) {
		return withV2Tag(decodedThen(r, func(req api.V2Policy) (*api.V2Policy, error) {
			return a.ReplaceV2Policy(r.Context(), c, r.PathValue("id"), r.Header.Get("If-Match"), req)
		}))
	}))
}

// decodedThen decodes the body into a fresh T and calls fn with it.
func decodedThen[T, R any](r *http.Request, fn func(T) (R, error)) (R, error) {
	req, err := decoded[T](r)
	if err != nil {
		var zero R
		return zero, err
	}
	return fn(req)
}

func withTag(p *api.Policy, err error) (*api.Policy, string, error) {
	if err != nil {
		return nil, "", err
	}
	return p, p.ETag, nil
}

func withV2Tag(p *api.V2Policy, err error) (*api.V2Policy, string, error) {
	if err != nil {
		return nil, "", err
	}
	return p, p.ETag, nil
}

// servePolicy returns a handler that makes one service call, sets the ETag
// header when the call returns a tag, and answers a policy conflict with
// IBM's details object.
func servePolicy[T any](status int, fn func(r *http.Request, cred authz.Credential) (T, string, error)) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		cred, err := Credential(r)
		if err != nil {
			return err
		}
		v, tag, err := fn(r, cred)
		if err != nil {
			return writeConflict(w, r, err)
		}
		if tag != "" {
			w.Header().Set("ETag", tag)
		}
		writeJSON(w, status, v)
		return nil
	}
}

// policyConflictBody is IBM's 409 policy_conflict_error: the Policy family's
// error shape whose details is an object naming the existing policy.
type policyConflictBody struct {
	Trace      string               `json:"trace"`
	Errors     []policyConflictItem `json:"errors"`
	StatusCode int                  `json:"status_code"`
}

type policyConflictItem struct {
	Code    string             `json:"code"`
	Message string             `json:"message"`
	Details api.PolicyConflict `json:"details"`
}

// writeConflict answers an *access.ConflictError and returns nil; any other
// error is returned for the adapter to answer.
func writeConflict(w http.ResponseWriter, r *http.Request, err error) error {
	var ce *access.ConflictError
	if !errors.As(err, &ce) {
		return err
	}
	writeJSON(w, http.StatusConflict, policyConflictBody{Trace: RequestID(r.Context()), StatusCode: http.StatusConflict,
		Errors: []policyConflictItem{{Code: api.CodePolicyConflict, Message: api.Message(err),
			Details: api.PolicyConflict{ConflictsWith: api.PolicyConflictWith{ETag: ce.ETag, Policy: ce.Policy}}}}})
	return nil
}

// absoluteURL is the request's URL as the client reached it, for the
// links of a list.
func absoluteURL(r *http.Request) *url.URL {
	u := &url.URL{Scheme: "http", Host: r.Host, Path: r.URL.Path, RawQuery: r.URL.RawQuery}
	if r.TLS != nil {
		u.Scheme = "https"
	}
	return u
}
