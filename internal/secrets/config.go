package secrets

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/authz"
	"github.com/cofferhq/coffer/internal/envelope"
	"github.com/cofferhq/coffer/internal/secrets/secrettype"
	"github.com/cofferhq/coffer/internal/store"
)

// Configuration storage format, version 1: secret_configurations.metadata
// holds the JSON object of the configuration's fields with their wire names
// as answered (durations already in _seconds), without the secret fields;
// sealed holds the JSON object of the secret fields, encrypted under
// Binding{instance, "configuration:<type>:<name>", "1"}.

// secretConfigFields are the configuration fields that hold secrets.
var secretConfigFields = []string{"lets_encrypt_private_key", "classic_infrastructure_password",
	"cloud_internet_services_apikey", "api_key"}

// durationFields map input duration fields to their output names.
var durationFields = map[string]string{"max_ttl": "max_ttl_seconds", "crl_expiry": "crl_expiry_seconds",
	"ttl": "ttl_seconds", "not_before_duration": "not_before_duration_seconds"}

// MaxConfigurationsPerType is IBM's limit per configuration type (one for
// iam_credentials_configuration).
const MaxConfigurationsPerType = 10

// ErrAmbiguous is wrapped by the error of a configuration name that more
// than one type uses when no type was given (IBM answers 300).
var ErrAmbiguous = errors.New("ambiguous configuration name")

type ambiguousError struct{ err *api.Error }

func (e ambiguousError) Error() string   { return e.err.Error() }
func (e ambiguousError) Unwrap() []error { return []error{e.err, ErrAmbiguous} }

func configBinding(instance, configType, name string) envelope.Binding {
	return envelope.Binding{Instance: instance, Secret: "configuration:" + configType + ":" + name, Version: "1"}
}

// CreateConfiguration creates a configuration from a ConfigurationPrototype
// body (discriminated by config_type) (secrets-manager.configuration.create).
// Errors: api.ErrInvalid, api.ErrAlreadyExists ("already exists": the name
// is taken for the type, or a second iam_credentials_configuration).
func (s *Service) CreateConfiguration(ctx context.Context, cred authz.Credential, instance string, body []byte) (*api.Configuration, error) {
	c, err := s.begin(ctx, cred, instance)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, c, actConfigCreate); err != nil {
		return nil, err
	}
	typ, err := api.Discriminator(body, "config_type")
	if err != nil {
		return nil, err
	}
	f, err := api.ConfigFieldsOf(typ, api.RepConfigurationPrototype)
	if err != nil {
		return nil, err
	}
	var p api.ConfigurationPrototype
	if _, err := f.Decode(body, &p); err != nil {
		return nil, err
	}
	if err := secrettype.ValidateName(p.Name); err != nil {
		return nil, err
	}
	fields, err := configMap(body)
	if err != nil {
		return nil, err
	}
	delete(fields, "config_type")
	delete(fields, "name")
	delete(fields, "allow_wildcard_certificates")
	if err := validateConfig(typ, fields); err != nil {
		return nil, err
	}
	if _, ok := fields["schema"]; !ok && typ == api.ConfigTypeCustomCredentials {
		fields["schema"] = map[string]any{"parameters": []any{}, "credentials": []any{}}
	}
	if err := s.checkCustomCredentialsConfig(ctx, cred, c, typ, fields); err != nil {
		return nil, err
	}
	if err := s.checkConfigLimit(ctx, c, typ); err != nil {
		return nil, err
	}
	row := &store.SecretConfiguration{InstanceGUID: c.in.GUID, ConfigType: typ, Name: p.Name,
		SecretType: api.ConfigSecretType(typ), CreatedBy: c.p.IAMID}
	if err := s.sealConfig(ctx, row, fields); err != nil {
		return nil, err
	}
	if err := s.st.CreateSecretConfiguration(ctx, row); err != nil {
		return nil, storeErr(err, fmt.Sprintf("a %s named %q", typ, p.Name))
	}
	return s.configView(ctx, row, true)
}

func configMap(body []byte) (map[string]any, error) {
	var m map[string]any
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil || m == nil {
		return nil, api.Errorf(api.ErrInvalid, "the request body must be a JSON object")
	}
	return m, nil
}

