package policy

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Type is a policy's type.
type Type string

// Policy types.
const (
	TypeAccess        Type = "access"        // grants roles to users, service IDs, profiles and access groups
	TypeAuthorization Type = "authorization" // grants roles to a source service (service to service)
)

// State is a policy's state; only active policies grant anything.
type State string

// Policy states.
const (
	StateActive  State = "active"
	StateDeleted State = "deleted"
)

// Operator is an attribute or rule operator, spelled as in IBM's API.
type Operator string

// String operators, usable on resource attributes and in rules.
const (
	StringEquals      Operator = "stringEquals"
	StringExists      Operator = "stringExists" // value is a bool: present or absent
	StringMatch       Operator = "stringMatch"  // glob: * any run, ? one character, {{*}} {{?}} literal
	StringEqualsAnyOf Operator = "stringEqualsAnyOf"
	StringMatchAnyOf  Operator = "stringMatchAnyOf"
)

// Rule operators: combinations and time comparisons.
const (
	And                         Operator = "and"
	Or                          Operator = "or"
	TimeLessThan                Operator = "timeLessThan"
	TimeLessThanOrEquals        Operator = "timeLessThanOrEquals"
	TimeGreaterThan             Operator = "timeGreaterThan"
	TimeGreaterThanOrEquals     Operator = "timeGreaterThanOrEquals"
	DateLessThan                Operator = "dateLessThan"
	DateLessThanOrEquals        Operator = "dateLessThanOrEquals"
	DateGreaterThan             Operator = "dateGreaterThan"
	DateGreaterThanOrEquals     Operator = "dateGreaterThanOrEquals"
	DateTimeLessThan            Operator = "dateTimeLessThan"
	DateTimeLessThanOrEquals    Operator = "dateTimeLessThanOrEquals"
	DateTimeGreaterThan         Operator = "dateTimeGreaterThan"
	DateTimeGreaterThanOrEquals Operator = "dateTimeGreaterThanOrEquals"
	DayOfWeekEquals             Operator = "dayOfWeekEquals"
	DayOfWeekAnyOf              Operator = "dayOfWeekAnyOf"
)

// Attribute names, with IBM's mixed casing kept exactly.
const (
	KeyIAMID           = "iam_id"
	KeyAccessGroupID   = "access_group_id"
	KeyAccountID       = "accountId"
	KeyServiceName     = "serviceName"
	KeyServiceType     = "serviceType"
	KeyServiceInstance = "serviceInstance"
	KeyServiceGroupID  = "service_group_id"
	KeyRegion          = "region"
	KeyResourceType    = "resourceType"
	KeyResource        = "resource"
	KeyResourceGroupID = "resourceGroupId"
)

// Rule keys. A rule may also test a resource attribute X with the key
// "{{resource.attributes.X}}".
const (
	KeyCurrentTime     = "{{environment.attributes.current_time}}"      // value hh:mm:ss±hh:mm
	KeyCurrentDateTime = "{{environment.attributes.current_date_time}}" // value RFC 3339 with offset
	KeyCurrentDate     = "{{environment.attributes.current_date}}"      // value YYYY-MM-DD (UTC)
	KeyDayOfWeek       = "{{environment.attributes.day_of_week}}"       // value "1+00:00", 1 = Monday
)

// Patterns, required on a policy that has a rule.
const (
	PatternOnce              = "time-based-conditions:once"
	PatternWeeklyAllDay      = "time-based-conditions:weekly:all-day"
	PatternWeeklyCustomHours = "time-based-conditions:weekly:custom-hours"
	PatternAttributeBased    = "attribute-based-condition:resource:literal-and-wildcard"
)

// Policy is a v1 or v2 IAM policy in one model; the API layer converts both
// wire forms into it. The JSON form exists for test data and explanations;
// it is not a wire format.
type Policy struct {
	ID           string      `json:"id,omitempty"`
	Type         Type        `json:"type"`
	State        State       `json:"state"`
	Subject      []Attribute `json:"subject"`
	Resource     []Attribute `json:"resource"`
	ResourceTags []Attribute `json:"resource_tags,omitempty"`
	Roles        []Role      `json:"roles"`
	Rule         *Rule       `json:"rule,omitempty"`
	Pattern      string      `json:"pattern,omitempty"`
	Description  string      `json:"description,omitempty"`
}

// Attribute is one subject or resource attribute (or resource tag) of a
// policy. Value is a string, a []string for the *AnyOf operators, or a bool
// for stringExists. An empty Operator means stringEquals (v1 policies).
type Attribute struct {
	Key      string   `json:"key"`
	Operator Operator `json:"operator,omitempty"`
	Value    any      `json:"value"`
}

// Rule is a v2 condition: either one comparison (Key, Operator, Value) or a
// combination (Operator And or Or over Conditions). A combination may hold
// comparisons and combinations of comparisons: one level of nesting.
type Rule struct {
	Key        string   `json:"key,omitempty"`
	Operator   Operator `json:"operator"`
	Value      any      `json:"value,omitempty"`
	Conditions []Rule   `json:"conditions,omitempty"`
}

// UnmarshalJSON decodes an attribute, turning a JSON array value into a
// []string, so that decoded attributes pass Validate.
func (a *Attribute) UnmarshalJSON(b []byte) error {
	var raw struct {
		Key      string          `json:"key"`
		Operator Operator        `json:"operator"`
		Value    json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	v, err := decodeValue(raw.Value)
	if err != nil {
		return fmt.Errorf("attribute %q: %w", raw.Key, err)
	}
	*a = Attribute{Key: raw.Key, Operator: raw.Operator, Value: v}
	return nil
}

// UnmarshalJSON decodes a rule as Attribute.UnmarshalJSON does.
func (r *Rule) UnmarshalJSON(b []byte) error {
	var raw struct {
		Key        string          `json:"key"`
		Operator   Operator        `json:"operator"`
		Value      json.RawMessage `json:"value"`
		Conditions []Rule          `json:"conditions"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	v, err := decodeValue(raw.Value)
	if err != nil {
		return fmt.Errorf("rule %q: %w", raw.Key, err)
	}
	*r = Rule{Key: raw.Key, Operator: raw.Operator, Value: v, Conditions: raw.Conditions}
	return nil
}

// decodeValue decodes a string, a list of strings or a bool.
func decodeValue(raw json.RawMessage) (any, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, nil
	}
	var v any
	switch raw[0] {
	case '"':
		var s string
		err := json.Unmarshal(raw, &s)
		v = s
		return v, err
	case '[':
		var l []string
		err := json.Unmarshal(raw, &l)
		return l, err
	case 't', 'f':
		var b bool
		err := json.Unmarshal(raw, &b)
		return b, err
	}
	return nil, fmt.Errorf("value must be a string, a list of strings or a boolean")
}
