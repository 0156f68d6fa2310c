package policy

import (
	"errors"
	"strings"
	"testing"

	"github.com/cofferhq/coffer/api"
)

// validAccess returns a valid access policy, changed by mod.
func validAccess(mod func(*Policy)) Policy {
	p := Policy{ID: "p", Type: TypeAccess, State: StateActive,
		Subject: []Attribute{{Key: KeyIAMID, Value: "iam-Profile-1"}},
		Resource: []Attribute{{Key: KeyAccountID, Value: "acct"}, {Key: KeyServiceName, Value: "secrets-manager"},
			{Key: KeyServiceInstance, Value: "inst"}},
		Roles: []Role{RoleSecretsReader}}
	if mod != nil {
		mod(&p)
	}
	return p
}

// validS2S returns a valid authorization policy, changed by mod.
func validS2S(mod func(*Policy)) Policy {
	p := Policy{ID: "a", Type: TypeAuthorization, State: StateActive,
		Subject:  []Attribute{{Key: KeyAccountID, Value: "acct"}, {Key: KeyServiceName, Value: "codeengine"}},
		Resource: []Attribute{{Key: KeyAccountID, Value: "acct"}, {Key: KeyServiceName, Value: "secrets-manager"}},
		Roles:    []Role{RoleSecretsReader}}
	if mod != nil {
		mod(&p)
	}
	return p
}

func TestValidateAccepts(t *testing.T) {
	tests := []struct {
		name string
		p    Policy
	}{
		{"access on an instance", validAccess(nil)},
		{"access group subject", validAccess(func(p *Policy) { p.Subject[0] = Attribute{Key: KeyAccessGroupID, Value: "AccessGroupId-1"} })},
		{"IBM spelling of a role", validAccess(func(p *Policy) {
			p.Roles = []Role{"crn:v1:bluemix:public:secrets-manager::::serviceRole:Reader"}
		})},
		{"serviceType with a system role", validAccess(func(p *Policy) {
			p.Resource = []Attribute{{Key: KeyAccountID, Value: "acct"}, {Key: KeyServiceType, Value: "platform_service"}}
			p.Roles = []Role{RoleAdministrator}
		})},
		{"resource group only", validAccess(func(p *Policy) {
			p.Resource = []Attribute{{Key: KeyAccountID, Value: "acct"}, {Key: KeyResourceGroupID, Value: "rg"}}
			p.Roles = []Role{RoleViewer}
		})},
		{"all resource operators", validAccess(func(p *Policy) {
			p.Resource = append(p.Resource,
				Attribute{Key: KeyRegion, Operator: StringMatchAnyOf, Value: []string{"us-*"}},
				Attribute{Key: KeyResourceType, Operator: StringExists, Value: true},
				Attribute{Key: KeyResource, Operator: StringEqualsAnyOf, Value: []string{"a", "b"}},
				Attribute{Key: "custom", Operator: StringMatch, Value: "x?"})
		})},
		{"tags", validAccess(func(p *Policy) { p.ResourceTags = []Attribute{{Key: "env", Operator: StringMatch, Value: "dev*"}} })},
		{"time rule", validAccess(func(p *Policy) {
			p.Pattern = PatternOnce
			p.Rule = &Rule{Key: KeyCurrentDateTime, Operator: DateTimeLessThan, Value: "2030-01-01T00:00:00+01:00"}
		})},
		{"date rule", validAccess(func(p *Policy) {
			p.Pattern = PatternOnce
			p.Rule = &Rule{Key: KeyCurrentDate, Operator: DateGreaterThanOrEquals, Value: "2030-01-01"}
		})},
		{"1000 characters", validAccess(func(p *Policy) { p.Resource[2].Value = strings.Repeat("é", 1000) })},
		{"deleted", validAccess(func(p *Policy) { p.State = StateDeleted })},
		{"authorization", validS2S(nil)},
		{"authorization from a resource group", validS2S(func(p *Policy) {
			p.Subject = []Attribute{{Key: KeyAccountID, Value: "acct"}, {Key: KeyResourceGroupID, Value: "rg"}}
		})},
	}
	for _, tt := range tests {
		if err := Validate(tt.p); err != nil {
			t.Errorf("Validate(%s) = %v, want nil", tt.name, err)
		}
	}
}

