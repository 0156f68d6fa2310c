package policy

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/cofferhq/coffer/api"
)

// Limits on policy contents. IBM documents the value length; the list and
// condition limits are Coffer's, to bound the work of one decision.
const (
	maxValueLen   = 1000 // characters per attribute or rule value (IBM)
	maxListLen    = 1000 // values in one *AnyOf list
	maxAttributes = 50   // attributes in one subject or resource
	maxConditions = 50   // conditions in one combination
)

// s2sKeys are the attributes that describe a service on either side of an
// authorization policy.
var s2sKeys = []string{KeyAccountID, KeyServiceName, KeyServiceInstance, KeyRegion,
	KeyResourceType, KeyResource, KeyResourceGroupID}

// resourceOps are the operators a resource attribute may use.
var resourceOps = []Operator{StringEquals, StringExists, StringMatch, StringEqualsAnyOf, StringMatchAnyOf}

// invalid returns an error wrapping api.ErrInvalid.
func invalid(format string, args ...any) error { return api.Errorf(api.ErrInvalid, format, args...) }

// Validate checks p against IBM's creation rules (reference §3.4): the type
// and state, the subject (iam_id or access_group_id for access policies;
// accountId and serviceName or resourceGroupId of the source service for
// authorization policies, never the non-service "iam-profile"), the resource
// (accountId and one of serviceType, serviceName, resourceGroupId and
// service_group_id), the operators allowed in each position, values of
// 1–1000 characters, the roles (known, and defined for the service named),
// and the rule and its pattern. Every error wraps api.ErrInvalid and says
// exactly what is wrong.
func Validate(p Policy) error {
	switch p.State {
	case StateActive, StateDeleted:
	default:
		return invalid("policy state must be %q or %q, not %.50q", StateActive, StateDeleted, p.State)
	}
	var err error
	switch p.Type {
	case TypeAccess:
		err = validateAccess(p)
	case TypeAuthorization:
		err = validateAuthorization(p)
	default:
		return invalid("policy type must be %q or %q, not %.50q", TypeAccess, TypeAuthorization, p.Type)
	}
	if err != nil {
		return err
	}
	if err := validateRoles(p); err != nil {
		return err
	}
	return validateRule(p)
}

func validateAccess(p Policy) error {
	if len(p.Subject) != 1 || p.Subject[0].Key != KeyIAMID && p.Subject[0].Key != KeyAccessGroupID {
		return invalid("an access policy's subject must be exactly one attribute, %q or %q", KeyIAMID, KeyAccessGroupID)
	}
	if err := checkAttr("subject", p.Subject[0], StringEquals); err != nil {
		return err
	}
	if err := checkAttrs("resource", p.Resource, resourceOps...); err != nil {
		return err
	}
	if err := needAccount("resource", p.Resource); err != nil {
		return err
	}
	if !slices.ContainsFunc(p.Resource, func(a Attribute) bool {
		return slices.Contains([]string{KeyServiceType, KeyServiceName, KeyResourceGroupID, KeyServiceGroupID}, a.Key)
	}) {
		return invalid("an access policy's resource needs %q and one of %q, %q, %q or %q", KeyAccountID,
			KeyServiceType, KeyServiceName, KeyResourceGroupID, KeyServiceGroupID)
	}
	if err := checkServiceAttrs("resource", p.Resource); err != nil {
		return err
	}
	return checkAttrs("resource tag", p.ResourceTags, StringEquals, StringMatch)
}

