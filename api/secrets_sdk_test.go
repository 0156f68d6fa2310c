package api_test

// These tests decode Coffer's Secrets Manager JSON with IBM's own Go SDK
// (v2.0.11) exactly as the SDK does after a call, and decode the SDK's own
// request bodies into Coffer's input types.

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/IBM/go-sdk-core/v5/core"
	sm "github.com/IBM/secrets-manager-go-sdk/v2/secretsmanagerv2"

	"github.com/cofferhq/coffer/api"
)

// sdkPrefix maps a secret type to the prefix of its SDK model names.
var sdkPrefix = map[string]string{
	"arbitrary": "ArbitrarySecret", "custom_credentials": "CustomCredentialsSecret",
	"iam_credentials": "IAMCredentialsSecret", "imported_cert": "ImportedCertificate", "kv": "KVSecret",
	"private_cert": "PrivateCertificate", "public_cert": "PublicCertificate",
	"service_credentials": "ServiceCredentialsSecret", "username_password": "UsernamePasswordSecret",
}

// sdkDecode decodes b the way the SDK decodes a response body.
func sdkDecode[T any](tb testing.TB, b []byte, fn func(map[string]json.RawMessage, any) error) T {
	tb.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		tb.Fatalf("json.Unmarshal(%s) = %v", b, err)
	}
	var out T
	if err := core.UnmarshalModel(m, "", &out, fn); err != nil {
		tb.Fatalf("SDK decode of %s: %v", b, err)
	}
	return out
}

func mustMarshal(tb testing.TB, v any) []byte {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatalf("json.Marshal(%T) = %v", v, err)
	}
	return b
}

// checkKeys checks that b's top-level keys are allowed by f and hold every
// required field, and that no array is null.
func checkKeys(tb testing.TB, b []byte, f api.Fields) {
	tb.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		tb.Fatal(err)
	}
	for k, v := range m {
		if !f.Allows(k) {
			tb.Errorf("emits field %q, not among %v", k, f.Names())
		}
		if string(v) == "null" {
			tb.Errorf("field %q is null", k)
		}
	}
	for _, k := range f.Required() {
		if _, ok := m[k]; !ok {
			tb.Errorf("required field %q missing from %s", k, b)
		}
	}
}

// field returns the dereferenced value of the named field of the struct p
// points to, or nil.
func field(p any, name string) any {
	v := reflect.ValueOf(p)
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	f := v.FieldByName(name)
	if !f.IsValid() {
		return nil
	}
	for f.Kind() == reflect.Pointer || f.Kind() == reflect.Interface {
		if f.IsNil() {
			return nil
		}
		f = f.Elem()
	}
	return f.Interface()
}

func typeName(v any) string { return reflect.TypeOf(v).Elem().Name() }

func TestSDKDecodesSecrets(t *testing.T) {
	for _, typ := range api.SecretTypes {
		t.Run(typ, func(t *testing.T) {
			s := sampleSecret(typ)
			reps := []struct {
				rep    api.Representation
				v      any
				suffix string
				decode func([]byte) any
			}{
				{api.RepSecret, s, "", func(b []byte) any { return sdkDecode[sm.SecretIntf](t, b, sm.UnmarshalSecret) }},
				{api.RepSecretMetadata, s.SecretMetadata, "Metadata", func(b []byte) any {
					return sdkDecode[sm.SecretMetadataIntf](t, b, sm.UnmarshalSecretMetadata)
				}},
				{api.RepVersion, sampleVersion(typ), "Version", func(b []byte) any {
					return sdkDecode[sm.SecretVersionIntf](t, b, sm.UnmarshalSecretVersion)
				}},
				{api.RepVersionMetadata, sampleVersion(typ).SecretVersionMetadata, "VersionMetadata", func(b []byte) any {
					return sdkDecode[sm.SecretVersionMetadataIntf](t, b, sm.UnmarshalSecretVersionMetadata)
				}},
			}
			for _, r := range reps {
				b := mustMarshal(t, r.v)
				f, err := api.FieldsOf(typ, r.rep)
				if err != nil {
					t.Fatal(err)
				}
				checkKeys(t, b, f)
				got := r.decode(b)
				if want := sdkPrefix[typ] + r.suffix; typeName(got) != want {
					t.Fatalf("%s decodes as %s, want %s", r.rep, typeName(got), want)
				}
				if id := field(got, "ID"); id == nil || id == "" {
					t.Errorf("%s: ID = %v, want set", r.rep, id)
				}
				if got, want := field(got, "SecretType"), typ; got != want {
					t.Errorf("%s: SecretType = %v, want %v", r.rep, got, want)
				}
				for name, want := range sampleChecks[typ][r.rep] {
					if got := field(got, name); !reflect.DeepEqual(got, want) {
						t.Errorf("%s: %s = %#v, want %#v", r.rep, name, got, want)
					}
				}
			}
		})
	}
}

