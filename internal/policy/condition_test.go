package policy

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cofferhq/coffer/api"
	"github.com/google/go-cmp/cmp"
)

func leaf(key string, op Operator, v any) Rule { return Rule{Key: key, Operator: op, Value: v} }

func TestRuleEval(t *testing.T) {
	mon10 := time.Date(2025, 1, 6, 10, 0, 0, 0, time.UTC) // a Monday
	tests := []struct {
		name string
		r    Rule
		now  time.Time
		want bool
	}{
		{"time less, before", leaf(KeyCurrentTime, TimeLessThan, "10:00:01+00:00"), mon10, true},
		{"time less, equal", leaf(KeyCurrentTime, TimeLessThan, "10:00:00+00:00"), mon10, false},
		{"time less or equal, equal", leaf(KeyCurrentTime, TimeLessThanOrEquals, "10:00:00Z"), mon10, true},
		{"time greater, equal", leaf(KeyCurrentTime, TimeGreaterThan, "10:00:00+00:00"), mon10, false},
		{"time greater or equal, equal", leaf(KeyCurrentTime, TimeGreaterThanOrEquals, "10:00:00+00:00"), mon10, true},
		{"time with offset", leaf(KeyCurrentTime, TimeGreaterThanOrEquals, "15:30:00+05:30"), mon10, true},
		{"time with negative offset", leaf(KeyCurrentTime, TimeLessThan, "05:00:00-05:00"), mon10, false},
		{"now in another zone", leaf(KeyCurrentTime, TimeLessThan, "10:00:01+00:00"), mon10.In(time.FixedZone("x", 3600)), true},
		{"date time before", leaf(KeyCurrentDateTime, DateTimeLessThan, "2025-01-06T11:00:01+01:00"), mon10, true},
		{"date time equal", leaf(KeyCurrentDateTime, DateTimeLessThan, "2025-01-06T11:00:00+01:00"), mon10.Add(time.Hour), false},
		{"date time greater", leaf(KeyCurrentDateTime, DateTimeGreaterThan, "2025-01-06T09:59:59Z"), mon10, true},
		{"date equal, or equals", leaf(KeyCurrentDate, DateLessThanOrEquals, "2025-01-06"), mon10, true},
		{"date equal, strictly", leaf(KeyCurrentDate, DateLessThan, "2025-01-06"), mon10, false},
		{"date on date_time key", leaf(KeyCurrentDateTime, DateGreaterThan, "2025-01-05"), mon10, true},
		{"Monday", leaf(KeyDayOfWeek, DayOfWeekEquals, "1+00:00"), mon10, true},
		{"not Sunday", leaf(KeyDayOfWeek, DayOfWeekEquals, "7+00:00"), mon10, false},
		{"still Sunday far west", leaf(KeyDayOfWeek, DayOfWeekEquals, "7-11:00"), mon10.Add(-1 * time.Hour), true},
		{"Tuesday far east", leaf(KeyDayOfWeek, DayOfWeekAnyOf, []string{"2+14:00"}), mon10, true},
		{"no time", leaf(KeyCurrentTime, TimeGreaterThan, "00:00:00+00:00"), time.Time{}, false},
		{"and", Rule{Operator: And, Conditions: []Rule{leaf(KeyDayOfWeek, DayOfWeekEquals, "1+00:00"), leaf(KeyCurrentTime, TimeLessThan, "09:00:00+00:00")}}, mon10, false},
		{"or", Rule{Operator: Or, Conditions: []Rule{leaf(KeyDayOfWeek, DayOfWeekEquals, "2+00:00"), leaf(KeyCurrentTime, TimeGreaterThan, "09:00:00+00:00")}}, mon10, true},
		{"resource attribute", leaf("{{resource.attributes.resource}}", StringMatch, "grp-*"), mon10, true},
		{"resource attribute missing", leaf("{{resource.attributes.region}}", StringEquals, "us-south"), mon10, false},
		{"resource attribute absent", leaf("{{resource.attributes.region}}", StringExists, false), mon10, true},
	}
	req := Request{Resource: map[string]string{KeyResource: "grp-1"}}
	v := newView(&req)
	for _, tt := range tests {
		c, err := compileRule(tt.r, 0)
		if err != nil {
			t.Errorf("%s: compileRule = %v", tt.name, err)
			continue
		}
		if got := c.eval(tt.now, &v); got != tt.want {
			t.Errorf("%s: eval(%v) = %v, want %v", tt.name, tt.now, got, tt.want)
		}
		if !tt.want && c.explain(tt.now, &v) == "" {
			t.Errorf("%s: explain is empty", tt.name)
		}
	}
}

