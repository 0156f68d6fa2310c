package cli

import (
	"context"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/client"
)

// secretCommands are the secret commands.
func (s *smApp) secretCommands() []*cobra.Command {
	return []*cobra.Command{s.secretCreateCommand(), s.secretsCommand(), s.secretShowCommand(),
		s.secretByNameCommand(), s.secretMetadataCommand(), s.secretMetadataUpdateCommand(),
		s.secretDeleteCommand(), s.secretActionCommand()}
}

// secretCreateFlags are the options of secret-create, named as in IBM's
// plug-in (the names the issue used are accepted too).
type secretCreateFlags struct {
	proto, typ, name, desc, group, expiration, ttl, payload       string
	custom, versionCustom, rotation, kvData, sourceService        string
	username, password, policy                                    string
	cert, key, intermediate                                       string
	template, commonName, ipSans, uriSans, csr, format, keyFormat string
	keyAlgorithm, ca, dns, ccConfig, ccParams, serviceID          string
	labels, accessGroups, altNames, otherSans                     []string
	reuse, excludeCN, bundle                                      bool
}

func (f *secretCreateFlags) register(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.StringVar(&f.proto, "secret-prototype", "", "the whole request body as JSON (or @FILE); excludes the other options")
	fs.StringVar(&f.typ, "secret-type", "", "secret type: "+strings.Join(api.SecretTypes, ", "))
	fs.StringVar(&f.name, "secret-name", "", "name of the secret")
	fs.StringVar(&f.desc, "secret-description", "", "description")
	fs.StringVar(&f.group, "secret-group-id", "", "secret group ID (default: the default group)")
	fs.StringSliceVar(&f.labels, "secret-labels", nil, "labels, comma-separated")
	fs.StringVar(&f.expiration, "secret-expiration-date", "", "expiration date, RFC 3339 (arbitrary, username_password)")
	fs.StringVar(&f.expiration, "expiration-date", "", "same as --secret-expiration-date")
	fs.StringVar(&f.custom, "secret-custom-metadata", "", "custom metadata: a JSON object or @FILE")
	fs.StringVar(&f.versionCustom, "secret-version-custom-metadata", "", "custom metadata of the first version: a JSON object or @FILE")
	fs.StringVar(&f.ttl, "secret-ttl", "", "time to live of generated credentials, e.g. 1d or 3600 (iam_credentials, service_credentials, custom_credentials)")
	fs.StringVar(&f.ttl, "iam-credentials-ttl", "", "same as --secret-ttl")
	fs.StringVar(&f.rotation, "secret-rotation", "", `rotation policy as JSON, e.g. {"auto_rotate":true,"interval":30,"unit":"day"}`)
	fs.StringVar(&f.payload, "arbitrary-payload", "", "payload of an arbitrary secret")
	fs.StringVar(&f.kvData, "kv-data", "", "data of a kv secret: a JSON object or @FILE")
	fs.StringVar(&f.username, "username-password-username", "", "username of a username_password secret")
	fs.StringVar(&f.password, "username-password-password", "", "password of a username_password secret (default: generated)")
	fs.StringVar(&f.policy, "username-password-policy", "", `password generation policy as JSON, e.g. {"length":32,"include_symbols":true}`)
	fs.StringVar(&f.cert, "imported-cert-certificate", "", "PEM certificate, or @FILE")
	fs.StringVar(&f.key, "imported-cert-private-key", "", "PEM private key, or @FILE")
	fs.StringVar(&f.intermediate, "imported-cert-intermediate", "", "PEM intermediate certificates, or @FILE")
	fs.StringSliceVar(&f.accessGroups, "iam-credentials-access-groups", nil, "access group IDs, comma-separated (iam_credentials)")
	fs.StringVar(&f.serviceID, "iam-credentials-service-id", "", "existing service ID to create API keys for (iam_credentials)")
	fs.BoolVar(&f.reuse, "iam-credentials-reuse-apikey", false, "reuse the API key on reads (iam_credentials; default false)")
	fs.BoolVar(&f.reuse, "iam-credentials-reuse-api-key", false, "same as --iam-credentials-reuse-apikey")
	fs.StringVar(&f.sourceService, "secret-source-service", "", "source_service of a service_credentials secret as JSON or @FILE")
	fs.StringVar(&f.template, "private-cert-template-name", "", "certificate template (private_cert)")
	fs.StringVar(&f.commonName, "certificate-common-name", "", "common name (private_cert, public_cert)")
	fs.StringSliceVar(&f.altNames, "certificate-alt-names", nil, "alternative names, comma-separated")
	fs.StringVar(&f.ipSans, "private-cert-ip-sans", "", "IP SANs, comma-separated")
	fs.StringVar(&f.uriSans, "private-cert-uri-sans", "", "URI SANs, comma-separated")
	fs.StringSliceVar(&f.otherSans, "private-cert-other-sans", nil, "other SANs")
	fs.StringVar(&f.csr, "private-cert-csr", "", "PEM CSR, or @FILE")
	fs.StringVar(&f.format, "private-cert-format", "", "pem or pem_bundle")
	fs.StringVar(&f.keyFormat, "private-cert-private-key-format", "", "der or pkcs8")
	fs.BoolVar(&f.excludeCN, "private-cert-exclude-cn-from-sans", false, "exclude the common name from the SANs")
	fs.StringVar(&f.keyAlgorithm, "public-cert-key-algorithm", "", "RSA2048, RSA4096, ECDSA256 or ECDSA384")
	fs.StringVar(&f.ca, "public-cert-ca", "", "CA configuration name (public_cert)")
	fs.StringVar(&f.dns, "public-cert-dns", "", "DNS configuration name (public_cert)")
	fs.BoolVar(&f.bundle, "public-cert-bundle-ca", true, "bundle the intermediate certificates (public_cert)")
	fs.StringVar(&f.ccConfig, "custom-credentials-configuration", "", "custom credentials configuration name (custom_credentials)")
	fs.StringVar(&f.ccParams, "custom-credentials-parameters", "", "parameters of a custom_credentials secret as JSON or @FILE")
}