// sampleChecks lists, per type and representation, SDK fields that must
// survive decoding with their values.
var sampleChecks = map[string]map[api.Representation]map[string]any{
	"arbitrary": {api.RepSecret: {"Payload": "the payload", "Name": "db-secret"},
		api.RepVersion: {"Payload": "the payload", "PayloadAvailable": true, "Alias": "current"}},
	"username_password": {api.RepSecret: {"Username": "admin", "Password": "pa55word", "Rotation": sm.RotationPolicy{AutoRotate: ptr(true), Interval: ptr(int64(30)), Unit: ptr("day")}},
		api.RepSecretMetadata: {"PasswordGenerationPolicy": sm.PasswordGenerationPolicyRO{Length: ptr(int64(32)), IncludeDigits: ptr(true), IncludeSymbols: ptr(true), IncludeUppercase: ptr(true)}},
		api.RepVersion:        {"Username": "admin", "Password": "pa55word"}},
	"kv": {api.RepSecret: {"Data": map[string]any{"k": "v", "n": map[string]any{"x": 1.0}}},
		api.RepVersion: {"Data": map[string]any{"k": "v", "n": map[string]any{"x": 1.0}}}},
	"imported_cert": {api.RepSecret: {"Certificate": "CERT", "PrivateKey": "KEY", "IntermediateIncluded": true, "KeyAlgorithm": "RSA2048", "SerialNumber": "01:02"},
		api.RepVersionMetadata: {"SerialNumber": "01:02"}},
	"iam_credentials": {api.RepSecret: {"ApiKey": "the-api-key", "ReuseApiKey": false, "TTL": "1d", "AccessGroups": []string{"AccessGroupId-1"}},
		api.RepVersion: {"ApiKey": "the-api-key", "ServiceID": "ServiceId-1"}},
	"service_credentials": {api.RepSecret: {"TTL": "86400"}, api.RepVersionMetadata: {"ResourceKey": sm.ServiceCredentialsResourceKey{Crn: ptr("crn:rk"), Name: ptr("rk")}}},
	"custom_credentials": {api.RepSecret: {"Configuration": "pg-config", "CredentialsContent": map[string]any{"password": "p"}, "TaskCount": int64(0)},
		api.RepVersionMetadata: {"CredentialsID": "cred-1"}},
	"private_cert": {api.RepSecret: {"CertificateTemplate": "tmpl", "Certificate": "CERT", "CaChain": []string{"CA"}}},
	"public_cert":  {api.RepSecretMetadata: {"KeyAlgorithm": "RSA2048", "Rotation": sm.RotationPolicy{AutoRotate: ptr(false), RotateKeys: ptr(false)}}},
}

func ptr[T any](v T) *T { return &v }

var t0 = time.Date(2030, 10, 5, 11, 49, 42, 123_000_000, time.UTC)

