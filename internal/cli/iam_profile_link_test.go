package cli

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cofferhq/coffer/api"
)

func TestParseCondition(t *testing.T) {
	tests := []struct {
		in      string
		want    api.ProfileClaimRuleCondition
		wantErr bool
	}{
		{in: "claim:project_name,operator:EQUALS,value:myproj",
			want: api.ProfileClaimRuleCondition{Claim: "project_name", Operator: "EQUALS", Value: `"myproj"`}},
		{in: `claim:namespace,operator:equals,value:"already-json"`,
			want: api.ProfileClaimRuleCondition{Claim: "namespace", Operator: "EQUALS", Value: `"already-json"`}},
		{in: `value:["a","b"],claim:name,operator:IN`,
			want: api.ProfileClaimRuleCondition{Claim: "name", Operator: "IN", Value: `["a","b"]`}},
		{in: `claim:name,operator:IN,value:["a","b"]`,
			want: api.ProfileClaimRuleCondition{Claim: "name", Operator: "IN", Value: `["a","b"]`}},
		{in: "claim:c,operator:CONTAINS,value:has,comma",
			want: api.ProfileClaimRuleCondition{Claim: "c", Operator: "CONTAINS", Value: `"has,comma"`}},
		{in: "claim:c,operator:EQUALS,value:",
			want: api.ProfileClaimRuleCondition{Claim: "c", Operator: "EQUALS", Value: `""`}},
		{in: "claim:c,operator:LIKE,value:x", wantErr: true},
		{in: "claim:c,operator:EQUALS", wantErr: true},
		{in: "operator:EQUALS,value:x", wantErr: true},
		{in: "project_name=myproj", wantErr: true},
		{in: "claim:a,claim:b,operator:EQUALS,value:x", wantErr: true},
	}
	for _, tt := range tests {
		got, err := parseCondition(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("parseCondition(%q) error = %v, want error %t", tt.in, err, tt.wantErr)
			continue
		}
		if !tt.wantErr && got != tt.want {
			t.Errorf("parseCondition(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestComputeResourceLink(t *testing.T) {
	const app = "crn:v1:coffer:public:codeengine:eu-de:a/acct1:proj-guid:application:my-app"
	got, err := computeResourceLink(app, "code_engine", "")
	if err != nil {
		t.Fatalf("computeResourceLink(%q) = %v", app, err)
	}
	want := api.CreateProfileLinkRequest{CRType: "CE", Name: "my-app", Link: api.ProfileLinkLink{
		CRN: "crn:v1:coffer:public:codeengine:eu-de:a/acct1:proj-guid::", ComponentType: "application", ComponentName: "my-app"}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("computeResourceLink(%q) (-want +got):\n%s", app, d)
	}
	wantCmd := "coffer iam trusted-profile-link-create my-profile --name my-app --cr-type CE " +
		"--link-crn crn:v1:coffer:public:codeengine:eu-de:a/acct1:proj-guid:: --link-component-type application --link-component-name my-app"
	if got := canonicalLink("my-profile", got); got != wantCmd {
		t.Errorf("canonicalLink() = %q, want %q", got, wantCmd)
	}
	for _, bad := range []struct{ crn, typ string }{
		{"crn:v1:coffer:public:codeengine:eu-de:a/acct1:proj-guid::", "code_engine"}, // a project, no app
		{"crn:v1:coffer:public:containers-kubernetes:eu-de:a/acct1:c:application:x", "code_engine"},
		{"not-a-crn", "code_engine"},
		{app, "iks"},
	} {
		if _, err := computeResourceLink(bad.crn, bad.typ, ""); err == nil {
			t.Errorf("computeResourceLink(%q, %q) = nil error, want a usage error", bad.crn, bad.typ)
		}
	}
}

func TestLinkRequest(t *testing.T) {
	tests := []struct {
		name    string
		f       linkFlags
		want    api.CreateProfileLinkRequest
		wantErr bool
	}{
		{"IKS", linkFlags{name: "l", crType: "iks_sa", crn: "crn:c", namespace: "ns", saName: "sa"},
			api.CreateProfileLinkRequest{CRType: "IKS_SA", Name: "l", Link: api.ProfileLinkLink{CRN: "crn:c", Namespace: "ns", Name: "sa"}}, false},
		{"CE", linkFlags{crType: "CE", crn: "crn:p", compType: "job", compName: "j"},
			api.CreateProfileLinkRequest{CRType: "CE", Link: api.ProfileLinkLink{CRN: "crn:p", ComponentType: "job", ComponentName: "j"}}, false},
		{"IKS without namespace", linkFlags{crType: "IKS_SA", crn: "crn:c", saName: "sa"}, api.CreateProfileLinkRequest{}, true},
		{"CE without component", linkFlags{crType: "CE", crn: "crn:p"}, api.CreateProfileLinkRequest{}, true},
		{"no CRN", linkFlags{crType: "VSI"}, api.CreateProfileLinkRequest{}, true},
		{"bad type", linkFlags{crType: "LAMBDA", crn: "crn:x"}, api.CreateProfileLinkRequest{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := linkRequest(tt.f)
			if (err != nil) != tt.wantErr {
				t.Fatalf("linkRequest(%+v) error = %v, want error %t", tt.f, err, tt.wantErr)
			}
			if d := cmp.Diff(tt.want, got); !tt.wantErr && d != "" {
				t.Errorf("linkRequest(%+v) (-want +got):\n%s", tt.f, d)
			}
		})
	}
}

func TestClaimRuleRequest(t *testing.T) {
	for _, tt := range []struct {
		name    string
		req     api.CreateClaimRuleRequest
		conds   []string
		wantErr bool
	}{
		{"CR rule", api.CreateClaimRuleRequest{Type: "Profile-CR", CRType: "CE"}, []string{"claim:a,operator:EQUALS,value:b"}, false},
		{"CR rule without cr-type", api.CreateClaimRuleRequest{Type: "Profile-CR"}, []string{"claim:a,operator:EQUALS,value:b"}, true},
		{"SAML without realm", api.CreateClaimRuleRequest{Type: "Profile-SAML"}, []string{"claim:a,operator:EQUALS,value:b"}, true},
		{"no conditions", api.CreateClaimRuleRequest{Type: "Profile-CR", CRType: "CE"}, nil, true},
		{"bad type", api.CreateClaimRuleRequest{Type: "Profile-X"}, []string{"claim:a,operator:EQUALS,value:b"}, true},
	} {
		got, err := claimRuleRequest(tt.req, tt.conds)
		if (err != nil) != tt.wantErr {
			t.Errorf("claimRuleRequest(%s) error = %v, want error %t", tt.name, err, tt.wantErr)
		}
		if err == nil && len(got.Conditions) != len(tt.conds) {
			t.Errorf("claimRuleRequest(%s) has %d conditions, want %d", tt.name, len(got.Conditions), len(tt.conds))
		}
	}
}
