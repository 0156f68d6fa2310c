package identity_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/internal/servertest"
)

// TestConcurrentUpdatesAnyVersion: updates sent at the same time with
// If-Match "*" (any version) all succeed, for service IDs, API keys and
// trusted profiles; an update naming an entity tag that another update has
// since replaced is still refused with a conflict.
func TestConcurrentUpdatesAnyVersion(t *testing.T) {
	srv := servertest.New(t)
	ctx := context.Background()
	acct := srv.Bootstrap().AccountID
	sid, err := srv.Client.CreateServiceID(ctx, api.CreateServiceIDRequest{AccountID: acct, Name: "busy"}, client.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	key, err := srv.Client.CreateAPIKey(ctx, api.CreateAPIKeyRequest{Name: "busy", IAMID: sid.IAMID, AccountID: acct}, client.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	prof, err := srv.Client.CreateProfile(ctx, api.CreateProfileRequest{Name: "busy", AccountID: acct})
	if err != nil {
		t.Fatal(err)
	}
	const n = 10
	var wg sync.WaitGroup
	errs := make(chan error, 3*n)
	for i := range n {
		d := fmt.Sprintf("update %d", i)
		wg.Go(func() {
			if _, err := srv.Client.UpdateServiceID(ctx, sid.ID, "*", api.UpdateServiceIDRequest{Description: &d}); err != nil {
				errs <- fmt.Errorf("service ID %s: %w", d, err)
			}
		})
		wg.Go(func() {
			if _, err := srv.Client.UpdateAPIKey(ctx, key.ID, "*", api.UpdateAPIKeyRequest{Description: &d}); err != nil {
				errs <- fmt.Errorf("API key %s: %w", d, err)
			}
		})
		wg.Go(func() {
			if _, err := srv.Client.UpdateProfile(ctx, prof.ID, "*", api.UpdateProfileRequest{Description: &d}); err != nil {
				errs <- fmt.Errorf("profile %s: %w", d, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	d := "stale"
	_, err = srv.Client.UpdateServiceID(ctx, sid.ID, sid.EntityTag, api.UpdateServiceIDRequest{Description: &d})
	if api.KindOf(err) != api.ErrConflict {
		t.Errorf("update at the entity tag of creation after %d updates = %v; want a conflict", n, err)
	}
}
