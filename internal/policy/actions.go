package policy

import (
	"slices"
	"strings"
)

// roleSet is a set of roles, one bit per role of roleDefs.
type roleSet uint16

const (
	rV   roleSet = 1 << iota // Viewer
	rO                       // Operator
	rE                       // Editor
	rA                       // Administrator
	rR                       // Reader
	rW                       // Writer
	rM                       // Manager
	rSR                      // SecretsReader
	rSTU                     // SecretTaskUpdater
)

// Shorthands for the tables below: a platform role and every role above it.
const (
	vPlus = rV | rO | rE | rA
	oPlus = rO | rE | rA
	ePlus = rE | rA
)

// ServiceKind tells IAM-enabled services from account-management ones; it
// is the value a policy's serviceType attribute matches.
type ServiceKind string

// Service kinds.
const (
	KindService         ServiceKind = "service"          // IAM-enabled services
	KindPlatformService ServiceKind = "platform_service" // account management
)

// Service names.
const (
	serviceSecretsManager = "secrets-manager"
	serviceCodeEngine     = "codeengine"
)

// grant is one row of a role table: an action and the roles that grant it.
type grant struct {
	action string
	roles  roleSet
}

// serviceDef is one service of the catalogue with its role table.
type serviceDef struct {
	name    string
	display string
	kind    ServiceKind
	grants  []grant
	byName  map[string]roleSet // action → roles, built from grants
}

// instanceGrants are the platform actions on the instances of an IAM-enabled
// service (ARCHITECTURE §7, reference §3.6): a Viewer on a service or
// instance sees it, an Editor creates, modifies and deletes instances.
var instanceGrants = []grant{
	{"resource-controller.instance.retrieve", vPlus},
	{"resource-controller.instance.list", vPlus},
	{"resource-controller.instance.create", ePlus},
	{"resource-controller.instance.update", ePlus},
	{"resource-controller.instance.delete", ePlus},
}

// catalogue is the table of services, actions and roles. The Secrets Manager
// rows follow reference §4.2 line by line (DOC-SM framework/iam.md).
var catalogue = buildCatalogue([]serviceDef{
	{name: serviceSecretsManager, display: "Secrets Manager", kind: KindService, grants: concat(instanceGrants, secretsManagerGrants)},
	{name: serviceCodeEngine, display: "Code Engine", kind: KindService, grants: concat(instanceGrants, codeEngineGrants)},
	{name: "iam-identity", display: "IAM Identity Service", kind: KindPlatformService, grants: identityGrants},
	{name: "iam-access-management", display: "IAM Access Management", kind: KindPlatformService, grants: []grant{
		{"iam-access-management.policy.read", vPlus},
		{"iam-access-management.policy.list", vPlus},
		{"iam-access-management.policy.create", rA},
		{"iam-access-management.policy.update", rA},
		{"iam-access-management.policy.delete", rA},
		{"iam-access-management.role.read", vPlus},
		{"iam-access-management.role.list", vPlus},
	}},
	{name: "iam-groups", display: "IAM Access Groups Service", kind: KindPlatformService, grants: []grant{
		{"iam-groups.group.read", vPlus},
		{"iam-groups.group.list", vPlus},
		{"iam-groups.group.create", ePlus},
		{"iam-groups.group.update", ePlus},
		{"iam-groups.group.delete", ePlus},
		{"iam-groups.member.list", vPlus},
		{"iam-groups.member.add", ePlus},
		{"iam-groups.member.remove", ePlus},
	}},
	{name: "resource-controller", display: "Resource Controller", kind: KindPlatformService, grants: []grant{
		{"resource-controller.instance.retrieve", vPlus},
		{"resource-controller.instance.list", vPlus},
		{"resource-controller.instance.create", ePlus},
		{"resource-controller.instance.update", ePlus},
		{"resource-controller.instance.delete", ePlus},
		{"resource-controller.group.retrieve", vPlus},
		{"resource-controller.group.list", vPlus},
		{"resource-controller.group.create", ePlus},
		{"resource-controller.group.update", ePlus},
		{"resource-controller.group.delete", ePlus},
	}},
	{name: "coffer-account", display: "Coffer Accounts", kind: KindPlatformService, grants: []grant{
		{"coffer.account.list", vPlus},
		{"coffer.account.create", rA},
		{"coffer.user.list", vPlus},
		{"coffer.user.create", rA},
		{"coffer.user.delete", rA},
	}},
	{name: "coffer-audit", display: "Coffer Audit Trail", kind: KindPlatformService, grants: []grant{
		{"coffer-audit.events.read", vPlus},
		{"coffer-audit.chain.verify", rA},
	}},
	{name: "coffer-operator", display: "Coffer Operator", kind: KindPlatformService, grants: []grant{
		{"coffer-operator.seal.update", rA},
		{"coffer-operator.root-key.rotate", rA},
	}},
})