// validateConfig checks type-specific values and turns durations into
// seconds.
func validateConfig(typ string, fields map[string]any) error {
	for in, out := range durationFields {
		v, ok := fields[in]
		if !ok {
			continue
		}
		delete(fields, in)
		if v == nil {
			continue
		}
		str, _ := v.(string)
		d, err := secrettype.ParseTTL(str)
		if err != nil {
			return api.Errorf(api.ErrInvalid, "%s: %s", in, api.Message(err))
		}
		fields[out] = int64(d.Seconds())
	}
	switch typ {
	case api.ConfigTypeLetsEncrypt:
		if env, _ := fields["lets_encrypt_environment"].(string); env != "" && env != "production" && env != "staging" {
			return api.Errorf(api.ErrInvalid, `lets_encrypt_environment must be "production" or "staging"`)
		}
	case api.ConfigTypeCustomCredentials:
		if v, ok := fields["task_timeout"]; ok && v != nil {
			if _, err := parseTaskTimeout(v); err != nil {
				return err
			}
		}
	case api.ConfigTypeIntermediateCA:
		if m, _ := fields["signing_method"].(string); m != "" && m != "internal" && m != "external" {
			return api.Errorf(api.ErrInvalid, `signing_method must be "internal" or "external"`)
		}
	}
	return nil
}

func (s *Service) checkConfigLimit(ctx context.Context, c *call, typ string) error {
	all, err := s.st.SecretConfigurations(ctx, c.in.GUID)
	if err != nil {
		return err
	}
	n := 0
	for _, x := range all {
		if x.ConfigType == typ {
			n++
		}
	}
	switch {
	case typ == api.ConfigTypeIAMCredentials && n >= 1:
		return api.Errorf(api.ErrAlreadyExists, "an iam_credentials_configuration already exists in the instance")
	case n >= MaxConfigurationsPerType:
		return api.Errorf(api.ErrInvalid, "the instance already holds %d configurations of type %s", n, typ)
	}
	return nil
}

// sealConfig splits fields into the row's metadata and sealed parts.
func (s *Service) sealConfig(ctx context.Context, row *store.SecretConfiguration, fields map[string]any) error {
	secret := map[string]any{}
	for _, k := range secretConfigFields {
		if v, ok := fields[k]; ok {
			secret[k] = v
			delete(fields, k)
		}
	}
	row.Metadata = encodeMetadata(fields)
	row.Sealed = nil
	if len(secret) == 0 {
		return nil
	}
	pt := encodeMetadata(secret)
	defer zero(pt)
	var err error
	row.Sealed, err = s.keys.Encrypt(ctx, configBinding(row.InstanceGUID, row.ConfigType, row.Name), pt)
	return err
}

// configFields returns the stored fields of a configuration, with its
// secret ones when withSecrets.
func (s *Service) configFields(ctx context.Context, row *store.SecretConfiguration, withSecrets bool) (map[string]any, error) {
	fields, err := configMap(row.Metadata)
	if err != nil {
		return nil, fmt.Errorf("configuration %q: stored metadata: %w", row.Name, api.ErrInternal)
	}
	if withSecrets && row.Sealed != nil {
		pt, err := s.keys.Decrypt(ctx, configBinding(row.InstanceGUID, row.ConfigType, row.Name), row.Sealed)
		if err != nil {
			return nil, err
		}
		defer zero(pt)
		secret, err := configMap(pt)
		if err != nil {
			return nil, fmt.Errorf("configuration %q: sealed part: %w", row.Name, api.ErrInternal)
		}
		for k, v := range secret {
			fields[k] = v
		}
	}
	return fields, nil
}

// configView renders a stored configuration.
func (s *Service) configView(ctx context.Context, row *store.SecretConfiguration, withSecrets bool) (*api.Configuration, error) {
	fields, err := s.configFields(ctx, row, withSecrets)
	if err != nil {
		return nil, err
	}
	b := encodeMetadata(fields)
	out := new(api.Configuration)
	if err := json.Unmarshal(b, out); err != nil {
		return nil, fmt.Errorf("configuration %q: %v: %w", row.Name, err, api.ErrInternal)
	}
	out.ConfigType, out.Name, out.SecretType, out.CreatedBy = row.ConfigType, row.Name, row.SecretType, row.CreatedBy
	out.CreatedAt, out.UpdatedAt = api.NewSecretsTime(row.CreatedAt), api.NewSecretsTime(row.UpdatedAt)
	return out, nil
}

// configFor authenticates, authorizes action and finds configuration name
// (of configType when given). Errors: api.ErrNotFound, ErrAmbiguous.
func (s *Service) configFor(ctx context.Context, cred authz.Credential, instance, name, configType, action string) (*call, *store.SecretConfiguration, error) {
	c, err := s.begin(ctx, cred, instance)
	if err != nil {
		return nil, nil, err
	}
	if err := s.authorize(ctx, c, action); err != nil {
		return nil, nil, err
	}
	if configType != "" && !slices.Contains(api.ConfigTypes, configType) {
		return nil, nil, api.Errorf(api.ErrInvalid, "X-Sm-Accept-Configuration-Type: %q is not a configuration type", configType)
	}
	row, err := s.configNamed(ctx, c.in.GUID, name, configType)
	if err != nil {
		return nil, nil, err
	}
	return c, row, nil
}

