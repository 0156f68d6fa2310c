package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cofferhq/coffer/api"
)

// smRequest is what the fake Secrets Manager saw of one request.
type smRequest struct {
	Method, Path, RawQuery string
	ContentType, ConfigHdr string
	Auth                   string
	Body                   string
}

// fakeSM is a fake of the remote Secrets Manager protocol: it records each
// request and answers with a fixed status and body.
type fakeSM struct {
	mu     sync.Mutex
	reqs   []smRequest
	status int
	body   string
}

func newFakeSM(tb testing.TB) (*fakeSM, *Client) {
	tb.Helper()
	f := &fakeSM{status: 200, body: "{}"}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.reqs = append(f.reqs, smRequest{Method: r.Method, Path: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery,
			ContentType: r.Header.Get("Content-Type"), ConfigHdr: r.Header.Get("X-Sm-Accept-Configuration-Type"),
			Auth: r.Header.Get("Authorization"), Body: string(b)})
		status, body := f.status, f.body
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		if status != http.StatusNoContent {
			io.WriteString(w, body)
		}
	}))
	tb.Cleanup(srv.Close)
	return f, New(Config{URL: srv.URL, Token: "tok"})
}

func (f *fakeSM) last(tb testing.TB) smRequest {
	tb.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.reqs) == 0 {
		tb.Fatal("the fake saw no request")
	}
	return f.reqs[len(f.reqs)-1]
}

