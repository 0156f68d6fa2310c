// Package policy is Coffer's access model, after IBM Cloud IAM: roles and
// the actions they grant, policies, and the evaluator that decides whether
// a caller may perform an action. It is pure: no I/O, and time is passed in.
//
// # Model
//
// A service (secrets-manager, codeengine, iam-identity …, see Services)
// names its operations as actions, like "secrets-manager.secret.read".
// Roles are sets of actions per service: the system roles Viewer, Operator,
// Editor and Administrator (platform) and Reader, Writer and Manager
// (service), and roles a service defines itself (SecretsReader,
// SecretTaskUpdater). A Role is its CRN; ParseRoleID also accepts IBM's
// spellings and returns the canonical one. The tables are in actions.go;
// Secrets Manager's follows reference §4.2 row by row.
//
// A Policy grants roles to a subject on the resources its attributes
// describe. Access policies name a subject by iam_id (a user, service ID or
// trusted profile) or access_group_id; authorization policies name a source
// service and apply only when a service itself calls (Subject.ServiceName).
// The API layer turns v1 and v2 policies into this one model, and Validate
// applies IBM's creation rules.
//
// # Decisions
//
// Decide and DecideCompiled follow IBM's documented model (reference §3.5):
//
//   - There are only permits: no access by default, no deny, the union of
//     every applying policy's roles.
//   - A policy applies when it is active, its subject is the caller, every
//     resource attribute it names matches the request, every tag it names is
//     on the target, and its rule (if any) holds at Environment.Now.
//   - An attribute the policy omits matches anything; an attribute the policy
//     names that the request lacks does not match, unless the policy wants it
//     absent (stringExists false). Empty request values count as absent.
//   - serviceType is derived from serviceName: platform_service for the
//     account-management services, service for the others.
//   - A Secrets Manager request on the "default" secret group also matches
//     policies that match with resourceType and resource removed: the
//     default group follows the instance's policies. Under wildcard matching
//     this only adds policies that want the instance alone (resourceType
//     stringExists false).
//   - Roles expand to actions on the target service (serviceName, or the
//     action's own service): the request is allowed when an applying policy
//     holds a role that grants the action there.
//
// stringMatch is a case-sensitive glob: "*" any run of characters, "?" one
// character, "{{*}}" and "{{?}}" a literal "*" or "?". Rules combine
// comparisons with "and" and "or", nested one level, over the current time
// of day, date and time, date, day of the week (1 = Monday, each value with
// its own offset) and the request's resource attributes.
//
// # Invariants
//
//   - A Compiled policy is immutable and safe for concurrent use. An
//     allowed DecideCompiled allocates only its Decision's Matched list;
//     explaining a denial costs more (the Reasons' text).
//   - Denials carry Reasons that name the first thing that kept each policy
//     from granting the action. Reasons about other subjects' policies reveal
//     those subjects, so the explain API must filter them for non-admins.
//   - Validate errors and every error of this package wrap api.ErrInvalid
//     (RoleByName: also api.ErrNotFound for an unknown service).
package policy
