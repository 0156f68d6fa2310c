package policy

import (
	"strings"

	"github.com/cofferhq/coffer/api"
)

// Role is a role's id: its canonical CRN, as Coffer emits it in policies and
// in /v2/roles. Use the constants below or ParseRoleID; the zero Role is not
// a role.
type Role string

// System roles, which every service may use. Platform roles (Viewer …
// Administrator) govern the platform side of a service (instances, access);
// service roles (Reader, Writer, Manager) govern what the service itself does.
const (
	RoleViewer        Role = "crn:v1:coffer:public:iam::::role:Viewer"
	RoleOperator      Role = "crn:v1:coffer:public:iam::::role:Operator"
	RoleEditor        Role = "crn:v1:coffer:public:iam::::role:Editor"
	RoleAdministrator Role = "crn:v1:coffer:public:iam::::role:Administrator"
	RoleReader        Role = "crn:v1:coffer:public:iam::::serviceRole:Reader"
	RoleWriter        Role = "crn:v1:coffer:public:iam::::serviceRole:Writer"
	RoleManager       Role = "crn:v1:coffer:public:iam::::serviceRole:Manager"
)

// Service roles that Secrets Manager defines for itself.
const (
	RoleSecretsReader     Role = "crn:v1:coffer:public:secrets-manager::::serviceRole:SecretsReader"
	RoleSecretTaskUpdater Role = "crn:v1:coffer:public:secrets-manager::::serviceRole:SecretTaskUpdater"
)

// RoleKind tells platform roles from service roles.
type RoleKind string

// Role kinds, as /v2/roles groups them (system_roles hold both kinds of
// system role; service_roles hold the roles a service defines).
const (
	PlatformRole RoleKind = "platform"
	ServiceRole  RoleKind = "service"
)

// roleDef describes one role for /v2/roles and for the evaluator.
type roleDef struct {
	role        Role
	bit         roleSet
	display     string
	description string
}

// roleDefs lists every role Coffer knows, in the order /v2/roles lists them.
var roleDefs = []roleDef{
	{RoleViewer, rV, "Viewer", "As a viewer, you can view service instances, but you can't modify them."},
	{RoleOperator, rO, "Operator", "As an operator, you can perform platform actions required to configure and operate service instances, such as viewing a service's dashboard."},
	{RoleEditor, rE, "Editor", "As an editor, you can perform all platform actions except for managing the account and assigning access policies."},
	{RoleAdministrator, rA, "Administrator", "As an administrator, you can perform all platform actions based on the resource this role is being assigned, including assigning access policies to other users."},
	{RoleReader, rR, "Reader", "As a reader, you can perform read-only actions within a service, such as viewing service-specific resources."},
	{RoleSecretsReader, rSR, "SecretsReader", "As a secrets reader, you can perform read-only actions, and you can also access the secret data that is associated with a secret."},
	{RoleWriter, rW, "Writer", "As a writer, you have permissions beyond the reader role, including creating and editing service-specific resources."},
	{RoleManager, rM, "Manager", "As a manager, you have permissions beyond the writer role to complete privileged actions as defined by the service. In addition, you can create and edit service-specific resources."},
	{RoleSecretTaskUpdater, rSTU, "SecretTaskUpdater", "As a secret task updater, you can update the status and results of the tasks of custom credentials secrets."},
}

// Name returns the role's short name, such as "Viewer" or "SecretsReader",
// or "" for a string that is not a role id.
func (r Role) Name() string {
	i := strings.LastIndexByte(string(r), ':')
	if i < 0 {
		return ""
	}
	return string(r[i+1:])
}

// Kind returns PlatformRole or ServiceRole.
func (r Role) Kind() RoleKind {
	if strings.Contains(string(r), "::::role:") {
		return PlatformRole
	}
	return ServiceRole
}

// Service returns the service that defines the role, or "" for the system
// roles that every service shares.
func (r Role) Service() string {
	switch r {
	case RoleSecretsReader, RoleSecretTaskUpdater:
		return serviceSecretsManager
	}
	return ""
}

