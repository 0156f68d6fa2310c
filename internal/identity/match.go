package identity

import (
	"encoding/json"
	"math"
	"slices"
	"strings"

	"github.com/cofferhq/coffer/api"
)

// Compute resource types. CE, IKS_SA and ROKS_SA are IBM's; OIDC is
// Coffer's type for tokens of an external OIDC issuer, which only claim
// rules (never links) match.
const (
	CRTypeCE   = "CE"
	CRTypeIKS  = "IKS_SA"
	CRTypeROKS = "ROKS_SA"
	CRTypeOIDC = "OIDC"
)

// Claim rule operators.
const (
	OpEquals               = "EQUALS"
	OpNotEquals            = "NOT_EQUALS"
	OpEqualsIgnoreCase     = "EQUALS_IGNORE_CASE"
	OpNotEqualsIgnoreCase  = "NOT_EQUALS_IGNORE_CASE"
	OpContains             = "CONTAINS"
	OpIn                   = "IN"
	maxConditionValueLen   = 4096
	maxConditionClaimLen   = 256
	maxRuleConditionsCount = 10
)

// CRIdentity is a verified compute resource, as the cr-token grant sees it
// once federation has checked the CR token.
type CRIdentity struct {
	Type          string         // CRTypeCE, CRTypeIKS, CRTypeROKS or CRTypeOIDC
	CRN           string         // CE: project CRN; IKS/ROKS: cluster CRN
	ComponentType string         // CE: application, job or function
	ComponentName string         // CE
	Namespace     string         // IKS/ROKS: service account namespace
	Name          string         // IKS/ROKS: service account name
	Claims        map[string]any // every claim a rule may test, JSON-decoded
}

// Link binds a trusted profile to one compute resource (IAM Identity
// POST /v1/profiles/{id}/links).
type Link struct {
	CRType        string
	CRN           string
	Namespace     string // IKS_SA, ROKS_SA
	Name          string // IKS_SA, ROKS_SA: service account name
	ComponentType string // CE
	ComponentName string // CE
}

// Matches reports whether id is the compute resource l names: same type
// and exactly the same CRN, and for CE the same component type and name,
// for IKS_SA and ROKS_SA the same namespace and service account name.
// Empty link fields never match; other types never match.
func (l Link) Matches(id CRIdentity) bool {
	if l.CRType != id.Type || l.CRN == "" || l.CRN != id.CRN {
		return false
	}
	switch l.CRType {
	case CRTypeCE:
		return l.ComponentType != "" && l.ComponentName != "" &&
			l.ComponentType == id.ComponentType && l.ComponentName == id.ComponentName
	case CRTypeIKS, CRTypeROKS:
		return l.Namespace != "" && l.Name != "" && l.Namespace == id.Namespace && l.Name == id.Name
	}
	return false
}

// ValidateLink checks l as the API creates it. Errors wrap api.ErrInvalid.
func ValidateLink(l Link) error {
	if _, err := ParseCRN(l.CRN); err != nil {
		return api.Errorf(api.ErrInvalid, "link crn: %s", api.Message(err))
	}
	switch l.CRType {
	case CRTypeCE:
		if l.ComponentType == "" || l.ComponentName == "" || l.Namespace != "" || l.Name != "" {
			return api.Errorf(api.ErrInvalid, "a CE link needs component_type and component_name and no namespace or name")
		}
	case CRTypeIKS, CRTypeROKS:
		if l.Namespace == "" || l.Name == "" || l.ComponentType != "" || l.ComponentName != "" {
			return api.Errorf(api.ErrInvalid, "an %s link needs namespace and name and no component", l.CRType)
		}
	default:
		return api.Errorf(api.ErrInvalid, "link cr_type must be %s, %s or %s", CRTypeCE, CRTypeIKS, CRTypeROKS)
	}
	return nil
}

