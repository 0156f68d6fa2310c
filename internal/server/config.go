package server

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Config is everything `coffer server` can be told. Zero values mean the
// documented defaults (see settings below, which is also the --help text).
type Config struct {
	Listen          string        // host:port; default 127.0.0.1:8420
	DataDir         string        // default ./coffer-data (a temporary directory with Dev)
	Storage         string        // "sqlite:PATH" (default DATA_DIR/coffer.db) or a postgres:// URL
	Seal            string        // keyfile (default), master-key, passphrase, shamir; dev with Dev
	RootKeyFile     string        // default DATA_DIR/root.key
	MasterKey       string        // base64 root key for Seal=master-key (environment only)
	Passphrase      string        // for Seal=passphrase (environment only)
	TLSCert, TLSKey string        // serve HTTPS when both are set
	InsecureHTTP    bool          // allow plain HTTP on a non-loopback address
	Dev             bool          // development mode
	PublicURL       string        // URL clients use to reach this server; default from Listen
	Region          string        // region of the default instance; default us-south
	BootstrapAPIKey string        // value of the bootstrap API key (environment only)
	MaxBodyBytes    int64         // request body cap; default 2 MiB
	ShutdownTimeout time.Duration // graceful shutdown limit; default 30s
	// ReclamationWindow is how long a deleted instance can be restored
	// before its data keys are destroyed; default 7 days (168h).
	ReclamationWindow time.Duration
	// CredentialsGrace is how long the credentials of a superseded
	// iam_credentials, service_credentials or custom_credentials version
	// live on once it is unlocked; default 24h, a negative value means none.
	CredentialsGrace time.Duration
	// CredentialsRetryBackoff is the first wait before a failed custom
	// credentials task of a built-in provider is retried (doubled after
	// each further failure); default 30s.
	CredentialsRetryBackoff time.Duration
	LogLevel                string // debug, info (default), warn, error
	// RotationInterval is the pause between the rotation scheduler's
	// sweeps; default 1m (rotation.DefaultInterval).
	RotationInterval time.Duration
}

// setting describes one configuration knob: its flag, its variable, its
// default and where it goes.
type setting struct {
	flag, env, def, help string
	secret               bool // environment only: never a flag (flags show in ps)
	set                  func(c *Config, v string) error
}

