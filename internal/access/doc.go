// Package access is Coffer's IAM Policy Management and Access Groups
// service: it stores access and authorization policies and access groups
// with their members, serves IBM's /v1/policies, /v2/policies, /v2/roles and
// /v2/groups operations, and supplies the gate with the policies it decides
// with (PoliciesFor, the authz.PolicySource contract).
//
// # Model
//
// A policy is stored once, in package policy's model (one subject, one
// resource, roles, an optional rule), and shown as a v1 or a v2 policy
// depending on the API asked. Both versions go through policy.Validate, so
// the two APIs accept exactly the same policies. Role ids are accepted in
// every spelling policy.ParseRoleID knows and stored canonical.
//
// Two active policies of an account may not have the same type, subject,
// resource attributes and tags (IBM's 409 policy_conflict_error, whose
// details name the existing policy); the store enforces it with a unique
// index on a hash of those (the match key), so concurrent creates cannot
// both win.
//
// # Authorization
//
// Every operation starts with the gate. Policy operations use the actions
// iam-access-management.policy.create|read|list|update|delete and
// iam-access-management.role.list; group operations
// iam-groups.group.create|read|list|update|delete and
// iam-groups.member.add|remove|list. The resource is the account the
// policy or group belongs to, with serviceName iam-access-management or
// iam-groups. Operations on one object look it up after authenticating the
// caller and before authorizing: an object of an account the caller may not
// act on answers not found, exactly like a missing one.
//
// IBM also requires the creator of a policy to hold the access it grants.
// Coffer implements the stricter rule that only callers allowed
// iam-access-management.policy.create on the account (Administrator on
// iam-access-management, which account administrators hold) may create,
// replace or delete policies, so a policy can never grant more than its
// creator could grant.
//
// The subject of an access policy must be a user, service ID or trusted
// profile of the policy's account, or one of its access groups.
//
// # Invalidation
//
// After every change to a policy or a group membership the service calls
// the gate's Invalidate (when the gate has one), so cached decisions never
// outlive the change.
package access