func TestSecretsManagerRequests(t *testing.T) {
	ctx := context.Background()
	tru := true
	name := "n2"
	locks := []api.SecretLockPrototype{{Name: "l1"}}
	tests := []struct {
		name string
		call func(s *SecretsClient) error
		want smRequest // Auth is always checked as "Bearer tok"
	}{
		{"CreateSecretGroup", func(s *SecretsClient) error {
			_, err := s.CreateSecretGroup(ctx, api.SecretGroupPrototype{Name: "g"})
			return err
		}, smRequest{Method: "POST", Path: "/api/v2/secret_groups", ContentType: "application/json", Body: `{"name":"g"}`}},
		{"ListSecretGroups", func(s *SecretsClient) error { _, err := s.ListSecretGroups(ctx); return err },
			smRequest{Method: "GET", Path: "/api/v2/secret_groups"}},
		{"SecretGroup", func(s *SecretsClient) error { _, err := s.SecretGroup(ctx, "default"); return err },
			smRequest{Method: "GET", Path: "/api/v2/secret_groups/default"}},
		{"UpdateSecretGroup", func(s *SecretsClient) error {
			_, err := s.UpdateSecretGroup(ctx, "g1", api.SecretGroupPatch{Name: &name})
			return err
		}, smRequest{Method: "PATCH", Path: "/api/v2/secret_groups/g1", ContentType: "application/merge-patch+json", Body: `{"name":"n2"}`}},
		{"DeleteSecretGroup", func(s *SecretsClient) error { return s.DeleteSecretGroup(ctx, "g1") },
			smRequest{Method: "DELETE", Path: "/api/v2/secret_groups/g1"}},
		{"CreateSecret", func(s *SecretsClient) error {
			_, err := s.CreateSecret(ctx, api.SecretPrototype{SecretType: "arbitrary", Name: "a", Payload: "p"})
			return err
		}, smRequest{Method: "POST", Path: "/api/v2/secrets", ContentType: "application/json",
			Body: `{"secret_type":"arbitrary","name":"a","payload":"p"}`}},
		{"ListSecrets", func(s *SecretsClient) error {
			_, err := s.ListSecrets(ctx, ListSecretsOptions{Limit: 10, Offset: 20, Sort: "-name", Search: "a b",
				Groups: []string{"default", "abc"}, SecretTypes: []string{"arbitrary", "kv"}, MatchAllLabels: []string{"x"}})
			return err
		}, smRequest{Method: "GET", Path: "/api/v2/secrets",
			RawQuery: "groups=default%2Cabc&limit=10&match_all_labels=x&offset=20&search=a+b&secret_types=arbitrary%2Ckv&sort=-name"}},
		{"ListSecretsNoOptions", func(s *SecretsClient) error { _, err := s.ListSecrets(ctx, ListSecretsOptions{}); return err },
			smRequest{Method: "GET", Path: "/api/v2/secrets"}},
		{"Secret", func(s *SecretsClient) error { _, err := s.Secret(ctx, "s1"); return err },
			smRequest{Method: "GET", Path: "/api/v2/secrets/s1"}},
		{"SecretByName", func(s *SecretsClient) error { _, err := s.SecretByName(ctx, "my group", "kv", "a/b"); return err },
			smRequest{Method: "GET", Path: "/api/v2/secret_groups/my%20group/secret_types/kv/secrets/a%2Fb"}},
		{"DeleteSecret", func(s *SecretsClient) error { return s.DeleteSecret(ctx, "s1", false) },
			smRequest{Method: "DELETE", Path: "/api/v2/secrets/s1"}},
		{"DeleteSecretForce", func(s *SecretsClient) error { return s.DeleteSecret(ctx, "s1", true) },
			smRequest{Method: "DELETE", Path: "/api/v2/secrets/s1", RawQuery: "force_delete=true"}},
		{"SecretMetadata", func(s *SecretsClient) error { _, err := s.SecretMetadata(ctx, "s1"); return err },
			smRequest{Method: "GET", Path: "/api/v2/secrets/s1/metadata"}},
		{"UpdateSecretMetadata", func(s *SecretsClient) error {
			_, err := s.UpdateSecretMetadata(ctx, "s1", api.SecretMetadataPatch{Name: &name, Labels: []string{"a"}})
			return err
		}, smRequest{Method: "PATCH", Path: "/api/v2/secrets/s1/metadata", ContentType: "application/merge-patch+json",
			Body: `{"name":"n2","labels":["a"]}`}},
		{"CreateSecretAction", func(s *SecretsClient) error {
			_, err := s.CreateSecretAction(ctx, "s1", api.SecretActionPrototype{ActionType: api.ActionRevokeCertificate})
			return err
		}, smRequest{Method: "POST", Path: "/api/v2/secrets/s1/actions", ContentType: "application/json",
			Body: `{"action_type":"private_cert_action_revoke_certificate"}`}},
		{"CreateSecretVersion", func(s *SecretsClient) error {
			_, err := s.CreateSecretVersion(ctx, "s1", api.SecretVersionPrototype{Payload: "v2"})
			return err
		}, smRequest{Method: "POST", Path: "/api/v2/secrets/s1/versions", ContentType: "application/json", Body: `{"payload":"v2"}`}},
		{"ListSecretVersions", func(s *SecretsClient) error { _, err := s.ListSecretVersions(ctx, "s1"); return err },
			smRequest{Method: "GET", Path: "/api/v2/secrets/s1/versions"}},
		{"SecretVersion", func(s *SecretsClient) error { _, err := s.SecretVersion(ctx, "s1", "previous"); return err },
			smRequest{Method: "GET", Path: "/api/v2/secrets/s1/versions/previous"}},
		{"DeleteSecretVersionData", func(s *SecretsClient) error { return s.DeleteSecretVersionData(ctx, "s1", "current") },
			smRequest{Method: "DELETE", Path: "/api/v2/secrets/s1/versions/current/secret_data"}},
		{"SecretVersionMetadata", func(s *SecretsClient) error { _, err := s.SecretVersionMetadata(ctx, "s1", "v1"); return err },
			smRequest{Method: "GET", Path: "/api/v2/secrets/s1/versions/v1/metadata"}},
		{"UpdateSecretVersionMetadata", func(s *SecretsClient) error {
			_, err := s.UpdateSecretVersionMetadata(ctx, "s1", "v1", api.SecretVersionMetadataPatch{VersionCustomMetadata: map[string]any{"k": "v"}})
			return err
		}, smRequest{Method: "PATCH", Path: "/api/v2/secrets/s1/versions/v1/metadata", ContentType: "application/merge-patch+json",
			Body: `{"version_custom_metadata":{"k":"v"}}`}},
		{"CreateSecretVersionAction", func(s *SecretsClient) error {
			_, err := s.CreateSecretVersionAction(ctx, "s1", "v1", api.SecretActionPrototype{ActionType: api.ActionRevokeCertificate})
			return err
		}, smRequest{Method: "POST", Path: "/api/v2/secrets/s1/versions/v1/actions", ContentType: "application/json",
			Body: `{"action_type":"private_cert_action_revoke_certificate"}`}},
		{"ListSecretTasks", func(s *SecretsClient) error { _, err := s.ListSecretTasks(ctx, "s1"); return err },
			smRequest{Method: "GET", Path: "/api/v2/secrets/s1/tasks"}},
		{"SecretTask", func(s *SecretsClient) error { _, err := s.SecretTask(ctx, "s1", "t1"); return err },
			smRequest{Method: "GET", Path: "/api/v2/secrets/s1/tasks/t1"}},
		{"ReplaceSecretTask", func(s *SecretsClient) error {
			_, err := s.ReplaceSecretTask(ctx, "s1", "t1", api.SecretTaskPrototype{Status: api.TaskStatusCredentialsDeleted})
			return err
		}, smRequest{Method: "PUT", Path: "/api/v2/secrets/s1/tasks/t1", ContentType: "application/json", Body: `{"status":"credentials_deleted"}`}},
		{"DeleteSecretTask", func(s *SecretsClient) error { return s.DeleteSecretTask(ctx, "s1", "t1") },
			smRequest{Method: "DELETE", Path: "/api/v2/secrets/s1/tasks/t1"}},
		{"ListSecretsLocks", func(s *SecretsClient) error {
			_, err := s.ListSecretsLocks(ctx, ListSecretsLocksOptions{Limit: 5, Search: "l", Groups: []string{"default", "g"}})
			return err
		}, smRequest{Method: "GET", Path: "/api/v2/secrets_locks", RawQuery: "groups=default%2Cg&limit=5&search=l"}},
		{"ListSecretLocks", func(s *SecretsClient) error {
			_, err := s.ListSecretLocks(ctx, "s1", ListLocksOptions{Offset: 1, Sort: "name"})
			return err
		}, smRequest{Method: "GET", Path: "/api/v2/secrets/s1/locks", RawQuery: "offset=1&sort=name"}},
		{"CreateSecretLocksBulk", func(s *SecretsClient) error {
			_, err := s.CreateSecretLocksBulk(ctx, "s1", locks, api.LockModeRemovePrevious)
			return err
		}, smRequest{Method: "POST", Path: "/api/v2/secrets/s1/locks_bulk", RawQuery: "mode=remove_previous",
			ContentType: "application/json", Body: `{"locks":[{"name":"l1"}]}`}},
		{"CreateSecretLocksBulkEmpty", func(s *SecretsClient) error {
			_, err := s.CreateSecretLocksBulk(ctx, "s1", nil, "")
			return err
		}, smRequest{Method: "POST", Path: "/api/v2/secrets/s1/locks_bulk", ContentType: "application/json", Body: `{"locks":[]}`}},
		{"DeleteSecretLocksBulk", func(s *SecretsClient) error {
			_, err := s.DeleteSecretLocksBulk(ctx, "s1", []string{"l1", "l2"})
			return err
		}, smRequest{Method: "DELETE", Path: "/api/v2/secrets/s1/locks_bulk", RawQuery: "name=l1%2Cl2"}},
		{"ListSecretVersionLocks", func(s *SecretsClient) error {
			_, err := s.ListSecretVersionLocks(ctx, "s1", "current", ListLocksOptions{Limit: 3, Search: "x"})
			return err
		}, smRequest{Method: "GET", Path: "/api/v2/secrets/s1/versions/current/locks", RawQuery: "limit=3&search=x"}},
		{"CreateSecretVersionLocksBulk", func(s *SecretsClient) error {
			_, err := s.CreateSecretVersionLocksBulk(ctx, "s1", "v1", locks, api.LockModeRemovePreviousAndDelete)
			return err
		}, smRequest{Method: "POST", Path: "/api/v2/secrets/s1/versions/v1/locks_bulk", RawQuery: "mode=remove_previous_and_delete",
			ContentType: "application/json", Body: `{"locks":[{"name":"l1"}]}`}},
		{"DeleteSecretVersionLocksBulk", func(s *SecretsClient) error {
			_, err := s.DeleteSecretVersionLocksBulk(ctx, "s1", "v1", nil)
			return err
		}, smRequest{Method: "DELETE", Path: "/api/v2/secrets/s1/versions/v1/locks_bulk"}},
		{"CreateConfiguration", func(s *SecretsClient) error {
			_, err := s.CreateConfiguration(ctx, api.ConfigurationPrototype{ConfigType: api.ConfigTypeIAMCredentials, Name: "c", APIKey: "k"})
			return err
		}, smRequest{Method: "POST", Path: "/api/v2/configurations", ContentType: "application/json",
			Body: `{"config_type":"iam_credentials_configuration","name":"c","api_key":"k"}`}},
		{"ListConfigurations", func(s *SecretsClient) error {
			_, err := s.ListConfigurations(ctx, ListConfigurationsOptions{Sort: "name", SecretTypes: []string{"private_cert", "iam_credentials"}})
			return err
		}, smRequest{Method: "GET", Path: "/api/v2/configurations", RawQuery: "secret_types=private_cert%2Ciam_credentials&sort=name"}},
		{"Configuration", func(s *SecretsClient) error {
			_, err := s.Configuration(ctx, "c", api.ConfigTypeIAMCredentials)
			return err
		}, smRequest{Method: "GET", Path: "/api/v2/configurations/c", ConfigHdr: "iam_credentials_configuration"}},
		{"UpdateConfiguration", func(s *SecretsClient) error {
			_, err := s.UpdateConfiguration(ctx, "c", "", api.ConfigurationPatch{Disabled: &tru})
			return err
		}, smRequest{Method: "PATCH", Path: "/api/v2/configurations/c", ContentType: "application/merge-patch+json", Body: `{"disabled":true}`}},
		{"DeleteConfiguration", func(s *SecretsClient) error {
			return s.DeleteConfiguration(ctx, "c", "private_cert_configuration_root_ca")
		},
			smRequest{Method: "DELETE", Path: "/api/v2/configurations/c", ConfigHdr: "private_cert_configuration_root_ca"}},
		{"CreateConfigurationAction", func(s *SecretsClient) error {
			_, err := s.CreateConfigurationAction(ctx, "root", "", api.ConfigurationActionPrototype{ActionType: "private_cert_configuration_action_rotate_crl"})
			return err
		}, smRequest{Method: "POST", Path: "/api/v2/configurations/root/actions", ContentType: "application/json",
			Body: `{"action_type":"private_cert_configuration_action_rotate_crl"}`}},
		{"CreateNotificationsRegistration", func(s *SecretsClient) error {
			_, err := s.CreateNotificationsRegistration(ctx, api.NotificationsRegistrationPrototype{InstanceCRN: "crn:x", SourceName: "sm"})
			return err
		}, smRequest{Method: "POST", Path: "/api/v2/notifications/registration", ContentType: "application/json",
			Body: `{"event_notifications_instance_crn":"crn:x","event_notifications_source_name":"sm"}`}},
		{"NotificationsRegistration", func(s *SecretsClient) error { _, err := s.NotificationsRegistration(ctx); return err },
			smRequest{Method: "GET", Path: "/api/v2/notifications/registration"}},
		{"DeleteNotificationsRegistration", func(s *SecretsClient) error { return s.DeleteNotificationsRegistration(ctx) },
			smRequest{Method: "DELETE", Path: "/api/v2/notifications/registration"}},
		{"TestNotificationsRegistration", func(s *SecretsClient) error { return s.TestNotificationsRegistration(ctx) },
			smRequest{Method: "GET", Path: "/api/v2/notifications/registration/test"}},
	}
	for _, prefix := range []string{"", "0b5571f7-21e6-42b7-91c5-3f5ac9793a46"} {
		for _, tt := range tests {
			t.Run(tt.name+"/"+prefix, func(t *testing.T) {
				f, c := newFakeSM(t)
				if err := tt.call(c.SecretsManager(prefix)); err != nil {
					t.Fatalf("%s: %v", tt.name, err)
				}
				want := tt.want
				want.Auth = "Bearer tok"
				if prefix != "" {
					want.Path = "/instances/" + prefix + want.Path
				}
				if diff := cmp.Diff(want, f.last(t)); diff != "" {
					t.Errorf("%s request mismatch (-want +got):\n%s", tt.name, diff)
				}
			})
		}
	}
}

