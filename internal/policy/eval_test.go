package policy

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the explanation golden files in testdata/decisions")

// decisionCase is one file of testdata/decisions. want_allowed and
// want_matched are written by hand and only ever asserted; -update rewrites
// only the .golden explanation next to the file.
type decisionCase struct {
	Comment  string   `json:"comment"`
	Policies []Policy `json:"policies"`
	Requests []struct {
		Name        string   `json:"name"`
		Request     Request  `json:"request"`
		WantAllowed *bool    `json:"want_allowed"`
		WantMatched []string `json:"want_matched"`
	} `json:"requests"`
}

func loadCase(tb testing.TB, path string) decisionCase {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var c decisionCase
	if err := dec.Decode(&c); err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	return c
}

func TestDecisionsGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/decisions/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden cases: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".json"), func(t *testing.T) {
			c := loadCase(t, file)
			var compiled []*Compiled
			for _, p := range c.Policies {
				if cp, err := Compile(p); err == nil {
					compiled = append(compiled, cp)
				} else if !strings.Contains(p.ID, "invalid") {
					t.Errorf("Compile(%s) = %v, want no error", p.ID, err)
				}
			}
			var text strings.Builder
			for _, r := range c.Requests {
				if r.WantAllowed == nil {
					t.Fatalf("%s: request %q has no want_allowed", file, r.Name)
				}
				d := Decide(r.Request, c.Policies)
				if d.Allowed != *r.WantAllowed {
					t.Errorf("%s: Decide(%q).Allowed = %v, want %v\n%v", file, r.Name, d.Allowed, *r.WantAllowed, d)
				}
				if diff := cmp.Diff(r.WantMatched, matchedIDs(d), cmpEmpty); diff != "" {
					t.Errorf("%s: Decide(%q) matched policies (-want +got):\n%s", file, r.Name, diff)
				}
				if d.Allowed != (len(d.Reasons) == 0) {
					t.Errorf("%s: Decide(%q): allowed %v with %d reasons", file, r.Name, d.Allowed, len(d.Reasons))
				}
				if dc := DecideCompiled(r.Request, compiled); dc.Allowed != d.Allowed || !cmp.Equal(matchedIDs(dc), matchedIDs(d), cmpEmpty) {
					t.Errorf("%s: DecideCompiled(%q) = %v, Decide = %v", file, r.Name, dc, d)
				}
				fmt.Fprintf(&text, "== %s\n%s", r.Name, d)
			}
			checkGolden(t, strings.TrimSuffix(file, ".json")+".golden", text.String())
		})
	}
}

var cmpEmpty = cmp.Comparer(func(a, b []string) bool { return strings.Join(a, "\x00") == strings.Join(b, "\x00") })

func matchedIDs(d Decision) []string {
	ids := []string{}
	for _, m := range d.Matched {
		ids = append(ids, m.PolicyID)
	}
	return ids
}

// checkGolden compares got with the golden file, or rewrites it with -update.
func checkGolden(tb testing.TB, path, got string) {
	tb.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			tb.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		tb.Errorf("explanations differ from %s (-want +got):\n%s", path, diff)
	}
}

func TestDecideMatchedRoles(t *testing.T) {
	p := Policy{ID: "p", Type: TypeAccess, State: StateActive,
		Subject:  []Attribute{{Key: KeyIAMID, Value: "u"}},
		Resource: []Attribute{{Key: KeyAccountID, Value: "a"}, {Key: KeyServiceName, Value: serviceSecretsManager}},
		Roles:    []Role{RoleViewer, RoleReader, RoleSecretsReader}}
	req := Request{Subject: Subject{IAMID: "u"}, Action: "secrets-manager.secrets.list",
		Resource: map[string]string{KeyAccountID: "a", KeyServiceName: serviceSecretsManager}}
	d := Decide(req, []Policy{p})
	want := []MatchedPolicy{{PolicyID: "p", Roles: p.Roles, GrantingRoles: []Role{RoleReader, RoleSecretsReader}}}
	if diff := cmp.Diff(want, d.Matched); diff != "" || !d.Allowed {
		t.Errorf("Decide(secrets.list) allowed %v, matched (-want +got):\n%s", d.Allowed, diff)
	}
}

