package server_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/internal/envelope"
	"github.com/cofferhq/coffer/internal/server"
	"github.com/cofferhq/coffer/internal/servertest"
)

var quiet = server.Options{Logger: slog.New(slog.DiscardHandler)}

// start runs a server on cfg until the test ends (or stop is called).
func start(t *testing.T, cfg server.Config) (s *server.Server, stop func()) {
	t.Helper()
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	ctx, cancel := context.WithCancel(context.Background())
	s, err := server.New(ctx, cfg, quiet)
	if err != nil {
		cancel()
		t.Fatalf("server.New: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	var once bool
	stop = func() {
		if once {
			return
		}
		once = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}
	t.Cleanup(stop)
	return s, stop
}

func TestPersistentServerBootstrapsOnceAndFindsItAgain(t *testing.T) {
	dir := t.TempDir()
	s, stop := start(t, server.Config{DataDir: dir})
	first := s.Bootstrap()
	if first == nil || !first.Created || first.APIKey == "" {
		t.Fatalf("first start: bootstrap = %+v, want created with an API key", first)
	}
	for name, mode := range map[string]os.FileMode{"root.key": 0o600, "bootstrap-apikey": 0o600} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || fi.Mode().Perm() != mode {
			t.Errorf("%s: %v, mode %v; want mode %v", name, err, fi.Mode().Perm(), mode)
		}
	}
	written, _ := os.ReadFile(filepath.Join(dir, "bootstrap-apikey"))
	if strings.TrimSpace(string(written)) != first.APIKey.Reveal() {
		t.Errorf("bootstrap-apikey does not hold the bootstrap key")
	}
	key := first.APIKey
	stop()

	s2, _ := start(t, server.Config{DataDir: dir})
	second := s2.Bootstrap()
	if second.Created || second.AccountID != first.AccountID || second.DefaultInstance != first.DefaultInstance {
		t.Errorf("second start: %+v, want the first start's objects (%+v), created nothing", second, first)
	}
	c := client.New(client.Config{URL: s2.URL(), APIKey: key})
	if _, err := c.RotateRootKey(context.Background()); err != nil {
		t.Errorf("the bootstrap key from the first start does not work after a restart: %v", err)
	}
}

func TestDevModeUsesKnownKeyAndTemporaryData(t *testing.T) {
	s, stop := start(t, server.Config{Dev: true})
	b := s.Bootstrap()
	if b.APIKey.Reveal() != server.DevAPIKey {
		t.Errorf("dev bootstrap key = %v, want the documented dev key", b.APIKey)
	}
	h, err := client.New(client.Config{URL: s.URL()}).Health(context.Background())
	if err != nil || h.Status != "ok" {
		t.Fatalf("readyz = %+v, %v", h, err)
	}
	dataDir := strings.TrimPrefix(strings.Split(storageOf(t, s), "coffer.db")[0], "sqlite:")
	stop()
	if _, err := os.Stat(dataDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("dev data directory %s still exists after shutdown", dataDir)
	}
}

func storageOf(t *testing.T, s *server.Server) string {
	var out bytes.Buffer
	server.PrintBanner(s, &out)
	for _, line := range strings.Split(out.String(), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "storage: "); ok {
			return v
		}
	}
	t.Fatalf("no storage line in the banner:\n%s", out.String())
	return ""
}