func TestSecretsManagerDecodesAndKeepsRawJSON(t *testing.T) {
	f, c := newFakeSM(t)
	f.body = `{"id":"s1","secret_type":"arbitrary","secret_group_id":"default","crn":"crn:x","name":"a","labels":[],` +
		`"created_by":"iam-x","created_at":"2030-10-05T11:49:42.000Z","updated_at":"2030-10-05T11:49:42.000Z",` +
		`"downloaded":true,"locks_total":0,"versions_total":1,"state":1,"state_description":"active","payload":"s3cr3t"}`
	var raw json.RawMessage
	s, err := c.SecretsManager("").WithRawJSON(&raw).Secret(context.Background(), "s1")
	if err != nil {
		t.Fatalf("Secret(s1) = %v", err)
	}
	if s.Payload.Reveal() != "s3cr3t" || s.SecretType != "arbitrary" || s.VersionsTotal != 1 || s.CreatedAt.Year() != 2030 {
		t.Errorf("Secret(s1) = %+v, want the decoded fake answer", s.SecretMetadata)
	}
	if string(raw) != f.body {
		t.Errorf("raw JSON = %s, want %s", raw, f.body)
	}
}

func TestSecretsManagerErrors(t *testing.T) {
	tests := []struct {
		status int
		body   string
		kind   *api.Kind
		msg    string
	}{
		{404, `{"errors":[{"code":"not_found","message":"secret s1 was not found"}],"status_code":404,"trace":"t"}`, api.ErrNotFound, "secret s1 was not found"},
		{409, `{"errors":[{"code":"secret_exists","message":"a secret named a already exists"}],"status_code":409}`, api.ErrAlreadyExists, "a secret named a already exists"},
		{412, `{"errors":[{"code":"secret_locked","message":"The requested action can't be completed because the secret version is locked."}],"status_code":412}`, api.ErrFailedPrecondition, "The requested action can't be completed because the secret version is locked."},
		{400, `{"errors":[{"code":"invalid","message":"unknown field x"}],"status_code":400}`, api.ErrInvalid, "unknown field x"},
	}
	for _, tt := range tests {
		f, c := newFakeSM(t)
		f.status, f.body = tt.status, tt.body
		_, err := c.SecretsManager("").Secret(context.Background(), "s1")
		var e *api.Error
		if !errors.As(err, &e) || api.KindOf(err) != tt.kind || e.Message != tt.msg {
			t.Errorf("Secret() with a %d answer = %v (kind %v), want %v %q", tt.status, err, api.KindOf(err), tt.kind.Code, tt.msg)
		}
	}
}

