package secrettype

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"strings"
	"time"

	"github.com/cofferhq/coffer/api"
)

// ImportedCert is the imported_cert secret type: a PEM certificate, with an
// optional private key and intermediate certificates, parsed and checked.
type ImportedCert struct{}

// CertInfo is what Coffer derives from an imported certificate.
type CertInfo struct {
	CommonName           string
	AltNames             []string
	Issuer               string
	SerialNumber         string // colon-separated lowercase hex bytes, as IBM
	SigningAlgorithm     string // e.g. SHA256-RSA
	KeyAlgorithm         string // RSA2048, EC256, ED25519 …
	NotBefore, NotAfter  time.Time
	IntermediateIncluded bool
	PrivateKeyIncluded   bool
}

func (c *CertInfo) validity() *api.CertificateValidity {
	return &api.CertificateValidity{NotBefore: api.NewSecretsTime(c.NotBefore), NotAfter: api.NewSecretsTime(c.NotAfter)}
}

type certPayload struct {
	Certificate  string `json:"certificate"`
	Intermediate string `json:"intermediate,omitempty"`
	PrivateKey   string `json:"private_key,omitempty"`
}

// Name returns "imported_cert".
func (ImportedCert) Name() string { return api.SecretTypeImportedCert }

// Create parses the bundle (see ParseCertificateBundle); the version expires
// with the certificate. managed_csr is not supported yet.
func (ImportedCert) Create(_ context.Context, p *api.SecretPrototype, env Env) (*Version, error) {
	if err := ValidateCommon(p, env); err != nil {
		return nil, err
	}
	if p.ManagedCSR != nil {
		return nil, api.Errorf(api.ErrUnsupported, "managed_csr is not yet supported; import a certificate instead")
	}
	return certVersion(p.Certificate, p.Intermediate, p.PrivateKey, env)
}

// NewVersion parses a new bundle as Create does.
func (ImportedCert) NewVersion(_ context.Context, p *api.SecretVersionPrototype, _ Current, env Env) (*Version, error) {
	if err := validateVersionCommon(p); err != nil {
		return nil, err
	}
	return certVersion(p.Certificate, p.Intermediate, p.PrivateKey, env)
}

func certVersion(cert, inter, key api.SecretString, env Env) (*Version, error) {
	if err := ValidatePayloadSize(len(cert)+len(inter)+len(key), env); err != nil {
		return nil, err
	}
	info, err := ParseCertificateBundle([]byte(cert.Reveal()), []byte(inter.Reveal()), []byte(key.Reveal()), env.Now)
	if err != nil {
		return nil, err
	}
	b, err := encodeJSONPayload(certPayload{Certificate: cert.Reveal(), Intermediate: inter.Reveal(), PrivateKey: key.Reveal()})
	if err != nil {
		return nil, err
	}
	return &Version{Payload: b, ExpirationDate: info.NotAfter, Certificate: info}, nil
}

// Render sets Certificate, Intermediate and PrivateKey.
func (ImportedCert) Render(payload []byte, into *api.SecretData) error {
	var p certPayload
	if err := decodeJSONPayload(payload, &p); err != nil {
		return err
	}
	into.Certificate, into.Intermediate, into.PrivateKey = api.SecretString(p.Certificate), api.SecretString(p.Intermediate), api.SecretString(p.PrivateKey)
	return nil
}

// ParseCertificateBundle parses a PEM certificate (exactly one), optional PEM
// intermediate certificates and an optional PEM private key (PKCS #8,
// PKCS #1 or SEC 1). The certificate must be valid at now, the key must
// match it (RSA, ECDSA or Ed25519), and the certificate must be signed by the
// first intermediate when intermediates are given. Errors wrap
// api.ErrInvalid and never quote the input.
func ParseCertificateBundle(certPEM, interPEM, keyPEM []byte, now time.Time) (*CertInfo, error) {
	if len(strings.TrimSpace(string(certPEM))) == 0 {
		return nil, invalid("certificate is required")
	}
	certs, err := parseCerts("certificate", certPEM)
	if err != nil {
		return nil, err
	}
	if len(certs) != 1 {
		return nil, invalid("certificate must hold exactly one certificate; put the chain in intermediate")
	}
	c := certs[0]
	if now.After(c.NotAfter) {
		return nil, invalid("certificate expired on %s", c.NotAfter.UTC().Format(time.RFC3339))
	}
	info := certInfo(c)
	if len(strings.TrimSpace(string(interPEM))) > 0 {
		inters, err := parseCerts("intermediate", interPEM)
		if err != nil {
			return nil, err
		}
		if err := c.CheckSignatureFrom(inters[0]); err != nil {
			return nil, invalid("certificate is not signed by the first intermediate certificate")
		}
		info.IntermediateIncluded = true
	}
	if len(strings.TrimSpace(string(keyPEM))) > 0 {
		if err := matchKey(c, keyPEM); err != nil {
			return nil, err
		}
		info.PrivateKeyIncluded = true
	}
	return info, nil
}

func parseCerts(field string, data []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			return nil, invalid("%s must hold only PEM CERTIFICATE blocks", field)
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, invalid("%s: a certificate does not parse", field)
		}
		out = append(out, c)
	}
	if len(out) == 0 || len(strings.TrimSpace(string(data))) != 0 {
		return nil, invalid("%s must be PEM-encoded certificates", field)
	}
	return out, nil
}

func matchKey(c *x509.Certificate, keyPEM []byte) error {
	b, rest := pem.Decode(keyPEM)
	if b == nil || len(strings.TrimSpace(string(rest))) != 0 {
		return invalid("private_key must be one PEM block")
	}
	var key any
	var err error
	switch b.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(b.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(b.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(b.Bytes)
	default:
		return invalid("private_key must be a PEM PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY")
	}
	if err != nil {
		return invalid("private_key does not parse")
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return invalid("private_key is of an unsupported type")
	}
	pub, ok := signer.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(c.PublicKey) {
		return invalid("private_key does not match the certificate")
	}
	return nil
}

func certInfo(c *x509.Certificate) *CertInfo {
	alt := append([]string{}, c.DNSNames...)
	for _, ip := range c.IPAddresses {
		alt = append(alt, ip.String())
	}
	alt = append(alt, c.EmailAddresses...)
	for _, u := range c.URIs {
		alt = append(alt, u.String())
	}
	issuer := c.Issuer.CommonName
	if issuer == "" {
		issuer = c.Issuer.String()
	}
	return &CertInfo{
		CommonName: c.Subject.CommonName, AltNames: alt, Issuer: issuer,
		SerialNumber: colonHex(c.SerialNumber.Bytes()), SigningAlgorithm: c.SignatureAlgorithm.String(),
		KeyAlgorithm: keyAlgorithm(c.PublicKey), NotBefore: c.NotBefore, NotAfter: c.NotAfter,
	}
}

func colonHex(b []byte) string {
	if len(b) == 0 {
		return "00"
	}
	parts := make([]string, len(b))
	for i := range b {
		parts[i] = hex.EncodeToString(b[i : i+1])
	}
	return strings.Join(parts, ":")
}

// keyAlgorithm returns IBM's name of a public key's algorithm.
func keyAlgorithm(pub any) string {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return fmt.Sprintf("RSA%d", k.N.BitLen())
	case *ecdsa.PublicKey:
		return fmt.Sprintf("EC%d", k.Curve.Params().BitSize)
	case ed25519.PublicKey:
		return "ED25519"
	}
	return "UNKNOWN"
}
