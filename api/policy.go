package api

import "time"

// This file holds the wire types of IBM's IAM Policy Management API:
// /v1/policies, /v2/policies and /v2/roles.
//
// Format (IBM's Policy Management API, v1 and v2 policies): JSON field names
// follow IBM's SDK models (platform-services-go-sdk iampolicymanagementv1).
// Timestamps are RFC 3339 with milliseconds in UTC ("2024-10-17T16:36:56.501Z",
// PolicyTimeLayout). A v1 policy has exactly one subject and one resource;
// attributes are {name, value[, operator]}. A v2 policy has one subject and
// one resource whose attributes are {key, operator, value}, where value is a
// string, a list of strings (stringEqualsAnyOf, stringMatchAnyOf) or a
// boolean (stringExists), an optional rule and pattern, and grants roles in
// control.grant.roles. Responses carry the policy's entity tag in the ETag
// header ("<revision>-<md5>"); PUT and PATCH take it back in If-Match. List
// envelopes always carry their policies array, empty rather than null.

// PolicyTimeLayout is the layout of Policy Management timestamps.
const PolicyTimeLayout = "2006-01-02T15:04:05.000Z"

// FormatPolicyTime formats t in PolicyTimeLayout, in UTC.
func FormatPolicyTime(t time.Time) string { return t.UTC().Format(PolicyTimeLayout) }

// Policy is a v1 policy (also the body of POST and PUT /v1/policies, where
// the server ignores the read-only fields). ETag is the entity tag, sent in
// the ETag header rather than the body.
type Policy struct {
	ID               string           `json:"id,omitempty"`
	Type             string           `json:"type"`
	Description      string           `json:"description,omitempty"`
	Subjects         []PolicySubject  `json:"subjects"`
	Roles            []PolicyRole     `json:"roles"`
	Resources        []PolicyResource `json:"resources"`
	Href             string           `json:"href,omitempty"`
	CreatedAt        string           `json:"created_at,omitempty"`
	CreatedByID      string           `json:"created_by_id,omitempty"`
	LastModifiedAt   string           `json:"last_modified_at,omitempty"`
	LastModifiedByID string           `json:"last_modified_by_id,omitempty"`
	State            string           `json:"state,omitempty"`
	ETag             string           `json:"-"`
}

// PolicySubject is the subject of a v1 policy.
type PolicySubject struct {
	Attributes []SubjectAttribute `json:"attributes"`
}

// SubjectAttribute is a v1 subject attribute, such as {iam_id, IBMid-…}.
type SubjectAttribute struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// PolicyRole is a role of a v1 policy. Requests need only RoleID; answers
// add the display name and description.
type PolicyRole struct {
	RoleID      string `json:"role_id"`
	DisplayName string `json:"display_name,omitempty"`
	Description string `json:"description,omitempty"`
}

// PolicyResource is the resource of a v1 policy.
type PolicyResource struct {
	Attributes []ResourceAttribute `json:"attributes"`
	Tags       []ResourceTag       `json:"tags,omitempty"`
}

// ResourceAttribute is a v1 resource attribute; answers always carry the
// operator (stringEquals when the request had none).
type ResourceAttribute struct {
	Name     string `json:"name"`
	Value    string `json:"value"`
	Operator string `json:"operator,omitempty"`
}

// ResourceTag is an access tag condition of a v1 resource.
type ResourceTag struct {
	Name     string `json:"name"`
	Value    string `json:"value"`
	Operator string `json:"operator,omitempty"`
}

// PolicyPageLink is a link of a policy list: href, and for next and
// previous the start token to send back.
type PolicyPageLink struct {
	Href  string `json:"href"`
	Start string `json:"start,omitempty"`
}

// PolicyList is the answer of GET /v1/policies.
type PolicyList struct {
	Limit    int             `json:"limit"`
	First    *PolicyPageLink `json:"first,omitempty"`
	Next     *PolicyPageLink `json:"next,omitempty"`
	Previous *PolicyPageLink `json:"previous,omitempty"`
	Policies []Policy        `json:"policies"`
}

// UpdatePolicyStateRequest is the body of PATCH /v1/policies/{id}: state
// "active" restores a deleted policy, "deleted" deletes it softly.
type UpdatePolicyStateRequest struct {
	State string `json:"state"`
}

