package identity

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cofferhq/coffer/api"
	"github.com/google/go-cmp/cmp"
)

func tokenRequest(tb testing.TB, body string, header ...string) *http.Request {
	tb.Helper()
	r := httptest.NewRequest(http.MethodPost, "/identity/token", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	return r
}

func basic(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+secret))
}

func TestParseTokenRequest(t *testing.T) {
	const crGrant = "urn%3Aibm%3Aparams%3Aoauth%3Agrant-type%3Acr-token"
	tests := []struct {
		name   string
		req    *http.Request
		want   TokenRequest
		secret string // must not appear when the request is printed
	}{
		{"Go apikey", tokenRequest(t, "apikey=k3y-value&grant_type=urn%3Aibm%3Aparams%3Aoauth%3Agrant-type%3Aapikey&response_type=cloud_iam"),
			TokenRequest{GrantType: GrantAPIKey, ResponseType: "cloud_iam", APIKey: "k3y-value"}, "k3y-value"},
		{"apikey trimmed, scope with %20", tokenRequest(t, "grant_type=urn:ibm:params:oauth:grant-type:apikey&apikey=%20k3y-value%0A&scope=ibm%20openid"),
			TokenRequest{GrantType: GrantAPIKey, Scope: "ibm openid", APIKey: "k3y-value"}, "k3y-value"},
		{"Go container capture", tokenRequest(t, "cr_token=cr.tok.en%0A&grant_type="+crGrant+"&profile_id=Profile-1&profile_name=my+profile&scope=ibm+openid",
			"Authorization", basic("client", "s3cret"), "Content-Type", "application/x-www-form-urlencoded; charset=utf-8"),
			TokenRequest{GrantType: GrantCRToken, Scope: "ibm openid", CRToken: "cr.tok.en", ProfileID: "Profile-1", ProfileName: "my profile",
				ClientID: "client", ClientSecret: "s3cret"}, "s3cret"},
		{"Node container capture", tokenRequest(t, "grant_type="+crGrant+"&cr_token=cr.tok.en%0A&profile_name=my%20profile&profile_id=Profile-1&scope=ibm%20openid"),
			TokenRequest{GrantType: GrantCRToken, Scope: "ibm openid", CRToken: "cr.tok.en", ProfileID: "Profile-1", ProfileName: "my profile"}, "cr.tok.en"},
		{"cr-token by crn", tokenRequest(t, "grant_type="+crGrant+"&cr_token=t.o.k&profile_crn=crn:v1:coffer:public:iam-identity::a/x::profile:Profile-1"),
			TokenRequest{GrantType: GrantCRToken, CRToken: "t.o.k", ProfileCRN: "crn:v1:coffer:public:iam-identity::a/x::profile:Profile-1"}, "t.o.k"},
		{"refresh", tokenRequest(t, "grant_type=refresh_token&refresh_token=r.e.f&response_type=cloud_iam"),
			TokenRequest{GrantType: GrantRefreshToken, ResponseType: "cloud_iam", RefreshToken: "r.e.f"}, "r.e.f"},
		{"Go assume step 2", tokenRequest(t, "access_token=a.b.c&account=acct&grant_type=urn%3Aibm%3Aparams%3Aoauth%3Agrant-type%3Aassume&profile_name=tp"),
			TokenRequest{GrantType: GrantAssume, AccessToken: "a.b.c", ProfileName: "tp", Account: "acct"}, "a.b.c"},
		{"assume by id with refresh token", tokenRequest(t, "grant_type=urn:ibm:params:oauth:grant-type:assume&refresh_token=r.e.f&profile_id=Profile-1"),
			TokenRequest{GrantType: GrantAssume, RefreshToken: "r.e.f", ProfileID: "Profile-1"}, "r.e.f"},
		{"bearer header ignored", tokenRequest(t, "grant_type=refresh_token&refresh_token=r.e.f", "Authorization", "Bearer x.y.z"),
			TokenRequest{GrantType: GrantRefreshToken, RefreshToken: "r.e.f"}, "r.e.f"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseTokenRequest(tt.req)
			if err != nil {
				t.Fatalf("ParseTokenRequest() = %v", err)
			}
			if diff := cmp.Diff(tt.want, *got); diff != "" {
				t.Errorf("ParseTokenRequest() mismatch (-want +got):\n%s", diff)
			}
			var logged strings.Builder
			slog.New(slog.NewJSONHandler(&logged, nil)).Info("req", "req", got)
			for _, out := range []string{fmt.Sprintf("%v %+v %#v", got, *got, got), logged.String()} {
				if strings.Contains(out, tt.secret) {
					t.Errorf("printed request %q shows the secret %q", out, tt.secret)
				}
			}
		})
	}
}

