package access

import (
	"cmp"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/policy"
	"github.com/cofferhq/coffer/internal/store"
)

// This file converts between the wire forms (v1 and v2 policies), package
// policy's model and the stored row.

// invalidBody returns an api.ErrInvalid with IBM's invalid_body code.
func invalidBody(format string, args ...any) error {
	return api.Errorf(api.ErrInvalid, format, args...).WithCode(api.CodePolicyInvalidBody)
}

// asInvalidBody gives an api.ErrInvalid from package policy IBM's code.
func asInvalidBody(err error) error {
	if api.KindOf(err) == api.ErrInvalid {
		return invalidBody("%s", api.Message(err))
	}
	return err
}

// fromV1 turns a v1 policy body into the policy model.
func fromV1(req api.Policy) (policy.Policy, error) {
	if len(req.Subjects) != 1 || len(req.Resources) != 1 {
		return policy.Policy{}, invalidBody("a v1 policy has exactly one subject and one resource, not %d and %d",
			len(req.Subjects), len(req.Resources))
	}
	p := policy.Policy{Type: policy.Type(req.Type), State: policy.StateActive, Description: req.Description}
	for _, a := range req.Subjects[0].Attributes {
		p.Subject = append(p.Subject, policy.Attribute{Key: a.Name, Value: a.Value})
	}
	for _, a := range req.Resources[0].Attributes {
		p.Resource = append(p.Resource, policy.Attribute{Key: a.Name, Operator: policy.Operator(a.Operator), Value: a.Value})
	}
	for _, t := range req.Resources[0].Tags {
		p.ResourceTags = append(p.ResourceTags, policy.Attribute{Key: t.Name, Operator: policy.Operator(t.Operator), Value: t.Value})
	}
	for _, r := range req.Roles {
		p.Roles = append(p.Roles, policy.Role(r.RoleID))
	}
	return canonical(p)
}

// fromV2 turns a v2 policy body into the policy model.
func fromV2(req api.V2Policy) (policy.Policy, error) {
	p := policy.Policy{Type: policy.Type(req.Type), State: policy.StateActive, Description: req.Description,
		Pattern: req.Pattern}
	var err error
	if req.Subject != nil {
		if p.Subject, err = attrsFromV2("subject", req.Subject.Attributes); err != nil {
			return p, err
		}
	}
	if req.Resource != nil {
		if p.Resource, err = attrsFromV2("resource", req.Resource.Attributes); err != nil {
			return p, err
		}
		for _, t := range req.Resource.Tags {
			p.ResourceTags = append(p.ResourceTags, policy.Attribute{Key: t.Key, Operator: policy.Operator(t.Operator), Value: t.Value})
		}
	}
	if req.Rule != nil {
		r, err := ruleFromV2(*req.Rule, 0)
		if err != nil {
			return p, err
		}
		p.Rule = &r
	}
	for _, r := range req.Control.Grant.Roles {
		p.Roles = append(p.Roles, policy.Role(r.RoleID))
	}
	return canonical(p)
}

func attrsFromV2(where string, in []api.V2PolicyAttribute) ([]policy.Attribute, error) {
	out := make([]policy.Attribute, 0, len(in))
	for _, a := range in {
		v, err := wireValue(a.Value)
		if err != nil {
			return nil, invalidBody("%s attribute %.100q: %v", where, a.Key, err)
		}
		out = append(out, policy.Attribute{Key: a.Key, Operator: policy.Operator(a.Operator), Value: v})
	}
	return out, nil
}

func ruleFromV2(r api.V2PolicyRule, depth int) (policy.Rule, error) {
	if depth > 2 {
		return policy.Rule{}, invalidBody("rule conditions nest at most one level")
	}
	v, err := wireValue(r.Value)
	if err != nil {
		return policy.Rule{}, invalidBody("rule %.100q: %v", r.Key, err)
	}
	out := policy.Rule{Key: r.Key, Operator: policy.Operator(r.Operator), Value: v}
	for _, c := range r.Conditions {
		cr, err := ruleFromV2(c, depth+1)
		if err != nil {
			return out, err
		}
		out.Conditions = append(out.Conditions, cr)
	}
	return out, nil
}

// wireValue turns a decoded JSON value into the model's: a string, a
// []string or a bool.
func wireValue(v any) (any, error) {
	switch v := v.(type) {
	case nil, string, bool, []string:
		return v, nil
	case []any:
		l := make([]string, len(v))
		for i, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("a list value holds only strings")
			}
			l[i] = s
		}
		return l, nil
	}
	return nil, fmt.Errorf("value must be a string, a list of strings or a boolean")
}