func TestWrongRootKeyFailsClearlyAndDamagesNothing(t *testing.T) {
	dir := t.TempDir()
	s, stop := start(t, server.Config{DataDir: dir})
	key := s.Bootstrap().APIKey
	stop()
	keyPath := filepath.Join(dir, "root.key")
	good, _ := os.ReadFile(keyPath)
	wrong, _ := envelope.NewKey()
	os.WriteFile(keyPath, []byte(wrong.Encode()+"\n"), 0o600)

	_, err := server.New(context.Background(), server.Config{DataDir: dir, Listen: "127.0.0.1:0"}, quiet)
	if err == nil || !strings.Contains(err.Error(), "does not match this database") {
		t.Fatalf("start with a wrong root key = %v, want a clear error", err)
	}
	if strings.Count(err.Error(), "\n") > 0 {
		t.Errorf("error is more than one line: %q", err)
	}
	os.WriteFile(keyPath, good, 0o600)
	s2, _ := start(t, server.Config{DataDir: dir})
	if s2.Bootstrap().Created {
		t.Errorf("after the refused start, the right key found a fresh database")
	}
	if _, err := client.New(client.Config{URL: s2.URL(), APIKey: key}).RotateRootKey(context.Background()); err != nil {
		t.Errorf("data unreadable with the right key after a refused wrong key: %v", err)
	}
}

func TestStartRefusals(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	notADir := filepath.Join(t.TempDir(), "file")
	os.WriteFile(notADir, []byte("x"), 0o600)
	loose := t.TempDir()
	key, _ := envelope.NewKey()
	os.WriteFile(filepath.Join(loose, "root.key"), []byte(key.Encode()), 0o644)
	missingKey := t.TempDir()
	{
		s, stop := start(t, server.Config{DataDir: missingKey})
		_ = s
		stop()
		os.Remove(filepath.Join(missingKey, "root.key"))
	}
	corrupt := t.TempDir()
	junk := bytes.Repeat([]byte("not a database "), 500)
	os.WriteFile(filepath.Join(corrupt, "coffer.db"), junk, 0o600)

	for _, tc := range []struct {
		name string
		cfg  server.Config
		want string
	}{
		{"port in use", server.Config{DataDir: t.TempDir(), Listen: busy.Addr().String()}, "cannot listen on"},
		{"data dir is a file", server.Config{DataDir: notADir}, "data directory"},
		{"key file others can read", server.Config{DataDir: loose}, "chmod 600"},
		{"key file missing for existing data", server.Config{DataDir: missingKey}, "root.key"},
		{"corrupt database", server.Config{DataDir: corrupt}, "coffer.db"},
		{"unreachable PostgreSQL", server.Config{DataDir: t.TempDir(), Storage: "postgres://coffer:pw@127.0.0.1:1/db?connect_timeout=2"}, "127.0.0.1:1"},
		{"master key missing", server.Config{DataDir: t.TempDir(), Seal: "master-key"}, "COFFER_MASTER_KEY"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.cfg.Listen == "" {
				tc.cfg.Listen = "127.0.0.1:0"
			}
			_, err := server.New(context.Background(), tc.cfg, quiet)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("server.New = %v, want an error mentioning %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "\n") || strings.Contains(err.Error(), ":pw@") {
				t.Errorf("error is not one clean line: %q", err)
			}
		})
	}
	if got, _ := os.ReadFile(filepath.Join(corrupt, "coffer.db")); !bytes.Equal(got, junk) {
		t.Errorf("a refused corrupt database file was modified")
	}
}

func TestShamirServerStartsSealed(t *testing.T) {
	dir := t.TempDir()
	s, stop := start(t, server.Config{DataDir: dir, Seal: "shamir"})
	c := client.New(client.Config{URL: s.URL()})
	ctx := context.Background()
	st, err := c.SealStatus(ctx)
	if err != nil || !st.Sealed || st.Initialized {
		t.Fatalf("seal status of a new Shamir server = %+v, %v", st, err)
	}
	expectSealed(t, s.URL())
	res, err := c.Init(ctx, 5, 3)
	if err != nil || len(res.Shares) != 5 {
		t.Fatalf("Init = %+v, %v", res, err)
	}
	if s.Bootstrap() == nil {
		t.Fatalf("init did not bootstrap")
	}
	account := s.Bootstrap().AccountID
	stop()

	s2, _ := start(t, server.Config{DataDir: dir, Seal: "shamir"})
	expectSealed(t, s2.URL())
	c2 := client.New(client.Config{URL: s2.URL()})
	for i, share := range []string{res.Shares[4], res.Shares[1], res.Shares[0]} {
		st, err := c2.Unseal(ctx, share)
		if err != nil {
			t.Fatalf("Unseal %d: %v", i, err)
		}
		if st.Sealed != (i < 2) || (st.Sealed && st.Progress != i+1) {
			t.Errorf("after share %d: %+v", i+1, st)
		}
	}
	if s2.Bootstrap() == nil || s2.Bootstrap().AccountID != account {
		t.Errorf("after unseal: bootstrap %+v, want account %s found again", s2.Bootstrap(), account)
	}
	if h, err := c2.Health(ctx); err != nil || h.Status != "ok" {
		t.Errorf("readyz after unseal = %+v, %v", h, err)
	}
}