// configNamed reads configuration name of the instance (of configType when
// given). Errors: api.ErrNotFound, ErrAmbiguous.
func (s *Service) configNamed(ctx context.Context, guid, name, configType string) (*store.SecretConfiguration, error) {
	rows, err := s.st.SecretConfigurationsNamed(ctx, guid, name)
	if err != nil {
		return nil, err
	}
	rows = slices.DeleteFunc(rows, func(r *store.SecretConfiguration) bool { return configType != "" && r.ConfigType != configType })
	switch len(rows) {
	case 0:
		return nil, api.Errorf(api.ErrNotFound, "configuration %q not found", name)
	case 1:
		return rows[0], nil
	}
	return nil, ambiguousError{api.Errorf(api.ErrConflict,
		"configuration name %q is used by more than one configuration type: send X-Sm-Accept-Configuration-Type", name)}
}

// Configuration returns configuration name (secrets-manager.configuration.read);
// configType is the X-Sm-Accept-Configuration-Type header ("" = any).
// Errors: api.ErrNotFound, ErrAmbiguous.
func (s *Service) Configuration(ctx context.Context, cred authz.Credential, instance, name, configType string) (*api.Configuration, error) {
	_, row, err := s.configFor(ctx, cred, instance, name, configType, actConfigRead)
	if err != nil {
		return nil, err
	}
	return s.configView(ctx, row, true)
}

// UpdateConfiguration applies a merge patch checked against the stored
// type's patch fields (secrets-manager.configuration.update). Errors:
// api.ErrNotFound, ErrAmbiguous, api.ErrInvalid, api.ErrConflict.
func (s *Service) UpdateConfiguration(ctx context.Context, cred authz.Credential, instance, name, configType string, body []byte) (*api.Configuration, error) {
	c, row, err := s.configFor(ctx, cred, instance, name, configType, actConfigUpdate)
	if err != nil {
		return nil, err
	}
	f, err := api.ConfigFieldsOf(row.ConfigType, api.RepConfigurationPatch)
	if err != nil {
		return nil, err
	}
	var p api.ConfigurationPatch
	if _, err := f.Decode(body, &p); err != nil {
		return nil, err
	}
	patch, err := configMap(body)
	if err != nil {
		return nil, err
	}
	if err := validateConfig(row.ConfigType, patch); err != nil {
		return nil, err
	}
	// The patch names no revision: when another change of the
	// configuration commits first, it applies again to it as it is then.
	err = store.RetryConflict(store.ConflictAttempts, func() error { return s.patchConfig(ctx, cred, c, row, patch) },
		func() (err error) { row, err = s.configNamed(ctx, c.in.GUID, name, row.ConfigType); return err })
	if err != nil {
		return nil, storeErr(err, fmt.Sprintf("configuration %q", name))
	}
	return s.configView(ctx, row, true)
}

// patchConfig merges patch (checked by validateConfig) into row's fields
// and writes them. Errors: api.ErrInvalid, the store's (ErrConflict when
// row changed since it was read).
func (s *Service) patchConfig(ctx context.Context, cred authz.Credential, c *call, row *store.SecretConfiguration, patch map[string]any) error {
	fields, err := s.configFields(ctx, row, true)
	if err != nil {
		return err
	}
	for k, v := range patch {
		if v == nil {
			delete(fields, k)
		} else {
			fields[k] = v
		}
	}
	if _, ok := patch["coffer_provider"]; ok {
		if err := s.checkCustomCredentialsConfig(ctx, cred, c, row.ConfigType, fields); err != nil {
			return err
		}
	}
	if err := s.sealConfig(ctx, row, fields); err != nil {
		return err
	}
	return s.st.UpdateSecretConfiguration(ctx, row)
}

// DeleteConfiguration deletes configuration name
// (secrets-manager.configuration.delete). Errors: api.ErrNotFound,
// ErrAmbiguous.
func (s *Service) DeleteConfiguration(ctx context.Context, cred authz.Credential, instance, name, configType string) error {
	c, row, err := s.configFor(ctx, cred, instance, name, configType, actConfigDelete)
	if err != nil {
		return err
	}
	return storeErr(s.st.DeleteSecretConfiguration(ctx, c.in.GUID, row.ConfigType, row.Name), fmt.Sprintf("configuration %q", name))
}

