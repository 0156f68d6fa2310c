package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/client"
)

// policyFlags are the resource and role flags of the *-policy-create
// commands, in IBM CLI spelling.
type policyFlags struct {
	roles, serviceName, serviceInstance, region, resourceType, resource string
	resourceGroupID, resourceGroupName                                  string
	accountManagement                                                   bool
}

func (f *policyFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVarP(&f.roles, "roles", "r", "", "role names, comma-separated (e.g. SecretsReader or Viewer,Reader)")
	fl.StringVarP(&f.serviceName, "service-name", "s", "", "service the policy is about (e.g. secrets-manager); none: all IAM-enabled services")
	fl.StringVar(&f.serviceInstance, "service-instance", "", "service instance GUID or CRN")
	fl.StringVar(&f.region, "region", "", "region")
	fl.StringVar(&f.resourceType, "resource-type", "", "resource type (e.g. secret-group)")
	fl.StringVar(&f.resource, "resource", "", "resource id (e.g. a secret group id)")
	fl.StringVar(&f.resourceGroupID, "resource-group-id", "", "resource group id")
	fl.StringVar(&f.resourceGroupName, "resource-group-name", "", "resource group name")
	fl.BoolVar(&f.accountManagement, "account-management", false, "grant on all account management services")
}

// policyInstanceGUID returns the GUID of a service instance given as a GUID or
// as a CRN (whose 8th field is the GUID).
func policyInstanceGUID(s string) string {
	if f := strings.Split(s, ":"); len(f) == 10 && f[0] == "crn" && f[7] != "" {
		return f[7]
	}
	return s
}

// resolveRoles turns comma-separated role names into role ids of service.
func resolveRoles(ctx context.Context, cl *caller, service, names string) ([]api.PolicyRole, error) {
	var out []api.PolicyRole
	for _, n := range strings.Split(names, ",") {
		if n = strings.TrimSpace(n); n == "" {
			continue
		}
		id, err := cl.c.RoleID(ctx, cl.AccountID, service, n)
		if err != nil {
			return nil, err
		}
		out = append(out, api.PolicyRole{RoleID: id})
	}
	if len(out) == 0 {
		return nil, usagef("--roles is required: the role names to grant, comma-separated")
	}
	return out, nil
}

// accessPolicy builds the v1 access policy the flags describe for subject
// (an iam_id or access_group_id attribute).
func (f *policyFlags) accessPolicy(ctx context.Context, cl *caller, subject api.SubjectAttribute) (api.Policy, error) {
	attrs := []api.ResourceAttribute{{Name: "accountId", Value: cl.AccountID}}
	add := func(name, value string) {
		if value != "" {
			attrs = append(attrs, api.ResourceAttribute{Name: name, Value: value})
		}
	}
	switch {
	case f.serviceName != "":
		add("serviceName", f.serviceName)
	case f.accountManagement:
		add("serviceType", "platform_service")
	case f.resourceGroupID == "" && f.resourceGroupName == "":
		add("serviceType", "service")
	}
	add("serviceInstance", policyInstanceGUID(f.serviceInstance))
	add("region", f.region)
	add("resourceType", f.resourceType)
	add("resource", f.resource)
	rg := f.resourceGroupID
	if f.resourceGroupName != "" {
		var err error
		if rg, err = cl.c.ResolveResourceGroupName(ctx, cl.AccountID, f.resourceGroupName); err != nil {
			return api.Policy{}, err
		}
	}
	add("resourceGroupId", rg)
	roles, err := resolveRoles(ctx, cl, f.serviceName, f.roles)
	if err != nil {
		return api.Policy{}, err
	}
	return api.Policy{Type: "access", Roles: roles,
		Subjects:  []api.PolicySubject{{Attributes: []api.SubjectAttribute{subject}}},
		Resources: []api.PolicyResource{{Attributes: attrs}}}, nil
}

// subjectResolver turns a command's first argument into a policy subject
// and a label for messages.
type subjectResolver func(ctx context.Context, cl *caller, arg string) (api.SubjectAttribute, string, error)

var subjects = []struct {
	noun, arg string
	resolve   subjectResolver
}{
	{"user", "USER", func(ctx context.Context, cl *caller, arg string) (api.SubjectAttribute, string, error) {
		m, err := resolveMember(ctx, cl, "user", arg)
		return api.SubjectAttribute{Name: "iam_id", Value: m.IAMID}, "user " + arg, err
	}},
	{"service", "SERVICE_ID", func(ctx context.Context, cl *caller, arg string) (api.SubjectAttribute, string, error) {
		m, err := resolveMember(ctx, cl, "service-id", arg)
		return api.SubjectAttribute{Name: "iam_id", Value: m.IAMID}, "service ID " + arg, err
	}},
	{"trusted-profile", "PROFILE", func(ctx context.Context, cl *caller, arg string) (api.SubjectAttribute, string, error) {
		m, err := resolveMember(ctx, cl, "profile", arg)
		return api.SubjectAttribute{Name: "iam_id", Value: m.IAMID}, "trusted profile " + arg, err
	}},
	{"access-group", "GROUP", func(ctx context.Context, cl *caller, arg string) (api.SubjectAttribute, string, error) {
		g, err := findGroup(ctx, cl, arg)
		if err != nil {
			return api.SubjectAttribute{}, "", err
		}
		return api.SubjectAttribute{Name: "access_group_id", Value: g.ID}, "access group " + arg, nil
	}},
}

