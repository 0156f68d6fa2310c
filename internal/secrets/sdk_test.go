package secrets_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/IBM/go-sdk-core/v5/core"
	sm "github.com/IBM/secrets-manager-go-sdk/v2/secretsmanagerv2"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/internal/servertest"
)

// newSDK returns IBM's real SDK v2.0.11 client for serviceURL,
// authenticated with the server's bootstrap API key through Coffer's own
// /identity/token.
func newSDK(tb testing.TB, srv *servertest.Server, serviceURL string, client *http.Client) *sm.SecretsManagerV2 {
	tb.Helper()
	c, err := sm.NewSecretsManagerV2(&sm.SecretsManagerV2Options{URL: serviceURL,
		Authenticator: &core.IamAuthenticator{ApiKey: srv.APIKey, URL: srv.URL}})
	if err != nil {
		tb.Fatalf("NewSecretsManagerV2: %v", err)
	}
	if client != nil {
		c.Service.SetHTTPClient(client)
	}
	return c
}

// defaultInstance returns the GUID of the bootstrap default instance.
func defaultInstance(tb testing.TB, srv *servertest.Server) string {
	tb.Helper()
	b := srv.Bootstrap()
	if b == nil || b.DefaultInstance == "" {
		tb.Fatal("the test server has no default instance")
	}
	return b.DefaultInstance
}

// status returns the HTTP status of an SDK error (0 when none).
func status(err error, resp *core.DetailedResponse) int {
	if resp != nil {
		return resp.StatusCode
	}
	var p *core.SDKProblem
	if errors.As(err, &p) {
		return -1
	}
	return 0
}

// sdkState is what the operations table shares, filled as it runs.
type sdkState struct {
	groupID, secretID, versionID, iamID, customID, taskID string
	updater                                               *sm.SecretsManagerV2 // holds SecretTaskUpdater
}

type sdkOp struct {
	name string
	run  func(t *testing.T, c *sm.SecretsManagerV2, st *sdkState)
}

// TestSDKAllOperations drives every one of the 41 operations of IBM's SDK
// v2.0.11 against the in-process server, through the three routing forms,
// and type-asserts results to the SDK's concrete types as IBM's tests do.
func TestSDKAllOperations(t *testing.T) {
	srv := servertest.New(t)
	guid := defaultInstance(t, srv)
	acceptingDestination(t, srv) // where GetNotificationsRegistrationTest's event goes
	updaterKey := taskUpdaterKey(t, srv)
	forms := []struct {
		name   string
		url    string
		client *http.Client
	}{
		{"path", srv.URL + "/instances/" + guid, nil},
		{"default", srv.URL, nil},
		{"host", srv.URL, hostClient(guid + ".sm.example")},
	}
	for i, f := range forms {
		t.Run(f.name, func(t *testing.T) {
			c := newSDK(t, srv, f.url, f.client)
			st := &sdkState{updater: newSDK(t, srv, f.url, f.client)}
			st.updater.Service.Options.Authenticator = &core.IamAuthenticator{ApiKey: updaterKey, URL: srv.URL}
			seen := map[string]bool{}
			for _, op := range sdkOps(f.name + string(rune('a'+i))) {
				seen[op.name] = true
				t.Run(op.name, func(t *testing.T) { op.run(t, c, st) })
				if t.Failed() {
					t.Fatalf("stopping after %s failed", op.name)
				}
			}
			if len(seen) != 41 {
				t.Errorf("the table drives %d distinct operations, want 41", len(seen))
			}
		})
	}
}

// hostClient returns a client that sends every request with Host host
// (but dials the real address), as a {guid}.host deployment would.
func hostClient(host string) *http.Client {
	return &http.Client{Transport: roundTripper(func(r *http.Request) (*http.Response, error) {
		if strings.Contains(r.URL.Path, "/api/v2/") {
			r = r.Clone(r.Context())
			r.Host = host
		}
		return http.DefaultTransport.RoundTrip(r)
	})}
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func must[T any](t *testing.T, what string, v T, resp *core.DetailedResponse, err error, wantStatus int) T {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v (status %d)", what, err, status(err, resp))
	}
	if resp.StatusCode != wantStatus {
		t.Fatalf("%s: status %d, want %d", what, resp.StatusCode, wantStatus)
	}
	return v
}

func wantError(t *testing.T, what string, resp *core.DetailedResponse, err error, wantStatus int) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s succeeded, want status %d", what, wantStatus)
	}
	if resp == nil || resp.StatusCode != wantStatus {
		t.Fatalf("%s: %v (status %d), want status %d", what, err, status(err, resp), wantStatus)
	}
	if err.Error() == "" {
		t.Errorf("%s: empty error message", what)
	}
}

// taskUpdaterKey creates a service ID with an API key and grants it IBM's
// SecretTaskUpdater role on Secrets Manager in the bootstrap account (the
// only role with secret-task.update: not even a Manager has it), and
// returns the key.
func taskUpdaterKey(tb testing.TB, srv *servertest.Server) string {
	tb.Helper()
	ctx := tb.Context()
	b := srv.Bootstrap()
	sid, err := srv.Client.CreateServiceID(ctx, api.CreateServiceIDRequest{AccountID: b.AccountID, Name: "task-updater",
		APIKey: &api.CreateServiceIDAPIKey{Name: "task-updater"}}, client.CreateOptions{})
	if err != nil {
		tb.Fatalf("CreateServiceID: %v", err)
	}
	policy := fmt.Sprintf(`{"type":"access","subjects":[{"attributes":[{"name":"iam_id","value":%q}]}],
		"roles":[{"role_id":"crn:v1:coffer:public:secrets-manager::::serviceRole:SecretTaskUpdater"}],
		"resources":[{"attributes":[{"name":"accountId","value":%q},{"name":"serviceName","value":"secrets-manager"}]}]}`,
		sid.IAMID, b.AccountID)
	auth := &core.IamAuthenticator{ApiKey: srv.APIKey, URL: srv.URL}
	tok, err := auth.GetToken()
	if err != nil {
		tb.Fatalf("GetToken: %v", err)
	}
	req, _ := http.NewRequestWithContext(ctx, "POST", srv.URL+"/v1/policies", strings.NewReader(policy))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatalf("POST /v1/policies: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		tb.Fatalf("POST /v1/policies: status %d, want 201", resp.StatusCode)
	}
	return sid.APIKey.APIKey.Reveal()
}
