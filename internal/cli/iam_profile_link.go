package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cofferhq/coffer/api"
)

// profileRuleCommands manage a profile's claim rules.
func (a *app) profileRuleCommands() []*cobra.Command {
	var req api.CreateClaimRuleRequest
	var conds []string
	create := &cobra.Command{
		Use: "trusted-profile-rule-create PROFILE --name NAME --type Profile-CR|Profile-SAML --conditions claim:C,operator:OP,value:V " +
			"[--conditions ...] [--cr-type TYPE] [--realm-name R] [--expiration SECONDS]",
		Short: "Add a claim rule to a trusted profile", Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := claimRuleRequest(req, conds)
			if err != nil {
				return err
			}
			cl, p, err := a.profileArg(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			a.progress("Creating claim rule %s for trusted profile %s as %s...", r.Name, p.Name, cl.IAMID)
			rule, err := cl.c.CreateClaimRule(cmd.Context(), p.ID, r)
			if err != nil {
				return err
			}
			if a.jsonOutput() {
				return a.printJSON(rule)
			}
			a.ok()
			return a.printRules([]api.ProfileClaimRule{*rule})
		},
	}
	f := create.Flags()
	f.StringVar(&req.Name, "name", "", "name of the rule")
	f.StringVar(&req.Type, "type", api.ClaimRuleTypeCR, "Profile-CR or Profile-SAML")
	f.StringVar(&req.CRType, "cr-type", "", "compute resource type of a Profile-CR rule: CE, IKS_SA, ROKS_SA, VSI, PVS, BMS")
	f.StringVar(&req.RealmName, "realm-name", "", "identity provider of a Profile-SAML rule")
	f.Int64Var(&req.Expiration, "expiration", 0, "session lifetime in seconds of a Profile-SAML rule")
	f.StringArrayVar(&conds, "conditions", nil, "condition claim:C,operator:OP,value:V (repeatable)")
	list := &cobra.Command{
		Use: "trusted-profile-rules PROFILE", Short: "List the claim rules of a trusted profile", Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, p, err := a.profileArg(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			l, err := cl.c.ListClaimRules(cmd.Context(), p.ID)
			if err != nil {
				return err
			}
			if a.jsonOutput() {
				return a.printJSON(nonNil(l.Rules))
			}
			return a.printRules(l.Rules)
		},
	}
	del := a.profileChildDelete("trusted-profile-rule-delete PROFILE RULE_ID [-f]", "claim rule",
		func(ctx context.Context, cl *caller, profileID, id string) error {
			return cl.c.DeleteClaimRule(ctx, profileID, id)
		})
	return []*cobra.Command{create, list, del}
}

func (a *app) printRules(rules []api.ProfileClaimRule) error {
	t := newTable(a.env.Stdout, "ID", "Name", "Type", "CR Type", "Conditions")
	for _, r := range rules {
		var cs []string
		for _, c := range r.Conditions {
			cs = append(cs, c.Claim+" "+c.Operator+" "+c.Value)
		}
		t.row(r.ID, r.Name, r.Type, r.CRType, strings.Join(cs, " AND "))
	}
	return t.flush()
}

// operators are the claim rule condition operators.
var operators = []string{"EQUALS", "NOT_EQUALS", "EQUALS_IGNORE_CASE", "NOT_EQUALS_IGNORE_CASE", "CONTAINS", "IN"}

// claimRuleRequest checks req and adds the parsed conditions.
func claimRuleRequest(req api.CreateClaimRuleRequest, conds []string) (api.CreateClaimRuleRequest, error) {
	if len(conds) == 0 {
		return req, usagef("give at least one --conditions claim:C,operator:OP,value:V")
	}
	for _, s := range conds {
		c, err := parseCondition(s)
		if err != nil {
			return req, err
		}
		req.Conditions = append(req.Conditions, c)
	}
	switch req.Type {
	case api.ClaimRuleTypeCR:
		if req.CRType == "" {
			return req, usagef("a Profile-CR rule needs --cr-type")
		}
	case api.ClaimRuleTypeSAML:
		if req.RealmName == "" {
			return req, usagef("a Profile-SAML rule needs --realm-name")
		}
	default:
		return req, usagef("--type must be Profile-CR or Profile-SAML, not %q", req.Type)
	}
	return req, nil
}

