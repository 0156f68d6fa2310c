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

// runCompute runs the cases of the compute runtime tables (migration 0008).
func runCompute(t *testing.T, open func(testing.TB) *store.Store) {
	t.Run("Project", func(t *testing.T) { computeProjects.run(t, open) })
	tests := []struct {
		name string
		test func(*testing.T, *store.Store)
	}{
		{"Components", testComputeComponents},
		{"ComponentUnique", testComputeComponentUnique},
		{"ComponentConflict", testComputeComponentConflict},
		{"ComponentCascade", testComputeComponentCascade},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.test(t, open(t)) })
	}
}

var computeProjects = entity[store.ComputeProject]{
	make: func(acct string, i int) *store.ComputeProject {
		return &store.ComputeProject{GUID: mkID("proj", acct, i), AccountID: acct, Name: fmt.Sprintf("project-%d", i),
			Region: "us-south"}
	},
	create: (*store.Store).CreateComputeProject,
	get: func(s *store.Store, ctx context.Context, p *store.ComputeProject) (*store.ComputeProject, error) {
		return s.ComputeProject(ctx, p.GUID)
	},
	update: (*store.Store).UpdateComputeProject,
	delete: func(s *store.Store, ctx context.Context, p *store.ComputeProject) error {
		return s.DeleteComputeProject(ctx, p.GUID)
	},
	list: (*store.Store).ListComputeProjects,
	mutate: func(p *store.ComputeProject, n int) {
		p.Name, p.Region = fmt.Sprintf("renamed-%d", n), fmt.Sprintf("region-%d", n)
	},
	stamps: func(p *store.ComputeProject) (string, *time.Time, *time.Time, *int64) {
		return p.GUID, &p.CreatedAt, &p.UpdatedAt, &p.Revision
	},
	lookups: map[string]func(*store.Store, context.Context, *store.ComputeProject) (*store.ComputeProject, error){
		"ComputeProjectByName": func(s *store.Store, ctx context.Context, p *store.ComputeProject) (*store.ComputeProject, error) {
			return s.ComputeProjectByName(ctx, p.AccountID, p.Name)
		},
	},
	clashes: map[string]func(o, f *store.ComputeProject){
		"SameGUID": func(o, f *store.ComputeProject) { f.GUID = o.GUID },
		"SameName": func(o, f *store.ComputeProject) { f.Name = o.Name },
	},
}

// mustCreateComputeProject creates account acct and project guid in it.
func mustCreateComputeProject(tb testing.TB, s *store.Store, acct, guid string) *store.ComputeProject {
	tb.Helper()
	mustCreateAccount(tb, s, acct)
	p := &store.ComputeProject{GUID: guid, AccountID: acct, Name: "p-" + guid, Region: "us-south"}
	if err := s.CreateComputeProject(context.Background(), p); err != nil {
		tb.Fatalf("CreateComputeProject(%q): %v", guid, err)
	}
	return p
}

func newComponent(project, typ, name string) *store.ComputeComponent {
	return &store.ComputeComponent{ID: "comp-" + project + "-" + typ + "-" + name, ProjectGUID: project, Type: typ,
		Name: name, Image: "icr.io/demo:1", Command: []string{"/bin/app", "serve"}, Arguments: []string{"--port", "8080"},
		Env: map[string]string{"LOG_LEVEL": "debug", "EMPTY": ""}, TrustedProfilesEnabled: true, TrustedProfile: "my-profile"}
}

