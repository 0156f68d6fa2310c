package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/client"
)

// apiKeyCommands are the commands on the caller's own API keys.
func (a *app) apiKeyCommands() []*cobra.Command {
	var desc, file string
	var lock bool
	create := &cobra.Command{
		Use: "api-key-create NAME [-d DESCRIPTION] [--file FILE] [--lock]", Short: "Create an API key for yourself",
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := a.caller(cmd.Context())
			if err != nil {
				return err
			}
			a.progress("Creating API key %s under %s as %s...", args[0], cl.AccountID, cl.IAMID)
			k, err := cl.c.CreateAPIKey(cmd.Context(), api.CreateAPIKeyRequest{Name: args[0], IAMID: cl.IAMID,
				AccountID: cl.AccountID, Description: desc}, client.CreateOptions{Lock: lock})
			if err != nil {
				return err
			}
			return a.printNewAPIKey(k, file)
		},
	}
	create.Flags().StringVarP(&desc, "description", "d", "", "description of the API key")
	create.Flags().StringVar(&file, "file", "", "save the API key (as JSON, mode 0600) to FILE instead of printing it")
	create.Flags().BoolVar(&lock, "lock", false, "create the API key locked")

	list := &cobra.Command{
		Use: "api-keys", Short: "List your API keys", Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := a.caller(cmd.Context())
			if err != nil {
				return err
			}
			a.progress("Getting all API keys of %s under %s...", cl.IAMID, cl.AccountID)
			return a.listAPIKeys(cmd.Context(), cl, cl.IAMID)
		},
	}
	show := &cobra.Command{
		Use: "api-key NAME|ID", Short: "Show one of your API keys", Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := a.caller(cmd.Context())
			if err != nil {
				return err
			}
			k, err := resolveAPIKey(cmd.Context(), cl, args[0], cl.IAMID)
			if err != nil {
				return err
			}
			return a.printAPIKey(k)
		},
	}
	return []*cobra.Command{create, list, show, a.apiKeyUpdateCommand(),
		a.apiKeyDeleteCommand("api-key-delete NAME|ID [-f]", "Delete one of your API keys", false),
		a.apiKeyAction("api-key-lock", "Lock", (*client.Client).LockAPIKey),
		a.apiKeyAction("api-key-unlock", "Unlock", (*client.Client).UnlockAPIKey),
		a.apiKeyAction("api-key-disable", "Disable", (*client.Client).DisableAPIKey),
		a.apiKeyAction("api-key-enable", "Enable", (*client.Client).EnableAPIKey)}
}

func (a *app) apiKeyUpdateCommand() *cobra.Command {
	var name, desc string
	cmd := &cobra.Command{
		Use: "api-key-update NAME|ID [-n NEW_NAME] [-d DESCRIPTION]", Short: "Change the name or description of one of your API keys",
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := a.caller(cmd.Context())
			if err != nil {
				return err
			}
			k, err := resolveAPIKey(cmd.Context(), cl, args[0], cl.IAMID)
			if err != nil {
				return err
			}
			var req api.UpdateAPIKeyRequest
			if cmd.Flags().Changed("name") {
				req.Name = &name
			}
			if cmd.Flags().Changed("description") {
				req.Description = &desc
			}
			a.progress("Updating API key %s as %s...", k.Name, cl.IAMID)
			k, err = cl.c.UpdateAPIKey(cmd.Context(), k.ID, k.EntityTag, req)
			if err != nil {
				return err
			}
			a.ok()
			return a.printAPIKey(k)
		},
	}
	cmd.Flags().StringVarP(&name, "name", "n", "", "new name")
	cmd.Flags().StringVarP(&desc, "description", "d", "", `new description ("" clears it)`)
	return cmd
}

// apiKeyDeleteCommand deletes a user's own key, or (service) a service ID's
// key given as API_KEY SERVICE_ID.
func (a *app) apiKeyDeleteCommand(use, short string, service bool) *cobra.Command {
	var force bool
	nargs := 1
	if service {
		nargs = 2
	}
	cmd := &cobra.Command{
		Use: use, Short: short, Args: exactArgs(nargs),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, owner, err := a.keyOwner(cmd.Context(), args)
			if err != nil {
				return err
			}
			k, err := resolveAPIKey(cmd.Context(), cl, args[0], owner)
			if err != nil {
				return err
			}
			if ok, err := a.confirm(force, "Delete API key %s (%s)?", k.Name, k.ID); !ok {
				return err
			}
			a.progress("Deleting API key %s as %s...", k.Name, cl.IAMID)
			if err := cl.c.DeleteAPIKey(cmd.Context(), k.ID); err != nil {
				return err
			}
			a.ok()
			return nil
		},
	}
	forceFlag(cmd, &force)
	return cmd
}

// keyOwner returns the caller and the iam_id whose keys args name: the
// caller's own, or the service ID's of args[1].
func (a *app) keyOwner(ctx context.Context, args []string) (*caller, string, error) {
	cl, err := a.caller(ctx)
	if err != nil {
		return nil, "", err
	}
	if len(args) < 2 {
		return cl, cl.IAMID, nil
	}
	s, err := resolveServiceID(ctx, cl, args[1])
	if err != nil {
		return nil, "", err
	}
	return cl, s.IAMID, nil
}

