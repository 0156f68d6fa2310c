package policy

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ReasonCode classifies a Reason, so that the explain API can filter or
// translate reasons; the Message is the English text.
type ReasonCode string

// Reason codes.
const (
	ReasonUnknownAction    ReasonCode = "unknown_action"     // no role grants the action on the target service
	ReasonNoPolicies       ReasonCode = "no_policies"        // there was no policy to consider
	ReasonInvalidPolicy    ReasonCode = "invalid_policy"     // the policy does not compile (Decide only)
	ReasonInactive         ReasonCode = "inactive"           // the policy is deleted
	ReasonNotService       ReasonCode = "not_service_caller" // an authorization policy, and the caller is no service
	ReasonSubjectMismatch  ReasonCode = "subject_mismatch"   // the policy is for someone else
	ReasonResourceMismatch ReasonCode = "resource_mismatch"  // a resource attribute does not match
	ReasonTagMismatch      ReasonCode = "tag_mismatch"       // the target lacks a tag the policy wants
	ReasonRuleFalse        ReasonCode = "rule_false"         // the policy's rule is false now
	ReasonRoleLacksAction  ReasonCode = "role_lacks_action"  // the policy applies but its roles do not grant the action
)

// Reason explains why a request was denied. Reasons about other subjects'
// policies (ReasonSubjectMismatch) name those subjects: the explain API
// decides who may see them.
type Reason struct {
	PolicyID string     `json:"policy_id,omitempty"`
	Code     ReasonCode `json:"code"`
	Message  string     `json:"message"`
}

// explainDenial builds the reasons of a denial: general ones first, then one
// per policy in order.
func explainDenial(v *view, need roleSet, policies []*Compiled) []Reason {
	var out []Reason
	if need == 0 {
		out = append(out, Reason{Code: ReasonUnknownAction, Message: fmt.Sprintf(
			"no role grants the action %q on the service %q: the action is unknown there", v.req.Action, v.service)})
	}
	n := 0
	for _, c := range policies {
		if c == nil {
			continue
		}
		n++
		code, msg := c.whyNot(v, need)
		out = append(out, Reason{PolicyID: c.p.ID, Code: code, Message: msg})
	}
	if n == 0 {
		out = append(out, Reason{Code: ReasonNoPolicies, Message: "there are no policies to grant access"})
	}
	return out
}

// whyNot explains why one policy does not grant the request.
func (c *Compiled) whyNot(v *view, need roleSet) (ReasonCode, string) {
	switch {
	case c.p.State != StateActive:
		return ReasonInactive, fmt.Sprintf("the policy is %s, and only active policies grant access", c.p.State)
	case c.p.Type == TypeAuthorization && v.req.Subject.ServiceName == "":
		return ReasonNotService, "this authorization policy applies only when a service calls; the caller is " + callerName(&v.req.Subject)
	case !c.subjectMatches(v):
		return ReasonSubjectMismatch, c.subjectReason(v)
	case !c.resourceMatches(v):
		return ReasonResourceMismatch, c.resourceReason(v)
	case c.tagMiss(v) >= 0:
		return ReasonTagMismatch, c.tagReason(v)
	case c.rule != nil && !c.rule.eval(v.req.Environment.Now, v):
		when := ""
		c.rule.walk(func(l *cond) {
			if l.kind != keyResource {
				when = " at " + formatNow(v.req.Environment.Now)
			}
		})
		return ReasonRuleFalse, "the rule is false" + when + ": " + c.rule.explain(v.req.Environment.Now, v)
	}
	msg := fmt.Sprintf("the policy applies, but its roles (%s) do not grant %s on %s", c.roles.names(), v.req.Action, v.service)
	if need != 0 {
		msg += "; roles that grant it: " + need.names()
	}
	return ReasonRoleLacksAction, msg
}

