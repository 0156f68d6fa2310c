package secrettype

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cofferhq/coffer/api"
)

var now = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

func testEnv() Env { return Env{Now: now, Rand: newRand(1)} }

// wantErr checks err wraps kind and its message contains msg.
func wantErr(tb testing.TB, err error, kind *api.Kind, msg string) {
	tb.Helper()
	if !errors.Is(err, kind) || !strings.Contains(api.Message(err), msg) {
		tb.Errorf("error = %v, want %s containing %q", err, kind.Code, msg)
	}
}

func TestValidateCommon(t *testing.T) {
	many := make([]string, 31)
	for i := range many {
		many[i] = "ab"
	}
	ok := func() *api.SecretPrototype {
		return &api.SecretPrototype{Name: "db-pass.v1_x", Labels: []string{"dev"}}
	}
	cases := []struct {
		name string
		mod  func(p *api.SecretPrototype)
		msg  string
	}{
		{"valid", func(*api.SecretPrototype) {}, ""},
		{"short name", func(p *api.SecretPrototype) { p.Name = "a" }, "name must be 2 to 256"},
		{"long name", func(p *api.SecretPrototype) { p.Name = strings.Repeat("a", 257) }, "name must be 2 to 256"},
		{"space in name", func(p *api.SecretPrototype) { p.Name = "my secret" }, "may contain only letters"},
		{"leading dash", func(p *api.SecretPrototype) { p.Name = "-abc" }, "must start and end"},
		{"trailing dot", func(p *api.SecretPrototype) { p.Name = "abc." }, "must start and end"},
		{"unicode name", func(p *api.SecretPrototype) { p.Name = "abcé1" }, "may contain only"},
		{"31 labels", func(p *api.SecretPrototype) { p.Labels = many }, "at most 30 labels"},
		{"short label", func(p *api.SecretPrototype) { p.Labels = []string{"a"} }, "labels[0] must be 2 to 64"},
		{"long label", func(p *api.SecretPrototype) { p.Labels = []string{"ok", strings.Repeat("x", 65)} }, "labels[1] must be 2 to 64"},
		{"control label", func(p *api.SecretPrototype) { p.Labels = []string{"a\nb"} }, "control characters"},
		{"long description", func(p *api.SecretPrototype) { p.Description = strings.Repeat("d", 1025) }, "description must be at most 1024"},
		{"empty metadata key", func(p *api.SecretPrototype) { p.CustomMetadata = map[string]any{"": 1} }, "custom_metadata must not have an empty key"},
		{"huge metadata", func(p *api.SecretPrototype) {
			p.VersionCustomMetadata = map[string]any{"k": strings.Repeat("x", MaxCustomMetadata)}
		}, "version_custom_metadata must be a JSON object of at most"},
		{"past expiration", func(p *api.SecretPrototype) { p.ExpirationDate = api.NewSecretsTime(now.Add(-time.Second)) }, "expiration_date must be in the future"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := ok()
			c.mod(p)
			err := ValidateCommon(p, testEnv())
			if c.msg == "" {
				if err != nil {
					t.Fatalf("ValidateCommon() = %v, want nil", err)
				}
				return
			}
			wantErr(t, err, api.ErrInvalid, c.msg)
		})
	}
}

