package cli

import (
	"context"
	"github.com/spf13/cobra"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/client"
)

// groupCommands are the secret group commands.
func (s *smApp) groupCommands() []*cobra.Command {
	var name, desc string
	create := &cobra.Command{
		Use: "secret-group-create --name NAME [--description TEXT]", Short: "Create a secret group", Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := required(cmd, "name"); err != nil {
				return err
			}
			c, raw, err := s.sm()
			if err != nil {
				return err
			}
			g, err := c.CreateSecretGroup(cmd.Context(), api.SecretGroupPrototype{Name: name, Description: desc})
			if err != nil {
				return err
			}
			return s.show(raw, func() error { return s.printGroup(g) })
		},
	}
	create.Flags().StringVar(&name, "name", "", "name of the group")
	create.Flags().StringVar(&desc, "description", "", "description of the group")
	list := &cobra.Command{
		Use: "secret-groups", Short: "List the secret groups of the instance", Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, raw, err := s.sm()
			if err != nil {
				return err
			}
			l, err := c.ListSecretGroups(cmd.Context())
			if err != nil {
				return err
			}
			return s.show(raw, func() error {
				t := newTable(s.env.Stdout, "ID", "Name", "Description", "Created At", "Updated At")
				for _, g := range l.SecretGroups {
					t.row(g.ID, g.Name, g.Description, timeStr(g.CreatedAt), timeStr(g.UpdatedAt))
				}
				return t.flush()
			})
		},
	}
	return []*cobra.Command{create, list, s.groupShowCommand(), s.groupUpdateCommand(), s.groupDeleteCommand()}
}

func (s *smApp) groupShowCommand() *cobra.Command {
	var id string
	cmd := &cobra.Command{
		Use: "secret-group --id ID", Short: "Show a secret group", Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !anyChanged(cmd, "id", "secret-group-id") {
				return required(cmd, "id")
			}
			c, raw, err := s.sm()
			if err != nil {
				return err
			}
			g, err := c.SecretGroup(cmd.Context(), id)
			if err != nil {
				return err
			}
			return s.show(raw, func() error { return s.printGroup(g) })
		},
	}
	cmd.Flags().StringVar(&id, "id", "", "ID of the group (default for the default group)")
	cmd.Flags().StringVar(&id, "secret-group-id", "", "same as --id")
	return cmd
}

func (s *smApp) groupUpdateCommand() *cobra.Command {
	var id, name, desc, patchJSON string
	cmd := &cobra.Command{
		Use:   "secret-group-update --id ID [--name NAME] [--description TEXT] | --secret-group-patch JSON",
		Short: "Change a secret group's name or description", Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := required(cmd, "id"); err != nil {
				return err
			}
			var p api.SecretGroupPatch
			if patchJSON != "" {
				if err := jsonFlag("secret-group-patch", patchJSON, &p); err != nil {
					return err
				}
			}
			if cmd.Flags().Changed("name") {
				p.Name = &name
			}
			if cmd.Flags().Changed("description") {
				p.Description = &desc
			}
			c, raw, err := s.sm()
			if err != nil {
				return err
			}
			g, err := c.UpdateSecretGroup(cmd.Context(), id, p)
			if err != nil {
				return err
			}
			return s.show(raw, func() error { return s.printGroup(g) })
		},
	}
	cmd.Flags().StringVar(&id, "id", "", "ID of the group")
	cmd.Flags().StringVar(&name, "name", "", "new name")
	cmd.Flags().StringVar(&desc, "description", "", "new description")
	cmd.Flags().StringVar(&patchJSON, "secret-group-patch", "", "the merge-patch as JSON or @FILE")
	return cmd
}

func (s *smApp) groupDeleteCommand() *cobra.Command {
	var id string
	var force bool
	cmd := &cobra.Command{
		Use: "secret-group-delete --id ID [-f]", Short: "Delete an empty secret group", Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return s.removal(cmd, []string{"id"}, force, "Delete secret group "+id+"?",
				func(ctx context.Context, c *client.SecretsClient) error {
					return c.DeleteSecretGroup(ctx, id)
				})
		},
	}
	cmd.Flags().StringVar(&id, "id", "", "ID of the group")
	forceFlag(cmd, &force)
	return cmd
}

func (s *smApp) printGroup(g *api.SecretGroup) error {
	return printKV(s.env.Stdout, "ID", g.ID, "Name", g.Name, "Description", g.Description,
		"Created At", timeStr(g.CreatedAt), "Created By", g.CreatedBy, "Updated At", timeStr(g.UpdatedAt))
}
