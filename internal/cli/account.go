package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/client"
)

// accountCommands are `coffer account-create` and `coffer accounts`.
func (a *app) accountCommands() []*cobra.Command {
	var adminName, adminEmail string
	create := &cobra.Command{
		Use:   "account-create NAME [--admin-name NAME] [--admin-email EMAIL]",
		Short: "Create an account with an administrator and an API key for it (operator administrators only)",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			a.progress("Creating account %s...", args[0])
			res, err := c.CreateAccount(cmd.Context(), api.CreateAccountRequest{Name: args[0], AdminName: adminName, AdminEmail: adminEmail})
			if err != nil {
				return err
			}
			if a.jsonOutput() {
				return a.printJSON(res)
			}
			a.ok()
			fmt.Fprintf(a.env.Stderr, "Please preserve the API key! It cannot be retrieved after it's created.\n\n")
			return printKV(a.env.Stdout, "Account ID", res.Account.ID, "Name", res.Account.Name,
				"Administrator", res.Admin.Name, "Administrator IAM ID", res.Admin.IAMID,
				"API Key ID", res.APIKey.ID, "API Key", res.APIKey.APIKey.Reveal())
		},
	}
	create.Flags().StringVar(&adminName, "admin-name", "admin", "name of the account's administrator")
	create.Flags().StringVar(&adminEmail, "admin-email", "", "e-mail address of the administrator")
	list := &cobra.Command{
		Use: "accounts", Short: "List the accounts you can see", Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			var all []api.Account
			var opts client.ListOptions
			for range 10000 {
				l, err := c.ListAccounts(cmd.Context(), opts)
				if err != nil {
					return err
				}
				all = append(all, l.Accounts...)
				if opts.PageToken = client.NextPageToken(l.Next); opts.PageToken == "" {
					break
				}
			}
			if a.jsonOutput() {
				return a.printJSON(nonNil(all))
			}
			t := newTable(a.env.Stdout, "ID", "Name", "State", "Owner", "Created At")
			for _, acct := range all {
				t.row(acct.ID, acct.Name, acct.State, acct.OwnerIAMID, formatTime(acct.CreatedAt))
			}
			return t.flush()
		},
	}
	return []*cobra.Command{create, list}
}