// prototype builds the request body from the options.
func (f *secretCreateFlags) prototype(cmd *cobra.Command) (api.SecretPrototype, error) {
	var p api.SecretPrototype
	if cmd.Flags().Changed("secret-prototype") {
		if anyChanged(cmd, "secret-type", "secret-name", "secret-description", "secret-group-id", "secret-labels",
			"arbitrary-payload", "kv-data", "username-password-username", "imported-cert-certificate") {
			return p, usagef("--secret-prototype excludes the other options")
		}
		return p, jsonFlag("secret-prototype", f.proto, &p)
	}
	if err := required(cmd, "secret-type", "secret-name"); err != nil {
		return p, err
	}
	p = api.SecretPrototype{SecretType: f.typ, Name: f.name, Description: f.desc, SecretGroupID: f.group, Labels: f.labels,
		TTL: f.ttl, Payload: api.SecretString(f.payload), Username: f.username, Password: api.SecretString(f.password),
		AccessGroups: f.accessGroups, ServiceID: f.serviceID, CertificateTemplate: f.template, CommonName: f.commonName,
		AltNames: f.altNames, IPSans: f.ipSans, URISans: f.uriSans, OtherSans: f.otherSans, Format: f.format,
		PrivateKeyFormat: f.keyFormat, KeyAlgorithm: f.keyAlgorithm, CA: f.ca, DNS: f.dns, Configuration: f.ccConfig}
	if f.typ == api.SecretTypeIAMCredentials || anyChanged(cmd, "iam-credentials-reuse-apikey", "iam-credentials-reuse-api-key") {
		p.ReuseAPIKey = &f.reuse
	}
	if anyChanged(cmd, "private-cert-exclude-cn-from-sans") {
		p.ExcludeCNFromSans = &f.excludeCN
	}
	if anyChanged(cmd, "public-cert-bundle-ca") {
		p.BundleCerts = &f.bundle
	}
	if err := f.files(&p); err != nil {
		return p, err
	}
	return p, f.objects(&p)
}