// secretsManagerGrants is reference §4.2. R = Reader, SR = SecretsReader,
// W = Writer, M = Manager, STU = SecretTaskUpdater.
var secretsManagerGrants = func() []grant {
	const (
		all = rR | rSR | rW | rM // every reading role
		wm  = rW | rM
		swm = rSR | rW | rM // roles that see payloads
		p   = "secrets-manager."
	)
	return []grant{
		{p + "dashboard.view", oPlus},
		{p + "secret-group.create", rM},
		{p + "secret-group.update", rM},
		{p + "secret-group.delete", rM},
		{p + "secret-group.read", all},
		{p + "secret-groups.list", all},
		{p + "secret.create", wm},
		{p + "secret.read", swm},
		{p + "secret.delete", rM},
		{p + "secrets.list", all},
		{p + "secret-metadata.read", all},
		{p + "secret-metadata.update", wm},
		{p + "secret-action.create", wm},
		{p + "secret-versions.list", all},
		{p + "secret-version.create", wm},
		{p + "secret-version.read", swm},
		{p + "secret-version-metadata.read", all},
		{p + "secret-version-action.create", wm},
		{p + "secret-locks.create", wm},
		{p + "secret-locks.delete", rM},
		{p + "secrets-locks.list", all},
		{p + "secret-version-locks.create", wm},
		{p + "secret-version-locks.list", all},
		{p + "secret-version-locks.delete", rM},
		{p + "configuration.create", rM},
		{p + "configuration-action.create", rM},
		{p + "configurations.list", rR | rW | rM}, // not SecretsReader (§4.2)
		{p + "configuration.read", rM},
		{p + "configuration.update", rM},
		{p + "configuration.delete", rM},
		{p + "endpoints.view", all},
		{p + "notifications-registration.create", rM},
		{p + "notifications-registration.read", all},
		{p + "notifications-registration.delete", rM},
		{p + "notifications-registration.test", all},
		{p + "secret-tasks.list", all},
		{p + "secret-task.read", all},
		{p + "secret-task.update", rSTU}, // SecretTaskUpdater only, not Manager
		{p + "secret-task.delete", rM},
		{p + "secret-version-metadata.update", wm}, // [inferred] in §4.2
		{p + "secret-version-data.delete", rM},     // [inferred] in §4.2
	}
}()

// codeEngineGrants: platform Viewer reads, Operator also runs, Editor and
// Administrator do everything; service roles Reader reads, Writer also
// creates, updates and runs, Manager does everything.
var codeEngineGrants = func() []grant {
	const (
		read   = vPlus | rR | rW | rM
		run    = oPlus | rW | rM
		create = ePlus | rW | rM
		del    = ePlus | rM
	)
	g := []grant{
		{"codeengine.project.create", create},
		{"codeengine.project.get", read},
		{"codeengine.project.list", read},
		{"codeengine.project.delete", del},
	}
	for _, kind := range []string{"app", "job"} {
		p := "codeengine." + kind + "."
		g = append(g, grant{p + "create", create}, grant{p + "get", read}, grant{p + "list", read},
			grant{p + "update", create}, grant{p + "delete", del}, grant{p + "run", run})
	}
	return g
}()

// identityGrants: Viewer views IDs, Operator also creates and deletes them,
// Editor also updates, locks and disables, Administrator does everything.
var identityGrants = func() []grant {
	verbs := map[string]roleSet{"get": vPlus, "list": vPlus, "create": oPlus, "delete": oPlus,
		"update": ePlus, "lock": ePlus, "disable": ePlus}
	nouns := []struct{ noun, verbs string }{
		{"serviceid", "create get list update delete lock"},
		{"apikey", "create get list update delete lock disable"},
		{"profile", "create get list update delete"},
		{"profile.rule", "create get list update delete"},
		{"profile.link", "create get list delete"},
		{"profile.identity", "create get list update delete"},
	}
	var g []grant
	for _, n := range nouns {
		for _, v := range strings.Fields(n.verbs) {
			g = append(g, grant{"iam-identity." + n.noun + "." + v, verbs[v]})
		}
	}
	// A federation issuer lets outside tokens into the account: only an
	// Administrator registers, changes or removes one.
	for _, v := range []string{"get", "list"} {
		g = append(g, grant{"iam-identity.federation-issuer." + v, vPlus})
	}
	for _, v := range []string{"create", "update", "delete"} {
		g = append(g, grant{"iam-identity.federation-issuer." + v, rA})
	}
	return g
}()

func concat(a, b []grant) []grant { return append(slices.Clip(a), b...) }

// buildCatalogue indexes each service's grants by action.
func buildCatalogue(defs []serviceDef) []serviceDef {
	for i := range defs {
		defs[i].byName = make(map[string]roleSet, len(defs[i].grants))
		for _, g := range defs[i].grants {
			defs[i].byName[g.action] |= g.roles
		}
	}
	return defs
}

