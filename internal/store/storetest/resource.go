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

// runResource checks resource groups and the Resource Controller's view of
// instances (migration 0005).
func runResource(t *testing.T, open func(testing.TB) *store.Store) {
	t.Run("ResourceGroup", func(t *testing.T) { resourceGroups.run(t, open) })
	t.Run("ResourceInstance", func(t *testing.T) { resourceInstances.run(t, open) })
	tests := []struct {
		name string
		test func(*testing.T, *store.Store)
	}{
		{"OneDefaultGroup", testOneDefaultGroup},
		{"DeleteGroupWithInstances", testDeleteGroupWithInstances},
		{"PlainInstanceDefaults", testPlainInstanceDefaults},
		{"ResourceInstanceFilter", testResourceInstanceFilter},
		{"DueReclamations", testDueReclamations},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.test(t, open(t)) })
	}
}

var resourceGroups = entity[store.ResourceGroup]{
	make: func(acct string, i int) *store.ResourceGroup {
		return &store.ResourceGroup{ID: mkID("rg", acct, i), AccountID: acct, Name: fmt.Sprintf("group %d", i),
			State: "ACTIVE"}
	},
	create: (*store.Store).CreateResourceGroup,
	get: func(s *store.Store, ctx context.Context, g *store.ResourceGroup) (*store.ResourceGroup, error) {
		return s.ResourceGroup(ctx, g.ID)
	},
	update: (*store.Store).UpdateResourceGroup,
	delete: func(s *store.Store, ctx context.Context, g *store.ResourceGroup) error {
		return s.DeleteResourceGroup(ctx, g.ID)
	},
	list: (*store.Store).ListResourceGroups,
	mutate: func(g *store.ResourceGroup, n int) {
		g.Name, g.State, g.IsDefault = fmt.Sprintf("renamed %d", n), fmt.Sprintf("STATE-%d", n), n%2 == 1
	},
	stamps: func(g *store.ResourceGroup) (string, *time.Time, *time.Time, *int64) {
		return g.ID, &g.CreatedAt, &g.UpdatedAt, &g.Revision
	},
	lookups: map[string]func(*store.Store, context.Context, *store.ResourceGroup) (*store.ResourceGroup, error){
		"ResourceGroupByName": func(s *store.Store, ctx context.Context, g *store.ResourceGroup) (*store.ResourceGroup, error) {
			return s.ResourceGroupByName(ctx, g.AccountID, g.Name)
		},
	},
	clashes: map[string]func(o, f *store.ResourceGroup){
		"SameID":   func(o, f *store.ResourceGroup) { f.ID = o.ID },
		"SameName": func(o, f *store.ResourceGroup) { f.Name = o.Name },
	},
}

var resourceInstances = entity[store.ResourceInstance]{
	make: func(acct string, i int) *store.ResourceInstance {
		return &store.ResourceInstance{
			Instance: store.Instance{GUID: mkID("guid", acct, i), AccountID: acct, Name: fmt.Sprintf("sm-%d", i),
				Region: "us-south", ResourceGroupID: "rg-1", Plan: "standard", State: "active"},
			CreatedBy: "IBMid-creator", UpdatedBy: "IBMid-creator", Parameters: `{"allowed_network":"private-only"}`,
		}
	},
	create: (*store.Store).CreateResourceInstance,
	get: func(s *store.Store, ctx context.Context, ri *store.ResourceInstance) (*store.ResourceInstance, error) {
		return s.ResourceInstance(ctx, ri.GUID)
	},
	update: (*store.Store).UpdateResourceInstance,
	delete: func(s *store.Store, ctx context.Context, ri *store.ResourceInstance) error {
		return s.DeleteInstance(ctx, ri.GUID)
	},
	list: func(s *store.Store, ctx context.Context, acct string, opts store.ListOptions) ([]*store.ResourceInstance, string, error) {
		return s.ListResourceInstances(ctx, store.ResourceInstanceFilter{AccountID: acct}, opts)
	},
	mutate: func(ri *store.ResourceInstance, n int) {
		ri.Name, ri.Region, ri.ResourceGroupID = fmt.Sprintf("deleted/%d", n), "eu-de", fmt.Sprintf("rg-%d", n)
		ri.State, ri.UpdatedBy, ri.DeletedBy = "pending_reclamation", fmt.Sprintf("IBMid-%d", n), "IBMid-deleter"
		ri.DeletedAt = time.Date(2030, 1, 2, 3, 4, 5, 678901234, time.FixedZone("x", 3600))
		ri.ReclaimAt = ri.DeletedAt.Add(time.Duration(n) * time.Hour)
		ri.Parameters = fmt.Sprintf(`{"n":%d}`, n)
	},
	stamps: func(ri *store.ResourceInstance) (string, *time.Time, *time.Time, *int64) {
		return ri.GUID, &ri.CreatedAt, &ri.UpdatedAt, &ri.Revision
	},
	clashes: map[string]func(o, f *store.ResourceInstance){
		"SameGUID": func(o, f *store.ResourceInstance) { f.GUID = o.GUID },
		"SameName": func(o, f *store.ResourceInstance) { f.Name = o.Name },
	},
}