func TestDecideReasonCodes(t *testing.T) {
	base := func(id string, mod func(*Policy)) Policy {
		p := Policy{ID: id, Type: TypeAccess, State: StateActive,
			Subject:  []Attribute{{Key: KeyIAMID, Value: "u"}},
			Resource: []Attribute{{Key: KeyAccountID, Value: "a"}, {Key: KeyServiceName, Value: serviceSecretsManager}},
			Roles:    []Role{RoleReader}}
		if mod != nil {
			mod(&p)
		}
		return p
	}
	policies := []Policy{
		base("deleted", func(p *Policy) { p.State = StateDeleted }),
		base("other", func(p *Policy) { p.Subject[0].Value = "v" }),
		base("instance", func(p *Policy) { p.Resource = append(p.Resource, Attribute{Key: KeyServiceInstance, Value: "i2"}) }),
		base("tagged", func(p *Policy) { p.ResourceTags = []Attribute{{Key: "env", Value: "prod"}} }),
		base("night", func(p *Policy) {
			p.Rule = &Rule{Key: KeyCurrentTime, Operator: TimeGreaterThan, Value: "22:00:00+00:00"}
			p.Pattern = PatternWeeklyCustomHours
		}),
		base("reader", nil),
		base("broken", func(p *Policy) { p.Roles = nil }),
		{ID: "s2s", Type: TypeAuthorization, State: StateActive,
			Subject:  []Attribute{{Key: KeyAccountID, Value: "a"}, {Key: KeyServiceName, Value: "codeengine"}},
			Resource: []Attribute{{Key: KeyAccountID, Value: "a"}}, Roles: []Role{RoleManager}},
	}
	req := Request{Subject: Subject{IAMID: "u"}, Action: "secrets-manager.secret.read",
		Resource:    map[string]string{KeyAccountID: "a", KeyServiceName: serviceSecretsManager, KeyServiceInstance: "i1"},
		Environment: Environment{Now: time.Date(2025, 1, 6, 12, 0, 0, 0, time.UTC)}}
	d := Decide(req, policies)
	var got []string
	for _, r := range d.Reasons {
		got = append(got, r.PolicyID+":"+string(r.Code))
	}
	want := []string{"broken:invalid_policy", "deleted:inactive", "other:subject_mismatch", "instance:resource_mismatch",
		"tagged:tag_mismatch", "night:rule_false", "reader:role_lacks_action", "s2s:not_service_caller"}
	if d.Allowed || !cmp.Equal(want, got) {
		t.Errorf("Decide reasons = %v (allowed %v), want %v", got, d.Allowed, want)
	}
	if d := Decide(req, nil); d.Allowed || len(d.Reasons) != 1 || d.Reasons[0].Code != ReasonNoPolicies {
		t.Errorf("Decide(no policies) = %v, want a denial with reason %s", d, ReasonNoPolicies)
	}
}

// benchPolicies returns n policies of mixed shapes, of which only the last
// grants the benchmark request.
func benchPolicies(tb testing.TB, n int) []*Compiled {
	tb.Helper()
	var out []*Compiled
	for i := range n {
		p := Policy{ID: fmt.Sprintf("p%d", i), Type: TypeAccess, State: StateActive,
			Subject: []Attribute{{Key: KeyIAMID, Value: fmt.Sprintf("iam-Profile-%d", i)}},
			Resource: []Attribute{{Key: KeyAccountID, Value: "account-a"}, {Key: KeyServiceName, Value: serviceSecretsManager},
				{Key: KeyServiceInstance, Value: "inst-1"}},
			Roles: []Role{RoleSecretsReader}}
		switch i % 5 {
		case 1:
			p.Subject = []Attribute{{Key: KeyAccessGroupID, Value: fmt.Sprintf("AccessGroupId-%d", i)}}
		case 2:
			p.Resource = append(p.Resource, Attribute{Key: KeyResource, Operator: StringMatch, Value: "team-?-*"})
		case 3:
			p.Resource = append(p.Resource, Attribute{Key: KeyRegion, Operator: StringMatchAnyOf, Value: []string{"us-*", "eu-*"}})
		case 4:
			p.Pattern = PatternWeeklyCustomHours
			p.Rule = &Rule{Operator: And, Conditions: []Rule{
				{Key: KeyDayOfWeek, Operator: DayOfWeekAnyOf, Value: []string{"1+00:00", "2+00:00", "3+00:00", "4+00:00", "5+00:00"}},
				{Key: KeyCurrentTime, Operator: TimeGreaterThanOrEquals, Value: "09:00:00+00:00"},
				{Key: KeyCurrentTime, Operator: TimeLessThanOrEquals, Value: "17:00:00+00:00"}}}
		}
		if i == n-1 {
			p.Subject = []Attribute{{Key: KeyIAMID, Value: "iam-Profile-me"}}
		}
		c, err := Compile(p)
		if err != nil {
			tb.Fatalf("Compile(%s) = %v", p.ID, err)
		}
		out = append(out, c)
	}
	return out
}

func benchRequest() Request {
	return Request{Subject: Subject{IAMID: "iam-Profile-me", AccessGroups: []string{"AccessGroupId-1", "AccessGroupId-6"}},
		Action: "secrets-manager.secret.read",
		Resource: map[string]string{KeyAccountID: "account-a", KeyServiceName: serviceSecretsManager, KeyServiceInstance: "inst-1",
			KeyRegion: "us-south", KeyResourceType: "secret-group", KeyResource: "team-a-payments"},
		Environment: Environment{Now: time.Date(2025, 1, 6, 10, 0, 0, 0, time.UTC)}}
}

func BenchmarkDecide(b *testing.B) {
	policies := benchPolicies(b, 50)
	req := benchRequest()
	b.Run("allowed", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if d := DecideCompiled(req, policies); !d.Allowed {
				b.Fatal("denied")
			}
		}
	})
	b.Run("denied-with-reasons", func(b *testing.B) {
		r := req
		r.Action = "secrets-manager.secret.delete"
		b.ReportAllocs()
		for b.Loop() {
			if d := DecideCompiled(r, policies); d.Allowed {
				b.Fatal("allowed")
			}
		}
	})
	b.Run("uncompiled", func(b *testing.B) {
		ps := make([]Policy, len(policies))
		for i, c := range policies {
			ps[i] = c.Policy()
		}
		b.ReportAllocs()
		for b.Loop() {
			Decide(req, ps)
		}
	})
}
