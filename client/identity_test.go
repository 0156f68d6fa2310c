package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/client"
)

// recorded is what the recording server saw of one request.
type recorded struct {
	Method, URI string
	Header      map[string]string // only the headers the test names
	Body        string
}

// recordOne runs call against a server that records the request and answers
// status with body.
func recordOne(t *testing.T, headers []string, status int, body string, call func(*client.Client) error) (recorded, error) {
	t.Helper()
	var got recorded
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = recorded{Method: r.Method, URI: r.URL.RequestURI(), Body: string(b), Header: map[string]string{}}
		for _, h := range headers {
			if v := r.Header.Get(h); v != "" {
				got.Header[h] = v
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	defer srv.Close()
	err := call(client.New(client.Config{URL: srv.URL, Token: "tok"}))
	return got, err
}

func TestIdentityRequests(t *testing.T) {
	ctx := context.Background()
	hdrs := []string{"If-Match", "Entity-Lock", "Entity-Disable", "Iam-Apikey", "Authorization"}
	auth := map[string]string{"Authorization": "Bearer tok"}
	with := func(kv ...string) map[string]string {
		m := map[string]string{"Authorization": "Bearer tok"}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name string
		call func(*client.Client) error
		want recorded
	}{
		{"CreateServiceID locked", func(c *client.Client) error {
			_, err := c.CreateServiceID(ctx, api.CreateServiceIDRequest{AccountID: "a", Name: "n"}, client.CreateOptions{Lock: true})
			return err
		}, recorded{"POST", "/v1/serviceids/", with("Entity-Lock", "true"), `{"account_id":"a","name":"n"}`}},
		{"ListServiceIDs", func(c *client.Client) error {
			_, err := c.ListServiceIDs(ctx, client.ListServiceIDsOptions{AccountID: "a", PageSize: 5, PageToken: "p"})
			return err
		}, recorded{"GET", "/v1/serviceids/?account_id=a&pagesize=5&pagetoken=p", auth, ""}},
		{"UpdateServiceID", func(c *client.Client) error {
			_, err := c.UpdateServiceID(ctx, "ServiceId-1", "2-x", api.UpdateServiceIDRequest{Description: new("")})
			return err
		}, recorded{"PUT", "/v1/serviceids/ServiceId-1", with("If-Match", "2-x"), `{"description":""}`}},
		{"UnlockServiceID", func(c *client.Client) error { return c.UnlockServiceID(ctx, "ServiceId-1") },
			recorded{"DELETE", "/v1/serviceids/ServiceId-1/lock", auth, ""}},
		{"CreateAPIKey disabled", func(c *client.Client) error {
			_, err := c.CreateAPIKey(ctx, api.CreateAPIKeyRequest{Name: "k", IAMID: "iam-x"}, client.CreateOptions{Disable: true})
			return err
		}, recorded{"POST", "/v1/apikeys", with("Entity-Disable", "true"), `{"name":"k","iam_id":"iam-x"}`}},
		{"APIKeyDetails", func(c *client.Client) error { _, err := c.APIKeyDetails(ctx, "the-key"); return err },
			recorded{"GET", "/v1/apikeys/details", with("Iam-Apikey", "the-key"), ""}},
		{"UpdateAPIKey without tag", func(c *client.Client) error {
			_, err := c.UpdateAPIKey(ctx, "ApiKey-1", "", api.UpdateAPIKeyRequest{Name: new("x")})
			return err
		}, recorded{"PUT", "/v1/apikeys/ApiKey-1", with("If-Match", "*"), `{"name":"x"}`}},
		{"EnableAPIKey", func(c *client.Client) error { return c.EnableAPIKey(ctx, "ApiKey-1") },
			recorded{"DELETE", "/v1/apikeys/ApiKey-1/disable", auth, ""}},
		{"ListProfiles", func(c *client.Client) error {
			_, err := c.ListProfiles(ctx, client.ListOptions{AccountID: "a", Name: "my profile"})
			return err
		}, recorded{"GET", "/v1/profiles?account_id=a&name=my+profile", auth, ""}},
		{"CreateProfileLink", func(c *client.Client) error {
			_, err := c.CreateProfileLink(ctx, "Profile-1", api.CreateProfileLinkRequest{CRType: "CE",
				Link: api.ProfileLinkLink{CRN: "crn:x", ComponentType: "application", ComponentName: "app"}})
			return err
		}, recorded{"POST", "/v1/profiles/Profile-1/links", auth,
			`{"cr_type":"CE","link":{"crn":"crn:x","component_type":"application","component_name":"app"}}`}},
		{"DeleteProfileLinksByParams", func(c *client.Client) error {
			return c.DeleteProfileLinksByParams(ctx, "Profile-1", client.ProfileLinkParams{CRType: "IKS_SA", Namespace: "ns"})
		}, recorded{"DELETE", "/v1/profiles/Profile-1/links?namespace=ns&type=IKS_SA", auth, ""}},
		{"UpdateClaimRule", func(c *client.Client) error {
			_, err := c.UpdateClaimRule(ctx, "Profile-1", "ClaimRule-1", "1-a", api.UpdateClaimRuleRequest{Type: "Profile-CR", CRType: "CE",
				Conditions: []api.ProfileClaimRuleCondition{{Claim: "c", Operator: "EQUALS", Value: `"v"`}}})
			return err
		}, recorded{"PUT", "/v1/profiles/Profile-1/rules/ClaimRule-1", with("If-Match", "1-a"),
			`{"type":"Profile-CR","conditions":[{"claim":"c","operator":"EQUALS","value":"\"v\""}],"cr_type":"CE"}`}},
		{"SetProfileIdentities", func(c *client.Client) error {
			_, err := c.SetProfileIdentities(ctx, "Profile-1", "3-b", api.SetProfileIdentitiesRequest{Identities: []api.ProfileIdentityRequest{}})
			return err
		}, recorded{"PUT", "/v1/profiles/Profile-1/identities", with("If-Match", "3-b"), `{"identities":[]}`}},
		{"DeleteProfileIdentity", func(c *client.Client) error {
			return c.DeleteProfileIdentity(ctx, "Profile-1", "crn", "crn:v1:coffer:public:x::a/b:c::")
		}, recorded{"DELETE", "/v1/profiles/Profile-1/identities/crn/crn:v1:coffer:public:x::a%2Fb:c::", auth, ""}},
		{"ListUsers", func(c *client.Client) error {
			_, err := c.ListUsers(ctx, client.ListOptions{AccountID: "acct"})
			return err
		}, recorded{"GET", "/coffer/v1/users?account_id=acct", auth, ""}},
		{"CreateAccount", func(c *client.Client) error {
			_, err := c.CreateAccount(ctx, api.CreateAccountRequest{Name: "a", AdminName: "adm"})
			return err
		}, recorded{"POST", "/coffer/v1/accounts", auth, `{"name":"a","admin_name":"adm"}`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := recordOne(t, hdrs, 200, `{}`, tt.call)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("%s request (-want +got):\n%s", tt.name, d)
			}
		})
	}
}

func TestIdentityErrorKinds(t *testing.T) {
	body := `{"trace":"t","errors":[{"code":"not_found","message_code":"BXNIM0102E","message":"Profile not found"}],"status_code":404}`
	_, err := recordOne(t, nil, 404, body, func(c *client.Client) error {
		_, err := c.Profile(context.Background(), "Profile-x")
		return err
	})
	var e *api.Error
	if !errors.As(err, &e) || !errors.Is(err, api.ErrNotFound) || e.Code != "BXNIM0102E" || e.Message != "Profile not found" {
		t.Errorf("Profile(unknown) = %#v, want not_found with code BXNIM0102E", err)
	}
}

func TestAllServiceIDsFollowsNext(t *testing.T) {
	var queries []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		queries = append(queries, r.URL.RawQuery)
		l := api.ServiceIDList{ServiceIDs: []api.ServiceID{{ID: "ServiceId-" + r.URL.Query().Get("pagetoken")}}}
		if r.URL.Query().Get("pagetoken") == "" {
			l.Next = "http://" + r.Host + "/v1/serviceids/?pagetoken=p2&pagesize=1"
		}
		json.NewEncoder(w).Encode(l)
	}))
	defer srv.Close()
	c := client.New(client.Config{URL: srv.URL, Token: "t"})
	all, err := c.AllServiceIDs(context.Background(), client.ListServiceIDsOptions{AccountID: "a", PageSize: 1})
	if err != nil {
		t.Fatalf("AllServiceIDs() = %v", err)
	}
	var ids []string
	for _, s := range all {
		ids = append(ids, s.ID)
	}
	if d := cmp.Diff([]string{"ServiceId-", "ServiceId-p2"}, ids); d != "" {
		t.Errorf("AllServiceIDs() ids (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"account_id=a&pagesize=1", "account_id=a&pagesize=1&pagetoken=p2"}, queries); d != "" {
		t.Errorf("queries (-want +got):\n%s", d)
	}
}

func TestNextPageToken(t *testing.T) {
	for _, tt := range []struct{ next, want string }{
		{"", ""},
		{"https://h/v1/apikeys?account_id=a&pagetoken=abc", "abc"},
		{"https://h/v1/apikeys?account_id=a", ""},
		{"opaque-token", "opaque-token"},
	} {
		if got := client.NextPageToken(tt.next); got != tt.want {
			t.Errorf("NextPageToken(%q) = %q, want %q", tt.next, got, tt.want)
		}
	}
}