func sampleSecret(typ string) api.Secret {
	m := api.SecretMetadata{
		ID: "b49ad24d-81d4-5ebc-b9b9-b0937d1c84d5", SecretType: typ, SecretGroupID: "default",
		CRN:  "crn:v1:coffer:public:secrets-manager:local:a/acc:inst:secret:b49ad24d-81d4-5ebc-b9b9-b0937d1c84d5",
		Name: "db-secret", Description: "a secret", Labels: []string{"dev"},
		CustomMetadata: map[string]any{"team": "x"}, CreatedBy: "iam-ServiceId-1",
		CreatedAt: api.NewSecretsTime(t0), UpdatedAt: api.NewSecretsTime(t0), VersionsTotal: 1,
		State: api.StateActive, StateDescription: "active",
	}
	var d api.SecretData
	exp := api.NewSecretsTime(t0.Add(24 * time.Hour))
	validity := &api.CertificateValidity{NotBefore: api.NewSecretsTime(t0), NotAfter: exp}
	switch typ {
	case "arbitrary":
		m.ExpirationDate = exp
		d.Payload = "the payload"
	case "username_password":
		m.Rotation = &api.RotationPolicy{AutoRotate: true, Interval: 30, Unit: "day"}
		m.NextRotationDate = exp
		m.PasswordGenerationPolicy = &api.PasswordGenerationPolicy{Length: ptr(int64(32)), IncludeDigits: ptr(true), IncludeSymbols: ptr(true), IncludeUppercase: ptr(true)}
		d.Username, d.Password = "admin", "pa55word"
	case "kv":
		d.Data = api.SecretJSON(`{"k":"v","n":{"x":1}}`)
	case "imported_cert":
		m.SigningAlgorithm, m.AltNames, m.CommonName, m.Issuer = "SHA256-RSA", []string{"a.example"}, "a.example", "CN=ca"
		m.KeyAlgorithm, m.SerialNumber, m.Validity, m.ExpirationDate = "RSA2048", "01:02", validity, exp
		m.IntermediateIncluded, m.PrivateKeyIncluded = ptr(true), ptr(true)
		d.Certificate, d.Intermediate, d.PrivateKey = "CERT", "INTER", "KEY"
	case "iam_credentials":
		m.TTL, m.AccessGroups, m.APIKeyID, m.ServiceID = "1d", []string{"AccessGroupId-1"}, "ApiKey-1", "ServiceId-1"
		m.AccountID, m.ServiceIDIsStatic, m.ReuseAPIKey = "acc", ptr(false), ptr(false)
		m.Rotation, m.ExpirationDate = &api.RotationPolicy{AutoRotate: false}, exp
		d.APIKey = "the-api-key"
	case "service_credentials":
		m.TTL, m.Rotation = "86400", &api.RotationPolicy{AutoRotate: false}
		m.SourceService = &api.ServiceCredentialsSourceService{Instance: &api.CRNRef{CRN: "crn:v1:x"},
			Role: &api.CRNRef{CRN: "crn:v1:iam::::serviceRole:Writer"}, Parameters: map[string]any{"serviceid_crn": "crn:sid", "extra": true},
			IAM:         &api.SourceIAM{APIKey: &api.SourceIAMAPIKey{ID: "ApiKey-1", Name: "n"}, ServiceID: &api.CRNRef{CRN: "crn:sid"}},
			ResourceKey: &api.ResourceKey{CRN: "crn:rk", Name: "rk"}}
		d.Credentials = api.SecretJSON(`{"apikey":"k","iam_apikey_id":"ApiKey-1","extra":"x"}`)
	case "custom_credentials":
		m.Configuration, m.Parameters, m.TTL = "pg-config", map[string]any{"db": "x"}, "86400"
		m.TaskCount, m.QueuedTaskCount, m.Rotation = ptr(int64(0)), ptr(int64(0)), &api.RotationPolicy{AutoRotate: false}
		d.CredentialsContent = api.SecretJSON(`{"password":"p"}`)
	case "private_cert":
		m.SigningAlgorithm, m.CertificateTemplate, m.CertificateAuthority, m.CommonName = "SHA256-RSA", "tmpl", "int-ca", "a.example"
		m.Issuer, m.SerialNumber, m.Validity, m.ExpirationDate = "int-ca", "01:02", validity, exp
		m.Rotation, m.KeyAlgorithm = &api.RotationPolicy{AutoRotate: false}, "RSA2048"
		d.Certificate, d.PrivateKey, d.IssuingCA, d.CAChain = "CERT", "KEY", "CA", []string{"CA"}
	case "public_cert":
		m.KeyAlgorithm, m.Rotation = "RSA2048", &api.RotationPolicy{AutoRotate: false, RotateKeys: ptr(false)}
		m.CA, m.DNS, m.BundleCerts, m.CommonName = "le", "cis", ptr(true), "a.example"
		m.IssuanceInfo = &api.CertificateIssuanceInfo{State: ptr(int64(0)), StateDescription: "pre_activation", OrderedOn: api.NewSecretsTime(t0),
			Challenges: []api.ChallengeResource{{Domain: "a.example", Expiration: exp, Status: "pending"}}}
	}
	return api.Secret{SecretMetadata: m, SecretData: d}
}