// parseCondition parses "claim:C,operator:OP,value:V" (keys in any order;
// the value may hold commas). The value becomes a JSON string unless it is
// JSON already ("myproj" → `"myproj"`, `["a","b"]` stays).
func parseCondition(s string) (api.ProfileClaimRuleCondition, error) {
	var parts []string
	for _, p := range strings.Split(s, ",") {
		k, _, _ := strings.Cut(p, ":")
		if len(parts) > 0 && !slices.Contains([]string{"claim", "operator", "value"}, strings.TrimSpace(k)) {
			parts[len(parts)-1] += "," + p // a comma inside the value
			continue
		}
		parts = append(parts, p)
	}
	var c api.ProfileClaimRuleCondition
	seen := map[string]bool{}
	for _, p := range parts {
		k, v, ok := strings.Cut(p, ":")
		k = strings.TrimSpace(k)
		if !ok || seen[k] {
			return c, usagef("condition %q: want claim:C,operator:OP,value:V", s)
		}
		seen[k] = true
		switch k {
		case "claim":
			c.Claim = strings.TrimSpace(v)
		case "operator":
			c.Operator = strings.ToUpper(strings.TrimSpace(v))
		case "value":
			c.Value = jsonValue(v)
		default:
			return c, usagef("condition %q: unknown key %q (want claim, operator, value)", s, k)
		}
	}
	if c.Claim == "" || !seen["value"] || !slices.Contains(operators, c.Operator) {
		return c, usagef("condition %q: want claim:C,operator:OP,value:V with OP one of %s", s, strings.Join(operators, ", "))
	}
	return c, nil
}

