package httpapi

import (
	"net/http"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/authz"
)

// routeAuthz registers POST /coffer/v1/authz/explain
// (iam-access-management.policy.read).
func (s *Server) routeAuthz() {
	g := s.cfg.Gate
	if g == nil {
		return
	}
	s.Handle("POST /coffer/v1/authz/explain", serveJSON(http.StatusOK, func(r *http.Request, c authz.Credential) (*api.ExplainResponse, error) {
		req, err := decoded[api.ExplainRequest](r)
		if err != nil {
			return nil, err
		}
		return g.Explain(r.Context(), c, req)
	}))
}
