package credprovider

import (
	"regexp"
	"slices"
	"strings"

	"github.com/cofferhq/coffer/api"
)

// Grant is a parsed template grant: privileges on one target. Targets are
// "schema" (every table in a schema), "table" (Schema may be ""), or
// "database".
type Grant struct {
	Privileges []string // upper case, from the provider's allowed set
	Target     string   // "schema", "table" or "database"
	Schema     string   // schema of "schema" and "table"
	Name       string   // table name or database name
}

// identRe is the identifiers templates may name: plain, unquoted ones.
var identRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,62}$`)

// Privileges each provider accepts. Anything that hands out administration
// (GRANT OPTION, SUPER, FILE, CREATE USER...) is not among them.
var (
	postgresPrivileges = []string{"SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER",
		"USAGE", "CREATE", "CONNECT", "TEMPORARY", "EXECUTE", "ALL"}
	mariadbPrivileges = []string{"SELECT", "INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "INDEX", "ALTER",
		"CREATE VIEW", "SHOW VIEW", "EXECUTE", "CREATE TEMPORARY TABLES", "LOCK TABLES", "REFERENCES", "TRIGGER", "ALL"}
)

// ParseGrant parses one grant of a template against the allowed privileges:
//
//	grant      = privileges "ON" target
//	privileges = privilege { "," privilege }      (from allowed; "ALL PRIVILEGES" = "ALL")
//	target     = "ALL TABLES IN SCHEMA" ident
//	           | "TABLE" ident [ "." ident ]
//	           | "DATABASE" ident
//	ident      = [A-Za-z_][A-Za-z0-9_]*           (at most 63 characters, unquoted)
//
// Keywords are case-insensitive; identifiers keep their case. Errors wrap
// api.ErrInvalid and say what was refused.
func ParseGrant(s string, allowed []string) (Grant, error) {
	fields := strings.Fields(s)
	on := slices.IndexFunc(fields, func(f string) bool { return strings.EqualFold(f, "ON") })
	if on < 1 {
		return Grant{}, api.Errorf(api.ErrInvalid, "grant %q: want \"<privileges> ON <target>\"", s)
	}
	privs, err := parsePrivileges(strings.Join(fields[:on], " "), allowed)
	if err != nil {
		return Grant{}, api.Errorf(api.ErrInvalid, "grant %q: %v", s, err)
	}
	g, err := parseTarget(fields[on+1:])
	if err != nil {
		return Grant{}, api.Errorf(api.ErrInvalid, "grant %q: %v", s, err)
	}
	g.Privileges = privs
	return g, nil
}

type grantError string

func (e grantError) Error() string { return string(e) }

func parsePrivileges(list string, allowed []string) ([]string, error) {
	var out []string
	for _, p := range strings.Split(list, ",") {
		p = strings.ToUpper(strings.Join(strings.Fields(p), " "))
		if p == "ALL PRIVILEGES" {
			p = "ALL"
		}
		if !slices.Contains(allowed, p) {
			return nil, grantError("privilege \"" + truncate(p, 40) + "\" is not allowed (allowed: " +
				strings.Join(allowed, ", ") + ")")
		}
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out, nil
}

func parseTarget(f []string) (Grant, error) {
	upper := make([]string, len(f))
	for i, w := range f {
		upper[i] = strings.ToUpper(w)
	}
	switch {
	case len(f) == 5 && slices.Equal(upper[:4], []string{"ALL", "TABLES", "IN", "SCHEMA"}) && identRe.MatchString(f[4]):
		return Grant{Target: "schema", Schema: f[4]}, nil
	case len(f) == 2 && upper[0] == "DATABASE" && identRe.MatchString(f[1]):
		return Grant{Target: "database", Name: f[1]}, nil
	case len(f) == 2 && upper[0] == "TABLE":
		schema, table, dotted := strings.Cut(f[1], ".")
		if !dotted {
			schema, table = "", f[1]
		}
		if (dotted && !identRe.MatchString(schema)) || !identRe.MatchString(table) {
			break
		}
		return Grant{Target: "table", Schema: schema, Name: table}, nil
	}
	return Grant{}, grantError("target must be ALL TABLES IN SCHEMA <name>, TABLE [<schema>.]<name> " +
		"or DATABASE <name>, with plain identifiers")
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
