package identity_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/IBM/go-sdk-core/v5/core"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/identity"
	"github.com/cofferhq/coffer/internal/kms"
	"github.com/cofferhq/coffer/internal/servertest"
	"github.com/cofferhq/coffer/internal/store"
)

// These tests drive Coffer's token endpoint with IBM's real Go SDK core
// (github.com/IBM/go-sdk-core/v5 v5.25.3).

// sdkEnv is a running server plus a second node on its database, used to
// create profiles and to mint CR tokens.
type sdkEnv struct {
	srv  *servertest.Server
	svc  *identity.Service
	st   *store.Store
	boot *identity.BootstrapResult

	serviceID    string
	serviceIDKey string
	profile      *store.Profile
	crTokenFile  string
}

var sdkComponent = identity.CRClaims{ProjectID: "3c2b1a09-8f7e-4d6c-9b5a-493827161504", ProjectName: "shop",
	ComponentType: "application", ComponentName: "web", Region: "us-south"}

func newSDKEnv(tb testing.TB) *sdkEnv {
	tb.Helper()
	ctx := context.Background()
	e := &sdkEnv{srv: servertest.New(tb)}
	var err error
	e.st, err = store.Open(ctx, store.Config{URL: "sqlite:" + filepath.Join(e.srv.DataDir, "coffer.db")})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { e.st.Close() })
	keys, err := kms.NewKeys(kms.KeysConfig{Provider: kms.NewKeyFile(filepath.Join(e.srv.DataDir, "root.key")), Store: e.st})
	if err != nil {
		tb.Fatal(err)
	}
	if err := keys.Start(ctx); err != nil {
		tb.Fatal(err)
	}
	if e.svc, err = identity.New(identity.Config{Store: e.st, Keys: keys, PublicURL: e.srv.URL}); err != nil {
		tb.Fatal(err)
	}
	if e.boot, err = e.svc.Bootstrap(ctx, identity.BootstrapConfig{}); err != nil {
		tb.Fatal(err)
	}
	e.addServiceID(tb)
	e.addProfile(tb)
	tok, err := e.svc.MintCRToken(ctx, e.boot.AccountID, sdkComponent, 0)
	if err != nil {
		tb.Fatal(err)
	}
	e.crTokenFile = filepath.Join(tb.TempDir(), "token")
	if err := os.WriteFile(e.crTokenFile, []byte(tok.Reveal()+"\n"), 0o600); err != nil {
		tb.Fatal(err)
	}
	return e
}

func (e *sdkEnv) addServiceID(tb testing.TB) {
	tb.Helper()
	ctx := context.Background()
	e.serviceID = identity.NewServiceID()
	if err := e.st.CreateServiceID(ctx, &store.ServiceID{ID: e.serviceID, AccountID: e.boot.AccountID,
		IAMID: identity.IAMIDOf(e.serviceID), Name: "sdk"}); err != nil {
		tb.Fatal(err)
	}
	e.serviceIDKey = identity.NewAPIKeyValue().Reveal()
	h, err := e.svc.HashKey(ctx, e.serviceIDKey)
	if err != nil {
		tb.Fatal(err)
	}
	if err := e.st.CreateAPIKey(ctx, &store.APIKey{ID: identity.NewAPIKeyID(), AccountID: e.boot.AccountID,
		IAMID: identity.IAMIDOf(e.serviceID), Name: "sdk", Hash: h}); err != nil {
		tb.Fatal(err)
	}
}

// addProfile creates "sdk-profile", linked to sdkComponent and trusting
// the service ID.
func (e *sdkEnv) addProfile(tb testing.TB) {
	tb.Helper()
	ctx := context.Background()
	id := identity.NewProfileID()
	e.profile = &store.Profile{ID: id, AccountID: e.boot.AccountID, IAMID: identity.IAMIDOf(id), Name: "sdk-profile"}
	if err := e.st.CreateProfile(ctx, e.profile); err != nil {
		tb.Fatal(err)
	}
	crn := "crn:v1:coffer:public:codeengine:us-south:a/" + e.boot.AccountID + ":" + sdkComponent.ProjectID + "::"
	if err := e.st.CreateProfileLink(ctx, &store.ProfileLink{ID: identity.NewProfileLinkID(), ProfileID: id,
		CRType: identity.CRTypeCE, CRN: crn, ComponentType: "application", ComponentName: "web"}); err != nil {
		tb.Fatal(err)
	}
	ids := []*store.ProfileIdentity{{Type: api.ProfileIdentityServiceID, Identifier: e.serviceID, IAMID: identity.IAMIDOf(e.serviceID)}}
	if _, err := e.st.ReplaceProfileIdentities(ctx, id, e.profile.IdentitiesRevision, ids); err != nil {
		tb.Fatal(err)
	}
}

