package cli

import (
	"context"
	"github.com/spf13/cobra"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/client"
)

// versionCommands are the secret version commands. A version is a UUID or
// the alias current or previous.
func (s *smApp) versionCommands() []*cobra.Command {
	return []*cobra.Command{s.versionCreateCommand(), s.versionsCommand(), s.versionShowCommand(),
		s.versionMetadataCommand(), s.versionMetadataUpdateCommand(), s.versionDataDeleteCommand(),
		s.versionActionCommand()}
}

// secretIDFlag adds --secret-id, with --id as a synonym when the command
// has no version --id.
func secretIDFlag(cmd *cobra.Command, id *string, idSynonym bool) {
	cmd.Flags().StringVar(id, "secret-id", "", "ID of the secret")
	if idSynonym {
		cmd.Flags().StringVar(id, "id", "", "same as --secret-id")
	}
}

// versionFlags adds --secret-id and the version's --id.
func versionFlags(cmd *cobra.Command, secretID, id *string) {
	secretIDFlag(cmd, secretID, false)
	cmd.Flags().StringVar(id, "id", "", "ID of the version, or current or previous")
}

// needSecretID checks that --secret-id (or its synonym --id) was given.
func needSecretID(cmd *cobra.Command) error {
	if anyChanged(cmd, "secret-id", "id") {
		return nil
	}
	return required(cmd, "secret-id")
}

type versionCreateFlags struct {
	proto, payload, kvData, password, cert, key, intermediate, csr string
	custom, versionCustom, restore, rotation                       string
}

func (f *versionCreateFlags) prototype(cmd *cobra.Command) (api.SecretVersionPrototype, error) {
	var p api.SecretVersionPrototype
	if f.proto != "" {
		return p, jsonFlag("secret-version-prototype", f.proto, &p)
	}
	p = api.SecretVersionPrototype{Payload: api.SecretString(f.payload), Password: api.SecretString(f.password),
		RestoreFromVersion: f.restore}
	var err error
	for _, x := range []struct {
		flag, v string
		dst     *api.SecretString
	}{{"imported-cert-certificate", f.cert, &p.Certificate}, {"imported-cert-private-key", f.key, &p.PrivateKey},
		{"imported-cert-intermediate", f.intermediate, &p.Intermediate}} {
		v, err := fileOrValue(x.flag, x.v)
		if err != nil {
			return p, err
		}
		*x.dst = api.SecretString(v)
	}
	if p.CSR, err = fileOrValue("private-cert-csr", f.csr); err != nil {
		return p, err
	}
	if f.kvData != "" {
		raw, err := jsonObjectFlag("kv-data", f.kvData)
		if err != nil {
			return p, err
		}
		p.Data = api.SecretJSON(raw)
	}
	if f.custom != "" {
		if p.CustomMetadata, err = metadataFlag("secret-version-custom-metadata", f.custom); err != nil {
			return p, err
		}
	}
	if f.versionCustom != "" {
		if p.VersionCustomMetadata, err = metadataFlag("secret-version-version-custom-metadata", f.versionCustom); err != nil {
			return p, err
		}
	}
	if f.rotation != "" {
		return p, jsonFlag("public-cert-rotation", f.rotation, &p.Rotation)
	}
	return p, nil
}

