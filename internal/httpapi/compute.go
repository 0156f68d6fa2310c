package httpapi

import (
	"net/http"
	"strconv"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/authz"
	"github.com/cofferhq/coffer/internal/compute"
)

// routeCompute registers the compute runtime API under
// /coffer/v1/compute/projects: projects, their apps and jobs, and the CR
// token minting of the runner. Nothing is registered without a compute
// service.
func (s *Server) routeCompute() {
	svc := s.cfg.Compute
	if svc == nil {
		return
	}
	const base = "/coffer/v1/compute/projects"
	s.Handle("POST "+base, serveJSON(http.StatusCreated, func(r *http.Request, c authz.Credential) (*api.ComputeProject, error) {
		req, err := decoded[api.CreateComputeProjectRequest](r)
		if err != nil {
			return nil, err
		}
		return svc.CreateProject(r.Context(), c, req)
	}))
	s.Handle("GET "+base, serveJSON(http.StatusOK, func(r *http.Request, c authz.Credential) (*api.ComputeProjectList, error) {
		pg, err := computePage(r)
		if err != nil {
			return nil, err
		}
		return svc.ListProjects(r.Context(), c, pg)
	}))
	s.Handle("GET "+base+"/{project}", serveJSON(http.StatusOK, func(r *http.Request, c authz.Credential) (*api.ComputeProject, error) {
		return svc.Project(r.Context(), c, r.PathValue("project"))
	}))
	s.Handle("DELETE "+base+"/{project}", serveNoContent(func(r *http.Request, c authz.Credential) error {
		return svc.DeleteProject(r.Context(), c, r.PathValue("project"))
	}))
	s.routeComponents(svc, base+"/{project}/apps", api.ComponentApplication)
	s.routeComponents(svc, base+"/{project}/jobs", api.ComponentJob)
}

// routeComponents registers the routes of one component type under prefix.
func (s *Server) routeComponents(svc *compute.Service, prefix, typ string) {
	s.Handle("POST "+prefix, serveJSON(http.StatusCreated, func(r *http.Request, c authz.Credential) (*api.ComputeComponent, error) {
		req, err := decoded[api.CreateComputeComponentRequest](r)
		if err != nil {
			return nil, err
		}
		return svc.CreateComponent(r.Context(), c, r.PathValue("project"), typ, req)
	}))
	s.Handle("GET "+prefix, serveJSON(http.StatusOK, func(r *http.Request, c authz.Credential) (*api.ComputeComponentList, error) {
		pg, err := computePage(r)
		if err != nil {
			return nil, err
		}
		return svc.ListComponents(r.Context(), c, r.PathValue("project"), typ, pg)
	}))
	s.Handle("GET "+prefix+"/{name}", serveJSON(http.StatusOK, func(r *http.Request, c authz.Credential) (*api.ComputeComponent, error) {
		return svc.Component(r.Context(), c, r.PathValue("project"), typ, r.PathValue("name"))
	}))
	s.Handle("PATCH "+prefix+"/{name}", serveJSON(http.StatusOK, func(r *http.Request, c authz.Credential) (*api.ComputeComponent, error) {
		req, err := decoded[api.UpdateComputeComponentRequest](r)
		if err != nil {
			return nil, err
		}
		return svc.UpdateComponent(r.Context(), c, r.PathValue("project"), typ, r.PathValue("name"), req)
	}))
	s.Handle("DELETE "+prefix+"/{name}", serveNoContent(func(r *http.Request, c authz.Credential) error {
		return svc.DeleteComponent(r.Context(), c, r.PathValue("project"), typ, r.PathValue("name"))
	}))
	s.Handle("POST "+prefix+"/{name}/token", serveJSON(http.StatusCreated, func(r *http.Request, c authz.Credential) (*api.CRToken, error) {
		var req api.MintCRTokenRequest
		if r.ContentLength != 0 {
			var err error
			if req, err = decoded[api.MintCRTokenRequest](r); err != nil {
				return nil, err
			}
		}
		return svc.MintToken(r.Context(), c, r.PathValue("project"), typ, r.PathValue("name"), req)
	}))
}

// computePage reads the limit and start (page token) query parameters.
func computePage(r *http.Request) (compute.Page, error) {
	q := r.URL.Query()
	pg := compute.Page{Token: q.Get("start")}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return pg, api.Errorf(api.ErrInvalid, "limit must be a number from 1 to 1000")
		}
		pg.Limit = n
	}
	return pg, nil
}