// apiKeyAction is a command that applies fn to one of the caller's keys.
func (a *app) apiKeyAction(name, verb string, fn func(*client.Client, context.Context, string) error) *cobra.Command {
	return &cobra.Command{
		Use: name + " NAME|ID", Short: verb + " one of your API keys", Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := a.caller(cmd.Context())
			if err != nil {
				return err
			}
			k, err := resolveAPIKey(cmd.Context(), cl, args[0], cl.IAMID)
			if err != nil {
				return err
			}
			a.progress("%sing API key %s as %s...", strings.TrimSuffix(verb, "e"), k.Name, cl.IAMID)
			if err := fn(cl.c, cmd.Context(), k.ID); err != nil {
				return err
			}
			a.ok()
			return nil
		},
	}
}

// serviceAPIKeyCommands are the commands on a service ID's API keys.
func (a *app) serviceAPIKeyCommands() []*cobra.Command {
	var desc, file string
	var lock bool
	create := &cobra.Command{
		Use:   "service-api-key-create NAME SERVICE_ID_NAME|ID [-d DESCRIPTION] [--file FILE] [--lock]",
		Short: "Create an API key for a service ID", Args: exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := a.caller(cmd.Context())
			if err != nil {
				return err
			}
			s, err := resolveServiceID(cmd.Context(), cl, args[1])
			if err != nil {
				return err
			}
			a.progress("Creating API key %s of service ID %s under %s as %s...", args[0], s.Name, cl.AccountID, cl.IAMID)
			k, err := cl.c.CreateAPIKey(cmd.Context(), api.CreateAPIKeyRequest{Name: args[0], IAMID: s.IAMID,
				AccountID: cl.AccountID, Description: desc}, client.CreateOptions{Lock: lock})
			if err != nil {
				return err
			}
			return a.printNewAPIKey(k, file)
		},
	}
	create.Flags().StringVarP(&desc, "description", "d", "", "description of the API key")
	create.Flags().StringVar(&file, "file", "", "save the API key (as JSON, mode 0600) to FILE instead of printing it")
	create.Flags().BoolVar(&lock, "lock", false, "create the API key locked")
	list := &cobra.Command{
		Use: "service-api-keys SERVICE_ID_NAME|ID", Short: "List the API keys of a service ID", Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, owner, err := a.keyOwner(cmd.Context(), []string{"", args[0]})
			if err != nil {
				return err
			}
			a.progress("Getting all API keys of service ID %s under %s...", args[0], cl.AccountID)
			return a.listAPIKeys(cmd.Context(), cl, owner)
		},
	}
	del := a.apiKeyDeleteCommand("service-api-key-delete API_KEY_NAME|ID SERVICE_ID_NAME|ID [-f]",
		"Delete an API key of a service ID", true)
	return []*cobra.Command{create, list, del}
}

// resolveAPIKey finds an API key of owner by id (ApiKey-…) or by name.
func resolveAPIKey(ctx context.Context, cl *caller, arg, owner string) (*api.APIKey, error) {
	if strings.HasPrefix(arg, "ApiKey-") {
		return cl.c.APIKey(ctx, arg)
	}
	keys, err := cl.c.AllAPIKeys(ctx, client.ListAPIKeysOptions{AccountID: cl.AccountID, IAMID: owner})
	if err != nil {
		return nil, err
	}
	k, err := pick("API key", arg, keys, func(k api.APIKey) string { return k.Name }, func(k api.APIKey) string { return k.ID })
	return &k, err
}

func (a *app) listAPIKeys(ctx context.Context, cl *caller, owner string) error {
	keys, err := cl.c.AllAPIKeys(ctx, client.ListAPIKeysOptions{AccountID: cl.AccountID, IAMID: owner})
	if err != nil {
		return err
	}
	if a.jsonOutput() {
		return a.printJSON(nonNil(keys))
	}
	a.ok()
	t := newTable(a.env.Stdout, "Name", "ID", "Description", "Created At", "Locked", "Disabled")
	for _, k := range keys {
		t.row(k.Name, k.ID, k.Description, k.CreatedAt, boolStr(k.Locked), boolStr(k.Disabled))
	}
	return t.flush()
}

// printNewAPIKey shows a created key, whose value is shown only now, or
// saves it to file.
func (a *app) printNewAPIKey(k *api.APIKey, file string) error {
	if file != "" {
		b, err := json.MarshalIndent(k, "", "  ")
		if err != nil {
			return err
		}
		if err := writeFileAtomic(file, append(b, '\n')); err != nil {
			return fmt.Errorf("saving the API key: %w", err)
		}
		a.ok()
		a.progress("API key %s was created and saved to %s.", k.Name, file)
		return nil
	}
	if a.jsonOutput() {
		return a.printJSON(k)
	}
	a.ok()
	fmt.Fprintf(a.env.Stderr, "Please preserve the API key! It cannot be retrieved after it's created.\n\n")
	return printKV(a.env.Stdout, "ID", k.ID, "Name", k.Name, "Description", k.Description,
		"Created At", k.CreatedAt, "API Key", k.APIKey.Reveal(), "Locked", boolStr(k.Locked))
}

func (a *app) printAPIKey(k *api.APIKey) error {
	if a.jsonOutput() {
		return a.printJSON(k)
	}
	return printKV(a.env.Stdout, "ID", k.ID, "Name", k.Name, "Description", k.Description, "IAM ID", k.IAMID,
		"CRN", k.CRN, "Created At", k.CreatedAt, "Modified At", k.ModifiedAt, "Locked", boolStr(k.Locked),
		"Disabled", boolStr(k.Disabled))
}

// nonNil makes an empty list print as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