// subjectReason explains a subject mismatch.
func (c *Compiled) subjectReason(v *view) string {
	s := &v.req.Subject
	switch {
	case c.p.Type == TypeAuthorization:
		for i := range c.subject {
			m := &c.subject[i]
			if val, ok := s.attr(m.key); !m.match(val, ok) {
				return fmt.Sprintf("source service attribute %s: the policy wants %s, the caller has %s", m.key, m.want(), got(val, ok))
			}
		}
	case c.iamID != "":
		return fmt.Sprintf("the policy is for iam_id %q, and the caller is %s", c.iamID, callerName(s))
	}
	groups := "it is in no access group"
	if len(s.AccessGroups) > 0 {
		groups = "its groups are " + quoteList(s.AccessGroups)
	}
	return fmt.Sprintf("the policy is for access group %q, and the caller is not a member (%s)", c.group, groups)
}

// tagReason explains a tag mismatch with the target's tags of that name.
func (c *Compiled) tagReason(v *view) string {
	m := &c.tags[c.tagMiss(v)]
	var values []string
	for _, t := range v.req.Tags {
		if t.Name == m.key {
			values = append(values, t.Value)
		}
	}
	has := "the target has no " + m.key + " tag"
	if len(values) > 0 {
		has = "the target's " + m.key + " tags are " + quoteList(values)
	}
	return fmt.Sprintf("resource tag %s: the policy wants %s, and %s", m.key, m.want(), has)
}

// resourceReason explains a resource mismatch, naming the first attribute
// that differs.
func (c *Compiled) resourceReason(v *view) string {
	i := c.resourceMiss(v)
	if i < 0 { // cannot happen: resourceMatches was false
		return "the resource does not match"
	}
	m := &c.resource[i]
	val, ok := v.get(m.key)
	msg := fmt.Sprintf("resource attribute %s: the policy wants %s, the request has %s", m.key, m.want(), got(val, ok))
	switch {
	case m.key == KeyServiceType && v.req.Resource[KeyServiceType] == "" && ok:
		msg += fmt.Sprintf(" (service %q is a %s)", v.service, val)
	case m.key == KeyServiceName && v.req.Resource[KeyServiceName] == "" && ok:
		msg += fmt.Sprintf(" (the service of action %q)", v.req.Action)
	}
	if v.defaultGroup && (m.key == KeyResourceType || m.key == KeyResource) {
		msg += "; the default secret group also follows instance-level policies, but this policy does not match the instance either"
	}
	return msg
}

// callerName names the caller for explanations.
func callerName(s *Subject) string {
	switch {
	case s.IAMID != "":
		return strconv.Quote(s.IAMID)
	case s.ServiceName != "":
		return "the service " + strconv.Quote(s.ServiceName)
	}
	return "anonymous"
}

func formatNow(t time.Time) string {
	if t.IsZero() {
		return "an unknown time"
	}
	return t.Format(time.RFC3339)
}

// String renders the decision as text for people: the outcome, the policies
// that applied and, for a denial, the reasons.
func (d Decision) String() string {
	var b strings.Builder
	if d.Allowed {
		b.WriteString("allowed\n")
	} else {
		b.WriteString("denied\n")
	}
	for _, m := range d.Matched {
		fmt.Fprintf(&b, "  applies: policy %s, roles %s", m.PolicyID, roleNames(m.Roles))
		if len(m.GrantingRoles) > 0 {
			fmt.Fprintf(&b, ", granting %s", roleNames(m.GrantingRoles))
		}
		b.WriteByte('\n')
	}
	for _, r := range d.Reasons {
		id := r.PolicyID
		if id == "" {
			id = "-"
		}
		fmt.Fprintf(&b, "  reason: %s [%s] %s\n", id, r.Code, r.Message)
	}
	return b.String()
}

func roleNames(rs []Role) string {
	n := make([]string, len(rs))
	for i, r := range rs {
		n[i] = r.Name()
	}
	return strings.Join(n, ", ")
}
