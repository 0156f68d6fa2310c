package httpapi

import (
	"net/http"
	"strconv"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/authz"
)

// routeFederation registers /coffer/v1/federation/issuers, the external
// OIDC issuers of package federation. Nothing is served when the server
// has no federation service.
func (s *Server) routeFederation() {
	fed := s.cfg.Federation
	if fed == nil {
		return
	}
	s.Handle("POST "+api.FederationIssuerPath, serveJSON(http.StatusCreated, func(r *http.Request, c authz.Credential) (*api.FederationIssuer, error) {
		req, err := decoded[api.FederationIssuerRequest](r)
		if err != nil {
			return nil, err
		}
		return fed.CreateIssuer(r.Context(), c, req)
	}))
	s.Handle("GET "+api.FederationIssuerPath, serveJSON(http.StatusOK, func(r *http.Request, c authz.Credential) (*api.FederationIssuerList, error) {
		q := r.URL.Query()
		limit := 0
		if l := q.Get("limit"); l != "" {
			n, err := strconv.Atoi(l)
			if err != nil || n < 1 || n > 1000 {
				return nil, api.Errorf(api.ErrInvalid, "limit must be a number from 1 to 1000")
			}
			limit = n
		}
		return fed.ListIssuers(r.Context(), c, q.Get("account_id"), q.Get("start"), limit)
	}))
	s.Handle("GET "+api.FederationIssuerPath+"/{id}", serveJSON(http.StatusOK, func(r *http.Request, c authz.Credential) (*api.FederationIssuer, error) {
		return fed.Issuer(r.Context(), c, r.PathValue("id"))
	}))
	s.Handle("PUT "+api.FederationIssuerPath+"/{id}", serveJSON(http.StatusOK, func(r *http.Request, c authz.Credential) (*api.FederationIssuer, error) {
		req, err := decoded[api.FederationIssuerRequest](r)
		if err != nil {
			return nil, err
		}
		return fed.UpdateIssuer(r.Context(), c, r.PathValue("id"), req)
	}))
	s.Handle("DELETE "+api.FederationIssuerPath+"/{id}", serveNoContent(func(r *http.Request, c authz.Credential) error {
		return fed.DeleteIssuer(r.Context(), c, r.PathValue("id"))
	}))
}
