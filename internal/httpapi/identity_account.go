package httpapi

import (
	"net/http"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/authz"
	"github.com/cofferhq/coffer/internal/identity"
)

// routeAccounts registers Coffer's /coffer/v1/accounts and /coffer/v1/users.
func (s *Server) routeAccounts() {
	ids := s.cfg.Identity
	s.Handle("POST /coffer/v1/accounts", serveJSON(http.StatusCreated, func(r *http.Request, c authz.Credential) (*api.CreateAccountResponse, error) {
		req, err := decoded[api.CreateAccountRequest](r)
		if err != nil {
			return nil, err
		}
		return ids.CreateAccount(r.Context(), c, req)
	}))
	s.Handle("GET /coffer/v1/accounts", serveJSON(http.StatusOK, func(r *http.Request, c authz.Credential) (*api.AccountList, error) {
		req, err := identity.ParseListRequest(r.URL)
		if err != nil {
			return nil, err
		}
		return ids.ListAccounts(r.Context(), c, req)
	}))
	s.Handle("POST /coffer/v1/users", serveJSON(http.StatusCreated, func(r *http.Request, c authz.Credential) (*api.User, error) {
		req, err := decoded[api.CreateUserRequest](r)
		if err != nil {
			return nil, err
		}
		return ids.CreateUser(r.Context(), c, req)
	}))
	s.Handle("GET /coffer/v1/users", serveJSON(http.StatusOK, func(r *http.Request, c authz.Credential) (*api.UserList, error) {
		req, err := identity.ParseListRequest(r.URL)
		if err != nil {
			return nil, err
		}
		return ids.ListUsers(r.Context(), c, req)
	}))
	s.Handle("DELETE /coffer/v1/users/{iam_id}", serveNoContent(func(r *http.Request, c authz.Credential) error {
		return ids.DeleteUser(r.Context(), c, r.URL.Query().Get("account_id"), r.PathValue("iam_id"))
	}))
}