func TestSecretsPagerFollowsNext(t *testing.T) {
	const total = 5
	var offsets []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		offsets = append(offsets, q.Get("offset"))
		off := 0
		fmt.Sscan(q.Get("offset"), &off)
		var items []string
		for i := off; i < off+2 && i < total; i++ {
			items = append(items, fmt.Sprintf(`{"id":"s%d","secret_type":"arbitrary"}`, i))
		}
		next := ""
		if off+2 < total {
			next = fmt.Sprintf(`"next":{"href":"http://x/api/v2/secrets?limit=2&offset=%d&search=a"},`, off+2)
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"total_count":%d,"limit":2,"offset":%d,"first":{"href":"x"},%s"last":{"href":"x"},"secrets":[%s]}`,
			total, off, next, strings.Join(items, ","))
	}))
	defer srv.Close()
	p := New(Config{URL: srv.URL}).SecretsManager("g").SecretsPager(ListSecretsOptions{Limit: 2, Search: "a"})
	all, err := p.All(context.Background())
	if err != nil {
		t.Fatalf("All() = %v", err)
	}
	var ids []string
	for _, s := range all {
		ids = append(ids, s.ID)
	}
	if diff := cmp.Diff([]string{"s0", "s1", "s2", "s3", "s4"}, ids); diff != "" {
		t.Errorf("All() ids mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"", "2", "4"}, offsets); diff != "" {
		t.Errorf("requested offsets mismatch (-want +got):\n%s", diff)
	}
	if p.HasNext() {
		t.Errorf("HasNext() after the last page = true, want false")
	}
}

func TestNextOffset(t *testing.T) {
	tests := []struct {
		next    *api.Href
		want    int64
		wantOK  bool
		wantErr bool
	}{
		{next: nil},
		{next: &api.Href{Href: "/api/v2/secrets?limit=2&offset=4"}, want: 4, wantOK: true},
		{next: &api.Href{Href: "http://h/api/v2/secrets?offset=200"}, want: 200, wantOK: true},
		{next: &api.Href{Href: "http://h/api/v2/secrets?limit=2"}},
		{next: &api.Href{Href: "http://h/api/v2/secrets?offset=x"}, wantErr: true},
	}
	for _, tt := range tests {
		got, ok, err := NextOffset(api.Page{Next: tt.next})
		if got != tt.want || ok != tt.wantOK || (err != nil) != tt.wantErr {
			t.Errorf("NextOffset(%+v) = %d, %t, %v, want %d, %t, error %t", tt.next, got, ok, err, tt.want, tt.wantOK, tt.wantErr)
		}
	}
}

func TestSplitServiceURL(t *testing.T) {
	tests := []struct{ in, base, guid string }{
		{"http://127.0.0.1:8420/instances/abc", "http://127.0.0.1:8420", "abc"},
		{"http://127.0.0.1:8420/instances/abc/", "http://127.0.0.1:8420", "abc"},
		{"http://h/coffer/instances/abc/api/v2", "http://h/coffer", "abc"},
		{"http://127.0.0.1:8420", "http://127.0.0.1:8420", ""},
		{"https://abc.us-south.secrets-manager.example/api", "https://abc.us-south.secrets-manager.example", ""},
		{"http://h/instances/abc/other", "http://h/instances/abc/other", ""},
	}
	for _, tt := range tests {
		base, guid := SplitServiceURL(tt.in)
		if base != tt.base || guid != tt.guid {
			t.Errorf("SplitServiceURL(%q) = %q, %q, want %q, %q", tt.in, base, guid, tt.base, tt.guid)
		}
	}
}
