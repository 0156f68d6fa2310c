package authz_test

import (
	"context"
	"testing"

	"github.com/cofferhq/coffer/internal/audit"
	"github.com/cofferhq/coffer/internal/authz"
	"github.com/cofferhq/coffer/internal/policy"
	"github.com/cofferhq/coffer/internal/store/storetest"
)

// BenchmarkCachedDecisionWithAudit measures one cached authorization
// decision plus its audit event, committed to SQLite by the real audit log
// (group commit): "serial" from one goroutine (every event its own
// transaction), "parallel" from 16 goroutines per CPU (shared transactions).
func BenchmarkCachedDecisionWithAudit(b *testing.B) {
	for _, mode := range []string{"serial", "parallel"} {
		b.Run(mode, func(b *testing.B) {
			log, err := audit.New(audit.Config{Store: storetest.OpenSQLite(b)})
			if err != nil {
				b.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { log.Run(ctx); close(done) }()
			b.Cleanup(func() { cancel(); <-done })
			src := &fakeSource{}
			src.set(grant("p", userX, acctA, []policy.Role{policy.RoleSecretsReader}, policy.KeyServiceName, "secrets-manager"))
			g, err := authz.New(authz.Config{Authenticator: fakeAuth{}, Policies: src, Audit: log})
			if err != nil {
				b.Fatal(err)
			}
			res := smResource("secret-group", "default")
			authorize := func() {
				if err := g.Authorize(ctx, userP, "secrets-manager.secret.read", res); err != nil {
					b.Error(err)
				}
			}
			authorize() // fill the cache
			b.ReportAllocs()
			b.ResetTimer()
			if mode == "serial" {
				for b.Loop() {
					authorize()
				}
			} else {
				b.SetParallelism(16)
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						authorize()
					}
				})
			}
			b.StopTimer()
			if n := src.calls.Load(); n != 1 {
				b.Errorf("PoliciesFor called %d times, want 1 (cached)", n)
			}
		})
	}
}

// BenchmarkCachedDecision is the decision alone (Allowed: no audit event).
func BenchmarkCachedDecision(b *testing.B) {
	src := &fakeSource{}
	src.set(grant("p", userX, acctA, []policy.Role{policy.RoleSecretsReader}, policy.KeyServiceName, "secrets-manager"))
	g, err := authz.New(authz.Config{Authenticator: fakeAuth{}, Policies: src, Audit: &memAudit{}})
	if err != nil {
		b.Fatal(err)
	}
	ctx, res := context.Background(), smResource("secret-group", "default")
	b.ReportAllocs()
	for b.Loop() {
		if !g.Allowed(ctx, userP, "secrets-manager.secret.read", res) {
			b.Fatal("denied")
		}
	}
}