func validateAuthorization(p Policy) error {
	for _, side := range []struct {
		name  string
		attrs []Attribute
	}{{"source (subject)", p.Subject}, {"target (resource)", p.Resource}} {
		for _, a := range side.attrs {
			if !slices.Contains(s2sKeys, a.Key) {
				return invalid("authorization policy %s: attribute %.100q is not one of %s", side.name, a.Key, strings.Join(s2sKeys, ", "))
			}
		}
		if err := checkAttrs(side.name, side.attrs, StringEquals); err != nil {
			return err
		}
		if err := needAccount(side.name, side.attrs); err != nil {
			return err
		}
	}
	src, hasSrc := attrString(p.Subject, KeyServiceName)
	if _, ok := attrString(p.Subject, KeyResourceGroupID); !hasSrc && !ok {
		return invalid("an authorization policy's source needs %q or %q", KeyServiceName, KeyResourceGroupID)
	}
	if src == "iam-profile" {
		return invalid("there is no service named iam-profile: trusted profiles are identities, not services. " +
			"Grant a profile access with an access policy whose subject is its iam_id (iam-Profile-…), " +
			"for example: coffer iam trusted-profile-policy-create PROFILE --roles SecretsReader --service-name secrets-manager")
	}
	if len(p.ResourceTags) > 0 || p.Rule != nil || p.Pattern != "" {
		return invalid("authorization policies take no resource tags, rule or pattern")
	}
	return checkServiceAttrs("target (resource)", p.Resource)
}

// checkAttrs checks a list of attributes: no duplicate keys, allowed
// operators, well-formed values.
func checkAttrs(where string, attrs []Attribute, ops ...Operator) error {
	if len(attrs) > maxAttributes {
		return invalid("%s: at most %d attributes, not %d", where, maxAttributes, len(attrs))
	}
	for i, a := range attrs {
		for _, b := range attrs[:i] {
			if a.Key == b.Key {
				return invalid("%s: attribute %.100q appears twice", where, a.Key)
			}
		}
		if err := checkAttr(where, a, ops...); err != nil {
			return err
		}
	}
	return nil
}

// checkAttr checks one attribute's key, operator and value.
func checkAttr(where string, a Attribute, ops ...Operator) error {
	if a.Key == "" || len(a.Key) > maxValueLen || !utf8.ValidString(a.Key) {
		return invalid("%s: attribute name must be 1–%d characters", where, maxValueLen)
	}
	op := opOf(a.Operator)
	if !slices.Contains(ops, op) {
		return invalid("%s attribute %.100q: operator %.50q is not allowed here (allowed: %s)", where, a.Key, a.Operator, joinOps(ops))
	}
	return checkValue(fmt.Sprintf("%s attribute %.100q", where, a.Key), op, a.Value)
}

// checkValue checks a value against the shape its string operator needs.
func checkValue(where string, op Operator, v any) error {
	switch op {
	case StringExists:
		if _, ok := v.(bool); !ok {
			return invalid("%s: %s needs the value true or false", where, op)
		}
	case StringEqualsAnyOf, StringMatchAnyOf:
		l, ok := v.([]string)
		if !ok || len(l) == 0 || len(l) > maxListLen {
			return invalid("%s: %s needs a list of 1–%d strings", where, op, maxListLen)
		}
		for _, s := range l {
			if err := checkString(where, s); err != nil {
				return err
			}
		}
	default:
		s, ok := v.(string)
		if !ok {
			return invalid("%s: %s needs a string value", where, op)
		}
		return checkString(where, s)
	}
	return nil
}

func checkString(where, s string) error {
	if !utf8.ValidString(s) {
		return invalid("%s: value is not valid UTF-8", where)
	}
	if n := utf8.RuneCountInString(s); n < 1 || n > maxValueLen {
		return invalid("%s: value must be 1–%d characters, not %d", where, maxValueLen, n)
	}
	return nil
}

// needAccount requires an accountId attribute compared with stringEquals.
func needAccount(where string, attrs []Attribute) error {
	for _, a := range attrs {
		if a.Key == KeyAccountID {
			if opOf(a.Operator) != StringEquals {
				return invalid("%s attribute %q must use %s", where, KeyAccountID, StringEquals)
			}
			return nil
		}
	}
	return invalid("%s needs the attribute %q", where, KeyAccountID)
}

