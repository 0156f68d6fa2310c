package cli

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/client"
)

// accessGroupCommands are the access-group commands (IBM CLI spelling).
func (a *app) accessGroupCommands() []*cobra.Command {
	var desc string
	create := &cobra.Command{
		Use: "access-group-create NAME [-d DESCRIPTION]", Short: "Create an access group", Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := a.caller(cmd.Context())
			if err != nil {
				return err
			}
			a.progress("Creating access group %s under account %s as %s...", args[0], cl.AccountID, cl.IAMID)
			g, err := cl.c.CreateAccessGroup(cmd.Context(), cl.AccountID, api.CreateAccessGroupRequest{Name: args[0], Description: desc})
			if err != nil {
				return err
			}
			a.ok()
			return a.printAccessGroup(g)
		},
	}
	create.Flags().StringVarP(&desc, "description", "d", "", "description of the access group")
	list := &cobra.Command{
		Use: "access-groups", Short: "List the access groups of the account", Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := a.caller(cmd.Context())
			if err != nil {
				return err
			}
			a.progress("Getting access groups under account %s as %s...", cl.AccountID, cl.IAMID)
			gs, err := cl.c.AllAccessGroups(cmd.Context(), client.ListAccessGroupsOptions{AccountID: cl.AccountID})
			if err != nil {
				return err
			}
			if a.jsonOutput() {
				return a.printJSON(nonNil(gs))
			}
			a.ok()
			t := newTable(a.env.Stdout, "Name", "ID", "Description")
			for _, g := range gs {
				t.row(g.Name, g.ID, g.Description)
			}
			return t.flush()
		},
	}
	show := &cobra.Command{
		Use: "access-group NAME|ID", Short: "Show an access group", Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, g, err := a.groupArg(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return a.printAccessGroup(g)
		},
	}
	cmds := []*cobra.Command{create, list, show, a.groupDeleteCommand(), a.groupMembersCommand()}
	for _, kind := range []string{"user", "service-id", "profile"} {
		cmds = append(cmds, a.groupMemberCommand(kind, true), a.groupMemberCommand(kind, false))
	}
	return cmds
}

func (a *app) groupDeleteCommand() *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use: "access-group-delete NAME|ID [-f]", Short: "Delete an access group with its members and policies", Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, g, err := a.groupArg(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if ok, err := a.confirm(force, "Delete access group %s with its members and policies?", g.Name); !ok || err != nil {
				return err
			}
			a.progress("Deleting access group %s under account %s as %s...", g.Name, cl.AccountID, cl.IAMID)
			if err := cl.c.DeleteAccessGroup(cmd.Context(), g.ID, true); err != nil {
				return err
			}
			a.ok()
			return nil
		},
	}
	forceFlag(cmd, &force)
	return cmd
}

func (a *app) groupMembersCommand() *cobra.Command {
	return &cobra.Command{
		Use: "access-group-members NAME|ID", Short: "List the members of an access group", Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, g, err := a.groupArg(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			ms, err := cl.c.GroupMembers(cmd.Context(), g.ID)
			if err != nil {
				return err
			}
			if a.jsonOutput() {
				return a.printJSON(nonNil(ms))
			}
			t := newTable(a.env.Stdout, "IAM ID", "Type", "Added At")
			for _, m := range ms {
				t.row(m.IAMID, m.Type, m.CreatedAt)
			}
			return t.flush()
		},
	}
}