func str(p func(*Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error { *p(c) = v; return nil }
}

var settings = []setting{
	{flag: "listen", env: "COFFER_LISTEN", def: "127.0.0.1:8420", help: "address to listen on",
		set: str(func(c *Config) *string { return &c.Listen })},
	{flag: "data-dir", env: "COFFER_DATA_DIR", def: "./coffer-data", help: "directory for the database and the root key file",
		set: str(func(c *Config) *string { return &c.DataDir })},
	{flag: "storage", env: "COFFER_STORAGE", def: "sqlite:DATA_DIR/coffer.db", help: "database: sqlite:PATH or a postgres:// URL",
		set: str(func(c *Config) *string { return &c.Storage })},
	{flag: "seal", env: "COFFER_SEAL", def: "keyfile", help: "where the root key comes from: keyfile, master-key, passphrase or shamir",
		set: str(func(c *Config) *string { return &c.Seal })},
	{flag: "root-key-file", env: "COFFER_ROOT_KEY_FILE", def: "DATA_DIR/root.key", help: "root key file (created 0600 on first start)",
		set: str(func(c *Config) *string { return &c.RootKeyFile })},
	{env: "COFFER_MASTER_KEY", help: "base64 root key when --seal=master-key", secret: true,
		set: str(func(c *Config) *string { return &c.MasterKey })},
	{env: "COFFER_PASSPHRASE", help: "passphrase the root key is derived from when --seal=passphrase", secret: true,
		set: str(func(c *Config) *string { return &c.Passphrase })},
	{env: "COFFER_BOOTSTRAP_API_KEY", help: "value of the bootstrap API key (random when unset)", secret: true,
		set: str(func(c *Config) *string { return &c.BootstrapAPIKey })},
	{flag: "tls-cert", env: "COFFER_TLS_CERT", help: "TLS certificate file (PEM)",
		set: str(func(c *Config) *string { return &c.TLSCert })},
	{flag: "tls-key", env: "COFFER_TLS_KEY", help: "TLS private key file (PEM)",
		set: str(func(c *Config) *string { return &c.TLSKey })},
	{flag: "insecure-http", env: "COFFER_INSECURE_HTTP", def: "false", help: "allow plain HTTP on a non-loopback address",
		set: boolSetter(func(c *Config) *bool { return &c.InsecureHTTP })},
	{flag: "dev", env: "COFFER_DEV", def: "false", help: "development mode: temporary data, dev root key, known API key; not for production",
		set: boolSetter(func(c *Config) *bool { return &c.Dev })},
	{flag: "public-url", env: "COFFER_PUBLIC_URL", def: "http(s)://LISTEN", help: "URL clients reach this server at",
		set: str(func(c *Config) *string { return &c.PublicURL })},
	{flag: "region", env: "COFFER_REGION", def: "us-south", help: "region of the default Secrets Manager instance",
		set: str(func(c *Config) *string { return &c.Region })},
	{flag: "max-body-bytes", env: "COFFER_MAX_BODY_BYTES", def: "2097152", help: "largest request body accepted",
		set: func(c *Config, v string) error {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 1024 {
				return fmt.Errorf("must be a number of bytes >= 1024")
			}
			c.MaxBodyBytes = n
			return nil
		}},
	{flag: "shutdown-timeout", env: "COFFER_SHUTDOWN_TIMEOUT", def: "30s", help: "how long in-flight requests may finish at shutdown",
		set: func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return fmt.Errorf("must be a positive duration such as 30s")
			}
			c.ShutdownTimeout = d
			return nil
		}},
	{flag: "reclamation-window", env: "COFFER_RECLAMATION_WINDOW", def: "168h",
		help: "how long a deleted instance waits before its keys are destroyed",
		set: func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 {
				return fmt.Errorf("must be a duration such as 168h or 0s")
			}
			c.ReclamationWindow = d
			return nil
		}},
	{flag: "rotation-interval", env: "COFFER_ROTATION_INTERVAL", def: "1m",
		help: "pause between the rotation scheduler's sweeps (due rotations, expiries, retirements)",
		set: func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d < time.Second {
				return fmt.Errorf("must be a duration of at least 1s such as 1m")
			}
			c.RotationInterval = d
			return nil
		}},
	{flag: "credentials-grace", env: "COFFER_CREDENTIALS_GRACE", def: "24h",
		help: "how long superseded, unlocked credentials (API keys, database users) live on",
		set: func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil {
				return fmt.Errorf("must be a duration such as 24h")
			}
			c.CredentialsGrace = d
			return nil
		}},
	{flag: "credentials-retry-backoff", env: "COFFER_CREDENTIALS_RETRY_BACKOFF", def: "30s",
		help: "first wait before a failed database credentials task is retried",
		set: func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return fmt.Errorf("must be a positive duration such as 30s")
			}
			c.CredentialsRetryBackoff = d
			return nil
		}},
	{flag: "log-level", env: "COFFER_LOG_LEVEL", def: "info", help: "debug, info, warn or error",
		set: str(func(c *Config) *string { return &c.LogLevel })},
}

func boolSetter(p func(*Config) *bool) func(*Config, string) error {
	return func(c *Config, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("must be true or false")
		}
		*p(c) = b
		return nil
	}
}

// errHelp is returned by ParseConfig after printing help.
var errHelp = errors.New("help requested")

// ParseConfig reads settings from COFFER_* variables, then from flags
// (flags win), and applies defaults. It is the only place Coffer reads its
// server configuration.
func ParseConfig(args []string, getenv func(string) string, stderr io.Writer) (Config, error) {
	var c Config
	for _, s := range settings {
		if v := getenv(s.env); v != "" {
			if err := s.set(&c, v); err != nil {
				return c, fmt.Errorf("%s: %v", s.env, err)
			}
		}
	}
	fs := flag.NewFlagSet("coffer server", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	for _, s := range settings {
		if s.flag == "" {
			continue
		}
		fs.Func(s.flag, s.help, func(v string) error { return s.set(&c, v) })
	}
	if err := fs.Parse(normalizeBoolFlags(args)); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printHelp(stderr)
			return c, errHelp
		}
		return c, fmt.Errorf("%v (see coffer server --help)", err)
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q (see coffer server --help)", fs.Arg(0))
	}
	return c, c.applyDefaults()
}

