package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/cli"
)

func TestResourceServiceInstanceCommands(t *testing.T) {
	s, srv := newSession(t)
	s.ok("", "resource", "group-create", "team-a")
	var in api.ResourceInstance
	s.json(&in, "resource", "service-instance-create", "my-sm", "secrets-manager", "standard", "eu-de", "-g", "team-a",
		"-p", `{"allowed_network":"public-and-private"}`)
	if in.Name != "my-sm" || in.RegionID != "eu-de" || in.State != "active" || in.Parameters["allowed_network"] != "public-and-private" {
		t.Fatalf("service-instance-create = %+v", in)
	}
	var g api.ResourceGroup
	s.json(&g, "resource", "group", "team-a")
	if in.ResourceGroupID != g.ID {
		t.Errorf("instance group = %s, want team-a (%s)", in.ResourceGroupID, g.ID)
	}
	// --resource-group works too, with a note on stderr; the default group when absent.
	code, _, errs := s.run("", "--output", "json", "resource", "service-instance-create", "other", "secrets-manager",
		api.StandardPlanID, "us-south", "--resource-group", "team-a")
	if code != cli.ExitOK || !strings.Contains(errs, "-g") {
		t.Errorf("--resource-group = exit %d, stderr %q; want success and a note naming -g", code, errs)
	}
	var list []api.ResourceInstance
	s.json(&list, "resource", "service-instances", "--service-name", "secrets-manager")
	if len(list) != 3 {
		t.Errorf("service-instances = %d instances, want 3 (default, my-sm, other)", len(list))
	}
	for _, id := range []string{"my-sm", in.GUID, in.CRN} {
		var got api.ResourceInstance
		s.json(&got, "resource", "service-instance", id)
		if got.GUID != in.GUID {
			t.Errorf("service-instance %s = %s, want %s", id, got.GUID, in.GUID)
		}
	}
	table := s.ok("", "resource", "service-instance", "my-sm")
	if !strings.Contains(table, srv.URL+"/instances/"+in.GUID) {
		t.Errorf("service-instance table = %q, want the service endpoint", table)
	}
	var up api.ResourceInstance
	s.json(&up, "resource", "service-instance-update", "my-sm", "-n", "renamed")
	if up.Name != "renamed" {
		t.Errorf("service-instance-update = %q, want renamed", up.Name)
	}
	if code, _, _ := s.run("n\n", "resource", "service-instance-delete", "renamed"); code != cli.ExitOK {
		t.Errorf("service-instance-delete answered no = exit %d", code)
	}
	s.ok("", "resource", "service-instance", "renamed") // still there
	s.ok("", "resource", "service-instance-delete", "renamed", "-f")
	if code, _, _ := s.run("", "resource", "service-instance", in.GUID); code != cli.ExitNotFound {
		t.Errorf("service-instance after delete = exit %d, want %d", code, cli.ExitNotFound)
	}
}

func TestResourceGroupCommands(t *testing.T) {
	s, _ := newSession(t)
	var groups []api.ResourceGroup
	s.json(&groups, "resource", "groups")
	if len(groups) != 1 || groups[0].Name != "Default" || !groups[0].Default {
		t.Fatalf("resource groups = %+v, want Default", groups)
	}
	var g api.ResourceGroup
	s.json(&g, "resource", "group-create", "dev")
	if g.Name != "dev" || g.Default {
		t.Errorf("group-create = %+v", g)
	}
	out := s.ok("", "resource", "groups")
	if !strings.Contains(out, "Default") || !strings.Contains(out, "dev") {
		t.Errorf("resource groups table = %q, want both groups", out)
	}
	if code, _, _ := s.run("", "resource", "group-create", "dev"); code != cli.ExitError {
		t.Errorf("group-create of a taken name = exit %d, want %d", code, cli.ExitError)
	}
	if code, _, _ := s.run("", "resource", "group", "nope"); code != cli.ExitNotFound {
		t.Errorf("group nope = exit %d, want %d", code, cli.ExitNotFound)
	}
}

func TestResourceCommandErrors(t *testing.T) {
	s, _ := newSession(t)
	file := filepath.Join(t.TempDir(), "params.json")
	os.WriteFile(file, []byte(`{"allowed_network":"private-only"}`), 0o600)
	var in api.ResourceInstance
	s.json(&in, "resource", "service-instance-create", "from-file", "secrets-manager", "standard", "us-south", "-p", "@"+file)
	if in.Parameters["allowed_network"] != "private-only" {
		t.Errorf("-p @file parameters = %v", in.Parameters)
	}
	tests := []struct {
		args []string
		code int
	}{
		{[]string{"resource", "service-instance-create", "x", "secrets-manager", "standard"}, cli.ExitUsage},
		{[]string{"resource", "service-instance-create", "x", "secrets-manager", "standard", "us-south", "-p", "[1]"}, cli.ExitUsage},
		{[]string{"resource", "service-instance-create", "x", "kms", "standard", "us-south"}, cli.ExitError},
		{[]string{"resource", "service-instance-create", "x", "secrets-manager", "lite", "us-south"}, cli.ExitError},
		{[]string{"resource", "service-instance-create", "x", "secrets-manager", "standard", "us-south", "-g", "nope"}, cli.ExitNotFound},
		{[]string{"resource", "service-instance-update", "from-file"}, cli.ExitUsage},
		{[]string{"resource", "service-instance", "nope"}, cli.ExitNotFound},
	}
	for _, tt := range tests {
		if code, _, errs := s.run("", tt.args...); code != tt.code {
			t.Errorf("coffer %s = exit %d, want %d; stderr %q", strings.Join(tt.args, " "), code, tt.code, errs)
		}
	}
}
