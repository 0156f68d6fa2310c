package credprovider

import (
	"context"
	"crypto/sha1"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-sql-driver/mysql"

	"github.com/cofferhq/coffer/api"
)

// MariaDB is the "mariadb" provider: users are MariaDB accounts
// 'name'@'%' authenticated by mysql_native_password. The admin needs CREATE
// USER and the privileges the templates grant WITH GRANT OPTION (root has
// them). MySQL servers limit names to 32 characters: keep patterns short
// there.
type MariaDB struct{}

var _ Provider = MariaDB{}

// mariadbMaxName is MariaDB's limit on user names (10.6 and later).
const mariadbMaxName = 80

// Name returns "mariadb".
func (MariaDB) Name() string { return "mariadb" }

// Ping connects as the admin and pings the server.
func (m MariaDB) Ping(ctx context.Context, admin Admin) error {
	conn, closeFn, err := m.connect(ctx, admin)
	if err != nil {
		return err
	}
	defer closeFn()
	return mdbError(conn.PingContext(ctx), "ping", false)
}

// Create makes the account with the hash of a new password, the template's
// connection limit, role (also made its default role) and grants. MariaDB
// does not roll back such statements: on failure Create drops the account
// again.
func (m MariaDB) Create(ctx context.Context, admin Admin, t Template, p Params) (*Credentials, error) {
	stmts, name, pw, err := m.createStatements(admin, t, p)
	if err != nil {
		return nil, err
	}
	conn, closeFn, err := m.connect(ctx, admin)
	if err != nil {
		return nil, err
	}
	defer closeFn()
	for i, s := range stmts {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			if i > 0 {
				_, _ = conn.ExecContext(context.WithoutCancel(ctx), "DROP USER IF EXISTS "+mdbUser(name))
			}
			return nil, mdbError(err, "create user "+name, i == 0)
		}
	}
	return mdbCredentials(admin, mdbDatabase(admin, t), name, pw), nil
}

func (MariaDB) createStatements(admin Admin, t Template, p Params) ([]string, string, string, error) {
	if err := checkTemplate(t); err != nil {
		return nil, "", "", err
	}
	name, err := userName(t.RoleNamePattern, p, mariadbMaxName)
	if err != nil {
		return nil, "", "", err
	}
	n, _ := passwordLength(t)
	pw := newPassword(n)
	user := mdbUser(name)
	stmts := []string{fmt.Sprintf("CREATE USER %s IDENTIFIED BY PASSWORD %s WITH MAX_USER_CONNECTIONS %d",
		user, mdbLiteral(nativePasswordHash(pw)), max(t.ConnectionLimit, 0))}
	if t.InheritRole != "" {
		stmts = append(stmts, "GRANT "+mdbIdent(t.InheritRole)+" TO "+user,
			"SET DEFAULT ROLE "+mdbIdent(t.InheritRole)+" FOR "+user)
	}
	for _, s := range t.Grants {
		g, err := ParseGrant(s, mariadbPrivileges)
		if err != nil {
			return nil, "", "", err
		}
		on, err := mdbTarget(g, mdbDatabase(admin, t))
		if err != nil {
			return nil, "", "", err
		}
		stmts = append(stmts, "GRANT "+strings.Join(g.Privileges, ", ")+" ON "+on+" TO "+user)
	}
	return stmts, name, pw, nil
}

func mdbTarget(g Grant, db string) (string, error) {
	switch {
	case g.Target == "schema":
		return mdbIdent(g.Schema) + ".*", nil
	case g.Target == "database":
		return mdbIdent(g.Name) + ".*", nil
	case g.Schema != "":
		return mdbIdent(g.Schema) + "." + mdbIdent(g.Name), nil
	case db != "":
		return mdbIdent(db) + "." + mdbIdent(g.Name), nil
	}
	return "", api.Errorf(api.ErrInvalid, "grant on table %q: name its database (TABLE db.table) or set the template's database", g.Name)
}

