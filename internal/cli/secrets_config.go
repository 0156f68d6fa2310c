package cli

import (
	"context"
	"github.com/spf13/cobra"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/client"
)

// configCommands are the configuration commands. --config-type, where it
// is optional, picks among configurations of several types with one name.
func (s *smApp) configCommands() []*cobra.Command {
	return []*cobra.Command{s.configCreateCommand(), s.configsCommand(), s.configShowCommand(),
		s.configUpdateCommand(), s.configDeleteCommand(), s.configActionCommand()}
}

func (s *smApp) configCreateCommand() *cobra.Command {
	var proto string
	var p api.ConfigurationPrototype
	cmd := &cobra.Command{
		Use:   "configuration-create --config-type TYPE --name NAME [options] | --configuration-prototype JSON",
		Short: "Create a configuration (CA, DNS, certificate template, IAM or custom credentials engine)", Args: noArgs,
		Example: `  coffer sm configuration-create --config-type iam_credentials_configuration --name iam --iam-credentials-apikey KEY
  coffer sm configuration-create --configuration-prototype @root-ca.json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			req := p
			if proto != "" {
				req = api.ConfigurationPrototype{}
				if err := jsonFlag("configuration-prototype", proto, &req); err != nil {
					return err
				}
			} else if err := required(cmd, "config-type", "name"); err != nil {
				return err
			}
			c, raw, err := s.sm()
			if err != nil {
				return err
			}
			cfg, err := c.CreateConfiguration(cmd.Context(), req)
			if err != nil {
				return err
			}
			return s.show(raw, func() error { return s.printConfig(cfg) })
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&proto, "configuration-prototype", "", "the request body as JSON or @FILE")
	fs.StringVar(&p.ConfigType, "config-type", "", "configuration type, e.g. iam_credentials_configuration")
	fs.StringVar(&p.Name, "name", "", "name of the configuration")
	fs.StringVar((*string)(&p.APIKey), "iam-credentials-apikey", "", "API key of the IAM credentials engine")
	fs.StringVar(&p.LetsEncryptEnvironment, "public-cert-lets-encrypt-environment", "", "production or staging")
	fs.StringVar((*string)(&p.LetsEncryptPrivateKey), "public-cert-lets-encrypt-private-key", "", "PEM account key of Let's Encrypt")
	fs.StringVar(&p.LetsEncryptPreferredChain, "public-cert-lets-encrypt-preferred-chain", "", "preferred chain")
	fs.StringVar((*string)(&p.CloudInternetServicesAPIKey), "public-cert-cloud-internet-services-apikey", "", "API key of Cloud Internet Services")
	fs.StringVar(&p.CloudInternetServicesCRN, "public-cert-cloud-internet-services-crn", "", "CRN of Cloud Internet Services")
	fs.StringVar(&p.ClassicInfrastructureUsername, "public-cert-classic-infrastructure-username", "", "classic infrastructure username")
	fs.StringVar((*string)(&p.ClassicInfrastructurePassword), "public-cert-classic-infrastructure-password", "", "classic infrastructure password")
	fs.StringVar(&p.MaxTTL, "private-cert-max-ttl", "", "maximum TTL of certificates, e.g. 8760h")
	fs.StringVar(&p.CommonName, "certificate-common-name", "", "common name of the CA")
	fs.StringVar(&p.SigningMethod, "private-cert-signing-method", "", "internal or external (intermediate CA)")
	fs.StringVar(&p.Issuer, "private-cert-issuer", "", "issuing CA name (intermediate CA)")
	fs.StringVar(&p.CertificateAuthority, "private-cert-ca-name", "", "intermediate CA name (certificate template)")
	return cmd
}

func (s *smApp) configsCommand() *cobra.Command {
	var o client.ListConfigurationsOptions
	cmd := &cobra.Command{
		Use: "configurations [--offset N] [--limit N] [--sort FIELD] [--search TEXT] [--secret-types TYPES]", Args: noArgs,
		Short: "List the configurations of the instance",
		RunE: func(cmd *cobra.Command, args []string) error {
			c, raw, err := s.sm()
			if err != nil {
				return err
			}
			p, err := c.ListConfigurations(cmd.Context(), o)
			if err != nil {
				return err
			}
			return s.show(raw, func() error {
				t := newTable(s.env.Stdout, "Name", "Config Type", "Secret Type", "Updated At")
				for _, m := range p.Configurations {
					t.row(m.Name, m.ConfigType, m.SecretType, timeStr(m.UpdatedAt))
				}
				return t.flush()
			})
		},
	}
	cmd.Flags().Int64Var(&o.Offset, "offset", 0, "number of configurations to skip")
	cmd.Flags().Int64Var(&o.Limit, "limit", 0, "number of configurations to list (default 200)")
	cmd.Flags().StringVar(&o.Sort, "sort", "", "config_type, secret_type or name; prefix - for descending")
	cmd.Flags().StringVar(&o.Search, "search", "", "text to find in the name, config type or secret type")
	cmd.Flags().StringSliceVar(&o.SecretTypes, "secret-types", nil, "secret types, comma-separated")
	return cmd
}

// configNameFlags adds --name and --config-type.
func configNameFlags(cmd *cobra.Command, name, configType *string) {
	cmd.Flags().StringVar(name, "name", "", "name of the configuration")
	cmd.Flags().StringVar(configType, "config-type", "", "type of the configuration, when several share its name")
	cmd.Flags().StringVar(configType, "x-sm-accept-configuration-type", "", "same as --config-type")
}

func (s *smApp) configShowCommand() *cobra.Command {
	var name, typ string
	cmd := &cobra.Command{
		Use: "configuration --name NAME [--config-type TYPE]", Short: "Show a configuration", Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := required(cmd, "name"); err != nil {
				return err
			}
			c, raw, err := s.sm()
			if err != nil {
				return err
			}
			cfg, err := c.Configuration(cmd.Context(), name, typ)
			if err != nil {
				return err
			}
			return s.show(raw, func() error { return s.printConfig(cfg) })
		},
	}
	configNameFlags(cmd, &name, &typ)
	return cmd
}

func (s *smApp) configUpdateCommand() *cobra.Command {
	var name, typ, patchJSON string
	cmd := &cobra.Command{
		Use: "configuration-update --name NAME [--config-type TYPE] --configuration-patch JSON", Args: noArgs,
		Short: "Change a configuration with a merge-patch",
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := required(cmd, "name", "configuration-patch"); err != nil {
				return err
			}
			var p api.ConfigurationPatch
			if err := jsonFlag("configuration-patch", patchJSON, &p); err != nil {
				return err
			}
			c, raw, err := s.sm()
			if err != nil {
				return err
			}
			cfg, err := c.UpdateConfiguration(cmd.Context(), name, typ, p)
			if err != nil {
				return err
			}
			return s.show(raw, func() error { return s.printConfig(cfg) })
		},
	}
	configNameFlags(cmd, &name, &typ)
	cmd.Flags().StringVar(&patchJSON, "configuration-patch", "", "the merge-patch as JSON or @FILE")
	return cmd
}

func (s *smApp) configDeleteCommand() *cobra.Command {
	var name, typ string
	var force bool
	cmd := &cobra.Command{
		Use: "configuration-delete --name NAME [--config-type TYPE] [-f]", Short: "Delete a configuration", Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return s.removal(cmd, []string{"name"}, force, "Delete configuration "+name+"?",
				func(ctx context.Context, c *client.SecretsClient) error {
					return c.DeleteConfiguration(ctx, name, typ)
				})
		},
	}
	configNameFlags(cmd, &name, &typ)
	forceFlag(cmd, &force)
	return cmd
}

func (s *smApp) configActionCommand() *cobra.Command {
	var name, typ, proto string
	cmd := &cobra.Command{
		Use: "configuration-action-create --name NAME [--config-type TYPE] --config-action-prototype JSON", Args: noArgs,
		Short: "Run an action on a configuration (sign, set signed, revoke, rotate)",
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := required(cmd, "name", "config-action-prototype"); err != nil {
				return err
			}
			var req api.ConfigurationActionPrototype
			if err := jsonFlag("config-action-prototype", proto, &req); err != nil {
				return err
			}
			c, raw, err := s.sm()
			if err != nil {
				return err
			}
			res, err := c.CreateConfigurationAction(cmd.Context(), name, typ, req)
			if err != nil {
				return err
			}
			return s.show(raw, func() error { return printKV(s.env.Stdout, "Action", res.ActionType) })
		},
	}
	configNameFlags(cmd, &name, &typ)
	cmd.Flags().StringVar(&proto, "config-action-prototype", "", `the action as JSON or @FILE, e.g. {"action_type":"private_cert_configuration_action_rotate_crl"}`)
	return cmd
}

func (s *smApp) printConfig(c *api.Configuration) error {
	return printKV(s.env.Stdout, "Name", c.Name, "Config Type", c.ConfigType, "Secret Type", c.SecretType,
		"Status", c.Status, "Common Name", c.CommonName, "Created At", timeStr(c.CreatedAt), "Created By", c.CreatedBy,
		"Updated At", timeStr(c.UpdatedAt))
}
