package cli

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/client"
)

// resourceCommand is `coffer resource`: Secrets Manager instances and
// resource groups, in the IBM Cloud CLI's spelling.
func (a *app) resourceCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "resource", Short: "Manage service instances and resource groups"}
	cmd.AddCommand(a.serviceInstanceCreateCommand(), a.serviceInstancesCommand(), a.serviceInstanceCommand(),
		a.serviceInstanceUpdateCommand(), a.serviceInstanceDeleteCommand())
	cmd.AddCommand(a.groupCommands()...)
	return cmd
}

func (a *app) serviceInstanceCreateCommand() *cobra.Command {
	var group, longGroup, params string
	cmd := &cobra.Command{
		Use:   "service-instance-create NAME SERVICE PLAN LOCATION [-g RESOURCE_GROUP] [-p PARAMETERS_JSON|@FILE]",
		Short: "Create a service instance (SERVICE secrets-manager, PLAN standard)", Args: exactArgs(4),
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("resource-group") {
				a.env.Stderr.Write([]byte("Note: IBM Cloud's CLI spells this flag -g; --resource-group is accepted as its synonym.\n"))
				group = longGroup
			}
			req := api.CreateResourceInstanceRequest{Name: args[0], ResourceID: args[1], ResourcePlanID: args[2], Target: args[3]}
			var err error
			if req.Parameters, err = parseParameters(params); err != nil {
				return err
			}
			cl, err := a.caller(cmd.Context())
			if err != nil {
				return err
			}
			g, err := resolveGroup(cmd.Context(), cl, group)
			if err != nil {
				return err
			}
			req.ResourceGroup = g.ID
			a.progress("Creating service instance %s in resource group %s of account %s as %s...", args[0], g.Name, cl.AccountID, cl.IAMID)
			in, err := cl.c.CreateResourceInstance(cmd.Context(), req)
			if err != nil {
				return err
			}
			a.ok()
			return a.printInstance(in)
		},
	}
	cmd.Flags().StringVarP(&group, "group", "g", "", "resource group name (default: the account's default group)")
	cmd.Flags().StringVar(&longGroup, "resource-group", "", "synonym of -g")
	cmd.Flags().StringVarP(&params, "parameters", "p", "", "parameters as a JSON object, or @FILE")
	return cmd
}

// parseParameters reads -p: a JSON object, or @FILE holding one.
func parseParameters(v string) (map[string]any, error) {
	if v == "" {
		return nil, nil
	}
	raw := []byte(v)
	if path, ok := strings.CutPrefix(v, "@"); ok {
		var err error
		if raw, err = os.ReadFile(path); err != nil {
			return nil, usagef("-p: %v", err)
		}
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return nil, usagef("-p must be a JSON object or @FILE holding one")
	}
	return m, nil
}

func (a *app) serviceInstancesCommand() *cobra.Command {
	var service string
	cmd := &cobra.Command{
		Use: "service-instances [--service-name secrets-manager]", Short: "List service instances", Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := a.caller(cmd.Context())
			if err != nil {
				return err
			}
			a.progress("Retrieving instances with type service_instance in all resource groups in all locations under account %s as %s...",
				cl.AccountID, cl.IAMID)
			ins, err := cl.c.AllResourceInstances(cmd.Context(), client.ListResourceInstancesOptions{ResourceID: service})
			if err != nil {
				return err
			}
			if a.jsonOutput() {
				return a.printJSON(nonNil(ins))
			}
			a.ok()
			t := newTable(a.env.Stdout, "Name", "Location", "State", "Type", "GUID")
			for _, in := range ins {
				t.row(in.Name, in.RegionID, in.State, in.Type, in.GUID)
			}
			return t.flush()
		},
	}
	cmd.Flags().StringVar(&service, "service-name", "", "list only instances of this service")
	return cmd
}