// checkServiceAttrs checks serviceType values and that a serviceName given
// with stringEquals names a known service.
func checkServiceAttrs(where string, attrs []Attribute) error {
	if st, ok := attrString(attrs, KeyServiceType); ok || hasKey(attrs, KeyServiceType) {
		if !ok || st != string(KindService) && st != string(KindPlatformService) {
			return invalid("%s attribute %q must be %s %q or %q", where, KeyServiceType, StringEquals, KindService, KindPlatformService)
		}
	}
	if sn, ok := attrString(attrs, KeyServiceName); ok && lookupService(sn) == nil {
		names := make([]string, len(catalogue))
		for i, s := range catalogue {
			names[i] = s.name
		}
		return invalid("%s attribute %q: unknown service %.100q (known: %s)", where, KeyServiceName, sn, strings.Join(names, ", "))
	}
	return nil
}

// validateRoles requires known roles that apply to the target service.
func validateRoles(p Policy) error {
	if len(p.Roles) == 0 {
		return invalid("a policy needs at least one role")
	}
	service, named := attrString(p.Resource, KeyServiceName)
	roles, err := canonicalRoles(p.Roles)
	if err != nil {
		return err
	}
	for i, r := range roles {
		if slices.Contains(roles[:i], r) {
			return invalid("role %s appears twice", r.Name())
		}
		if !named {
			if r.Service() != "" {
				return invalid("role %s is defined by %s: the resource needs %s %s %q", r.Name(), r.Service(), KeyServiceName, StringEquals, r.Service())
			}
			continue
		}
		if !slices.Contains(lookupService(service).roles(), r) {
			return invalid("role %s grants nothing on service %s (its roles: %s)", r.Name(), service, lookupService(service).roleNames())
		}
	}
	return nil
}

// canonicalRoles returns the canonical ids of roles given in any spelling
// ParseRoleID accepts.
func canonicalRoles(roles []Role) ([]Role, error) {
	out := make([]Role, len(roles))
	for i, r := range roles {
		if r.def() != nil {
			out[i] = r
			continue
		}
		c, err := ParseRoleID(string(r))
		if err != nil {
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}

// roleNames lists the names of the roles with actions on s.
func (s *serviceDef) roleNames() string {
	var all roleSet
	for _, g := range s.grants {
		all |= g.roles
	}
	return all.names()
}

// validateRule checks the rule, and that rule and pattern come together and
// agree: time-based patterns test only the environment, the attribute-based
// pattern only resource attributes.
func validateRule(p Policy) error {
	if p.Rule == nil {
		if p.Pattern != "" {
			return invalid("pattern %.100q given without a rule", p.Pattern)
		}
		return nil
	}
	var wantEnv bool
	switch p.Pattern {
	case PatternOnce, PatternWeeklyAllDay, PatternWeeklyCustomHours:
		wantEnv = true
	case PatternAttributeBased:
	case "":
		return invalid("a policy with a rule needs a pattern (%s, %s, %s or %s)", PatternOnce, PatternWeeklyAllDay, PatternWeeklyCustomHours, PatternAttributeBased)
	default:
		return invalid("unknown pattern %.100q", p.Pattern)
	}
	c, err := compileRule(*p.Rule, 0)
	if err != nil {
		return err
	}
	var bad error
	c.walk(func(l *cond) {
		if (l.kind == keyResource) == wantEnv && bad == nil {
			bad = invalid("rule condition %.100q does not fit pattern %s", l.key, p.Pattern)
		}
	})
	return bad
}

// opOf returns the effective operator: empty means stringEquals.
func opOf(op Operator) Operator {
	if op == "" {
		return StringEquals
	}
	return op
}

func joinOps(ops []Operator) string {
	s := make([]string, len(ops))
	for i, o := range ops {
		s[i] = string(o)
	}
	return strings.Join(s, ", ")
}

// attrString returns the value of a stringEquals attribute.
func attrString(attrs []Attribute, key string) (string, bool) {
	for _, a := range attrs {
		if a.Key == key && opOf(a.Operator) == StringEquals {
			s, ok := a.Value.(string)
			return s, ok
		}
	}
	return "", false
}

func hasKey(attrs []Attribute, key string) bool {
	return slices.ContainsFunc(attrs, func(a Attribute) bool { return a.Key == key })
}
