package httpapi

import (
	"net/http"
	"strconv"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/authz"
)

func (s *Server) routeSecretGroups() {
	sm := s.cfg.Secrets
	s.smRoute("POST", "/secret_groups", smJSON(http.StatusCreated, func(r *http.Request, c authz.Credential, in string) (*api.SecretGroup, error) {
		p, err := decoded[api.SecretGroupPrototype](r)
		if err != nil {
			return nil, err
		}
		return sm.CreateSecretGroup(r.Context(), c, in, p)
	}))
	s.smRoute("GET", "/secret_groups", smJSON(http.StatusOK, func(r *http.Request, c authz.Credential, in string) (*api.SecretGroupList, error) {
		return sm.ListSecretGroups(r.Context(), c, in)
	}))
	s.smRoute("GET", "/secret_groups/{id}", smJSON(http.StatusOK, func(r *http.Request, c authz.Credential, in string) (*api.SecretGroup, error) {
		return sm.SecretGroup(r.Context(), c, in, r.PathValue("id"))
	}))
	s.smRoute("PATCH", "/secret_groups/{id}", smJSON(http.StatusOK, func(r *http.Request, c authz.Credential, in string) (*api.SecretGroup, error) {
		p, err := decoded[api.SecretGroupPatch](r)
		if err != nil {
			return nil, err
		}
		return sm.UpdateSecretGroup(r.Context(), c, in, r.PathValue("id"), p)
	}))
	s.smRoute("DELETE", "/secret_groups/{id}", smNoContent(func(r *http.Request, c authz.Credential, in string) error {
		return sm.DeleteSecretGroup(r.Context(), c, in, r.PathValue("id"))
	}))
}

func (s *Server) routeSecretsCore() {
	sm := s.cfg.Secrets
	s.smRoute("POST", "/secrets", smJSON(http.StatusCreated, func(r *http.Request, c authz.Credential, in string) (*api.Secret, error) {
		body, err := readBody(r)
		if err != nil {
			return nil, err
		}
		return sm.CreateSecret(r.Context(), c, in, body)
	}))
	s.smRoute("GET", "/secrets", smJSON(http.StatusOK, func(r *http.Request, c authz.Credential, in string) (*api.SecretsPage, error) {
		o, err := listOptions(r)
		if err != nil {
			return nil, err
		}
		return sm.ListSecrets(r.Context(), c, in, o)
	}))
	s.smRoute("GET", "/secrets/{id}", smJSON(http.StatusOK, func(r *http.Request, c authz.Credential, in string) (*api.Secret, error) {
		return sm.Secret(r.Context(), c, in, r.PathValue("id"))
	}))
	s.smRoute("DELETE", "/secrets/{id}", smNoContent(func(r *http.Request, c authz.Credential, in string) error {
		force, err := boolParam(r, "force_delete")
		if err != nil {
			return err
		}
		return sm.DeleteSecret(r.Context(), c, in, r.PathValue("id"), force)
	}))
	s.smRoute("GET", "/secrets/{id}/metadata", smJSON(http.StatusOK, func(r *http.Request, c authz.Credential, in string) (*api.SecretMetadata, error) {
		return sm.SecretMetadata(r.Context(), c, in, r.PathValue("id"))
	}))
	s.smRoute("PATCH", "/secrets/{id}/metadata", smJSON(http.StatusOK, func(r *http.Request, c authz.Credential, in string) (*api.SecretMetadata, error) {
		body, err := readBody(r)
		if err != nil {
			return nil, err
		}
		return sm.UpdateSecretMetadata(r.Context(), c, in, r.PathValue("id"), body)
	}))
	s.smRoute("POST", "/secrets/{id}/actions", smJSON(http.StatusCreated, func(r *http.Request, c authz.Credential, in string) (*api.SecretAction, error) {
		p, err := decoded[api.SecretActionPrototype](r)
		if err != nil {
			return nil, err
		}
		return sm.CreateSecretAction(r.Context(), c, in, r.PathValue("id"), p)
	}))
	s.smRoute("GET", "/secret_groups/{group}/secret_types/{type}/secrets/{name}", smJSON(http.StatusOK, func(r *http.Request, c authz.Credential, in string) (*api.Secret, error) {
		return sm.SecretByName(r.Context(), c, in, r.PathValue("group"), r.PathValue("type"), r.PathValue("name"))
	}))
}

func boolParam(r *http.Request, name string) (bool, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, api.Errorf(api.ErrInvalid, "%s must be true or false", name)
	}
	return b, nil
}