// policyCommands are the policy commands: for each subject kind
// KIND-policy-create and KIND-policies, plus policy-delete and
// authorization-policy-create.
func (a *app) policyCommands() []*cobra.Command {
	var cmds []*cobra.Command
	for _, s := range subjects {
		cmds = append(cmds, a.policyCreateCommand(s.noun, s.arg, s.resolve), a.policyListCommand(s.noun, s.arg, s.resolve))
	}
	return append(cmds, a.policyDeleteCommand(), a.authorizationPolicyCommand())
}

func (a *app) policyCreateCommand(noun, arg string, resolve subjectResolver) *cobra.Command {
	var f policyFlags
	cmd := &cobra.Command{
		Use:   noun + "-policy-create " + arg + " --roles ROLES [--service-name S] [--service-instance GUID|CRN] [--resource-type T --resource R] [--resource-group-name N|--resource-group-id ID] [--account-management]",
		Short: "Grant roles to a " + strings.ReplaceAll(noun, "-", " ") + " with an access policy", Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			cl, err := a.caller(ctx)
			if err != nil {
				return err
			}
			subject, label, err := resolve(ctx, cl, args[0])
			if err != nil {
				return err
			}
			p, err := f.accessPolicy(ctx, cl, subject)
			if err != nil {
				return err
			}
			a.progress("Creating policy under current account for %s as %s...", label, cl.IAMID)
			out, err := cl.c.CreatePolicy(ctx, p)
			if err != nil {
				return err
			}
			a.ok()
			return a.printPolicy(out)
		},
	}
	f.register(cmd)
	return cmd
}

func (a *app) policyListCommand(noun, arg string, resolve subjectResolver) *cobra.Command {
	return &cobra.Command{
		Use: noun + "-policies " + arg, Short: "List the access policies of a " + strings.ReplaceAll(noun, "-", " "), Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			cl, err := a.caller(ctx)
			if err != nil {
				return err
			}
			subject, label, err := resolve(ctx, cl, args[0])
			if err != nil {
				return err
			}
			opts := client.ListPoliciesOptions{AccountID: cl.AccountID, Type: "access"}
			if subject.Name == "iam_id" {
				opts.IAMID = subject.Value
			} else {
				opts.AccessGroupID = subject.Value
			}
			a.progress("Getting policies of %s as %s...", label, cl.IAMID)
			ps, err := cl.c.AllPolicies(ctx, opts)
			if err != nil {
				return err
			}
			if a.jsonOutput() {
				return a.printJSON(nonNil(ps))
			}
			a.ok()
			t := newTable(a.env.Stdout, "Policy ID", "Roles", "Resources")
			for _, p := range ps {
				t.row(p.ID, roleNames(p.Roles), resourceText(p.Resources))
			}
			return t.flush()
		},
	}
}

func (a *app) policyDeleteCommand() *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use: "policy-delete POLICY_ID [-f]", Short: "Delete a policy", Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := a.caller(cmd.Context())
			if err != nil {
				return err
			}
			if ok, err := a.confirm(force, "Delete policy %s?", args[0]); !ok || err != nil {
				return err
			}
			a.progress("Deleting policy %s as %s...", args[0], cl.IAMID)
			if err := cl.c.DeletePolicy(cmd.Context(), args[0]); err != nil {
				return err
			}
			a.ok()
			return nil
		},
	}
	forceFlag(cmd, &force)
	return cmd
}

// findGroup finds an access group of the caller's account by id or name.
func findGroup(ctx context.Context, cl *caller, arg string) (*api.AccessGroup, error) {
	if strings.HasPrefix(arg, "AccessGroupId-") {
		return cl.c.AccessGroup(ctx, arg)
	}
	gs, err := cl.c.AllAccessGroups(ctx, client.ListAccessGroupsOptions{AccountID: cl.AccountID})
	if err != nil {
		return nil, err
	}
	g, err := pick("access group", arg, gs, func(g api.AccessGroup) string { return g.Name }, func(g api.AccessGroup) string { return g.ID })
	return &g, err
}

func roleNames(rs []api.PolicyRole) string {
	names := make([]string, len(rs))
	for i, r := range rs {
		names[i] = r.DisplayName
		if names[i] == "" {
			names[i] = r.RoleID
		}
	}
	return strings.Join(names, ", ")
}

func resourceText(rs []api.PolicyResource) string {
	var parts []string
	for _, r := range rs {
		for _, at := range r.Attributes {
			op := "="
			if at.Operator != "" && at.Operator != "stringEquals" {
				op = " " + at.Operator + " "
			}
			parts = append(parts, at.Name+op+at.Value)
		}
	}
	return strings.Join(parts, ", ")
}

func (a *app) printPolicy(p *api.Policy) error {
	if a.jsonOutput() {
		return a.printJSON(p)
	}
	subject := ""
	if len(p.Subjects) > 0 {
		for _, at := range p.Subjects[0].Attributes {
			subject += fmt.Sprintf("%s=%s ", at.Name, at.Value)
		}
	}
	return printKV(a.env.Stdout, "Policy ID", p.ID, "Version", p.ETag, "Type", p.Type, "Subject", strings.TrimSpace(subject),
		"Roles", roleNames(p.Roles), "Resources", resourceText(p.Resources))
}