func sampleVersion(typ string) api.SecretVersion {
	s := sampleSecret(typ)
	v := api.SecretVersionMetadata{
		ID: "7d1a4a5c-1d50-4d8c-9d8e-2c2f3b7c0e11", SecretID: s.ID, SecretType: typ, SecretGroupID: s.SecretGroupID,
		SecretName: s.Name, CreatedBy: s.CreatedBy, CreatedAt: s.CreatedAt, PayloadAvailable: true, Alias: "current",
		VersionCustomMetadata: map[string]any{"v": 1}, ExpirationDate: s.ExpirationDate,
	}
	switch typ {
	case "iam_credentials":
		v.APIKeyID, v.ServiceID = s.APIKeyID, s.ServiceID
	case "imported_cert", "private_cert", "public_cert":
		v.SerialNumber, v.Validity = "01:02", &api.CertificateValidity{NotBefore: api.NewSecretsTime(t0), NotAfter: api.NewSecretsTime(t0)}
	case "service_credentials":
		v.ResourceKey = &api.ResourceKey{CRN: "crn:rk", Name: "rk"}
	case "custom_credentials":
		v.CredentialsID = "cred-1"
	}
	d := s.SecretData
	if typ == "public_cert" {
		d.Certificate, d.PrivateKey = "CERT", "KEY"
	}
	return api.SecretVersion{SecretVersionMetadata: v, SecretData: d}
}

func TestSDKDecodesLists(t *testing.T) {
	var items api.List[api.SecretMetadata]
	for _, typ := range api.SecretTypes {
		items = append(items, sampleSecret(typ).SecretMetadata)
	}
	page := api.SecretsPage{Page: api.NewPage("/api/v2/secrets", nil, 20, 9, 0, 9), Secrets: items}
	got := sdkDecode[*sm.SecretMetadataPaginatedCollection](t, mustMarshal(t, page), sm.UnmarshalSecretMetadataPaginatedCollection)
	if len(got.Secrets) != 9 || *got.TotalCount != 20 {
		t.Errorf("ListSecrets decodes %d secrets of %d, want 9 of 20", len(got.Secrets), *got.TotalCount)
	}
	if off, err := got.GetNextOffset(); err != nil || off == nil || *off != 9 {
		t.Errorf("GetNextOffset() = %v, %v, want 9", off, err)
	}
	empty := sdkDecode[*sm.SecretMetadataPaginatedCollection](t, mustMarshal(t, api.SecretsPage{Page: api.NewPage("/api/v2/secrets", nil, 0, 200, 0, 0)}), sm.UnmarshalSecretMetadataPaginatedCollection)
	if empty.Secrets == nil {
		t.Error("an empty page decodes with a nil Secrets slice, want empty")
	}
	if off, _ := empty.GetNextOffset(); off != nil {
		t.Errorf("empty page GetNextOffset() = %d, want nil", *off)
	}

	var versions api.List[api.SecretVersionMetadata]
	for _, typ := range api.SecretTypes {
		versions = append(versions, sampleVersion(typ).SecretVersionMetadata)
	}
	vl := sdkDecode[*sm.SecretVersionMetadataCollection](t, mustMarshal(t, api.SecretVersionList{Versions: versions, TotalCount: 9}), sm.UnmarshalSecretVersionMetadataCollection)
	if len(vl.Versions) != 9 {
		t.Errorf("ListSecretVersions decodes %d versions, want 9", len(vl.Versions))
	}
}

func sampleLock() api.SecretLock {
	return api.SecretLock{Name: "lock-1", Description: "d", Attributes: map[string]any{"a": "b"}, CreatedAt: api.NewSecretsTime(t0),
		UpdatedAt: api.NewSecretsTime(t0), CreatedBy: "iam-1", SecretGroupID: "default", SecretID: "s1", SecretVersionID: "v1",
		SecretVersionAlias: "current"}
}

