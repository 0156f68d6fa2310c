package secrettype

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/cofferhq/coffer/api"
)

// seededRand is a deterministic io.Reader for tests.
type seededRand struct{ r *rand.ChaCha8 }

func newRand(seed byte) *seededRand { return &seededRand{rand.NewChaCha8([32]byte{seed})} }

func (s *seededRand) Read(p []byte) (int, error) { return s.r.Read(p) }

func render(tb testing.TB, typ Type, payload []byte) api.SecretData {
	tb.Helper()
	var d api.SecretData
	if err := typ.Render(payload, &d); err != nil {
		tb.Fatalf("Render() = %v", err)
	}
	return d
}

func TestLookup(t *testing.T) {
	for _, n := range api.SecretTypes {
		typ, err := Lookup(n)
		if err != nil || typ.Name() != n {
			t.Errorf("Lookup(%q) = %v, %v", n, typ, err)
		}
	}
	if _, err := Lookup("vault"); !errors.Is(err, api.ErrInvalid) {
		t.Errorf("Lookup(vault) = %v, want ErrInvalid", err)
	}
}

func TestArbitrary(t *testing.T) {
	ctx, env := context.Background(), testEnv()
	exp := api.NewSecretsTime(now.AddDate(1, 0, 0))
	v, err := Arbitrary{}.Create(ctx, &api.SecretPrototype{Name: "ab", Payload: "hello", ExpirationDate: exp}, env)
	if err != nil {
		t.Fatal(err)
	}
	if d := render(t, Arbitrary{}, v.Payload); d.Payload != "hello" || !v.ExpirationDate.Equal(exp.Time) {
		t.Errorf("payload %q expiration %v", d.Payload.Reveal(), v.ExpirationDate)
	}
	_, err = Arbitrary{}.Create(ctx, &api.SecretPrototype{Name: "ab"}, env)
	wantErr(t, err, api.ErrInvalid, "payload is required")
	_, err = Arbitrary{}.NewVersion(ctx, &api.SecretVersionPrototype{Payload: "\xff"}, Current{}, env)
	wantErr(t, err, api.ErrInvalid, "UTF-8")
	if err := (Arbitrary{}).Render([]byte{9, 'x'}, &api.SecretData{}); !errors.Is(err, api.ErrInternal) {
		t.Errorf("Render(bad format) = %v, want ErrInternal", err)
	}
}

func TestUsernamePassword(t *testing.T) {
	ctx, env := context.Background(), testEnv()
	v, err := UsernamePassword{}.Create(ctx, &api.SecretPrototype{Name: "ab", Username: "admin"}, env)
	if err != nil {
		t.Fatal(err)
	}
	d := render(t, UsernamePassword{}, v.Payload)
	if d.Username != "admin" || len(d.Password.Reveal()) != DefaultPasswordLength || *v.PasswordPolicy.Length != 32 {
		t.Errorf("generated %q/%d chars, policy %+v", d.Username, len(d.Password.Reveal()), v.PasswordPolicy)
	}
	m := &api.SecretMetadata{PasswordGenerationPolicy: &api.PasswordGenerationPolicy{Length: ptr(int64(20))}}
	nv, err := UsernamePassword{}.NewVersion(ctx, &api.SecretVersionPrototype{}, Current{Metadata: m, Payload: v.Payload}, env)
	if err != nil {
		t.Fatal(err)
	}
	if d2 := render(t, UsernamePassword{}, nv.Payload); d2.Username != "admin" || len(d2.Password.Reveal()) != 20 || d2.Password == d.Password {
		t.Errorf("rotated to %q with a %d-char password", d2.Username, len(d2.Password.Reveal()))
	}
	given, _ := UsernamePassword{}.NewVersion(ctx, &api.SecretVersionPrototype{Password: "chosen"}, Current{Metadata: m, Payload: v.Payload}, env)
	if d3 := render(t, UsernamePassword{}, given.Payload); d3.Password != "chosen" {
		t.Errorf("given password not kept: %d chars", len(d3.Password.Reveal()))
	}
	_, err = UsernamePassword{}.Create(ctx, &api.SecretPrototype{Name: "ab"}, env)
	wantErr(t, err, api.ErrInvalid, "username is required")
	_, err = UsernamePassword{}.Create(ctx, &api.SecretPrototype{Name: "ab", Username: "u", PasswordGenerationPolicy: &api.PasswordGenerationPolicy{Length: ptr(int64(257))}}, env)
	wantErr(t, err, api.ErrInvalid, "length must be 12 to 256")
	_, err = UsernamePassword{}.Create(ctx, &api.SecretPrototype{Name: "ab", Username: "u", Rotation: &api.RotationPolicy{AutoRotate: true, Unit: "day"}}, env)
	wantErr(t, err, api.ErrInvalid, "rotation.interval")
}

