package secrettype

import (
	"context"
	"fmt"
	"slices"

	"github.com/cofferhq/coffer/api"
)

// PrivateCert is the private_cert secret type. Its prototypes are validated;
// issuing needs Coffer's private CA, which is not built yet, so Create and
// NewVersion fail with api.ErrUnsupported — never a fake certificate.
type PrivateCert struct{}

// Name returns "private_cert".
func (PrivateCert) Name() string { return api.SecretTypePrivateCert }

// Create validates the prototype, then reports that issuing is not supported.
func (PrivateCert) Create(_ context.Context, p *api.SecretPrototype, env Env) (*Version, error) {
	if err := ValidateCommon(p, env); err != nil {
		return nil, err
	}
	switch {
	case p.CertificateTemplate == "":
		return nil, invalid("certificate_template is required for private_cert secrets")
	case p.CommonName == "":
		return nil, invalid("common_name is required for private_cert secrets")
	case p.Format != "" && !slices.Contains([]string{"pem", "pem_bundle"}, p.Format):
		return nil, invalid(`format must be "pem" or "pem_bundle"`)
	case p.PrivateKeyFormat != "" && !slices.Contains([]string{"der", "pkcs8"}, p.PrivateKeyFormat):
		return nil, invalid(`private_key_format must be "der" or "pkcs8"`)
	}
	if p.TTL != "" {
		if _, err := ParseTTL(p.TTL); err != nil {
			return nil, err
		}
	}
	if err := ValidateRotation(p.Rotation); err != nil {
		return nil, err
	}
	return nil, notYet(api.SecretTypePrivateCert)
}

// NewVersion reports that issuing is not supported.
func (PrivateCert) NewVersion(context.Context, *api.SecretVersionPrototype, Current, Env) (*Version, error) {
	return nil, notYet(api.SecretTypePrivateCert)
}

// Render sets the certificate fields of a stored certificate payload.
func (PrivateCert) Render(payload []byte, into *api.SecretData) error {
	return renderCert(payload, into)
}

// Key algorithms of public certificates.
var publicKeyAlgorithms = []string{"RSA2048", "RSA4096", "ECDSA256", "ECDSA384"}

// PublicCert is the public_cert secret type (ACME). Its prototypes are
// validated; ordering is not built yet, so Create and NewVersion fail with
// api.ErrUnsupported.
type PublicCert struct{}

// Name returns "public_cert".
func (PublicCert) Name() string { return api.SecretTypePublicCert }

// Create validates the prototype, then reports that ordering is not supported.
func (PublicCert) Create(_ context.Context, p *api.SecretPrototype, env Env) (*Version, error) {
	if err := ValidateCommon(p, env); err != nil {
		return nil, err
	}
	switch {
	case p.CA == "":
		return nil, invalid("ca is required for public_cert secrets")
	case p.DNS == "":
		return nil, invalid("dns is required for public_cert secrets")
	case p.CommonName == "" && len(p.AltNames) == 0:
		return nil, invalid("common_name or alt_names is required for public_cert secrets")
	case p.KeyAlgorithm != "" && !slices.Contains(publicKeyAlgorithms, p.KeyAlgorithm):
		return nil, invalid("key_algorithm must be one of %v", publicKeyAlgorithms)
	}
	if p.Rotation != nil && (p.Rotation.Interval != 0 || p.Rotation.Unit != "") {
		return nil, invalid("rotation of a public_cert takes only auto_rotate and rotate_keys")
	}
	return nil, notYet(api.SecretTypePublicCert)
}

// NewVersion reports that ordering is not supported.
func (PublicCert) NewVersion(context.Context, *api.SecretVersionPrototype, Current, Env) (*Version, error) {
	return nil, notYet(api.SecretTypePublicCert)
}

// Render sets the certificate fields of a stored certificate payload.
func (PublicCert) Render(payload []byte, into *api.SecretData) error {
	return renderCert(payload, into)
}

func notYet(typ string) error {
	return api.Errorf(api.ErrUnsupported, "creating %s secrets is not yet supported", typ)
}

// renderCert renders the certificate payload format shared with
// imported_cert, plus the CA fields of issued certificates.
func renderCert(payload []byte, into *api.SecretData) error {
	var p struct {
		certPayload
		IssuingCA string   `json:"issuing_ca,omitempty"`
		CAChain   []string `json:"ca_chain,omitempty"`
	}
	if err := decodeJSONPayload(payload, &p); err != nil {
		return fmt.Errorf("certificate payload: %w", err)
	}
	into.Certificate, into.Intermediate, into.PrivateKey = api.SecretString(p.Certificate), api.SecretString(p.Intermediate), api.SecretString(p.PrivateKey)
	into.IssuingCA, into.CAChain = p.IssuingCA, p.CAChain
	return nil
}
