package credprovider

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/cofferhq/coffer/api"
)

// backend is a real database server the provider tests run against.
type backend struct {
	provider Provider
	admin    Admin
	template Template // grants SELECT on the table "allowed" only
	// login connects with c and runs query; nil means the query worked.
	login func(ctx context.Context, c *Credentials, query string) error
	// allowed and forbidden are queries on the tables of the test database.
	allowed, forbidden string
	// connLimit returns the connection limit the server records for user.
	connLimit func(ctx context.Context, user string) (int, error)
	// exec runs statements as the admin (setup and cleanup).
	exec func(ctx context.Context, stmts ...string) error
}

func randomSuffix(tb testing.TB) string {
	tb.Helper()
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		tb.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// createUser creates credentials and drops the user at cleanup.
func createUser(tb testing.TB, b *backend, t Template, p Params) *Credentials {
	tb.Helper()
	ctx := context.Background()
	c, err := b.provider.Create(ctx, b.admin, t, p)
	if err != nil {
		tb.Fatalf("%s.Create(%v) = %v", b.provider.Name(), p, err)
	}
	tb.Cleanup(func() {
		if err := b.provider.Delete(context.Background(), b.admin, t, c.Username); err != nil {
			tb.Errorf("cleanup: Delete(%q) = %v", c.Username, err)
		}
	})
	return c
}

func wantLogin(tb testing.TB, b *backend, c *Credentials, what string) {
	tb.Helper()
	ctx := context.Background()
	if err := b.login(ctx, c, b.allowed); err != nil {
		tb.Errorf("%s: login as %s and %q = %v, want nil", what, c.Username, b.allowed, err)
	}
	if err := b.login(ctx, c, b.forbidden); err == nil {
		tb.Errorf("%s: login as %s and %q = nil, want a permission error", what, c.Username, b.forbidden)
	}
}

// runProvider is the provider contract, run against each real server.
func runProvider(t *testing.T, b *backend) {
	ctx := context.Background()
	if err := b.provider.Ping(ctx, b.admin); err != nil {
		t.Fatalf("Ping = %v", err)
	}
	t.Run("RotateAndDelete", func(t *testing.T) { testRotateAndDelete(t, b) })
	t.Run("ConnectionLimit", func(t *testing.T) {
		tmpl := b.template
		tmpl.ConnectionLimit = 3
		c := createUser(t, b, tmpl, nil)
		if n, err := b.connLimit(ctx, c.Username); err != nil || n != 3 {
			t.Errorf("connection limit of %s = %d, %v; want 3", c.Username, n, err)
		}
	})
	t.Run("HostilePassword", func(t *testing.T) {
		old := newPassword
		newPassword = func(n int) string { return `a'b"c\d;--%@/?` + strings.Repeat("x", n) }
		t.Cleanup(func() { newPassword = old })
		c := createUser(t, b, b.template, nil)
		wantLogin(t, b, c, "hostile password")
	})
	t.Run("HostileParams", func(t *testing.T) {
		c := createUser(t, b, b.template, Params{"Secret": "x\"`'; DROP TABLE allowed; --", "Version": "1"})
		if strings.ContainsAny(c.Username, "\"`'; -") {
			t.Errorf("user name %q holds parameter text unsanitized", c.Username)
		}
		wantLogin(t, b, c, "hostile parameters")
	})
	t.Run("HostileTemplates", func(t *testing.T) { testHostileTemplates(t, b) })
	t.Run("DatabaseDown", func(t *testing.T) { testDatabaseDown(t, b) })
}

func testRotateAndDelete(t *testing.T, b *backend) {
	ctx := context.Background()
	tmpl := b.template
	v1 := createUser(t, b, tmpl, Params{"Secret": "s1", "Version": "v1"})
	wantLogin(t, b, v1, "version 1")
	v2 := createUser(t, b, tmpl, Params{"Secret": "s1", "Version": "v2"})
	if v1.Username == v2.Username || v1.Password.Reveal() == v2.Password.Reveal() {
		t.Fatalf("rotation reused the user or password: %s and %s", v1.Username, v2.Username)
	}
	wantLogin(t, b, v1, "version 1 after rotation")
	wantLogin(t, b, v2, "version 2")
	if err := b.provider.Delete(ctx, b.admin, tmpl, v1.Username); err != nil {
		t.Fatalf("Delete(%q) = %v", v1.Username, err)
	}
	if err := b.login(ctx, v1, b.allowed); err == nil {
		t.Errorf("login as deleted %s = nil, want an error", v1.Username)
	}
	wantLogin(t, b, v2, "version 2 after deleting version 1")
	if err := b.provider.Delete(ctx, b.admin, tmpl, v1.Username); err != nil {
		t.Errorf("Delete(%q) again = %v, want nil (idempotent)", v1.Username, err)
	}
}

func testHostileTemplates(t *testing.T, b *backend) {
	ctx := context.Background()
	base := b.template
	with := func(f func(*Template)) Template {
		c := base
		c.Grants = append([]string(nil), base.Grants...)
		f(&c)
		return c
	}
	bad := map[string]Template{
		"pattern":      with(func(t *Template) { t.RoleNamePattern = `x"; DROP ROLE postgres; --{{random}}` }),
		"grant":        with(func(t *Template) { t.Grants = []string{"SELECT ON TABLE allowed; DROP TABLE allowed"} }),
		"grant option": with(func(t *Template) { t.Grants = []string{"SELECT ON TABLE allowed WITH GRANT OPTION"} }),
		"role":         with(func(t *Template) { t.InheritRole = "x`; DROP USER root; --" }),
		"database":     with(func(t *Template) { t.Database = "x'; --" }),
		"nothing":      with(func(t *Template) { t.Grants, t.InheritRole = nil, "" }),
	}
	for name, tmpl := range bad {
		if c, err := b.provider.Create(ctx, b.admin, tmpl, nil); !errors.Is(err, api.ErrInvalid) {
			t.Errorf("Create with a hostile %s = %+v, %v; want api.ErrInvalid", name, c, err)
		}
	}
	for _, user := range []string{b.admin.User, "postgres", "root", `app_x"; DROP ROLE postgres; --`, "mysql.sys"} {
		if err := b.provider.Delete(ctx, b.admin, base, user); !errors.Is(err, api.ErrInvalid) {
			t.Errorf("Delete(%q) = %v, want api.ErrInvalid (not made by the template)", user, err)
		}
	}
}

func testDatabaseDown(t *testing.T, b *backend) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := b.admin
	down.Host, down.Port = "127.0.0.1", l.Addr().(*net.TCPAddr).Port
	l.Close()
	ctx := context.Background()
	start := time.Now()
	_, err = b.provider.Create(ctx, down, b.template, nil)
	if !errors.Is(err, api.ErrUnavailable) {
		t.Errorf("Create on a closed port = %v, want api.ErrUnavailable", err)
	}
	if err := b.provider.Ping(ctx, down); !errors.Is(err, api.ErrUnavailable) {
		t.Errorf("Ping on a closed port = %v, want api.ErrUnavailable", err)
	}
	if err := b.provider.Delete(ctx, down, b.template, "cptest_x_y_abcdef"); !errors.Is(err, api.ErrUnavailable) {
		t.Errorf("Delete on a closed port = %v, want api.ErrUnavailable", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("three calls on a closed port took %v, want a quick failure", d)
	}
	if err != nil && strings.Contains(err.Error(), b.admin.Password.Reveal()) && b.admin.Password != "" {
		t.Errorf("error %q holds the admin password", err)
	}
}
