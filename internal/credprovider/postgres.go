package credprovider

import (
	"context"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/cofferhq/coffer/api"
)

// Postgres is the "postgres" provider: users are PostgreSQL login roles.
// The admin needs CREATEROLE and the privileges the templates grant (or to
// be a superuser).
type Postgres struct{}

var _ Provider = Postgres{}

// postgresMaxName is PostgreSQL's NAMEDATALEN - 1.
const postgresMaxName = 63

// Name returns "postgres".
func (Postgres) Name() string { return "postgres" }

// Ping connects as the admin and pings the server.
func (pg Postgres) Ping(ctx context.Context, admin Admin) error {
	conn, err := pg.connect(ctx, admin, "")
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	return pgError(conn.Ping(ctx), "ping", false)
}

// Create makes a login role with a SCRAM-SHA-256 verifier of a new password,
// the template's connection limit, inherited role and grants, in one
// transaction: on failure no role is left. Grants on a schema or a table in
// a schema also grant USAGE on that schema.
func (pg Postgres) Create(ctx context.Context, admin Admin, t Template, p Params) (*Credentials, error) {
	stmts, name, pw, err := pg.createStatements(t, p)
	if err != nil {
		return nil, err
	}
	db := pgDatabase(admin, t)
	conn, err := pg.connect(ctx, admin, db)
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	tx, err := conn.Begin(ctx)
	if err != nil {
		return nil, pgError(err, "begin", false)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	for i, s := range stmts {
		if _, err := tx.Exec(ctx, s); err != nil {
			return nil, pgError(err, fmt.Sprintf("create user %s", name), i == 0)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, pgError(err, "commit", false)
	}
	return pgCredentials(admin, db, name, pw), nil
}

// createStatements returns the statements that make the user (the first
// carries the password verifier), its name and its password.
func (Postgres) createStatements(t Template, p Params) ([]string, string, string, error) {
	if err := checkTemplate(t); err != nil {
		return nil, "", "", err
	}
	grants := make([]Grant, len(t.Grants))
	for i, s := range t.Grants {
		g, err := ParseGrant(s, postgresPrivileges)
		if err != nil {
			return nil, "", "", err
		}
		grants[i] = g
	}
	name, err := userName(t.RoleNamePattern, p, postgresMaxName)
	if err != nil {
		return nil, "", "", err
	}
	n, _ := passwordLength(t)
	pw := newPassword(n)
	limit := -1
	if t.ConnectionLimit > 0 {
		limit = t.ConnectionLimit
	}
	user := pgIdent(name)
	stmts := []string{fmt.Sprintf("CREATE ROLE %s WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD %s CONNECTION LIMIT %d",
		user, pgLiteral(scramVerifier(pw)), limit)}
	if t.InheritRole != "" {
		stmts = append(stmts, fmt.Sprintf("GRANT %s TO %s", pgIdent(t.InheritRole), user))
	}
	for _, g := range grants {
		stmts = append(stmts, pgGrant(g, user)...)
	}
	return stmts, name, pw, nil
}

func pgGrant(g Grant, user string) []string {
	privs := strings.Join(g.Privileges, ", ")
	switch g.Target {
	case "schema":
		return []string{"GRANT USAGE ON SCHEMA " + pgIdent(g.Schema) + " TO " + user,
			"GRANT " + privs + " ON ALL TABLES IN SCHEMA " + pgIdent(g.Schema) + " TO " + user}
	case "table":
		if g.Schema == "" {
			return []string{"GRANT " + privs + " ON TABLE " + pgIdent(g.Name) + " TO " + user}
		}
		return []string{"GRANT USAGE ON SCHEMA " + pgIdent(g.Schema) + " TO " + user,
			"GRANT " + privs + " ON TABLE " + pgx.Identifier{g.Schema, g.Name}.Sanitize() + " TO " + user}
	default: // database
		return []string{"GRANT " + privs + " ON DATABASE " + pgIdent(g.Name) + " TO " + user}
	}
}

// Delete ends the role's sessions, reassigns what it owns to the admin,
// drops its privileges in the template's database and drops it.
func (pg Postgres) Delete(ctx context.Context, admin Admin, t Template, username string) error {
	if err := checkUserName(t.RoleNamePattern, username, postgresMaxName); err != nil {
		return err
	}
	conn, err := pg.connect(ctx, admin, pgDatabase(admin, t))
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var exists bool
	err = conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)`, username).Scan(&exists)
	if err != nil || !exists {
		return pgError(err, "look up user "+username, false)
	}
	user := pgIdent(username)
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		for _, s := range []string{"REASSIGN OWNED BY " + user + " TO CURRENT_USER", "DROP OWNED BY " + user,
			"DROP ROLE IF EXISTS " + user} {
			if _, err := tx.Exec(ctx, s); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return pgError(err, "drop user "+username, false)
	}
	_, err = conn.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1`, username)
	return pgError(err, "end the sessions of "+username, false)
}

