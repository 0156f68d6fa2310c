package secrets_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/servertest"
)

// TestConcurrentChanges: metadata patches and manual rotations of one
// secret sent at the same time all succeed (none names a revision, so none
// is refused for another's commit), every rotation makes its own version,
// and what a patch set is not lost to a rotation committed after it.
func TestConcurrentChanges(t *testing.T) {
	ts := servertest.New(t)
	ctx := context.Background()
	sm := ts.Client.SecretsManager("")
	sec, err := sm.CreateSecret(ctx, api.SecretPrototype{SecretType: "username_password", Name: "busy", Username: "app"})
	if err != nil {
		t.Fatal(err)
	}
	const rotations, patches = 12, 12
	var wg sync.WaitGroup
	errs := make(chan error, rotations+patches)
	for i := range rotations {
		wg.Go(func() {
			if _, err := sm.CreateSecretVersion(ctx, sec.ID, api.SecretVersionPrototype{}); err != nil {
				errs <- fmt.Errorf("rotation %d: %w", i, err)
			}
		})
	}
	for i := range patches {
		wg.Go(func() {
			d := fmt.Sprintf("patch %d", i)
			if _, err := sm.UpdateSecretMetadata(ctx, sec.ID, api.SecretMetadataPatch{Description: &d,
				Labels: []string{fmt.Sprintf("l%02d", i)}}); err != nil {
				errs <- fmt.Errorf("patch %d: %w", i, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	m, err := sm.SecretMetadata(ctx, sec.ID)
	if err != nil {
		t.Fatal(err)
	}
	if m.VersionsTotal != 1+rotations {
		t.Errorf("versions_total = %d, want %d: one version per rotation", m.VersionsTotal, 1+rotations)
	}
	var n int
	if _, err := fmt.Sscanf(m.Description, "patch %d", &n); err != nil || !slices.Equal(m.Labels, []string{fmt.Sprintf("l%02d", n)}) {
		t.Errorf("description %q, labels %v: want both from one patch", m.Description, m.Labels)
	}
}

// TestConcurrentGroupAndConfigPatches: patches of one secret group, and of
// one configuration, sent at the same time all succeed.
func TestConcurrentGroupAndConfigPatches(t *testing.T) {
	ts := servertest.New(t)
	ctx := context.Background()
	sm := ts.Client.SecretsManager("")
	g, err := sm.CreateSecretGroup(ctx, api.SecretGroupPrototype{Name: "shared"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sm.CreateConfiguration(ctx, api.ConfigurationPrototype{ConfigType: "custom_credentials_configuration",
		Name: "ext", CodeEngine: &api.CodeEngine{JobName: "job", ProjectID: "project", Region: "us-south"}}); err != nil {
		t.Fatal(err)
	}
	const n = 12
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := range n {
		wg.Go(func() {
			d := fmt.Sprintf("group patch %d", i)
			if _, err := sm.UpdateSecretGroup(ctx, g.ID, api.SecretGroupPatch{Description: &d}); err != nil {
				errs <- fmt.Errorf("group patch %d: %w", i, err)
			}
		})
		wg.Go(func() {
			p := api.ConfigurationPatch{TaskTimeout: fmt.Sprintf("%dm", 10+i)}
			if _, err := sm.UpdateConfiguration(ctx, "ext", "custom_credentials_configuration", p); err != nil {
				errs <- fmt.Errorf("configuration patch %d: %w", i, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
