package secrets_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/authz"
	"github.com/cofferhq/coffer/internal/identity"
	"github.com/cofferhq/coffer/internal/kms"
	"github.com/cofferhq/coffer/internal/resource"
	"github.com/cofferhq/coffer/internal/secrets"
	"github.com/cofferhq/coffer/internal/store"
)

// benchService builds the secrets service on SQLite in a temporary
// directory with a dev root key and the bootstrap gate, and returns it with
// a bearer token of the administrator (verified tokens are cached, as in
// the server).
func benchService(tb testing.TB) (*secrets.Service, authz.Credential) {
	tb.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{URL: "sqlite:" + filepath.Join(tb.TempDir(), "coffer.db")})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	keys, err := kms.NewKeys(kms.KeysConfig{Provider: kms.NewDev(), Store: st})
	if err != nil {
		tb.Fatal(err)
	}
	if err := keys.Start(ctx); err != nil {
		tb.Fatal(err)
	}
	ids, err := identity.New(identity.Config{Store: st, Keys: keys})
	if err != nil {
		tb.Fatal(err)
	}
	key := identity.NewAPIKeyValue()
	if _, err := ids.Bootstrap(ctx, identity.BootstrapConfig{APIKey: key, Region: "us-south"}); err != nil {
		tb.Fatal(err)
	}
	gate := authz.NewGate(ids)
	res, err := resource.New(resource.Config{Store: st, Keys: keys, Gate: gate})
	if err != nil {
		tb.Fatal(err)
	}
	svc, err := secrets.New(secrets.Config{Store: st, Keys: keys, Gate: gate, Resources: res, Identity: ids})
	if err != nil {
		tb.Fatal(err)
	}
	tok, err := ids.Token(ctx, &identity.TokenRequest{GrantType: identity.GrantAPIKey, APIKey: key})
	if err != nil {
		tb.Fatal(err)
	}
	return svc, authz.Credential{Bearer: api.Sensitive(tok.AccessToken)}
}

// BenchmarkGetSecret measures the hot path at the service level: cached
// instance, credential verification and keyring; one JOIN read and one
// decryption per call.
func BenchmarkGetSecret(b *testing.B) {
	svc, cred := benchService(b)
	ctx := context.Background()
	const n = 100
	ids := make([]string, n)
	for i := range n {
		s, err := svc.CreateSecret(ctx, cred, "", []byte(fmt.Sprintf(`{"secret_type":"arbitrary","name":"s%d","payload":"%064d"}`, i, i)))
		if err != nil {
			b.Fatal(err)
		}
		ids[i] = s.ID
		if _, err := svc.Secret(ctx, cred, "", s.ID); err != nil { // the first read marks it downloaded
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		s, err := svc.Secret(ctx, cred, "", ids[i%n])
		if err != nil || s.Payload == "" {
			b.Fatalf("Secret = %v", err)
		}
	}
}

// BenchmarkCreateSecret measures creating arbitrary secrets on SQLite.
func BenchmarkCreateSecret(b *testing.B) {
	svc, cred := benchService(b)
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		body := fmt.Appendf(nil, `{"secret_type":"arbitrary","name":"s%d","payload":"%064d"}`, i, i)
		if _, err := svc.CreateSecret(ctx, cred, "", body); err != nil {
			b.Fatal(err)
		}
	}
}
