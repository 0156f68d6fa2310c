// Package cli is the coffer command line: the server command and a client
// command for every API, in IBM Cloud CLI spelling. Commands are ordinary API
// consumers (they use package client); stdout carries data, stderr carries
// diagnostics, and --output json prints the API's JSON unchanged.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/client"
)

// Env is what a command may touch of the outside world.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	HomeDir        string // where ~/.coffer lives
}

// OSEnv returns the process's environment.
func OSEnv() Env {
	home, _ := os.UserHomeDir()
	return Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv, HomeDir: home}
}

// Exit codes.
const (
	ExitOK       = 0
	ExitError    = 1
	ExitUsage    = 2
	ExitAuth     = 3 // unauthenticated or permission denied
	ExitNotFound = 4
)

// app holds the global flags and the environment of one invocation.
type app struct {
	env    Env
	output string // "table" or "json"
	url    string // --url override
}

// Run executes the coffer command line and returns the process exit code.
func Run(ctx context.Context, args []string, env Env) int {
	a := &app{env: env}
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetIn(env.Stdin)
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	if code, ok := childExitCode(err); ok { // coffer ce app run: the child's own exit code
		return code
	}
	// Errors from the server are *api.Error with a message meant for the
	// caller; local errors (flags, configuration, files) say what is wrong.
	fmt.Fprintf(env.Stderr, "FAILED\n%s\n", err.Error())
	return exitCode(err)
}

func exitCode(err error) int {
	var ue usageError
	switch {
	case errors.As(err, &ue):
		return ExitUsage
	case errors.Is(err, api.ErrUnauthenticated), errors.Is(err, api.ErrPermissionDenied):
		return ExitAuth
	case errors.Is(err, api.ErrNotFound):
		return ExitNotFound
	}
	return ExitError
}

// usageError marks a mistake in the command line itself.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "coffer",
		Short:         "Coffer: a self-hosted secrets manager with IBM Cloud's APIs",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVar(&a.output, "output", "table", "output format: table or json")
	root.PersistentFlags().StringVar(&a.url, "url", "", "Coffer URL (default: the logged-in endpoint, COFFER_URL, or "+client.DefaultURL+")")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err.Error()} })
	root.AddCommand(a.serverCommand(), a.versionCommand(), a.operatorCommand())
	root.AddCommand(a.loginCommand(), a.logoutCommand(), a.targetCommand(), a.iamCommand())
	root.AddCommand(a.accountCommands()...)
	root.AddCommand(a.ceCommand())
	root.AddCommand(a.auditCommand())
	root.AddCommand(a.resourceCommand())
	root.AddCommand(a.secretsManagerCommand())
	return root
}

// client returns an API client for the configured endpoint and credential:
// --url, COFFER_URL or the logged-in endpoint; COFFER_APIKEY, or the stored
// session (whose renewed tokens are saved back). The session's credentials
// are never sent to another endpoint than the one they were issued by. A
// client comes back even with an error (an unreadable config file).
func (a *app) client() (*client.Client, error) {
	s, err := loadSession(a.env.HomeDir)
	cfg := client.Config{URL: firstNonEmpty(a.url, a.env.Getenv("COFFER_URL"), s.URL), UserAgent: "coffer-cli"}
	switch {
	case a.env.Getenv("COFFER_APIKEY") != "":
		cfg.APIKey = api.Sensitive(a.env.Getenv("COFFER_APIKEY"))
	case s.loggedIn() && strings.TrimRight(cfg.URL, "/") == s.URL:
		a.sessionConfig(&cfg, s)
	}
	return client.New(cfg), err
}

// anonymousClient returns a client for the configured endpoint that sends
// no credential: for the calls a sealed server answers (seal status, init,
// unseal), where getting a token first would fail.
func (a *app) anonymousClient() *client.Client {
	s, _ := loadSession(a.env.HomeDir)
	return client.New(client.Config{URL: firstNonEmpty(a.url, a.env.Getenv("COFFER_URL"), s.URL), UserAgent: "coffer-cli"})
}

// printJSON writes v as indented JSON on stdout.
func (a *app) printJSON(v any) error {
	enc := json.NewEncoder(a.env.Stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func (a *app) jsonOutput() bool { return a.output == "json" }
