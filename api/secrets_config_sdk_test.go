package api_test

import (
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"testing"

	sm "github.com/IBM/secrets-manager-go-sdk/v2/secretsmanagerv2"
	"github.com/google/go-cmp/cmp"

	"github.com/cofferhq/coffer/api"
)

var configSDKName = map[string]string{
	api.ConfigTypeLetsEncrypt: "PublicCertificateConfigurationCALetsEncrypt", api.ConfigTypeDNSClassic: "PublicCertificateConfigurationDNSClassicInfrastructure",
	api.ConfigTypeDNSCloudInternetServices: "PublicCertificateConfigurationDNSCloudInternetServices", api.ConfigTypeRootCA: "PrivateCertificateConfigurationRootCA",
	api.ConfigTypeIntermediateCA: "PrivateCertificateConfigurationIntermediateCA", api.ConfigTypeTemplate: "PrivateCertificateConfigurationTemplate",
	api.ConfigTypeIAMCredentials: "IAMCredentialsConfiguration", api.ConfigTypeCustomCredentials: "CustomCredentialsConfiguration",
}

func sampleConfig(typ string) api.Configuration {
	c := api.Configuration{ConfigurationMetadata: api.ConfigurationMetadata{ConfigType: typ, Name: "cfg-" + typ,
		SecretType: api.ConfigSecretType(typ), CreatedBy: "iam-1", CreatedAt: api.NewSecretsTime(t0), UpdatedAt: api.NewSecretsTime(t0)}}
	switch typ {
	case api.ConfigTypeLetsEncrypt:
		c.LetsEncryptEnvironment, c.LetsEncryptPrivateKey, c.LetsEncryptPreferredChain = "staging", "KEY", "ISRG Root X1"
	case api.ConfigTypeDNSClassic:
		c.ClassicInfrastructureUsername, c.ClassicInfrastructurePassword = "u", "p"
	case api.ConfigTypeDNSCloudInternetServices:
		c.CloudInternetServicesCRN, c.CloudInternetServicesAPIKey = "crn:cis", "k"
	case api.ConfigTypeRootCA, api.ConfigTypeIntermediateCA:
		c.CommonName, c.KeyType, c.KeyBits, c.Status, c.ExpirationDate = "ca.example", "rsa", ptr(int64(2048)), "configured", api.NewSecretsTime(t0)
		c.MaxTTLSeconds, c.CRLExpirySeconds, c.CRLDisable = ptr(int64(3600)), ptr(int64(60)), ptr(false)
		c.AltNames, c.Format, c.OU = []string{"ca.example"}, "pem", []string{"ou"}
		c.Data = &api.CAData{Certificate: "CERT", IssuingCA: "CA", CAChain: []string{"CA"}, Expiration: ptr(int64(1900000000))}
		if typ == api.ConfigTypeIntermediateCA {
			c.SigningMethod, c.Issuer = "internal", "root-ca"
		} else {
			c.TTLSeconds, c.MaxPathLength = ptr(int64(3600)), ptr(int64(-1))
		}
	case api.ConfigTypeTemplate:
		c.CertificateAuthority, c.MaxTTLSeconds, c.TTLSeconds = "int-ca", ptr(int64(3600)), ptr(int64(60))
		c.AllowedDomains, c.AllowSubdomains, c.KeyType, c.KeyBits = []string{"example.com"}, ptr(true), "rsa", ptr(int64(2048))
		c.NotBeforeDurationSeconds = ptr(int64(30))
	case api.ConfigTypeIAMCredentials:
		c.Disabled, c.APIKey = ptr(false), "apikey"
	case api.ConfigTypeCustomCredentials:
		c.CodeEngine = &api.CodeEngine{JobName: "j", ProjectID: "p", Region: "us-south"}
		c.Schema = &api.CredentialsSchema{Parameters: []api.SchemaParameter{{Name: "db", Format: "required:true, type:string"}}}
		c.TaskTimeout, c.APIKeyRef = "10m", "iam-secret"
	}
	return c
}