// jsonValue returns v if it is a JSON value, else v as a JSON string.
func jsonValue(v string) string {
	if json.Valid([]byte(v)) {
		return v
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// linkFlags are the flags of trusted-profile-link-create.
type linkFlags struct {
	name, crType, crn, namespace, saName, compType, compName string
	crossAccount                                             bool
}

// linkRequest checks the flags of a link per cr_type and builds the body.
func linkRequest(f linkFlags) (api.CreateProfileLinkRequest, error) {
	req := api.CreateProfileLinkRequest{CRType: strings.ToUpper(f.crType), Name: f.name, IsCrossAccount: f.crossAccount,
		Link: api.ProfileLinkLink{CRN: f.crn, Namespace: f.namespace, Name: f.saName, ComponentType: f.compType, ComponentName: f.compName}}
	if f.crn == "" {
		return req, usagef("give the compute resource's CRN with --link-crn")
	}
	switch req.CRType {
	case api.CRTypeCE:
		if f.compType == "" || f.compName == "" {
			return req, usagef("a CE link needs --link-component-type (application, job, function) and --link-component-name")
		}
	case api.CRTypeIKSSA, api.CRTypeROKSSA:
		if f.namespace == "" || f.saName == "" {
			return req, usagef("an %s link needs --link-namespace and --link-name (the service account)", req.CRType)
		}
	case api.CRTypeVSI, api.CRTypePVS, api.CRTypeBMS:
	default:
		return req, usagef("--cr-type must be CE, IKS_SA, ROKS_SA, VSI, PVS or BMS, not %q", f.crType)
	}
	return req, nil
}

// computeResourceLink translates the tutorial's
// `trusted-profile-compute-resource-add --compute-resource CRN
// --compute-resource-type code_engine` into a CE link: the CRN names an
// app (crn:v1:…:codeengine:REGION:a/ACCT:PROJECT:application:APP) and the
// link names its project (the same CRN without resource type and resource).
func computeResourceLink(crn, crType, name string) (api.CreateProfileLinkRequest, error) {
	switch strings.ToLower(crType) {
	case "code_engine", "codeengine", "ce":
	default:
		return api.CreateProfileLinkRequest{}, usagef("--compute-resource-type %q is not supported here; use "+
			"coffer iam trusted-profile-link-create with --cr-type", crType)
	}
	f := strings.Split(crn, ":")
	if len(f) != 10 || f[0] != "crn" || f[4] != "codeengine" || f[7] == "" || f[8] == "" || f[9] == "" {
		return api.CreateProfileLinkRequest{}, usagef("--compute-resource %q is not a Code Engine component CRN "+
			"(crn:v1:CLOUD:public:codeengine:REGION:a/ACCOUNT:PROJECT:application:APP)", crn)
	}
	compType, compName := f[8], f[9]
	f[8], f[9] = "", ""
	if name == "" {
		name = compName
	}
	return linkRequest(linkFlags{name: name, crType: api.CRTypeCE, crn: strings.Join(f, ":"), compType: compType, compName: compName})
}

// canonicalLink returns the trusted-profile-link-create command line that
// creates req.
func canonicalLink(profile string, req api.CreateProfileLinkRequest) string {
	args := []string{"coffer iam trusted-profile-link-create", quoteArg(profile)}
	add := func(flag, v string) {
		if v != "" {
			args = append(args, flag, quoteArg(v))
		}
	}
	add("--name", req.Name)
	add("--cr-type", req.CRType)
	add("--link-crn", req.Link.CRN)
	add("--link-namespace", req.Link.Namespace)
	add("--link-name", req.Link.Name)
	add("--link-component-type", req.Link.ComponentType)
	add("--link-component-name", req.Link.ComponentName)
	return strings.Join(args, " ")
}

// quoteArg quotes a shell argument when it needs it.
func quoteArg(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n'\"\\$`!*?;&|<>(){}[]#~") {
		return s
	}
	return strconv.Quote(s)
}

// profileLinkCommands manage a profile's links to compute resources.
func (a *app) profileLinkCommands() []*cobra.Command {
	var f linkFlags
	create := &cobra.Command{
		Use: "trusted-profile-link-create PROFILE --name NAME --cr-type CE|IKS_SA|ROKS_SA|VSI --link-crn CRN " +
			"[--link-component-type T --link-component-name N] [--link-namespace NS --link-name SA]",
		Short: "Link a trusted profile to a compute resource", Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			req, err := linkRequest(f)
			if err != nil {
				return err
			}
			return a.createLink(cmd.Context(), args[0], req)
		},
	}
	fl := create.Flags()
	fl.StringVar(&f.name, "name", "", "name of the link")
	fl.StringVar(&f.crType, "cr-type", "", "compute resource type: CE, IKS_SA, ROKS_SA, VSI, PVS, BMS")
	fl.StringVar(&f.crn, "link-crn", "", "CRN of the compute resource (CE: the project; IKS/ROKS: the cluster)")
	fl.StringVar(&f.namespace, "link-namespace", "", "Kubernetes namespace (IKS_SA, ROKS_SA)")
	fl.StringVar(&f.saName, "link-name", "", "Kubernetes service account (IKS_SA, ROKS_SA)")
	fl.StringVar(&f.compType, "link-component-type", "", "Code Engine component type: application, job, function (CE)")
	fl.StringVar(&f.compName, "link-component-name", "", "Code Engine component name (CE)")
	fl.BoolVar(&f.crossAccount, "is-cross-account", false, "the compute resource is in another account")
	list := &cobra.Command{
		Use: "trusted-profile-links PROFILE", Short: "List the links of a trusted profile", Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, p, err := a.profileArg(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			l, err := cl.c.ListProfileLinks(cmd.Context(), p.ID)
			if err != nil {
				return err
			}
			if a.jsonOutput() {
				return a.printJSON(nonNil(l.Links))
			}
			return a.printLinks(l.Links)
		},
	}
	del := a.profileChildDelete("trusted-profile-link-delete PROFILE LINK_ID [-f]", "link",
		func(ctx context.Context, cl *caller, profileID, id string) error {
			return cl.c.DeleteProfileLink(ctx, profileID, id)
		})
	return []*cobra.Command{create, list, del, a.computeResourceAddCommand()}
}