func testOneDefaultGroup(t *testing.T, s *store.Store) {
	ctx := context.Background()
	mustCreateAccount(t, s, "acct-1")
	mustCreateAccount(t, s, "acct-2")
	_, err := s.DefaultResourceGroup(ctx, "acct-1")
	wantKind(t, "DefaultResourceGroup before any", err, store.ErrNotFound)
	def := resourceGroups.make("acct-1", 1)
	def.IsDefault = true
	resourceGroups.mustCreate(t, s, def)
	second := resourceGroups.make("acct-1", 2)
	second.IsDefault = true
	wantKind(t, "a second default group", s.CreateResourceGroup(ctx, second), store.ErrAlreadyExists)
	other := resourceGroups.make("acct-2", 1)
	other.IsDefault = true
	resourceGroups.mustCreate(t, s, other) // each account has its own
	resourceGroups.mustCreate(t, s, resourceGroups.make("acct-1", 3))
	got, err := s.DefaultResourceGroup(ctx, "acct-1")
	if diff := cmp.Diff(def, got); err != nil || diff != "" {
		t.Errorf("DefaultResourceGroup = %v, diff (-want +got):\n%s", err, diff)
	}
	_, err = s.ResourceGroupByName(ctx, "acct-2", def.Name+"x")
	wantKind(t, "ResourceGroupByName(missing)", err, store.ErrNotFound)
}

func testDeleteGroupWithInstances(t *testing.T, s *store.Store) {
	ctx := context.Background()
	mustCreateAccount(t, s, "acct-1")
	g := resourceGroups.mustCreate(t, s, resourceGroups.make("acct-1", 1))
	ri := resourceInstances.make("acct-1", 1)
	ri.ResourceGroupID = g.ID
	resourceInstances.mustCreate(t, s, ri)
	wantKind(t, "delete a group holding an instance", s.DeleteResourceGroup(ctx, g.ID), api.ErrFailedPrecondition)
	resourceGroups.mustGet(t, s, g)
	if err := s.DeleteInstance(ctx, ri.GUID); err != nil {
		t.Fatalf("DeleteInstance: %v", err)
	}
	if err := s.DeleteResourceGroup(ctx, g.ID); err != nil {
		t.Errorf("DeleteResourceGroup(empty) = %v, want nil", err)
	}
	wantKind(t, "delete a missing group", s.DeleteResourceGroup(ctx, g.ID), store.ErrNotFound)
}

// testPlainInstanceDefaults checks that rows written by CreateInstance (the
// bootstrap) read back with empty lifecycle columns, and that
// UpdateInstance leaves those columns alone.
func testPlainInstanceDefaults(t *testing.T, s *store.Store) {
	ctx := context.Background()
	mustCreateAccount(t, s, "acct-1")
	in := instances.mustCreate(t, s, instances.make("acct-1", 1))
	got, err := s.ResourceInstance(ctx, in.GUID)
	want := &store.ResourceInstance{Instance: *in, Parameters: "{}"}
	if diff := cmp.Diff(want, got); err != nil || diff != "" {
		t.Fatalf("ResourceInstance(plain row) = %v, diff (-want +got):\n%s", err, diff)
	}
	got.CreatedBy, got.DeletedBy, got.DeletedAt = "IBMid-x", "IBMid-y", time.Now()
	if err := s.UpdateResourceInstance(ctx, got); err != nil {
		t.Fatalf("UpdateResourceInstance: %v", err)
	}
	plain, _ := s.Instance(ctx, in.GUID)
	plain.Name = "renamed"
	if err := s.UpdateInstance(ctx, plain); err != nil {
		t.Fatalf("UpdateInstance: %v", err)
	}
	again, _ := s.ResourceInstance(ctx, in.GUID)
	if again.DeletedBy != "IBMid-y" || !again.DeletedAt.Equal(got.DeletedAt) || again.Name != "renamed" {
		t.Errorf("after UpdateInstance: %+v; want the lifecycle columns kept and the new name", again)
	}
	if again.CreatedBy != "" {
		t.Errorf("UpdateResourceInstance changed created_by to %q, want it fixed at creation", again.CreatedBy)
	}
}