func TestSDKDecodesConfigurations(t *testing.T) {
	var items api.List[api.ConfigurationMetadata]
	for _, typ := range api.ConfigTypes {
		t.Run(typ, func(t *testing.T) {
			c := sampleConfig(typ)
			items = append(items, c.Metadata())
			for _, r := range []struct {
				rep    api.Representation
				v      any
				suffix string
				fn     func(map[string]json.RawMessage, any) error
			}{
				{api.RepConfiguration, c, "", sm.UnmarshalConfiguration},
				{api.RepConfigurationMetadata, c.Metadata(), "Metadata", sm.UnmarshalConfigurationMetadata},
			} {
				b := mustMarshal(t, r.v)
				f, err := api.ConfigFieldsOf(typ, r.rep)
				if err != nil {
					t.Fatal(err)
				}
				checkKeys(t, b, f)
				got := sdkDecode[any](t, b, r.fn)
				if want := configSDKName[typ] + r.suffix; typeName(got) != want {
					t.Fatalf("%s decodes as %s, want %s", r.rep, typeName(got), want)
				}
				if got := field(got, "Name"); got != c.Name {
					t.Errorf("%s: Name = %v, want %v", r.rep, got, c.Name)
				}
			}
		})
	}
	page := api.ConfigurationsPage{Page: api.NewPage("/api/v2/configurations", nil, 8, 200, 0, 8), Configurations: items}
	got := sdkDecode[*sm.ConfigurationMetadataPaginatedCollection](t, mustMarshal(t, page), sm.UnmarshalConfigurationMetadataPaginatedCollection)
	if len(got.Configurations) != len(api.ConfigTypes) || got.Next != nil {
		t.Errorf("ListConfigurations decodes %d items (next %v), want %d and no next", len(got.Configurations), got.Next, len(api.ConfigTypes))
	}
}

func TestSDKDecodesConfigurationActions(t *testing.T) {
	cases := []struct {
		a    api.ConfigurationAction
		want string
	}{
		{api.ConfigurationAction{ActionType: api.ConfigActionSignIntermediate, IntermediateCertificateAuthority: "int",
			SignOptions: api.SignOptions{CommonName: "x", TTL: "8760h", Subject: api.Subject{OU: []string{"o"}}}}, "PrivateCertificateConfigurationActionSignIntermediate"},
		{api.ConfigurationAction{ActionType: api.ConfigActionSignCSR, CSR: "CSR", Data: &api.CACertificate{Certificate: "C", Expiration: ptr(int64(1))}}, "PrivateCertificateConfigurationActionSignCSR"},
		{api.ConfigurationAction{ActionType: api.ConfigActionSetSigned, Certificate: "C"}, "PrivateCertificateConfigurationActionSetSigned"},
		{api.ConfigurationAction{ActionType: api.ConfigActionRevokeCACertificate, RevocationTimeSeconds: ptr(int64(9))}, "PrivateCertificateConfigurationActionRevoke"},
		{api.ConfigurationAction{ActionType: api.ConfigActionRotateCRL, Success: ptr(true)}, "PrivateCertificateConfigurationActionRotateCRL"},
		{api.ConfigurationAction{ActionType: api.ConfigActionRotateIntermediate, Name: "int", Config: &api.RotateIntermediateConfig{
			SignOptions: api.SignOptions{CommonName: "x"}, TTL: 3600, CSR: "CSR", Data: &api.CACertificate{Certificate: "C"}}}, "PrivateCertificateConfigurationActionRotate"},
	}
	for _, c := range cases {
		b := mustMarshal(t, c.a)
		got := sdkDecode[sm.ConfigurationActionIntf](t, b, sm.UnmarshalConfigurationAction)
		if typeName(got) != c.want {
			t.Errorf("%s decodes as %s, want %s", b, typeName(got), c.want)
		}
	}
	rot := sdkDecode[sm.ConfigurationActionIntf](t, mustMarshal(t, cases[5].a), sm.UnmarshalConfigurationAction).(*sm.PrivateCertificateConfigurationActionRotate)
	if *rot.Config.TTL != 3600 {
		t.Errorf("rotate_intermediate config.ttl = %d, want 3600", *rot.Config.TTL)
	}
}