func TestSDKDecodesLocksGroupsTasks(t *testing.T) {
	locks := api.SecretLocks{SecretID: "s1", SecretGroupID: "default", SecretType: "arbitrary", SecretName: "n",
		Versions: []api.SecretVersionLocks{{VersionID: "v1", VersionAlias: "current", Locks: []string{"lock-1"}, PayloadAvailable: ptr(true)}}}
	l := sdkDecode[*sm.SecretLocks](t, mustMarshal(t, locks), sm.UnmarshalSecretLocks)
	if *l.SecretID != "s1" || len(l.Versions) != 1 || l.Versions[0].Locks[0] != "lock-1" {
		t.Errorf("SecretLocks decoded as %+v", l)
	}
	noLocks := sdkDecode[*sm.SecretLocks](t, mustMarshal(t, api.SecretLocks{Versions: []api.SecretVersionLocks{{}}}), sm.UnmarshalSecretLocks)
	if noLocks.Versions[0].Locks == nil {
		t.Error("a version without locks decodes with nil Locks, want []")
	}
	sl := sdkDecode[*sm.SecretsLocksPaginatedCollection](t, mustMarshal(t, api.SecretsLocksPage{Page: api.NewPage("/api/v2/secrets_locks", nil, 1, 200, 0, 1), SecretsLocks: []api.SecretLocks{locks}}), sm.UnmarshalSecretsLocksPaginatedCollection)
	if len(sl.SecretsLocks) != 1 || sl.Next != nil {
		t.Errorf("ListSecretsLocks decoded as %+v", sl)
	}
	lp := api.SecretLocksPage{Page: api.NewPage("/api/v2/secrets/s1/locks", nil, 1, 25, 0, 1), Locks: []api.SecretLock{sampleLock()}}
	for _, fn := range []func(map[string]json.RawMessage, any) error{sm.UnmarshalSecretLocksPaginatedCollection, sm.UnmarshalSecretVersionLocksPaginatedCollection} {
		var m map[string]json.RawMessage
		_ = json.Unmarshal(mustMarshal(t, lp), &m)
		var out any
		if err := fn(m, &out); err != nil {
			t.Errorf("locks page: %v", err)
		}
		if got := field(out, "Locks"); reflect.ValueOf(got).Len() != 1 {
			t.Errorf("locks page decodes %v locks, want 1", got)
		}
	}

	g := api.SecretGroup{ID: "default", Name: "default", Description: "", CreatedAt: api.NewSecretsTime(t0), CreatedBy: "iam-1", UpdatedAt: api.NewSecretsTime(t0)}
	gl := sdkDecode[*sm.SecretGroupCollection](t, mustMarshal(t, api.SecretGroupList{SecretGroups: []api.SecretGroup{g}, TotalCount: 1}), sm.UnmarshalSecretGroupCollection)
	if *gl.SecretGroups[0].ID != "default" || gl.SecretGroups[0].Description == nil {
		t.Errorf("SecretGroupCollection decoded as %+v", gl.SecretGroups[0])
	}

	task := api.SecretTask{ID: "sm-task-1", CreatedBy: "iam-1", CreationDate: api.NewSecretsTime(t0), LastUpdateDate: api.NewSecretsTime(t0),
		UpdatedBy: "iam-1", Type: api.TaskTypeCreateCredentials, Status: api.TaskStatusFailed, Trigger: api.TaskTriggerSecretCreation,
		SecretID: "s1", SecretVersionID: "v1", Errors: []api.SecretTaskError{{Code: "c", Description: "d"}}}
	tl := sdkDecode[*sm.SecretTaskCollection](t, mustMarshal(t, api.SecretTaskList{Tasks: []api.SecretTask{task}}), sm.UnmarshalSecretTaskCollection)
	if got := tl.Tasks[0]; *got.Status != "failed" || time.Time(*got.CreationDate) != t0 || *got.Errors[0].Code != "c" {
		t.Errorf("SecretTask decoded as %+v", got)
	}
	if tl := sdkDecode[*sm.SecretTaskCollection](t, mustMarshal(t, api.SecretTaskList{}), sm.UnmarshalSecretTaskCollection); tl.Tasks == nil {
		t.Error("empty task list decodes with nil Tasks")
	}

	nr := sdkDecode[*sm.NotificationsRegistration](t, mustMarshal(t, api.NotificationsRegistration{InstanceCRN: "crn:en"}), sm.UnmarshalNotificationsRegistration)
	if *nr.EventNotificationsInstanceCrn != "crn:en" {
		t.Errorf("NotificationsRegistration = %v", *nr.EventNotificationsInstanceCrn)
	}
	sa := sdkDecode[sm.SecretActionIntf](t, mustMarshal(t, api.SecretAction{ActionType: api.ActionRevokeCertificate, RevocationTimeSeconds: ptr(int64(5))}), sm.UnmarshalSecretAction)
	if r, ok := sa.(*sm.PrivateCertificateActionRevoke); !ok || *r.RevocationTimeSeconds != 5 {
		t.Errorf("SecretAction decoded as %T %+v", sa, sa)
	}
	if sa := sdkDecode[sm.SecretActionIntf](t, mustMarshal(t, api.SecretAction{ActionType: api.ActionValidateDNSChallenge}), sm.UnmarshalSecretAction); typeName(sa) != "PublicCertificateActionValidateManualDNS" {
		t.Errorf("validate DNS action decoded as %T", sa)
	}
	va := sdkDecode[sm.VersionActionIntf](t, mustMarshal(t, api.SecretAction{ActionType: api.ActionRevokeCertificate}), sm.UnmarshalVersionAction)
	if _, ok := va.(*sm.PrivateCertificateVersionActionRevoke); !ok {
		t.Errorf("VersionAction decoded as %T", va)
	}
}

