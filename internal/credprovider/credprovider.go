// Package credprovider holds Coffer's built-in custom-credentials providers,
// "postgres" and "mariadb": each creates a real database user with a
// generated password and a template's grants, and drops it again.
//
// The rotation scheduler calls a Provider for the create_credentials and
// delete_credentials tasks of a custom_credentials secret whose
// configuration names a built-in provider, and reports the outcome through
// the task API exactly as an external provider would (docs/custom-credentials.md).
// Rotation never changes a user: every version gets its own new user, and the
// previous one keeps working until Delete, which the scheduler calls once
// that version is unlocked and past its grace period.
//
// # Safety
//
// Nothing the template or the parameters hold reaches SQL unchecked:
//   - user names come from RoleNamePattern, whose literal text may hold only
//     [a-z0-9_] and whose placeholders ({{.Key}} for Params["Key"],
//     {{random}}) are reduced to [a-z0-9_]; every name also gets a random
//     suffix, is cut to the server's limit (PostgreSQL 63, MariaDB 80) and is
//     quoted as an identifier anyway;
//   - grants follow a small grammar (ParseGrant) and are re-rendered with
//     quoted identifiers, never passed through;
//   - passwords are random (crypto/rand, URL-safe alphabet, 32 characters by
//     default) and never reach the server in the clear: PostgreSQL gets a
//     SCRAM-SHA-256 verifier and MariaDB a mysql_native_password hash, both
//     computed here, so server logs and statement statistics never hold a
//     password. Literals are escaped all the same.
//
// Errors: a server that cannot be reached wraps api.ErrUnavailable (within
// DialTimeout); a refused template, parameter or user name api.ErrInvalid;
// an error the database reports api.ErrFailedPrecondition, with the server's
// message except for statements that carry a password hash.
package credprovider

import (
	"context"
	"crypto/rand"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/cofferhq/coffer/api"
)

// Provider creates and deletes database credentials for custom_credentials
// secrets. Implementations are safe for concurrent use; each call opens and
// closes its own admin connection.
type Provider interface {
	// Name returns the provider's name: "postgres" or "mariadb".
	Name() string
	// Create makes a new database user with a generated password and the
	// template's grants. On failure it leaves no user behind.
	Create(ctx context.Context, admin Admin, t Template, p Params) (*Credentials, error)
	// Delete drops the user and ends its sessions. It is idempotent: a
	// missing user is not an error. It refuses (api.ErrInvalid) a user name
	// the template could not have made.
	Delete(ctx context.Context, admin Admin, t Template, username string) error
	// Ping checks the admin connection.
	Ping(ctx context.Context, admin Admin) error
}

// Admin is the admin connection a provider uses: a user allowed to create
// users and grant what templates grant. It is stored as a secret of the
// instance and never echoed.
type Admin struct {
	Host     string
	Port     int // 0: 5432 for postgres, 3306 for mariadb
	User     string
	Password api.Sensitive
	Database string // the database to connect to; "" means postgres (PostgreSQL) or none (MariaDB)
	TLS      string // disable (default), require (encrypted, unverified) or verify-full
}

// Template describes the users a custom credentials configuration makes.
type Template struct {
	// RoleNamePattern makes user names, e.g. "app_{{.Secret}}_{{.Version}}"
	// or "app_{{random}}". Required.
	RoleNamePattern string
	// Grants are statements of the ParseGrant grammar, e.g.
	// "SELECT, INSERT ON ALL TABLES IN SCHEMA public".
	Grants []string
	// InheritRole is a role to grant the user (PostgreSQL role, MariaDB role,
	// made its default role). Grants, InheritRole or both must be given.
	InheritRole string
	// ConnectionLimit caps the user's concurrent connections; 0 means no
	// limit.
	ConnectionLimit int
	// Database is the database the grants apply in and the credentials
	// name; "" means Admin.Database.
	Database string
	// PasswordLength is the generated password's length: 0 means 32; 16 to
	// 128 are accepted.
	PasswordLength int
}

// Params are the secret's parameters, available to RoleNamePattern as
// {{.Key}}. The scheduler sets "Secret" (the secret id) and "Version" (the
// version id) besides the secret's own parameters.
type Params map[string]string

// Credentials are what Create made: the version's credentials_content.
type Credentials struct {
	Username string
	Password api.Sensitive
	Host     string
	Port     int
	Database string
	URL      api.Sensitive // postgres://... or mysql://..., password included
}

// Content returns c as the JSON object of credentials_content: username,
// password, host, port, database and url.
func (c *Credentials) Content() map[string]any {
	return map[string]any{"username": c.Username, "password": c.Password.Reveal(), "host": c.Host,
		"port": c.Port, "database": c.Database, "url": c.URL.Reveal()}
}

// DialTimeout bounds how long a provider waits for the database server to
// answer a connection.
const DialTimeout = 5 * time.Second

const (
	defaultPasswordLength = 32
	suffixLength          = 6
	randomLength          = 8
	alphabet              = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	nameAlphabet          = "abcdefghijklmnopqrstuvwxyz0123456789"
)

// newPassword returns a random password; a variable so that tests can
// check hostile passwords end to end.
var newPassword = func(n int) string { return randomString(alphabet, n) }

func randomString(chars string, n int) string {
	limit := 256 - 256%len(chars) // reject bytes above a multiple of len(chars): no bias
	out := make([]byte, 0, n)
	buf := make([]byte, 2*n)
	for len(out) < n {
		_, _ = rand.Read(buf) // never fails (crypto/rand)
		for _, c := range buf {
			if int(c) < limit && len(out) < n {
				out = append(out, chars[int(c)%len(chars)])
			}
		}
	}
	return string(out)
}

