package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cofferhq/coffer/api"
)

// authzFlags are the flags of authorization-policy-create. Both IBM forms
// are accepted: SOURCE TARGET ROLES, and ROLES --source-service-name S
// --target-service-name T. The tutorial's --source-resource-instance-name
// and --target-resource-instance-name are read as the service-instance-name
// flags.
type authzFlags struct {
	sourceService, targetService                   string
	sourceInstanceID, sourceInstanceName           string
	targetInstanceID, targetInstanceName           string
	sourceResourceType, sourceResource, sourceRG   string
	targetResourceType, targetResource, targetRG   string
	tutorialSourceInstance, tutorialTargetInstance string
}

func (f *authzFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	for _, s := range []struct {
		p          *string
		name, help string
	}{
		{&f.sourceService, "source-service-name", "source service"},
		{&f.targetService, "target-service-name", "target service"},
		{&f.sourceInstanceID, "source-service-instance-id", "source service instance GUID or CRN"},
		{&f.sourceInstanceName, "source-service-instance-name", "source service instance name"},
		{&f.targetInstanceID, "target-service-instance-id", "target service instance GUID or CRN"},
		{&f.targetInstanceName, "target-service-instance-name", "target service instance name"},
		{&f.sourceResourceType, "source-resource-type", "source resource type"},
		{&f.sourceResource, "source-resource", "source resource"},
		{&f.sourceRG, "source-resource-group-id", "source resource group id"},
		{&f.targetResourceType, "target-resource-type", "target resource type"},
		{&f.targetResource, "target-resource", "target resource"},
		{&f.targetRG, "target-resource-group-id", "target resource group id"},
		{&f.tutorialSourceInstance, "source-resource-instance-name", "tutorial spelling of --source-service-instance-name"},
		{&f.tutorialTargetInstance, "target-resource-instance-name", "tutorial spelling of --target-service-instance-name"},
	} {
		fl.StringVar(s.p, s.name, "", s.help)
	}
	fl.MarkHidden("source-resource-instance-name")
	fl.MarkHidden("target-resource-instance-name")
}

// parse reads the positional arguments of either form and returns source,
// target and roles.
func (f *authzFlags) parse(args []string) (string, string, string, error) {
	const usage = "use authorization-policy-create SOURCE_SERVICE TARGET_SERVICE ROLES, or ROLES --source-service-name S --target-service-name T"
	switch len(args) {
	case 3:
		if f.sourceService != "" || f.targetService != "" {
			return "", "", "", usagef("give the services either as arguments or with --source-service-name/--target-service-name, not both: %s", usage)
		}
		return args[0], args[1], args[2], nil
	case 1:
		if f.sourceService == "" || f.targetService == "" {
			return "", "", "", usagef("with one argument (ROLES), --source-service-name and --target-service-name are required: %s", usage)
		}
		return f.sourceService, f.targetService, args[0], nil
	case 2:
		if f.sourceService == "iam-profile" { // the tutorial: TARGET ROLES --source-service-name iam-profile
			return f.sourceService, args[0], args[1], nil
		}
		return "", "", "", usagef("%q %q mixes the two forms of the command: %s", args[0], args[1], usage)
	}
	return "", "", "", usagef("%s", usage)
}