// protectedStatus sends a request authenticated by auth to a Coffer API
// that needs the operator and returns the status: 200 for the operator,
// 403 for an accepted token of anyone else, 401 for a refused token.
func protectedStatus(tb testing.TB, base string, auth core.Authenticator) int {
	tb.Helper()
	req, _ := http.NewRequest("POST", base+"/coffer/v1/operator/rotate-root-key", nil)
	if err := auth.Authenticate(req); err != nil {
		tb.Fatalf("Authenticate: %v", err)
	}
	if !strings.HasPrefix(req.Header.Get("Authorization"), "Bearer ") {
		tb.Fatalf("the SDK set Authorization %q, want a bearer", req.Header.Get("Authorization"))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestGoSDKIamAuthenticator(t *testing.T) {
	e := newSDKEnv(t)
	auth := &core.IamAuthenticator{ApiKey: e.srv.APIKey, URL: e.srv.URL}
	tok, err := auth.GetToken()
	if err != nil || strings.Count(tok, ".") != 2 {
		t.Fatalf("GetToken = %q, %v, want a JWT", tok, err)
	}
	if auth.RefreshToken == "" {
		t.Error("the SDK kept no refresh token")
	}
	if st := protectedStatus(t, e.srv.URL, auth); st != 200 {
		t.Errorf("protected API with the SDK's bearer = %d, want 200", st)
	}
	// Refresh mode: the SDK exchanges the refresh token it was given.
	refresher := &core.IamAuthenticator{RefreshToken: auth.RefreshToken, URL: e.srv.URL}
	if tok2, err := refresher.GetToken(); err != nil || tok2 == "" {
		t.Errorf("GetToken in refresh mode = %q, %v", tok2, err)
	}
}

func TestGoSDKIamAuthenticatorError(t *testing.T) {
	e := newSDKEnv(t)
	auth := &core.IamAuthenticator{ApiKey: "wrong-key", URL: e.srv.URL}
	_, err := auth.GetToken()
	if err == nil || !strings.Contains(err.Error(), "Provided API key could not be found") {
		t.Errorf("GetToken with a wrong key = %v, want IBM's message", err)
	}
}

func TestGoSDKContainerAuthenticator(t *testing.T) {
	e := newSDKEnv(t)
	auth := &core.ContainerAuthenticator{CRTokenFilename: e.crTokenFile, IAMProfileName: "sdk-profile", URL: e.srv.URL}
	tok, err := auth.GetToken()
	if err != nil || tok == "" {
		t.Fatalf("GetToken = %q, %v", tok, err)
	}
	if st := protectedStatus(t, e.srv.URL, auth); st != 403 {
		t.Errorf("operator API with the profile's bearer = %d, want 403 (authenticated, not the operator)", st)
	}
	both := &core.ContainerAuthenticator{CRTokenFilename: e.crTokenFile, IAMProfileName: "sdk-profile",
		IAMProfileID: e.profile.ID, URL: e.srv.URL}
	if _, err := both.GetToken(); err != nil {
		t.Errorf("GetToken with profile name and id = %v", err)
	}
	wrong := &core.ContainerAuthenticator{CRTokenFilename: e.crTokenFile, IAMProfileName: "nobody", URL: e.srv.URL}
	if _, err := wrong.GetToken(); err == nil || !strings.Contains(err.Error(), "Selected trusted profile not eligible") {
		t.Errorf("GetToken for an unknown profile = %v, want BXNIM0398E's message", err)
	}
}

func TestGoSDKIamAssumeAuthenticator(t *testing.T) {
	e := newSDKEnv(t)
	auth, err := core.NewIamAssumeAuthenticatorBuilder().SetApiKey(e.serviceIDKey).SetIAMProfileID(e.profile.ID).
		SetURL(e.srv.URL).Build()
	if err != nil {
		t.Fatal(err)
	}
	tok, err := auth.GetToken()
	if err != nil || tok == "" {
		t.Fatalf("GetToken = %q, %v", tok, err)
	}
	if st := protectedStatus(t, e.srv.URL, auth); st != 403 {
		t.Errorf("operator API with the assumed profile's bearer = %d, want 403", st)
	}
	byName, err := core.NewIamAssumeAuthenticatorBuilder().SetApiKey(e.serviceIDKey).SetIAMProfileName("sdk-profile").
		SetIAMAccountID(e.boot.AccountID).SetURL(e.srv.URL).Build()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := byName.GetToken(); err != nil {
		t.Errorf("GetToken by profile name = %v", err)
	}
}

// bearerStatus calls the operator API with a bearer token and returns the status.
func bearerStatus(tb testing.TB, base, token string) int {
	tb.Helper()
	return protectedStatus(tb, base, &core.BearerTokenAuthenticator{BearerToken: token})
}
