package policy

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// smTable is reference §4.2 as printed (DOC-SM framework/iam.md), columns
// R, SR, W, M, STU. "✗" is a documented exclusion and reads as no grant.
// The two rows marked [inferred] in the reference carry its suggestion
// (Writer and Manager; Manager only).
const smTable = `
secret-group.create                  | | | | ✓ | |
secret-group.update                  | | | | ✓ | |
secret-group.delete                  | | | | ✓ | |
secret-group.read                    | ✓ | ✓ | ✓ | ✓ | |
secret-groups.list                   | ✓ | ✓ | ✓ | ✓ | |
secret.create                        | | | ✓ | ✓ | |
secret.read                          | | ✓ | ✓ | ✓ | |
secret.delete                        | | | | ✓ | |
secrets.list                         | ✓ | ✓ | ✓ | ✓ | |
secret-metadata.read                 | ✓ | ✓ | ✓ | ✓ | |
secret-metadata.update               | | | ✓ | ✓ | |
secret-action.create                 | | | ✓ | ✓ | |
secret-versions.list                 | ✓ | ✓ | ✓ | ✓ | |
secret-version.create                | | | ✓ | ✓ | |
secret-version.read                  | | ✓ | ✓ | ✓ | |
secret-version-metadata.read         | ✓ | ✓ | ✓ | ✓ | |
secret-version-action.create         | | | ✓ | ✓ | |
secret-locks.create                  | | | ✓ | ✓ | |
secret-locks.delete                  | | | | ✓ | |
secrets-locks.list                   | ✓ | ✓ | ✓ | ✓ | |
secret-version-locks.create          | | | ✓ | ✓ | |
secret-version-locks.list            | ✓ | ✓ | ✓ | ✓ | |
secret-version-locks.delete          | | | | ✓ | |
configuration.create                 | | | | ✓ | |
configuration-action.create          | | | | ✓ | |
configurations.list                  | ✓ | ✗ | ✓ | ✓ | |
configuration.read                   | | | | ✓ | |
configuration.update                 | | | | ✓ | |
configuration.delete                 | | | | ✓ | |
endpoints.view                       | ✓ | ✓ | ✓ | ✓ | |
notifications-registration.create    | | | | ✓ | |
notifications-registration.read      | ✓ | ✓ | ✓ | ✓ | |
notifications-registration.delete    | | | | ✓ | |
notifications-registration.test      | ✓ | ✓ | ✓ | ✓ | |
secret-tasks.list                    | ✓ | ✓ | ✓ | ✓ | |
secret-task.read                     | ✓ | ✓ | ✓ | ✓ | |
secret-task.update                   | | | | ✗ | ✓ |
secret-task.delete                   | | | | ✓ | |
secret-version-metadata.update       | | | ✓ | ✓ | |
secret-version-data.delete           | | | | ✓ | |
instance.login                       | | | | | |
dashboard.view                       | | | | | |
`

func TestSecretsManagerRoleTable(t *testing.T) {
	roles := []Role{RoleReader, RoleSecretsReader, RoleWriter, RoleManager, RoleSecretTaskUpdater}
	inTable := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(smTable), "\n") {
		cols := strings.Split(line, "|")
		action := "secrets-manager." + strings.TrimSpace(cols[0])
		inTable[action] = true
		for i, r := range roles {
			want := strings.TrimSpace(cols[i+1]) == "✓"
			if got := slices.Contains(Actions(serviceSecretsManager, r), action); got != want {
				t.Errorf("%s grants %s = %v, want %v (reference §4.2)", r.Name(), action, got, want)
			}
		}
	}
	for _, r := range append(roles, RoleViewer, RoleOperator, RoleEditor, RoleAdministrator) {
		for _, a := range Actions(serviceSecretsManager, r) {
			if strings.HasPrefix(a, "secrets-manager.") && !inTable[a] {
				t.Errorf("%s grants %s, which is not in reference §4.2", r.Name(), a)
			}
		}
	}
}

func TestPlatformRolesOnSecretsManager(t *testing.T) {
	tests := []struct {
		role Role
		want []string // its secrets-manager.* actions
	}{
		{RoleViewer, nil},
		{RoleOperator, []string{"secrets-manager.dashboard.view"}},
		{RoleEditor, []string{"secrets-manager.dashboard.view"}},
		{RoleAdministrator, []string{"secrets-manager.dashboard.view"}},
	}
	for _, tt := range tests {
		var got []string
		for _, a := range Actions(serviceSecretsManager, tt.role) {
			if strings.HasPrefix(a, "secrets-manager.") {
				got = append(got, a)
			}
		}
		if !cmp.Equal(got, tt.want) {
			t.Errorf("Actions(secrets-manager, %s) = %v, want %v", tt.role.Name(), got, tt.want)
		}
	}
	if got := Actions(serviceSecretsManager, RoleViewer); !slices.Contains(got, "resource-controller.instance.retrieve") {
		t.Errorf("Actions(secrets-manager, Viewer) = %v, want resource-controller.instance.retrieve among them", got)
	}
}