func TestTimesAreMillisecondUTC(t *testing.T) {
	b := mustMarshal(t, sampleSecret("arbitrary"))
	if !strings.Contains(string(b), `"created_at":"2030-10-05T11:49:42.123Z"`) {
		t.Errorf("created_at not in RFC 3339 with milliseconds: %s", b)
	}
	s := sdkDecode[sm.SecretIntf](t, b, sm.UnmarshalSecret).(*sm.ArbitrarySecret)
	if got := time.Time(*s.CreatedAt); !got.Equal(t0) {
		t.Errorf("SDK CreatedAt = %v, want %v", got, t0)
	}
}

// captureBodies runs calls against a server that records request bodies.
func captureBodies(t *testing.T, calls func(s *sm.SecretsManagerV2)) [][]byte {
	t.Helper()
	var bodies [][]byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bodies = append(bodies, b)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	s, err := sm.NewSecretsManagerV2(&sm.SecretsManagerV2Options{URL: srv.URL, Authenticator: &core.NoAuthAuthenticator{}})
	if err != nil {
		t.Fatal(err)
	}
	calls(s)
	return bodies
}

func TestOurInputsAcceptSDKBodies(t *testing.T) {
	lock := sm.SecretLockPrototype{Name: ptr("lock"), Description: ptr("d"), Attributes: map[string]any{"a": 1}}
	bodies := captureBodies(t, func(s *sm.SecretsManagerV2) {
		_, _, _ = s.CreateSecretGroup(&sm.CreateSecretGroupOptions{Name: ptr("g"), Description: ptr("d")})
		p, _ := (&sm.SecretGroupPatch{Name: ptr("g2"), Description: ptr("d2")}).AsPatch()
		_, _, _ = s.UpdateSecretGroup(&sm.UpdateSecretGroupOptions{ID: ptr("g"), SecretGroupPatch: p})
		_, _, _ = s.CreateSecretLocksBulk(&sm.CreateSecretLocksBulkOptions{ID: ptr("s"), Locks: []sm.SecretLockPrototype{lock}, Mode: ptr("remove_previous")})
		_, _, _ = s.CreateSecretVersionLocksBulk(&sm.CreateSecretVersionLocksBulkOptions{SecretID: ptr("s"), ID: ptr("current"), Locks: []sm.SecretLockPrototype{lock}})
		_, _, _ = s.CreateNotificationsRegistration(&sm.CreateNotificationsRegistrationOptions{EventNotificationsInstanceCrn: ptr("crn"), EventNotificationsSourceName: ptr("n"), EventNotificationsSourceDescription: ptr("d")})
	})
	targets := []any{&api.SecretGroupPrototype{}, &api.SecretGroupPatch{}, &api.SecretLocksPrototype{}, &api.SecretLocksPrototype{}, &api.NotificationsRegistrationPrototype{}}
	if len(bodies) != len(targets) {
		t.Fatalf("captured %d bodies, want %d", len(bodies), len(targets))
	}
	for i, b := range bodies {
		if err := strictDecode(b, targets[i]); err != nil {
			t.Errorf("decode %s into %T: %v", b, targets[i], err)
		}
	}
	if got := targets[2].(*api.SecretLocksPrototype).Locks; len(got) != 1 || got[0].Name != "lock" {
		t.Errorf("locks = %+v", got)
	}
}

