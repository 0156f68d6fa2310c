package secrets_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/IBM/go-sdk-core/v5/core"
	sm "github.com/IBM/secrets-manager-go-sdk/v2/secretsmanagerv2"
	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"

	"github.com/cofferhq/coffer/internal/server"
	"github.com/cofferhq/coffer/internal/servertest"
)

// dbBackend is a real database server the end-to-end tests create users on.
type dbBackend struct {
	provider string
	admin    map[string]any // the admin connection, as stored in a kv secret
	template map[string]any // coffer_provider.template without role_name_pattern
	// login connects with credentials_content and runs a query the grants
	// allow; nil means it worked.
	login func(ctx context.Context, creds map[string]any) error
	// dropUsers drops every user whose name starts with prefix (cleanup).
	dropUsers func(ctx context.Context, prefix string)
}

func randomHex(tb testing.TB) string {
	tb.Helper()
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		tb.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// postgresDB connects to COFFER_TEST_POSTGRES_URL and makes a schema with
// one table, dropped at cleanup.
func postgresDB(t *testing.T) *dbBackend {
	t.Helper()
	raw := os.Getenv("COFFER_TEST_POSTGRES_URL")
	if raw == "" {
		t.Skip("PostgreSQL credentials tests skipped: set COFFER_TEST_POSTGRES_URL, e.g. postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable (.ci/run does)")
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, raw)
	if err != nil {
		t.Skipf("PostgreSQL credentials tests skipped: COFFER_TEST_POSTGRES_URL unreachable: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	schema := "dbcreds_" + randomHex(t)
	for _, s := range []string{"CREATE SCHEMA " + schema, "CREATE TABLE " + schema + ".items (id int)",
		"INSERT INTO " + schema + ".items VALUES (1), (2)"} {
		if _, err := conn.Exec(ctx, s); err != nil {
			t.Fatalf("setup %q: %v", s, err)
		}
	}
	t.Cleanup(func() { _, _ = conn.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE") })
	u, _ := url.Parse(raw)
	pw, _ := u.User.Password()
	port, _ := strconv.Atoi(u.Port())
	return &dbBackend{provider: "postgres",
		admin: map[string]any{"host": u.Hostname(), "port": port, "username": u.User.Username(), "password": pw,
			"database": strings.TrimPrefix(u.Path, "/"), "tls": "disable"},
		template: map[string]any{"grants": []string{"SELECT ON ALL TABLES IN SCHEMA " + schema}, "connection_limit": 5},
		login: func(ctx context.Context, creds map[string]any) error {
			c, err := pgx.Connect(ctx, fmt.Sprint(creds["url"]))
			if err != nil {
				return err
			}
			defer c.Close(ctx)
			var n int
			return c.QueryRow(ctx, "SELECT count(*) FROM "+schema+".items").Scan(&n)
		},
		dropUsers: func(ctx context.Context, prefix string) {
			rows, _ := conn.Query(ctx, "SELECT rolname FROM pg_roles WHERE rolname LIKE $1", prefix+"%")
			names, _ := pgx.CollectRows(rows, pgx.RowTo[string])
			for _, n := range names {
				id := pgx.Identifier{n}.Sanitize()
				_, _ = conn.Exec(ctx, "DROP OWNED BY "+id)
				_, _ = conn.Exec(ctx, "DROP ROLE IF EXISTS "+id)
			}
		},
	}
}

// mariadbDB connects to COFFER_TEST_MARIADB_DSN and makes a database with
// one table, dropped at cleanup.
func mariadbDB(t *testing.T) *dbBackend {
	t.Helper()
	dsn := os.Getenv("COFFER_TEST_MARIADB_DSN")
	if dsn == "" {
		t.Skip("MariaDB credentials tests skipped: set COFFER_TEST_MARIADB_DSN, e.g. root@tcp(127.0.0.1:3306)/ (.ci/run does)")
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("COFFER_TEST_MARIADB_DSN: %v", err)
	}
	db, err := sql.Open("mysql", dsn)
	if err == nil {
		err = db.Ping()
	}
	if err != nil {
		t.Skipf("MariaDB credentials tests skipped: COFFER_TEST_MARIADB_DSN unreachable: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	name := "dbcreds_" + randomHex(t)
	for _, s := range []string{"CREATE DATABASE " + name, "CREATE TABLE " + name + ".items (id int)",
		"INSERT INTO " + name + ".items VALUES (1), (2)"} {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("setup %q: %v", s, err)
		}
	}
	t.Cleanup(func() { _, _ = db.Exec("DROP DATABASE " + name) })
	host, portStr, _ := net.SplitHostPort(cfg.Addr)
	port, _ := strconv.Atoi(portStr)
	return &dbBackend{provider: "mariadb",
		admin: map[string]any{"host": host, "port": port, "username": cfg.User, "password": cfg.Passwd, "tls": "disable"},
		template: map[string]any{"grants": []string{"SELECT ON DATABASE " + name}, "database": name,
			"connection_limit": 5},
		login: func(ctx context.Context, creds map[string]any) error {
			c := mysql.NewConfig()
			c.User, c.Passwd, c.Net = fmt.Sprint(creds["username"]), fmt.Sprint(creds["password"]), "tcp"
			c.Addr = net.JoinHostPort(fmt.Sprint(creds["host"]), fmt.Sprint(creds["port"]))
			c.DBName, c.Timeout = fmt.Sprint(creds["database"]), 5*time.Second
			conn, err := mysql.NewConnector(c)
			if err != nil {
				return err
			}
			udb := sql.OpenDB(conn)
			defer udb.Close()
			var n int
			return udb.QueryRowContext(ctx, "SELECT COUNT(*) FROM items").Scan(&n)
		},
		dropUsers: func(ctx context.Context, prefix string) {
			rows, err := db.QueryContext(ctx, "SELECT User FROM mysql.user WHERE User LIKE ?", prefix+"%")
			if err != nil {
				return
			}
			var names []string
			for rows.Next() {
				var n string
				if rows.Scan(&n) == nil {
					names = append(names, n)
				}
			}
			rows.Close()
			for _, n := range names {
				_, _ = db.ExecContext(ctx, "DROP USER IF EXISTS '"+n+"'@'%'")
			}
		},
	}
}

func TestDatabaseCredentialsPostgres(t *testing.T) { testDatabaseCredentials(t, postgresDB(t)) }

func TestDatabaseCredentialsMariaDB(t *testing.T) { testDatabaseCredentials(t, mariadbDB(t)) }

// dbEnv is one end-to-end run: a server with no grace period for
// superseded credentials and a 1 ms retry backoff, IBM's SDK, and a
// custom_credentials_configuration with a built-in provider.
type dbEnv struct {
	srv     *servertest.Server
	sdk     *sm.SecretsManagerV2
	db      *dbBackend
	adminID string
	config  string
	prefix  string // of every user the configuration makes
}

func newDBEnv(t *testing.T, db *dbBackend) *dbEnv {
	t.Helper()
	srv := servertest.New(t, servertest.WithConfig(func(c *server.Config) {
		c.CredentialsGrace, c.CredentialsRetryBackoff = -time.Second, time.Millisecond
	}))
	e := &dbEnv{srv: srv, sdk: newSDK(t, srv, srv.URL, nil), db: db, prefix: "cof" + randomHex(t), config: "db-" + db.provider}
	t.Cleanup(func() { db.dropUsers(context.Background(), e.prefix) })
	kv, resp, err := e.sdk.CreateSecret(&sm.CreateSecretOptions{SecretPrototype: &sm.KVSecretPrototype{
		SecretType: core.StringPtr("kv"), Name: core.StringPtr("admin-" + db.provider), Data: db.admin}})
	e.adminID = *must(t, "CreateSecret(admin kv)", kv, resp, err, 201).(*sm.KVSecret).ID
	tmpl := map[string]any{"role_name_pattern": e.prefix + "_{{random}}"}
	for k, v := range db.template {
		tmpl[k] = v
	}
	body := map[string]any{"config_type": "custom_credentials_configuration", "name": e.config,
		"coffer_provider": map[string]any{"provider": db.provider, "admin_secret_id": e.adminID, "template": tmpl}}
	code, got := e.post(t, "/api/v2/configurations", body)
	if code != 201 {
		t.Fatalf("create configuration = %d %s, want 201", code, got)
	}
	if strings.Contains(string(got), fmt.Sprint(db.admin["password"])+`"`) && db.admin["password"] != "" {
		t.Errorf("create configuration echoes the admin password: %s", got)
	}
	cfg, resp, err := e.sdk.GetConfiguration(&sm.GetConfigurationOptions{Name: core.StringPtr(e.config)})
	must(t, "GetConfiguration", cfg, resp, err, 200)
	if _, ok := cfg.(*sm.CustomCredentialsConfiguration); !ok {
		t.Errorf("GetConfiguration decodes as %T, want *CustomCredentialsConfiguration", cfg)
	}
	return e
}

// post sends a JSON body with the bootstrap administrator's token.
func (e *dbEnv) post(t *testing.T, path string, body any) (int, []byte) {
	t.Helper()
	tok, err := e.srv.Client.Token(context.Background())
	if err != nil {
		t.Fatalf("Token: %v", err)
	}
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+path, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+tok.Reveal())
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	var out bytes.Buffer
	_, _ = out.ReadFrom(resp.Body)
	return resp.StatusCode, out.Bytes()
}

func (e *dbEnv) sweep(t *testing.T) {
	t.Helper()
	if err := e.srv.Sweep(context.Background()); err != nil {
		t.Fatalf("Sweep: %v", err)
	}
}

// current returns the secret's metadata and credentials_content.
func (e *dbEnv) current(t *testing.T, id string) (*sm.CustomCredentialsSecret, map[string]any) {
	t.Helper()
	s, resp, err := e.sdk.GetSecret(&sm.GetSecretOptions{ID: core.StringPtr(id)})
	x := must(t, "GetSecret", s, resp, err, 200).(*sm.CustomCredentialsSecret)
	return x, x.CredentialsContent
}

func (e *dbEnv) tasks(t *testing.T, id string) []sm.SecretTask {
	t.Helper()
	l, resp, err := e.sdk.ListSecretTasks(&sm.ListSecretTasksOptions{SecretID: core.StringPtr(id)})
	return must(t, "ListSecretTasks", l, resp, err, 200).Tasks
}

func (e *dbEnv) lock(t *testing.T, secret, version, name string) {
	t.Helper()
	l, resp, err := e.sdk.CreateSecretVersionLocksBulk(&sm.CreateSecretVersionLocksBulkOptions{SecretID: &secret,
		ID: &version, Locks: []sm.SecretLockPrototype{{Name: core.StringPtr(name)}}})
	must(t, "CreateSecretVersionLocksBulk", l, resp, err, 201)
}

func (e *dbEnv) wantLogin(t *testing.T, creds map[string]any, what string) {
	t.Helper()
	if err := e.db.login(context.Background(), creds); err != nil {
		t.Errorf("%s: login as %v = %v, want nil", what, creds["username"], err)
	}
}

func (e *dbEnv) wantNoLogin(t *testing.T, creds map[string]any, what string) {
	t.Helper()
	if err := e.db.login(context.Background(), creds); err == nil {
		t.Errorf("%s: login as %v worked, want it refused (user dropped)", what, creds["username"])
	}
}

func testDatabaseCredentials(t *testing.T, db *dbBackend) {
	e := newDBEnv(t, db)
	s, resp, err := e.sdk.CreateSecret(&sm.CreateSecretOptions{SecretPrototype: &sm.CustomCredentialsSecretPrototype{
		SecretType: core.StringPtr("custom_credentials"), Name: core.StringPtr("app-" + db.provider),
		Configuration: core.StringPtr(e.config)}})
	id := *must(t, "CreateSecret(custom_credentials)", s, resp, err, 201).(*sm.CustomCredentialsSecret).ID
	e.sweep(t)
	x1, creds1 := e.current(t, id)
	v1 := firstTask(t, e.tasks(t, id), "create_credentials", "credentials_created").SecretVersionID
	if u := fmt.Sprint(creds1["username"]); !strings.HasPrefix(u, e.prefix) || creds1["password"] == "" || creds1["url"] == nil {
		t.Fatalf("credentials_content = user %q (password and url set: %v, %v), want a user %s_…", u,
			creds1["password"] != "", creds1["url"] != nil, e.prefix)
	}
	e.wantLogin(t, creds1, "first version")
	e.lock(t, id, *v1, "app-a")

	// Rotation: a new user; the old one keeps working.
	v, resp, err := e.sdk.CreateSecretVersion(&sm.CreateSecretVersionOptions{SecretID: &id,
		SecretVersionPrototype: &sm.CustomCredentialsSecretVersionPrototype{}})
	v2 := *must(t, "CreateSecretVersion", v, resp, err, 201).(*sm.CustomCredentialsSecretVersion).ID
	e.sweep(t)
	_, creds2 := e.current(t, id)
	if creds2["username"] == creds1["username"] {
		t.Fatalf("after rotation the user is still %v, want a new one", creds1["username"])
	}
	e.wantLogin(t, creds2, "rotated version")
	e.wantLogin(t, creds1, "previous version, still locked")

	// Retirement: lock the new version, unlock the previous: its user is dropped.
	e.lock(t, id, v2, "app-b")
	_, resp, err = e.sdk.DeleteSecretVersionLocksBulk(&sm.DeleteSecretVersionLocksBulkOptions{SecretID: &id, ID: v1})
	if err != nil {
		t.Fatalf("DeleteSecretVersionLocksBulk = %d %v", status(err, resp), err)
	}
	e.sweep(t)
	firstTask(t, e.tasks(t, id), "delete_credentials", "credentials_deleted")
	e.wantNoLogin(t, creds1, "retired version")
	e.wantLogin(t, creds2, "current version after the retirement")
	_ = x1

	t.Run("database down", func(t *testing.T) { testDatabaseDown(t, e, id, creds2) })
}

// testDatabaseDown points the admin secret at a closed port and rotates:
// the task is retried with its errors recorded, then answered failed after
// the attempts run out; the current credentials keep serving throughout.
func testDatabaseDown(t *testing.T, e *dbEnv, id string, serving map[string]any) {
	admin := map[string]any{}
	for k, v := range e.db.admin {
		admin[k] = v
	}
	admin["port"] = closedPort(t)
	kv, resp, err := e.sdk.CreateSecretVersion(&sm.CreateSecretVersionOptions{SecretID: &e.adminID,
		SecretVersionPrototype: &sm.KVSecretVersionPrototype{Data: admin}})
	must(t, "CreateSecretVersion(admin kv)", kv, resp, err, 201)
	v, resp, err := e.sdk.CreateSecretVersion(&sm.CreateSecretVersionOptions{SecretID: &id,
		SecretVersionPrototype: &sm.CustomCredentialsSecretVersionPrototype{}})
	must(t, "CreateSecretVersion", v, resp, err, 201)
	e.sweep(t)
	task := lastTask(t, e.tasks(t, id))
	if *task.Status != "queued" || len(task.Errors) != 1 || !strings.Contains(*task.Errors[0].Description, "cannot") {
		t.Fatalf("after one failed attempt the task is %s with errors %v, want queued with one connection error",
			*task.Status, errorsOf(task))
	}
	x, creds := e.current(t, id)
	if creds["username"] != serving["username"] {
		t.Errorf("while the database is down the secret serves user %v, want %v", creds["username"], serving["username"])
	}
	e.wantLogin(t, creds, "credentials served while the database is down")
	for deadline := time.Now().Add(10 * time.Second); *task.Status == "queued" && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond) // the 1 ms backoff, doubled after each attempt
		e.sweep(t)
		task = lastTask(t, e.tasks(t, id))
	}
	if *task.Status != "failed" || len(task.Errors) == 0 {
		t.Fatalf("after the attempts ran out the task is %s with errors %v, want failed", *task.Status, errorsOf(task))
	}
	x, creds = e.current(t, id)
	if x.LastFailedTaskID == nil || *x.LastFailedTaskID != *task.ID {
		t.Errorf("last_failed_task_id = %v, want %s", x.LastFailedTaskID, *task.ID)
	}
	e.wantLogin(t, creds, "credentials served after the task failed")
}

func closedPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}

func firstTask(t *testing.T, tasks []sm.SecretTask, typ, status string) *sm.SecretTask {
	t.Helper()
	for i, k := range tasks {
		if *k.Type == typ && *k.Status == status {
			return &tasks[i]
		}
	}
	var got []string
	for _, k := range tasks {
		got = append(got, *k.Type+"/"+*k.Status+fmt.Sprint(errorsOf(&k)))
	}
	t.Fatalf("tasks = %v, want a %s task %s", got, typ, status)
	return nil
}

func lastTask(t *testing.T, tasks []sm.SecretTask) *sm.SecretTask {
	t.Helper()
	if len(tasks) == 0 {
		t.Fatal("the secret has no tasks")
	}
	return &tasks[len(tasks)-1]
}

func errorsOf(k *sm.SecretTask) []string {
	var out []string
	for _, e := range k.Errors {
		out = append(out, *e.Code+": "+*e.Description)
	}
	return out
}