func testResourceInstanceFilter(t *testing.T, s *store.Store) {
	ctx := context.Background()
	base := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	for _, acct := range []string{"acct-1", "acct-2"} {
		mustCreateAccount(t, s, acct)
		for i := 1; i <= 4; i++ {
			ri := resourceInstances.make(acct, i)
			ri.ResourceGroupID = fmt.Sprintf("rg-%d", i%2)
			ri.UpdatedAt = base.Add(time.Duration(i) * time.Hour)
			if i == 4 {
				ri.State = "pending_reclamation"
			}
			resourceInstances.mustCreate(t, s, ri)
		}
	}
	tests := []struct {
		name string
		f    store.ResourceInstanceFilter
		want []int
	}{
		{"account", store.ResourceInstanceFilter{AccountID: "acct-1"}, []int{1, 2, 3, 4}},
		{"active", store.ResourceInstanceFilter{AccountID: "acct-1", States: []string{"active"}}, []int{1, 2, 3}},
		{"two states", store.ResourceInstanceFilter{AccountID: "acct-1", States: []string{"active", "pending_reclamation"}}, []int{1, 2, 3, 4}},
		{"group", store.ResourceInstanceFilter{AccountID: "acct-1", ResourceGroupID: "rg-1"}, []int{1, 3}},
		{"name", store.ResourceInstanceFilter{AccountID: "acct-1", Name: "sm-2"}, []int{2}},
		{"guid", store.ResourceInstanceFilter{AccountID: "acct-1", GUID: mkID("guid", "acct-1", 3)}, []int{3}},
		{"guid of another account", store.ResourceInstanceFilter{AccountID: "acct-1", GUID: mkID("guid", "acct-2", 3)}, nil},
		{"plan", store.ResourceInstanceFilter{AccountID: "acct-1", Plan: "trial"}, nil},
		{"updated", store.ResourceInstanceFilter{AccountID: "acct-1", UpdatedFrom: base.Add(2 * time.Hour),
			UpdatedTo: base.Add(3 * time.Hour)}, []int{2, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := s.ListResourceInstances(ctx, tt.f, store.ListOptions{})
			if err != nil {
				t.Fatalf("ListResourceInstances: %v", err)
			}
			var nums []int
			for _, ri := range got {
				nums = append(nums, number(ri.GUID))
			}
			if diff := cmp.Diff(tt.want, nums); diff != "" {
				t.Errorf("ListResourceInstances(%+v) (-want +got):\n%s", tt.f, diff)
			}
		})
	}
}

func testDueReclamations(t *testing.T, s *store.Store) {
	ctx := context.Background()
	mustCreateAccount(t, s, "acct-1")
	now := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	for i, at := range []time.Duration{-2 * time.Hour, time.Hour, -time.Hour, 0} {
		ri := resourceInstances.make("acct-1", i+1)
		ri.State, ri.ReclaimAt = "pending_reclamation", now.Add(at)
		resourceInstances.mustCreate(t, s, ri)
	}
	resourceInstances.mustCreate(t, s, resourceInstances.make("acct-1", 9)) // active: never due
	due, err := s.DueReclamations(ctx, "pending_reclamation", now, 10)
	if err != nil {
		t.Fatalf("DueReclamations: %v", err)
	}
	var nums []int
	for _, ri := range due {
		nums = append(nums, number(ri.GUID))
	}
	if diff := cmp.Diff([]int{1, 3, 4}, nums); diff != "" {
		t.Errorf("DueReclamations (-want +got):\n%s", diff)
	}
	if due, _ := s.DueReclamations(ctx, "pending_reclamation", now, 2); len(due) != 2 {
		t.Errorf("DueReclamations(limit 2) = %d rows, want 2", len(due))
	}
}
