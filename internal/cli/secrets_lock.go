package cli

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/client"
)

// lockCommands are the lock commands: on the current version of a secret
// (--id) or on one version (--secret-id and --id).
func (s *smApp) lockCommands() []*cobra.Command {
	return []*cobra.Command{s.secretsLocksCommand(), s.locksListCommand(false), s.locksListCommand(true),
		s.locksCreateCommand(false), s.locksCreateCommand(true), s.locksDeleteCommand(false), s.locksDeleteCommand(true)}
}

func (s *smApp) secretsLocksCommand() *cobra.Command {
	var o client.ListSecretsLocksOptions
	cmd := &cobra.Command{
		Use: "secrets-locks [--offset N] [--limit N] [--search TEXT] [--groups IDS]", Short: "List the locked secrets of the instance", Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, raw, err := s.sm()
			if err != nil {
				return err
			}
			p, err := c.ListSecretsLocks(cmd.Context(), o)
			if err != nil {
				return err
			}
			return s.show(raw, func() error {
				t := newTable(s.env.Stdout, "Secret ID", "Name", "Type", "Version", "Alias", "Locks")
				for _, l := range p.SecretsLocks {
					for _, v := range l.Versions {
						t.row(l.SecretID, l.SecretName, l.SecretType, v.VersionID, v.VersionAlias, strings.Join(v.Locks, ","))
					}
				}
				return t.flush()
			})
		},
	}
	cmd.Flags().Int64Var(&o.Offset, "offset", 0, "number of secrets to skip")
	cmd.Flags().Int64Var(&o.Limit, "limit", 0, "number of secrets to list")
	cmd.Flags().StringVar(&o.Search, "search", "", "text to find in lock names")
	cmd.Flags().StringSliceVar(&o.Groups, "groups", nil, "secret group IDs, comma-separated")
	return cmd
}

// lockTarget holds the secret and version flags of a lock command.
type lockTarget struct {
	version      bool
	secretID, id string
}

func newLockTarget(cmd *cobra.Command, version bool) *lockTarget {
	t := &lockTarget{version: version}
	if version {
		versionFlags(cmd, &t.secretID, &t.id)
	} else {
		cmd.Flags().StringVar(&t.id, "id", "", "ID of the secret")
	}
	return t
}

func (t *lockTarget) check(cmd *cobra.Command) error {
	if t.version {
		return required(cmd, "secret-id", "id")
	}
	return required(cmd, "id")
}

func lockUse(name string, version bool, rest string) string {
	if version {
		return strings.Replace(name, "secret-", "secret-version-", 1) + " --secret-id ID --id VERSION" + rest
	}
	return name + " --id ID" + rest
}

func (s *smApp) locksListCommand(version bool) *cobra.Command {
	var o client.ListLocksOptions
	var t *lockTarget
	cmd := &cobra.Command{
		Use: lockUse("secret-locks", version, " [--offset N] [--limit N] [--sort FIELD] [--search TEXT]"), Args: noArgs,
		Short: "List the locks of a secret (all versions) or of one version",
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := t.check(cmd); err != nil {
				return err
			}
			c, raw, err := s.sm()
			if err != nil {
				return err
			}
			var p *api.SecretLocksPage
			if version {
				p, err = c.ListSecretVersionLocks(cmd.Context(), t.secretID, t.id, o)
			} else {
				p, err = c.ListSecretLocks(cmd.Context(), t.id, o)
			}
			if err != nil {
				return err
			}
			return s.show(raw, func() error {
				tb := newTable(s.env.Stdout, "Name", "Version", "Alias", "Description", "Created At")
				for _, l := range p.Locks {
					tb.row(l.Name, l.SecretVersionID, l.SecretVersionAlias, l.Description, timeStr(l.CreatedAt))
				}
				return tb.flush()
			})
		},
	}
	t = newLockTarget(cmd, version)
	cmd.Flags().Int64Var(&o.Offset, "offset", 0, "number of locks to skip")
	cmd.Flags().Int64Var(&o.Limit, "limit", 0, "number of locks to list (default 25)")
	cmd.Flags().StringVar(&o.Sort, "sort", "", "created_at, updated_at or name; prefix - for descending")
	cmd.Flags().StringVar(&o.Search, "search", "", "text to find in lock names")
	return cmd
}

func (s *smApp) locksCreateCommand(version bool) *cobra.Command {
	var locksJSON, mode string
	var t *lockTarget
	cmd := &cobra.Command{
		Use:   lockUse("secret-locks-bulk-create", version, ` --locks JSON [--mode remove_previous|remove_previous_and_delete]`),
		Short: "Lock the current version of a secret, or one version", Args: noArgs,
		Example: `  coffer sm secret-locks-bulk-create --id ID --locks '[{"name":"app-1","description":"used by app 1"}]'`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := t.check(cmd); err != nil {
				return err
			}
			if err := required(cmd, "locks"); err != nil {
				return err
			}
			var locks []api.SecretLockPrototype
			if err := jsonFlag("locks", locksJSON, &locks); err != nil {
				return err
			}
			c, raw, err := s.sm()
			if err != nil {
				return err
			}
			var l *api.SecretLocks
			if version {
				l, err = c.CreateSecretVersionLocksBulk(cmd.Context(), t.secretID, t.id, locks, mode)
			} else {
				l, err = c.CreateSecretLocksBulk(cmd.Context(), t.id, locks, mode)
			}
			if err != nil {
				return err
			}
			return s.show(raw, func() error { return s.printLocks(l) })
		},
	}
	t = newLockTarget(cmd, version)
	cmd.Flags().StringVar(&locksJSON, "locks", "", `locks as a JSON array or @FILE: [{"name":..,"description":..,"attributes":{..}}]`)
	cmd.Flags().StringVar(&mode, "mode", "", "remove_previous or remove_previous_and_delete")
	return cmd
}

func (s *smApp) locksDeleteCommand(version bool) *cobra.Command {
	var names []string
	var t *lockTarget
	cmd := &cobra.Command{
		Use:   lockUse("secret-locks-bulk-delete", version, " [--name NAME1,NAME2]"),
		Short: "Remove locks (all of them without --name)", Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := t.check(cmd); err != nil {
				return err
			}
			c, raw, err := s.sm()
			if err != nil {
				return err
			}
			var l *api.SecretLocks
			if version {
				l, err = c.DeleteSecretVersionLocksBulk(cmd.Context(), t.secretID, t.id, names)
			} else {
				l, err = c.DeleteSecretLocksBulk(cmd.Context(), t.id, names)
			}
			if err != nil {
				return err
			}
			return s.show(raw, func() error { return s.printLocks(l) })
		},
	}
	t = newLockTarget(cmd, version)
	cmd.Flags().StringSliceVar(&names, "name", nil, "names of the locks to remove, comma-separated")
	return cmd
}

func (s *smApp) printLocks(l *api.SecretLocks) error {
	t := newTable(s.env.Stdout, "Secret ID", "Version", "Alias", "Locks", "Payload Available")
	for _, v := range l.Versions {
		avail := ""
		if v.PayloadAvailable != nil {
			avail = boolStr(*v.PayloadAvailable)
		}
		t.row(l.SecretID, v.VersionID, v.VersionAlias, strings.Join(v.Locks, ","), avail)
	}
	return t.flush()
}