func TestGeneratePassword(t *testing.T) {
	r := newRand(7)
	for _, c := range []struct {
		length                 int64
		digits, symbols, upper bool
	}{{12, true, true, true}, {12, false, false, false}, {256, true, false, true}, {40, false, true, false}} {
		policy := &api.PasswordGenerationPolicy{Length: &c.length, IncludeDigits: &c.digits, IncludeSymbols: &c.symbols, IncludeUppercase: &c.upper}
		for range 200 {
			pw, err := GeneratePassword(policy, r)
			if err != nil {
				t.Fatal(err)
			}
			if int64(len(pw)) != c.length {
				t.Fatalf("len = %d, want %d", len(pw), c.length)
			}
			for _, cls := range []struct {
				set  string
				want bool
			}{{lowerChars, true}, {digitChars, c.digits}, {symbolChars, c.symbols}, {upperChars, c.upper}} {
				if strings.ContainsAny(pw, cls.set) != cls.want {
					t.Fatalf("password %q (policy %+v): class %q present = %v, want %v", pw, c, cls.set, !cls.want, cls.want)
				}
			}
		}
	}
	// Every character of the alphabet appears with roughly equal frequency.
	counts := map[rune]int{}
	n := 0
	for range 2000 {
		pw, _ := GeneratePassword(nil, r)
		for _, ch := range pw {
			counts[ch]++
			n++
		}
	}
	alphabet := lowerChars + upperChars + digitChars + symbolChars
	mean := float64(n) / float64(len(alphabet))
	for _, ch := range alphabet {
		if f := float64(counts[ch]); f < mean*0.85 || f > mean*1.15 {
			t.Errorf("character %q drawn %v times, mean %v", ch, f, mean)
		}
	}
	if _, err := GeneratePassword(nil, strings.NewReader("short")); !errors.Is(err, api.ErrInternal) {
		t.Errorf("GeneratePassword(exhausted reader) = %v, want ErrInternal", err)
	}
}

func TestKV(t *testing.T) {
	ctx, env := context.Background(), testEnv()
	v, err := KV{}.Create(ctx, &api.SecretPrototype{Name: "ab", Data: api.SecretJSON(` {"b": {"z":1, "a":[1,2]}, "a": 12345678901234567890.5} `)}, env)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(render(t, KV{}, v.Payload).Data.Reveal()), `{"a":12345678901234567890.5,"b":{"a":[1,2],"z":1}}`; got != want {
		t.Errorf("canonical data = %s, want %s", got, want)
	}
	for _, in := range []string{``, `[]`, `"s"`, `12`, `null`, `{"a":1}{}`, `{"a":1} }`, `{"a":`, `true`, `{"a":1e999}`, `{"a":[{"b":-2e308}]}`} {
		_, err := KV{}.NewVersion(ctx, &api.SecretVersionPrototype{Data: api.SecretJSON(in)}, Current{}, env)
		wantErr(t, err, api.ErrInvalid, "data")
	}
}

type fakeIAM struct{ req IAMCredentialsRequest }

func (f *fakeIAM) IssueAPIKey(_ context.Context, req IAMCredentialsRequest) (*IssuedAPIKey, error) {
	f.req = req
	return &IssuedAPIKey{APIKey: "key-1", APIKeyID: "ApiKey-1", ServiceID: "ServiceId-1"}, nil
}