func testComputeComponents(t *testing.T, s *store.Store) {
	ctx := context.Background()
	p := mustCreateComputeProject(t, s, "acct-1", "proj-1")
	app := newComponent(p.GUID, "application", "web")
	job := newComponent(p.GUID, "job", "web") // same name, other type: allowed
	job.Env, job.Command, job.Arguments, job.TrustedProfilesEnabled, job.TrustedProfile = nil, nil, nil, false, ""
	for _, c := range []*store.ComputeComponent{app, job} {
		if err := s.CreateComputeComponent(ctx, c); err != nil {
			t.Fatalf("CreateComputeComponent(%s %s): %v", c.Type, c.Name, err)
		}
		if c.Revision != 1 || c.CreatedAt.IsZero() {
			t.Errorf("created %s: revision %d, created %v; want 1 and a time", c.Name, c.Revision, c.CreatedAt)
		}
	}
	got, err := s.ComputeComponentByName(ctx, p.GUID, "application", "web")
	if err != nil {
		t.Fatalf("ComputeComponentByName: %v", err)
	}
	if diff := cmp.Diff(app, got); diff != "" {
		t.Errorf("ComputeComponentByName (-want +got):\n%s", diff)
	}
	if got, err := s.ComputeComponent(ctx, job.ID); err != nil || cmp.Diff(job, got) != "" {
		t.Errorf("ComputeComponent(%q) = %+v, %v, want %+v", job.ID, got, err, job)
	}
	apps, next, err := s.ListComputeComponents(ctx, p.GUID, "application", store.ListOptions{})
	if err != nil || len(apps) != 1 || apps[0].ID != app.ID || next != "" {
		t.Errorf("ListComputeComponents(application) = %v, %q, %v; want [%s]", apps, next, err, app.ID)
	}
	all, _, err := s.ListComputeComponents(ctx, p.GUID, "", store.ListOptions{})
	if err != nil || len(all) != 2 {
		t.Errorf("ListComputeComponents(all) = %d, %v; want 2", len(all), err)
	}
	app.Env = map[string]string{"NEW": "1"}
	app.TrustedProfilesEnabled, app.Command = false, []string{"/bin/other"}
	if err := s.UpdateComputeComponent(ctx, app); err != nil || app.Revision != 2 {
		t.Fatalf("UpdateComputeComponent = %v, revision %d; want nil, 2", err, app.Revision)
	}
	if got, _ := s.ComputeComponent(ctx, app.ID); cmp.Diff(app, got) != "" {
		t.Errorf("after update (-want +got):\n%s", cmp.Diff(app, got))
	}
	if err := s.DeleteComputeComponent(ctx, app.ID); err != nil {
		t.Fatalf("DeleteComputeComponent: %v", err)
	}
	_, err = s.ComputeComponent(ctx, app.ID)
	wantKind(t, "get a deleted component", err, store.ErrNotFound, api.ErrNotFound)
	wantKind(t, "delete again", s.DeleteComputeComponent(ctx, app.ID), store.ErrNotFound)
}

func testComputeComponentUnique(t *testing.T, s *store.Store) {
	ctx := context.Background()
	p := mustCreateComputeProject(t, s, "acct-1", "proj-1")
	c := newComponent(p.GUID, "application", "web")
	if err := s.CreateComputeComponent(ctx, c); err != nil {
		t.Fatal(err)
	}
	dup := newComponent(p.GUID, "application", "web")
	dup.ID = "other-id"
	wantKind(t, "same name and type", s.CreateComputeComponent(ctx, dup), store.ErrAlreadyExists, api.ErrAlreadyExists)
	orphan := newComponent("no-such-project", "application", "x")
	wantKind(t, "component of a missing project", s.CreateComputeComponent(ctx, orphan), api.ErrFailedPrecondition)
	wantKind(t, "component without a name", s.CreateComputeComponent(ctx, &store.ComputeComponent{ID: "x",
		ProjectGUID: p.GUID, Type: "job"}), api.ErrInvalid)
}

func testComputeComponentConflict(t *testing.T, s *store.Store) {
	ctx := context.Background()
	p := mustCreateComputeProject(t, s, "acct-1", "proj-1")
	c := newComponent(p.GUID, "job", "batch")
	if err := s.CreateComputeComponent(ctx, c); err != nil {
		t.Fatal(err)
	}
	stale := *c
	if err := s.UpdateComputeComponent(ctx, c); err != nil {
		t.Fatal(err)
	}
	wantKind(t, "stale update", s.UpdateComputeComponent(ctx, &stale), store.ErrConflict, api.ErrConflict)
	gone := *c
	gone.ID = "missing"
	wantKind(t, "update of a missing component", s.UpdateComputeComponent(ctx, &gone), store.ErrNotFound)
}

func testComputeComponentCascade(t *testing.T, s *store.Store) {
	ctx := context.Background()
	p := mustCreateComputeProject(t, s, "acct-1", "proj-1")
	c := newComponent(p.GUID, "application", "web")
	if err := s.CreateComputeComponent(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteComputeProject(ctx, p.GUID); err != nil {
		t.Fatal(err)
	}
	_, err := s.ComputeComponent(ctx, c.ID)
	wantKind(t, "component of a deleted project", err, store.ErrNotFound)
	q := mustCreateComputeProject(t, s, "acct-2", "proj-2")
	if err := s.CreateComputeComponent(ctx, newComponent(q.GUID, "job", "j")); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteAccount(ctx, "acct-2"); err != nil {
		t.Fatal(err)
	}
	_, err = s.ComputeProject(ctx, q.GUID)
	wantKind(t, "project of a deleted account", err, store.ErrNotFound)
}
