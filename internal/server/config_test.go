package server

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestParseConfigDefaults(t *testing.T) {
	c, err := ParseConfig(nil, env(nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Config{Listen: "127.0.0.1:8420", DataDir: "./coffer-data", Seal: "keyfile", Region: "us-south",
		MaxBodyBytes: 2 << 20, ShutdownTimeout: 30 * time.Second, LogLevel: "info"}
	if c != want {
		t.Errorf("ParseConfig() = %+v, want %+v", c, want)
	}
}

func TestParseConfigFlagsWinOverEnvironment(t *testing.T) {
	c, err := ParseConfig([]string{"--listen", "127.0.0.1:9000", "--dev", "--region=eu-de"},
		env(map[string]string{"COFFER_LISTEN": "127.0.0.1:7000", "COFFER_REGION": "us-east",
			"COFFER_MASTER_KEY": "k", "COFFER_LOG_LEVEL": "debug"}), nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:9000" || !c.Dev || c.Region != "eu-de" || c.MasterKey != "k" || c.LogLevel != "debug" {
		t.Errorf("ParseConfig = %+v", c)
	}
}

func TestParseConfigRefusals(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"plain HTTP off loopback", []string{"--listen", "0.0.0.0:8420"}, nil, "refusing to serve plain HTTP"},
		{"plain HTTP off loopback by env", nil, map[string]string{"COFFER_LISTEN": "10.0.0.1:80"}, "--insecure-http"},
		{"tls half", []string{"--tls-cert", "c.pem"}, nil, "must be given together"},
		{"dev off loopback", []string{"--dev", "--listen", "0.0.0.0:1", "--insecure-http"}, nil, "loopback only"},
		{"bad seal", []string{"--seal", "vault"}, nil, "want keyfile"},
		{"bad listen", []string{"--listen", "8420"}, nil, "want host:port"},
		{"bad bool env", nil, map[string]string{"COFFER_DEV": "maybe"}, "COFFER_DEV"},
		{"bad duration", []string{"--shutdown-timeout", "soon"}, nil, "positive duration"},
		{"unknown flag", []string{"--colour"}, nil, "colour"},
		{"stray argument", []string{"now"}, nil, "unexpected argument"},
		{"secret as a flag", []string{"--master-key", "x"}, nil, "master-key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseConfig(tc.args, env(tc.env), nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ParseConfig(%q) = %v, want an error containing %q", tc.args, err, tc.want)
			}
		})
	}
}

func TestParseConfigAllowsExplicitChoices(t *testing.T) {
	for _, args := range [][]string{
		{"--listen", "0.0.0.0:8420", "--insecure-http"},
		{"--listen", "0.0.0.0:8443", "--tls-cert", "c.pem", "--tls-key", "k.pem"},
		{"--listen", "[::1]:8420"},
		{"--listen", "localhost:8420"},
	} {
		if _, err := ParseConfig(args, env(nil), nil); err != nil {
			t.Errorf("ParseConfig(%q) = %v, want nil", args, err)
		}
	}
}

func TestHelpListsEverySetting(t *testing.T) {
	var out bytes.Buffer
	if _, err := ParseConfig([]string{"--help"}, env(nil), &out); err != errHelp {
		t.Fatalf("ParseConfig(--help) = %v, want errHelp", err)
	}
	help := out.String()
	for _, s := range settings {
		if !strings.Contains(help, s.env) {
			t.Errorf("--help does not mention %s", s.env)
		}
		if s.flag != "" && !strings.Contains(help, "--"+s.flag) {
			t.Errorf("--help does not mention --%s", s.flag)
		}
		if s.def != "" && !strings.Contains(help, "(default "+s.def+")") {
			t.Errorf("--help does not give the default of %s", s.env)
		}
		if s.secret && s.flag != "" {
			t.Errorf("secret setting %s must not be a flag", s.env)
		}
	}
}