// Condition is one test of a claim rule. Value is a JSON value inside a
// string, as IBM takes it: `"dev"` (with the quotes), `42`, `true`,
// `["a","b"]`.
type Condition struct {
	Claim    string
	Operator string
	Value    string
}

// Rule is a claim rule of a trusted profile: if CRType is set it must equal
// the identity's type, and every condition must hold.
type Rule struct {
	CRType     string
	Conditions []Condition
}

// ValidateCondition checks c as the API creates it. Errors wrap
// api.ErrInvalid and say what is wrong:
//   - Claim is non-empty, at most 256 bytes, without spaces.
//   - Value is one JSON value (a bare word like dev is refused: write "dev"
//     with quotes), at most 4096 bytes.
//   - EQUALS, NOT_EQUALS: a string, number or boolean.
//   - EQUALS_IGNORE_CASE, NOT_EQUALS_IGNORE_CASE: a string.
//   - CONTAINS: a non-empty string, a number or a boolean.
//   - IN: a non-empty array of strings, numbers or booleans.
func ValidateCondition(c Condition) error {
	if c.Claim == "" || len(c.Claim) > maxConditionClaimLen || strings.ContainsAny(c.Claim, " \t\r\n") {
		return api.Errorf(api.ErrInvalid, "condition claim must be a name of 1 to %d characters without spaces", maxConditionClaimLen)
	}
	if len(c.Value) > maxConditionValueLen {
		return api.Errorf(api.ErrInvalid, "condition value longer than %d bytes", maxConditionValueLen)
	}
	v, err := decodeConditionValue(c.Value)
	if err != nil {
		return api.Errorf(api.ErrInvalid, `condition value must be a JSON value, such as "\"dev\"" or "[\"a\",\"b\"]"`)
	}
	switch c.Operator {
	case OpEquals, OpNotEquals:
		if !isScalar(v) {
			return api.Errorf(api.ErrInvalid, "%s needs a string, number or boolean value", c.Operator)
		}
	case OpEqualsIgnoreCase, OpNotEqualsIgnoreCase:
		if _, ok := v.(string); !ok {
			return api.Errorf(api.ErrInvalid, "%s needs a string value", c.Operator)
		}
	case OpContains:
		if !isScalar(v) || v == "" {
			return api.Errorf(api.ErrInvalid, "%s needs a non-empty string, a number or a boolean", c.Operator)
		}
	case OpIn:
		arr, ok := v.([]any)
		if !ok || len(arr) == 0 || slices.ContainsFunc(arr, notScalar) {
			return api.Errorf(api.ErrInvalid, "%s needs a non-empty JSON array of strings, numbers or booleans", c.Operator)
		}
	default:
		return api.Errorf(api.ErrInvalid, "condition operator must be one of %s, %s, %s, %s, %s, %s",
			OpEquals, OpNotEquals, OpEqualsIgnoreCase, OpNotEqualsIgnoreCase, OpContains, OpIn)
	}
	return nil
}

// ValidateRule checks r as the API creates it: a known CRType or none, and
// 1 to 10 valid conditions. Errors wrap api.ErrInvalid.
func ValidateRule(r Rule) error {
	switch r.CRType {
	case "", CRTypeCE, CRTypeIKS, CRTypeROKS, CRTypeOIDC:
	default:
		return api.Errorf(api.ErrInvalid, "rule cr_type must be %s, %s, %s or %s", CRTypeCE, CRTypeIKS, CRTypeROKS, CRTypeOIDC)
	}
	if len(r.Conditions) == 0 || len(r.Conditions) > maxRuleConditionsCount {
		return api.Errorf(api.ErrInvalid, "a rule needs 1 to %d conditions", maxRuleConditionsCount)
	}
	for i, c := range r.Conditions {
		if err := ValidateCondition(c); err != nil {
			return api.Errorf(api.ErrInvalid, "condition %d: %s", i, api.Message(err))
		}
	}
	return nil
}