func pgDatabase(a Admin, t Template) string {
	switch {
	case t.Database != "":
		return t.Database
	case a.Database != "":
		return a.Database
	}
	return "postgres"
}

func pgPort(a Admin) int {
	if a.Port == 0 {
		return 5432
	}
	return a.Port
}

func pgSSLMode(a Admin) string {
	if a.TLS == "" {
		return "disable"
	}
	return a.TLS
}

// connect opens an admin connection to db ("" means the admin's database).
func (Postgres) connect(ctx context.Context, a Admin, db string) (*pgx.Conn, error) {
	if err := checkAdmin(a); err != nil {
		return nil, err
	}
	if db == "" {
		db = pgDatabase(a, Template{})
	}
	u := url.URL{Scheme: "postgres", User: url.UserPassword(a.User, a.Password.Reveal()),
		Host: net.JoinHostPort(a.Host, strconv.Itoa(pgPort(a))), Path: "/" + db,
		RawQuery: url.Values{"sslmode": {pgSSLMode(a)}, "connect_timeout": {strconv.Itoa(int(DialTimeout.Seconds()))}}.Encode()}
	cfg, err := pgx.ParseConfig(u.String())
	if err != nil { // the message could quote the URL: leave it out
		return nil, api.Errorf(api.ErrInvalid, "postgres: the admin connection settings do not parse")
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, pgConnectError(err, a)
	}
	return conn, nil
}

// pgConnectError tells an unreachable server (api.ErrUnavailable) from one
// that refused the admin (api.ErrFailedPrecondition).
func pgConnectError(err error, a Admin) error {
	where := fmt.Sprintf("postgres %s as %s", net.JoinHostPort(a.Host, strconv.Itoa(pgPort(a))), a.User)
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: server refused the connection: %s (SQLSTATE %s): %w", where, pe.Message, pe.Code,
			api.ErrFailedPrecondition)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: %w", where, err)
	}
	return fmt.Errorf("%s: cannot connect: %w", where, api.ErrUnavailable)
}

// pgError classifies the error of a statement; secret statements report
// only the SQLSTATE, as the server's message could quote them.
func pgError(err error, what string, secret bool) error {
	if err == nil {
		return nil
	}
	var pe *pgconn.PgError
	switch {
	case errors.As(err, &pe) && secret:
		return fmt.Errorf("postgres: %s: SQLSTATE %s: %w", what, pe.Code, api.ErrFailedPrecondition)
	case errors.As(err, &pe):
		return fmt.Errorf("postgres: %s: %s (SQLSTATE %s): %w", what, pe.Message, pe.Code, api.ErrFailedPrecondition)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("postgres: %s: %w", what, err)
	case pgconn.SafeToRetry(err), pgconn.Timeout(err):
		return fmt.Errorf("postgres: %s: connection lost: %w", what, api.ErrUnavailable)
	}
	return fmt.Errorf("postgres: %s: connection failed: %w", what, api.ErrUnavailable)
}

func pgCredentials(a Admin, db, name, pw string) *Credentials {
	u := url.URL{Scheme: "postgres", User: url.UserPassword(name, pw),
		Host: net.JoinHostPort(a.Host, strconv.Itoa(pgPort(a))), Path: "/" + db,
		RawQuery: "sslmode=" + pgSSLMode(a)}
	return &Credentials{Username: name, Password: api.Sensitive(pw), Host: a.Host, Port: pgPort(a), Database: db,
		URL: api.Sensitive(u.String())}
}

// pgIdent quotes an identifier.
func pgIdent(s string) string { return pgx.Identifier{s}.Sanitize() }

// pgLiteral quotes a string literal: quotes are doubled, and a string with
// backslashes becomes an escape string (E'...') with them doubled, so the
// result is right whatever standard_conforming_strings says.
func pgLiteral(s string) string {
	s = strings.ReplaceAll(s, "\x00", "")
	if strings.Contains(s, `\`) {
		return "E'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "'", "''") + "'"
	}
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// scramVerifier returns the SCRAM-SHA-256 verifier PostgreSQL stores for
// password (RFC 5802, RFC 7677; PostgreSQL's
// "SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>"), so that
// the password itself never reaches the server. Passwords from newPassword
// are ASCII, which SASLprep leaves as they are.
func scramVerifier(password string) string {
	const iterations = 4096
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	salted, err := pbkdf2.Key(sha256.New, password, salt, iterations, sha256.Size)
	if err != nil {
		panic("credprovider: pbkdf2: " + err.Error()) // only for FIPS-refused parameters, which these are not
	}
	clientKey := hmacSHA256(salted, "Client Key")
	storedKey := sha256.Sum256(clientKey)
	serverKey := hmacSHA256(salted, "Server Key")
	b64 := base64.StdEncoding.EncodeToString
	return fmt.Sprintf("SCRAM-SHA-256$%d:%s$%s:%s", iterations, b64(salt), b64(storedKey[:]), b64(serverKey))
}

func hmacSHA256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}