// String returns the role's CRN.
func (r Role) String() string { return string(r) }

// def returns the role's description, or nil if r is not a known role.
func (r Role) def() *roleDef {
	for i := range roleDefs {
		if roleDefs[i].role == r {
			return &roleDefs[i]
		}
	}
	return nil
}

// ParseRoleID returns the role a role id (a CRN) names. It accepts Coffer's
// canonical ids (crn:v1:coffer:public:iam::::role:Viewer), IBM's spellings
// with cloud name "bluemix", and the older Secrets Manager spelling that puts
// every role under the service (crn:v1:bluemix:public:secrets-manager::::
// serviceRole:Reader). It always returns the canonical Role. It returns an
// error wrapping api.ErrInvalid for anything else, including custom roles,
// which Coffer does not support yet.
func ParseRoleID(s string) (Role, error) {
	f := strings.Split(s, ":")
	if len(f) != 10 || f[0] != "crn" || f[1] != "v1" {
		return "", api.Errorf(api.ErrInvalid, "role id %.100q is not a CRN of the form crn:v1:coffer:public:iam::::role:NAME", s)
	}
	if f[2] != "coffer" && f[2] != "bluemix" || f[3] != "public" {
		return "", api.Errorf(api.ErrInvalid, "role id %.100q: cloud must be coffer:public or bluemix:public", s)
	}
	if f[5] != "" || f[6] != "" || f[7] != "" {
		return "", api.Errorf(api.ErrInvalid, "role id %.100q: location, scope and instance must be empty for a system or service role", s)
	}
	if f[4] != "iam" && f[4] != serviceSecretsManager {
		return "", api.Errorf(api.ErrInvalid, "role id %.100q: unknown role service %.50q (want iam or secrets-manager)", s, f[4])
	}
	for _, d := range roleDefs {
		if d.display != f[9] {
			continue
		}
		want := "serviceRole"
		if d.role.Kind() == PlatformRole {
			want = "role"
		}
		if f[8] != want {
			return "", api.Errorf(api.ErrInvalid, "role id %.100q: %s is a %s role, written %q, not %.30q", s, f[9], d.role.Kind(), want, f[8])
		}
		if f[4] == "iam" && d.role.Service() != "" {
			return "", api.Errorf(api.ErrInvalid, "role id %.100q: %s is defined by %s, not iam", s, f[9], d.role.Service())
		}
		return d.role, nil
	}
	return "", api.Errorf(api.ErrInvalid, "role id %.100q: unknown role %.50q (custom roles are not supported)", s, f[9])
}

// RoleByName resolves a role given by its plain name ("Reader",
// "SecretsReader", case-insensitive) or by its id (a CRN, as for
// ParseRoleID), for the CLI's convenience. With a service name, only roles
// that grant at least one action on that service resolve, so
// RoleByName("codeengine", "SecretsReader") fails; with service "", only the
// system roles resolve. It returns an error wrapping api.ErrInvalid that
// lists the valid names, or api.ErrNotFound for an unknown service.
func RoleByName(service, name string) (Role, error) {
	var valid []Role
	if service == "" {
		for _, d := range roleDefs {
			if d.role.Service() == "" {
				valid = append(valid, d.role)
			}
		}
	} else {
		s := lookupService(service)
		if s == nil {
			return "", api.Errorf(api.ErrNotFound, "unknown service %.100q", service)
		}
		valid = s.roles()
	}
	r, err := Role(""), error(nil)
	if strings.HasPrefix(name, "crn:") {
		if r, err = ParseRoleID(name); err != nil {
			return "", err
		}
	} else {
		for _, d := range roleDefs {
			if strings.EqualFold(d.display, name) {
				r = d.role
			}
		}
	}
	for _, v := range valid {
		if v == r {
			return r, nil
		}
	}
	names := make([]string, len(valid))
	for i, v := range valid {
		names[i] = v.Name()
	}
	where := "a system role"
	if service != "" {
		where = "a role of service " + service
	}
	return "", api.Errorf(api.ErrInvalid, "%.100q is not %s; valid roles: %s", name, where, strings.Join(names, ", "))
}
