package credprovider

import (
	"context"
	"net/url"
	"os"
	"strconv"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/cofferhq/coffer/api"
)

// postgresEnv is the variable .ci/run sets to the test PostgreSQL server,
// e.g. postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable.
const postgresEnv = "COFFER_TEST_POSTGRES_URL"

// postgresBackend connects to the server of COFFER_TEST_POSTGRES_URL and
// makes a schema with the tables allowed and forbidden, dropped at cleanup.
func postgresBackend(t *testing.T) *backend {
	t.Helper()
	raw := os.Getenv(postgresEnv)
	if raw == "" {
		t.Skipf("PostgreSQL provider tests skipped: set %s, e.g. postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", postgresEnv)
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("%s is not a URL: %v", postgresEnv, err)
	}
	port, _ := strconv.Atoi(u.Port())
	pw, _ := u.User.Password()
	admin := Admin{Host: u.Hostname(), Port: port, User: u.User.Username(), Password: api.Sensitive(pw),
		Database: u.Path[1:], TLS: u.Query().Get("sslmode")}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, raw)
	if err != nil {
		t.Skipf("PostgreSQL provider tests skipped: %s unreachable: %v", postgresEnv, err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	schema := "cptest_" + randomSuffix(t)
	b := &backend{
		provider:  Postgres{},
		admin:     admin,
		template:  Template{RoleNamePattern: "cptest_{{.Secret}}_{{.Version}}", Grants: []string{"SELECT ON TABLE " + schema + ".allowed"}},
		allowed:   "SELECT count(*) FROM " + schema + ".allowed",
		forbidden: "SELECT count(*) FROM " + schema + ".forbidden",
		login: func(ctx context.Context, c *Credentials, query string) error {
			conn, err := pgx.Connect(ctx, c.URL.Reveal())
			if err != nil {
				return err
			}
			defer conn.Close(ctx)
			_, err = conn.Exec(ctx, query)
			return err
		},
		connLimit: func(ctx context.Context, user string) (n int, err error) {
			err = conn.QueryRow(ctx, `SELECT rolconnlimit FROM pg_roles WHERE rolname = $1`, user).Scan(&n)
			return n, err
		},
		exec: func(ctx context.Context, stmts ...string) error {
			for _, s := range stmts {
				if _, err := conn.Exec(ctx, s); err != nil {
					return err
				}
			}
			return nil
		},
	}
	if err := b.exec(ctx, "CREATE SCHEMA "+schema, "CREATE TABLE "+schema+".allowed (x int)",
		"CREATE TABLE "+schema+".forbidden (x int)"); err != nil {
		t.Fatalf("set up schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		if err := b.exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return b
}

func TestPostgres(t *testing.T) {
	runProvider(t, postgresBackend(t))
}

// TestPostgresInheritRole grants a group role instead of table privileges.
func TestPostgresInheritRole(t *testing.T) {
	b := postgresBackend(t)
	ctx := context.Background()
	role := "cptest_readers_" + randomSuffix(t)
	schema := b.allowed[len("SELECT count(*) FROM ") : len(b.allowed)-len(".allowed")]
	if err := b.exec(ctx, "CREATE ROLE "+role+" NOLOGIN", "GRANT USAGE ON SCHEMA "+schema+" TO "+role,
		"GRANT SELECT ON "+schema+".allowed TO "+role); err != nil {
		t.Fatalf("create role: %v", err)
	}
	t.Cleanup(func() { _ = b.exec(context.Background(), "DROP OWNED BY "+role, "DROP ROLE "+role) })
	tmpl := Template{RoleNamePattern: "cptest_{{random}}", InheritRole: role}
	c := createUser(t, b, tmpl, nil)
	wantLogin(t, b, c, "inherited role")
}

// TestPostgresLiteral runs pgLiteral's output through the server.
func TestPostgresLiteral(t *testing.T) {
	b := postgresBackend(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, os.Getenv(postgresEnv))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	_ = b
	for _, s := range []string{"plain", "it's", `back\slash`, `\'; DROP TABLE x; --`, `''\\''`, "E'x'", "$$x$$", "uni✓code"} {
		var got string
		if err := conn.QueryRow(ctx, "SELECT "+pgLiteral(s)).Scan(&got); err != nil || got != s {
			t.Errorf("SELECT %s = %q, %v; want %q", pgLiteral(s), got, err, s)
		}
		var ident string
		if err := conn.QueryRow(ctx, "SELECT 1 AS "+pgIdent(s)).Scan(new(int)); err != nil {
			t.Errorf("SELECT 1 AS %s = %v (ident %s)", pgIdent(s), err, ident)
		}
	}
}