// V2Policy is a v2 policy (also the body of POST and PUT /v2/policies).
type V2Policy struct {
	ID                  string            `json:"id,omitempty"`
	Type                string            `json:"type"`
	Description         string            `json:"description,omitempty"`
	Subject             *V2PolicySubject  `json:"subject,omitempty"`
	Resource            *V2PolicyResource `json:"resource,omitempty"`
	Pattern             string            `json:"pattern,omitempty"`
	Rule                *V2PolicyRule     `json:"rule,omitempty"`
	Control             V2PolicyControl   `json:"control"`
	Href                string            `json:"href,omitempty"`
	CreatedAt           string            `json:"created_at,omitempty"`
	CreatedByID         string            `json:"created_by_id,omitempty"`
	LastModifiedAt      string            `json:"last_modified_at,omitempty"`
	LastModifiedByID    string            `json:"last_modified_by_id,omitempty"`
	State               string            `json:"state,omitempty"`
	LastPermitAt        string            `json:"last_permit_at,omitempty"`
	LastPermitFrequency int               `json:"last_permit_frequency,omitempty"`
	ETag                string            `json:"-"`
}

// V2PolicySubject is the subject of a v2 policy.
type V2PolicySubject struct {
	Attributes []V2PolicyAttribute `json:"attributes"`
}

// V2PolicyResource is the resource of a v2 policy.
type V2PolicyResource struct {
	Attributes []V2PolicyAttribute `json:"attributes"`
	Tags       []V2PolicyTag       `json:"tags,omitempty"`
}

// V2PolicyAttribute is a v2 subject or resource attribute. Value is a
// string, a list of strings or a boolean, as the operator needs.
type V2PolicyAttribute struct {
	Key      string `json:"key"`
	Operator string `json:"operator"`
	Value    any    `json:"value"`
}

// V2PolicyTag is an access tag condition of a v2 resource.
type V2PolicyTag struct {
	Key      string `json:"key"`
	Value    string `json:"value"`
	Operator string `json:"operator"`
}

// V2PolicyRule is a v2 condition: one comparison (key, operator, value) or
// a combination (operator "and" or "or" over conditions).
type V2PolicyRule struct {
	Key        string         `json:"key,omitempty"`
	Operator   string         `json:"operator"`
	Value      any            `json:"value,omitempty"`
	Conditions []V2PolicyRule `json:"conditions,omitempty"`
}

// V2PolicyControl holds what a v2 policy grants.
type V2PolicyControl struct {
	Grant V2PolicyGrant `json:"grant"`
}

// V2PolicyGrant lists the roles a v2 policy grants.
type V2PolicyGrant struct {
	Roles []V2PolicyRole `json:"roles"`
}

// V2PolicyRole is a role of a v2 policy; with format=display answers add
// its display name, description and actions.
type V2PolicyRole struct {
	RoleID      string       `json:"role_id"`
	DisplayName string       `json:"display_name,omitempty"`
	Description string       `json:"description,omitempty"`
	Actions     []RoleAction `json:"actions,omitempty"`
}

// RoleAction is an action a role grants, as format=display shows it.
type RoleAction struct {
	ID          string `json:"id"`
	DisplayName string `json:"display_name,omitempty"`
	Description string `json:"description,omitempty"`
}

// V2PolicyList is the answer of GET /v2/policies.
type V2PolicyList struct {
	Limit    int             `json:"limit"`
	First    *PolicyPageLink `json:"first,omitempty"`
	Next     *PolicyPageLink `json:"next,omitempty"`
	Previous *PolicyPageLink `json:"previous,omitempty"`
	Policies []V2Policy      `json:"policies"`
}

// PolicyConflict is the details object of a 409 policy_conflict_error:
// the existing policy the new one duplicates (a Policy or a V2Policy,
// matching the API version of the request) and its entity tag.
type PolicyConflict struct {
	ConflictsWith PolicyConflictWith `json:"conflicts_with"`
}

// PolicyConflictWith names the existing policy of a conflict.
type PolicyConflictWith struct {
	ETag   string `json:"etag"`
	Policy any    `json:"policy"`
}

// Role is a system or service role as /v2/roles lists it.
type Role struct {
	DisplayName string   `json:"display_name"`
	Description string   `json:"description"`
	Actions     []string `json:"actions"`
	CRN         string   `json:"crn"`
}

// RoleList is the answer of GET /v2/roles. Coffer has no custom roles yet:
// CustomRoles is always empty.
type RoleList struct {
	CustomRoles  []Role `json:"custom_roles"`
	ServiceRoles []Role `json:"service_roles"`
	SystemRoles  []Role `json:"system_roles"`
}

// Policy Management error codes Coffer answers with (IBM's ErrorObject codes).
const (
	CodePolicyInvalidBody     = "invalid_body"
	CodePolicyNotFound        = "policy_not_found"
	CodePolicyConflict        = "policy_conflict_error"
	CodePolicyMissingQuery    = "missing_required_query_parameter"
	CodeAccessGroupNotFound   = "not_found"
	CodeAccessGroupNameExists = "group_name_conflict_error"
)
