package credprovider

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cofferhq/coffer/api"
)

func TestParseGrant(t *testing.T) {
	tests := []struct {
		in   string
		want Grant
	}{
		{"SELECT ON ALL TABLES IN SCHEMA public", Grant{Privileges: []string{"SELECT"}, Target: "schema", Schema: "public"}},
		{"select, insert ,UPDATE on all tables in schema App_1", Grant{Privileges: []string{"SELECT", "INSERT", "UPDATE"}, Target: "schema", Schema: "App_1"}},
		{"SELECT ON TABLE orders", Grant{Privileges: []string{"SELECT"}, Target: "table", Name: "orders"}},
		{"SELECT, SELECT ON TABLE shop.orders", Grant{Privileges: []string{"SELECT"}, Target: "table", Schema: "shop", Name: "orders"}},
		{"ALL PRIVILEGES ON DATABASE app", Grant{Privileges: []string{"ALL"}, Target: "database", Name: "app"}},
	}
	for _, tc := range tests {
		got, err := ParseGrant(tc.in, postgresPrivileges)
		if err != nil {
			t.Errorf("ParseGrant(%q) = %v", tc.in, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("ParseGrant(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
}

// TestParseGrantHostile lists inputs that try to smuggle SQL or
// administrative privileges through a template grant.
func TestParseGrantHostile(t *testing.T) {
	hostile := []string{
		"",
		"SELECT",
		"ON TABLE x",
		"SELECT ON TABLE x; DROP ROLE postgres",
		"SELECT ON TABLE x TO PUBLIC",
		"SELECT ON TABLE \"x\"",
		"SELECT ON TABLE x--",
		"SELECT ON TABLE a.b.c",
		"SELECT ON ALL TABLES IN SCHEMA public; DROP TABLE t",
		"SELECT ON ALL TABLES IN SCHEMA pub'lic",
		"SELECT ON ALL TABLES IN SCHEMA `x`",
		"SUPERUSER ON DATABASE app",
		"GRANT OPTION ON DATABASE app",
		"SELECT WITH GRANT OPTION ON TABLE x",
		"SELECT ON TABLE x WITH GRANT OPTION",
		"CREATEROLE ON DATABASE app",
		"SELECT ON FUNCTION f",
		"SELECT ON SCHEMA public",
		"SELECT ON TABLE " + strings.Repeat("a", 64),
		"SELECT ON DATABASE app/*",
	}
	for _, in := range hostile {
		if g, err := ParseGrant(in, postgresPrivileges); !errors.Is(err, api.ErrInvalid) {
			t.Errorf("ParseGrant(%q) = %+v, %v; want an error wrapping api.ErrInvalid", in, g, err)
		}
	}
	if _, err := ParseGrant("FILE ON DATABASE app", mariadbPrivileges); !errors.Is(err, api.ErrInvalid) {
		t.Errorf("ParseGrant(FILE) for mariadb = %v, want api.ErrInvalid", err)
	}
}

func FuzzParseGrant(f *testing.F) {
	f.Add("SELECT, INSERT ON ALL TABLES IN SCHEMA public")
	f.Add("SELECT ON TABLE a.b")
	f.Add("ALL ON DATABASE x; DROP")
	safe := regexp.MustCompile(`^[A-Za-z0-9_]*$`)
	f.Fuzz(func(t *testing.T, in string) {
		g, err := ParseGrant(in, postgresPrivileges)
		if err != nil {
			return
		}
		for _, id := range []string{g.Schema, g.Name} {
			if !safe.MatchString(id) {
				t.Errorf("ParseGrant(%q) accepted identifier %q", in, id)
			}
		}
		for _, stmt := range pgGrant(g, pgIdent("u")) {
			if strings.ContainsAny(stmt, ";'`\\") || strings.Contains(stmt, "--") {
				t.Errorf("ParseGrant(%q) rendered %q", in, stmt)
			}
		}
	})
}

func TestUserName(t *testing.T) {
	tests := []struct {
		pattern string
		params  Params
		max     int
		want    string // regexp
	}{
		{"app_{{.Secret}}_{{.Version}}", Params{"Secret": "S-1", "Version": "v2"}, 63, `^app_s_1_v2_[a-z0-9]{6}$`},
		{"app_{{random}}", nil, 63, `^app_[a-z0-9]{8}_[a-z0-9]{6}$`},
		{"app_{{ .Secret }}", Params{"Secret": `x"; DROP ROLE postgres; --`}, 63, `^app_x_drop_role_postgres__[a-z0-9]{6}$`},
		{"app_{{.Secret}}", Params{"Secret": strings.Repeat("a", 100)}, 32, `^app_a{21}_[a-z0-9]{6}$`},
		{"app_{{.Missing}}", nil, 63, `^app__[a-z0-9]{6}$`},
	}
	for _, tc := range tests {
		got, err := userName(tc.pattern, tc.params, tc.max)
		if err != nil || !regexp.MustCompile(tc.want).MatchString(got) || len(got) > tc.max {
			t.Errorf("userName(%q, %v) = %q, %v; want a match of %s", tc.pattern, tc.params, got, err, tc.want)
			continue
		}
		if err := checkUserName(tc.pattern, got, tc.max); err != nil {
			t.Errorf("checkUserName(%q, %q) = %v, want nil", tc.pattern, got, err)
		}
	}
	for _, bad := range []string{"", "App_{{random}}", "1app", "app-{{random}}", `app"{{random}}`, "app_{{.Secret", "app_{{template \"x\"}}",
		"a_{{random}}_{{random}}_{{random}}_{{random}}_{{random}}_{{random}}_{{random}}"} {
		if got, err := userName(bad, Params{"Secret": "s"}, 63); !errors.Is(err, api.ErrInvalid) {
			t.Errorf("userName(%q) = %q, %v; want an error wrapping api.ErrInvalid", bad, got, err)
		}
	}
	for _, name := range []string{"postgres", "root", "app_abc", "app_abcdefgh_abcdef; drop", "app_abcdefgh_ABCDEF", "other_abcdefgh_abcdef"} {
		if err := checkUserName("app_{{random}}", name, 63); !errors.Is(err, api.ErrInvalid) {
			t.Errorf("checkUserName(app_{{random}}, %q) = %v, want api.ErrInvalid", name, err)
		}
	}
}

func TestPasswords(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		p := newPassword(32)
		if len(p) != 32 || strings.Trim(p, alphabet) != "" || seen[p] {
			t.Fatalf("newPassword(32) = %q: want 32 fresh URL-safe characters", p)
		}
		seen[p] = true
	}
	if v := scramVerifier("pw"); !regexp.MustCompile(`^SCRAM-SHA-256\$4096:[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}:[A-Za-z0-9+/=]{44}$`).MatchString(v) {
		t.Errorf("scramVerifier = %q, want PostgreSQL's format", v)
	}
	// mysql_native_password of "password", as MariaDB's PASSWORD('password') computes it.
	if got, want := nativePasswordHash("password"), "*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19"; got != want {
		t.Errorf("nativePasswordHash(password) = %s, want %s", got, want)
	}
}

func TestCheckTemplate(t *testing.T) {
	ok := Template{RoleNamePattern: "app_{{random}}", InheritRole: "readers"}
	if err := checkTemplate(ok); err != nil {
		t.Fatalf("checkTemplate(%+v) = %v", ok, err)
	}
	bad := []Template{
		{RoleNamePattern: "app_{{random}}"},
		{RoleNamePattern: "app_{{random}}", InheritRole: `readers"; DROP ROLE x; --`},
		{RoleNamePattern: "app_{{random}}", InheritRole: "r", ConnectionLimit: -1},
		{RoleNamePattern: "app_{{random}}", InheritRole: "r", Database: "db`; DROP"},
		{RoleNamePattern: "app_{{random}}", InheritRole: "r", PasswordLength: 8},
	}
	for _, tc := range bad {
		if err := checkTemplate(tc); !errors.Is(err, api.ErrInvalid) {
			t.Errorf("checkTemplate(%+v) = %v, want api.ErrInvalid", tc, err)
		}
	}
}
