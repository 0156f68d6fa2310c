package coffer_test

// This test enforces the import rules of ARCHITECTURE.md §3, the way the
// standard library's go/build/deps_test.go does: it lists every package's
// imports with `go list` and checks each rule.

import (
	"bufio"
	"bytes"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/cofferhq/coffer/"

// packageImports maps each package of the module to its direct imports.
func packageImports(t *testing.T) map[string][]string {
	t.Helper()
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	m := map[string][]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		m[strings.TrimPrefix(f[0], module)] = f[1:]
	}
	return m
}

func isStd(imp string) bool { return !strings.Contains(strings.SplitN(imp, "/", 2)[0], ".") }

func isOwn(imp string) bool { return strings.HasPrefix(imp, module) }

func own(imp string) string { return strings.TrimPrefix(imp, module) }

func TestImportRules(t *testing.T) {
	pkgs := packageImports(t)
	if len(pkgs) < 5 {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}
	// Packages that may use the store: the services, the key manager, the
	// wiring, the store's own test suite, and the gate (which only hands an
	// operation's transaction to the audit log, see authz.Grant).
	storeUsers := []string{"internal/identity", "internal/policy", "internal/resource", "internal/secrets",
		"internal/compute", "internal/audit", "internal/kms", "internal/server", "internal/store/storetest",
		"internal/rotation", "internal/federation", "internal/access", "internal/events", "internal/authz"}
	ioPackages := []string{"net", "net/http", "os", "database/sql", "os/exec"}
	for pkg, imps := range pkgs {
		for _, imp := range imps {
			switch {
			case pkg == "api" && !isStd(imp):
				t.Errorf("api imports %s: api may import only the standard library", imp)
			case pkg == "client" && !isStd(imp) && imp != module+"api":
				t.Errorf("client imports %s: client may import only the standard library and api", imp)
			case strings.HasPrefix(pkg, "internal/cli") && isOwn(imp) &&
				!slices.Contains([]string{"api", "client", "internal/server"}, own(imp)):
				t.Errorf("%s imports %s: the CLI may use only client, api and internal/server", pkg, imp)
			case strings.HasPrefix(pkg, "internal/httpapi") &&
				slices.Contains([]string{"internal/store", "internal/envelope", "internal/kms"}, own(imp)):
				t.Errorf("%s imports %s: the HTTP layer calls services, never storage or keys", pkg, imp)
			case own(imp) == "internal/store" && !slices.Contains(storeUsers, pkg) && !strings.HasSuffix(pkg, "_test"):
				t.Errorf("%s imports internal/store: only services talk to the store", pkg)
			case (pkg == "internal/envelope" || pkg == "internal/policy" || strings.HasSuffix(pkg, "/secrettype")) &&
				slices.Contains(ioPackages, imp):
				t.Errorf("%s imports %s: it must stay pure (no I/O)", pkg, imp)
			case !isStd(imp) && !isOwn(imp) && !allowedModule(imp):
				t.Errorf("%s imports %s, which is not among the chosen libraries of ARCHITECTURE.md §10", pkg, imp)
			}
		}
	}
}

// allowedModule lists the third-party libraries ARCHITECTURE.md §10 chose.
func allowedModule(imp string) bool {
	for _, m := range []string{
		"modernc.org/sqlite", "github.com/jackc/pgx/v5", "github.com/pressly/goose/v3",
		"github.com/go-jose/go-jose/v4", "github.com/coreos/go-oidc/v3", "github.com/spf13/cobra",
		"github.com/prometheus/client_golang", "github.com/google/uuid", "github.com/nats-io/nats.go",
		"github.com/go-sql-driver/mysql", "github.com/google/go-cmp", "github.com/chromedp/chromedp",
		"github.com/IBM/go-sdk-core/v5", "github.com/IBM/secrets-manager-go-sdk/v2",
	} {
		if imp == m || strings.HasPrefix(imp, m+"/") {
			return true
		}
	}
	return false
}
