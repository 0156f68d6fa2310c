package httpapi

import (
	"net/http"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/authz"
)

// routeServiceIDs registers /v1/serviceids. IBM's SDK lists and creates
// with a trailing slash; both spellings are served.
func (s *Server) routeServiceIDs() {
	ids := s.cfg.Identity
	list := serveJSON(http.StatusOK, func(r *http.Request, c authz.Credential) (*api.ServiceIDList, error) {
		req, err := listRequest(r)
		if err != nil {
			return nil, err
		}
		return ids.ListServiceIDs(r.Context(), c, req)
	})
	create := serveJSON(http.StatusCreated, func(r *http.Request, c authz.Credential) (*api.ServiceID, error) {
		req, err := decoded[api.CreateServiceIDRequest](r)
		if err != nil {
			return nil, err
		}
		return ids.CreateServiceID(r.Context(), c, req, createOptions(r))
	})
	s.Handle("GET /v1/serviceids", list)
	s.Handle("GET /v1/serviceids/{$}", list)
	s.Handle("POST /v1/serviceids", create)
	s.Handle("POST /v1/serviceids/{$}", create)
	s.Handle("GET /v1/serviceids/{id}", serveJSON(http.StatusOK, func(r *http.Request, c authz.Credential) (*api.ServiceID, error) {
		return ids.ServiceID(r.Context(), c, r.PathValue("id"))
	}))
	s.Handle("PUT /v1/serviceids/{id}", serveJSON(http.StatusOK, func(r *http.Request, c authz.Credential) (*api.ServiceID, error) {
		req, err := decoded[api.UpdateServiceIDRequest](r)
		if err != nil {
			return nil, err
		}
		return ids.UpdateServiceID(r.Context(), c, r.PathValue("id"), r.Header.Get("If-Match"), req)
	}))
	s.Handle("DELETE /v1/serviceids/{id}", serveNoContent(func(r *http.Request, c authz.Credential) error {
		return ids.DeleteServiceID(r.Context(), c, r.PathValue("id"))
	}))
	s.Handle("POST /v1/serviceids/{id}/lock", serveNoContent(func(r *http.Request, c authz.Credential) error {
		return ids.LockServiceID(r.Context(), c, r.PathValue("id"), true)
	}))
	s.Handle("DELETE /v1/serviceids/{id}/lock", serveNoContent(func(r *http.Request, c authz.Credential) error {
		return ids.LockServiceID(r.Context(), c, r.PathValue("id"), false)
	}))
}

// routeAPIKeys registers /v1/apikeys.
func (s *Server) routeAPIKeys() {
	ids := s.cfg.Identity
	s.Handle("GET /v1/apikeys", serveJSON(http.StatusOK, func(r *http.Request, c authz.Credential) (*api.APIKeyList, error) {
		req, err := listRequest(r)
		if err != nil {
			return nil, err
		}
		return ids.ListAPIKeys(r.Context(), c, req)
	}))
	s.Handle("POST /v1/apikeys", serveJSON(http.StatusCreated, func(r *http.Request, c authz.Credential) (*api.APIKey, error) {
		req, err := decoded[api.CreateAPIKeyRequest](r)
		if err != nil {
			return nil, err
		}
		return ids.CreateAPIKey(r.Context(), c, req, createOptions(r))
	}))
	s.Handle("GET /v1/apikeys/details", serveJSON(http.StatusOK, func(r *http.Request, c authz.Credential) (*api.APIKey, error) {
		return ids.APIKeyDetails(r.Context(), c, api.Sensitive(r.Header.Get("IAM-ApiKey")))
	}))
	s.Handle("GET /v1/apikeys/{id}", serveJSON(http.StatusOK, func(r *http.Request, c authz.Credential) (*api.APIKey, error) {
		return ids.APIKey(r.Context(), c, r.PathValue("id"))
	}))
	s.Handle("PUT /v1/apikeys/{id}", serveJSON(http.StatusOK, func(r *http.Request, c authz.Credential) (*api.APIKey, error) {
		req, err := decoded[api.UpdateAPIKeyRequest](r)
		if err != nil {
			return nil, err
		}
		return ids.UpdateAPIKey(r.Context(), c, r.PathValue("id"), r.Header.Get("If-Match"), req)
	}))
	s.Handle("DELETE /v1/apikeys/{id}", serveNoContent(func(r *http.Request, c authz.Credential) error {
		return ids.DeleteAPIKey(r.Context(), c, r.PathValue("id"))
	}))
	for _, locked := range []bool{true, false} {
		method := map[bool]string{true: "POST ", false: "DELETE "}[locked]
		s.Handle(method+"/v1/apikeys/{id}/lock", serveNoContent(func(r *http.Request, c authz.Credential) error {
			return ids.LockAPIKey(r.Context(), c, r.PathValue("id"), locked)
		}))
		s.Handle(method+"/v1/apikeys/{id}/disable", serveNoContent(func(r *http.Request, c authz.Credential) error {
			return ids.DisableAPIKey(r.Context(), c, r.PathValue("id"), locked)
		}))
	}
}
