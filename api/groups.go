package api

// This file holds the wire types of IBM's IAM Access Groups API v2
// (/v2/groups and their members).
//
// Format (IBM's Access Groups API v2, platform-services-go-sdk
// iamaccessgroupsv2): group ids are "AccessGroupId-<uuid>"; timestamps are
// RFC 3339 with milliseconds in UTC (PolicyTimeLayout). A group's entity tag
// is its revision number, sent in the ETag header of GET and taken back in
// If-Match by PATCH. Lists page with limit and offset and report
// total_count; their item arrays are empty rather than null.

// Member types of an access group.
const (
	MemberTypeUser    = "user"
	MemberTypeService = "service"
	MemberTypeProfile = "profile"
)

// AccessGroup is an access group. ETag travels in the ETag header.
type AccessGroup struct {
	ID               string `json:"id"`
	Name             string `json:"name"`
	Description      string `json:"description,omitempty"`
	AccountID        string `json:"account_id"`
	CreatedAt        string `json:"created_at"`
	CreatedByID      string `json:"created_by_id"`
	LastModifiedAt   string `json:"last_modified_at"`
	LastModifiedByID string `json:"last_modified_by_id"`
	Href             string `json:"href"`
	IsFederated      bool   `json:"is_federated"`
	ETag             string `json:"-"`
}

// CreateAccessGroupRequest is the body of POST /v2/groups?account_id=.
type CreateAccessGroupRequest struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// UpdateAccessGroupRequest is the body of PATCH /v2/groups/{id}; nil
// fields stay as they are.
type UpdateAccessGroupRequest struct {
	Name        *string `json:"name,omitempty"`
	Description *string `json:"description,omitempty"`
}

// HrefLink is a paging link of the Access Groups API.
type HrefLink struct {
	Href string `json:"href"`
}

// AccessGroupList is the answer of GET /v2/groups.
type AccessGroupList struct {
	Limit      int           `json:"limit"`
	Offset     int           `json:"offset"`
	TotalCount int           `json:"total_count"`
	First      *HrefLink     `json:"first,omitempty"`
	Previous   *HrefLink     `json:"previous,omitempty"`
	Next       *HrefLink     `json:"next,omitempty"`
	Last       *HrefLink     `json:"last,omitempty"`
	Groups     []AccessGroup `json:"groups"`
}

// AddGroupMembersRequest is the body of PUT /v2/groups/{id}/members.
type AddGroupMembersRequest struct {
	Members []AddGroupMember `json:"members"`
}

// AddGroupMember names one member to add: its iam_id and type (user,
// service or profile).
type AddGroupMember struct {
	IAMID string `json:"iam_id"`
	Type  string `json:"type"`
}

// AddGroupMembersResponse is the 207 answer of PUT /v2/groups/{id}/members:
// one result per member asked for, each with its own status code.
type AddGroupMembersResponse struct {
	Members []AddGroupMemberResult `json:"members"`
}

// AddGroupMemberResult is the outcome for one member: status_code 200 when
// it is (now) a member, else an error status and errors.
type AddGroupMemberResult struct {
	IAMID       string           `json:"iam_id"`
	Type        string           `json:"type"`
	Href        string           `json:"href,omitempty"`
	CreatedAt   string           `json:"created_at,omitempty"`
	CreatedByID string           `json:"created_by_id,omitempty"`
	StatusCode  int              `json:"status_code"`
	Trace       string           `json:"trace,omitempty"`
	Errors      []GroupItemError `json:"errors,omitempty"`
}

// GroupItemError is one error of a multi-status answer.
type GroupItemError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// GroupMember is a member of an access group.
type GroupMember struct {
	IAMID          string `json:"iam_id"`
	Type           string `json:"type"`
	MembershipType string `json:"membership_type"`
	Href           string `json:"href,omitempty"`
	CreatedAt      string `json:"created_at"`
	CreatedByID    string `json:"created_by_id"`
}

// GroupMemberList is the answer of GET /v2/groups/{id}/members.
type GroupMemberList struct {
	Limit      int           `json:"limit"`
	Offset     int           `json:"offset"`
	TotalCount int           `json:"total_count"`
	First      *HrefLink     `json:"first,omitempty"`
	Previous   *HrefLink     `json:"previous,omitempty"`
	Next       *HrefLink     `json:"next,omitempty"`
	Last       *HrefLink     `json:"last,omitempty"`
	Members    []GroupMember `json:"members"`
}
