package credprovider

import (
	"github.com/cofferhq/coffer/api"
)

// Lookup returns the built-in provider called name ("postgres" or
// "mariadb"). Errors: api.ErrInvalid for any other name.
func Lookup(name string) (Provider, error) {
	switch name {
	case "postgres":
		return Postgres{}, nil
	case "mariadb":
		return MariaDB{}, nil
	}
	return nil, api.Errorf(api.ErrInvalid, "provider %q is not a built-in provider: use postgres or mariadb", name)
}

// CheckTemplate validates t for the provider called name without touching a
// database: the role name pattern (it must leave room for names within the
// server's limit), the grants against the provider's grammar and
// privileges, the inherited role, the database, the connection limit and
// the password length. Errors: api.ErrInvalid.
func CheckTemplate(name string, t Template) error {
	if _, err := Lookup(name); err != nil {
		return err
	}
	if err := checkTemplate(t); err != nil {
		return err
	}
	privileges, maxName := postgresPrivileges, postgresMaxName
	if name == "mariadb" {
		privileges, maxName = mariadbPrivileges, mariadbMaxName
	}
	for _, g := range t.Grants {
		if _, err := ParseGrant(g, privileges); err != nil {
			return err
		}
	}
	_, err := userName(t.RoleNamePattern, Params{}, maxName)
	return err
}
