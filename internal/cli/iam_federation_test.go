package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/cli"
)

// staticJWKS is a JWKS with one EC P-256 public key (RFC 7517 A.1).
const staticJWKS = `{"keys":[{"kty":"EC","crv":"P-256","x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4",` +
	`"y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM","use":"sig","kid":"1"}]}`

func TestFederationIssuerCommands(t *testing.T) {
	s, srv := newSession(t)
	cluster := "crn:v1:coffer:public:containers-kubernetes:us-south:a/" + srv.Bootstrap().AccountID + ":c1::"
	file := filepath.Join(t.TempDir(), "jwks.json")
	if err := os.WriteFile(file, []byte(staticJWKS), 0o600); err != nil {
		t.Fatal(err)
	}
	var created api.FederationIssuer
	s.json(&created, "iam", "federation-issuer-create", "prod", "--issuer", "https://k8s.example/prod",
		"--jwks", "@"+file, "--cr-type", "IKS_SA", "--cluster-crn", cluster)
	if created.JWKSSource != api.JWKSSourceStatic || created.ClusterCRN != cluster || created.Audiences[0] != "iam" {
		t.Errorf("created = %+v", created)
	}
	s.ok("", "iam", "federation-issuer-create", "gha", "--issuer", "https://token.actions.githubusercontent.com",
		"--discovery", "--cr-type", "OIDC", "--audience", "iam", "--audience", "https://coffer.example")
	out := s.ok("", "iam", "federation-issuers")
	for _, want := range []string{"prod", "gha", "https://token.actions.githubusercontent.com", "discovery"} {
		if !strings.Contains(out, want) {
			t.Errorf("federation-issuers output lacks %q:\n%s", want, out)
		}
	}
	var got api.FederationIssuer
	s.json(&got, "iam", "federation-issuer", "gha")
	if got.CRType != api.CRTypeOIDC || len(got.Audiences) != 2 {
		t.Errorf("federation-issuer gha = %+v", got)
	}
	usage := [][]string{
		{"iam", "federation-issuer-create", "x", "--issuer", "https://a.example", "--cr-type", "OIDC"},
		{"iam", "federation-issuer-create", "x", "--issuer", "https://a.example", "--discovery", "--jwks-uri", "https://a.example/k", "--cr-type", "OIDC"},
		{"iam", "federation-issuer-create", "x", "--issuer", "https://a.example", "--discovery", "--cr-type", "IKS_SA"},
	}
	for _, args := range usage {
		if code, _, _ := s.run("", args...); code != cli.ExitUsage {
			t.Errorf("coffer %s = exit %d, want %d", strings.Join(args, " "), code, cli.ExitUsage)
		}
	}
	if code, _, errs := s.run("", "iam", "federation-issuer-create", "again", "--issuer", "https://k8s.example/prod",
		"--discovery", "--cr-type", "OIDC"); code == cli.ExitOK || !strings.Contains(errs, "already registered") {
		t.Errorf("registering the same issuer again = exit %d, stderr %q; want a failure naming the clash", code, errs)
	}
	s.ok("", "iam", "federation-issuer-delete", "prod", "-f")
	if code, _, _ := s.run("", "iam", "federation-issuer", "prod"); code == cli.ExitOK {
		t.Errorf("federation-issuer prod after delete succeeded")
	}
}