func TestRuleCompileErrors(t *testing.T) {
	tests := []struct {
		name    string
		r       Rule
		wantErr string
	}{
		{"unknown key", leaf("{{environment.attributes.ip}}", StringEquals, "x"), "unknown key"},
		{"empty resource attribute", leaf("{{resource.attributes.}}", StringEquals, "x"), "unknown key"},
		{"time op on day", leaf(KeyDayOfWeek, TimeLessThan, "1+00:00"), "not allowed with this key"},
		{"string op on time", leaf(KeyCurrentTime, StringEquals, "10:00:00+00:00"), "not allowed with this key"},
		{"time op on resource", leaf("{{resource.attributes.x}}", TimeLessThan, "10:00:00+00:00"), "not allowed with this key"},
		{"bad day", leaf(KeyDayOfWeek, DayOfWeekEquals, "8+00:00"), "not a day 1–7"},
		{"day without offset", leaf(KeyDayOfWeek, DayOfWeekEquals, "1"), "not a day"},
		{"day with bad offset", leaf(KeyDayOfWeek, DayOfWeekEquals, "1+0000"), "no offset"},
		{"day list as string", leaf(KeyDayOfWeek, DayOfWeekAnyOf, "1+00:00"), "needs a list"},
		{"date time without offset", leaf(KeyCurrentDateTime, DateTimeLessThan, "2025-01-01T00:00:00"), "ISO 8601"},
		{"bad date", leaf(KeyCurrentDate, DateLessThan, "2025-13-01"), "not a date"},
		{"bool time", leaf(KeyCurrentTime, TimeLessThan, true), "needs a string"},
		{"empty and", Rule{Operator: And}, "needs 1–50 conditions"},
		{"and with key", Rule{Operator: And, Key: KeyCurrentTime, Conditions: []Rule{leaf(KeyDayOfWeek, DayOfWeekEquals, "1+00:00")}}, "not a key or value"},
		{"leaf with conditions", Rule{Key: KeyDayOfWeek, Operator: DayOfWeekEquals, Value: "1+00:00", Conditions: []Rule{{}}}, "takes no conditions"},
		{"too deep", Rule{Operator: And, Conditions: []Rule{{Operator: Or, Conditions: []Rule{{Operator: And, Conditions: []Rule{
			leaf(KeyDayOfWeek, DayOfWeekEquals, "1+00:00")}}}}}}, "nest only one level"},
	}
	for _, tt := range tests {
		_, err := compileRule(tt.r, 0)
		if !errors.Is(err, api.ErrInvalid) || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("compileRule(%s) = %v, want ErrInvalid containing %q", tt.name, err, tt.wantErr)
		}
	}
}

func TestRuleJSON(t *testing.T) {
	in := `{"operator":"and","conditions":[
		{"key":"{{environment.attributes.day_of_week}}","operator":"dayOfWeekAnyOf","value":["1+00:00","2+00:00"]},
		{"key":"{{resource.attributes.resource}}","operator":"stringExists","value":true},
		{"key":"{{environment.attributes.current_time}}","operator":"timeLessThan","value":"10:00:00+00:00"}]}`
	var r Rule
	if err := json.Unmarshal([]byte(in), &r); err != nil {
		t.Fatal(err)
	}
	want := Rule{Operator: And, Conditions: []Rule{
		leaf(KeyDayOfWeek, DayOfWeekAnyOf, []string{"1+00:00", "2+00:00"}),
		leaf("{{resource.attributes.resource}}", StringExists, true),
		leaf(KeyCurrentTime, TimeLessThan, "10:00:00+00:00")}}
	if diff := cmp.Diff(want, r); diff != "" {
		t.Errorf("Unmarshal(rule) (-want +got):\n%s", diff)
	}
	var a Attribute
	if err := json.Unmarshal([]byte(`{"key":"k","value":7}`), &a); err == nil {
		t.Errorf("Unmarshal(number value) = %+v, want an error", a)
	}
}

func FuzzCondition(f *testing.F) {
	seeds := []string{
		`{"operator":"and","conditions":[{"key":"{{environment.attributes.day_of_week}}","operator":"dayOfWeekAnyOf","value":["1+00:00"]},{"key":"{{environment.attributes.current_time}}","operator":"timeLessThan","value":"10:00:00+00:00"}]}`,
		`{"operator":"or","conditions":[{"operator":"and","conditions":[{"key":"{{resource.attributes.resource}}","operator":"stringMatch","value":"a*"}]}]}`,
		`{"key":"{{environment.attributes.current_date_time}}","operator":"dateTimeGreaterThan","value":"2025-01-01T00:00:00Z"}`,
		`{"key":"{{environment.attributes.current_date}}","operator":"dateLessThan","value":"2025-01-01"}`,
		`{"key":"{{environment.attributes.day_of_week}}","operator":"dayOfWeekEquals","value":"7-12:00"}`,
		`{"key":"{{resource.attributes.region}}","operator":"stringEqualsAnyOf","value":["us-south"]}`,
	}
	for _, s := range seeds {
		f.Add(s, int64(1736157600), "a-b")
	}
	f.Fuzz(func(t *testing.T, rule string, unix int64, value string) {
		var r Rule
		if json.Unmarshal([]byte(rule), &r) != nil {
			return
		}
		c, err := compileRule(r, 0)
		if err != nil {
			if !errors.Is(err, api.ErrInvalid) {
				t.Fatalf("compileRule error %v does not wrap ErrInvalid", err)
			}
			return
		}
		req := Request{Resource: map[string]string{KeyResource: value, KeyRegion: value}}
		v := newView(&req)
		now := time.Unix(unix%(1<<40), 0)
		if !c.eval(now, &v) {
			_ = c.explain(now, &v)
		}
		p := validAccess(func(p *Policy) { p.Rule, p.Pattern = &r, PatternOnce })
		if err := Validate(p); err != nil && !errors.Is(err, api.ErrInvalid) {
			t.Fatalf("Validate error %v does not wrap ErrInvalid", err)
		}
	})
}
