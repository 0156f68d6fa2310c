package cli

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/cofferhq/coffer/api"
)

// secretMetadataUpdateCommand is secret-metadata-update: a merge-patch of
// the options given (or of --secret-metadata-patch).
func (s *smApp) secretMetadataUpdateCommand() *cobra.Command {
	var id, name, desc, custom, expiration, ttl, rotation, policy, patchJSON string
	var labels []string
	cmd := &cobra.Command{
		Use: "secret-metadata-update --id ID [--name NAME] [--description TEXT] [--labels L1,L2] [--custom-metadata JSON] " +
			"[--expiration-date DATE] [--ttl TTL] [--rotation JSON] [--password-generation-policy JSON] | --secret-metadata-patch JSON",
		Short: "Change a secret's metadata", Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := required(cmd, "id"); err != nil {
				return err
			}
			var p api.SecretMetadataPatch
			if patchJSON != "" {
				if err := jsonFlag("secret-metadata-patch", patchJSON, &p); err != nil {
					return err
				}
			}
			if anyChanged(cmd, "name", "secret-name") {
				p.Name = &name
			}
			if cmd.Flags().Changed("description") {
				p.Description = &desc
			}
			if cmd.Flags().Changed("labels") {
				p.Labels = append([]string{}, labels...)
			}
			if cmd.Flags().Changed("ttl") {
				p.TTL = &ttl
			}
			if err := metadataPatchObjects(&p, custom, expiration, rotation, policy); err != nil {
				return err
			}
			c, raw, err := s.sm()
			if err != nil {
				return err
			}
			m, err := c.UpdateSecretMetadata(cmd.Context(), id, p)
			if err != nil {
				return err
			}
			return s.show(raw, func() error { return s.printSecret(&api.Secret{SecretMetadata: *m}) })
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&id, "id", "", "ID of the secret")
	fs.StringVar(&name, "name", "", "new name")
	fs.StringVar(&name, "secret-name", "", "same as --name")
	fs.StringVar(&desc, "description", "", "new description")
	fs.StringSliceVar(&labels, "labels", nil, "new labels, comma-separated (replace the old ones)")
	fs.StringVar(&custom, "custom-metadata", "", "new custom metadata: a JSON object or @FILE")
	fs.StringVar(&expiration, "expiration-date", "", "new expiration date, RFC 3339")
	fs.StringVar(&ttl, "ttl", "", "new time to live of generated credentials")
	fs.StringVar(&rotation, "rotation", "", `new rotation policy as JSON, e.g. {"auto_rotate":true,"interval":1,"unit":"month"}`)
	fs.StringVar(&policy, "password-generation-policy", "", "password generation policy changes as JSON")
	fs.StringVar(&patchJSON, "secret-metadata-patch", "", "the merge-patch as JSON or @FILE")
	return cmd
}

// metadataPatchObjects decodes the JSON and date options of a metadata
// patch into p.
func metadataPatchObjects(p *api.SecretMetadataPatch, custom, expiration, rotation, policy string) error {
	var err error
	if custom != "" {
		if p.CustomMetadata, err = metadataFlag("custom-metadata", custom); err != nil {
			return err
		}
	}
	if expiration != "" {
		t, err := time.Parse(time.RFC3339Nano, expiration)
		if err != nil {
			return usagef("--expiration-date: %q is not an RFC 3339 date-time", expiration)
		}
		st := api.NewSecretsTime(t)
		p.ExpirationDate = &st
	}
	if rotation != "" {
		if err := jsonFlag("rotation", rotation, &p.Rotation); err != nil {
			return err
		}
	}
	if policy != "" {
		return jsonFlag("password-generation-policy", policy, &p.PasswordGenerationPolicy)
	}
	return nil
}