func (s *Server) routeSecretVersions() {
	sm := s.cfg.Secrets
	s.smRoute("POST", "/secrets/{secret}/versions", smJSON(http.StatusCreated, func(r *http.Request, c authz.Credential, in string) (*api.SecretVersion, error) {
		body, err := readBody(r)
		if err != nil {
			return nil, err
		}
		return sm.CreateSecretVersion(r.Context(), c, in, r.PathValue("secret"), body)
	}))
	s.smRoute("GET", "/secrets/{secret}/versions", smJSON(http.StatusOK, func(r *http.Request, c authz.Credential, in string) (*api.SecretVersionList, error) {
		return sm.ListSecretVersions(r.Context(), c, in, r.PathValue("secret"))
	}))
	s.smRoute("GET", "/secrets/{secret}/versions/{id}", smJSON(http.StatusOK, func(r *http.Request, c authz.Credential, in string) (*api.SecretVersion, error) {
		return sm.SecretVersion(r.Context(), c, in, r.PathValue("secret"), r.PathValue("id"))
	}))
	s.smRoute("DELETE", "/secrets/{secret}/versions/{id}/secret_data", smNoContent(func(r *http.Request, c authz.Credential, in string) error {
		return sm.DeleteSecretVersionData(r.Context(), c, in, r.PathValue("secret"), r.PathValue("id"))
	}))
	s.smRoute("GET", "/secrets/{secret}/versions/{id}/metadata", smJSON(http.StatusOK, func(r *http.Request, c authz.Credential, in string) (*api.SecretVersionMetadata, error) {
		return sm.SecretVersionMetadata(r.Context(), c, in, r.PathValue("secret"), r.PathValue("id"))
	}))
	s.smRoute("PATCH", "/secrets/{secret}/versions/{id}/metadata", smJSON(http.StatusOK, func(r *http.Request, c authz.Credential, in string) (*api.SecretVersionMetadata, error) {
		body, err := readBody(r)
		if err != nil {
			return nil, err
		}
		return sm.UpdateSecretVersionMetadata(r.Context(), c, in, r.PathValue("secret"), r.PathValue("id"), body)
	}))
	s.smRoute("POST", "/secrets/{secret}/versions/{id}/actions", smJSON(http.StatusCreated, func(r *http.Request, c authz.Credential, in string) (*api.SecretAction, error) {
		p, err := decoded[api.SecretActionPrototype](r)
		if err != nil {
			return nil, err
		}
		return sm.CreateSecretVersionAction(r.Context(), c, in, r.PathValue("secret"), r.PathValue("id"), p)
	}))
}

func (s *Server) routeSecretLocks() {
	sm := s.cfg.Secrets
	s.smRoute("GET", "/secrets_locks", smJSON(http.StatusOK, func(r *http.Request, c authz.Credential, in string) (*api.SecretsLocksPage, error) {
		o, err := listOptions(r)
		if err != nil {
			return nil, err
		}
		return sm.ListSecretsLocks(r.Context(), c, in, o)
	}))
	// ref "" addresses the secret (its current version for create; all its
	// versions for list and delete); otherwise the version {id}.
	for _, p := range []struct{ path, ref string }{{"/secrets/{secret}", ""}, {"/secrets/{secret}/versions/{id}", "id"}} {
		ref := func(r *http.Request) string {
			if p.ref == "" {
				return ""
			}
			return r.PathValue(p.ref)
		}
		s.smRoute("GET", p.path+"/locks", smJSON(http.StatusOK, func(r *http.Request, c authz.Credential, in string) (*api.SecretLocksPage, error) {
			o, err := listOptions(r)
			if err != nil {
				return nil, err
			}
			return sm.ListSecretLocks(r.Context(), c, in, r.PathValue("secret"), ref(r), o)
		}))
		s.smRoute("POST", p.path+"/locks_bulk", smJSON(http.StatusCreated, func(r *http.Request, c authz.Credential, in string) (*api.SecretLocks, error) {
			body, err := decoded[api.SecretLocksPrototype](r)
			if err != nil {
				return nil, err
			}
			return sm.CreateSecretLocks(r.Context(), c, in, r.PathValue("secret"), ref(r), r.URL.Query().Get("mode"), body)
		}))
		s.smRoute("DELETE", p.path+"/locks_bulk", smJSON(http.StatusOK, func(r *http.Request, c authz.Credential, in string) (*api.SecretLocks, error) {
			return sm.DeleteSecretLocks(r.Context(), c, in, r.PathValue("secret"), ref(r), commaList(r.URL.Query().Get("name")))
		}))
	}
}