func (s *smApp) versionCreateCommand() *cobra.Command {
	var secretID string
	var f versionCreateFlags
	cmd := &cobra.Command{
		Use:   "secret-version-create --secret-id ID [--arbitrary-payload V | --kv-data JSON | --username-password-password P | ...] | --secret-version-prototype JSON",
		Short: "Create a new version of a secret (rotate it)", Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := needSecretID(cmd); err != nil {
				return err
			}
			p, err := f.prototype(cmd)
			if err != nil {
				return err
			}
			c, raw, err := s.sm()
			if err != nil {
				return err
			}
			v, err := c.CreateSecretVersion(cmd.Context(), secretID, p)
			if err != nil {
				return err
			}
			return s.show(raw, func() error { return s.printVersion(v) })
		},
	}
	secretIDFlag(cmd, &secretID, true)
	fs := cmd.Flags()
	fs.StringVar(&f.proto, "secret-version-prototype", "", "the request body as JSON or @FILE")
	fs.StringVar(&f.payload, "arbitrary-payload", "", "new payload (arbitrary)")
	fs.StringVar(&f.kvData, "kv-data", "", "new data (kv): a JSON object or @FILE")
	fs.StringVar(&f.password, "username-password-password", "", "new password (username_password; default: generated)")
	fs.StringVar(&f.cert, "imported-cert-certificate", "", "new PEM certificate or @FILE (imported_cert)")
	fs.StringVar(&f.key, "imported-cert-private-key", "", "new PEM private key or @FILE (imported_cert)")
	fs.StringVar(&f.intermediate, "imported-cert-intermediate", "", "new PEM intermediate or @FILE (imported_cert)")
	fs.StringVar(&f.csr, "private-cert-csr", "", "PEM CSR or @FILE (private_cert)")
	fs.StringVar(&f.custom, "secret-version-custom-metadata", "", "new custom metadata of the secret: a JSON object or @FILE")
	fs.StringVar(&f.versionCustom, "secret-version-version-custom-metadata", "", "custom metadata of the new version: a JSON object or @FILE")
	fs.StringVar(&f.restore, "secret-version-restore-from-version", "", "version to restore (iam_credentials)")
	fs.StringVar(&f.rotation, "public-cert-rotation", "", `{"rotate_keys":true} (public_cert)`)
	return cmd
}

func (s *smApp) versionsCommand() *cobra.Command {
	var secretID string
	cmd := &cobra.Command{
		Use: "secret-versions --secret-id ID", Short: "List the versions of a secret", Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := needSecretID(cmd); err != nil {
				return err
			}
			c, raw, err := s.sm()
			if err != nil {
				return err
			}
			l, err := c.ListSecretVersions(cmd.Context(), secretID)
			if err != nil {
				return err
			}
			return s.show(raw, func() error {
				t := newTable(s.env.Stdout, "ID", "Alias", "Created At", "Payload Available", "Auto Rotated", "Expiration")
				for _, v := range l.Versions {
					t.row(v.ID, v.Alias, timeStr(v.CreatedAt), boolStr(v.PayloadAvailable), boolStr(v.AutoRotated), timeStr(v.ExpirationDate))
				}
				return t.flush()
			})
		},
	}
	secretIDFlag(cmd, &secretID, true)
	return cmd
}

func (s *smApp) versionShowCommand() *cobra.Command {
	var secretID, id string
	cmd := &cobra.Command{
		Use: "secret-version --secret-id ID --id VERSION", Short: "Show a version of a secret with its data", Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := required(cmd, "secret-id", "id"); err != nil {
				return err
			}
			c, raw, err := s.sm()
			if err != nil {
				return err
			}
			v, err := c.SecretVersion(cmd.Context(), secretID, id)
			if err != nil {
				return err
			}
			return s.show(raw, func() error { return s.printVersion(v) })
		},
	}
	versionFlags(cmd, &secretID, &id)
	return cmd
}

func (s *smApp) versionMetadataCommand() *cobra.Command {
	var secretID, id string
	cmd := &cobra.Command{
		Use: "secret-version-metadata --secret-id ID --id VERSION", Short: "Show a version's metadata", Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := required(cmd, "secret-id", "id"); err != nil {
				return err
			}
			c, raw, err := s.sm()
			if err != nil {
				return err
			}
			m, err := c.SecretVersionMetadata(cmd.Context(), secretID, id)
			if err != nil {
				return err
			}
			return s.show(raw, func() error { return s.printVersion(&api.SecretVersion{SecretVersionMetadata: *m}) })
		},
	}
	versionFlags(cmd, &secretID, &id)
	return cmd
}

