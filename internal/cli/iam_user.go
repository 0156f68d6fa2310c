package cli

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/client"
)

// userCommands manage the users of the caller's account.
func (a *app) userCommands() []*cobra.Command {
	var email string
	create := &cobra.Command{
		Use: "user-create NAME [--email EMAIL]", Short: "Create a user in the account", Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := a.caller(cmd.Context())
			if err != nil {
				return err
			}
			a.progress("Creating user %s in account %s as %s...", args[0], cl.AccountID, cl.IAMID)
			u, err := cl.c.CreateUser(cmd.Context(), api.CreateUserRequest{AccountID: cl.AccountID, Name: args[0], Email: email})
			if err != nil {
				return err
			}
			if a.jsonOutput() {
				return a.printJSON(u)
			}
			a.ok()
			return printKV(a.env.Stdout, "Name", u.Name, "IAM ID", u.IAMID, "Email", u.Email, "State", u.State,
				"Created At", formatTime(u.CreatedAt))
		},
	}
	create.Flags().StringVar(&email, "email", "", "e-mail address of the user")
	list := &cobra.Command{
		Use: "users", Short: "List the users of the account", Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := a.caller(cmd.Context())
			if err != nil {
				return err
			}
			a.progress("Getting users of account %s as %s...", cl.AccountID, cl.IAMID)
			users, err := allUsers(cmd.Context(), cl)
			if err != nil {
				return err
			}
			if a.jsonOutput() {
				return a.printJSON(nonNil(users))
			}
			a.ok()
			t := newTable(a.env.Stdout, "Name", "IAM ID", "Email", "State", "Created At")
			for _, u := range users {
				t.row(u.Name, u.IAMID, u.Email, u.State, formatTime(u.CreatedAt))
			}
			return t.flush()
		},
	}
	return []*cobra.Command{create, list, a.userDeleteCommand()}
}

func (a *app) userDeleteCommand() *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use: "user-delete NAME|IAM_ID [-f]", Short: "Delete a user and its API keys", Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := a.caller(cmd.Context())
			if err != nil {
				return err
			}
			users, err := allUsers(cmd.Context(), cl)
			if err != nil {
				return err
			}
			u, err := resolveUser(users, args[0])
			if err != nil {
				return err
			}
			if ok, err := a.confirm(force, "Delete user %s (%s)?", u.Name, u.IAMID); !ok {
				return err
			}
			a.progress("Deleting user %s from account %s as %s...", u.Name, cl.AccountID, cl.IAMID)
			if err := cl.c.DeleteUser(cmd.Context(), u.IAMID); err != nil {
				return err
			}
			a.ok()
			return nil
		},
	}
	forceFlag(cmd, &force)
	return cmd
}

// resolveUser finds a user by iam_id or by name.
func resolveUser(users []api.User, arg string) (api.User, error) {
	for _, u := range users {
		if u.IAMID == arg {
			return u, nil
		}
	}
	return pick("user", arg, users, func(u api.User) string { return u.Name }, func(u api.User) string { return u.IAMID })
}

// allUsers lists every user of the caller's account.
func allUsers(ctx context.Context, cl *caller) ([]api.User, error) {
	var all []api.User
	opts := client.ListOptions{AccountID: cl.AccountID}
	for range 10000 {
		l, err := cl.c.ListUsers(ctx, opts)
		if err != nil {
			return nil, err
		}
		all = append(all, l.Users...)
		if opts.PageToken = client.NextPageToken(l.Next); opts.PageToken == "" {
			break
		}
	}
	return all, nil
}

// formatTime prints Coffer's own timestamps like IAM Identity's.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return api.FormatIdentityTime(t)
}