// computeResourceAddCommand accepts the tutorial's spelling and creates the
// equivalent CE link, naming the canonical command on stderr.
func (a *app) computeResourceAddCommand() *cobra.Command {
	var crn, crType, name string
	cmd := &cobra.Command{
		Use:   "trusted-profile-compute-resource-add PROFILE --compute-resource CRN --compute-resource-type code_engine [--name NAME]",
		Short: "Link a trusted profile to a Code Engine app (tutorial spelling of trusted-profile-link-create)",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			req, err := computeResourceLink(crn, crType, name)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.env.Stderr, "Note: the canonical form of this command is: %s\n", canonicalLink(args[0], req))
			return a.createLink(cmd.Context(), args[0], req)
		},
	}
	cmd.Flags().StringVar(&crn, "compute-resource", "", "CRN of the Code Engine application")
	cmd.Flags().StringVar(&crType, "compute-resource-type", "code_engine", "type of the compute resource (code_engine)")
	cmd.Flags().StringVar(&name, "name", "", "name of the link (default: the application's name)")
	return cmd
}

func (a *app) createLink(ctx context.Context, profile string, req api.CreateProfileLinkRequest) error {
	cl, p, err := a.profileArg(ctx, profile)
	if err != nil {
		return err
	}
	a.progress("Linking trusted profile %s to %s as %s...", p.Name, describeLink(req), cl.IAMID)
	l, err := cl.c.CreateProfileLink(ctx, p.ID, req)
	if err != nil {
		return err
	}
	if a.jsonOutput() {
		return a.printJSON(l)
	}
	a.ok()
	return a.printLinks([]api.ProfileLink{*l})
}

// profileChildDelete deletes a rule or link given as PROFILE ID.
func (a *app) profileChildDelete(use, kind string, del func(context.Context, *caller, string, string) error) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use: use, Short: "Delete a " + kind + " of a trusted profile", Args: exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, p, err := a.profileArg(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if ok, err := a.confirm(force, "Delete %s %s of trusted profile %s?", kind, args[1], p.Name); !ok {
				return err
			}
			a.progress("Deleting %s %s of trusted profile %s as %s...", kind, args[1], p.Name, cl.IAMID)
			if err := del(cmd.Context(), cl, p.ID, args[1]); err != nil {
				return err
			}
			a.ok()
			return nil
		},
	}
	forceFlag(cmd, &force)
	return cmd
}

// printLinks prints links as a table.
func (a *app) printLinks(links []api.ProfileLink) error {
	t := newTable(a.env.Stdout, "ID", "Name", "CR Type", "CRN", "Namespace/Component", "Name")
	for _, l := range links {
		kind, n := l.Link.Namespace, l.Link.Name
		if l.CRType == api.CRTypeCE {
			kind, n = l.Link.ComponentType, l.Link.ComponentName
		}
		t.row(l.ID, l.Name, l.CRType, l.Link.CRN, kind, n)
	}
	return t.flush()
}

// describeLink names a link for messages.
func describeLink(req api.CreateProfileLinkRequest) string {
	if req.Link.ComponentName != "" {
		return fmt.Sprintf("%s %s", req.Link.ComponentType, req.Link.ComponentName)
	}
	if req.Link.Name != "" {
		return fmt.Sprintf("service account %s/%s", req.Link.Namespace, req.Link.Name)
	}
	return req.Link.CRN
}