// ListConfigurations returns a page of the instance's configurations
// without their secret fields (secrets-manager.configurations.list), sorted
// by config_type, secret_type or name, filtered by search (name, type or
// secret type substring) and secret types. Errors: api.ErrInvalid.
func (s *Service) ListConfigurations(ctx context.Context, cred authz.Credential, instance string, o ListOptions) (*api.ConfigurationsPage, error) {
	c, err := s.begin(ctx, cred, instance)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, c, actConfigsList); err != nil {
		return nil, err
	}
	if err := o.checkPaging(DefaultListLimit); err != nil {
		return nil, err
	}
	key := strings.TrimPrefix(o.Sort, "-")
	if key != "" && key != "config_type" && key != "secret_type" && key != "name" {
		return nil, api.Errorf(api.ErrInvalid, "sort must be config_type, secret_type or name (with - to descend)")
	}
	rows, err := s.st.SecretConfigurations(ctx, c.in.GUID)
	if err != nil {
		return nil, err
	}
	var items []api.ConfigurationMetadata
	search := strings.ToLower(o.Search)
	for _, r := range rows {
		hay := strings.ToLower(r.Name + "\x00" + r.ConfigType + "\x00" + r.SecretType)
		if (len(o.Types) > 0 && !slices.Contains(o.Types, r.SecretType)) || !strings.Contains(hay, search) {
			continue
		}
		v, err := s.configView(ctx, r, false)
		if err != nil {
			return nil, err
		}
		items = append(items, v.Metadata())
	}
	sortConfigs(items, o.Sort)
	page := pageOf(items, o)
	return &api.ConfigurationsPage{Page: o.page(int64(len(items)), len(page)), Configurations: page}, nil
}

func sortConfigs(items []api.ConfigurationMetadata, sort string) {
	key, desc := strings.TrimPrefix(sort, "-"), strings.HasPrefix(sort, "-")
	get := func(m api.ConfigurationMetadata) string {
		switch key {
		case "config_type":
			return m.ConfigType
		case "secret_type":
			return m.SecretType
		case "name":
			return m.Name
		}
		return ""
	}
	slices.SortStableFunc(items, func(a, b api.ConfigurationMetadata) int {
		r := strings.Compare(get(a), get(b))
		if desc {
			r = -r
		}
		return r
	})
}

// CreateConfigurationAction runs a configuration action
// (secrets-manager.configuration-action.create). Every action needs
// Coffer's private CA, which is not built yet: a valid action on a
// configuration of the right type answers api.ErrUnsupported. Errors:
// api.ErrNotFound, ErrAmbiguous, api.ErrInvalid, api.ErrUnsupported.
func (s *Service) CreateConfigurationAction(ctx context.Context, cred authz.Credential, instance, name, configType string, body []byte) (*api.ConfigurationAction, error) {
	_, row, err := s.configFor(ctx, cred, instance, name, configType, actConfigAction)
	if err != nil {
		return nil, err
	}
	typ, err := api.Discriminator(body, "action_type")
	if err != nil {
		return nil, err
	}
	targets := map[string][]string{
		api.ConfigActionSignIntermediate:    {api.ConfigTypeRootCA, api.ConfigTypeIntermediateCA},
		api.ConfigActionSignCSR:             {api.ConfigTypeRootCA, api.ConfigTypeIntermediateCA},
		api.ConfigActionSetSigned:           {api.ConfigTypeIntermediateCA},
		api.ConfigActionRevokeCACertificate: {api.ConfigTypeIntermediateCA},
		api.ConfigActionRotateCRL:           {api.ConfigTypeRootCA, api.ConfigTypeIntermediateCA},
		api.ConfigActionRotateIntermediate:  {api.ConfigTypeIntermediateCA},
	}
	want, ok := targets[typ]
	if !ok {
		return nil, api.Errorf(api.ErrInvalid, "action_type %q is not a configuration action", typ)
	}
	if !slices.Contains(want, row.ConfigType) {
		return nil, api.Errorf(api.ErrInvalid, "action %s does not apply to a %s", typ, row.ConfigType)
	}
	var p api.ConfigurationActionPrototype
	if _, err := decodeStrict(body, "configuration action", configActionFields, []string{"action_type"}, &p); err != nil {
		return nil, err
	}
	return nil, api.Errorf(api.ErrUnsupported, "configuration action %s is not yet supported: Coffer's private CA is not built yet", typ)
}

var configActionFields = []string{"action_type", "common_name", "alt_names", "ip_sans", "uri_sans", "other_sans", "ttl",
	"format", "max_path_length", "exclude_cn_from_sans", "permitted_dns_domains", "use_csr_values", "ou", "organization",
	"country", "locality", "province", "street_address", "postal_code", "serial_number", "csr",
	"intermediate_certificate_authority", "certificate"}
