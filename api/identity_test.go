package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// roundTrip decodes golden into a new T, encodes it again and reports any
// difference between the two JSON documents (compared as values).
func roundTrip[T any](t *testing.T, golden string) T {
	t.Helper()
	var v T
	dec := json.NewDecoder(strings.NewReader(golden))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decoding golden %T: %v", v, err)
	}
	out, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("Marshal(%T) = %v", v, err)
	}
	var want, got any
	json.Unmarshal([]byte(golden), &want)
	json.Unmarshal(out, &got)
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("%T round trip changed the JSON (-want +got):\n%s", v, d)
	}
	return v
}

func TestIdentityRoundTrip(t *testing.T) {
	tests := []struct {
		name, golden string
		run          func(*testing.T, string)
	}{
		{"ProfileLink CE", `{"id":"ProfileLink-1","entity_tag":"1-abc","created_at":"2024-04-12T19:00+0000",
			"modified_at":"2024-04-12T19:00+0000","name":"my-app","cr_type":"CE","is_cross_account":false,
			"link":{"crn":"crn:v1:coffer:public:codeengine:eu-de:a/acct:proj::","component_type":"application","component_name":"my-app"}}`,
			func(t *testing.T, g string) { roundTrip[ProfileLink](t, g) }},
		{"ProfileLink IKS", `{"id":"ProfileLink-2","entity_tag":"1-abc","created_at":"2024-04-12T19:00+0000",
			"cr_type":"IKS_SA","is_cross_account":true,
			"link":{"crn":"crn:v1:coffer:public:containers-kubernetes:eu-de:a/acct:cluster::","namespace":"default","name":"sa"}}`,
			func(t *testing.T, g string) { roundTrip[ProfileLink](t, g) }},
		{"ProfileClaimRule", `{"id":"ClaimRule-1","entity_tag":"1-x","created_at":"2024-04-12T19:00+0000",
			"name":"r","type":"Profile-CR","cr_type":"CE","expiration":43200,
			"conditions":[{"claim":"project_name","operator":"EQUALS","value":"\"myproj\""}]}`,
			func(t *testing.T, g string) { roundTrip[ProfileClaimRule](t, g) }},
		{"ServiceID with key", `{"id":"ServiceId-1","iam_id":"iam-ServiceId-1","entity_tag":"1-a","crn":"crn:v1:coffer:public:iam-identity::a/acct::serviceid:ServiceId-1",
			"locked":false,"created_at":"2024-04-12T19:00+0000","modified_at":"2024-04-12T19:00+0000","account_id":"acct","name":"svc",
			"apikey":{"id":"ApiKey-1","crn":"c","locked":false,"disabled":false,"created_by":"iam-x","name":"k","iam_id":"iam-ServiceId-1","account_id":"acct","apikey":"value"}}`,
			func(t *testing.T, g string) { roundTrip[ServiceID](t, g) }},
		{"APIKeyList", `{"offset":0,"limit":20,"first":"http://h/v1/apikeys?account_id=a","next":"http://h/v1/apikeys?pagetoken=t",
			"apikeys":[{"id":"ApiKey-1","entity_tag":"1-a","crn":"c","locked":true,"disabled":true,"created_at":"2024-04-12T19:00+0000",
			"created_by":"iam-x","name":"k","description":"d","iam_id":"IBMid-1","account_id":"acct","support_sessions":true,"action_when_leaked":"disable",
			"history":[{"timestamp":"t","iam_id":"i","iam_id_account":"a","action":"create","params":[],"message":"m"}],"activity":{"authn_count":3}}]}`,
			func(t *testing.T, g string) { roundTrip[APIKeyList](t, g) }},
		{"TrustedProfilesList", `{"context":{"transaction_id":"tx","operation":"list"},"offset":0,"limit":20,"profiles":[{"id":"Profile-1","entity_tag":"1-a",
			"crn":"c","name":"p","description":"d","created_at":"2024-04-12T19:00+0000","modified_at":"2024-04-12T19:00+0000",
			"iam_id":"iam-Profile-1","account_id":"acct","ims_account_id":5}]}`,
			func(t *testing.T, g string) { roundTrip[TrustedProfilesList](t, g) }},
		{"ProfileIdentitiesResponse", `{"entity_tag":"2-b","identities":[{"iam_id":"iam-ServiceId-1","identifier":"ServiceId-1","type":"serviceid",
			"description":"svc"},{"iam_id":"IBMid-1","identifier":"IBMid-1","type":"user","accounts":["acct"]}]}`,
			func(t *testing.T, g string) { roundTrip[ProfileIdentitiesResponse](t, g) }},
		{"CreateProfileLinkRequest", `{"cr_type":"CE","link":{"crn":"crn:v1:coffer:public:codeengine:eu-de:a/acct:proj::",
			"component_type":"application","component_name":"app"},"name":"n"}`,
			func(t *testing.T, g string) { roundTrip[CreateProfileLinkRequest](t, g) }},
		{"CreateClaimRuleRequest", `{"type":"Profile-CR","cr_type":"IKS_SA","name":"r",
			"conditions":[{"claim":"namespace","operator":"IN","value":"[\"a\",\"b\"]"}]}`,
			func(t *testing.T, g string) { roundTrip[CreateClaimRuleRequest](t, g) }},
		{"CreateServiceIDRequest", `{"account_id":"acct","name":"svc","description":"d","unique_instance_crns":["c"],
			"apikey":{"name":"k","store_value":true}}`,
			func(t *testing.T, g string) { roundTrip[CreateServiceIDRequest](t, g) }},
		{"CreateAPIKeyRequest", `{"name":"k","iam_id":"iam-ServiceId-1","account_id":"acct","apikey":"0123456789abcdef0123456789abcdef",
			"store_value":true,"action_when_leaked":"delete","expires_at":"2030-01-01T00:00+0000"}`,
			func(t *testing.T, g string) { roundTrip[CreateAPIKeyRequest](t, g) }},
		{"SetProfileIdentitiesRequest", `{"identities":[{"identifier":"IBMid-1","type":"user","accounts":["acct"]}]}`,
			func(t *testing.T, g string) { roundTrip[SetProfileIdentitiesRequest](t, g) }},
		{"CreateAccountResponse", `{"account":{"id":"acct","name":"a","state":"ACTIVE","owner_iam_id":"CofferId-1","created_at":"2024-04-12T19:00:00Z"},
			"admin":{"iam_id":"CofferId-1","account_id":"acct","name":"admin","state":"ACTIVE","created_at":"2024-04-12T19:00:00Z"},
			"apikey":{"id":"ApiKey-1","crn":"c","locked":false,"disabled":false,"created_by":"CofferId-1","name":"k","iam_id":"CofferId-1","account_id":"acct","apikey":"v"}}`,
			func(t *testing.T, g string) { roundTrip[CreateAccountResponse](t, g) }},
		{"TokenResponse", `{"access_token":"a.b.c","refresh_token":"not_supported","token_type":"Bearer","expires_in":3600,"expiration":1700003600,"scope":"ibm openid"}`,
			func(t *testing.T, g string) { roundTrip[TokenResponse](t, g) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, tt.golden) })
	}
}

