package cli

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/client"
)

// profileCommands are the trusted-profile commands on profiles themselves.
func (a *app) profileCommands() []*cobra.Command {
	var desc string
	create := &cobra.Command{
		Use: "trusted-profile-create NAME [-d, --description DESCRIPTION]", Short: "Create a trusted profile",
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := a.caller(cmd.Context())
			if err != nil {
				return err
			}
			a.progress("Creating trusted profile %s in account %s as %s...", args[0], cl.AccountID, cl.IAMID)
			p, err := cl.c.CreateProfile(cmd.Context(), api.CreateProfileRequest{Name: args[0], AccountID: cl.AccountID, Description: desc})
			if err != nil {
				return err
			}
			a.ok()
			return a.printProfile(p)
		},
	}
	create.Flags().StringVarP(&desc, "description", "d", "", "description of the trusted profile")
	list := &cobra.Command{
		Use: "trusted-profiles", Short: "List the trusted profiles of the account", Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := a.caller(cmd.Context())
			if err != nil {
				return err
			}
			a.progress("Getting all trusted profiles in account %s as %s...", cl.AccountID, cl.IAMID)
			ps, err := cl.c.AllProfiles(cmd.Context(), client.ListOptions{AccountID: cl.AccountID})
			if err != nil {
				return err
			}
			if a.jsonOutput() {
				return a.printJSON(nonNil(ps))
			}
			a.ok()
			t := newTable(a.env.Stdout, "Name", "ID", "Description", "Created At")
			for _, p := range ps {
				t.row(p.Name, p.ID, p.Description, p.CreatedAt)
			}
			return t.flush()
		},
	}
	show := &cobra.Command{
		Use: "trusted-profile NAME|ID", Short: "Show a trusted profile", Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, p, err := a.profileArg(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return a.printProfile(p)
		},
	}
	return []*cobra.Command{create, list, show, a.profileUpdateCommand(), a.profileDeleteCommand()}
}

func (a *app) profileUpdateCommand() *cobra.Command {
	var name, desc string
	cmd := &cobra.Command{
		Use: "trusted-profile-update NAME|ID [--name NEW_NAME] [-d DESCRIPTION]", Short: "Change a trusted profile's name or description",
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, p, err := a.profileArg(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			var req api.UpdateProfileRequest
			if cmd.Flags().Changed("name") {
				req.Name = &name
			}
			if cmd.Flags().Changed("description") {
				req.Description = &desc
			}
			a.progress("Updating trusted profile %s as %s...", p.Name, cl.IAMID)
			if p, err = cl.c.UpdateProfile(cmd.Context(), p.ID, p.EntityTag, req); err != nil {
				return err
			}
			a.ok()
			return a.printProfile(p)
		},
	}
	cmd.Flags().StringVarP(&name, "name", "n", "", "new name")
	cmd.Flags().StringVarP(&desc, "description", "d", "", `new description ("" clears it)`)
	return cmd
}

func (a *app) profileDeleteCommand() *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use: "trusted-profile-delete NAME|ID [-f]", Short: "Delete a trusted profile with its rules, links and identities",
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, p, err := a.profileArg(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if ok, err := a.confirm(force, "Delete trusted profile %s (%s)?", p.Name, p.ID); !ok {
				return err
			}
			a.progress("Deleting trusted profile %s as %s...", p.Name, cl.IAMID)
			if err := cl.c.DeleteProfile(cmd.Context(), p.ID); err != nil {
				return err
			}
			a.ok()
			return nil
		},
	}
	forceFlag(cmd, &force)
	return cmd
}

// profileArg returns the caller and the profile arg names (id or name).
func (a *app) profileArg(ctx context.Context, arg string) (*caller, *api.TrustedProfile, error) {
	cl, err := a.caller(ctx)
	if err != nil {
		return nil, nil, err
	}
	if strings.HasPrefix(arg, "Profile-") {
		p, err := cl.c.Profile(ctx, arg)
		return cl, p, err
	}
	ps, err := cl.c.AllProfiles(ctx, client.ListOptions{AccountID: cl.AccountID, Name: arg})
	if err != nil {
		return nil, nil, err
	}
	p, err := pick("trusted profile", arg, ps, func(p api.TrustedProfile) string { return p.Name },
		func(p api.TrustedProfile) string { return p.ID })
	return cl, &p, err
}

func (a *app) printProfile(p *api.TrustedProfile) error {
	if a.jsonOutput() {
		return a.printJSON(p)
	}
	return printKV(a.env.Stdout, "Name", p.Name, "ID", p.ID, "IAM ID", p.IAMID, "Description", p.Description,
		"CRN", p.CRN, "Version", p.EntityTag, "Created At", p.CreatedAt, "Modified At", p.ModifiedAt)
}

