package cli

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/client"
)

// serviceIDCommands are the service-id commands.
func (a *app) serviceIDCommands() []*cobra.Command {
	var desc string
	var lock bool
	create := &cobra.Command{
		Use: "service-id-create NAME [-d DESCRIPTION] [--lock]", Short: "Create a service ID", Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := a.caller(cmd.Context())
			if err != nil {
				return err
			}
			a.progress("Creating service ID %s in account %s as %s...", args[0], cl.AccountID, cl.IAMID)
			s, err := cl.c.CreateServiceID(cmd.Context(), api.CreateServiceIDRequest{AccountID: cl.AccountID,
				Name: args[0], Description: desc}, client.CreateOptions{Lock: lock})
			if err != nil {
				return err
			}
			a.ok()
			return a.printServiceID(s)
		},
	}
	create.Flags().StringVarP(&desc, "description", "d", "", "description of the service ID")
	create.Flags().BoolVar(&lock, "lock", false, "create the service ID locked")
	list := &cobra.Command{
		Use: "service-ids", Short: "List the service IDs of the account", Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := a.caller(cmd.Context())
			if err != nil {
				return err
			}
			a.progress("Getting all service IDs bound to account %s as %s...", cl.AccountID, cl.IAMID)
			ids, err := cl.c.AllServiceIDs(cmd.Context(), client.ListServiceIDsOptions{AccountID: cl.AccountID})
			if err != nil {
				return err
			}
			if a.jsonOutput() {
				return a.printJSON(nonNil(ids))
			}
			a.ok()
			t := newTable(a.env.Stdout, "Name", "ID", "Description", "Created At", "Locked")
			for _, s := range ids {
				t.row(s.Name, s.ID, s.Description, s.CreatedAt, boolStr(s.Locked))
			}
			return t.flush()
		},
	}
	show := &cobra.Command{
		Use: "service-id NAME|ID", Short: "Show a service ID", Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := a.caller(cmd.Context())
			if err != nil {
				return err
			}
			s, err := resolveServiceID(cmd.Context(), cl, args[0])
			if err != nil {
				return err
			}
			return a.printServiceID(s)
		},
	}
	return []*cobra.Command{create, list, show, a.serviceIDUpdateCommand(), a.serviceIDDeleteCommand(),
		a.serviceIDAction("service-id-lock", "Locking", (*client.Client).LockServiceID),
		a.serviceIDAction("service-id-unlock", "Unlocking", (*client.Client).UnlockServiceID)}
}

func (a *app) serviceIDUpdateCommand() *cobra.Command {
	var name, desc string
	cmd := &cobra.Command{
		Use: "service-id-update NAME|ID [-n NEW_NAME] [-d DESCRIPTION]", Short: "Change a service ID's name or description",
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := a.caller(cmd.Context())
			if err != nil {
				return err
			}
			s, err := resolveServiceID(cmd.Context(), cl, args[0])
			if err != nil {
				return err
			}
			var req api.UpdateServiceIDRequest
			if cmd.Flags().Changed("name") {
				req.Name = &name
			}
			if cmd.Flags().Changed("description") {
				req.Description = &desc
			}
			a.progress("Updating service ID %s in account %s as %s...", s.Name, cl.AccountID, cl.IAMID)
			if s, err = cl.c.UpdateServiceID(cmd.Context(), s.ID, s.EntityTag, req); err != nil {
				return err
			}
			a.ok()
			return a.printServiceID(s)
		},
	}
	cmd.Flags().StringVarP(&name, "name", "n", "", "new name")
	cmd.Flags().StringVarP(&desc, "description", "d", "", `new description ("" clears it)`)
	return cmd
}

func (a *app) serviceIDDeleteCommand() *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use: "service-id-delete NAME|ID [-f]", Short: "Delete a service ID and its API keys", Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := a.caller(cmd.Context())
			if err != nil {
				return err
			}
			s, err := resolveServiceID(cmd.Context(), cl, args[0])
			if err != nil {
				return err
			}
			if ok, err := a.confirm(force, "Delete service ID %s (%s) and its API keys?", s.Name, s.ID); !ok {
				return err
			}
			a.progress("Deleting service ID %s in account %s as %s...", s.Name, cl.AccountID, cl.IAMID)
			if err := cl.c.DeleteServiceID(cmd.Context(), s.ID); err != nil {
				return err
			}
			a.ok()
			return nil
		},
	}
	forceFlag(cmd, &force)
	return cmd
}

func (a *app) serviceIDAction(name, doing string, fn func(*client.Client, context.Context, string) error) *cobra.Command {
	return &cobra.Command{
		Use: name + " NAME|ID", Short: strings.TrimSuffix(doing, "ing") + " a service ID", Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := a.caller(cmd.Context())
			if err != nil {
				return err
			}
			s, err := resolveServiceID(cmd.Context(), cl, args[0])
			if err != nil {
				return err
			}
			a.progress("%s service ID %s as %s...", doing, s.Name, cl.IAMID)
			if err := fn(cl.c, cmd.Context(), s.ID); err != nil {
				return err
			}
			a.ok()
			return nil
		},
	}
}

// resolveServiceID finds a service ID of the caller's account by id
// (ServiceId-…) or by name.
func resolveServiceID(ctx context.Context, cl *caller, arg string) (*api.ServiceID, error) {
	if strings.HasPrefix(arg, "ServiceId-") {
		return cl.c.ServiceID(ctx, arg)
	}
	ids, err := cl.c.AllServiceIDs(ctx, client.ListServiceIDsOptions{AccountID: cl.AccountID, Name: arg})
	if err != nil {
		return nil, err
	}
	s, err := pick("service ID", arg, ids, func(s api.ServiceID) string { return s.Name }, func(s api.ServiceID) string { return s.ID })
	return &s, err
}

func (a *app) printServiceID(s *api.ServiceID) error {
	if a.jsonOutput() {
		return a.printJSON(s)
	}
	return printKV(a.env.Stdout, "Name", s.Name, "Description", s.Description, "CRN", s.CRN,
		"Version", s.EntityTag, "Locked", boolStr(s.Locked), "UUID", s.ID, "IAM ID", s.IAMID,
		"Created At", s.CreatedAt, "Modified At", s.ModifiedAt)
}
