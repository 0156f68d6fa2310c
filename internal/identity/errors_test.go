package identity

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cofferhq/coffer/api"
	"github.com/google/go-cmp/cmp"
)

func TestTokenErrorConstructors(t *testing.T) {
	tests := []struct {
		name    string
		err     *TokenError
		status  int
		code    string
		message string
		details string
		kind    *api.Kind
	}{
		{"api key not found", APIKeyNotFoundError(), 400, "BXNIM0415E", "Provided API key could not be found.", "", api.ErrInvalid},
		{"api key disabled", APIKeyDisabledError(), 400, "BXNIM0415E", "Provided API key could not be found.", detailsAPIKeyDisabled, api.ErrInvalid},
		{"api key locked", APIKeyLockedError(), 400, "BXNIM0415E", "Provided API key could not be found.", detailsAPIKeyLocked, api.ErrInvalid},
		{"property missing", PropertyMissingError("apikey"), 400, "BXNIM0109E", "Property missing or empty.", "Property 'apikey' either missing or empty.", api.ErrInvalid},
		{"invalid property", InvalidPropertyError("Content-Type", "must be x"), 400, "BXNIM0106E", "Validation of property failed.", "Validation of property 'Content-Type' failed: must be x", api.ErrInvalid},
		{"profile not eligible", ProfileNotEligibleError("tok2iks1:ns:sa:pod", "iam-Profile-1"), 400, "BXNIM0398E", "Selected trusted profile not eligible.",
			"The given token with identifier 'tok2iks1:ns:sa:pod' is not permitted to assume the indicated trusted profile; profile ID 'iam-Profile-1'", api.ErrInvalid},
		{"invalid token", InvalidTokenError("token expired"), 400, "BXNIM0407E", "Provided token is invalid.", "token expired", api.ErrInvalid},
		{"refresh token", RefreshTokenInvalidError("token expired"), 400, "BXNIM0408E", "Provided refresh token is expired or invalid.", "token expired", api.ErrInvalid},
		{"no authorization header", NoAuthorizationHeaderError(), 401, "BXNIM0308E", "No authorization header found", "", api.ErrUnauthenticated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := *tt.err
			want := TokenError{Status: tt.status, Code: tt.code, Message: tt.message, Details: tt.details}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("TokenError mismatch (-want +got):\n%s", diff)
			}
			if !errors.Is(tt.err, tt.kind) || api.KindOf(tt.err) != tt.kind {
				t.Errorf("KindOf(%v) = %v, want %v", tt.err, api.KindOf(tt.err), tt.kind)
			}
			if !strings.HasPrefix(tt.err.Error(), tt.code+": "+tt.message) {
				t.Errorf("Error() = %q, want prefix %q", tt.err.Error(), tt.code+": "+tt.message)
			}
		})
	}
}

func TestTokenErrorUnwrapStatuses(t *testing.T) {
	tests := []struct {
		status int
		want   *api.Kind
	}{
		{400, api.ErrInvalid}, {401, api.ErrUnauthenticated}, {403, api.ErrPermissionDenied},
		{404, api.ErrNotFound}, {429, api.ErrRateLimited}, {500, api.ErrInternal}, {599, api.ErrInternal},
	}
	for _, tt := range tests {
		e := &TokenError{Status: tt.status, Code: "BXNIM0000E", Message: "m"}
		if got := api.KindOf(e); got != tt.want {
			t.Errorf("KindOf(status %d) = %v, want %v", tt.status, got, tt.want)
		}
	}
}

func TestUnsupportedGrantTypeError(t *testing.T) {
	tests := []struct {
		grant, wantIn, wantOut string
	}{
		{"password", "value 'password' is not supported", ""},
		{strings.Repeat("x", 65), "value (omitted)", strings.Repeat("x", 65)},
		{"a\nb", "value (omitted)", "a\nb"},
		{"it's", "value (omitted)", "it's"},
	}
	for _, tt := range tests {
		e := UnsupportedGrantTypeError(tt.grant)
		if e.Status != 400 || e.Code != CodePropertyInvalid {
			t.Errorf("UnsupportedGrantTypeError(%q) = %d %s, want 400 %s", tt.grant, e.Status, e.Code, CodePropertyInvalid)
		}
		if !strings.Contains(e.Details, tt.wantIn) || !strings.Contains(e.Details, GrantCRToken) {
			t.Errorf("UnsupportedGrantTypeError(%q).Details = %q, want it to contain %q and the grants", tt.grant, e.Details, tt.wantIn)
		}
		if tt.wantOut != "" && strings.Contains(e.Error(), tt.wantOut) {
			t.Errorf("UnsupportedGrantTypeError(%q) echoes the value: %q", tt.grant, e.Error())
		}
	}
}

func TestTokenErrorBody(t *testing.T) {
	now := time.Date(2026, 11, 29, 1, 30, 5, 123456789, time.FixedZone("x", 3600))
	tests := []struct {
		name string
		err  *TokenError
		now  time.Time
		want string
	}{
		{"with details and time", PropertyMissingError("cr_token"), now,
			`{"errorCode":"BXNIM0109E","errorMessage":"Property missing or empty.","errorDetails":"Property 'cr_token' either missing or empty.",` +
				`"context":{"requestId":"req-1","requestType":"incoming.Identity_Token","startTime":"29.11.2026 00:30:05:123 UTC","endTime":"29.11.2026 00:30:05:123 UTC"}}`},
		{"no details no time", APIKeyNotFoundError(), time.Time{},
			`{"errorCode":"BXNIM0415E","errorMessage":"Provided API key could not be found.","context":{"requestId":"req-1","requestType":"incoming.Identity_Token"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.err.Body("req-1", tt.now)
			if _, ok := b.(TokenErrorBody); !ok {
				t.Fatalf("Body() is %T, want TokenErrorBody", b)
			}
			got, err := json.Marshal(b)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("Body() JSON =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}
