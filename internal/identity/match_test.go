package identity

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/cofferhq/coffer/api"
)

const (
	testClusterCRN = "crn:v1:coffer:public:containers-kubernetes:us-south:a/0123456789abcdef0123456789abcdef:cluster1::"
	testProjectCRN = "crn:v1:coffer:public:codeengine:us-south:a/0123456789abcdef0123456789abcdef:proj1::"
)

func TestLinkMatches(t *testing.T) {
	iks := CRIdentity{Type: CRTypeIKS, CRN: testClusterCRN, Namespace: "prod", Name: "orders"}
	ce := CRIdentity{Type: CRTypeCE, CRN: testProjectCRN, ComponentType: "application", ComponentName: "orders"}
	iksLink := Link{CRType: CRTypeIKS, CRN: testClusterCRN, Namespace: "prod", Name: "orders"}
	ceLink := Link{CRType: CRTypeCE, CRN: testProjectCRN, ComponentType: "application", ComponentName: "orders"}
	with := func(l Link, edit func(*Link)) Link { edit(&l); return l }
	tests := []struct {
		name string
		link Link
		id   CRIdentity
		want bool
	}{
		{"iks same", iksLink, iks, true},
		{"roks same", with(iksLink, func(l *Link) { l.CRType = CRTypeROKS }), CRIdentity{Type: CRTypeROKS, CRN: testClusterCRN, Namespace: "prod", Name: "orders"}, true},
		{"iks link, roks identity", iksLink, CRIdentity{Type: CRTypeROKS, CRN: testClusterCRN, Namespace: "prod", Name: "orders"}, false},
		{"iks other namespace", with(iksLink, func(l *Link) { l.Namespace = "dev" }), iks, false},
		{"iks other service account", with(iksLink, func(l *Link) { l.Name = "billing" }), iks, false},
		{"iks other cluster", with(iksLink, func(l *Link) { l.CRN = testProjectCRN }), iks, false},
		{"crn differs in case", with(iksLink, func(l *Link) { l.CRN = "CRN" + testClusterCRN[3:] }), iks, false},
		{"empty namespace never matches", with(iksLink, func(l *Link) { l.Namespace = "" }), CRIdentity{Type: CRTypeIKS, CRN: testClusterCRN, Name: "orders"}, false},
		{"ce same", ceLink, ce, true},
		{"ce other component type", with(ceLink, func(l *Link) { l.ComponentType = "job" }), ce, false},
		{"ce other component name", with(ceLink, func(l *Link) { l.ComponentName = "billing" }), ce, false},
		{"ce other project", with(ceLink, func(l *Link) { l.CRN = testClusterCRN }), ce, false},
		{"empty crn", Link{CRType: CRTypeCE}, CRIdentity{Type: CRTypeCE}, false},
		{"oidc never links", Link{CRType: CRTypeOIDC, CRN: testClusterCRN, Namespace: "a", Name: "b"}, CRIdentity{Type: CRTypeOIDC, CRN: testClusterCRN, Namespace: "a", Name: "b"}, false},
	}
	for _, tt := range tests {
		if got := tt.link.Matches(tt.id); got != tt.want {
			t.Errorf("%s: Link.Matches() = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestValidateLink(t *testing.T) {
	tests := []struct {
		name string
		link Link
		ok   bool
	}{
		{"iks", Link{CRType: CRTypeIKS, CRN: testClusterCRN, Namespace: "n", Name: "sa"}, true},
		{"ce", Link{CRType: CRTypeCE, CRN: testProjectCRN, ComponentType: "job", ComponentName: "j"}, true},
		{"bad crn", Link{CRType: CRTypeIKS, CRN: "cluster1", Namespace: "n", Name: "sa"}, false},
		{"iks without name", Link{CRType: CRTypeIKS, CRN: testClusterCRN, Namespace: "n"}, false},
		{"iks with component", Link{CRType: CRTypeIKS, CRN: testClusterCRN, Namespace: "n", Name: "sa", ComponentName: "x"}, false},
		{"ce without component", Link{CRType: CRTypeCE, CRN: testProjectCRN}, false},
		{"vsi", Link{CRType: "VSI", CRN: testClusterCRN}, false},
	}
	for _, tt := range tests {
		err := ValidateLink(tt.link)
		if (err == nil) != tt.ok || (err != nil && !errors.Is(err, api.ErrInvalid)) {
			t.Errorf("%s: ValidateLink() = %v, want ok %v", tt.name, err, tt.ok)
		}
	}
}

func TestRuleMatchesOperators(t *testing.T) {
	id := CRIdentity{Type: CRTypeIKS, Claims: map[string]any{
		"namespace": "Prod-East",
		"count":     3,
		"ratio":     json.Number("0.5"),
		"enabled":   true,
		"groups":    []string{"ops", "dev"},
		"mixed":     []any{"a", 2.0, false, map[string]any{"x": 1}},
		"kubernetes.io": map[string]any{
			"namespace":      "kube-ns",
			"serviceaccount": map[string]any{"name": "orders"},
		},
		"a":   map[string]any{"b.c": "dotted"},
		"obj": map[string]any{"k": "v"},
	}}
	tests := []struct {
		claim, op, value string
		want             bool
	}{
		{"namespace", OpEquals, `"Prod-East"`, true},
		{"namespace", OpEquals, `"prod-east"`, false},
		{"count", OpEquals, `3`, true},
		{"count", OpEquals, `"3"`, false},
		{"ratio", OpEquals, `0.5`, true},
		{"enabled", OpEquals, `true`, true},
		{"enabled", OpEquals, `"true"`, false},
		{"groups", OpEquals, `"ops"`, false},
		{"namespace", OpNotEquals, `"dev"`, true},
		{"namespace", OpNotEquals, `"Prod-East"`, false},
		{"count", OpNotEquals, `4`, true},
		{"missing", OpNotEquals, `"x"`, false},
		{"groups", OpNotEquals, `"x"`, false},
		{"namespace", OpEqualsIgnoreCase, `"prod-EAST"`, true},
		{"namespace", OpEqualsIgnoreCase, `"prod-west"`, false},
		{"count", OpEqualsIgnoreCase, `"3"`, false},
		{"namespace", OpNotEqualsIgnoreCase, `"prod-west"`, true},
		{"namespace", OpNotEqualsIgnoreCase, `"PROD-east"`, false},
		{"missing", OpNotEqualsIgnoreCase, `"x"`, false},
		{"namespace", OpContains, `"East"`, true},
		{"namespace", OpContains, `"west"`, false},
		{"groups", OpContains, `"dev"`, true},
		{"groups", OpContains, `"de"`, false},
		{"mixed", OpContains, `2`, true},
		{"mixed", OpContains, `false`, true},
		{"mixed", OpContains, `"2"`, false},
		{"count", OpContains, `3`, false},
		{"namespace", OpIn, `["dev","Prod-East"]`, true},
		{"namespace", OpIn, `["dev","prod-east"]`, false},
		{"count", OpIn, `[1,2,3]`, true},
		{"count", OpIn, `["3"]`, false},
		{"groups", OpIn, `["ops","dev"]`, false},
		{"missing", OpIn, `["x"]`, false},
		{"kubernetes.io.namespace", OpEquals, `"kube-ns"`, true},
		{"kubernetes.io.serviceaccount.name", OpEquals, `"orders"`, true},
		{"kubernetes.io.serviceaccount.uid", OpEquals, `"orders"`, false},
		{"a.b.c", OpEquals, `"dotted"`, true},
		{"obj", OpEquals, `"v"`, false},
		{"obj.k", OpEquals, `"v"`, true},
	}
	for _, tt := range tests {
		r := Rule{Conditions: []Condition{{Claim: tt.claim, Operator: tt.op, Value: tt.value}}}
		got, err := r.Matches(id)
		if err != nil || got != tt.want {
			t.Errorf("Matches(%s %s %s) = %v, %v; want %v", tt.claim, tt.op, tt.value, got, err, tt.want)
		}
	}
}

func TestRuleMatchesRule(t *testing.T) {
	id := CRIdentity{Type: CRTypeIKS, Claims: map[string]any{"namespace": "prod", "name": "orders"}}
	ns := Condition{Claim: "namespace", Operator: OpEquals, Value: `"prod"`}
	tests := []struct {
		name    string
		rule    Rule
		want    bool
		wantErr bool
	}{
		{"all hold", Rule{CRType: CRTypeIKS, Conditions: []Condition{ns, {Claim: "name", Operator: OpIn, Value: `["orders"]`}}}, true, false},
		{"one fails", Rule{Conditions: []Condition{ns, {Claim: "name", Operator: OpEquals, Value: `"billing"`}}}, false, false},
		{"other cr type", Rule{CRType: CRTypeROKS, Conditions: []Condition{ns}}, false, false},
		{"no conditions", Rule{}, false, true},
		{"bare value", Rule{Conditions: []Condition{{Claim: "namespace", Operator: OpEquals, Value: `prod`}}}, false, true},
		{"unknown operator", Rule{Conditions: []Condition{{Claim: "namespace", Operator: "MATCHES", Value: `"p.*"`}}}, false, true},
		{"unknown cr type", Rule{CRType: "VSI2", Conditions: []Condition{ns}}, false, true},
	}
	for _, tt := range tests {
		got, err := tt.rule.Matches(id)
		if got != tt.want || (err != nil) != tt.wantErr || (err != nil && !errors.Is(err, api.ErrInvalid)) {
			t.Errorf("%s: Matches() = %v, %v; want %v, error %v", tt.name, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestValidateCondition(t *testing.T) {
	tests := []struct {
		c  Condition
		ok bool
	}{
		{Condition{"namespace", OpEquals, `"dev"`}, true},
		{Condition{"count", OpEquals, `3`}, true},
		{Condition{"namespace", OpEquals, `dev`}, false},
		{Condition{"namespace", OpEquals, `""`}, true},
		{Condition{"namespace", OpEquals, `null`}, false},
		{Condition{"namespace", OpEquals, `["a"]`}, false},
		{Condition{"namespace", OpEquals, `{"a":1}`}, false},
		{Condition{"namespace", OpEquals, `"a" "b"`}, false},
		{Condition{"namespace", OpEquals, ``}, false},
		{Condition{"namespace", OpEqualsIgnoreCase, `"dev"`}, true},
		{Condition{"namespace", OpNotEqualsIgnoreCase, `3`}, false},
		{Condition{"namespace", OpContains, `"d"`}, true},
		{Condition{"namespace", OpContains, `""`}, false},
		{Condition{"namespace", OpIn, `["a",1,true]`}, true},
		{Condition{"namespace", OpIn, `[]`}, false},
		{Condition{"namespace", OpIn, `"a"`}, false},
		{Condition{"namespace", OpIn, `[["a"]]`}, false},
		{Condition{"", OpEquals, `"a"`}, false},
		{Condition{"name space", OpEquals, `"a"`}, false},
		{Condition{"namespace", "equals", `"a"`}, false},
		{Condition{"namespace", OpEquals, `"` + string(make([]byte, 5000)) + `"`}, false},
	}
	for _, tt := range tests {
		err := ValidateCondition(tt.c)
		if (err == nil) != tt.ok || (err != nil && !errors.Is(err, api.ErrInvalid)) {
			t.Errorf("ValidateCondition(%+v) = %v, want ok %v", tt.c, err, tt.ok)
		}
	}
}

func FuzzRuleMatches(f *testing.F) {
	f.Add("namespace", OpEquals, `"dev"`, `{"namespace":"dev"}`)
	f.Add("groups", OpContains, `"ops"`, `{"groups":["ops",1,null,{"a":2}]}`)
	f.Add("a.b", OpIn, `["x",2]`, `{"a":{"b":2}}`)
	f.Add("n", OpNotEqualsIgnoreCase, `dev`, `{"n":"DEV"}`)
	f.Fuzz(func(t *testing.T, claim, op, value, claimsJSON string) {
		var claims map[string]any
		if json.Unmarshal([]byte(claimsJSON), &claims) != nil {
			return
		}
		c := Condition{Claim: claim, Operator: op, Value: value}
		got, err := Rule{Conditions: []Condition{c}}.Matches(CRIdentity{Type: CRTypeOIDC, Claims: claims})
		if verr := ValidateCondition(c); verr != nil {
			if got || err == nil {
				t.Fatalf("invalid condition %+v: Matches() = %v, %v; want false and an error", c, got, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("valid condition %+v: Matches() error %v", c, err)
		}
		if _, present := lookupClaim(claims, claim); !present && got {
			t.Fatalf("condition %+v matched an absent claim", c)
		}
	})
}
