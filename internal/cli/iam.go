package cli

import (
	"bufio"
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/client"
)

// iamCommand is `coffer iam`: IAM Identity commands in IBM CLI spelling,
// one file per noun (iam_apikey.go, iam_serviceid.go, iam_profile.go,
// iam_profile_link.go, iam_user.go).
func (a *app) iamCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "iam", Short: "Manage API keys, service IDs, trusted profiles and users"}
	cmd.AddCommand(a.apiKeyCommands()...)
	cmd.AddCommand(a.serviceIDCommands()...)
	cmd.AddCommand(a.serviceAPIKeyCommands()...)
	cmd.AddCommand(a.profileCommands()...)
	cmd.AddCommand(a.profileRuleCommands()...)
	cmd.AddCommand(a.profileLinkCommands()...)
	cmd.AddCommand(a.profileIdentityCommands()...)
	cmd.AddCommand(a.userCommands()...)
	cmd.AddCommand(a.accessGroupCommands()...)
	cmd.AddCommand(a.policyCommands()...)
	cmd.AddCommand(a.explainCommand())
	cmd.AddCommand(a.federationCommands()...)
	return cmd
}

// caller is who the CLI acts as.
type caller struct {
	c         *client.Client
	IAMID     string
	AccountID string
}

// caller returns a client and the identity of its credential, read from the
// access token's claims.
func (a *app) caller(ctx context.Context) (*caller, error) {
	c, err := a.client()
	if err != nil {
		return nil, err
	}
	tok, err := c.Token(ctx)
	if err != nil {
		if api.KindOf(err) == api.ErrUnauthenticated {
			return nil, api.Errorf(api.ErrUnauthenticated, "not logged in: run coffer login --apikey KEY -a URL, or set COFFER_APIKEY")
		}
		return nil, err
	}
	iamID, acct := tokenIdentity(tok.Reveal())
	if iamID == "" || acct == "" {
		return nil, api.Errorf(api.ErrUnauthenticated, "the access token does not say who you are; run coffer login again")
	}
	return &caller{c: c, IAMID: iamID, AccountID: acct}, nil
}

// progress prints an IBM-style progress message on stderr (not with
// --output json, whose stdout must be the API's JSON alone).
func (a *app) progress(format string, args ...any) {
	if !a.jsonOutput() {
		fmt.Fprintf(a.env.Stderr, format+"\n", args...)
	}
}

// ok ends a progress message.
func (a *app) ok() { a.progress("OK") }

// confirm asks question on stderr and reads the answer from stdin; only
// "y" or "yes" confirms. force skips the question.
func (a *app) confirm(force bool, format string, args ...any) (bool, error) {
	if force {
		return true, nil
	}
	fmt.Fprintf(a.env.Stderr, format+" [y/N] ", args...)
	line, err := bufio.NewReader(a.env.Stdin).ReadString('\n')
	if err != nil && line == "" {
		fmt.Fprintln(a.env.Stderr)
		return false, usagef("no answer on standard input; use -f to skip the confirmation")
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true, nil
	}
	fmt.Fprintln(a.env.Stderr, "Cancelled.")
	return false, nil
}

// pick returns the one item whose name is name, or a not-found or
// ambiguous error naming what was looked for.
func pick[T any](kind, name string, items []T, nameOf, idOf func(T) string) (T, error) {
	var found []T
	for _, it := range items {
		if nameOf(it) == name {
			found = append(found, it)
		}
	}
	var zero T
	switch len(found) {
	case 0:
		return zero, api.Errorf(api.ErrNotFound, "%s %q was not found", kind, name)
	case 1:
		return found[0], nil
	}
	ids := make([]string, len(found))
	for i, it := range found {
		ids[i] = idOf(it)
	}
	return zero, api.Errorf(api.ErrInvalid, "%d %ss are named %q (%s): give the ID instead", len(found), kind, name, strings.Join(ids, ", "))
}

// forceFlag adds -f/--force to a destructive command.
func forceFlag(cmd *cobra.Command, force *bool) {
	cmd.Flags().BoolVarP(force, "force", "f", false, "do not ask for confirmation")
}

func boolStr(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// exactArgs is cobra.ExactArgs with a usage error (exit code 2).
func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := cobra.ExactArgs(n)(cmd, args); err != nil {
			return usagef("%s: %v\nUsage: %s %s", cmd.Name(), err, cmd.Parent().CommandPath(), cmd.Use)
		}
		return nil
	}
}

// noArgs is cobra.NoArgs with a usage error (exit code 2).
var noArgs = exactArgs(0)