func TestParseTokenRequestErrors(t *testing.T) {
	apikey := "grant_type=urn:ibm:params:oauth:grant-type:apikey&apikey=k"
	cr := "grant_type=urn:ibm:params:oauth:grant-type:cr-token"
	assume := "grant_type=urn:ibm:params:oauth:grant-type:assume"
	unknownLength := tokenRequest(t, "")
	unknownLength.Body = io.NopCloser(io.MultiReader(strings.NewReader("apikey="), strings.NewReader(strings.Repeat("a", MaxTokenRequestBody))))
	unknownLength.ContentLength = -1
	tests := []struct {
		name, code, details string
		req                 *http.Request
	}{
		{"no grant", CodePropertyMissing, "Property 'grant_type' either missing or empty.", tokenRequest(t, "apikey=k")},
		{"empty grant", CodePropertyMissing, "'grant_type'", tokenRequest(t, "grant_type=&apikey=k")},
		{"unsupported grant", CodePropertyInvalid, "value 'password' is not supported", tokenRequest(t, "grant_type=password&username=u&password=p")},
		{"no apikey", CodePropertyMissing, "Property 'apikey' either missing or empty.", tokenRequest(t, "grant_type=urn:ibm:params:oauth:grant-type:apikey")},
		{"blank apikey", CodePropertyMissing, "'apikey'", tokenRequest(t, "grant_type=urn:ibm:params:oauth:grant-type:apikey&apikey=+%0A")},
		{"no refresh token", CodePropertyMissing, "'refresh_token'", tokenRequest(t, "grant_type=refresh_token")},
		{"empty cr_token (Node)", CodePropertyMissing, "'cr_token'", tokenRequest(t, cr+"&cr_token=&profile_name=p")},
		{"newline cr_token", CodePropertyMissing, "'cr_token'", tokenRequest(t, cr+"&cr_token=%0A&profile_name=p")},
		{"cr-token without profile", CodePropertyMissing, "profile_id, profile_name or profile_crn", tokenRequest(t, cr+"&cr_token=t")},
		{"assume without token", CodePropertyMissing, "'access_token'", tokenRequest(t, assume+"&profile_id=Profile-1")},
		{"assume with both tokens", CodePropertyInvalid, "not both", tokenRequest(t, assume+"&access_token=a&refresh_token=r&profile_id=P")},
		{"assume without profile", CodePropertyMissing, "'profile_id'", tokenRequest(t, assume+"&access_token=a")},
		{"assume name without account", CodePropertyMissing, "'account'", tokenRequest(t, assume+"&access_token=a&profile_name=tp")},
		{"JSON body", CodePropertyInvalid, "'Content-Type'", tokenRequest(t, `{"apikey":"k"}`, "Content-Type", "application/json")},
		{"no content type", CodePropertyInvalid, "'Content-Type'", tokenRequest(t, apikey, "Content-Type", "")},
		{"multipart", CodePropertyInvalid, "'Content-Type'", tokenRequest(t, apikey, "Content-Type", "multipart/form-data; boundary=x")},
		{"oversized, known length", CodePropertyInvalid, "'body'", tokenRequest(t, apikey+strings.Repeat("a", MaxTokenRequestBody))},
		{"oversized, unknown length", CodePropertyInvalid, "larger than 65536", unknownLength},
		{"bad escape", CodePropertyInvalid, "form encoding", tokenRequest(t, apikey+"%zz")},
		{"semicolon", CodePropertyInvalid, "form encoding", tokenRequest(t, apikey+";x=y")},
		{"duplicate grant", CodePropertyInvalid, "'grant_type' failed: given more than once", tokenRequest(t, apikey+"&grant_type=refresh_token")},
		{"malformed basic", CodePropertyInvalid, "'Authorization'", tokenRequest(t, apikey, "Authorization", "Basic !!!")},
		{"basic without colon", CodePropertyInvalid, "'Authorization'", tokenRequest(t, apikey, "Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("idonly")))},
		{"basic empty secret", CodePropertyInvalid, "'Authorization'", tokenRequest(t, apikey, "Authorization", basic("id", ""))},
		{"lowercase basic scheme", CodePropertyInvalid, "'Authorization'", tokenRequest(t, apikey, "Authorization", "basic x")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseTokenRequest(tt.req)
			var te *TokenError
			if !errors.As(err, &te) {
				t.Fatalf("ParseTokenRequest() = %+v, %v; want a *TokenError", got, err)
			}
			if te.Status != 400 || te.Code != tt.code || !strings.Contains(te.Details, tt.details) || !errors.Is(err, api.ErrInvalid) {
				t.Errorf("ParseTokenRequest() = %d %s %q, want 400 %s with details containing %q", te.Status, te.Code, te.Details, tt.code, tt.details)
			}
		})
	}
}

func TestTokenResponse(t *testing.T) {
	c := jwtTestClaims(t)
	tests := []struct {
		name, refresh, want string
	}{
		{"cr-token has no refresh token", "", `{"access_token":"a.b.c","token_type":"Bearer","expires_in":3600,"expiration":1795919400,"scope":"ibm openid"}`},
		{"apikey", "not_supported", `{"access_token":"a.b.c","refresh_token":"not_supported","token_type":"Bearer","expires_in":3600,"expiration":1795919400,"scope":"ibm openid"}`},
	}
	for _, tt := range tests {
		resp := NewTokenResponse("a.b.c", tt.refresh, &c)
		got, err := json.Marshal(resp)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != tt.want {
			t.Errorf("%s: JSON = %s, want %s", tt.name, got, tt.want)
		}
		var logged strings.Builder
		slog.New(slog.NewJSONHandler(&logged, nil)).Info("resp", "resp", resp)
		for _, out := range []string{fmt.Sprintf("%v|%+v|%#v|%s|%d", resp, resp, resp, resp, resp), logged.String()} {
			if strings.Contains(out, "a.b.c") || (tt.refresh != "" && strings.Contains(out, tt.refresh)) {
				t.Errorf("%s: printed response %q shows a token", tt.name, out)
			}
		}
	}
}

func FuzzParseTokenRequest(f *testing.F) {
	f.Add("apikey=k&grant_type=urn%3Aibm%3Aparams%3Aoauth%3Agrant-type%3Aapikey", "application/x-www-form-urlencoded", "")
	f.Add("grant_type=urn:ibm:params:oauth:grant-type:cr-token&cr_token=x%0A&profile_name=p", "application/x-www-form-urlencoded; charset=utf-8", basic("a", "b"))
	f.Add("grant_type=urn:ibm:params:oauth:grant-type:assume&access_token=a&profile_name=p&account=x", "application/x-www-form-urlencoded", "Basic =")
	f.Add("%zz;&&==", "text/plain", "Bearer x")
	f.Fuzz(func(t *testing.T, body, contentType, auth string) {
		r := httptest.NewRequest(http.MethodPost, "/identity/token", strings.NewReader(body))
		r.Header.Set("Content-Type", contentType)
		r.Header.Set("Authorization", auth)
		got, err := ParseTokenRequest(r)
		if err != nil {
			var te *TokenError
			if !errors.As(err, &te) || te.Status != 400 {
				t.Fatalf("ParseTokenRequest() error %v is not a 400 *TokenError", err)
			}
			return
		}
		switch got.GrantType {
		case GrantAPIKey, GrantRefreshToken, GrantCRToken, GrantAssume:
		default:
			t.Fatalf("ParseTokenRequest() accepted grant %q", got.GrantType)
		}
	})
}