func passwordLength(t Template) (int, error) {
	switch n := t.PasswordLength; {
	case n == 0:
		return defaultPasswordLength, nil
	case n < 16 || n > 128:
		return 0, api.Errorf(api.ErrInvalid, "password length %d is not between 16 and 128", n)
	default:
		return n, nil
	}
}

var (
	placeholderRe = regexp.MustCompile(`\{\{\s*(\.[A-Za-z][A-Za-z0-9_]*|random)\s*\}\}`)
	literalRe     = regexp.MustCompile(`^[a-z0-9_]*$`)
	userNameRe    = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)
	nonNameRe     = regexp.MustCompile(`[^a-z0-9_]+`)
)

// patternParts splits a RoleNamePattern into literal text and placeholders
// (odd indexes), checking that the literals are [a-z0-9_] and the pattern
// starts with a letter or underscore.
func patternParts(pattern string) ([]string, error) {
	if pattern == "" {
		return nil, api.Errorf(api.ErrInvalid, "the template's role name pattern is required")
	}
	var parts []string
	rest := pattern
	for {
		loc := placeholderRe.FindStringSubmatchIndex(rest)
		if loc == nil {
			parts = append(parts, rest)
			break
		}
		parts = append(parts, rest[:loc[0]], rest[loc[2]:loc[3]])
		rest = rest[loc[1]:]
	}
	for i := 0; i < len(parts); i += 2 {
		if !literalRe.MatchString(parts[i]) {
			return nil, api.Errorf(api.ErrInvalid,
				"role name pattern %q: text outside placeholders may hold only a-z, 0-9 and _", pattern)
		}
	}
	if first := parts[0]; first == "" || first[0] < 'a' && first[0] != '_' || first[0] > 'z' {
		return nil, api.Errorf(api.ErrInvalid, "role name pattern %q must start with a letter or _", pattern)
	}
	return parts, nil
}

// userName renders the pattern with p and a random suffix, within maxLen
// characters: placeholder values are cut so that the whole fits.
func userName(pattern string, p Params, maxLen int) (string, error) {
	parts, err := patternParts(pattern)
	if err != nil {
		return "", err
	}
	fixed, holes := suffixLength+1, 0
	for i, s := range parts {
		switch {
		case i%2 == 0:
			fixed += len(s)
		case s == "random":
			fixed += randomLength
		default:
			holes++
		}
	}
	budget := maxLen - fixed
	if budget < holes {
		return "", api.Errorf(api.ErrInvalid, "role name pattern %q makes names longer than %d characters", pattern, maxLen)
	}
	var b strings.Builder
	for i, s := range parts {
		switch {
		case i%2 == 0:
			b.WriteString(s)
		case s == "random":
			b.WriteString(randomString(nameAlphabet, randomLength))
		default:
			v := nonNameRe.ReplaceAllString(strings.ToLower(p[s[1:]]), "_")
			if holes > 0 {
				v = v[:min(len(v), budget/holes)]
			}
			b.WriteString(v)
		}
	}
	b.WriteString("_" + randomString(nameAlphabet, suffixLength))
	return b.String(), nil
}

// checkUserName refuses a name the pattern could not have made.
func checkUserName(pattern, name string, maxLen int) error {
	parts, err := patternParts(pattern)
	if err != nil {
		return err
	}
	var re strings.Builder
	re.WriteString("^")
	for i, s := range parts {
		switch {
		case i%2 == 0:
			re.WriteString(regexp.QuoteMeta(s))
		case s == "random":
			re.WriteString(fmt.Sprintf("[a-z0-9]{%d}", randomLength))
		default:
			re.WriteString("[a-z0-9_]*")
		}
	}
	re.WriteString(fmt.Sprintf("_[a-z0-9]{%d}$", suffixLength))
	if len(name) > maxLen || !userNameRe.MatchString(name) || !regexp.MustCompile(re.String()).MatchString(name) {
		return api.Errorf(api.ErrInvalid, "user %q was not made by the template's pattern %q: refusing to drop it", name, pattern)
	}
	return nil
}

// checkTemplate validates what Create needs besides the pattern.
func checkTemplate(t Template) error {
	if len(t.Grants) == 0 && t.InheritRole == "" {
		return api.Errorf(api.ErrInvalid, "the template needs grants or a role to inherit")
	}
	if t.InheritRole != "" && !identRe.MatchString(t.InheritRole) {
		return api.Errorf(api.ErrInvalid, "inherit role %q is not a plain identifier", t.InheritRole)
	}
	if t.ConnectionLimit < 0 {
		return api.Errorf(api.ErrInvalid, "connection limit %d is negative", t.ConnectionLimit)
	}
	if t.Database != "" && !identRe.MatchString(t.Database) {
		return api.Errorf(api.ErrInvalid, "database %q is not a plain identifier", t.Database)
	}
	_, err := passwordLength(t)
	return err
}

func checkAdmin(a Admin) error {
	if a.Host == "" || a.User == "" {
		return api.Errorf(api.ErrInvalid, "the admin connection needs a host and a user")
	}
	switch a.TLS {
	case "", "disable", "require", "verify-full":
		return nil
	}
	return api.Errorf(api.ErrInvalid, "admin TLS %q is not disable, require or verify-full", a.TLS)
}