func TestParseTTL(t *testing.T) {
	good := map[string]time.Duration{"3600": time.Hour, "24h": 24 * time.Hour, "1440m": 24 * time.Hour, "90d": 90 * 24 * time.Hour, "1m30s": 90 * time.Second}
	for in, want := range good {
		if got, err := ParseTTL(in); err != nil || got != want {
			t.Errorf("ParseTTL(%q) = %v, %v, want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0", "-5", "-1h", "1y", "abc", "1.5", "d", "99999999999999999999", strings.Repeat("1", 40)} {
		if _, err := ParseTTL(in); !errors.Is(err, api.ErrInvalid) {
			t.Errorf("ParseTTL(%q) = %v, want ErrInvalid", in, err)
		}
	}
	if _, err := ValidateTTL("30s", MinIAMTTL, MaxTTL); err == nil {
		t.Error("ValidateTTL(30s) accepted a ttl under 1 minute")
	}
	if _, err := ValidateTTL("91d", MinIAMTTL, MaxTTL); err == nil {
		t.Error("ValidateTTL(91d) accepted a ttl over 90 days")
	}
}

func TestValidateRotation(t *testing.T) {
	cases := []struct {
		r   *api.RotationPolicy
		msg string
	}{
		{nil, ""},
		{&api.RotationPolicy{}, ""},
		{&api.RotationPolicy{AutoRotate: true, Interval: 1, Unit: "day"}, ""},
		{&api.RotationPolicy{AutoRotate: true, Interval: 12, Unit: "month"}, ""},
		{&api.RotationPolicy{AutoRotate: true, Interval: 0, Unit: "day"}, "1 to 365 days"},
		{&api.RotationPolicy{AutoRotate: true, Interval: 366, Unit: "day"}, "1 to 365 days"},
		{&api.RotationPolicy{AutoRotate: true, Interval: 13, Unit: "month"}, "1 to 12 months"},
		{&api.RotationPolicy{AutoRotate: true, Interval: 1, Unit: "week"}, `"day" or "month"`},
		{&api.RotationPolicy{AutoRotate: true}, `"day" or "month"`},
	}
	for _, c := range cases {
		err := ValidateRotation(c.r)
		if c.msg == "" && err != nil {
			t.Errorf("ValidateRotation(%+v) = %v", c.r, err)
		} else if c.msg != "" {
			wantErr(t, err, api.ErrInvalid, c.msg)
		}
	}
	if got := NextRotation(&api.RotationPolicy{AutoRotate: true, Interval: 2, Unit: "month"}, now); !got.Equal(now.AddDate(0, 2, 0)) {
		t.Errorf("NextRotation = %v", got)
	}
}

func TestPayloadLimits(t *testing.T) {
	env := testEnv()
	env.MaxPayload = 10
	_, err := Arbitrary{}.Create(context.Background(), &api.SecretPrototype{Name: "ab", Payload: "12345678901"}, env)
	wantErr(t, err, api.ErrInvalid, "payload too large")
	if _, err := (Arbitrary{}).Create(context.Background(), &api.SecretPrototype{Name: "ab", Payload: "1234567890"}, env); err != nil {
		t.Errorf("payload at the limit: %v", err)
	}
	_, err = KV{}.Create(context.Background(), &api.SecretPrototype{Name: "ab", Data: api.SecretJSON(`{"a":"123456789"}`)}, env)
	wantErr(t, err, api.ErrInvalid, "payload too large")
	big := strings.Repeat("x", DefaultMaxPayload+1)
	_, err = Arbitrary{}.Create(context.Background(), &api.SecretPrototype{Name: "ab", Payload: api.SecretString(big)}, testEnv())
	wantErr(t, err, api.ErrInvalid, "payload too large")
}

func TestApplyPatch(t *testing.T) {
	base := api.SecretMetadata{SecretType: api.SecretTypeIAMCredentials, Name: "ab", Description: "d", TTL: "1h"}
	m := base
	name, ttl := "new-name", "2h"
	p := &api.SecretMetadataPatch{Name: &name, TTL: &ttl, Rotation: &api.RotationPolicy{AutoRotate: true, Interval: 1, Unit: "day"}}
	if err := ApplyPatch(p, []string{"description"}, &m, testEnv()); err != nil {
		t.Fatal(err)
	}
	if m.Name != name || m.TTL != ttl || m.Description != "" || !m.NextRotationDate.Equal(now.AddDate(0, 0, 1)) {
		t.Errorf("patched = %+v", m)
	}
	bad := []struct {
		p     *api.SecretMetadataPatch
		nulls []string
		msg   string
	}{
		{&api.SecretMetadataPatch{Name: ptr("a b")}, nil, "may contain only"},
		{&api.SecretMetadataPatch{}, []string{"name"}, "name cannot be removed"},
		{&api.SecretMetadataPatch{}, []string{"ttl"}, "ttl is required"},
		{&api.SecretMetadataPatch{TTL: ptr("5s")}, nil, "ttl must be between"},
		{&api.SecretMetadataPatch{Labels: []string{"x"}}, nil, "labels[0]"},
		{&api.SecretMetadataPatch{PasswordGenerationPolicy: &api.PasswordGenerationPolicy{Length: ptr(int64(11))}}, nil, "length must be 12 to 256"},
		{&api.SecretMetadataPatch{Parameters: map[string]any{"p": []any{1}}}, nil, "parameters.p must be"},
	}
	for _, c := range bad {
		m := base
		wantErr(t, ApplyPatch(c.p, c.nulls, &m, testEnv()), api.ErrInvalid, c.msg)
		if m.Name != base.Name || m.TTL != base.TTL {
			t.Errorf("a failed patch changed the metadata: %+v", m)
		}
	}
	wantErr(t, ApplyPatch(&api.SecretMetadataPatch{ManagedCSR: &api.ManagedCSR{}}, nil, &m, testEnv()), api.ErrUnsupported, "managed_csr")
}

func ptr[T any](v T) *T { return &v }
