package resource

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/authz"
	"github.com/cofferhq/coffer/internal/store"
)

// Instance list paging.
const (
	DefaultListLimit = 100
	MaxListLimit     = 1000
)

// instanceStates are the states IBM's list filter knows.
var instanceStates = []string{"active", "inactive", "failed", "pending_reclamation", "pre_provisioning",
	"provisioning", "removed"}

// InstanceFilter holds the query parameters of GET /v2/resource_instances.
// Empty fields match anything; State "" means active instances.
type InstanceFilter struct {
	GUID, Name, ResourceGroupID, ResourceID, ResourcePlanID, Type, SubType, State string
	UpdatedFrom, UpdatedTo                                                        time.Time
	Limit                                                                         int // 0 = DefaultListLimit
	Start                                                                         string
}

// ParseInstanceFilter reads an InstanceFilter from a query string. Errors:
// api.ErrInvalid for a limit out of 1..MaxListLimit, an unknown state or a
// date that is neither YYYY-MM-DD nor RFC 3339.
func ParseInstanceFilter(q url.Values) (InstanceFilter, error) {
	f := InstanceFilter{GUID: q.Get("guid"), Name: q.Get("name"), ResourceGroupID: q.Get("resource_group_id"),
		ResourceID: q.Get("resource_id"), ResourcePlanID: q.Get("resource_plan_id"), Type: q.Get("type"),
		SubType: q.Get("sub_type"), State: q.Get("state"), Start: q.Get("start")}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxListLimit {
			return f, api.Errorf(api.ErrInvalid, "limit %q must be a number from 1 to %d", v, MaxListLimit)
		}
		f.Limit = n
	}
	if f.State != "" && !slices.Contains(instanceStates, f.State) {
		return f, api.Errorf(api.ErrInvalid, "unknown state %q", f.State)
	}
	var err error
	if f.UpdatedFrom, err = parseDate("updated_from", q.Get("updated_from")); err != nil {
		return f, err
	}
	f.UpdatedTo, err = parseDate("updated_to", q.Get("updated_to"))
	return f, err
}

func parseDate(name, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, time.DateOnly} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, api.Errorf(api.ErrInvalid, "%s %q must be a date (YYYY-MM-DD) or an RFC 3339 time", name, v)
}

// query returns the filter as a query string, with start replaced.
func (f InstanceFilter) query(start string) string {
	q := url.Values{}
	for k, v := range map[string]string{"guid": f.GUID, "name": f.Name, "resource_group_id": f.ResourceGroupID,
		"resource_id": f.ResourceID, "resource_plan_id": f.ResourcePlanID, "type": f.Type, "sub_type": f.SubType,
		"state": f.State, "start": start} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if !f.UpdatedFrom.IsZero() {
		q.Set("updated_from", f.UpdatedFrom.Format(time.RFC3339Nano))
	}
	if !f.UpdatedTo.IsZero() {
		q.Set("updated_to", f.UpdatedTo.Format(time.RFC3339Nano))
	}
	if f.Limit != 0 {
		q.Set("limit", strconv.Itoa(f.Limit))
	}
	return q.Encode()
}

// matchesNothing reports whether the filter names something no Coffer
// instance is: another service, plan, type or a sub-type.
func (f InstanceFilter) matchesNothing() bool {
	_, planErr := planName(f.ResourcePlanID)
	return f.ResourceID != "" && !isSecretsManager(f.ResourceID) ||
		f.ResourcePlanID != "" && planErr != nil ||
		f.Type != "" && f.Type != api.ResourceInstanceType || f.SubType != "" ||
		f.State != "" && f.State != api.InstanceStateActive && f.State != api.InstanceStatePendingReclamation
}

// ListInstances returns one page of the caller's account's instances that
// f selects and the caller may list (resource-controller.instance.list,
// asked per instance). NextURL names the next page when there is one.
// Errors: api.ErrUnauthenticated, api.ErrInvalid (a bad start token).
func (s *Service) ListInstances(ctx context.Context, cred authz.Credential, f InstanceFilter) (*api.ResourceInstanceList, error) {
	p, err := s.gate.Authenticate(ctx, cred)
	if err != nil {
		return nil, err
	}
	out := &api.ResourceInstanceList{Resources: []api.ResourceInstance{}}
	if f.matchesNothing() {
		return out, nil
	}
	sf := store.ResourceInstanceFilter{AccountID: p.AccountID, GUID: f.GUID, Name: f.Name,
		ResourceGroupID: f.ResourceGroupID, States: []string{api.InstanceStateActive},
		UpdatedFrom: f.UpdatedFrom, UpdatedTo: f.UpdatedTo}
	if f.State != "" {
		sf.States = []string{f.State}
	}
	rows, next, err := s.st.ListResourceInstances(ctx, sf, store.ListOptions{PageToken: f.Start,
		Limit: orDefault(f.Limit, DefaultListLimit)})
	if err != nil {
		return nil, err
	}
	for _, ri := range rows {
		if err := s.adopt(ctx, ri); err != nil {
			return nil, err
		}
		if s.gate.Allowed(ctx, p, ActionInstanceList, instanceResource(&ri.Instance)) {
			out.Resources = append(out.Resources, *s.instanceView(ri))
		}
	}
	out.RowsCount = len(out.Resources)
	if next != "" {
		u := "/v2/resource_instances?" + f.query(next)
		out.NextURL = &u
	}
	return out, nil
}

// orDefault returns v, or def when v is zero.
func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}
