package credprovider

import (
	"context"
	"database/sql"
	"net"
	"os"
	"strconv"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/cofferhq/coffer/api"
)

// mariadbEnv is the variable .ci/run sets to the test MariaDB server's DSN,
// e.g. root@tcp(127.0.0.1:3306)/.
const mariadbEnv = "COFFER_TEST_MARIADB_DSN"

// mariadbBackend connects to the server of COFFER_TEST_MARIADB_DSN and
// makes a database with the tables allowed and forbidden, dropped at
// cleanup.
func mariadbBackend(t *testing.T) *backend {
	t.Helper()
	dsn := os.Getenv(mariadbEnv)
	if dsn == "" {
		t.Skipf("MariaDB provider tests skipped: set %s, e.g. root@tcp(127.0.0.1:3306)/", mariadbEnv)
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("%s does not parse: %v", mariadbEnv, err)
	}
	host, portStr, _ := net.SplitHostPort(cfg.Addr)
	port, _ := strconv.Atoi(portStr)
	admin := Admin{Host: host, Port: port, User: cfg.User, Password: api.Sensitive(cfg.Passwd), Database: cfg.DBName}
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	if err := db.PingContext(ctx); err != nil {
		t.Skipf("MariaDB provider tests skipped: %s unreachable: %v", mariadbEnv, err)
	}
	name := "cptest_" + randomSuffix(t)
	b := &backend{
		provider:  MariaDB{},
		admin:     admin,
		template:  Template{RoleNamePattern: "cptest_{{.Secret}}_{{.Version}}", Grants: []string{"SELECT ON TABLE " + name + ".allowed"}},
		allowed:   "SELECT count(*) FROM " + name + ".allowed",
		forbidden: "SELECT count(*) FROM " + name + ".forbidden",
		login: func(ctx context.Context, c *Credentials, query string) error {
			ucfg := mysql.NewConfig()
			ucfg.User, ucfg.Passwd, ucfg.Net = c.Username, c.Password.Reveal(), "tcp"
			ucfg.Addr = net.JoinHostPort(c.Host, strconv.Itoa(c.Port))
			connector, err := mysql.NewConnector(ucfg)
			if err != nil {
				return err
			}
			udb := sql.OpenDB(connector)
			defer udb.Close()
			_, err = udb.ExecContext(ctx, query)
			return err
		},
		connLimit: func(ctx context.Context, user string) (n int, err error) {
			err = db.QueryRowContext(ctx, `SELECT max_user_connections FROM mysql.user WHERE User = ? AND Host = '%'`, user).Scan(&n)
			return n, err
		},
		exec: func(ctx context.Context, stmts ...string) error {
			for _, s := range stmts {
				if _, err := db.ExecContext(ctx, s); err != nil {
					return err
				}
			}
			return nil
		},
	}
	if err := b.exec(ctx, "CREATE DATABASE "+name, "CREATE TABLE "+name+".allowed (x int)",
		"CREATE TABLE "+name+".forbidden (x int)"); err != nil {
		t.Fatalf("set up database %s: %v", name, err)
	}
	t.Cleanup(func() {
		if err := b.exec(context.Background(), "DROP DATABASE "+name); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	return b
}

func TestMariaDB(t *testing.T) {
	runProvider(t, mariadbBackend(t))
}

// TestMariaDBInheritRole grants a role instead of table privileges.
func TestMariaDBInheritRole(t *testing.T) {
	b := mariadbBackend(t)
	ctx := context.Background()
	role := "cptest_readers_" + randomSuffix(t)
	table := b.allowed[len("SELECT count(*) FROM "):]
	if err := b.exec(ctx, "CREATE ROLE "+role, "GRANT SELECT ON "+table+" TO "+role); err != nil {
		t.Fatalf("create role: %v", err)
	}
	t.Cleanup(func() { _ = b.exec(context.Background(), "DROP ROLE "+role) })
	c := createUser(t, b, Template{RoleNamePattern: "cptest_{{random}}", InheritRole: role}, nil)
	wantLogin(t, b, c, "inherited role")
}

// TestMariaDBLiteral runs mdbLiteral's and mdbIdent's output through the
// server in the session mode the provider uses.
func TestMariaDBLiteral(t *testing.T) {
	b := mariadbBackend(t)
	ctx := context.Background()
	conn, closeFn, err := MariaDB{}.connect(ctx, b.admin)
	if err != nil {
		t.Fatal(err)
	}
	defer closeFn()
	for _, s := range []string{"plain", "it's", `back\slash`, `\'; DROP TABLE x; --`, "`tick`", `''\\''`, "uni✓code"} {
		var got string
		if err := conn.QueryRowContext(ctx, "SELECT "+mdbLiteral(s)).Scan(&got); err != nil || got != s {
			t.Errorf("SELECT %s = %q, %v; want %q", mdbLiteral(s), got, err, s)
		}
		if err := conn.QueryRowContext(ctx, "SELECT 1 AS "+mdbIdent(s)).Scan(new(int)); err != nil {
			t.Errorf("SELECT 1 AS %s = %v", mdbIdent(s), err)
		}
	}
}