func strictDecode(b []byte, v any) error {
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// fill sets every exported field reachable from v to a non-zero value, so
// that the SDK marshals every field it can send. Interfaces are left alone.
func fill(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem())
	case reflect.Struct:
		if v.Type().Name() == "DateTime" {
			v.Set(reflect.ValueOf(t0).Convert(v.Type()))
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i))
			}
		}
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fill(v.Index(0))
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		v.SetMapIndex(reflect.ValueOf("k"), reflect.ValueOf(any("v")).Convert(v.Type().Elem()))
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int64:
		v.SetInt(1)
	}
}

func filled[T any]() *T {
	p := new(T)
	fill(reflect.ValueOf(p).Elem())
	return p
}

func TestOurPrototypesAcceptEverySDKField(t *testing.T) {
	common := &sm.RotationPolicy{AutoRotate: ptr(true), Interval: ptr(int64(1)), Unit: ptr("day")}
	type tc struct {
		typ  string
		rep  api.Representation
		sdk  any
		into any
	}
	up := filled[sm.UsernamePasswordSecretPrototype]()
	up.Rotation = &sm.CommonRotationPolicy{AutoRotate: ptr(true), Interval: ptr(int64(1)), Unit: ptr("month")}
	pc := filled[sm.PublicCertificatePrototype]()
	pc.Rotation = &sm.PublicCertificateRotationPolicy{AutoRotate: ptr(true), RotateKeys: ptr(true)}
	iam := filled[sm.IAMCredentialsSecretPrototype]()
	iam.Rotation = common
	priv := filled[sm.PrivateCertificatePrototype]()
	priv.Rotation = common
	svc := filled[sm.ServiceCredentialsSecretPrototype]()
	svc.Rotation = common
	cc := filled[sm.CustomCredentialsSecretPrototype]()
	cc.Rotation = common
	cases := []tc{
		{"arbitrary", api.RepPrototype, filled[sm.ArbitrarySecretPrototype](), &api.SecretPrototype{}},
		{"username_password", api.RepPrototype, up, &api.SecretPrototype{}},
		{"kv", api.RepPrototype, filled[sm.KVSecretPrototype](), &api.SecretPrototype{}},
		{"imported_cert", api.RepPrototype, filled[sm.ImportedCertificatePrototype](), &api.SecretPrototype{}},
		{"iam_credentials", api.RepPrototype, iam, &api.SecretPrototype{}},
		{"private_cert", api.RepPrototype, priv, &api.SecretPrototype{}},
		{"public_cert", api.RepPrototype, pc, &api.SecretPrototype{}},
		{"service_credentials", api.RepPrototype, svc, &api.SecretPrototype{}},
		{"custom_credentials", api.RepPrototype, cc, &api.SecretPrototype{}},
		{"arbitrary", api.RepVersionPrototype, filled[sm.ArbitrarySecretVersionPrototype](), &api.SecretVersionPrototype{}},
		{"username_password", api.RepVersionPrototype, filled[sm.UsernamePasswordSecretVersionPrototype](), &api.SecretVersionPrototype{}},
		{"kv", api.RepVersionPrototype, filled[sm.KVSecretVersionPrototype](), &api.SecretVersionPrototype{}},
		{"imported_cert", api.RepVersionPrototype, filled[sm.ImportedCertificateVersionPrototype](), &api.SecretVersionPrototype{}},
		{"iam_credentials", api.RepVersionPrototype, filled[sm.IAMCredentialsSecretVersionPrototype](), &api.SecretVersionPrototype{}},
		{"iam_credentials", api.RepVersionPrototype, filled[sm.IAMCredentialsSecretRestoreFromVersionPrototype](), &api.SecretVersionPrototype{}},
		{"private_cert", api.RepVersionPrototype, filled[sm.PrivateCertificateVersionPrototype](), &api.SecretVersionPrototype{}},
		{"public_cert", api.RepVersionPrototype, filled[sm.PublicCertificateVersionPrototype](), &api.SecretVersionPrototype{}},
		{"service_credentials", api.RepVersionPrototype, filled[sm.ServiceCredentialsSecretVersionPrototype](), &api.SecretVersionPrototype{}},
		{"custom_credentials", api.RepVersionPrototype, filled[sm.CustomCredentialsSecretVersionPrototype](), &api.SecretVersionPrototype{}},
	}
	patch := func(typ string, p interface {
		AsPatch() (map[string]any, error)
	}) tc {
		m, err := p.AsPatch()
		if err != nil {
			t.Fatal(err)
		}
		return tc{typ, api.RepMetadataPatch, m, &api.SecretMetadataPatch{}}
	}
	withRot := func(p any) any {
		reflect.ValueOf(p).Elem().FieldByName("Rotation").Set(reflect.ValueOf(common))
		return p
	}
	cases = append(cases,
		patch("arbitrary", filled[sm.ArbitrarySecretMetadataPatch]()),
		patch("username_password", withRot(filled[sm.UsernamePasswordSecretMetadataPatch]()).(*sm.UsernamePasswordSecretMetadataPatch)),
		patch("kv", filled[sm.KVSecretMetadataPatch]()),
		patch("imported_cert", filled[sm.ImportedCertificateMetadataPatch]()),
		patch("iam_credentials", withRot(filled[sm.IAMCredentialsSecretMetadataPatch]()).(*sm.IAMCredentialsSecretMetadataPatch)),
		patch("private_cert", withRot(filled[sm.PrivateCertificateMetadataPatch]()).(*sm.PrivateCertificateMetadataPatch)),
		patch("public_cert", withRot(filled[sm.PublicCertificateMetadataPatch]()).(*sm.PublicCertificateMetadataPatch)),
		patch("service_credentials", withRot(filled[sm.ServiceCredentialsSecretMetadataPatch]()).(*sm.ServiceCredentialsSecretMetadataPatch)),
		patch("custom_credentials", withRot(filled[sm.CustomCredentialsSecretMetadataPatch]()).(*sm.CustomCredentialsSecretMetadataPatch)),
	)
	for _, c := range cases {
		t.Run(c.typ+" "+c.rep.String(), func(t *testing.T) {
			b := mustMarshal(t, c.sdk)
			f, err := api.FieldsOf(c.typ, c.rep)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.Decode(b, c.into); err != nil {
				t.Errorf("Decode(%s) = %v", b, err)
			}
			if c.rep == api.RepPrototype && !slices.Contains([]string{"kv"}, c.typ) {
				if got := c.into.(*api.SecretPrototype); got.Name != "x" || got.SecretType != "x" {
					t.Errorf("decoded prototype %+v lost name or secret_type", got)
				}
			}
		})
	}
}

