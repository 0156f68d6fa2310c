package secrettype

import (
	"slices"

	"github.com/cofferhq/coffer/api"
)

// ApplyPatch validates a metadata patch of a secret of m's type (already
// field-checked with api.FieldsOf(type, api.RepMetadataPatch); nulls are the
// keys set to JSON null, which remove the field per RFC 7396) and applies it
// to m. m is changed only when the whole patch is valid.
func ApplyPatch(p *api.SecretMetadataPatch, nulls []string, m *api.SecretMetadata, env Env) error {
	n := *m
	null := func(k string) bool { return slices.Contains(nulls, k) }
	if null("name") {
		return invalid("name cannot be removed")
	}
	if p.Name != nil {
		if err := ValidateName(*p.Name); err != nil {
			return err
		}
		n.Name = *p.Name
	}
	if p.Description != nil || null("description") {
		if err := ValidateDescription(deref(p.Description)); err != nil {
			return err
		}
		n.Description = deref(p.Description)
	}
	if p.Labels != nil || null("labels") {
		if err := ValidateLabels(p.Labels); err != nil {
			return err
		}
		n.Labels = p.Labels
	}
	if p.CustomMetadata != nil || null("custom_metadata") {
		if err := ValidateCustomMetadata("custom_metadata", p.CustomMetadata); err != nil {
			return err
		}
		n.CustomMetadata = p.CustomMetadata
	}
	if err := applyTypePatch(p, null, &n, env); err != nil {
		return err
	}
	*m = n
	return nil
}

func applyTypePatch(p *api.SecretMetadataPatch, null func(string) bool, n *api.SecretMetadata, env Env) error {
	if p.ExpirationDate != nil || null("expiration_date") {
		var t api.SecretsTime
		if p.ExpirationDate != nil {
			t = *p.ExpirationDate
		}
		if err := ValidateExpiration(t, env.Now); err != nil {
			return err
		}
		n.ExpirationDate = t
	}
	if p.TTL != nil || null("ttl") {
		if err := patchTTL(n, deref(p.TTL)); err != nil {
			return err
		}
	}
	if p.Rotation != nil || null("rotation") {
		if err := ValidateRotation(p.Rotation); err != nil {
			return err
		}
		n.Rotation = p.Rotation
		if n.Rotation == nil {
			n.Rotation = &api.RotationPolicy{}
		}
		n.NextRotationDate = api.NewSecretsTime(NextRotation(n.Rotation, env.Now))
	}
	if p.PasswordGenerationPolicy != nil {
		merged, err := mergePolicy(n.PasswordGenerationPolicy, p.PasswordGenerationPolicy)
		if err != nil {
			return err
		}
		n.PasswordGenerationPolicy = merged
	}
	if p.Parameters != nil || null("parameters") {
		if err := validateParameters(p.Parameters); err != nil {
			return err
		}
		n.Parameters = p.Parameters
	}
	if p.ManagedCSR != nil {
		return api.Errorf(api.ErrUnsupported, "managed_csr is not yet supported")
	}
	return nil
}

// patchTTL validates and sets a new ttl for n's type; "" removes it where
// the type allows.
func patchTTL(n *api.SecretMetadata, ttl string) error {
	if ttl == "" {
		if n.SecretType == api.SecretTypeIAMCredentials {
			return invalid("ttl is required for iam_credentials secrets")
		}
		n.TTL = ""
		return nil
	}
	min := MinCredentialsTTL
	if n.SecretType == api.SecretTypeIAMCredentials {
		min = MinIAMTTL
	}
	if _, err := ValidateTTL(ttl, min, MaxTTL); err != nil {
		return err
	}
	n.TTL = ttl
	return nil
}

func deref[T any](p *T) T {
	var z T
	if p == nil {
		return z
	}
	return *p
}
