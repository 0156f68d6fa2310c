package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/client"
)

// This file holds `coffer secrets-manager` (alias `coffer sm`): IBM's
// Secrets Manager v2 API in the spelling of IBM's `ibmcloud secrets-manager`
// plug-in, one file per noun (secrets_secret.go, secrets_version.go,
// secrets_lock.go, secrets_group.go, secrets_config.go). With --output json
// every command prints the API's answer exactly as the server sent it.

// smApp is the state of one `coffer secrets-manager` invocation.
type smApp struct {
	*app
	instanceID string // --instance-id
	serviceURL string // --service-url
}

// secretsManagerCommand is `coffer secrets-manager`.
func (a *app) secretsManagerCommand() *cobra.Command {
	s := &smApp{app: a}
	cmd := &cobra.Command{
		Use: "secrets-manager", Aliases: []string{"sm"},
		Short: "Manage secrets, secret groups, versions, locks and configurations (IBM Secrets Manager v2)",
		Long: `Manage the secrets of a Secrets Manager instance, in the spelling of IBM's
"ibmcloud secrets-manager" plug-in.

The instance is, in order: --instance-id GUID; the instance named by
--service-url, SECRETS_MANAGER_URL or SM_SERVICE_URL (a URL such as
http://HOST:PORT/instances/GUID, whose host also becomes the Coffer URL);
otherwise the default instance of your account.

Options that take JSON accept the JSON itself or @FILE to read it from FILE.`,
	}
	cmd.PersistentFlags().StringVar(&s.instanceID, "instance-id", "", "GUID of the Secrets Manager instance (default: your account's default instance)")
	cmd.PersistentFlags().StringVar(&s.serviceURL, "service-url", "", "service URL of the instance, e.g. http://HOST:PORT/instances/GUID (default: SECRETS_MANAGER_URL or SM_SERVICE_URL)")
	cmd.AddCommand(s.groupCommands()...)
	cmd.AddCommand(s.secretCommands()...)
	cmd.AddCommand(s.versionCommands()...)
	cmd.AddCommand(s.lockCommands()...)
	cmd.AddCommand(s.configCommands()...)
	cmd.AddCommand(s.notificationCommands()...)
	cmd.AddCommand(s.taskCommands()...)
	return cmd
}

// sm returns a client for the chosen instance; the body of each answer is
// kept in the returned RawMessage for --output json.
func (s *smApp) sm() (*client.SecretsClient, *json.RawMessage, error) {
	inst := s.instanceID
	if svc := firstNonEmpty(s.serviceURL, s.env.Getenv("SECRETS_MANAGER_URL"), s.env.Getenv("SM_SERVICE_URL")); svc != "" {
		base, guid := client.SplitServiceURL(svc)
		s.url = base
		if inst == "" {
			inst = guid
		}
	}
	c, err := s.client()
	if err != nil {
		return nil, nil, err
	}
	raw := new(json.RawMessage)
	return c.SecretsManager(inst).WithRawJSON(raw), raw, nil
}

// show prints an answer: with --output json the API's JSON (indented, the
// content unchanged), else what table prints.
func (s *smApp) show(raw *json.RawMessage, table func() error) error {
	if !s.jsonOutput() {
		return table()
	}
	if raw == nil || len(*raw) == 0 {
		return nil
	}
	var b bytes.Buffer
	if err := json.Indent(&b, *raw, "", "  "); err != nil {
		b.Reset()
		b.Write(*raw)
	}
	b.WriteByte('\n')
	_, err := s.env.Stdout.Write(b.Bytes())
	return err
}

// done ends a command that has no answer body.
func (s *smApp) done() error {
	s.ok()
	return nil
}

// removal is the body of a destructive command: it checks the required
// flags, asks for confirmation (unless force), runs del and reports OK.
func (s *smApp) removal(cmd *cobra.Command, need []string, force bool, prompt string,
	del func(ctx context.Context, c *client.SecretsClient) error) error {
	if err := required(cmd, need...); err != nil {
		return err
	}
	c, _, err := s.sm()
	if err != nil {
		return err
	}
	if ok, err := s.confirm(force, "%s", prompt); !ok {
		return err
	}
	if err := del(cmd.Context(), c); err != nil {
		return err
	}
	return s.done()
}

// required fails with a usage error unless every named flag was given.
func required(cmd *cobra.Command, names ...string) error {
	for _, n := range names {
		if !cmd.Flags().Changed(n) {
			return usagef("%s: --%s is required\nUsage: %s", cmd.Name(), n, cmd.UseLine())
		}
	}
	return nil
}

// anyChanged reports whether one of the named flags was given.
func anyChanged(cmd *cobra.Command, names ...string) bool {
	for _, n := range names {
		if cmd.Flags().Changed(n) {
			return true
		}
	}
	return false
}

// fileOrValue returns v, or the content of FILE when v is @FILE.
func fileOrValue(flag, v string) (string, error) {
	file, ok := strings.CutPrefix(v, "@")
	if !ok {
		return v, nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", usagef("--%s: %v", flag, err)
	}
	return string(b), nil
}

// jsonFlag decodes the JSON (or @FILE) of a flag into v.
func jsonFlag(flag, v string, dst any) error {
	text, err := fileOrValue(flag, v)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(strings.NewReader(text))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return usagef("--%s: not valid JSON for this option: %v", flag, err)
	}
	return nil
}

// jsonObjectFlag decodes a flag holding a JSON object (or @FILE) and
// returns its text, refusing anything but an object.
func jsonObjectFlag(flag, v string) (json.RawMessage, error) {
	text, err := fileOrValue(flag, v)
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(text), &m); err != nil || m == nil {
		return nil, usagef("--%s: must be a JSON object", flag)
	}
	return json.RawMessage(strings.TrimSpace(text)), nil
}

// metadataFlag decodes a custom metadata flag (a JSON object or @FILE).
func metadataFlag(flag, v string) (map[string]any, error) {
	var m map[string]any
	if err := jsonFlag(flag, v, &m); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, usagef("--%s: must be a JSON object", flag)
	}
	return m, nil
}

// reveal shows secret material in the table view, which exists to show it
// (like IBM's plug-in); it never reaches a log.
func reveal(s api.SecretString) string { return s.Reveal() }

func revealJSON(s api.SecretJSON) string { return string(s.Reveal()) }

func timeStr(t api.SecretsTime) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(api.SecretsTimeLayout)
}

func int64Str(n int64) string { return fmt.Sprint(n) }

func mapStr(m map[string]any) string {
	if len(m) == 0 {
		return ""
	}
	b, _ := json.Marshal(m)
	return string(b)
}