// files reads the PEM options (a value or @FILE).
func (f *secretCreateFlags) files(p *api.SecretPrototype) error {
	for _, x := range []struct {
		flag, v string
		dst     *api.SecretString
	}{{"imported-cert-certificate", f.cert, &p.Certificate}, {"imported-cert-private-key", f.key, &p.PrivateKey},
		{"imported-cert-intermediate", f.intermediate, &p.Intermediate}} {
		v, err := fileOrValue(x.flag, x.v)
		if err != nil {
			return err
		}
		*x.dst = api.SecretString(v)
	}
	csr, err := fileOrValue("private-cert-csr", f.csr)
	p.CSR = csr
	return err
}

// objects decodes the JSON options.
func (f *secretCreateFlags) objects(p *api.SecretPrototype) error {
	var err error
	if f.expiration != "" {
		t, perr := time.Parse(time.RFC3339Nano, f.expiration)
		if perr != nil {
			return usagef("--secret-expiration-date: %q is not an RFC 3339 date-time", f.expiration)
		}
		p.ExpirationDate = api.NewSecretsTime(t)
	}
	if f.kvData != "" {
		raw, err := jsonObjectFlag("kv-data", f.kvData)
		if err != nil {
			return err
		}
		p.Data = api.SecretJSON(raw)
	}
	if f.custom != "" {
		if p.CustomMetadata, err = metadataFlag("secret-custom-metadata", f.custom); err != nil {
			return err
		}
	}
	if f.versionCustom != "" {
		if p.VersionCustomMetadata, err = metadataFlag("secret-version-custom-metadata", f.versionCustom); err != nil {
			return err
		}
	}
	if f.ccParams != "" {
		if p.Parameters, err = metadataFlag("custom-credentials-parameters", f.ccParams); err != nil {
			return err
		}
	}
	for _, x := range []struct {
		flag, v string
		dst     any
	}{{"secret-rotation", f.rotation, &p.Rotation}, {"username-password-policy", f.policy, &p.PasswordGenerationPolicy},
		{"secret-source-service", f.sourceService, &p.SourceService}} {
		if x.v != "" {
			if err := jsonFlag(x.flag, x.v, x.dst); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *smApp) secretCreateCommand() *cobra.Command {
	var f secretCreateFlags
	cmd := &cobra.Command{
		Use:   "secret-create --secret-type TYPE --secret-name NAME [options] | --secret-prototype JSON",
		Short: "Create a secret",
		Example: `  coffer secrets-manager secret-create --secret-type arbitrary --secret-name db-password --arbitrary-payload s3cr3t
  coffer sm secret-create --secret-type kv --secret-name cfg --kv-data @config.json
  coffer sm secret-create --secret-type username_password --secret-name db --username-password-username app`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := f.prototype(cmd)
			if err != nil {
				return err
			}
			c, raw, err := s.sm()
			if err != nil {
				return err
			}
			sec, err := c.CreateSecret(cmd.Context(), p)
			if err != nil {
				return err
			}
			return s.show(raw, func() error { return s.printSecret(sec) })
		},
	}
	f.register(cmd)
	return cmd
}

func (s *smApp) secretsCommand() *cobra.Command {
	var o client.ListSecretsOptions
	var all bool
	cmd := &cobra.Command{
		Use:   "secrets [--offset N] [--limit N] [--sort FIELD] [--search TEXT] [--groups IDS] [--secret-types TYPES] [--match-all-labels LABELS] [--all-pages]",
		Short: "List the secrets of the instance (one page unless --all-pages)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, raw, err := s.sm()
			if err != nil {
				return err
			}
			if all {
				items, err := c.SecretsPager(o).All(cmd.Context())
				if err != nil {
					return err
				}
				if s.jsonOutput() {
					return s.printJSON(api.List[api.SecretMetadata](items))
				}
				return s.secretTable(items)
			}
			p, err := c.ListSecrets(cmd.Context(), o)
			if err != nil {
				return err
			}
			return s.show(raw, func() error { return s.secretTable(p.Secrets) })
		},
	}
	fs := cmd.Flags()
	fs.Int64Var(&o.Offset, "offset", 0, "number of secrets to skip")
	fs.Int64Var(&o.Limit, "limit", 0, "number of secrets to list (default 200, at most 1000)")
	fs.StringVar(&o.Sort, "sort", "", "id, created_at, updated_at, expiration_date, secret_type or name; prefix - for descending")
	fs.StringVar(&o.Search, "search", "", "text to find in the id, name, description, labels or type")
	fs.StringSliceVar(&o.Groups, "groups", nil, "secret group IDs (default for the default group), comma-separated")
	fs.StringSliceVar(&o.SecretTypes, "secret-types", nil, "secret types, comma-separated")
	fs.StringSliceVar(&o.MatchAllLabels, "match-all-labels", nil, "labels the secrets must all carry, comma-separated")
	fs.BoolVar(&all, "all-pages", false, "fetch every page (--output json then prints the secrets array)")
	return cmd
}