func TestActionsOtherServices(t *testing.T) {
	tests := []struct {
		service string
		action  string
		want    []string // names of the granting roles
	}{
		{"iam-identity", "iam-identity.serviceid.get", []string{"Viewer", "Operator", "Editor", "Administrator"}},
		{"iam-identity", "iam-identity.apikey.create", []string{"Operator", "Editor", "Administrator"}},
		{"iam-identity", "iam-identity.apikey.disable", []string{"Editor", "Administrator"}},
		{"iam-identity", "iam-identity.profile.rule.update", []string{"Editor", "Administrator"}},
		{"iam-identity", "iam-identity.profile.link.delete", []string{"Operator", "Editor", "Administrator"}},
		{"iam-identity", "iam-identity.profile.identity.list", []string{"Viewer", "Operator", "Editor", "Administrator"}},
		{"iam-access-management", "iam-access-management.policy.create", []string{"Administrator"}},
		{"iam-access-management", "iam-access-management.role.list", []string{"Viewer", "Operator", "Editor", "Administrator"}},
		{"iam-groups", "iam-groups.member.add", []string{"Editor", "Administrator"}},
		{"resource-controller", "resource-controller.group.delete", []string{"Editor", "Administrator"}},
		{"resource-controller", "resource-controller.instance.list", []string{"Viewer", "Operator", "Editor", "Administrator"}},
		{"codeengine", "codeengine.app.run", []string{"Operator", "Editor", "Administrator", "Writer", "Manager"}},
		{"codeengine", "codeengine.job.get", []string{"Viewer", "Operator", "Editor", "Administrator", "Reader", "Writer", "Manager"}},
		{"codeengine", "codeengine.project.delete", []string{"Editor", "Administrator", "Manager"}},
		{"codeengine", "codeengine.app.create", []string{"Editor", "Administrator", "Writer", "Manager"}},
		{"coffer-audit", "coffer-audit.events.read", []string{"Viewer", "Operator", "Editor", "Administrator"}},
		{"coffer-audit", "coffer-audit.chain.verify", []string{"Administrator"}},
		{"coffer-operator", "coffer-operator.root-key.rotate", []string{"Administrator"}},
		{"coffer-account", "coffer.account.create", []string{"Administrator"}},
		{"coffer-account", "coffer.user.list", []string{"Viewer", "Operator", "Editor", "Administrator"}},
		{"secrets-manager", "codeengine.app.get", nil},
		{"nope", "nope.thing.get", nil},
	}
	for _, tt := range tests {
		var got []string
		for _, r := range RolesGranting(tt.service, tt.action) {
			got = append(got, r.Name())
		}
		if !cmp.Equal(got, tt.want) {
			t.Errorf("RolesGranting(%q, %q) = %v, want %v", tt.service, tt.action, got, tt.want)
		}
	}
}

func TestServiceOf(t *testing.T) {
	tests := map[string]string{
		"secrets-manager.secret.read":           "secrets-manager",
		"codeengine.job.run":                    "codeengine",
		"resource-controller.instance.retrieve": "resource-controller",
		"iam-groups.member.add":                 "iam-groups",
		"coffer.user.create":                    "coffer-account",
		"coffer-operator.seal.update":           "coffer-operator",
		"secrets-manager.nothing":               "",
	}
	for action, want := range tests {
		if got := ServiceOf(action); got != want {
			t.Errorf("ServiceOf(%q) = %q, want %q", action, got, want)
		}
	}
}

func TestServices(t *testing.T) {
	kinds := map[string]ServiceKind{}
	for _, s := range Services() {
		kinds[s.Name] = s.Kind
		if s.DisplayName == "" || len(s.SystemRoles) == 0 {
			t.Errorf("Services(): %s has display name %q and %d system roles", s.Name, s.DisplayName, len(s.SystemRoles))
		}
		for _, r := range append(s.SystemRoles, s.ServiceRoles...) {
			if len(r.Actions) == 0 || r.Description == "" || !strings.HasPrefix(r.Role.String(), "crn:v1:coffer:public:") {
				t.Errorf("Services(): %s role %+v is incomplete", s.Name, r)
			}
		}
	}
	want := map[string]ServiceKind{
		"secrets-manager": KindService, "codeengine": KindService,
		"iam-identity": KindPlatformService, "iam-access-management": KindPlatformService, "iam-groups": KindPlatformService,
		"resource-controller": KindPlatformService, "coffer-account": KindPlatformService,
		"coffer-audit": KindPlatformService, "coffer-operator": KindPlatformService,
	}
	if diff := cmp.Diff(want, kinds); diff != "" {
		t.Errorf("Services() kinds (-want +got):\n%s", diff)
	}
	var sm ServiceInfo
	for _, s := range Services() {
		if s.Name == serviceSecretsManager {
			sm = s
		}
	}
	var names []string
	for _, r := range sm.ServiceRoles {
		names = append(names, r.Name)
	}
	if want := []string{"SecretsReader", "SecretTaskUpdater"}; !cmp.Equal(names, want) {
		t.Errorf("Services(): secrets-manager service roles = %v, want %v", names, want)
	}
}

func TestRoleActionsIsACopy(t *testing.T) {
	g := RoleActions()
	if len(g) == 0 {
		t.Fatal("RoleActions() is empty")
	}
	for i := range g {
		g[i].Roles = nil
	}
	if RolesGranting(serviceSecretsManager, "secrets-manager.secret.read") == nil {
		t.Error("changing RoleActions() changed the evaluator's table")
	}
}

func TestActionsAcceptsIBMSpelling(t *testing.T) {
	got := Actions(serviceSecretsManager, "crn:v1:bluemix:public:secrets-manager::::serviceRole:SecretsReader")
	if want := Actions(serviceSecretsManager, RoleSecretsReader); len(want) == 0 || !cmp.Equal(got, want) {
		t.Errorf("Actions(secrets-manager, bluemix SecretsReader) = %v, want %v", got, want)
	}
}