func TestValidateRejects(t *testing.T) {
	tests := []struct {
		name    string
		p       Policy
		wantErr string
	}{
		{"no state", validAccess(func(p *Policy) { p.State = "" }), "state must be"},
		{"bad type", validAccess(func(p *Policy) { p.Type = "deny" }), "policy type must be"},
		{"no subject", validAccess(func(p *Policy) { p.Subject = nil }), "exactly one attribute"},
		{"camel-case group key", validAccess(func(p *Policy) { p.Subject[0].Key = "accessGroupId" }), "exactly one attribute"},
		{"subject stringMatch", validAccess(func(p *Policy) { p.Subject[0].Operator = StringMatch }), "operator \"stringMatch\" is not allowed"},
		{"no account", validAccess(func(p *Policy) { p.Resource = p.Resource[1:] }), "needs the attribute \"accountId\""},
		{"account glob", validAccess(func(p *Policy) { p.Resource[0].Operator = StringMatch }), "must use stringEquals"},
		{"no service scope", validAccess(func(p *Policy) {
			p.Resource = []Attribute{{Key: KeyAccountID, Value: "acct"}, {Key: KeyServiceInstance, Value: "i"}}
		}), "one of \"serviceType\""},
		{"bad serviceType", validAccess(func(p *Policy) {
			p.Resource = []Attribute{{Key: KeyAccountID, Value: "acct"}, {Key: KeyServiceType, Value: "services"}}
			p.Roles = []Role{RoleViewer}
		}), "must be stringEquals \"service\" or \"platform_service\""},
		{"unknown service", validAccess(func(p *Policy) { p.Resource[1].Value = "kms" }), "unknown service \"kms\""},
		{"duplicate attribute", validAccess(func(p *Policy) { p.Resource = append(p.Resource, p.Resource[2]) }), "appears twice"},
		{"empty value", validAccess(func(p *Policy) { p.Resource[2].Value = "" }), "must be 1–1000 characters, not 0"},
		{"long value", validAccess(func(p *Policy) { p.Resource[2].Value = strings.Repeat("x", 1001) }), "not 1001"},
		{"invalid UTF-8", validAccess(func(p *Policy) { p.Resource[2].Value = "\xff" }), "not valid UTF-8"},
		{"number value", validAccess(func(p *Policy) { p.Resource[2].Value = 7 }), "needs a string value"},
		{"AnyOf with a string", validAccess(func(p *Policy) {
			p.Resource[2] = Attribute{Key: KeyServiceInstance, Operator: StringEqualsAnyOf, Value: "a"}
		}), "needs a list of 1–1000 strings"},
		{"AnyOf empty", validAccess(func(p *Policy) {
			p.Resource[2] = Attribute{Key: KeyServiceInstance, Operator: StringMatchAnyOf, Value: []string{}}
		}), "needs a list"},
		{"stringExists with a string", validAccess(func(p *Policy) {
			p.Resource[2] = Attribute{Key: KeyServiceInstance, Operator: StringExists, Value: "true"}
		}), "needs the value true or false"},
		{"tag AnyOf", validAccess(func(p *Policy) {
			p.ResourceTags = []Attribute{{Key: "env", Operator: StringEqualsAnyOf, Value: []string{"a"}}}
		}), "resource tag attribute \"env\": operator \"stringEqualsAnyOf\" is not allowed"},
		{"no roles", validAccess(func(p *Policy) { p.Roles = nil }), "at least one role"},
		{"unknown role", validAccess(func(p *Policy) { p.Roles = []Role{"Reader"} }), "is not a CRN"},
		{"duplicate role", validAccess(func(p *Policy) { p.Roles = []Role{RoleReader, "crn:v1:bluemix:public:iam::::serviceRole:Reader"} }), "appears twice"},
		{"service role without service", validAccess(func(p *Policy) {
			p.Resource = []Attribute{{Key: KeyAccountID, Value: "acct"}, {Key: KeyServiceType, Value: "service"}}
		}), "SecretsReader is defined by secrets-manager"},
		{"role of another service", validAccess(func(p *Policy) { p.Resource[1].Value = "codeengine" }), "grants nothing on service codeengine"},
		{"role without actions there", validAccess(func(p *Policy) {
			p.Resource = []Attribute{{Key: KeyAccountID, Value: "acct"}, {Key: KeyServiceName, Value: "coffer-operator"}}
			p.Roles = []Role{RoleViewer}
		}), "Viewer grants nothing on service coffer-operator (its roles: Administrator)"},
		{"rule without pattern", validAccess(func(p *Policy) {
			p.Rule = &Rule{Key: KeyCurrentTime, Operator: TimeLessThan, Value: "10:00:00+00:00"}
		}), "needs a pattern"},
		{"pattern without rule", validAccess(func(p *Policy) { p.Pattern = PatternOnce }), "without a rule"},
		{"unknown pattern", validAccess(func(p *Policy) {
			p.Pattern = "time-based-conditions:daily"
			p.Rule = &Rule{Key: KeyCurrentTime, Operator: TimeLessThan, Value: "10:00:00+00:00"}
		}), "unknown pattern"},
		{"pattern mismatch", validAccess(func(p *Policy) {
			p.Pattern = PatternAttributeBased
			p.Rule = &Rule{Key: KeyCurrentTime, Operator: TimeLessThan, Value: "10:00:00+00:00"}
		}), "does not fit pattern"},
		{"bad time", validAccess(func(p *Policy) {
			p.Pattern = PatternWeeklyCustomHours
			p.Rule = &Rule{Key: KeyCurrentTime, Operator: TimeLessThan, Value: "25:00:00+00:00"}
		}), "is not a time hh:mm:ss±hh:mm"},
		{"time without offset", validAccess(func(p *Policy) {
			p.Pattern = PatternWeeklyCustomHours
			p.Rule = &Rule{Key: KeyCurrentTime, Operator: TimeLessThan, Value: "10:00:00"}
		}), "is not a time"},
		{"authorization from iam-profile", validS2S(func(p *Policy) { p.Subject[1].Value = "iam-profile" }), "trusted-profile-policy-create"},
		{"authorization without source service", validS2S(func(p *Policy) { p.Subject = p.Subject[:1] }), "source needs \"serviceName\" or \"resourceGroupId\""},
		{"authorization without source account", validS2S(func(p *Policy) { p.Subject = p.Subject[1:] }), "source (subject) needs the attribute \"accountId\""},
		{"authorization with iam_id", validS2S(func(p *Policy) {
			p.Subject = append(p.Subject, Attribute{Key: KeyIAMID, Value: "x"})
		}), "attribute \"iam_id\" is not one of"},
		{"authorization with rule", validS2S(func(p *Policy) {
			p.Pattern = PatternOnce
			p.Rule = &Rule{Key: KeyCurrentDate, Operator: DateLessThan, Value: "2030-01-01"}
		}), "take no resource tags, rule or pattern"},
	}
	for _, tt := range tests {
		err := Validate(tt.p)
		if !errors.Is(err, api.ErrInvalid) || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("Validate(%s) = %v, want ErrInvalid containing %q", tt.name, err, tt.wantErr)
		}
		if _, cerr := Compile(tt.p); cerr == nil {
			t.Errorf("Compile(%s) = nil error, want %v", tt.name, err)
		}
	}
}