func (s *smApp) secretTable(items []api.SecretMetadata) error {
	t := newTable(s.env.Stdout, "ID", "Name", "Type", "Group", "State", "Labels", "Updated")
	for _, m := range items {
		t.row(m.ID, m.Name, m.SecretType, m.SecretGroupID, m.StateDescription, strings.Join(m.Labels, ","), timeStr(m.UpdatedAt))
	}
	return t.flush()
}

func (s *smApp) secretShowCommand() *cobra.Command {
	var id string
	cmd := &cobra.Command{
		Use: "secret --id ID", Short: "Show a secret with its current data", Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := required(cmd, "id"); err != nil {
				return err
			}
			c, raw, err := s.sm()
			if err != nil {
				return err
			}
			sec, err := c.Secret(cmd.Context(), id)
			if err != nil {
				return err
			}
			return s.show(raw, func() error { return s.printSecret(sec) })
		},
	}
	cmd.Flags().StringVar(&id, "id", "", "ID of the secret")
	return cmd
}

func (s *smApp) secretByNameCommand() *cobra.Command {
	var name, typ, group string
	cmd := &cobra.Command{
		Use:   "secret-by-name --name NAME --secret-type TYPE [--secret-group-name GROUP]",
		Short: "Show a secret with its current data, found by group name, type and name", Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := required(cmd, "name", "secret-type"); err != nil {
				return err
			}
			c, raw, err := s.sm()
			if err != nil {
				return err
			}
			sec, err := c.SecretByName(cmd.Context(), group, typ, name)
			if err != nil {
				return err
			}
			return s.show(raw, func() error { return s.printSecret(sec) })
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "name of the secret")
	cmd.Flags().StringVar(&typ, "secret-type", "", "type of the secret")
	cmd.Flags().StringVar(&group, "secret-group-name", "default", "name of the secret group")
	return cmd
}

func (s *smApp) secretMetadataCommand() *cobra.Command {
	var id string
	cmd := &cobra.Command{
		Use: "secret-metadata --id ID", Short: "Show a secret's metadata, without its data", Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := required(cmd, "id"); err != nil {
				return err
			}
			c, raw, err := s.sm()
			if err != nil {
				return err
			}
			m, err := c.SecretMetadata(cmd.Context(), id)
			if err != nil {
				return err
			}
			return s.show(raw, func() error { return s.printSecret(&api.Secret{SecretMetadata: *m}) })
		},
	}
	cmd.Flags().StringVar(&id, "id", "", "ID of the secret")
	return cmd
}

