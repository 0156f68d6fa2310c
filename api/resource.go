package api

import "time"

// This file holds the wire types of IBM's Resource Controller API v2
// (/v2/resource_instances) and Resource Manager API v2 (/v2/resource_groups),
// as IBM's platform-services Go SDK (resourcecontrollerv2,
// resourcemanagerv2) decodes them. Field names and types are IBM's. Times
// are RFC 3339 in UTC with up to nanosecond precision, as the Resource
// Controller writes them; unset times (deleted_at before a deletion) are
// null.

// Secrets Manager in the Resource Controller's catalog.
const (
	// SecretsManagerService is the service name of Secrets Manager.
	SecretsManagerService = "secrets-manager"
	// SecretsManagerResourceID is IBM's global catalog id of Secrets
	// Manager, the resource_id of its instances. Requests may name the
	// service by this id or by SecretsManagerService.
	SecretsManagerResourceID = "ebc0cdb0-af2a-11ea-98c7-29e5db822649"
	// StandardPlanID is the id of Secrets Manager's standard plan, the only
	// plan Coffer offers. Requests may name it by this id or "standard".
	StandardPlanID = "7713c3a8-3be8-4a9a-81bb-ee822fcaac3d"
	// StandardPlan is the name of the standard plan.
	StandardPlan = "standard"
)

// Resource instance states and type.
const (
	InstanceStateActive             = "active"
	InstanceStatePendingReclamation = "pending_reclamation"
	InstanceStateRemoved            = "removed"
	ResourceInstanceType            = "service_instance"
)

// ResourceGroupStateActive is the state of a usable resource group.
const ResourceGroupStateActive = "ACTIVE"

// DefaultResourceGroupName is the name of the group every account has.
const DefaultResourceGroupName = "Default"

// ResourceInstance is a Secrets Manager instance as the Resource Controller
// describes it. ID is the instance's CRN; GUID is what Secrets Manager URLs
// and policies use.
type ResourceInstance struct {
	ID                  string                 `json:"id"`
	GUID                string                 `json:"guid"`
	URL                 string                 `json:"url"`
	CreatedAt           time.Time              `json:"created_at"`
	UpdatedAt           time.Time              `json:"updated_at"`
	DeletedAt           *time.Time             `json:"deleted_at"`
	CreatedBy           string                 `json:"created_by"`
	UpdatedBy           string                 `json:"updated_by"`
	DeletedBy           string                 `json:"deleted_by"`
	ScheduledReclaimAt  *time.Time             `json:"scheduled_reclaim_at"`
	ScheduledReclaimBy  string                 `json:"scheduled_reclaim_by"`
	RestoredAt          *time.Time             `json:"restored_at"`
	RestoredBy          string                 `json:"restored_by"`
	Name                string                 `json:"name"`
	RegionID            string                 `json:"region_id"`
	AccountID           string                 `json:"account_id"`
	ResellerChannelID   string                 `json:"reseller_channel_id"`
	ResourcePlanID      string                 `json:"resource_plan_id"`
	ResourceGroupID     string                 `json:"resource_group_id"`
	ResourceGroupCRN    string                 `json:"resource_group_crn"`
	TargetCRN           string                 `json:"target_crn"`
	OnetimeCredentials  bool                   `json:"onetime_credentials"`
	Parameters          map[string]any         `json:"parameters"`
	AllowCleanup        bool                   `json:"allow_cleanup"`
	CRN                 string                 `json:"crn"`
	State               string                 `json:"state"`
	Type                string                 `json:"type"`
	SubType             string                 `json:"sub_type"`
	ResourceID          string                 `json:"resource_id"`
	DashboardURL        string                 `json:"dashboard_url"`
	LastOperation       *InstanceLastOperation `json:"last_operation"`
	ResourceKeysURL     string                 `json:"resource_keys_url"`
	ResourceAliasesURL  string                 `json:"resource_aliases_url"`
	ResourceBindingsURL string                 `json:"resource_bindings_url"`
	PlanHistory         []InstancePlanHistory  `json:"plan_history"`
	Migrated            bool                   `json:"migrated"`
	Extensions          InstanceExtensions     `json:"extensions"`
	ControlledBy        string                 `json:"controlled_by"`
	Locked              bool                   `json:"locked"`
}

// InstanceLastOperation is the last lifecycle operation of an instance.
// Coffer's operations complete synchronously: State is "succeeded" and Async
// false.
type InstanceLastOperation struct {
	Type        string  `json:"type"`  // "create", "update" or "delete"
	State       string  `json:"state"` // "succeeded"
	SubType     string  `json:"sub_type,omitempty"`
	Async       bool    `json:"async"`
	Description string  `json:"description"`
	ReasonCode  string  `json:"reason_code,omitempty"`
	PollAfter   float64 `json:"poll_after,omitempty"`
	Cancelable  bool    `json:"cancelable"`
	Poll        bool    `json:"poll"`
}