func (s *Server) routeSecretConfigurations() {
	sm := s.cfg.Secrets
	s.smRoute("POST", "/configurations", smJSON(http.StatusCreated, func(r *http.Request, c authz.Credential, in string) (*api.Configuration, error) {
		body, err := readBody(r)
		if err != nil {
			return nil, err
		}
		return sm.CreateConfiguration(r.Context(), c, in, body)
	}))
	s.smRoute("GET", "/configurations", smJSON(http.StatusOK, func(r *http.Request, c authz.Credential, in string) (*api.ConfigurationsPage, error) {
		o, err := listOptions(r)
		if err != nil {
			return nil, err
		}
		return sm.ListConfigurations(r.Context(), c, in, o)
	}))
	s.smRoute("GET", "/configurations/{name}", smJSON(http.StatusOK, func(r *http.Request, c authz.Credential, in string) (*api.Configuration, error) {
		return sm.Configuration(r.Context(), c, in, r.PathValue("name"), configType(r))
	}))
	s.smRoute("PATCH", "/configurations/{name}", smJSON(http.StatusOK, func(r *http.Request, c authz.Credential, in string) (*api.Configuration, error) {
		body, err := readBody(r)
		if err != nil {
			return nil, err
		}
		return sm.UpdateConfiguration(r.Context(), c, in, r.PathValue("name"), configType(r), body)
	}))
	s.smRoute("DELETE", "/configurations/{name}", smNoContent(func(r *http.Request, c authz.Credential, in string) error {
		return sm.DeleteConfiguration(r.Context(), c, in, r.PathValue("name"), configType(r))
	}))
	s.smRoute("POST", "/configurations/{name}/actions", smJSON(http.StatusCreated, func(r *http.Request, c authz.Credential, in string) (*api.ConfigurationAction, error) {
		body, err := readBody(r)
		if err != nil {
			return nil, err
		}
		return sm.CreateConfigurationAction(r.Context(), c, in, r.PathValue("name"), configType(r), body)
	}))
}

func (s *Server) routeSecretNotifications() {
	sm := s.cfg.Secrets
	s.smRoute("POST", "/notifications/registration", smJSON(http.StatusCreated, func(r *http.Request, c authz.Credential, in string) (*api.NotificationsRegistration, error) {
		p, err := decoded[api.NotificationsRegistrationPrototype](r)
		if err != nil {
			return nil, err
		}
		return sm.CreateNotificationsRegistration(r.Context(), c, in, p)
	}))
	s.smRoute("GET", "/notifications/registration", smJSON(http.StatusOK, func(r *http.Request, c authz.Credential, in string) (*api.NotificationsRegistration, error) {
		return sm.NotificationsRegistration(r.Context(), c, in)
	}))
	s.smRoute("DELETE", "/notifications/registration", smNoContent(func(r *http.Request, c authz.Credential, in string) error {
		return sm.DeleteNotificationsRegistration(r.Context(), c, in)
	}))
	s.smRoute("GET", "/notifications/registration/test", smNoContent(func(r *http.Request, c authz.Credential, in string) error {
		return sm.TestNotificationsRegistration(r.Context(), c, in)
	}))
}

func (s *Server) routeSecretTasks() {
	sm := s.cfg.Secrets
	s.smRoute("GET", "/secrets/{secret}/tasks", smJSON(http.StatusOK, func(r *http.Request, c authz.Credential, in string) (*api.SecretTaskList, error) {
		return sm.ListSecretTasks(r.Context(), c, in, r.PathValue("secret"))
	}))
	s.smRoute("GET", "/secrets/{secret}/tasks/{id}", smJSON(http.StatusOK, func(r *http.Request, c authz.Credential, in string) (*api.SecretTask, error) {
		return sm.SecretTask(r.Context(), c, in, r.PathValue("secret"), r.PathValue("id"))
	}))
	s.smRoute("PUT", "/secrets/{secret}/tasks/{id}", smJSON(http.StatusOK, func(r *http.Request, c authz.Credential, in string) (*api.SecretTask, error) {
		body, err := readBody(r)
		if err != nil {
			return nil, err
		}
		return sm.ReplaceSecretTask(r.Context(), c, in, r.PathValue("secret"), r.PathValue("id"), body)
	}))
	s.smRoute("DELETE", "/secrets/{secret}/tasks/{id}", smNoContent(func(r *http.Request, c authz.Credential, in string) error {
		return sm.DeleteSecretTask(r.Context(), c, in, r.PathValue("secret"), r.PathValue("id"))
	}))
}