func (s *smApp) secretDeleteCommand() *cobra.Command {
	var id string
	var force, forceDelete bool
	cmd := &cobra.Command{
		Use: "secret-delete --id ID [-f] [--force-delete]", Short: "Delete a secret and all its versions", Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return s.removal(cmd, []string{"id"}, force, "Delete secret "+id+" and all its versions?",
				func(ctx context.Context, c *client.SecretsClient) error {
					s.progress("Deleting secret %s...", id)
					return c.DeleteSecret(ctx, id, forceDelete)
				})
		},
	}
	cmd.Flags().StringVar(&id, "id", "", "ID of the secret")
	forceFlag(cmd, &force)
	cmd.Flags().BoolVar(&forceDelete, "force-delete", false, "custom_credentials: delete even if the provider's clean-up fails")
	return cmd
}

func (s *smApp) secretActionCommand() *cobra.Command {
	var id, typ, proto string
	cmd := &cobra.Command{
		Use:   "secret-action-create --id ID --secret-action-type TYPE | --secret-action-prototype JSON",
		Short: "Run an action on a secret", Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := required(cmd, "id"); err != nil {
				return err
			}
			req := api.SecretActionPrototype{ActionType: typ}
			if proto != "" {
				if err := jsonFlag("secret-action-prototype", proto, &req); err != nil {
					return err
				}
			} else if err := required(cmd, "secret-action-type"); err != nil {
				return err
			}
			c, raw, err := s.sm()
			if err != nil {
				return err
			}
			res, err := c.CreateSecretAction(cmd.Context(), id, req)
			if err != nil {
				return err
			}
			return s.show(raw, func() error { return printKV(s.env.Stdout, "Action", res.ActionType) })
		},
	}
	cmd.Flags().StringVar(&id, "id", "", "ID of the secret")
	cmd.Flags().StringVar(&typ, "secret-action-type", "", "private_cert_action_revoke_certificate or public_cert_action_validate_dns_challenge")
	cmd.Flags().StringVar(&proto, "secret-action-prototype", "", "the request body as JSON or @FILE")
	return cmd
}

// printSecret prints a secret's metadata and, when present, its data.
func (s *smApp) printSecret(sec *api.Secret) error {
	m := sec.SecretMetadata
	pairs := []string{"ID", m.ID, "Name", m.Name, "Type", m.SecretType, "Group", m.SecretGroupID,
		"Description", m.Description, "Labels", strings.Join(m.Labels, ","), "State", m.StateDescription,
		"Versions", int64Str(m.VersionsTotal), "Locks", int64Str(m.LocksTotal), "CRN", m.CRN,
		"Created At", timeStr(m.CreatedAt), "Created By", m.CreatedBy, "Updated At", timeStr(m.UpdatedAt),
		"Expiration", timeStr(m.ExpirationDate), "Custom Metadata", mapStr(m.CustomMetadata)}
	if m.TTL != "" {
		pairs = append(pairs, "TTL", m.TTL)
	}
	return printKV(s.env.Stdout, append(pairs, dataPairs(sec.SecretData)...)...)
}

// dataPairs lists the data fields that are set.
func dataPairs(d api.SecretData) []string {
	var pairs []string
	add := func(label, v string) {
		if v != "" {
			pairs = append(pairs, label, v)
		}
	}
	add("Payload", reveal(d.Payload))
	add("Username", d.Username)
	add("Password", reveal(d.Password))
	add("Data", revealJSON(d.Data))
	add("API Key", reveal(d.APIKey))
	add("Certificate", reveal(d.Certificate))
	add("Intermediate", reveal(d.Intermediate))
	add("Private Key", reveal(d.PrivateKey))
	add("Credentials", revealJSON(d.Credentials))
	add("Credentials Content", revealJSON(d.CredentialsContent))
	return pairs
}