func (a *app) authorizationPolicyCommand() *cobra.Command {
	var f authzFlags
	cmd := &cobra.Command{
		Use:   "authorization-policy-create SOURCE_SERVICE TARGET_SERVICE ROLES [flags] | ROLES --source-service-name S --target-service-name T [flags]",
		Short: "Let a service call another service (service-to-service authorization)",
		Args:  cobra.RangeArgs(1, 3),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			source, target, roles, err := f.parse(args)
			if err != nil {
				return err
			}
			cl, err := a.caller(ctx)
			if err != nil {
				return err
			}
			if source == "iam-profile" {
				return a.translateProfileAuthorization(ctx, cl, &f, target, roles)
			}
			p, err := f.policy(ctx, cl, source, target, roles)
			if err != nil {
				return err
			}
			a.progress("Creating authorization policy under current account for service %s to access %s as %s...", source, target, cl.IAMID)
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

// policy builds the authorization policy from source to target.
func (f *authzFlags) policy(ctx context.Context, cl *caller, source, target, roles string) (api.Policy, error) {
	side := func(service, instanceID, instanceName, rtype, res, rg string) ([]api.ResourceAttribute, error) {
		attrs := []api.ResourceAttribute{{Name: "accountId", Value: cl.AccountID}, {Name: "serviceName", Value: service}}
		if instanceName != "" {
			var err error
			if instanceID, err = cl.c.ResolveInstanceName(ctx, instanceName); err != nil {
				return nil, err
			}
		}
		for _, kv := range [][2]string{{"serviceInstance", policyInstanceGUID(instanceID)}, {"resourceType", rtype},
			{"resource", res}, {"resourceGroupId", rg}} {
			if kv[1] != "" {
				attrs = append(attrs, api.ResourceAttribute{Name: kv[0], Value: kv[1]})
			}
		}
		return attrs, nil
	}
	src, err := side(source, f.sourceInstanceID, policyOr(f.sourceInstanceName, f.tutorialSourceInstance), f.sourceResourceType, f.sourceResource, f.sourceRG)
	if err != nil {
		return api.Policy{}, err
	}
	tgt, err := side(target, f.targetInstanceID, policyOr(f.targetInstanceName, f.tutorialTargetInstance), f.targetResourceType, f.targetResource, f.targetRG)
	if err != nil {
		return api.Policy{}, err
	}
	rs, err := resolveRoles(ctx, cl, target, roles)
	if err != nil {
		return api.Policy{}, err
	}
	subj := make([]api.SubjectAttribute, len(src))
	for i, at := range src {
		subj[i] = api.SubjectAttribute{Name: at.Name, Value: at.Value}
	}
	return api.Policy{Type: "authorization", Roles: rs, Subjects: []api.PolicySubject{{Attributes: subj}},
		Resources: []api.PolicyResource{{Attributes: tgt}}}, nil
}

// translateProfileAuthorization serves the popular tutorial's
// "authorization-policy-create secrets-manager Reader --source-service-name
// iam-profile --source-resource-instance-name PROFILE
// --target-resource-instance-name INSTANCE". A trusted profile is an
// identity, not a service, and the API refuses such a policy; what the
// tutorial means is an access policy for the profile on the instance, so
// that is what the CLI creates, saying so on stderr.
func (a *app) translateProfileAuthorization(ctx context.Context, cl *caller, f *authzFlags, target, roles string) error {
	profileArg := policyOr(f.sourceInstanceName, policyOr(f.tutorialSourceInstance, f.sourceInstanceID))
	if profileArg == "" {
		return usagef("iam-profile is not a service: name the trusted profile with --source-service-instance-name, or use: coffer iam trusted-profile-policy-create PROFILE --roles %s --service-name %s --service-instance GUID", roles, target)
	}
	prof, err := resolveProfile(ctx, cl, profileArg)
	if err != nil {
		return err
	}
	pf := policyFlags{roles: roles, serviceName: target, resourceType: f.targetResourceType, resource: f.targetResource,
		resourceGroupID: f.targetRG, serviceInstance: f.targetInstanceID}
	if name := policyOr(f.targetInstanceName, f.tutorialTargetInstance); name != "" {
		if pf.serviceInstance, err = cl.c.ResolveInstanceName(ctx, name); err != nil {
			return err
		}
	}
	p, err := pf.accessPolicy(ctx, cl, api.SubjectAttribute{Name: "iam_id", Value: prof.IAMID})
	if err != nil {
		return err
	}
	out, err := cl.c.CreatePolicy(ctx, p)
	if err != nil {
		return err
	}
	canonical := fmt.Sprintf("coffer iam trusted-profile-policy-create %s --roles %s --service-name %s", prof.Name, roles, target)
	if pf.serviceInstance != "" {
		canonical += " --service-instance " + policyInstanceGUID(pf.serviceInstance)
	}
	fmt.Fprintf(a.env.Stderr, "Note: iam-profile is not a service; created access policy %s for trusted profile %s instead (the same as: %s)\n",
		out.ID, prof.Name, canonical)
	if target == "secrets-manager" && hasRole(roles, "Reader") && !hasRole(roles, "SecretsReader") &&
		!hasRole(roles, "Writer") && !hasRole(roles, "Manager") {
		fmt.Fprintln(a.env.Stderr, "Warning: Reader shows secret metadata only and does not reveal secret values; grant SecretsReader to read them.")
	}
	return a.printPolicy(out)
}

func hasRole(roles, name string) bool {
	for _, r := range strings.Split(roles, ",") {
		if strings.EqualFold(strings.TrimSpace(r), name) {
			return true
		}
	}
	return false
}

func policyOr(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
