package identity

import (
	"encoding/hex"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/cofferhq/coffer/api"
	"github.com/google/go-cmp/cmp"
)

var uuidPattern = `[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}`

func TestNewIDs(t *testing.T) {
	tests := []struct {
		name    string
		gen     func() string
		pattern string
		prefix  string
	}{
		{"account", NewAccountID, `^[0-9a-f]{32}$`, ""},
		{"service id", NewServiceID, `^ServiceId-` + uuidPattern + `$`, PrefixServiceID},
		{"api key id", NewAPIKeyID, `^ApiKey-` + uuidPattern + `$`, PrefixAPIKey},
		{"profile", NewProfileID, `^Profile-` + uuidPattern + `$`, PrefixProfile},
		{"claim rule", NewClaimRuleID, `^ClaimRule-` + uuidPattern + `$`, PrefixClaimRule},
		{"profile link", NewProfileLinkID, `^ProfileLink-` + uuidPattern + `$`, PrefixProfileLink},
		{"user", NewUserIAMID, `^CofferId-[A-Z0-9]{10}$`, PrefixUser},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			re := regexp.MustCompile(tt.pattern)
			seen := map[string]bool{}
			for range 50 {
				id := tt.gen()
				if !re.MatchString(id) {
					t.Fatalf("%s() = %q, want match of %s", tt.name, id, tt.pattern)
				}
				if seen[id] {
					t.Fatalf("%s() returned %q twice", tt.name, id)
				}
				seen[id] = true
				if tt.prefix != "" {
					if err := CheckID(tt.prefix, id); err != nil {
						t.Errorf("CheckID(%q, %q) = %v, want nil", tt.prefix, id, err)
					}
				} else if !ValidAccountID(id) {
					t.Errorf("ValidAccountID(%q) = false, want true", id)
				}
			}
		})
	}
}

func TestCheckIDRefuses(t *testing.T) {
	tests := []struct{ prefix, id string }{
		{PrefixServiceID, ""},
		{PrefixServiceID, "ServiceId-"},
		{PrefixServiceID, "Profile-0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9"},
		{PrefixServiceID, "ServiceId-0F1E2D3C-4B5A-4978-8695-A4B3C2D1E0F9"},
		{PrefixServiceID, "ServiceId-0f1e2d3c4b5a49788695a4b3c2d1e0f9"},
		{PrefixServiceID, "ServiceId-0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9x"},
		{PrefixServiceID, "iam-ServiceId-0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9"},
		{PrefixUser, "CofferId-abcdefghij"},
		{PrefixUser, "CofferId-ABCDEFGHI"},
		{"", "anything"},
	}
	for _, tt := range tests {
		if err := CheckID(tt.prefix, tt.id); !errors.Is(err, api.ErrInvalid) {
			t.Errorf("CheckID(%q, %q) = %v, want api.ErrInvalid", tt.prefix, tt.id, err)
		}
	}
	for _, s := range []string{"", "0123456789abcdef0123456789ABCDEF", "0123456789abcdef0123456789abcde"} {
		if ValidAccountID(s) {
			t.Errorf("ValidAccountID(%q) = true, want false", s)
		}
	}
}

func TestParseIAMID(t *testing.T) {
	const u = "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9"
	crn := "crn:v1:coffer:public:iam-identity::a/0123456789abcdef0123456789abcdef::computeresource:app-1"
	tests := []struct {
		iamID    string
		wantKind SubjectKind
		wantID   string
		wantErr  bool
	}{
		{"iam-ServiceId-" + u, SubjectServiceID, "ServiceId-" + u, false},
		{"iam-Profile-" + u, SubjectProfile, "Profile-" + u, false},
		{"CofferId-AB12CD34EF", SubjectUser, "CofferId-AB12CD34EF", false},
		{"crn-" + crn, SubjectCRN, crn, false},
		{"ServiceId-" + u, "", "", true},
		{"iam-ServiceId-nope", SubjectServiceID, "ServiceId-nope", true},
		{"crn-crn:v1:x", SubjectCRN, "", true},
		{"IBMid-550002G2B4", "", "", true},
	}
	for _, tt := range tests {
		kind, id, err := ParseIAMID(tt.iamID)
		if (err != nil) != tt.wantErr || (err != nil && !errors.Is(err, api.ErrInvalid)) {
			t.Errorf("ParseIAMID(%q) error = %v, want error %v (api.ErrInvalid)", tt.iamID, err, tt.wantErr)
			continue
		}
		if !tt.wantErr && (kind != tt.wantKind || id != tt.wantID) {
			t.Errorf("ParseIAMID(%q) = %q, %q, want %q, %q", tt.iamID, kind, id, tt.wantKind, tt.wantID)
		}
		if !tt.wantErr && IAMIDOf(id) != tt.iamID && kind != SubjectCRN {
			t.Errorf("IAMIDOf(%q) = %q, want %q", id, IAMIDOf(id), tt.iamID)
		}
	}
}

func TestAPIKeyValue(t *testing.T) {
	re := regexp.MustCompile(`^[A-Za-z0-9_-]{44}$`)
	seen := map[string]bool{}
	for range 100 {
		v := NewAPIKeyValue().Reveal()
		if !re.MatchString(v) {
			t.Fatalf("NewAPIKeyValue() = %q, want 44 URL-safe characters", v)
		}
		if seen[v] {
			t.Fatalf("NewAPIKeyValue() repeated %q", v)
		}
		seen[v] = true
	}
	if got := NewAPIKeyValue().String(); got != "REDACTED" {
		t.Errorf("NewAPIKeyValue().String() = %q, want REDACTED", got)
	}
}

