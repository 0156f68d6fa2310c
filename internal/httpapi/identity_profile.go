package httpapi

import (
	"net/http"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/authz"
	"github.com/cofferhq/coffer/internal/identity"
)

const profilePath = "/v1/profiles/{profile_id}"

// routeProfiles registers /v1/profiles.
func (s *Server) routeProfiles() {
	ids := s.cfg.Identity
	s.Handle("POST /v1/profiles", serveJSON(http.StatusCreated, func(r *http.Request, c authz.Credential) (*api.TrustedProfile, error) {
		req, err := decoded[api.CreateProfileRequest](r)
		if err != nil {
			return nil, err
		}
		return ids.CreateProfile(r.Context(), c, req)
	}))
	s.Handle("GET /v1/profiles", serveJSON(http.StatusOK, func(r *http.Request, c authz.Credential) (*api.TrustedProfilesList, error) {
		req, err := listRequest(r)
		if err != nil {
			return nil, err
		}
		return ids.ListProfiles(r.Context(), c, req)
	}))
	s.Handle("GET "+profilePath, serveJSON(http.StatusOK, func(r *http.Request, c authz.Credential) (*api.TrustedProfile, error) {
		return ids.Profile(r.Context(), c, r.PathValue("profile_id"))
	}))
	s.Handle("PUT "+profilePath, serveJSON(http.StatusOK, func(r *http.Request, c authz.Credential) (*api.TrustedProfile, error) {
		req, err := decoded[api.UpdateProfileRequest](r)
		if err != nil {
			return nil, err
		}
		return ids.UpdateProfile(r.Context(), c, r.PathValue("profile_id"), r.Header.Get("If-Match"), req)
	}))
	s.Handle("DELETE "+profilePath, serveNoContent(func(r *http.Request, c authz.Credential) error {
		return ids.DeleteProfile(r.Context(), c, r.PathValue("profile_id"))
	}))
}

// routeProfileRules registers /v1/profiles/{profile_id}/rules.
func (s *Server) routeProfileRules() {
	ids := s.cfg.Identity
	s.Handle("POST "+profilePath+"/rules", serveJSON(http.StatusCreated, func(r *http.Request, c authz.Credential) (*api.ProfileClaimRule, error) {
		req, err := decoded[api.CreateClaimRuleRequest](r)
		if err != nil {
			return nil, err
		}
		return ids.CreateClaimRule(r.Context(), c, r.PathValue("profile_id"), req)
	}))
	s.Handle("GET "+profilePath+"/rules", serveJSON(http.StatusOK, func(r *http.Request, c authz.Credential) (*api.ProfileClaimRuleList, error) {
		return ids.ListClaimRules(r.Context(), c, r.PathValue("profile_id"))
	}))
	s.Handle("GET "+profilePath+"/rules/{rule_id}", serveJSON(http.StatusOK, func(r *http.Request, c authz.Credential) (*api.ProfileClaimRule, error) {
		return ids.ClaimRule(r.Context(), c, r.PathValue("profile_id"), r.PathValue("rule_id"))
	}))
	s.Handle("PUT "+profilePath+"/rules/{rule_id}", serveJSON(http.StatusOK, func(r *http.Request, c authz.Credential) (*api.ProfileClaimRule, error) {
		req, err := decoded[api.UpdateClaimRuleRequest](r)
		if err != nil {
			return nil, err
		}
		return ids.UpdateClaimRule(r.Context(), c, r.PathValue("profile_id"), r.PathValue("rule_id"), r.Header.Get("If-Match"), req)
	}))
	s.Handle("DELETE "+profilePath+"/rules/{rule_id}", serveNoContent(func(r *http.Request, c authz.Credential) error {
		return ids.DeleteClaimRule(r.Context(), c, r.PathValue("profile_id"), r.PathValue("rule_id"))
	}))
}

