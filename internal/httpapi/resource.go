package httpapi

import (
	"net/http"
	"strconv"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/authz"
	"github.com/cofferhq/coffer/internal/resource"
)

// routeResource registers the Resource Controller routes
// (/v2/resource_instances, /v2/resource_groups). An instance id in a path is
// its GUID or its URL-encoded CRN. Errors answer in the Resource
// Controller's shape (FamilyResource).
func (s *Server) routeResource() {
	rc := s.cfg.Resources
	if rc == nil {
		return
	}
	s.Handle("GET /v2/resource_instances", serveJSON(http.StatusOK, func(r *http.Request, c authz.Credential) (*api.ResourceInstanceList, error) {
		f, err := resource.ParseInstanceFilter(r.URL.Query())
		if err != nil {
			return nil, err
		}
		return rc.ListInstances(r.Context(), c, f)
	}))
	s.Handle("POST /v2/resource_instances", serveJSON(http.StatusCreated, func(r *http.Request, c authz.Credential) (*api.ResourceInstance, error) {
		if err := refuseEntityLock(r); err != nil {
			return nil, err
		}
		req, err := decoded[api.CreateResourceInstanceRequest](r)
		if err != nil {
			return nil, err
		}
		return rc.CreateInstance(r.Context(), c, req)
	}))
	s.Handle("GET /v2/resource_instances/{id}", serveJSON(http.StatusOK, func(r *http.Request, c authz.Credential) (*api.ResourceInstance, error) {
		return rc.ResourceInstance(r.Context(), c, r.PathValue("id"))
	}))
	s.Handle("PATCH /v2/resource_instances/{id}", serveJSON(http.StatusOK, func(r *http.Request, c authz.Credential) (*api.ResourceInstance, error) {
		req, err := decoded[api.UpdateResourceInstanceRequest](r)
		if err != nil {
			return nil, err
		}
		return rc.UpdateInstance(r.Context(), c, r.PathValue("id"), req)
	}))
	s.Handle("DELETE /v2/resource_instances/{id}", serveJSON(http.StatusAccepted, func(r *http.Request, c authz.Credential) (*api.ResourceInstance, error) {
		return rc.DeleteInstance(r.Context(), c, r.PathValue("id"))
	}))
	s.routeResourceGroups(rc)
}

// routeResourceGroups registers /v2/resource_groups.
func (s *Server) routeResourceGroups(rc *resource.Service) {
	s.Handle("GET /v2/resource_groups", serveJSON(http.StatusOK, func(r *http.Request, c authz.Credential) (*api.ResourceGroupList, error) {
		q := r.URL.Query()
		f := resource.GroupFilter{AccountID: q.Get("account_id"), Name: q.Get("name")}
		if v := q.Get("default"); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return nil, api.Errorf(api.ErrInvalid, "default %q must be true or false", v)
			}
			f.Default = &b
		}
		return rc.ListGroups(r.Context(), c, f)
	}))
	s.Handle("POST /v2/resource_groups", serveJSON(http.StatusCreated, func(r *http.Request, c authz.Credential) (*api.ResourceGroup, error) {
		req, err := decoded[api.CreateResourceGroupRequest](r)
		if err != nil {
			return nil, err
		}
		return rc.CreateGroup(r.Context(), c, req)
	}))
	s.Handle("GET /v2/resource_groups/{id}", serveJSON(http.StatusOK, func(r *http.Request, c authz.Credential) (*api.ResourceGroup, error) {
		return rc.Group(r.Context(), c, r.PathValue("id"))
	}))
	s.Handle("PATCH /v2/resource_groups/{id}", serveJSON(http.StatusOK, func(r *http.Request, c authz.Credential) (*api.ResourceGroup, error) {
		req, err := decoded[api.UpdateResourceGroupRequest](r)
		if err != nil {
			return nil, err
		}
		return rc.UpdateGroup(r.Context(), c, r.PathValue("id"), req)
	}))
	s.Handle("DELETE /v2/resource_groups/{id}", serveNoContent(func(r *http.Request, c authz.Credential) error {
		return rc.DeleteGroup(r.Context(), c, r.PathValue("id"))
	}))
}

// refuseEntityLock refuses IBM's Entity-Lock: true, since Coffer does not
// lock instances.
func refuseEntityLock(r *http.Request) error {
	if v := r.Header.Get("Entity-Lock"); v != "" {
		if b, err := strconv.ParseBool(v); err != nil || b {
			return api.Errorf(api.ErrUnsupported, "Entity-Lock: Coffer does not lock instances")
		}
	}
	return nil
}