// groupMemberCommand is access-group-KIND-add or -remove (KIND user,
// service-id or profile).
func (a *app) groupMemberCommand(kind string, add bool) *cobra.Command {
	verb, noun := "add", map[string]string{"user": "USER", "service-id": "SERVICE_ID", "profile": "PROFILE"}[kind]
	if !add {
		verb = "remove"
	}
	return &cobra.Command{
		Use: "access-group-" + kind + "-" + verb + " GROUP " + noun + " [" + noun + "...]", Args: cobra.MinimumNArgs(2),
		Short: strings.ToUpper(verb[:1]) + verb[1:] + " " + strings.ReplaceAll(kind, "-", " ") + "s " + map[bool]string{true: "to", false: "from"}[add] + " an access group",
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			cl, g, err := a.groupArg(ctx, args[0])
			if err != nil {
				return err
			}
			var members []api.AddGroupMember
			for _, arg := range args[1:] {
				m, err := resolveMember(ctx, cl, kind, arg)
				if err != nil {
					return err
				}
				members = append(members, m)
			}
			a.progress("%sing %d member(s) %s access group %s as %s...", strings.TrimSuffix(strings.ToUpper(verb[:1])+verb[1:], "e"),
				len(members), map[bool]string{true: "to", false: "from"}[add], g.Name, cl.IAMID)
			if !add {
				for _, m := range members {
					if err := cl.c.RemoveGroupMember(ctx, g.ID, m.IAMID); err != nil {
						return err
					}
				}
				a.ok()
				return nil
			}
			res, err := cl.c.AddGroupMembers(ctx, g.ID, members...)
			if err != nil {
				return err
			}
			for _, r := range res.Members {
				if r.StatusCode >= 300 && len(r.Errors) > 0 {
					return api.Errorf(api.ErrInvalid, "%s: %s", r.IAMID, r.Errors[0].Message)
				}
			}
			a.ok()
			return nil
		},
	}
}

// resolveMember turns a user (name or iam_id), service ID (name or id) or
// trusted profile (name or id) into a group member.
func resolveMember(ctx context.Context, cl *caller, kind, arg string) (api.AddGroupMember, error) {
	switch kind {
	case "service-id":
		s, err := resolveServiceID(ctx, cl, arg)
		if err != nil {
			return api.AddGroupMember{}, err
		}
		return api.AddGroupMember{IAMID: s.IAMID, Type: api.MemberTypeService}, nil
	case "profile":
		p, err := resolveProfile(ctx, cl, arg)
		if err != nil {
			return api.AddGroupMember{}, err
		}
		return api.AddGroupMember{IAMID: p.IAMID, Type: api.MemberTypeProfile}, nil
	}
	users, err := allUsers(ctx, cl)
	if err != nil {
		return api.AddGroupMember{}, err
	}
	u, err := resolveUser(users, arg)
	return api.AddGroupMember{IAMID: u.IAMID, Type: api.MemberTypeUser}, err
}

// resolveProfile finds a trusted profile of the caller's account by id or name.
func resolveProfile(ctx context.Context, cl *caller, arg string) (*api.TrustedProfile, error) {
	if strings.HasPrefix(arg, "Profile-") {
		return cl.c.Profile(ctx, arg)
	}
	ps, err := cl.c.AllProfiles(ctx, client.ListOptions{AccountID: cl.AccountID, Name: arg})
	if err != nil {
		return nil, err
	}
	p, err := pick("trusted profile", arg, ps, func(p api.TrustedProfile) string { return p.Name },
		func(p api.TrustedProfile) string { return p.ID })
	return &p, err
}

// groupArg returns the caller and the access group arg names (id or name).
func (a *app) groupArg(ctx context.Context, arg string) (*caller, *api.AccessGroup, error) {
	cl, err := a.caller(ctx)
	if err != nil {
		return nil, nil, err
	}
	if strings.HasPrefix(arg, "AccessGroupId-") {
		g, err := cl.c.AccessGroup(ctx, arg)
		return cl, g, err
	}
	gs, err := cl.c.AllAccessGroups(ctx, client.ListAccessGroupsOptions{AccountID: cl.AccountID})
	if err != nil {
		return nil, nil, err
	}
	g, err := pick("access group", arg, gs, func(g api.AccessGroup) string { return g.Name }, func(g api.AccessGroup) string { return g.ID })
	return cl, &g, err
}

func (a *app) printAccessGroup(g *api.AccessGroup) error {
	if a.jsonOutput() {
		return a.printJSON(g)
	}
	return printKV(a.env.Stdout, "Name", g.Name, "ID", g.ID, "Description", g.Description, "Created At", g.CreatedAt)
}