// Matches reports whether id satisfies r. An invalid rule (see
// ValidateRule) never matches: Matches returns false and the error, which
// wraps api.ErrInvalid. A claim absent from id.Claims fails every
// operator, NOT_EQUALS included.
//
// Claims are looked up by their full name first; a name with dots that is
// not a claim itself addresses nested objects ("kubernetes.io.namespace"
// finds {"kubernetes.io":{"namespace":…}}). Comparisons are typed: the
// string "5" does not equal the number 5. EQUALS, NOT_EQUALS and the
// IGNORE_CASE operators need a scalar claim (an array never matches, not
// even NOT_EQUALS); CONTAINS tests a substring of a string claim or an
// element of an array claim; IN tests that a scalar claim is an element of
// the value's array.
func (r Rule) Matches(id CRIdentity) (bool, error) {
	if err := ValidateRule(r); err != nil {
		return false, err
	}
	if r.CRType != "" && r.CRType != id.Type {
		return false, nil
	}
	for _, c := range r.Conditions {
		claim, ok := lookupClaim(id.Claims, c.Claim)
		if !ok || !conditionHolds(c, claim) {
			return false, nil
		}
	}
	return true, nil
}

// conditionHolds applies a valid condition to a present claim.
func conditionHolds(c Condition, claim any) bool {
	want, _ := decodeConditionValue(c.Value)
	switch c.Operator {
	case OpEquals:
		return isScalar(claim) && claim == want
	case OpNotEquals:
		return isScalar(claim) && claim != want
	case OpEqualsIgnoreCase, OpNotEqualsIgnoreCase:
		s, ok := claim.(string)
		return ok && strings.EqualFold(s, want.(string)) == (c.Operator == OpEqualsIgnoreCase)
	case OpContains:
		if arr, ok := claim.([]any); ok {
			return slices.Contains(arr, want)
		}
		s, ok1 := claim.(string)
		w, ok2 := want.(string)
		return ok1 && ok2 && strings.Contains(s, w)
	case OpIn:
		return isScalar(claim) && slices.Contains(want.([]any), claim)
	}
	return false
}

// decodeConditionValue decodes exactly one JSON value; numbers become
// float64 like every other claim number.
func decodeConditionValue(s string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err == nil {
		return nil, api.Errorf(api.ErrInvalid, "more than one JSON value")
	}
	return v, nil
}

// lookupClaim finds name in claims, then as a dotted path through nested
// objects. Every found value is normalized (see normalizeClaim).
func lookupClaim(claims map[string]any, name string) (any, bool) {
	if v, ok := claims[name]; ok {
		return normalizeClaim(v)
	}
	for i := strings.IndexByte(name, '.'); i >= 0; {
		if sub, ok := claims[name[:i]].(map[string]any); ok {
			if v, ok := lookupClaim(sub, name[i+1:]); ok {
				return v, true
			}
		}
		next := strings.IndexByte(name[i+1:], '.')
		if next < 0 {
			break
		}
		i += 1 + next
	}
	return nil, false
}

// normalizeClaim turns a claim value into the shapes encoding/json decodes
// to (string, float64, bool, []any of scalars), so the caller may build
// Claims with ints, json.Number or []string. Other values are not usable.
func normalizeClaim(v any) (any, bool) {
	switch x := v.(type) {
	case string, bool:
		return x, true
	case float64:
		return x, !math.IsNaN(x)
	case float32:
		return float64(x), !math.IsNaN(float64(x))
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out, true
	case []any:
		out := make([]any, 0, len(x))
		for _, e := range x {
			if n, ok := normalizeClaim(e); ok && isScalar(n) {
				out = append(out, n)
			}
		}
		return out, true
	}
	return nil, false
}

func isScalar(v any) bool {
	switch v.(type) {
	case string, float64, bool:
		return true
	}
	return false
}

func notScalar(v any) bool { return !isScalar(v) }