type fakeServices struct{}

func (fakeServices) IssueServiceCredentials(context.Context, ServiceCredentialsRequest) (*IssuedServiceCredentials, error) {
	return &IssuedServiceCredentials{Credentials: api.SecretJSON(`{"apikey":"k","extra":1}`), ResourceKey: &api.ResourceKey{Name: "rk"}}, nil
}

type fakeTasks struct{ req CustomCredentialsRequest }

func (f *fakeTasks) QueueCreateCredentials(_ context.Context, req CustomCredentialsRequest) (string, error) {
	f.req = req
	return "sm-task-1", nil
}

func TestCredentialTypes(t *testing.T) {
	ctx, env := context.Background(), testEnv()
	iam, tasks := &fakeIAM{}, &fakeTasks{}
	env.IAM, env.Services, env.Tasks = iam, fakeServices{}, tasks
	no := false
	v, err := IAMCredentials{}.Create(ctx, &api.SecretPrototype{Name: "ab", TTL: "1h", ReuseAPIKey: &no, AccessGroups: []string{"AccessGroupId-1"}}, env)
	if err != nil || render(t, IAMCredentials{}, v.Payload).APIKey != "key-1" || v.APIKeyID != "ApiKey-1" || iam.req.AccessGroups[0] != "AccessGroupId-1" {
		t.Errorf("iam Create = %+v, %v", v, err)
	}
	sv, err := ServiceCredentials{}.Create(ctx, &api.SecretPrototype{Name: "ab", SourceService: &api.ServiceCredentialsSourceService{Instance: &api.CRNRef{CRN: "crn:x"}}}, env)
	if err != nil || string(render(t, ServiceCredentials{}, sv.Payload).Credentials.Reveal()) != `{"apikey":"k","extra":1}` || sv.ResourceKey.Name != "rk" {
		t.Errorf("service Create = %+v, %v", sv, err)
	}
	cv, err := CustomCredentials{}.Create(ctx, &api.SecretPrototype{Name: "ab", Configuration: "pg", Parameters: map[string]any{"db": "x", "port": 5432.0}}, env)
	if err != nil || !cv.Pending || cv.TaskID != "sm-task-1" || tasks.req.Trigger != api.TaskTriggerSecretCreation {
		t.Errorf("custom Create = %+v, %v", cv, err)
	}
	pl, err := CustomCredentialsPayload(api.SecretJSON(`{"password":"p"}`), env)
	if err != nil || string(render(t, CustomCredentials{}, pl).CredentialsContent.Reveal()) != `{"password":"p"}` {
		t.Errorf("CustomCredentialsPayload = %q, %v", pl, err)
	}
	rv, err := IAMCredentials{}.NewVersion(ctx, &api.SecretVersionPrototype{RestoreFromVersion: "previous"}, Current{}, env)
	if err != nil || rv.RestoreFrom != "previous" {
		t.Errorf("restore = %+v, %v", rv, err)
	}

	bad := []struct {
		typ Type
		p   *api.SecretPrototype
		msg string
	}{
		{IAMCredentials{}, &api.SecretPrototype{Name: "ab", ReuseAPIKey: &no, AccessGroups: []string{"g"}}, "ttl"},
		{IAMCredentials{}, &api.SecretPrototype{Name: "ab", TTL: "30s", ReuseAPIKey: &no, AccessGroups: []string{"g"}}, "ttl must be between"},
		{IAMCredentials{}, &api.SecretPrototype{Name: "ab", TTL: "1h", AccessGroups: []string{"g"}}, "reuse_api_key is required"},
		{IAMCredentials{}, &api.SecretPrototype{Name: "ab", TTL: "1h", ReuseAPIKey: &no}, "access_groups or service_id"},
		{IAMCredentials{}, &api.SecretPrototype{Name: "ab", TTL: "1h", ReuseAPIKey: &no, ServiceID: "s", AccessGroups: []string{"g"}}, "not both"},
		{IAMCredentials{}, &api.SecretPrototype{Name: "ab", TTL: "1h", ReuseAPIKey: &no, AccessGroups: make([]string, 11)}, "at most 10"},
		{ServiceCredentials{}, &api.SecretPrototype{Name: "ab"}, "source_service.instance.crn is required"},
		{ServiceCredentials{}, &api.SecretPrototype{Name: "ab", TTL: "1h", SourceService: &api.ServiceCredentialsSourceService{Instance: &api.CRNRef{CRN: "c"}}}, "ttl must be between 1 days"},
		{CustomCredentials{}, &api.SecretPrototype{Name: "ab"}, "configuration is required"},
		{CustomCredentials{}, &api.SecretPrototype{Name: "ab", Configuration: "c", Parameters: map[string]any{"x": map[string]any{}}}, "parameters.x"},
		{PrivateCert{}, &api.SecretPrototype{Name: "ab", CommonName: "x"}, "certificate_template is required"},
		{PrivateCert{}, &api.SecretPrototype{Name: "ab", CertificateTemplate: "t", CommonName: "x", Format: "der"}, "format must be"},
		{PublicCert{}, &api.SecretPrototype{Name: "ab", DNS: "d", CommonName: "x"}, "ca is required"},
		{PublicCert{}, &api.SecretPrototype{Name: "ab", CA: "c", DNS: "d", CommonName: "x", KeyAlgorithm: "RSA1024"}, "key_algorithm"},
	}
	for i, c := range bad {
		t.Run(fmt.Sprintf("%d %s", i, c.typ.Name()), func(t *testing.T) {
			_, err := c.typ.Create(ctx, c.p, env)
			wantErr(t, err, api.ErrInvalid, c.msg)
		})
	}
}