// canonical validates p and replaces its role ids by the canonical ones.
func canonical(p policy.Policy) (policy.Policy, error) {
	for i, r := range p.Roles {
		c, err := policy.ParseRoleID(string(r))
		if err != nil {
			return p, asInvalidBody(err)
		}
		p.Roles[i] = c
	}
	return p, asInvalidBody(policy.Validate(p))
}

// record holds a stored policy and its decoded model.
type record struct {
	row *store.Policy
	p   policy.Policy
}

// decode reads the model of a stored policy.
func decode(row *store.Policy) (*record, error) {
	r := &record{row: row, p: policy.Policy{ID: row.ID, Type: policy.Type(row.Type), State: policy.State(row.State),
		Description: row.Description, Pattern: row.Pattern}}
	err := json.Unmarshal([]byte(row.Subject), &r.p.Subject)
	if err == nil {
		err = json.Unmarshal([]byte(row.Resource), &r.p.Resource)
	}
	if err == nil {
		err = json.Unmarshal([]byte(row.ResourceTags), &r.p.ResourceTags)
	}
	if err == nil {
		err = json.Unmarshal([]byte(row.Roles), &r.p.Roles)
	}
	if err == nil && row.Rule != "" {
		err = json.Unmarshal([]byte(row.Rule), &r.p.Rule)
	}
	if err != nil {
		return nil, fmt.Errorf("access: stored policy %s is corrupt: %w", row.ID, err)
	}
	return r, nil
}

// fill writes the model p into row, with the derived columns.
func fill(row *store.Policy, p policy.Policy) {
	row.Type, row.State, row.Description, row.Pattern = string(p.Type), string(p.State), p.Description, p.Pattern
	row.Subject, row.Resource = jsonText(nonNil(p.Subject)), jsonText(nonNil(p.Resource))
	row.ResourceTags, row.Roles = jsonText(nonNil(p.ResourceTags)), jsonText(nonNil(p.Roles))
	row.Rule = ""
	if p.Rule != nil {
		row.Rule = jsonText(p.Rule)
	}
	row.SubjectIAMID, row.SubjectGroupID = "", ""
	if p.Type == policy.TypeAccess && len(p.Subject) == 1 {
		v, _ := p.Subject[0].Value.(string)
		if p.Subject[0].Key == policy.KeyIAMID {
			row.SubjectIAMID = v
		} else {
			row.SubjectGroupID = v
		}
	}
	row.ServiceName, _ = attr(p.Resource, policy.KeyServiceName)
	row.ServiceType, _ = attr(p.Resource, policy.KeyServiceType)
	if row.ServiceType == "" && row.ServiceName != "" {
		row.ServiceType = string(policy.KindOf(row.ServiceName))
	}
	row.MatchKey = matchKey(p)
}

// matchKey identifies a policy's type, subject, resource and tags,
// whatever the order of the attributes and however the default operator is
// spelled: IBM refuses a second active policy with the same ones.
func matchKey(p policy.Policy) string {
	norm := func(attrs []policy.Attribute) []policy.Attribute {
		out := slices.Clone(attrs)
		for i := range out {
			if out[i].Operator == "" {
				out[i].Operator = policy.StringEquals
			}
		}
		slices.SortFunc(out, func(a, b policy.Attribute) int {
			return cmp.Or(cmp.Compare(a.Key, b.Key), cmp.Compare(a.Operator, b.Operator))
		})
		return out
	}
	b, _ := json.Marshal([]any{p.Type, norm(p.Subject), norm(p.Resource), norm(p.ResourceTags)})
	sum := sha256.Sum256(b)
	return "v1:" + hex.EncodeToString(sum[:16])
}

// attr returns the value of a stringEquals attribute.
func attr(attrs []policy.Attribute, key string) (string, bool) {
	for _, a := range attrs {
		if a.Key == key && (a.Operator == "" || a.Operator == policy.StringEquals) {
			s, ok := a.Value.(string)
			return s, ok
		}
	}
	return "", false
}

func nonNil[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only the model's strings, lists and bools reach here
	}
	return string(b)
}

// roleInfo describes a role for the answers that show role names.
type roleInfo struct{ display, description string }

// roleInfos indexes every role's display name and description.
var roleInfos = func() map[policy.Role]roleInfo {
	m := map[policy.Role]roleInfo{}
	for _, s := range policy.Services() {
		for _, r := range append(s.SystemRoles, s.ServiceRoles...) {
			m[r.Role] = roleInfo{r.DisplayName, r.Description}
		}
	}
	return m
}()

// href returns the URL of a policy under the API version's path.
func (s *Service) href(version, id string) string { return s.url + "/" + version + "/policies/" + id }