func TestOurConfigInputsAcceptEverySDKField(t *testing.T) {
	type tc struct {
		typ string
		rep api.Representation
		sdk any
	}
	patch := func(typ string, p interface {
		AsPatch() (map[string]any, error)
	}) tc {
		m, err := p.AsPatch()
		if err != nil {
			t.Fatal(err)
		}
		return tc{typ, api.RepConfigurationPatch, m}
	}
	root := filled[sm.PrivateCertificateConfigurationRootCAPrototype]()
	root.CryptoKey.Provider = &sm.PrivateCertificateCryptoProviderHPCS{Type: ptr("hyper_protect_crypto_services"), InstanceCrn: ptr("c"), PinIamCredentialsSecretID: ptr("s"), PrivateKeystoreID: ptr("k")}
	inter := filled[sm.PrivateCertificateConfigurationIntermediateCAPrototype]()
	inter.CryptoKey = root.CryptoKey
	cases := []tc{
		{api.ConfigTypeLetsEncrypt, api.RepConfigurationPrototype, filled[sm.PublicCertificateConfigurationCALetsEncryptPrototype]()},
		{api.ConfigTypeDNSClassic, api.RepConfigurationPrototype, filled[sm.PublicCertificateConfigurationDNSClassicInfrastructurePrototype]()},
		{api.ConfigTypeDNSCloudInternetServices, api.RepConfigurationPrototype, filled[sm.PublicCertificateConfigurationDNSCloudInternetServicesPrototype]()},
		{api.ConfigTypeRootCA, api.RepConfigurationPrototype, root},
		{api.ConfigTypeIntermediateCA, api.RepConfigurationPrototype, inter},
		{api.ConfigTypeTemplate, api.RepConfigurationPrototype, filled[sm.PrivateCertificateConfigurationTemplatePrototype]()},
		{api.ConfigTypeIAMCredentials, api.RepConfigurationPrototype, filled[sm.IAMCredentialsConfigurationPrototype]()},
		{api.ConfigTypeCustomCredentials, api.RepConfigurationPrototype, filled[sm.CustomCredentialsConfigurationPrototype]()},
		patch(api.ConfigTypeLetsEncrypt, filled[sm.PublicCertificateConfigurationCALetsEncryptPatch]()),
		patch(api.ConfigTypeDNSClassic, filled[sm.PublicCertificateConfigurationDNSClassicInfrastructurePatch]()),
		patch(api.ConfigTypeDNSCloudInternetServices, filled[sm.PublicCertificateConfigurationDNSCloudInternetServicesPatch]()),
		patch(api.ConfigTypeRootCA, filled[sm.PrivateCertificateConfigurationRootCAPatch]()),
		patch(api.ConfigTypeIntermediateCA, filled[sm.PrivateCertificateConfigurationIntermediateCAPatch]()),
		patch(api.ConfigTypeTemplate, filled[sm.PrivateCertificateConfigurationTemplatePatch]()),
		patch(api.ConfigTypeIAMCredentials, filled[sm.IAMCredentialsConfigurationPatch]()),
		patch(api.ConfigTypeCustomCredentials, filled[sm.CustomCredentialsConfigurationPatch]()),
	}
	for _, c := range cases {
		t.Run(c.typ+" "+c.rep.String(), func(t *testing.T) {
			b := mustMarshal(t, c.sdk)
			f, err := api.ConfigFieldsOf(c.typ, c.rep)
			if err != nil {
				t.Fatal(err)
			}
			var into any = &api.ConfigurationPrototype{}
			if c.rep == api.RepConfigurationPatch {
				into = &api.ConfigurationPatch{}
			}
			if _, err := f.Decode(b, into); err != nil {
				t.Errorf("Decode(%s) = %v", b, err)
			}
		})
	}
	for _, a := range []any{
		filled[sm.PrivateCertificateConfigurationActionSignIntermediatePrototype](), filled[sm.PrivateCertificateConfigurationActionSignCSRPrototype](),
		filled[sm.PrivateCertificateConfigurationActionSetSignedPrototype](), filled[sm.PrivateCertificateConfigurationActionRevokePrototype](),
		filled[sm.PrivateCertificateConfigurationActionRotateCRLPrototype](), filled[sm.PrivateCertificateConfigurationActionRotatePrototype](),
	} {
		if err := strictDecode(mustMarshal(t, a), &api.ConfigurationActionPrototype{}); err != nil {
			t.Errorf("decode %T: %v", a, err)
		}
	}
}

