package policy

import (
	"slices"
	"time"
)

// Request is one authorization question: may Subject perform Action on the
// resource described by Resource, at Environment.Now?
type Request struct {
	Subject Subject `json:"subject"`
	Action  string  `json:"action"` // e.g. "secrets-manager.secret.read"
	// Resource holds the target's attributes by IBM name: accountId,
	// serviceName, serviceInstance, region, resourceType, resource,
	// resourceGroupId and any service-specific ones. An empty value counts as
	// absent. serviceName defaults to the service the action belongs to, and
	// serviceType is derived from serviceName when absent.
	Resource    map[string]string `json:"resource"`
	Tags        []Tag             `json:"tags,omitempty"` // the target's access tags
	Environment Environment       `json:"environment"`
}

// Subject is the caller. A user, service ID or trusted profile has an
// IAMID (and the access groups it is a member of); a service calling
// another service (service to service) has ServiceName and the attributes of
// its source resource, and no IAMID.
type Subject struct {
	IAMID        string   `json:"iam_id,omitempty"`
	AccessGroups []string `json:"access_groups,omitempty"`
	AccountID    string   `json:"account_id,omitempty"` // the caller's account (source account of a service)

	ServiceName     string `json:"service_name,omitempty"`
	ServiceInstance string `json:"service_instance,omitempty"`
	Region          string `json:"region,omitempty"`
	ResourceType    string `json:"resource_type,omitempty"`
	Resource        string `json:"resource,omitempty"`
	ResourceGroupID string `json:"resource_group_id,omitempty"`
}

// Tag is an access tag of the target resource, such as env:dev.
type Tag struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Environment is the context of a decision. Now is passed in so decisions
// are deterministic; time rules are false when Now is zero.
type Environment struct {
	Now time.Time `json:"now"`
}

// Decision is the answer to a Request.
type Decision struct {
	Allowed bool `json:"allowed"`
	// Matched lists, in policy order, every policy that applied to the
	// request (subject, resource, tags and rule matched), whether or not its
	// roles grant the action.
	Matched []MatchedPolicy `json:"matched"`
	// Reasons explain a denial, one per policy that did not grant the
	// action, plus general ones (PolicyID ""). Nil when Allowed.
	Reasons []Reason `json:"reasons,omitempty"`
}

// MatchedPolicy is a policy that applied to a request.
type MatchedPolicy struct {
	PolicyID      string `json:"policy_id"`
	Roles         []Role `json:"roles"`          // all roles of the policy; shared, do not modify
	GrantingRoles []Role `json:"granting_roles"` // those that grant the action; empty if none does
}

// Compiled is a policy prepared for fast evaluation: globs and rules are
// parsed once. It is immutable and safe for concurrent use.
type Compiled struct {
	p        Policy
	subject  []matcher // authorization: the source service's attributes
	iamID    string    // access: subject iam_id …
	group    string    // … or access_group_id
	resource []matcher
	tags     []matcher
	rule     *cond
	roles    roleSet
}

// Compile validates p (see Validate) and prepares it for DecideCompiled;
// role ids in any spelling ParseRoleID accepts become canonical. It returns
// the error of Validate, which wraps api.ErrInvalid.
func Compile(p Policy) (*Compiled, error) {
	if err := Validate(p); err != nil {
		return nil, err
	}
	p.Roles, _ = canonicalRoles(p.Roles) // Validate checked them
	c := &Compiled{p: p}
	if p.Type == TypeAccess {
		s := p.Subject[0].Value.(string)
		if p.Subject[0].Key == KeyIAMID {
			c.iamID = s
		} else {
			c.group = s
		}
	}
	for _, a := range p.Subject {
		if p.Type == TypeAuthorization {
			c.subject = append(c.subject, compileMatcher(a))
		}
	}
	for _, a := range p.Resource {
		c.resource = append(c.resource, compileMatcher(a))
	}
	for _, a := range p.ResourceTags {
		c.tags = append(c.tags, compileMatcher(a))
	}
	if p.Rule != nil {
		r, _ := compileRule(*p.Rule, 0) // Validate checked it
		c.rule = &r
	}
	for _, r := range p.Roles {
		c.roles |= bitOf(r)
	}
	return c, nil
}

// Policy returns the policy c was compiled from.
func (c *Compiled) Policy() Policy { return c.p }

// Decide compiles policies and decides req (see DecideCompiled). A policy
// that does not compile grants nothing and gets a Reason with code
// ReasonInvalidPolicy. Callers that decide often should Compile once.
func Decide(req Request, policies []Policy) Decision {
	cs := make([]*Compiled, 0, len(policies))
	var bad []Reason
	for _, p := range policies {
		c, err := Compile(p)
		if err != nil {
			bad = append(bad, Reason{PolicyID: p.ID, Code: ReasonInvalidPolicy, Message: "the policy is invalid and grants nothing: " + err.Error()})
			continue
		}
		cs = append(cs, c)
	}
	d := DecideCompiled(req, cs)
	if !d.Allowed {
		d.Reasons = append(bad, d.Reasons...)
	}
	return d
}

