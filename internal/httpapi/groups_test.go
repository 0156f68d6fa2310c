package httpapi_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cofferhq/coffer/api"
)

func TestAccessGroups(t *testing.T) {
	ts := startServer(t)
	sid := ts.createServiceID(t, "app")
	prof := ts.createProfile(t, ts.key, ts.account, "runner")
	r := ts.want(t, 201, ts.key, "POST", "/v2/groups?account_id="+ts.account, api.CreateAccessGroupRequest{Name: "ops", Description: "d"})
	var g api.AccessGroup
	r.decode(t, &g)
	if g.AccountID != ts.account || g.CreatedByID != ts.admin || len(g.ID) != len("AccessGroupId-")+36 || r.header.Get("ETag") != "1" {
		t.Fatalf("created group = %s, ETag %q", r.body, r.header.Get("ETag"))
	}
	wantPolicyError(t, "duplicate name", ts.do(t, ts.key, "POST", "/v2/groups", api.CreateAccessGroupRequest{Name: "ops"}), 409, "group_name_conflict_error")
	wantPolicyError(t, "empty name", ts.do(t, ts.key, "POST", "/v2/groups", api.CreateAccessGroupRequest{}), 400, "")
	path := "/v2/groups/" + g.ID
	wantPolicyError(t, "PATCH without If-Match", ts.do(t, ts.key, "PATCH", path, api.UpdateAccessGroupRequest{Name: ptr("dev")}), 400, "")
	wantPolicyError(t, "PATCH stale", ts.do(t, ts.key, "PATCH", path, api.UpdateAccessGroupRequest{Name: ptr("dev")}, "If-Match", "7"), 409, "")
	var upd api.AccessGroup
	u := ts.want(t, 200, ts.key, "PATCH", path, api.UpdateAccessGroupRequest{Name: ptr("dev")}, "If-Match", "1")
	u.decode(t, &upd)
	if upd.Name != "dev" || upd.Description != "d" || u.header.Get("ETag") != "2" {
		t.Errorf("after PATCH: %+v, ETag %q", upd, u.header.Get("ETag"))
	}
	members := path + "/members"
	var add api.AddGroupMembersResponse
	ts.want(t, 207, ts.key, "PUT", members, api.AddGroupMembersRequest{Members: []api.AddGroupMember{
		{IAMID: sid, Type: "service"}, {IAMID: prof.IAMID, Type: "profile"}, {IAMID: ts.admin, Type: "user"},
		{IAMID: "iam-ServiceId-nope", Type: "service"}, {IAMID: sid, Type: "user"}}}).decode(t, &add)
	var codes []int
	for _, m := range add.Members {
		codes = append(codes, m.StatusCode)
	}
	if diff := cmp.Diff([]int{200, 200, 200, 400, 400}, codes); diff != "" {
		t.Errorf("per-member status (-want +got):\n%s", diff)
	}
	var l api.GroupMemberList
	ts.want(t, 200, ts.key, "GET", members+"?limit=2", nil).decode(t, &l)
	if l.TotalCount != 3 || len(l.Members) != 2 || l.Next == nil || l.Members[0].IAMID != sid {
		t.Errorf("member list = %+v", l)
	}
	ts.want(t, 204, ts.key, "HEAD", members+"/"+sid, nil)
	if r := ts.do(t, ts.key, "HEAD", members+"/iam-ServiceId-other", nil); r.status != 404 {
		t.Errorf("HEAD of a non-member = %d, want 404", r.status)
	}
	var mine api.AccessGroupList
	ts.want(t, 200, ts.key, "GET", "/v2/groups?account_id="+ts.account+"&iam_id="+prof.IAMID, nil).decode(t, &mine)
	if mine.TotalCount != 1 || mine.Groups[0].ID != g.ID {
		t.Errorf("groups of the profile = %+v", mine)
	}
	// A policy on the group goes with it.
	gp := v1Policy(ts.account, "", "guid-1", bluemixReader)
	gp.Subjects[0].Attributes[0] = api.SubjectAttribute{Name: "access_group_id", Value: g.ID}
	var p api.Policy
	ts.want(t, 201, ts.key, "POST", "/v1/policies", gp).decode(t, &p)
	var byGroup api.PolicyList
	ts.want(t, 200, ts.key, "GET", "/v1/policies?account_id="+ts.account+"&access_group_id="+g.ID, nil).decode(t, &byGroup)
	if len(byGroup.Policies) != 1 {
		t.Errorf("policies of the group = %d, want 1", len(byGroup.Policies))
	}
	ts.want(t, 204, ts.key, "DELETE", members+"/"+ts.admin, nil)
	wantPolicyError(t, "remove again", ts.do(t, ts.key, "DELETE", members+"/"+ts.admin, nil), 404, "")
	wantPolicyError(t, "delete with members", ts.do(t, ts.key, "DELETE", path, nil), 412, "")
	ts.want(t, 204, ts.key, "DELETE", path+"?force=true", nil)
	wantPolicyError(t, "GET deleted group", ts.do(t, ts.key, "GET", path, nil), 404, "not_found")
	wantPolicyError(t, "the group's policy", ts.do(t, ts.key, "GET", "/v1/policies/"+p.ID, nil), 404, "policy_not_found")
}
