package resource

import (
	"encoding/json"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/store"
)

// Name limits, IBM's.
const (
	maxInstanceName = 180
	maxGroupName    = 40
)

// checkName refuses an empty or too long name, or one with characters
// other than letters, digits, spaces and - . _ : (the last two not in
// group names).
func checkName(what, name string, maxLen int, extra string) error {
	if strings.TrimSpace(name) == "" {
		return api.Errorf(api.ErrInvalid, "%s name is required", what)
	}
	if n := utf8.RuneCountInString(name); n > maxLen {
		return api.Errorf(api.ErrInvalid, "%s name is %d characters long: the limit is %d", what, n, maxLen)
	}
	for _, r := range name {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != ' ' && !strings.ContainsRune(extra, r) {
			return api.Errorf(api.ErrInvalid, "%s name %q holds %q: use letters, digits, spaces and %s",
				what, name, r, strings.Join(strings.Split(extra, ""), " "))
		}
	}
	return nil
}

func checkInstanceName(name string) error {
	return checkName("instance", name, maxInstanceName, "-._:")
}

func checkGroupName(name string) error { return checkName("resource group", name, maxGroupName, "-_") }

// checkRegion accepts a region name: 2 to 64 lowercase letters, digits and
// hyphens, starting with a letter and not ending with a hyphen (us-south,
// eu-de, local).
func checkRegion(region string) error {
	ok := len(region) >= 2 && len(region) <= 64 && region[0] >= 'a' && region[0] <= 'z' &&
		region[len(region)-1] != '-'
	for i := 0; ok && i < len(region); i++ {
		c := region[i]
		ok = c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-'
	}
	if !ok {
		return api.Errorf(api.ErrInvalid, "target %q is not a region: use a region name such as us-south", region)
	}
	return nil
}

// planName returns the stored plan name of a plan id or name.
func planName(plan string) (string, error) {
	switch plan {
	case api.StandardPlanID, api.StandardPlan:
		return api.StandardPlan, nil
	case "":
		return "", api.Errorf(api.ErrInvalid, "resource_plan_id is required: use %s (standard)", api.StandardPlanID)
	}
	return "", api.Errorf(api.ErrInvalid, "unknown plan %q: Secrets Manager offers the standard plan (%s)",
		plan, api.StandardPlanID)
}

// isSecretsManager reports whether a resource id names Secrets Manager.
func isSecretsManager(id string) bool {
	return id == api.SecretsManagerResourceID || id == api.SecretsManagerService
}

// Allowed values of the allowed_network parameter.
var allowedNetworks = []string{"private-only", "public-and-private"}

// encodeParameters checks the creation parameters and returns them as a
// JSON object.
func encodeParameters(p map[string]any) (string, error) {
	if v, ok := p["allowed_network"]; ok {
		s, _ := v.(string)
		if s != allowedNetworks[0] && s != allowedNetworks[1] {
			return "", api.Errorf(api.ErrInvalid, "parameter allowed_network must be %s or %s",
				allowedNetworks[0], allowedNetworks[1])
		}
	}
	if p == nil {
		return "{}", nil
	}
	b, err := json.Marshal(p)
	if err != nil {
		return "", api.Errorf(api.ErrInvalid, "parameters must be a JSON object")
	}
	return string(b), nil
}

// instanceView renders an instance in IBM's shape.
func (s *Service) instanceView(ri *store.ResourceInstance) *api.ResourceInstance {
	crn := InstanceCRN(&ri.Instance)
	path := "/v2/resource_instances/" + ri.GUID
	endpoint := s.url + "/instances/" + ri.GUID
	v := &api.ResourceInstance{
		ID: crn, GUID: ri.GUID, URL: path, CRN: crn, Name: ri.Name,
		CreatedAt: ri.CreatedAt, UpdatedAt: ri.UpdatedAt, CreatedBy: ri.CreatedBy, UpdatedBy: ri.UpdatedBy,
		DeletedAt: optTime(ri.DeletedAt), DeletedBy: ri.DeletedBy, ScheduledReclaimAt: optTime(ri.ReclaimAt),
		RegionID: ri.Region, AccountID: ri.AccountID, ResourcePlanID: api.StandardPlanID,
		ResourceGroupID: ri.ResourceGroupID, ResourceGroupCRN: GroupCRN(ri.AccountID, ri.ResourceGroupID),
		TargetCRN:  "crn:v1:coffer:public:globalcatalog::::deployment:" + api.StandardPlanID + "%3A" + ri.Region,
		Parameters: map[string]any{}, State: ri.State, Type: api.ResourceInstanceType,
		ResourceID: api.SecretsManagerResourceID, DashboardURL: s.url + "/console/instances/" + ri.GUID,
		LastOperation:       lastOperation(ri),
		ResourceKeysURL:     path + "/resource_keys",
		ResourceAliasesURL:  path + "/resource_aliases",
		ResourceBindingsURL: path + "/resource_bindings",
		PlanHistory: []api.InstancePlanHistory{{ResourcePlanID: api.StandardPlanID, StartDate: ri.CreatedAt,
			RequestorID: ri.CreatedBy}},
		Extensions: api.InstanceExtensions{
			Endpoints:               api.InstanceEndpoints{Public: endpoint, Private: endpoint},
			VirtualPrivateEndpoints: api.InstancePrivateEndpoints{DNSHosts: []string{ri.GUID}},
		},
	}
	if !ri.ReclaimAt.IsZero() {
		v.ScheduledReclaimBy = ri.DeletedBy
	}
	json.Unmarshal([]byte(ri.Parameters), &v.Parameters) // written by encodeParameters
	return v
}

// lastOperation describes the instance's last change; Coffer's changes
// complete before the answer.
func lastOperation(ri *store.ResourceInstance) *api.InstanceLastOperation {
	op := &api.InstanceLastOperation{Type: "create", State: "succeeded", Description: "Completed create instance operation"}
	switch {
	case ri.State == api.InstanceStatePendingReclamation:
		op.Type, op.Description = "delete", "Completed delete instance operation"
	case ri.Revision > 1:
		op.Type, op.Description = "update", "Completed update instance operation"
	}
	return op
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// groupView renders a resource group in IBM's shape.
func groupView(g *store.ResourceGroup) *api.ResourceGroup {
	return &api.ResourceGroup{ID: g.ID, CRN: GroupCRN(g.AccountID, g.ID), AccountID: g.AccountID, Name: g.Name,
		State: g.State, Default: g.IsDefault, ResourceLinkages: []any{}, CreatedAt: g.CreatedAt, UpdatedAt: g.UpdatedAt}
}