func TestUnsupported(t *testing.T) {
	ctx, env := context.Background(), testEnv()
	no := false
	cases := []struct {
		typ Type
		p   *api.SecretPrototype
	}{
		{PrivateCert{}, &api.SecretPrototype{Name: "ab", CertificateTemplate: "t", CommonName: "x.example"}},
		{PublicCert{}, &api.SecretPrototype{Name: "ab", CA: "le", DNS: "cis", CommonName: "x.example"}},
		{IAMCredentials{}, &api.SecretPrototype{Name: "ab", TTL: "1h", ReuseAPIKey: &no, ServiceID: "s"}},
		{ServiceCredentials{}, &api.SecretPrototype{Name: "ab", SourceService: &api.ServiceCredentialsSourceService{Instance: &api.CRNRef{CRN: "c"}}}},
		{CustomCredentials{}, &api.SecretPrototype{Name: "ab", Configuration: "c"}},
		{ImportedCert{}, &api.SecretPrototype{Name: "ab", ManagedCSR: &api.ManagedCSR{CommonName: "x"}}},
	}
	for _, c := range cases {
		v, err := c.typ.Create(ctx, c.p, env)
		if v != nil || !errors.Is(err, api.ErrUnsupported) {
			t.Errorf("%s Create = %v, %v, want ErrUnsupported", c.typ.Name(), v, err)
		}
	}
	_, err := PrivateCert{}.Create(ctx, cases[0].p, env)
	wantErr(t, err, api.ErrUnsupported, "not yet supported")
}

func TestVersionApply(t *testing.T) {
	info := &CertInfo{CommonName: "a", SerialNumber: "01", KeyAlgorithm: "EC256", NotAfter: now, IntermediateIncluded: true}
	v := &Version{ExpirationDate: now, Certificate: info, APIKeyID: "k", ServiceID: "s"}
	var m api.SecretMetadata
	var vm api.SecretVersionMetadata
	v.ApplyTo(&m)
	v.ApplyToVersion(&vm)
	b, _ := json.Marshal(m)
	if m.CommonName != "a" || !*m.IntermediateIncluded || *m.PrivateKeyIncluded || vm.SerialNumber != "01" || vm.APIKeyID != "k" || !strings.Contains(string(b), `"expiration_date":"2030-01-01T00:00:00.000Z"`) {
		t.Errorf("applied: %s / %+v", b, vm)
	}
}