// routeProfileLinks registers /v1/profiles/{profile_id}/links.
func (s *Server) routeProfileLinks() {
	ids := s.cfg.Identity
	s.Handle("POST "+profilePath+"/links", serveJSON(http.StatusCreated, func(r *http.Request, c authz.Credential) (*api.ProfileLink, error) {
		req, err := decoded[api.CreateProfileLinkRequest](r)
		if err != nil {
			return nil, err
		}
		return ids.CreateProfileLink(r.Context(), c, r.PathValue("profile_id"), req)
	}))
	s.Handle("GET "+profilePath+"/links", serveJSON(http.StatusOK, func(r *http.Request, c authz.Credential) (*api.ProfileLinkList, error) {
		return ids.ListProfileLinks(r.Context(), c, r.PathValue("profile_id"))
	}))
	s.Handle("DELETE "+profilePath+"/links", serveNoContent(func(r *http.Request, c authz.Credential) error {
		q := r.URL.Query()
		return ids.DeleteProfileLinks(r.Context(), c, r.PathValue("profile_id"), identity.LinkQuery{CRType: q.Get("type"),
			CRN: q.Get("crn"), Namespace: q.Get("namespace"), Name: q.Get("name"),
			ComponentType: q.Get("component_type"), ComponentName: q.Get("component_name")})
	}))
	s.Handle("GET "+profilePath+"/links/{link_id}", serveJSON(http.StatusOK, func(r *http.Request, c authz.Credential) (*api.ProfileLink, error) {
		return ids.ProfileLink(r.Context(), c, r.PathValue("profile_id"), r.PathValue("link_id"))
	}))
	s.Handle("DELETE "+profilePath+"/links/{link_id}", serveNoContent(func(r *http.Request, c authz.Credential) error {
		return ids.DeleteProfileLink(r.Context(), c, r.PathValue("profile_id"), r.PathValue("link_id"))
	}))
}

// routeProfileIdentities registers /v1/profiles/{profile_id}/identities.
// Adding one identity answers 200, as IBM does.
func (s *Server) routeProfileIdentities() {
	ids := s.cfg.Identity
	s.Handle("GET "+profilePath+"/identities", serveJSON(http.StatusOK, func(r *http.Request, c authz.Credential) (*api.ProfileIdentitiesResponse, error) {
		return ids.ProfileIdentities(r.Context(), c, r.PathValue("profile_id"))
	}))
	s.Handle("PUT "+profilePath+"/identities", serveJSON(http.StatusOK, func(r *http.Request, c authz.Credential) (*api.ProfileIdentitiesResponse, error) {
		req, err := decoded[api.SetProfileIdentitiesRequest](r)
		if err != nil {
			return nil, err
		}
		return ids.SetProfileIdentities(r.Context(), c, r.PathValue("profile_id"), r.Header.Get("If-Match"), req)
	}))
	s.Handle("POST "+profilePath+"/identities/{type}", serveJSON(http.StatusOK, func(r *http.Request, c authz.Credential) (*api.ProfileIdentity, error) {
		req, err := decoded[api.ProfileIdentityRequest](r)
		if err != nil {
			return nil, err
		}
		return ids.AddProfileIdentity(r.Context(), c, r.PathValue("profile_id"), r.PathValue("type"), req)
	}))
	s.Handle("GET "+profilePath+"/identities/{type}/{identifier}", serveJSON(http.StatusOK, func(r *http.Request, c authz.Credential) (*api.ProfileIdentity, error) {
		return ids.ProfileIdentity(r.Context(), c, r.PathValue("profile_id"), r.PathValue("type"), r.PathValue("identifier"))
	}))
	s.Handle("DELETE "+profilePath+"/identities/{type}/{identifier}", serveNoContent(func(r *http.Request, c authz.Credential) error {
		return ids.DeleteProfileIdentity(r.Context(), c, r.PathValue("profile_id"), r.PathValue("type"), r.PathValue("identifier"))
	}))
}