// DecideCompiled decides req against policies with IBM's model (reference
// §3.5): only permits, no denies; a policy applies when it is active, its
// subject is the caller (authorization policies apply only to service
// callers), every resource attribute and tag it names matches the request
// (an attribute it omits matches anything; one the request lacks does not
// match), and its rule holds at req.Environment.Now. The request is allowed
// when an applying policy has a role that grants req.Action on the target
// service. A request on the default secret group of Secrets Manager also
// matches policies that would match the instance itself. Nil entries are
// skipped. When denied, the Decision carries Reasons.
func DecideCompiled(req Request, policies []*Compiled) Decision {
	v := newView(&req)
	need := grantingRoles(v.service, req.Action)
	var d Decision
	for _, c := range policies {
		if c == nil || !c.applies(&v) {
			continue
		}
		g := c.roles & need
		d.Matched = append(d.Matched, MatchedPolicy{PolicyID: c.p.ID, Roles: c.p.Roles, GrantingRoles: c.granting(g)})
		d.Allowed = d.Allowed || g != 0
	}
	if !d.Allowed {
		d.Reasons = explainDenial(&v, need, policies)
	}
	return d
}

// granting returns the policy's roles that are in g.
func (c *Compiled) granting(g roleSet) []Role {
	if g == c.roles {
		return c.p.Roles
	}
	var out []Role
	for _, r := range c.p.Roles {
		if g&bitOf(r) != 0 {
			out = append(out, r)
		}
	}
	return out
}

// applies reports whether the policy applies to the request, roles aside.
func (c *Compiled) applies(v *view) bool {
	return c.p.State == StateActive && c.subjectMatches(v) && c.resourceMatches(v) &&
		c.tagMiss(v) < 0 && (c.rule == nil || c.rule.eval(v.req.Environment.Now, v))
}

// resourceMatches tries the request as it is and, for the default secret
// group, as the instance it belongs to.
func (c *Compiled) resourceMatches(v *view) bool {
	if c.resourceMiss(v) < 0 {
		return true
	}
	if !v.defaultGroup {
		return false
	}
	v.asInstance = true
	ok := c.resourceMiss(v) < 0
	v.asInstance = false
	return ok
}

// resourceMiss returns the index of the first resource attribute that does
// not match, or -1.
func (c *Compiled) resourceMiss(v *view) int {
	for i := range c.resource {
		if !c.resource[i].match(v.get(c.resource[i].key)) {
			return i
		}
	}
	return -1
}

// tagMiss returns the index of the first tag the target lacks, or -1.
func (c *Compiled) tagMiss(v *view) int {
	for i := range c.tags {
		m := &c.tags[i]
		if !slices.ContainsFunc(v.req.Tags, func(t Tag) bool { return t.Name == m.key && m.match(t.Value, t.Value != "") }) {
			return i
		}
	}
	return -1
}

// view is a request as the evaluator sees it: derived attributes filled in,
// and optionally the default secret group seen as its instance.
type view struct {
	req          *Request
	service      string // target service: serviceName, or the action's service
	serviceType  string // derived from service unless given
	defaultGroup bool   // a Secrets Manager request on the default secret group
	asInstance   bool   // hide resourceType and resource
}

func newView(req *Request) view {
	v := view{req: req, service: req.Resource[KeyServiceName], serviceType: req.Resource[KeyServiceType]}
	if v.service == "" {
		v.service = ServiceOf(req.Action)
	}
	if v.serviceType == "" && v.service != "" {
		v.serviceType = string(KindOf(v.service))
	}
	v.defaultGroup = v.service == serviceSecretsManager &&
		req.Resource[KeyResourceType] == "secret-group" && req.Resource[KeyResource] == "default"
	return v
}

// get returns a resource attribute of the request; ok is false when the
// request lacks it or has it empty.
func (v *view) get(key string) (string, bool) {
	var s string
	switch key {
	case KeyServiceName:
		s = v.service
	case KeyServiceType:
		s = v.serviceType
	case KeyResourceType, KeyResource:
		if !v.asInstance {
			s = v.req.Resource[key]
		}
	default:
		s = v.req.Resource[key]
	}
	return s, s != ""
}

// subjectMatches reports whether the caller is the policy's subject.
func (c *Compiled) subjectMatches(v *view) bool {
	s := &v.req.Subject
	if c.p.Type == TypeAuthorization {
		if s.ServiceName == "" {
			return false
		}
		for i := range c.subject {
			if !c.subject[i].match(s.attr(c.subject[i].key)) {
				return false
			}
		}
		return true
	}
	if c.iamID != "" {
		return s.IAMID == c.iamID
	}
	return slices.Contains(s.AccessGroups, c.group)
}

// attr returns an attribute of a service caller.
func (s *Subject) attr(key string) (string, bool) {
	var v string
	switch key {
	case KeyAccountID:
		v = s.AccountID
	case KeyServiceName:
		v = s.ServiceName
	case KeyServiceInstance:
		v = s.ServiceInstance
	case KeyRegion:
		v = s.Region
	case KeyResourceType:
		v = s.ResourceType
	case KeyResource:
		v = s.Resource
	case KeyResourceGroupID:
		v = s.ResourceGroupID
	}
	return v, v != ""
}