func TestTaskAndActionPrototypesAcceptSDK(t *testing.T) {
	cases := []struct {
		sdk  any
		into any
	}{
		{filled[sm.SecretTaskPrototypeUpdateSecretTaskCredentialsCreated](), &api.SecretTaskPrototype{}},
		{filled[sm.SecretTaskPrototypeUpdateSecretTaskCredentialsDeleted](), &api.SecretTaskPrototype{}},
		{filled[sm.SecretTaskPrototypeUpdateSecretTaskFailed](), &api.SecretTaskPrototype{}},
		{filled[sm.PrivateCertificateActionRevokePrototype](), &api.SecretActionPrototype{}},
		{filled[sm.PublicCertificateActionValidateManualDNSPrototype](), &api.SecretActionPrototype{}},
		{filled[sm.PrivateCertificateVersionActionRevokePrototype](), &api.SecretActionPrototype{}},
		{filled[sm.SecretVersionMetadataPatch](), &api.SecretVersionMetadataPatch{}},
		{filled[sm.SecretLockPrototype](), &api.SecretLockPrototype{}},
	}
	for _, c := range cases {
		b := mustMarshal(t, c.sdk)
		if err := strictDecode(b, c.into); err != nil {
			t.Errorf("decode %T %s: %v", c.sdk, b, err)
		}
	}
	var created api.SecretTaskPrototype
	_ = strictDecode(mustMarshal(t, cases[0].sdk), &created)
	if created.Credentials == nil || string(created.Credentials.Payload) != `{"k":"v"}` {
		t.Errorf("credentials_created decoded as %+v", created)
	}
}