// toV2 renders a stored policy as a v2 policy; display adds role names,
// descriptions and actions (format=display).
func (s *Service) toV2(r *record, display bool) api.V2Policy {
	p := r.p
	out := api.V2Policy{ID: r.row.ID, Type: string(p.Type), Description: p.Description, Pattern: p.Pattern,
		Subject: &api.V2PolicySubject{Attributes: attrsToV2(p.Subject)}, Href: s.href("v2", r.row.ID),
		Resource:  &api.V2PolicyResource{Attributes: attrsToV2(p.Resource)},
		CreatedAt: policyTime(r.row.CreatedAt), CreatedByID: r.row.CreatedByID, State: string(p.State),
		LastModifiedAt: policyTime(r.row.UpdatedAt), LastModifiedByID: r.row.LastModifiedByID}
	for _, t := range p.ResourceTags {
		v, _ := t.Value.(string)
		out.Resource.Tags = append(out.Resource.Tags, api.V2PolicyTag{Key: t.Key, Value: v, Operator: string(opOf(t.Operator))})
	}
	if p.Rule != nil {
		rule := ruleToV2(*p.Rule)
		out.Rule = &rule
	}
	out.Control.Grant.Roles = []api.V2PolicyRole{}
	for _, role := range p.Roles {
		out.Control.Grant.Roles = append(out.Control.Grant.Roles, api.V2PolicyRole{RoleID: string(role)})
	}
	out.ETag = etag(r.row.Revision, out) // of the plain form, whatever the format
	if display {
		for i := range out.Control.Grant.Roles {
			vr, role := &out.Control.Grant.Roles[i], p.Roles[i]
			vr.DisplayName, vr.Description = roleInfos[role].display, roleInfos[role].description
			for _, a := range policy.Actions(r.row.ServiceName, role) {
				vr.Actions = append(vr.Actions, api.RoleAction{ID: a})
			}
		}
	}
	return out
}

func attrsToV2(attrs []policy.Attribute) []api.V2PolicyAttribute {
	out := make([]api.V2PolicyAttribute, len(attrs))
	for i, a := range attrs {
		out[i] = api.V2PolicyAttribute{Key: a.Key, Operator: string(opOf(a.Operator)), Value: a.Value}
	}
	return out
}

func ruleToV2(r policy.Rule) api.V2PolicyRule {
	out := api.V2PolicyRule{Key: r.Key, Operator: string(r.Operator), Value: r.Value}
	for _, c := range r.Conditions {
		out.Conditions = append(out.Conditions, ruleToV2(c))
	}
	return out
}

// toV1 renders a stored policy as a v1 policy, enriched as IBM's answers
// are: every resource attribute with its operator, every role with its
// display name and description. A list or boolean value (v2 only) is shown
// as text.
func (s *Service) toV1(r *record) api.Policy {
	p := r.p
	out := api.Policy{ID: r.row.ID, Type: string(p.Type), Description: p.Description, Href: s.href("v1", r.row.ID),
		Subjects: []api.PolicySubject{{Attributes: []api.SubjectAttribute{}}}, Roles: []api.PolicyRole{},
		Resources: []api.PolicyResource{{Attributes: []api.ResourceAttribute{}}}, State: string(p.State),
		CreatedAt: policyTime(r.row.CreatedAt), CreatedByID: r.row.CreatedByID,
		LastModifiedAt: policyTime(r.row.UpdatedAt), LastModifiedByID: r.row.LastModifiedByID}
	for _, a := range p.Subject {
		out.Subjects[0].Attributes = append(out.Subjects[0].Attributes, api.SubjectAttribute{Name: a.Key, Value: text(a.Value)})
	}
	for _, a := range p.Resource {
		out.Resources[0].Attributes = append(out.Resources[0].Attributes,
			api.ResourceAttribute{Name: a.Key, Value: text(a.Value), Operator: string(opOf(a.Operator))})
	}
	for _, t := range p.ResourceTags {
		out.Resources[0].Tags = append(out.Resources[0].Tags,
			api.ResourceTag{Name: t.Key, Value: text(t.Value), Operator: string(opOf(t.Operator))})
	}
	for _, role := range p.Roles {
		out.Roles = append(out.Roles, api.PolicyRole{RoleID: string(role), DisplayName: roleInfos[role].display,
			Description: roleInfos[role].description})
	}
	out.ETag = s.toV2(r, false).ETag
	return out
}

func text(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case []string:
		return strings.Join(v, ",")
	case bool:
		return strconv.FormatBool(v)
	}
	return ""
}

func opOf(op policy.Operator) policy.Operator {
	if op == "" {
		return policy.StringEquals
	}
	return op
}

// etag returns "<revision>-<md5 of the JSON of v>", IBM's entity tag form.
// MD5 is an identifier here, not a protection: tags are public.
func etag(revision int64, v any) string {
	sum := md5.Sum([]byte(jsonText(v)))
	return strconv.FormatInt(revision, 10) + "-" + hex.EncodeToString(sum[:])
}
