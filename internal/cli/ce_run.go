package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/client"
)

// DefaultCRTokenPath is where IBM's ContainerAuthenticator looks for a Code
// Engine CR token when it is given no file name. The runner writes there
// when it can, so apps written for Code Engine work unchanged.
const DefaultCRTokenPath = "/var/run/secrets/codeengine.cloud.ibm.com/compute-resource-token/token"

// defaultCRTokenPath is DefaultCRTokenPath; tests point it elsewhere.
var defaultCRTokenPath = DefaultCRTokenPath

// runFlags are the flags of `coffer ce app run` and `coffer ce job run`.
type runFlags struct {
	name, instance, tokenFile string
	private                   bool
	ttl, refresh              time.Duration
}

func (a *app) ceRunCommand(typ string, project *string) *cobra.Command {
	noun := nounOf(typ)
	f := &runFlags{}
	cmd := &cobra.Command{
		Use:   "run --name NAME [--instance-id GUID] [--token-file PATH | --private-token] [-- COMMAND [ARG...]]",
		Short: "Run the " + noun + " here with a CR token, as Code Engine would",
		Long: `Run the ` + noun + `'s command (or the one after --) as a child process with workload
identity: the runner asks Coffer for a CR token of the ` + noun + ` (you need permission to run
it, and its trusted profiles must be enabled), writes it where IBM's ContainerAuthenticator
looks (` + DefaultCRTokenPath + `) when that file can be
created, otherwise to a private file (0600 in a 0700 directory), and replaces it atomically
at half its lifetime for as long as the child runs. Signals (INT, TERM, HUP) are forwarded
and the child's exit code is kept. The token file is removed at exit.

The child's environment is the runner's without credentials: every COFFER_ variable, IBM
API key variables (IBMCLOUD_API_KEY, *_APIKEY, *_API_KEY), *_PASSWORD, *_CLIENT_SECRET,
*_BEARER_TOKEN, *_REFRESH_TOKEN, *_ACCESS_TOKEN, IBM_CREDENTIALS_FILE and VCAP_SERVICES are
removed, as are inherited SECRETS_MANAGER_ variables. It gets instead:
  CR_TOKEN_FILENAME          the token file
  IAM_URL, AUTH_URL          Coffer's URL (ContainerAuthenticator's URL)
  IAM_PROFILE_NAME           the ` + noun + `'s trusted profile, when one is recorded
  SM_SERVICE_URL             the Secrets Manager URL (default instance, or --instance-id)
  SECRETS_MANAGER_AUTH_TYPE=container, SECRETS_MANAGER_AUTH_URL, SECRETS_MANAGER_URL,
  SECRETS_MANAGER_CR_TOKEN_FILENAME, SECRETS_MANAGER_IAM_PROFILE_NAME
                             IBM SDK external configuration
  CE_` + strings.ToUpper(noun) + `, CE_PROJECT_ID, CE_REGION   what Code Engine sets
then the ` + noun + `'s own env.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if n := cmd.ArgsLenAtDash(); n > 0 || (n < 0 && len(args) > 0) {
				return usagef("put the command after --: coffer ce %s run --name NAME -- COMMAND ARGS", noun)
			}
			return a.runComponent(cmd.Context(), typ, *project, f, args)
		},
	}
	cmd.Flags().StringVarP(&f.name, "name", "n", "", "name (required)")
	cmd.Flags().StringVar(&f.instance, "instance-id", "", "Secrets Manager instance GUID, CRN or URL for SM_SERVICE_URL (default: the account's default instance)")
	cmd.Flags().StringVar(&f.tokenFile, "token-file", "", "write the CR token to this file instead")
	cmd.Flags().BoolVar(&f.private, "private-token", false, "always use a private token file, never the Code Engine path")
	cmd.Flags().DurationVar(&f.ttl, "token-ttl", 0, "lifetime of each CR token (1m to 1h; default the server's, 15m)")
	cmd.Flags().DurationVar(&f.refresh, "refresh-interval", 0, "replace the token this often (default: half its lifetime)")
	cmd.Flags().MarkHidden("refresh-interval")
	cmd.MarkFlagRequired("name")
	return cmd
}

// childExit is the exit status of a child the runner started: Run returns
// it as the process's exit code without printing FAILED.
type childExit int

func (e childExit) Error() string { return fmt.Sprintf("the program exited with status %d", int(e)) }

// childExitCode reports the exit code a runner error carries.
func childExitCode(err error) (int, bool) {
	var e childExit
	if errors.As(err, &e) {
		return int(e), true
	}
	return 0, false
}

// runComponent is `coffer ce app|job run`.
func (a *app) runComponent(ctx context.Context, typ, projectFlag string, f *runFlags, argv []string) error {
	cl, ref, err := a.ceContext(ctx, projectFlag)
	if err != nil {
		return err
	}
	comp, err := cl.c.ComputeComponent(ctx, ref, typ, f.name)
	if err != nil {
		return err
	}
	if len(argv) == 0 {
		argv = slices.Concat(comp.Command, comp.Arguments)
	}
	if len(argv) == 0 {
		return usagef("%s has no command: give one after --, or set it with coffer ce %s update --command",
			describeComponent(comp), nounOf(typ))
	}
	mint := func() (*api.CRToken, error) {
		return cl.c.MintCRToken(ctx, comp.ProjectID, typ, comp.Name, api.MintCRTokenRequest{TTLSeconds: int64(f.ttl.Seconds())})
	}
	tok, err := mint()
	if err != nil {
		return err
	}
	tf, err := openTokenFile(f)
	if err != nil {
		return err
	}
	defer tf.remove()
	if err := tf.write(tok.Token.Reveal()); err != nil {
		return err
	}
	fmt.Fprintf(a.env.Stderr, "Running %s with a CR token in %s (subject %s).\n", describeComponent(comp), tf.path, tok.CRN)
	env := childEnv(os.Environ(), runVars(cl.c, comp, tf.path, f.instance))
	return a.supervise(ctx, argv, env, tf, tok, f.refresh, mint)
}

// runVars are the variables the runner gives the child, in order; the
// component's env comes last and may override the defaults.
func runVars(c *client.Client, comp *api.ComputeComponent, tokenPath, instance string) []string {
	base := c.URL()
	sm := smServiceURL(base, instance)
	vars := []string{"CR_TOKEN_FILENAME=" + tokenPath, "IAM_URL=" + base, "AUTH_URL=" + base, "SM_SERVICE_URL=" + sm,
		"SECRETS_MANAGER_AUTH_TYPE=container", "SECRETS_MANAGER_AUTH_URL=" + base, "SECRETS_MANAGER_URL=" + sm,
		"SECRETS_MANAGER_CR_TOKEN_FILENAME=" + tokenPath, "CE_PROJECT_ID=" + comp.ProjectID, "CE_REGION=" + comp.Region}
	if comp.Type == api.ComponentJob {
		vars = append(vars, "CE_JOB="+comp.Name)
	} else {
		vars = append(vars, "CE_APP="+comp.Name)
	}
	if comp.TrustedProfile != "" {
		vars = append(vars, "IAM_PROFILE_NAME="+comp.TrustedProfile, "SECRETS_MANAGER_IAM_PROFILE_NAME="+comp.TrustedProfile)
	}
	for _, k := range slices.Sorted(maps.Keys(comp.Env)) {
		if !api.IsCredentialEnvName(k) {
			vars = append(vars, k+"="+comp.Env[k])
		}
	}
	return vars
}

// smServiceURL is the Secrets Manager URL of instance (a GUID, a CRN or a
// URL), or base for the account's default instance.
func smServiceURL(base, instance string) string {
	switch {
	case instance == "":
		return base
	case strings.HasPrefix(instance, "http://"), strings.HasPrefix(instance, "https://"):
		return strings.TrimRight(instance, "/")
	case strings.HasPrefix(instance, "crn:"):
		if f := strings.Split(instance, ":"); len(f) == 10 && f[7] != "" {
			instance = f[7]
		}
	}
	return base + "/instances/" + instance
}

// childEnv returns environ without the runner's credentials (see
// api.IsCredentialEnvName) and inherited SECRETS_MANAGER_ settings, then
// vars, later entries replacing earlier ones of the same name.
func childEnv(environ, vars []string) []string {
	var out []string
	index := map[string]int{}
	add := func(kv string) {
		k, _, _ := strings.Cut(kv, "=")
		if i, ok := index[k]; ok {
			out[i] = kv
			return
		}
		index[k] = len(out)
		out = append(out, kv)
	}
	for _, kv := range environ {
		k, _, _ := strings.Cut(kv, "=")
		if k == "" || api.IsCredentialEnvName(k) || strings.HasPrefix(strings.ToUpper(k), "SECRETS_MANAGER_") {
			continue
		}
		add(kv)
	}
	for _, kv := range vars {
		add(kv)
	}
	return out
}

// tokenFile is where the runner keeps the CR token.
type tokenFile struct {
	path    string
	tmpDir  string   // the private directory to remove, if any
	created []string // directories made for the Code Engine path, deepest first
}

// openTokenFile chooses the token file: --token-file; else the Code
// Engine path when it does not exist yet and can be created (not with
// --private-token); else a private file in a new 0700 directory.
func openTokenFile(f *runFlags) (*tokenFile, error) {
	if f.tokenFile != "" {
		return &tokenFile{path: f.tokenFile}, nil
	}
	if !f.private {
		if created, ok := usableDefaultPath(defaultCRTokenPath); ok {
			return &tokenFile{path: defaultCRTokenPath, created: created}, nil
		}
	}
	dir, err := os.MkdirTemp("", "coffer-ce-token-")
	if err != nil {
		return nil, fmt.Errorf("creating a private directory for the CR token: %w", err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return &tokenFile{path: filepath.Join(dir, "token"), tmpDir: dir}, nil
}

// usableDefaultPath reports whether path does not exist (another runner or
// a real Code Engine may own it) and its directory exists or can be
// created (0700) and is writable. It returns the directories it created,
// deepest first, for removal at exit.
func usableDefaultPath(path string) ([]string, bool) {
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		return nil, false
	}
	dir := filepath.Dir(path)
	var created []string
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Lstat(d); err == nil || d == filepath.Dir(d) {
			break
		}
		created = append(created, d)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, false
	}
	probe, err := os.CreateTemp(dir, ".coffer-probe-")
	if err != nil {
		removeDirs(created)
		return nil, false
	}
	probe.Close()
	os.Remove(probe.Name())
	return created, true
}

// removeDirs removes each directory of dirs that is empty.
func removeDirs(dirs []string) {
	for _, d := range dirs {
		os.Remove(d)
	}
}

// write replaces the token file atomically (0600 temporary file in the same
// directory, then rename), so a reader never sees a partial token.
func (t *tokenFile) write(token string) error {
	if err := writeFileAtomic(t.path, []byte(token)); err != nil {
		return fmt.Errorf("writing the CR token to %s: %w", t.path, err)
	}
	return nil
}

// remove deletes the token file (and the private directory).
func (t *tokenFile) remove() {
	os.Remove(t.path)
	removeDirs(t.created)
	if t.tmpDir != "" {
		os.RemoveAll(t.tmpDir)
	}
}

// supervise starts argv, forwards signals to it, refreshes the token until
// it exits, and returns its exit status as a childExit (nil for 0).
func (a *app) supervise(ctx context.Context, argv, env []string, tf *tokenFile, tok *api.CRToken,
	refresh time.Duration, mint func() (*api.CRToken, error)) error {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env, cmd.Stdin, cmd.Stdout, cmd.Stderr = env, a.env.Stdin, a.env.Stdout, a.env.Stderr
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", argv[0], err)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for {
			select {
			case s := <-sigs:
				cmd.Process.Signal(s)
			case <-done:
				return
			}
		}
	}()
	go func() {
		defer wg.Done()
		a.refreshLoop(ctx, done, tf, tok, refresh, mint)
	}()
	err := cmd.Wait()
	close(done)
	wg.Wait()
	return exitStatus(err)
}

// exitStatus turns cmd.Wait's error into a childExit: the exit code, or
// 128+N for a child killed by signal N, as shells do.
func exitStatus(err error) error {
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return err
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return childExit(128 + int(ws.Signal()))
	}
	return childExit(ee.ExitCode())
}

// refreshLoop replaces the token at half its lifetime (or every interval)
// until done; a failed refresh is retried every few seconds.
func (a *app) refreshLoop(ctx context.Context, done <-chan struct{}, tf *tokenFile, tok *api.CRToken,
	interval time.Duration, mint func() (*api.CRToken, error)) {
	next := func(t *api.CRToken) time.Duration {
		if interval > 0 {
			return interval
		}
		return max(time.Duration(t.ExpiresIn)*time.Second/2, time.Second)
	}
	timer := time.NewTimer(next(tok))
	defer timer.Stop()
	for {
		select {
		case <-done:
			return
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		fresh, err := mint()
		if err == nil {
			err = tf.write(fresh.Token.Reveal())
		}
		if err != nil {
			fmt.Fprintf(a.env.Stderr, "Warning: could not renew the CR token: %s; retrying.\n", api.Message(err))
			timer.Reset(min(5*time.Second, next(tok)))
			continue
		}
		tok = fresh
		timer.Reset(next(tok))
	}
}