// normalizeBoolFlags turns a bare "--dev" into "--dev=true" so boolean
// settings work without a value, as users expect.
func normalizeBoolFlags(args []string) []string {
	out := make([]string, 0, len(args))
	for _, a := range args {
		name := strings.TrimLeft(a, "-")
		if strings.HasPrefix(a, "-") && !strings.Contains(name, "=") && isBoolSetting(name) {
			a = "--" + name + "=true"
		}
		out = append(out, a)
	}
	return out
}

func isBoolSetting(name string) bool {
	for _, s := range settings {
		if s.flag == name && s.def == "false" {
			return true
		}
	}
	return false
}

func printHelp(w io.Writer) {
	fmt.Fprintf(w, "Usage: coffer server [flags]\n\nStarts the Coffer server. Every setting can also come from its variable; flags win.\n\n")
	rows := append([]setting(nil), settings...)
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].secret == false && rows[j].secret })
	for _, s := range rows {
		name := "--" + s.flag
		if s.secret {
			name = "(environment only)"
		}
		def := ""
		if s.def != "" {
			def = " (default " + s.def + ")"
		}
		fmt.Fprintf(w, "  %-22s %-26s %s%s\n", name, s.env, s.help, def)
	}
}

func (c *Config) applyDefaults() error {
	if c.Listen == "" {
		c.Listen = "127.0.0.1:8420"
	}
	if c.DataDir == "" && !c.Dev {
		c.DataDir = "./coffer-data"
	}
	if c.Seal == "" {
		c.Seal = "keyfile"
	}
	if c.Region == "" {
		c.Region = "us-south"
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = 2 << 20
	}
	if c.ShutdownTimeout == 0 {
		c.ShutdownTimeout = 30 * time.Second
	}
	if c.LogLevel == "" {
		c.LogLevel = "info"
	}
	return c.check()
}

// check refuses combinations that are unsafe or cannot work, saying why.
func (c *Config) check() error {
	host, _, err := net.SplitHostPort(c.Listen)
	if err != nil {
		return fmt.Errorf("--listen %q: want host:port, such as 127.0.0.1:8420", c.Listen)
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return errors.New("--tls-cert and --tls-key must be given together")
	}
	if c.TLSCert == "" && !isLoopback(host) && !c.InsecureHTTP {
		return fmt.Errorf("refusing to serve plain HTTP on non-loopback address %q: API keys and tokens would cross "+
			"the network in clear; give --tls-cert and --tls-key, or --insecure-http if TLS ends in front of Coffer", c.Listen)
	}
	if c.Dev && !isLoopback(host) {
		return fmt.Errorf("--dev listens on loopback only, not %q", c.Listen)
	}
	switch c.Seal {
	case "keyfile", "master-key", "passphrase", "shamir":
	default:
		return fmt.Errorf("--seal %q: want keyfile, master-key, passphrase or shamir", c.Seal)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("--log-level %q: want debug, info, warn or error", c.LogLevel)
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// resolvePaths fills the paths that depend on the data directory.
func (c *Config) resolvePaths() error {
	if c.DataDir == "" {
		dir, err := os.MkdirTemp("", "coffer-dev-")
		if err != nil {
			return fmt.Errorf("creating a temporary data directory: %w", err)
		}
		c.DataDir = dir
	}
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return fmt.Errorf("data directory %s: %w", c.DataDir, err)
	}
	if c.Storage == "" {
		c.Storage = "sqlite:" + filepath.Join(c.DataDir, "coffer.db")
	}
	if c.RootKeyFile == "" {
		c.RootKeyFile = filepath.Join(c.DataDir, "root.key")
	}
	if c.PublicURL == "" {
		scheme := "http"
		if c.TLSCert != "" {
			scheme = "https"
		}
		c.PublicURL = scheme + "://" + c.Listen
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	return nil
}