// InstancePlanHistory is one plan an instance has had.
type InstancePlanHistory struct {
	ResourcePlanID string    `json:"resource_plan_id"`
	StartDate      time.Time `json:"start_date"`
	RequestorID    string    `json:"requestor_id"`
}

// InstanceExtensions says where an instance's Secrets Manager API is.
// Endpoints.Public is the URL SDK users set as the Secrets Manager service
// URL (SM_SERVICE_URL); scripts written for IBM read
// VirtualPrivateEndpoints.DNSHosts[0], the instance GUID.
type InstanceExtensions struct {
	Endpoints               InstanceEndpoints        `json:"endpoints"`
	VirtualPrivateEndpoints InstancePrivateEndpoints `json:"virtual_private_endpoints"`
}

// InstanceEndpoints are an instance's Secrets Manager API URLs. Coffer
// serves one address, so Public and Private are the same.
type InstanceEndpoints struct {
	Public  string `json:"public"`
	Private string `json:"private"`
}

// InstancePrivateEndpoints lists the DNS host names of an instance.
type InstancePrivateEndpoints struct {
	DNSHosts []string `json:"dns_hosts"`
}

// ResourceInstanceList is a page of instances. NextURL, a path with its
// query, holds the next page's start token; it is null on the last page.
type ResourceInstanceList struct {
	RowsCount int                `json:"rows_count"`
	NextURL   *string            `json:"next_url"`
	Resources []ResourceInstance `json:"resources"`
}

// CreateResourceInstanceRequest is the body of POST /v2/resource_instances.
// Target is the region; ResourceGroup is a resource group id (the account's
// default group when empty); ResourcePlanID is StandardPlanID or
// "standard". ResourceID, a Coffer extension IBM's API does not have,
// optionally names the service (SecretsManagerResourceID or
// "secrets-manager"). Tags are accepted and not kept.
type CreateResourceInstanceRequest struct {
	Name           string         `json:"name"`
	Target         string         `json:"target"`
	ResourceGroup  string         `json:"resource_group,omitempty"`
	ResourcePlanID string         `json:"resource_plan_id"`
	Tags           []string       `json:"tags,omitempty"`
	AllowCleanup   bool           `json:"allow_cleanup,omitempty"`
	Parameters     map[string]any `json:"parameters,omitempty"`
	ResourceID     string         `json:"resource_id,omitempty"`
}

// UpdateResourceInstanceRequest is the body of PATCH
// /v2/resource_instances/{id}; nil fields are left as they are. Parameters
// replace the stored ones; ResourcePlanID may only name the standard plan.
type UpdateResourceInstanceRequest struct {
	Name           *string        `json:"name,omitempty"`
	Parameters     map[string]any `json:"parameters,omitempty"`
	ResourcePlanID *string        `json:"resource_plan_id,omitempty"`
	AllowCleanup   *bool          `json:"allow_cleanup,omitempty"`
}

// ResourceGroup is a resource group of an account.
type ResourceGroup struct {
	ID                string    `json:"id"`
	CRN               string    `json:"crn"`
	AccountID         string    `json:"account_id"`
	Name              string    `json:"name"`
	State             string    `json:"state"`
	Default           bool      `json:"default"`
	QuotaID           string    `json:"quota_id"`
	QuotaURL          string    `json:"quota_url"`
	PaymentMethodsURL string    `json:"payment_methods_url"`
	ResourceLinkages  []any     `json:"resource_linkages"`
	TeamsURL          string    `json:"teams_url"`
	CreatedAt         time.Time `json:"created_at"`
	UpdatedAt         time.Time `json:"updated_at"`
}

// ResourceGroupList is the answer of GET /v2/resource_groups.
type ResourceGroupList struct {
	Resources []ResourceGroup `json:"resources"`
}

// CreateResourceGroupRequest is the body of POST /v2/resource_groups.
// AccountID defaults to the caller's account.
type CreateResourceGroupRequest struct {
	Name      string `json:"name"`
	AccountID string `json:"account_id,omitempty"`
}

// UpdateResourceGroupRequest is the body of PATCH /v2/resource_groups/{id};
// nil fields are left as they are. State may only be "ACTIVE".
type UpdateResourceGroupRequest struct {
	Name  *string `json:"name,omitempty"`
	State *string `json:"state,omitempty"`
}