func TestIdentityOmitsAbsentFields(t *testing.T) {
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"APIKey without value", APIKey{ID: "ApiKey-1"},
			`{"id":"ApiKey-1","crn":"","locked":false,"disabled":false,"created_by":"","name":"","iam_id":"","account_id":""}`},
		{"update leaves absent fields out", UpdateProfileRequest{Description: new("")}, `{"description":""}`},
		{"update clears a list", UpdateServiceIDRequest{UniqueInstanceCRNs: &[]string{}}, `{"unique_instance_crns":[]}`},
		{"empty list keeps its array", ProfileLinkList{Links: []ProfileLink{}}, `{"links":[]}`},
		{"cr-token response has no refresh token", TokenResponse{AccessToken: "t", TokenType: "Bearer"},
			`{"access_token":"t","token_type":"Bearer","expires_in":0,"expiration":0}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.v)
			if err != nil || string(b) != tt.want {
				t.Errorf("Marshal(%s) = %s, %v, want %s", tt.name, b, err, tt.want)
			}
		})
	}
}

func TestWireSecretPrintsRedacted(t *testing.T) {
	const value = "key-value-0123456789"
	k := APIKey{ID: "ApiKey-1", APIKey: WireSecret(value)}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "key", k.APIKey, "resp", TokenResponse{AccessToken: value})
	for _, out := range []string{fmt.Sprint(k), fmt.Sprintf("%v %+v %#v %s", k, k, k, k.APIKey), buf.String()} {
		if strings.Contains(out, value) {
			t.Errorf("output %q reveals the value", out)
		}
	}
	b, _ := json.Marshal(k)
	if !strings.Contains(string(b), `"apikey":"`+value+`"`) {
		t.Errorf("Marshal(APIKey) = %s, want the value on the wire", b)
	}
	if k.APIKey.Reveal() != value || k.APIKey.Sensitive().Reveal() != value {
		t.Errorf("Reveal() = %q, want %q", k.APIKey.Reveal(), value)
	}
}

func TestIdentityTime(t *testing.T) {
	at := time.Date(2024, 4, 12, 21, 0, 59, 0, time.FixedZone("CEST", 2*3600))
	if got, want := FormatIdentityTime(at), "2024-04-12T19:00+0000"; got != want {
		t.Errorf("FormatIdentityTime(%v) = %q, want %q", at, got, want)
	}
	got, err := ParseIdentityTime("2024-04-12T19:00+0000")
	if want := at.Truncate(time.Minute); err != nil || !got.Equal(want) {
		t.Errorf("ParseIdentityTime = %v, %v, want %v", got, err, want)
	}
	if _, err := ParseIdentityTime("2024-04-12T19:00:00Z"); KindOf(err) != ErrInvalid {
		t.Errorf("ParseIdentityTime(RFC 3339) error = %v, want kind invalid", err)
	}
}
