package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cofferhq/coffer/api"
)

// explainCommand is `coffer iam access-explain`: may a subject perform an
// action on a resource, and why.
func (a *app) explainCommand() *cobra.Command {
	var req api.ExplainRequest
	var instance, region, rtype, resource, service, group, rgroup string
	cmd := &cobra.Command{
		Use: "access-explain (--iam-id IAM_ID | --access-group-id ID) --action ACTION [--service-name S] " +
			"[--service-instance GUID] [--resource-type T --resource R]",
		Short: "Explain whether a subject may perform an action on a resource, and which policies decide it",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			req.Subject.AccessGroupID = group
			if req.Action == "" || (req.Subject.IAMID == "") == (group == "") {
				return usagef("access-explain needs --action and one of --iam-id and --access-group-id")
			}
			req.Resource = map[string]string{}
			for k, v := range map[string]string{"serviceName": service, "serviceInstance": instanceGUID(instance),
				"region": region, "resourceType": rtype, "resource": resource, "resourceGroupId": rgroup} {
				if v != "" {
					req.Resource[k] = v
				}
			}
			c, _ := a.client()
			resp, err := c.Explain(cmd.Context(), req)
			if err != nil {
				return err
			}
			if a.jsonOutput() {
				return a.printJSON(resp)
			}
			return a.printExplanation(resp)
		},
	}
	f := cmd.Flags()
	f.StringVar(&req.Subject.IAMID, "iam-id", "", "the subject: a user, service ID (iam-ServiceId-...) or profile (iam-Profile-...)")
	f.StringVar(&group, "access-group-id", "", "the subject: an access group")
	f.StringVar(&req.Action, "action", "", "the action, e.g. secrets-manager.secret.read")
	f.StringVar(&service, "service-name", "", "the target service (default: the action's)")
	f.StringVar(&instance, "service-instance", "", "the service instance (GUID or CRN)")
	f.StringVar(&region, "region", "", "the region")
	f.StringVar(&rgroup, "resource-group-id", "", "the resource group")
	f.StringVar(&rtype, "resource-type", "", "the resource type, e.g. secret-group")
	f.StringVar(&resource, "resource", "", "the resource, e.g. a secret group id")
	return cmd
}

// instanceGUID accepts a GUID or an instance CRN (whose 8th field is the
// GUID), as IBM's CLI does.
func instanceGUID(v string) string {
	if f := strings.Split(v, ":"); strings.HasPrefix(v, "crn:") && len(f) >= 8 {
		return f[7]
	}
	return v
}

func (a *app) printExplanation(r *api.ExplainResponse) error {
	w := a.env.Stdout
	verdict := "DENIED"
	if r.Allowed {
		verdict = "ALLOWED"
	}
	fmt.Fprintln(w, verdict)
	if len(r.Matched) > 0 {
		fmt.Fprintln(w, "\nPolicies that apply:")
		t := newTable(w, "Policy", "Roles", "Granting roles")
		for _, m := range r.Matched {
			t.row(m.PolicyID, roleList(m.Roles), roleList(m.GrantingRoles))
		}
		if err := t.flush(); err != nil {
			return err
		}
	}
	if len(r.Reasons) > 0 {
		fmt.Fprintln(w, "\nWhy not:")
		for _, rs := range r.Reasons {
			id := rs.PolicyID
			if id == "" {
				id = "-"
			}
			fmt.Fprintf(w, "  %s [%s] %s\n", id, rs.Code, rs.Message)
		}
	}
	return nil
}

// roleList shows role CRNs by their short names.
func roleList(roles []string) string {
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = r[strings.LastIndexByte(r, ':')+1:]
	}
	return strings.Join(names, ", ")
}