func (a *app) serviceInstanceCommand() *cobra.Command {
	return &cobra.Command{
		Use: "service-instance NAME|ID", Short: "Show a service instance", Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := a.caller(cmd.Context())
			if err != nil {
				return err
			}
			a.progress("Retrieving service instance %s in all resource groups under account %s as %s...", args[0], cl.AccountID, cl.IAMID)
			in, err := resolveInstance(cmd.Context(), cl, args[0])
			if err != nil {
				return err
			}
			a.ok()
			return a.printInstance(in)
		},
	}
}

func (a *app) serviceInstanceUpdateCommand() *cobra.Command {
	var name string
	cmd := &cobra.Command{
		Use: "service-instance-update NAME|ID -n NEW_NAME", Short: "Rename a service instance", Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !cmd.Flags().Changed("name") {
				return usagef("service-instance-update: -n NEW_NAME is required")
			}
			cl, err := a.caller(cmd.Context())
			if err != nil {
				return err
			}
			in, err := resolveInstance(cmd.Context(), cl, args[0])
			if err != nil {
				return err
			}
			a.progress("Updating service instance %s as %s...", in.Name, cl.IAMID)
			if in, err = cl.c.UpdateResourceInstance(cmd.Context(), in.GUID, api.UpdateResourceInstanceRequest{Name: &name}); err != nil {
				return err
			}
			a.ok()
			return a.printInstance(in)
		},
	}
	cmd.Flags().StringVarP(&name, "name", "n", "", "new name")
	return cmd
}

func (a *app) serviceInstanceDeleteCommand() *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use: "service-instance-delete NAME|ID [-f]", Short: "Delete a service instance and, after the reclamation window, its secrets",
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := a.caller(cmd.Context())
			if err != nil {
				return err
			}
			in, err := resolveInstance(cmd.Context(), cl, args[0])
			if err != nil {
				return err
			}
			if ok, err := a.confirm(force, "Delete service instance %s (%s) and all its secrets?", in.Name, in.GUID); !ok {
				return err
			}
			a.progress("Deleting service instance %s as %s...", in.Name, cl.IAMID)
			if in, err = cl.c.DeleteResourceInstance(cmd.Context(), in.GUID); err != nil {
				return err
			}
			if a.jsonOutput() {
				return a.printJSON(in)
			}
			a.ok()
			a.progress("Service instance %s was deleted; its secrets are destroyed for good after %s.", in.Name, rcTime(in.ScheduledReclaimAt))
			return nil
		},
	}
	forceFlag(cmd, &force)
	return cmd
}

// resolveInstance finds an instance by GUID or CRN, else by name.
func resolveInstance(ctx context.Context, cl *caller, arg string) (*api.ResourceInstance, error) {
	if strings.HasPrefix(arg, "crn:") || looksLikeGUID(arg) {
		return cl.c.ResourceInstance(ctx, arg)
	}
	ins, err := cl.c.AllResourceInstances(ctx, client.ListResourceInstancesOptions{Name: arg})
	if err != nil {
		return nil, err
	}
	in, err := pick("service instance", arg, ins, func(in api.ResourceInstance) string { return in.Name },
		func(in api.ResourceInstance) string { return in.GUID })
	return &in, err
}

// looksLikeGUID reports whether s has the 8-4-4-4-12 hex shape of a UUID.
func looksLikeGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return false
			}
		case !strings.ContainsRune("0123456789abcdefABCDEF", c):
			return false
		}
	}
	return true
}

func (a *app) printInstance(in *api.ResourceInstance) error {
	if a.jsonOutput() {
		return a.printJSON(in)
	}
	return printKV(a.env.Stdout, "Name:", in.Name, "ID:", in.ID, "GUID:", in.GUID, "Location:", in.RegionID,
		"Service Name:", api.SecretsManagerService, "Service Plan Name:", api.StandardPlan,
		"Resource Group ID:", in.ResourceGroupID, "State:", in.State, "Type:", in.Type,
		"Service Endpoint:", in.Extensions.Endpoints.Public, "Created at:", rcTime(&in.CreatedAt),
		"Created by:", in.CreatedBy, "Updated at:", rcTime(&in.UpdatedAt))
}

// rcTime formats an API time for a table, "" for none.
func rcTime(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
