package api

import "testing"

func TestSecretName(t *testing.T) {
	for name, want := range map[string]bool{
		"password": true, "client_secret": true, "accessToken": true, "private_key": true, "PrivateKey": true,
		"db.password": true, "api-key": true, "signing_key": true, "credentials": true,
		"secret_id": false, "token_type": false, "api_key_id": false, "grant_type": false, "name": false, "": false,
	} {
		if got := SecretName(name); got != want {
			t.Errorf("SecretName(%q) = %t, want %t", name, got, want)
		}
	}
	if !SecretName("credentials_content", "content") || SecretName("tag_value") || !SecretName("tag_value", "value") {
		t.Errorf("extra last words are not honoured")
	}
}

func TestSecretShaped(t *testing.T) {
	jwt := "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
	for v, want := range map[string]bool{
		jwt: true, "Bearer " + jwt: true, "token=" + jwt + ";": true,
		"-----BEGIN PRIVATE KEY-----\nMII...": true, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw": true,
		"eyJ but not a token": false, "a.b.c": false, "crn:v1:coffer:public:secrets-manager::a/x:y::": false,
	} {
		if got := SecretShaped(v); got != want {
			t.Errorf("SecretShaped(%q) = %t, want %t", v, got, want)
		}
	}
}
