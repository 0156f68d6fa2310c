package httpapi

import (
	"errors"
	"net/http"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/identity"
)

// routeToken registers the IAM token endpoint routes (/identity/...) and
// the JWKS of Coffer's compute runtime issuers.
func (s *Server) routeToken() {
	s.Handle("POST /identity/token", s.handleToken)
	s.Handle("GET /identity/keys", s.handleKeys)
	s.Handle("GET /identity/.well-known/openid-configuration", s.handleOpenIDConfiguration)
	s.Handle("GET /coffer/v1/compute/accounts/{account_id}/keys", s.handleComputeKeys)
	s.Handle("GET /coffer/v1/compute/accounts/{account_id}/.well-known/openid-configuration", s.handleComputeDiscovery)
	// Discovery names these endpoints, as OpenID requires; Coffer has no
	// interactive login, and says so instead of answering 404.
	s.Handle("/identity/authorize", s.handleNoInteractiveLogin)
	s.Handle("/identity/passcode", s.handleNoInteractiveLogin)
}

func (s *Server) handleNoInteractiveLogin(w http.ResponseWriter, r *http.Request) error {
	return api.Errorf(api.ErrUnsupported, "Coffer has no interactive login: get a token at /identity/token "+
		"with an API key (grant_type=urn:ibm:params:oauth:grant-type:apikey)")
}

func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) error {
	req, err := identity.ParseTokenRequest(r)
	if err != nil {
		return tokenError(err)
	}
	resp, err := s.cfg.Identity.Token(r.Context(), req)
	if err != nil {
		return tokenError(err)
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// tokenError turns an *identity.TokenError into an *api.Error carrying its
// BXNIM code and details, which the FamilyToken error shape writes as
// {errorCode, errorMessage, errorDetails, context}.
func tokenError(err error) error {
	var te *identity.TokenError
	if !errors.As(err, &te) {
		return err
	}
	kind := api.KindOf(te)
	return &api.Error{Kind: kind, Code: te.Code, Message: te.Message, Details: te.Details}
}

func (s *Server) handleKeys(w http.ResponseWriter, r *http.Request) error {
	jwks, err := s.cfg.Identity.JWKS(r.Context())
	if err != nil {
		return err
	}
	writeRawJSON(w, jwks)
	return nil
}

func (s *Server) handleOpenIDConfiguration(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, s.cfg.Identity.OpenIDConfiguration())
	return nil
}

func (s *Server) handleComputeKeys(w http.ResponseWriter, r *http.Request) error {
	jwks, err := s.cfg.Identity.ComputeJWKS(r.Context(), r.PathValue("account_id"))
	if err != nil {
		return err
	}
	writeRawJSON(w, jwks)
	return nil
}

func (s *Server) handleComputeDiscovery(w http.ResponseWriter, r *http.Request) error {
	doc, err := s.cfg.Identity.ComputeOpenIDConfiguration(r.Context(), r.PathValue("account_id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, doc)
	return nil
}

// writeRawJSON answers an already encoded JSON document.
func writeRawJSON(w http.ResponseWriter, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}