func (s *smApp) versionMetadataUpdateCommand() *cobra.Command {
	var secretID, id, custom, patchJSON string
	cmd := &cobra.Command{
		Use:   "secret-version-metadata-update --secret-id ID --id VERSION --version-custom-metadata JSON | --secret-version-metadata-patch JSON",
		Short: "Change a version's custom metadata", Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := required(cmd, "secret-id", "id"); err != nil {
				return err
			}
			var p api.SecretVersionMetadataPatch
			var err error
			switch {
			case patchJSON != "":
				err = jsonFlag("secret-version-metadata-patch", patchJSON, &p)
			case custom != "":
				p.VersionCustomMetadata, err = metadataFlag("version-custom-metadata", custom)
			default:
				err = required(cmd, "version-custom-metadata")
			}
			if err != nil {
				return err
			}
			c, raw, err := s.sm()
			if err != nil {
				return err
			}
			m, err := c.UpdateSecretVersionMetadata(cmd.Context(), secretID, id, p)
			if err != nil {
				return err
			}
			return s.show(raw, func() error { return s.printVersion(&api.SecretVersion{SecretVersionMetadata: *m}) })
		},
	}
	versionFlags(cmd, &secretID, &id)
	cmd.Flags().StringVar(&custom, "version-custom-metadata", "", "new custom metadata of the version: a JSON object or @FILE")
	cmd.Flags().StringVar(&patchJSON, "secret-version-metadata-patch", "", "the merge-patch as JSON or @FILE")
	return cmd
}

func (s *smApp) versionDataDeleteCommand() *cobra.Command {
	var secretID, id string
	var force bool
	cmd := &cobra.Command{
		Use:   "secret-version-data-delete --secret-id ID --id VERSION [-f]",
		Short: "Delete the data of a version (iam_credentials, custom_credentials)", Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return s.removal(cmd, []string{"secret-id", "id"}, force, "Delete the data of version "+id+" of secret "+secretID+"?",
				func(ctx context.Context, c *client.SecretsClient) error {
					return c.DeleteSecretVersionData(ctx, secretID, id)
				})
		},
	}
	versionFlags(cmd, &secretID, &id)
	forceFlag(cmd, &force)
	return cmd
}

func (s *smApp) versionActionCommand() *cobra.Command {
	var secretID, id, typ, proto string
	cmd := &cobra.Command{
		Use:   "secret-version-action-create --secret-id ID --id VERSION --secret-version-action-type TYPE | --secret-version-action-prototype JSON",
		Short: "Run an action on a version (revoke a private certificate)", Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := required(cmd, "secret-id", "id"); err != nil {
				return err
			}
			req := api.SecretActionPrototype{ActionType: typ}
			if proto != "" {
				if err := jsonFlag("secret-version-action-prototype", proto, &req); err != nil {
					return err
				}
			} else if err := required(cmd, "secret-version-action-type"); err != nil {
				return err
			}
			c, raw, err := s.sm()
			if err != nil {
				return err
			}
			res, err := c.CreateSecretVersionAction(cmd.Context(), secretID, id, req)
			if err != nil {
				return err
			}
			return s.show(raw, func() error { return printKV(s.env.Stdout, "Action", res.ActionType) })
		},
	}
	versionFlags(cmd, &secretID, &id)
	cmd.Flags().StringVar(&typ, "secret-version-action-type", "", "private_cert_action_revoke_certificate")
	cmd.Flags().StringVar(&proto, "secret-version-action-prototype", "", "the request body as JSON or @FILE")
	return cmd
}

// printVersion prints a version's metadata and, when present, its data.
func (s *smApp) printVersion(v *api.SecretVersion) error {
	m := v.SecretVersionMetadata
	pairs := []string{"ID", m.ID, "Alias", m.Alias, "Secret ID", m.SecretID, "Secret Name", m.SecretName,
		"Type", m.SecretType, "Group", m.SecretGroupID, "Created At", timeStr(m.CreatedAt), "Created By", m.CreatedBy,
		"Payload Available", boolStr(m.PayloadAvailable), "Downloaded", boolStr(m.Downloaded),
		"Auto Rotated", boolStr(m.AutoRotated), "Expiration", timeStr(m.ExpirationDate),
		"Version Custom Metadata", mapStr(m.VersionCustomMetadata)}
	return printKV(s.env.Stdout, append(pairs, dataPairs(v.SecretData)...)...)
}