// lookupService returns the catalogue entry of a service, or nil.
func lookupService(name string) *serviceDef {
	for i := range catalogue {
		if catalogue[i].name == name {
			return &catalogue[i]
		}
	}
	return nil
}

// roles returns the roles that grant at least one action on the service.
func (s *serviceDef) roles() []Role {
	var all roleSet
	for _, g := range s.grants {
		all |= g.roles
	}
	return all.roles()
}

// roles lists the members of a set in roleDefs order.
func (rs roleSet) roles() []Role {
	var out []Role
	for _, d := range roleDefs {
		if rs&d.bit != 0 {
			out = append(out, d.role)
		}
	}
	return out
}

// names lists the short names of a set's members, comma-separated.
func (rs roleSet) names() string {
	var b strings.Builder
	for _, r := range rs.roles() {
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		b.WriteString(r.Name())
	}
	return b.String()
}

// bitOf returns the bit of a role in any spelling ParseRoleID accepts, or 0
// for an unknown one.
func bitOf(r Role) roleSet {
	if d := r.def(); d != nil {
		return d.bit
	}
	if c, err := ParseRoleID(string(r)); err == nil {
		return c.def().bit
	}
	return 0
}

// grantingRoles returns the roles that grant action on service.
func grantingRoles(service, action string) roleSet {
	if s := lookupService(service); s != nil {
		return s.byName[action]
	}
	return 0
}

// Actions returns the actions role (in any spelling ParseRoleID accepts)
// grants on service, sorted; nil for an unknown service or role, or a role
// without actions there.
func Actions(service string, role Role) []string {
	s := lookupService(service)
	bit := bitOf(role)
	if s == nil || bit == 0 {
		return nil
	}
	var out []string
	for _, g := range s.grants {
		if g.roles&bit != 0 {
			out = append(out, g.action)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// RolesGranting returns the roles that grant action on service, in
// /v2/roles order; nil if none does.
func RolesGranting(service, action string) []Role {
	return grantingRoles(service, action).roles()
}

// ServiceOf returns the service whose name prefixes action (the service an
// action belongs to, such as "secrets-manager" for
// "secrets-manager.secret.read"), or "" for an unknown action.
func ServiceOf(action string) string {
	for _, s := range catalogue {
		_, ok := s.byName[action]
		// IAM-enabled services also list the resource-controller actions on
		// their instances; those belong to resource-controller.
		if ok && (s.kind == KindPlatformService || strings.HasPrefix(action, s.name+".")) {
			return s.name
		}
	}
	return ""
}

// KindOf returns the kind of a named service: KindPlatformService for the
// account-management services, KindService for every other name.
func KindOf(service string) ServiceKind {
	if s := lookupService(service); s != nil {
		return s.kind
	}
	return KindService
}

// RoleInfo describes a role as /v2/roles shows it for one service.
type RoleInfo struct {
	Role        Role     // its id
	CRN         string   // crn: the same id as a string
	Name        string   // short name, e.g. "SecretsReader"
	DisplayName string   // display_name
	Description string   // description
	Actions     []string // the actions it grants on the service, sorted
}

// ServiceInfo describes a service of Coffer's catalogue and its roles.
type ServiceInfo struct {
	Name         string      // service name, e.g. "secrets-manager"
	DisplayName  string      // e.g. "Secrets Manager"
	Kind         ServiceKind // service or platform_service
	SystemRoles  []RoleInfo  // system roles (platform and service) with actions on it
	ServiceRoles []RoleInfo  // roles the service defines itself
}

// Services lists every service Coffer authorizes, with its roles and their
// actions, in a stable order. Roles that grant nothing on a service are not
// listed for it. The result is a fresh copy the caller may keep.
func Services() []ServiceInfo {
	out := make([]ServiceInfo, 0, len(catalogue))
	for i := range catalogue {
		s := &catalogue[i]
		info := ServiceInfo{Name: s.name, DisplayName: s.display, Kind: s.kind}
		for _, r := range s.roles() {
			d := r.def()
			ri := RoleInfo{Role: r, CRN: string(r), Name: r.Name(), DisplayName: d.display, Description: d.description,
				Actions: Actions(s.name, r)}
			if r.Service() == "" {
				info.SystemRoles = append(info.SystemRoles, ri)
			} else {
				info.ServiceRoles = append(info.ServiceRoles, ri)
			}
		}
		out = append(out, info)
	}
	return out
}

// Grant is one row of the role table: an action of a service and the roles
// that grant it.
type Grant struct {
	Service string
	Action  string
	Roles   []Role
}

// RoleActions returns the whole role table, service by service in the
// order of Services, each service's actions in table order. It is a fresh
// copy: changing it changes nothing in the evaluator.
func RoleActions() []Grant {
	var out []Grant
	for _, s := range catalogue {
		for _, g := range s.grants {
			out = append(out, Grant{Service: s.name, Action: g.action, Roles: g.roles.roles()})
		}
	}
	return out
}
