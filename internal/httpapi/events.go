package httpapi

import (
	"net/http"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/authz"
)

// routeEventDestinations registers Coffer's own API for the event
// destinations of a Secrets Manager instance (api.EventDestinationsPath):
// where the events of an instance with a notifications registration go.
func (s *Server) routeEventDestinations() {
	sm := s.cfg.Secrets
	if sm == nil {
		return
	}
	s.Handle("POST "+api.EventDestinationsPath, serveJSON(http.StatusCreated, func(r *http.Request, c authz.Credential) (*api.EventDestination, error) {
		p, err := decoded[api.EventDestinationPrototype](r)
		if err != nil {
			return nil, err
		}
		return sm.CreateEventDestination(r.Context(), c, instanceParam(r), p)
	}))
	s.Handle("GET "+api.EventDestinationsPath, serveJSON(http.StatusOK, func(r *http.Request, c authz.Credential) (*api.EventDestinationList, error) {
		return sm.EventDestinations(r.Context(), c, instanceParam(r))
	}))
	s.Handle("DELETE "+api.EventDestinationsPath+"/{id}", serveNoContent(func(r *http.Request, c authz.Credential) error {
		return sm.DeleteEventDestination(r.Context(), c, instanceParam(r), r.PathValue("id"))
	}))
}

// instanceParam returns the {guid} of an event destinations path; "default"
// names the caller's default instance.
func instanceParam(r *http.Request) string {
	if g := r.PathValue("guid"); g != "default" {
		return g
	}
	return ""
}
