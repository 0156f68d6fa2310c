package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/store"
)

// runFederation runs the cases of the federation issuers (migration 0009).
func runFederation(t *testing.T, open func(testing.TB) *store.Store) {
	t.Run("Issuer", func(t *testing.T) { federationIssuers.run(t, open) })
	tests := []struct {
		name string
		test func(*testing.T, *store.Store)
	}{
		{"IssuerURLUniqueAcrossAccounts", testIssuerURLUniqueAcrossAccounts},
		{"IssuerLookups", testIssuerLookups},
		{"IssuerCascade", testIssuerCascade},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.test(t, open(t)) })
	}
}

var federationIssuers = entity[store.FederationIssuer]{
	make: func(acct string, i int) *store.FederationIssuer {
		return &store.FederationIssuer{ID: mkID("FedIssuer", acct, i), AccountID: acct, Name: fmt.Sprintf("cluster-%d", i),
			Description: "for tests", Issuer: fmt.Sprintf("https://issuer.example/%s/%d", acct, i), CRType: "IKS_SA",
			ClusterCRN: "crn:v1:coffer:public:containers-kubernetes:us-south:a/" + acct + ":c1::",
			JWKSSource: "discovery", Audiences: []string{"iam"}, CreatedBy: "iam-admin"}
	},
	create: (*store.Store).CreateFederationIssuer,
	get: func(s *store.Store, ctx context.Context, v *store.FederationIssuer) (*store.FederationIssuer, error) {
		return s.FederationIssuer(ctx, v.ID)
	},
	update: (*store.Store).UpdateFederationIssuer,
	delete: func(s *store.Store, ctx context.Context, v *store.FederationIssuer) error {
		return s.DeleteFederationIssuer(ctx, v.ID)
	},
	list: func(s *store.Store, ctx context.Context, acct string, o store.ListOptions) ([]*store.FederationIssuer, string, error) {
		return s.ListFederationIssuers(ctx, acct, o)
	},
	mutate: func(v *store.FederationIssuer, n int) {
		v.Name, v.Description = fmt.Sprintf("renamed-%d", n), fmt.Sprintf("changed %d", n)
		v.Issuer = fmt.Sprintf("https://moved.example/%d", n)
		v.CRType, v.ClusterCRN, v.JWKSSource, v.JWKSURI = "OIDC", "", "jwks_uri", fmt.Sprintf("https://keys.example/%d", n)
		v.StaticJWKS = ""
		v.Audiences = []string{"iam", fmt.Sprintf("aud-%d", n)}
		if n%2 == 0 {
			v.JWKSSource, v.JWKSURI, v.StaticJWKS = "static", "", `{"keys":[]}`
		}
	},
	stamps: func(v *store.FederationIssuer) (string, *time.Time, *time.Time, *int64) {
		return v.ID, &v.CreatedAt, &v.UpdatedAt, &v.Revision
	},
	lookups: map[string]func(*store.Store, context.Context, *store.FederationIssuer) (*store.FederationIssuer, error){
		"FederationIssuerByURL": func(s *store.Store, ctx context.Context, v *store.FederationIssuer) (*store.FederationIssuer, error) {
			return s.FederationIssuerByURL(ctx, v.Issuer)
		},
		"FederationIssuerByName": func(s *store.Store, ctx context.Context, v *store.FederationIssuer) (*store.FederationIssuer, error) {
			return s.FederationIssuerByName(ctx, v.AccountID, v.Name)
		},
	},
	clashes: map[string]func(o, f *store.FederationIssuer){
		"SameID":     func(o, f *store.FederationIssuer) { f.ID = o.ID },
		"SameIssuer": func(o, f *store.FederationIssuer) { f.Issuer = o.Issuer },
		"SameName":   func(o, f *store.FederationIssuer) { f.Name = o.Name },
	},
}

// testIssuerURLUniqueAcrossAccounts: an issuer URL belongs to one account
// only, while names are per account.
func testIssuerURLUniqueAcrossAccounts(t *testing.T, s *store.Store) {
	ctx := context.Background()
	mustCreateAccount(t, s, "acct-a")
	mustCreateAccount(t, s, "acct-b")
	a := federationIssuers.mustCreate(t, s, federationIssuers.make("acct-a", 1))
	sameName := federationIssuers.make("acct-b", 1) // same name, other account, other URL
	federationIssuers.mustCreate(t, s, sameName)
	b := federationIssuers.make("acct-b", 2)
	b.Issuer = a.Issuer
	err := s.CreateFederationIssuer(ctx, b)
	wantKind(t, "CreateFederationIssuer with another account's issuer URL", err, store.ErrAlreadyExists, api.ErrAlreadyExists)
	sameName.Issuer = a.Issuer
	err = s.UpdateFederationIssuer(ctx, sameName)
	wantKind(t, "UpdateFederationIssuer to another account's issuer URL", err, store.ErrAlreadyExists, api.ErrAlreadyExists)
}

func testIssuerLookups(t *testing.T, s *store.Store) {
	ctx := context.Background()
	mustCreateAccount(t, s, "acct-a")
	v := federationIssuers.mustCreate(t, s, federationIssuers.make("acct-a", 1))
	for name, lookup := range map[string]func() (*store.FederationIssuer, error){
		"ByURL with a trailing slash": func() (*store.FederationIssuer, error) {
			return s.FederationIssuerByURL(ctx, v.Issuer+"/")
		},
		"ByName in another account": func() (*store.FederationIssuer, error) {
			return s.FederationIssuerByName(ctx, "acct-b", v.Name)
		},
	} {
		got, err := lookup()
		wantKind(t, name, err, store.ErrNotFound, api.ErrNotFound)
		if got != nil {
			t.Errorf("%s = %+v, want nil", name, got)
		}
	}
	if _, _, err := s.ListFederationIssuers(ctx, "", store.ListOptions{}); err == nil {
		t.Errorf("ListFederationIssuers without an account = nil error, want api.ErrInvalid")
	}
}

func testIssuerCascade(t *testing.T, s *store.Store) {
	ctx := context.Background()
	mustCreateAccount(t, s, "doomed")
	mustCreateAccount(t, s, "kept")
	gone := federationIssuers.mustCreate(t, s, federationIssuers.make("doomed", 1))
	kept := federationIssuers.mustCreate(t, s, federationIssuers.make("kept", 1))
	if err := s.DeleteAccount(ctx, "doomed"); err != nil {
		t.Fatalf("DeleteAccount: %v", err)
	}
	_, err := s.FederationIssuer(ctx, gone.ID)
	wantKind(t, "issuer of a deleted account", err, store.ErrNotFound)
	if diff := cmp.Diff(kept, federationIssuers.mustGet(t, s, kept)); diff != "" {
		t.Errorf("issuer of the other account (-want +got):\n%s", diff)
	}
}