// fillOurs sets every field of one of our structs, so that its JSON shows
// every key the struct can emit.
func fillOurs(v reflect.Value) {
	switch {
	case v.Type() == reflect.TypeFor[api.SecretsTime]():
		v.Set(reflect.ValueOf(api.NewSecretsTime(t0)))
	case v.Type() == reflect.TypeFor[api.SecretJSON]():
		v.Set(reflect.ValueOf(api.SecretJSON(`{"k":"v"}`)))
	case v.Kind() == reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fillOurs(v.Field(i))
			}
		}
	case v.Kind() == reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fillOurs(v.Elem())
	default:
		fill(v)
	}
}

// TestStructsEmitEveryTableField catches fields lost to embedding conflicts
// (encoding/json silently drops two fields of the same name at one depth)
// and struct fields the tables do not know.
func TestStructsEmitEveryTableField(t *testing.T) {
	cases := []struct {
		v     any
		rep   api.Representation
		types []string
		of    func(string, api.Representation) (api.Fields, error)
	}{
		{&api.Secret{}, api.RepSecret, api.SecretTypes, api.FieldsOf},
		{&api.SecretMetadata{}, api.RepSecretMetadata, api.SecretTypes, api.FieldsOf},
		{&api.SecretVersion{}, api.RepVersion, api.SecretTypes, api.FieldsOf},
		{&api.SecretVersionMetadata{}, api.RepVersionMetadata, api.SecretTypes, api.FieldsOf},
		{&api.SecretPrototype{}, api.RepPrototype, api.SecretTypes, api.FieldsOf},
		{&api.SecretMetadataPatch{}, api.RepMetadataPatch, api.SecretTypes, api.FieldsOf},
		{&api.SecretVersionPrototype{}, api.RepVersionPrototype, api.SecretTypes, api.FieldsOf},
		{&api.Configuration{}, api.RepConfiguration, api.ConfigTypes, api.ConfigFieldsOf},
		{&api.ConfigurationMetadata{}, api.RepConfigurationMetadata, api.ConfigTypes, api.ConfigFieldsOf},
		{&api.ConfigurationPrototype{}, api.RepConfigurationPrototype, api.ConfigTypes, api.ConfigFieldsOf},
		{&api.ConfigurationPatch{}, api.RepConfigurationPatch, api.ConfigTypes, api.ConfigFieldsOf},
	}
	for _, c := range cases {
		fillOurs(reflect.ValueOf(c.v).Elem())
		var m map[string]json.RawMessage
		if err := json.Unmarshal(mustMarshal(t, c.v), &m); err != nil {
			t.Fatal(err)
		}
		want := map[string]bool{}
		for _, typ := range c.types {
			f, err := c.of(typ, c.rep)
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range f.Names() {
				want[n] = true
			}
		}
		got := slices.Sorted(maps.Keys(m))
		if diff := cmp.Diff(slices.Sorted(maps.Keys(want)), got); diff != "" {
			t.Errorf("%T keys (-table +struct):\n%s", c.v, diff)
		}
	}
}