func TestHashAPIKey(t *testing.T) {
	got := hex.EncodeToString(HashAPIKey([]byte("pepper"), "value"))
	if want := "5260922efe2194744e025053659f5d93637824b16882d2ccef01f267209aa6e1"; got != want {
		t.Errorf("HashAPIKey(pepper, value) = %s, want %s", got, want)
	}
	if a, b := HashAPIKey([]byte("p1"), "v"), HashAPIKey([]byte("p2"), "v"); string(a) == string(b) {
		t.Error("HashAPIKey does not depend on the pepper")
	}
}

func TestParseCRN(t *testing.T) {
	tests := []struct {
		in   string
		want CRN
	}{
		{"crn:v1:coffer:public:secrets-manager:us-south:a/0123456789abcdef0123456789abcdef:4c2a6b3e-1111-4222-8333-444455556666:secret:abc",
			CRN{"coffer", "public", "secrets-manager", "us-south", "a/0123456789abcdef0123456789abcdef", "4c2a6b3e-1111-4222-8333-444455556666", "secret", "abc"}},
		{"crn:v1:bluemix:public:iam::::serviceRole:Reader", CRN{CName: "bluemix", CType: "public", Service: "iam", ResourceType: "serviceRole", Resource: "Reader"}},
		{"crn:v1:bluemix:public:codeengine:eu-de:a/acct:proj::", CRN{CName: "bluemix", CType: "public", Service: "codeengine", Location: "eu-de", Scope: "a/acct", ServiceInstance: "proj"}},
		{"crn:v1:x:y:z::o/org:::", CRN{CName: "x", CType: "y", Service: "z", Scope: "o/org"}},
	}
	for _, tt := range tests {
		got, err := ParseCRN(tt.in)
		if err != nil {
			t.Errorf("ParseCRN(%q) = %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseCRN(%q) mismatch (-want +got):\n%s", tt.in, diff)
		}
		if got.String() != tt.in {
			t.Errorf("ParseCRN(%q).String() = %q", tt.in, got.String())
		}
	}
}

func TestParseCRNRefuses(t *testing.T) {
	tests := []struct{ in, why string }{
		{"", "fields"},
		{"crn:v1:coffer:public:svc:::::", ""}, // valid, checked below as a control
		{"crn:v1:coffer:public:svc::::", "fields"},
		{"crn:v1:coffer:public:svc::::::", "fields"},
		{"CRN:v1:coffer:public:svc:::::", "crn:v1"},
		{"crn:v2:coffer:public:svc:::::", "crn:v1"},
		{"crn:v1::public:svc:::::", "cloud name"},
		{"crn:v1:coffer::svc:::::", "cloud name"},
		{"crn:v1:coffer:public::::::", "cloud name"},
		{"crn:v1:coffer:public:svc::acct:::", "scope"},
		{"crn:v1:coffer:public:svc::a/:::", "scope"},
		{"crn:v1:coffer:public:svc::x/y:::", "scope"},
		{"crn:v1:coffer:public:svc::a/b/c:::", "scope"},
		{"crn:v1:coffer:public:svc:::: x", "space"},
		{"crn:v1:coffer:public:svc::::\x00:", "control"},
		{"crn:v1:coffer:public:svc:::::é", "non-ASCII"},
		{"crn:v1:coffer:public:svc:::::" + strings.Repeat("r", 1024), "longer"},
	}
	for _, tt := range tests {
		_, err := ParseCRN(tt.in)
		if tt.why == "" {
			if err != nil {
				t.Errorf("ParseCRN(%q) = %v, want nil", tt.in, err)
			}
			continue
		}
		if !errors.Is(err, api.ErrInvalid) || !strings.Contains(err.Error(), tt.why) {
			t.Errorf("ParseCRN(%q) = %v, want api.ErrInvalid mentioning %q", tt.in, err, tt.why)
		}
	}
}

func TestCRNHelpers(t *testing.T) {
	c := IdentityCRN("0123456789abcdef0123456789abcdef", "serviceid", "ServiceId-x")
	want := "crn:v1:coffer:public:iam-identity::a/0123456789abcdef0123456789abcdef::serviceid:ServiceId-x"
	if c.String() != want {
		t.Errorf("IdentityCRN().String() = %q, want %q", c.String(), want)
	}
	if got := c.Account(); got != "0123456789abcdef0123456789abcdef" {
		t.Errorf("Account() = %q", got)
	}
	if got := (CRN{Scope: "o/org"}).Account(); got != "" {
		t.Errorf("Account() of an org scope = %q, want empty", got)
	}
}

func FuzzParseCRN(f *testing.F) {
	f.Add("crn:v1:coffer:public:iam-identity::a/0123456789abcdef0123456789abcdef::serviceid:ServiceId-x")
	f.Add("crn:v1:bluemix:public:iam::::serviceRole:Reader")
	f.Add("crn:v1:coffer:public:svc::a/:::")
	f.Add(":::::::::")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCRN(s)
		if err != nil {
			if !errors.Is(err, api.ErrInvalid) {
				t.Fatalf("ParseCRN(%q) error %v does not wrap api.ErrInvalid", s, err)
			}
			return
		}
		if c.String() != s {
			t.Fatalf("ParseCRN(%q).String() = %q, want the input", s, c.String())
		}
		again, err := ParseCRN(c.String())
		if err != nil || again != c {
			t.Fatalf("ParseCRN(String()) = %v, %v, want %v", again, err, c)
		}
	})
}
