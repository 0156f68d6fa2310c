package secrets

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/authz"
	"github.com/cofferhq/coffer/internal/credprovider"
)

// This file holds coffer_provider, Coffer's extension of
// custom_credentials_configuration: a built-in provider (postgres or
// mariadb), the id of the secret holding its admin connection, and the
// template of the users it makes. It is stored with the configuration's
// other fields (configuration storage format, version 1; the admin
// connection itself stays in its own secret and is never copied here).

// builtin is a configuration's coffer_provider, parsed.
type builtin struct {
	provider credprovider.Provider
	adminID  string
	template credprovider.Template
}

// parseBuiltin decodes and validates a stored or submitted coffer_provider
// value. Errors: api.ErrInvalid.
func parseBuiltin(raw any) (*builtin, error) {
	b, err := json.Marshal(raw)
	if err != nil {
		return nil, api.Errorf(api.ErrInvalid, "coffer_provider must be an object")
	}
	var p api.CofferProvider
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return nil, api.Errorf(api.ErrInvalid, "coffer_provider: %v", err)
	}
	prov, err := credprovider.Lookup(p.Provider)
	if err != nil {
		return nil, api.Errorf(api.ErrInvalid, "coffer_provider.provider: %s", api.Message(err))
	}
	if p.AdminSecretID == "" {
		return nil, api.Errorf(api.ErrInvalid, "coffer_provider.admin_secret_id is required")
	}
	t := credprovider.Template{RoleNamePattern: p.Template.RoleNamePattern, Grants: p.Template.Grants,
		InheritRole: p.Template.InheritRole, ConnectionLimit: p.Template.ConnectionLimit,
		Database: p.Template.Database, PasswordLength: p.Template.PasswordLength}
	if err := credprovider.CheckTemplate(p.Provider, t); err != nil {
		return nil, api.Errorf(api.ErrInvalid, "coffer_provider.template: %s", api.Message(err))
	}
	return &builtin{provider: prov, adminID: p.AdminSecretID, template: t}, nil
}

// builtinSchema is the schema of a configuration with a built-in provider:
// no parameters are required, and the credentials are those of
// credprovider.Credentials.Content.
func builtinSchema() map[string]any {
	cred := func(name, typ string) map[string]any {
		return map[string]any{"name": name, "format": "required:true, type:" + typ}
	}
	return map[string]any{"parameters": []any{}, "credentials": []any{cred("username", "string"),
		cred("password", "string"), cred("host", "string"), cred("port", "integer"), cred("database", "string"),
		cred("url", "string")}}
}

// checkCustomCredentialsConfig checks that a custom_credentials_configuration
// names code_engine or coffer_provider (not both) and, for a built-in
// provider, that its template is valid and its admin secret is a secret of
// the instance the caller may read, holding an admin connection. It sets
// the schema of a built-in provider. Errors: api.ErrInvalid.
func (s *Service) checkCustomCredentialsConfig(ctx context.Context, cred authz.Credential, c *call, typ string, fields map[string]any) error {
	if typ != api.ConfigTypeCustomCredentials {
		return nil
	}
	raw, hasBuiltin := fields["coffer_provider"]
	_, hasJob := fields["code_engine"]
	switch hasBuiltin = hasBuiltin && raw != nil; {
	case !hasBuiltin && !hasJob:
		return api.Errorf(api.ErrInvalid, "a custom_credentials_configuration needs code_engine or coffer_provider")
	case hasBuiltin && hasJob:
		return api.Errorf(api.ErrInvalid, "a custom_credentials_configuration takes code_engine or coffer_provider, not both")
	case !hasBuiltin:
		return nil
	}
	b, err := parseBuiltin(raw)
	if err != nil {
		return err
	}
	sec, err := s.Secret(ctx, cred, c.in.GUID, b.adminID)
	if err != nil {
		return api.Errorf(api.ErrInvalid, "coffer_provider.admin_secret_id: secret %s cannot be read: %s", b.adminID, api.Message(err))
	}
	if _, err := adminOf(sec); err != nil {
		return err
	}
	fields["schema"] = builtinSchema()
	return nil
}

// adminConn is the admin connection as stored in a kv secret.
type adminConn struct {
	Host     string `json:"host"`
	Port     any    `json:"port"` // a number or a string of digits
	Username string `json:"username"`
	Password string `json:"password"`
	Database string `json:"database"`
	TLS      string `json:"tls"`
}

// adminOf reads the admin connection of a built-in provider from its
// secret: a kv secret with host, port, username, password, database and
// tls, or a username_password secret whose custom_metadata holds host,
// port, database and tls. Errors (never quoting the secret):
// api.ErrInvalid.
func adminOf(sec *api.Secret) (credprovider.Admin, error) {
	var a adminConn
	switch sec.SecretType {
	case api.SecretTypeKV:
		if err := json.Unmarshal(sec.Data.Reveal(), &a); err != nil {
			return credprovider.Admin{}, api.Errorf(api.ErrInvalid, "admin secret %s: its data is not an admin connection object", sec.ID)
		}
	case api.SecretTypeUsernamePassword:
		a.Username, a.Password = sec.Username, sec.Password.Reveal()
		md := sec.CustomMetadata
		a.Host, _ = md["host"].(string)
		a.Port = md["port"]
		a.Database, _ = md["database"].(string)
		a.TLS, _ = md["tls"].(string)
	default:
		return credprovider.Admin{}, api.Errorf(api.ErrInvalid, "admin secret %s must be a kv or username_password secret", sec.ID)
	}
	port, err := portOf(a.Port)
	if err != nil || a.Host == "" || a.Username == "" {
		return credprovider.Admin{}, api.Errorf(api.ErrInvalid,
			"admin secret %s needs host, username and a port between 0 and 65535", sec.ID)
	}
	return credprovider.Admin{Host: a.Host, Port: port, User: a.Username, Password: api.Sensitive(a.Password),
		Database: a.Database, TLS: a.TLS}, nil
}

func portOf(v any) (int, error) {
	var n int
	var err error
	switch p := v.(type) {
	case nil:
		return 0, nil
	case float64:
		n = int(p)
	case json.Number:
		n, err = strconv.Atoi(p.String())
	case string:
		n, err = strconv.Atoi(p)
	default:
		err = errors.New("port")
	}
	if err != nil || n < 0 || n > 65535 {
		return 0, errors.New("port")
	}
	return n, nil
}

// builtinConfigs returns the instance's custom credentials configurations
// with a valid coffer_provider, by name.
func (s *Service) builtinConfigs(ctx context.Context, guid string) (map[string]*builtin, error) {
	rows, err := s.st.SecretConfigurations(ctx, guid)
	if err != nil {
		return nil, err
	}
	out := map[string]*builtin{}
	for _, row := range rows {
		if row.ConfigType != api.ConfigTypeCustomCredentials {
			continue
		}
		fields, err := configMap(row.Metadata)
		if err != nil || fields["coffer_provider"] == nil {
			continue
		}
		if b, err := parseBuiltin(fields["coffer_provider"]); err == nil {
			out[row.Name] = b
		}
	}
	return out, nil
}
