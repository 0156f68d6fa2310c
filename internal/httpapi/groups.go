package httpapi

import (
	"net/http"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/access"
	"github.com/cofferhq/coffer/internal/authz"
)

// routeGroups registers IBM's Access Groups API: /v2/groups and their
// members. Nothing is served without Config.Access.
func (s *Server) routeGroups() {
	a := s.cfg.Access
	if a == nil {
		return
	}
	s.Handle("POST /v2/groups", servePolicy(http.StatusCreated, func(r *http.Request, c authz.Credential) (*api.AccessGroup, string, error) {
		return withGroupTag(decodedThen(r, func(req api.CreateAccessGroupRequest) (*api.AccessGroup, error) {
			return a.CreateAccessGroup(r.Context(), c, r.URL.Query().Get("account_id"), req)
		}))
	}))
	s.Handle("GET /v2/groups", servePolicy(http.StatusOK, func(r *http.Request, c authz.Credential) (*api.AccessGroupList, string, error) {
		q, err := access.ParseGroupQuery(absoluteURL(r))
		if err != nil {
			return nil, "", err
		}
		l, err := a.ListAccessGroups(r.Context(), c, q)
		return l, "", err
	}))
	s.Handle("GET /v2/groups/{id}", servePolicy(http.StatusOK, func(r *http.Request, c authz.Credential) (*api.AccessGroup, string, error) {
		return withGroupTag(a.AccessGroup(r.Context(), c, r.PathValue("id")))
	}))
	s.Handle("PATCH /v2/groups/{id}", servePolicy(http.StatusOK, func(r *http.Request, c authz.Credential) (*api.AccessGroup, string, error) {
		return withGroupTag(decodedThen(r, func(req api.UpdateAccessGroupRequest) (*api.AccessGroup, error) {
			return a.UpdateAccessGroup(r.Context(), c, r.PathValue("id"), r.Header.Get("If-Match"), req)
		}))
	}))
	s.Handle("DELETE /v2/groups/{id}", serveNoContent(func(r *http.Request, c authz.Credential) error {
		return a.DeleteAccessGroup(r.Context(), c, r.PathValue("id"), r.URL.Query().Get("force") == "true")
	}))
	s.routeGroupMembers(a)
}

// routeGroupMembers registers /v2/groups/{id}/members.
func (s *Server) routeGroupMembers(a *access.Service) {
	s.Handle("PUT /v2/groups/{id}/members", servePolicy(http.StatusMultiStatus, func(r *http.Request, c authz.Credential) (*api.AddGroupMembersResponse, string, error) {
		res, err := decodedThen(r, func(req api.AddGroupMembersRequest) (*api.AddGroupMembersResponse, error) {
			return a.AddGroupMembers(r.Context(), c, r.PathValue("id"), req)
		})
		return res, "", err
	}))
	s.Handle("GET /v2/groups/{id}/members", servePolicy(http.StatusOK, func(r *http.Request, c authz.Credential) (*api.GroupMemberList, string, error) {
		q, err := access.ParseGroupQuery(absoluteURL(r))
		if err != nil {
			return nil, "", err
		}
		l, err := a.ListGroupMembers(r.Context(), c, r.PathValue("id"), q)
		return l, "", err
	}))
	s.Handle("HEAD /v2/groups/{id}/members/{iam_id}", serveNoContent(func(r *http.Request, c authz.Credential) error {
		return a.IsGroupMember(r.Context(), c, r.PathValue("id"), r.PathValue("iam_id"))
	}))
	s.Handle("DELETE /v2/groups/{id}/members/{iam_id}", serveNoContent(func(r *http.Request, c authz.Credential) error {
		return a.RemoveGroupMember(r.Context(), c, r.PathValue("id"), r.PathValue("iam_id"))
	}))
}

func withGroupTag(g *api.AccessGroup, err error) (*api.AccessGroup, string, error) {
	if err != nil {
		return nil, "", err
	}
	return g, g.ETag, nil
}