// Delete drops the account and kills its connections.
func (m MariaDB) Delete(ctx context.Context, admin Admin, t Template, username string) error {
	if err := checkUserName(t.RoleNamePattern, username, mariadbMaxName); err != nil {
		return err
	}
	conn, closeFn, err := m.connect(ctx, admin)
	if err != nil {
		return err
	}
	defer closeFn()
	if _, err := conn.ExecContext(ctx, "DROP USER IF EXISTS "+mdbUser(username)); err != nil {
		return mdbError(err, "drop user "+username, false)
	}
	rows, err := conn.QueryContext(ctx, `SELECT ID FROM information_schema.PROCESSLIST WHERE USER = ?`, username)
	if err != nil {
		return mdbError(err, "list the connections of "+username, false)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err == nil {
			ids = append(ids, id)
		}
	}
	rows.Close()
	for _, id := range ids {
		_, _ = conn.ExecContext(ctx, "KILL CONNECTION "+strconv.FormatInt(id, 10)) // it may have ended already
	}
	return nil
}

func mdbDatabase(a Admin, t Template) string {
	if t.Database != "" {
		return t.Database
	}
	return a.Database
}

func mdbPort(a Admin) int {
	if a.Port == 0 {
		return 3306
	}
	return a.Port
}

// connect returns one admin connection in NO_BACKSLASH_ESCAPES mode, where
// a string literal needs only its quotes doubled (mdbLiteral).
func (MariaDB) connect(ctx context.Context, a Admin) (*sql.Conn, func(), error) {
	if err := checkAdmin(a); err != nil {
		return nil, nil, err
	}
	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd = a.User, a.Password.Reveal()
	cfg.Net, cfg.Addr = "tcp", net.JoinHostPort(a.Host, strconv.Itoa(mdbPort(a)))
	cfg.DBName = a.Database
	cfg.Timeout = DialTimeout
	cfg.TLSConfig = map[string]string{"": "false", "disable": "false", "require": "skip-verify", "verify-full": "true"}[a.TLS]
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, nil, api.Errorf(api.ErrInvalid, "mariadb: the admin connection settings are not valid")
	}
	db := sql.OpenDB(connector)
	conn, err := db.Conn(ctx)
	if err == nil {
		_, err = conn.ExecContext(ctx, "SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_BACKSLASH_ESCAPES')")
	}
	if err != nil {
		db.Close()
		where := fmt.Sprintf("%s as %s", cfg.Addr, a.User)
		return nil, nil, mdbError(err, where, false)
	}
	return conn, func() { conn.Close(); db.Close() }, nil
}

// mdbError classifies an error; secret statements report only the error
// number, as the server's message could quote them.
func mdbError(err error, what string, secret bool) error {
	if err == nil {
		return nil
	}
	var me *mysql.MySQLError
	switch {
	case errors.As(err, &me) && secret:
		return fmt.Errorf("mariadb: %s: error %d: %w", what, me.Number, api.ErrFailedPrecondition)
	case errors.As(err, &me):
		return fmt.Errorf("mariadb: %s: %s (error %d): %w", what, me.Message, me.Number, api.ErrFailedPrecondition)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("mariadb: %s: %w", what, err)
	}
	return fmt.Errorf("mariadb: %s: cannot reach the server: %w", what, api.ErrUnavailable)
}

func mdbCredentials(a Admin, db, name, pw string) *Credentials {
	u := url.URL{Scheme: "mysql", User: url.UserPassword(name, pw),
		Host: net.JoinHostPort(a.Host, strconv.Itoa(mdbPort(a))), Path: "/" + db}
	return &Credentials{Username: name, Password: api.Sensitive(pw), Host: a.Host, Port: mdbPort(a), Database: db,
		URL: api.Sensitive(u.String())}
}

// mdbIdent quotes an identifier with backticks, doubling any inside.
func mdbIdent(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }

// mdbUser quotes an account name for any host.
func mdbUser(name string) string { return mdbLiteral(name) + "@'%'" }

// mdbLiteral quotes a string literal for a session in NO_BACKSLASH_ESCAPES
// mode (see connect): quotes are doubled, NUL bytes dropped.
func mdbLiteral(s string) string {
	return "'" + strings.ReplaceAll(strings.ReplaceAll(s, "\x00", ""), "'", "''") + "'"
}

// nativePasswordHash returns mysql_native_password's hash of password,
// "*" + upper-case hex of SHA1(SHA1(password)), so that the password itself
// never reaches the server.
func nativePasswordHash(password string) string {
	h1 := sha1.Sum([]byte(password))
	h2 := sha1.Sum(h1[:])
	return "*" + strings.ToUpper(hex.EncodeToString(h2[:]))
}