func expectSealed(t *testing.T, url string) {
	t.Helper()
	for path, status := range map[string]int{"/readyz": 503, "/v1/apikeys": 503, "/coffer/v1/operator/rotate-root-key": 503,
		"/healthz": 200, "/coffer/v1/operator/seal-status": 200} {
		method := "GET"
		if strings.Contains(path, "rotate") {
			method = "POST"
		}
		req, _ := http.NewRequest(method, url+path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != status {
			t.Errorf("%s %s while sealed = %d %s, want %d", method, path, resp.StatusCode, body, status)
		}
		if status == 503 && path != "/readyz" && !strings.Contains(string(body), "sealed") {
			t.Errorf("%s while sealed says %s, want a clear sealed error", path, body)
		}
	}
}

func TestRootKeyRotationThroughTheAPI(t *testing.T) {
	srv := servertest.New(t)
	ctx := context.Background()
	before, _ := srv.Client.SealStatus(ctx)
	res, err := srv.Client.RotateRootKey(ctx)
	if err != nil || res.RootKeyID == before.RootKeyID || res.DataKeys < 1 {
		t.Fatalf("RotateRootKey = %+v, %v (before %s)", res, err, before.RootKeyID)
	}
	anon := client.New(client.Config{URL: srv.URL})
	if _, err := anon.RotateRootKey(ctx); !errors.Is(err, api.ErrUnauthenticated) {
		t.Errorf("rotation without a credential = %v, want ErrUnauthenticated", err)
	}
	wrong := client.New(client.Config{URL: srv.URL, APIKey: "not-a-key-of-this-server-000000000000000"})
	if _, err := wrong.RotateRootKey(ctx); !errors.Is(err, api.ErrUnauthenticated) {
		t.Errorf("rotation with a wrong key = %v, want ErrUnauthenticated", err)
	}
}

func TestGracefulShutdownFinishesInFlightRequests(t *testing.T) {
	s, stop := start(t, server.Config{DataDir: t.TempDir()})
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.URL(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"share":"x"}`
	fmt.Fprintf(conn, "POST /coffer/v1/operator/unseal HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body[:5])
	time.Sleep(100 * time.Millisecond) // the request is in flight: headers read, body pending
	stopped := make(chan struct{})
	go func() { stop(); close(stopped) }()
	time.Sleep(100 * time.Millisecond)
	fmt.Fprint(conn, body[5:])
	resp, err := http.ReadResponse(bufioReader(conn), nil)
	if err != nil {
		t.Fatalf("the in-flight request was cut off by shutdown: %v", err)
	}
	var e struct{ Errors []struct{ Message string } }
	json.NewDecoder(resp.Body).Decode(&e)
	if resp.StatusCode != http.StatusPreconditionFailed || len(e.Errors) == 0 {
		t.Errorf("in-flight unseal on a key-file server = %d %+v, want a 412 answer", resp.StatusCode, e)
	}
	<-stopped
}

func bufioReader(r io.Reader) *bufio.Reader { return bufio.NewReader(r) }
