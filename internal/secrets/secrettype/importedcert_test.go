package secrettype

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cofferhq/coffer/api"
)

type certKey struct {
	cert    *x509.Certificate
	certPEM string
	keyPEM  string
	key     crypto.Signer
}

// newCert makes a certificate for cn signed by parent (self-signed when nil).
func newCert(tb testing.TB, cn string, key crypto.Signer, parent *certKey, notAfter time.Time) *certKey {
	tb.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(0x0a1b2c), Subject: pkix.Name{CommonName: cn},
		NotBefore: now.Add(-time.Hour), NotAfter: notAfter, DNSNames: []string{cn, "www." + cn},
		IPAddresses: []net.IP{net.ParseIP("10.0.0.1")}, IsCA: parent == nil, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
	}
	issuer, signer := tmpl, key
	if parent != nil {
		issuer, signer = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, issuer, key.Public(), signer)
	if err != nil {
		tb.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	k, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		tb.Fatal(err)
	}
	return &certKey{cert: c, key: key, certPEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		keyPEM: string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: k}))}
}

func rsaKey(tb testing.TB) *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

func ecKey(tb testing.TB) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

func TestImportedCert(t *testing.T) {
	later := now.AddDate(1, 0, 0)
	ca := newCert(t, "ca.example", ecKey(t), nil, later)
	leafRSA := newCert(t, "a.example", rsaKey(t), ca, later)
	leafEC := newCert(t, "b.example", ecKey(t), ca, later)
	_, edPriv, _ := ed25519.GenerateKey(rand.Reader)
	leafEd := newCert(t, "c.example", edPriv, ca, later)
	other := newCert(t, "o.example", ecKey(t), nil, later)
	expired := newCert(t, "old.example", ecKey(t), ca, now.Add(-time.Minute))
	ecPKCS1, _ := x509.MarshalECPrivateKey(leafEC.key.(*ecdsa.PrivateKey))
	rsaPKCS1 := x509.MarshalPKCS1PrivateKey(leafRSA.key.(*rsa.PrivateKey))
	pemOf := func(typ string, b []byte) string { return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b})) }

	ok := []struct {
		name             string
		cert, inter, key string
		alg              string
	}{
		{"rsa pkcs8 with chain", leafRSA.certPEM, ca.certPEM, leafRSA.keyPEM, "RSA2048"},
		{"rsa pkcs1", leafRSA.certPEM, "", pemOf("RSA PRIVATE KEY", rsaPKCS1), "RSA2048"},
		{"ec sec1", leafEC.certPEM, ca.certPEM, pemOf("EC PRIVATE KEY", ecPKCS1), "EC256"},
		{"ed25519", leafEd.certPEM, "", leafEd.keyPEM, "ED25519"},
		{"certificate only", leafEC.certPEM, "", "", "EC256"},
	}
	for _, c := range ok {
		t.Run(c.name, func(t *testing.T) {
			v, err := ImportedCert{}.Create(context.Background(), &api.SecretPrototype{Name: "ab", Certificate: api.SecretString(c.cert),
				Intermediate: api.SecretString(c.inter), PrivateKey: api.SecretString(c.key)}, testEnv())
			if err != nil {
				t.Fatalf("Create() = %v", err)
			}
			info := v.Certificate
			if info.KeyAlgorithm != c.alg || info.SerialNumber != "0a:1b:2c" || info.Issuer != "ca.example" ||
				info.IntermediateIncluded != (c.inter != "") || info.PrivateKeyIncluded != (c.key != "") || !v.ExpirationDate.Equal(later.Truncate(time.Second)) {
				t.Errorf("info = %+v, expiration %v", info, v.ExpirationDate)
			}
			if len(info.AltNames) != 3 || info.AltNames[2] != "10.0.0.1" || info.SigningAlgorithm != "ECDSA-SHA256" {
				t.Errorf("alt names %v, signing %s", info.AltNames, info.SigningAlgorithm)
			}
			want := api.SecretData{Certificate: api.SecretString(c.cert), Intermediate: api.SecretString(c.inter), PrivateKey: api.SecretString(c.key)}
			if diff := cmp.Diff(want, render(t, ImportedCert{}, v.Payload)); diff != "" {
				t.Errorf("Render (-want +got):\n%s", diff)
			}
		})
	}

	bad := []struct {
		name, cert, inter, key, msg string
	}{
		{"missing", "", "", "", "certificate is required"},
		{"broken pem", "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n", "", "", "does not parse"},
		{"garbage", "hello", "", "", "must be PEM-encoded"},
		{"bad der", pemOf("CERTIFICATE", []byte{1, 2, 3}), "", "", "does not parse"},
		{"key as cert", leafEC.keyPEM, "", "", "only PEM CERTIFICATE"},
		{"two certs", leafEC.certPEM + ca.certPEM, "", "", "exactly one certificate"},
		{"trailing junk", leafEC.certPEM + "junk", "", "", "must be PEM-encoded"},
		{"expired", expired.certPEM, "", "", "certificate expired"},
		{"mismatched key", leafRSA.certPEM, "", leafEC.keyPEM, "does not match"},
		{"mismatched ec key", leafEC.certPEM, "", other.keyPEM, "does not match"},
		{"broken key", leafEC.certPEM, "", pemOf("PRIVATE KEY", []byte{1}), "private_key does not parse"},
		{"key type", leafEC.certPEM, "", pemOf("DSA PRIVATE KEY", []byte{1}), "must be a PEM PRIVATE KEY"},
		{"two keys", leafEC.certPEM, "", leafEC.keyPEM + leafEC.keyPEM, "one PEM block"},
		{"wrong intermediate", leafEC.certPEM, other.certPEM, "", "not signed by the first intermediate"},
		{"broken intermediate", leafEC.certPEM, "x", "", "intermediate must be PEM"},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			_, err := ImportedCert{}.NewVersion(context.Background(), &api.SecretVersionPrototype{Certificate: api.SecretString(c.cert),
				Intermediate: api.SecretString(c.inter), PrivateKey: api.SecretString(c.key)}, Current{}, testEnv())
			wantErr(t, err, api.ErrInvalid, c.msg)
		})
	}
}
