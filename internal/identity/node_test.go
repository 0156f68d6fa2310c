package identity_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// nodeDir is test/node of the repository.
func nodeDir(tb testing.TB) string {
	tb.Helper()
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "test", "node")
}

type nodeResult struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Bearer bool   `json:"bearer"`
	IAMID  string `json:"iam_id"`
	Exp    int64  `json:"exp"`
	IAT    int64  `json:"iat"`
	Token  string `json:"token"`
	Error  string `json:"error"`
}

// TestNodeSDK runs test/node/token.js, which gets tokens from a Coffer
// server with IBM's real Node SDK core (IamAuthenticator and
// ContainerAuthenticator), and checks what it printed.
func TestNodeSDK(t *testing.T) {
	dir := nodeDir(t)
	nodeBin, err := exec.LookPath("node")
	if err != nil {
		t.Skip("Node SDK tests skipped: node is not installed")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "ibm-cloud-sdk-core")); err != nil {
		t.Skip("Node SDK tests skipped: test/node/node_modules is missing; run `npm ci` in test/node")
	}
	e := newSDKEnv(t)
	cmd := exec.Command(nodeBin, "token.js")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "COFFER_URL="+e.srv.URL, "COFFER_APIKEY="+e.srv.APIKey,
		"COFFER_CR_TOKEN_FILE="+e.crTokenFile, "COFFER_PROFILE_NAME=sdk-profile", "COFFER_BAD_APIKEY=not-a-key")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node token.js: %v\n%s", err, stderr.String())
	}
	var out struct{ Results []nodeResult }
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("node output is not JSON: %v\n%s", err, stdout.String())
	}
	got := map[string]nodeResult{}
	for _, r := range out.Results {
		got[r.Name] = r
	}
	want := map[string]string{"iam": e.boot.AdminIAMID, "container": e.profile.IAMID}
	for name, iamID := range want {
		r := got[name]
		if !r.OK || !r.Bearer || r.IAMID != iamID || r.Exp-r.IAT != 3600 {
			t.Errorf("%s: %+v, want a bearer for %s with exp-iat 3600", name, r, iamID)
		}
	}
	if st := bearerStatus(t, e.srv.URL, got["iam"].Token); st != 200 {
		t.Errorf("protected API with the Node SDK's token = %d, want 200", st)
	}
	if bad := got["iam-bad-key"]; bad.OK || !strings.Contains(bad.Error, "Provided API key could not be found") {
		t.Errorf("iam with a bad key: %+v, want IBM's message", bad)
	}
}