// profileIdentityCommands manage the identities a profile trusts.
func (a *app) profileIdentityCommands() []*cobra.Command {
	var idType, identifier, desc string
	set := &cobra.Command{
		Use:     "trusted-profile-identity-set PROFILE --id-type serviceid|user|crn --identifier ID [--description D]",
		Aliases: []string{"trusted-profile-identity-create"},
		Short:   "Let an identity (service ID, user or CRN) assume a trusted profile", Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, p, err := a.profileArg(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			req, err := identityRequest(cmd.Context(), cl, idType, identifier, desc)
			if err != nil {
				return err
			}
			a.progress("Adding %s %s to trusted profile %s as %s...", req.Type, req.Identifier, p.Name, cl.IAMID)
			id, err := cl.c.AddProfileIdentity(cmd.Context(), p.ID, req.Type, req)
			if err != nil {
				return err
			}
			if a.jsonOutput() {
				return a.printJSON(id)
			}
			a.ok()
			return printKV(a.env.Stdout, "IAM ID", id.IAMID, "Identifier", id.Identifier, "Type", id.Type, "Description", id.Description)
		},
	}
	identityFlags(set, &idType, &identifier)
	set.Flags().StringVarP(&desc, "description", "d", "", "description of the identity")
	list := &cobra.Command{
		Use: "trusted-profile-identities PROFILE", Short: "List the identities that may assume a trusted profile",
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, p, err := a.profileArg(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			res, err := cl.c.ProfileIdentities(cmd.Context(), p.ID)
			if err != nil {
				return err
			}
			if a.jsonOutput() {
				return a.printJSON(nonNil(res.Identities))
			}
			t := newTable(a.env.Stdout, "Type", "Identifier", "IAM ID", "Description")
			for _, id := range res.Identities {
				t.row(id.Type, id.Identifier, id.IAMID, id.Description)
			}
			return t.flush()
		},
	}
	return []*cobra.Command{set, list, a.profileIdentityDeleteCommand()}
}

func (a *app) profileIdentityDeleteCommand() *cobra.Command {
	var idType, identifier string
	var force bool
	cmd := &cobra.Command{
		Use:   "trusted-profile-identity-delete PROFILE --id-type serviceid|user|crn --identifier ID [-f]",
		Short: "Stop letting an identity assume a trusted profile", Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, p, err := a.profileArg(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			req, err := identityRequest(cmd.Context(), cl, idType, identifier, "")
			if err != nil {
				return err
			}
			if ok, err := a.confirm(force, "Delete %s %s from trusted profile %s?", req.Type, req.Identifier, p.Name); !ok {
				return err
			}
			a.progress("Removing %s %s from trusted profile %s as %s...", req.Type, req.Identifier, p.Name, cl.IAMID)
			if err := cl.c.DeleteProfileIdentity(cmd.Context(), p.ID, req.Type, req.Identifier); err != nil {
				return err
			}
			a.ok()
			return nil
		},
	}
	identityFlags(cmd, &idType, &identifier)
	forceFlag(cmd, &force)
	return cmd
}

func identityFlags(cmd *cobra.Command, idType, identifier *string) {
	cmd.Flags().StringVar(idType, "id-type", "", "type of the identity: serviceid, user or crn")
	cmd.Flags().StringVar(identifier, "identifier", "", "the service ID (name or ServiceId-…), user iam_id or CRN")
	cmd.Flags().StringVar(identifier, "id", "", "alias of --identifier (IBM's spelling)")
}

// identityRequest checks the identity flags and resolves a service ID name.
func identityRequest(ctx context.Context, cl *caller, idType, identifier, desc string) (api.ProfileIdentityRequest, error) {
	req := api.ProfileIdentityRequest{Type: strings.ToLower(idType), Identifier: identifier, Description: desc}
	switch req.Type {
	case api.ProfileIdentityServiceID, api.ProfileIdentityUser, api.ProfileIdentityCRN:
	default:
		return req, usagef("--id-type must be serviceid, user or crn, not %q", idType)
	}
	if identifier == "" {
		return req, usagef("give the identity with --identifier")
	}
	if req.Type == api.ProfileIdentityServiceID && !strings.HasPrefix(identifier, "ServiceId-") {
		s, err := resolveServiceID(ctx, cl, identifier)
		if err != nil {
			return req, err
		}
		req.Identifier = s.ID
	}
	if req.Type == api.ProfileIdentityUser {
		req.Accounts = []string{cl.AccountID}
	}
	return req, nil
}
