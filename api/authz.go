package api

// This file holds the wire types of Coffer's authorization explain API:
// POST /coffer/v1/authz/explain.
//
// Format, version 1: JSON objects with snake_case names, except the resource
// attributes, which keep IBM's policy attribute names (accountId,
// serviceName, serviceInstance, region, resourceGroupId, resourceType,
// resource). Lists are always present, empty rather than null.

// ActionExplain is the action that guards the explain API: reading policies
// of the account (Viewer or above on iam-access-management).
const ActionExplain = "iam-access-management.policy.read"

// ExplainRequest asks whether a subject may perform an action on a resource,
// and why.
type ExplainRequest struct {
	Subject ExplainSubject `json:"subject"`
	Action  string         `json:"action"` // e.g. secrets-manager.secret.read
	// Resource holds the target's attributes by IBM name. accountId
	// defaults to the caller's account, the only one it may name.
	Resource map[string]string `json:"resource"`
}

// ExplainSubject is the subject of an explanation: a user, service ID or
// trusted profile by IAMID, or an access group by AccessGroupID (exactly
// one of them).
type ExplainSubject struct {
	IAMID         string `json:"iam_id,omitempty"`
	AccessGroupID string `json:"access_group_id,omitempty"`
}

// ExplainResponse is the answer of the explain API.
type ExplainResponse struct {
	Allowed bool `json:"allowed"`
	// Matched lists every policy that applies to the request, whether or not
	// its roles grant the action.
	Matched []ExplainMatch `json:"matched"`
	// Reasons explain a denial: one per policy of the subject that does not
	// grant the action, plus general ones (policy_id empty).
	Reasons []ExplainReason `json:"reasons"`
	// Summary is the explanation as text for people.
	Summary string `json:"summary"`
}

// ExplainMatch is a policy that applies to the request.
type ExplainMatch struct {
	PolicyID      string   `json:"policy_id"`
	Roles         []string `json:"roles"`          // role CRNs of the policy
	GrantingRoles []string `json:"granting_roles"` // those that grant the action
}

// ExplainReason is why one policy (or nothing) grants the action.
type ExplainReason struct {
	PolicyID string `json:"policy_id,omitempty"`
	Code     string `json:"code"` // e.g. resource_mismatch, role_lacks_action, no_policies
	Message  string `json:"message"`
}
