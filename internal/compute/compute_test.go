package compute_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/internal/servertest"
)

// wantKind fails unless err wraps kind.
func wantKind(tb testing.TB, what string, err error, kind *api.Kind) {
	tb.Helper()
	if !errors.Is(err, kind) {
		tb.Errorf("%s = %v, want an error of kind %s", what, err, kind.Code)
	}
}

func mustProject(tb testing.TB, c *client.Client, name string) *api.ComputeProject {
	tb.Helper()
	p, err := c.CreateComputeProject(context.Background(), api.CreateComputeProjectRequest{Name: name})
	if err != nil {
		tb.Fatalf("CreateComputeProject(%q): %v", name, err)
	}
	return p
}

func mustApp(tb testing.TB, c *client.Client, project string, req api.CreateComputeComponentRequest) *api.ComputeComponent {
	tb.Helper()
	a, err := c.CreateComputeComponent(context.Background(), project, api.ComponentApplication, req)
	if err != nil {
		tb.Fatalf("CreateComputeComponent(%q): %v", req.Name, err)
	}
	return a
}

func TestProjectCRUD(t *testing.T) {
	srv := servertest.New(t)
	c, ctx := srv.Client, context.Background()
	p := mustProject(t, c, "shop")
	acct := srv.Bootstrap().AccountID
	wantCRN := "crn:v1:coffer:public:codeengine:us-south:a/" + acct + ":" + p.ID + "::"
	if p.CRN != wantCRN || p.Region != "us-south" || p.AccountID != acct {
		t.Errorf("CreateComputeProject = %+v, want CRN %s in us-south", p, wantCRN)
	}
	for _, ref := range []string{"shop", p.ID} {
		got, err := c.ComputeProject(ctx, ref)
		if err != nil || cmp.Diff(p, got) != "" {
			t.Errorf("ComputeProject(%q) = %+v, %v; want %+v", ref, got, err, p)
		}
	}
	_, err := c.CreateComputeProject(ctx, api.CreateComputeProjectRequest{Name: "shop"})
	wantKind(t, "create a second project named shop", err, api.ErrAlreadyExists)
	_, err = c.CreateComputeProject(ctx, api.CreateComputeProjectRequest{Name: "has space"})
	wantKind(t, "create a project with a bad name", err, api.ErrInvalid)
	eu, err := c.CreateComputeProject(ctx, api.CreateComputeProjectRequest{Name: "eu", Region: "eu-de"})
	if err != nil || !strings.Contains(eu.CRN, ":codeengine:eu-de:") {
		t.Errorf("project in eu-de = %+v, %v", eu, err)
	}
	all, err := c.AllComputeProjects(ctx)
	if err != nil || len(all) != 2 {
		t.Errorf("AllComputeProjects = %d projects, %v; want 2", len(all), err)
	}
	if err := c.DeleteComputeProject(ctx, "shop"); err != nil {
		t.Fatalf("DeleteComputeProject: %v", err)
	}
	_, err = c.ComputeProject(ctx, p.ID)
	wantKind(t, "get a deleted project", err, api.ErrNotFound)
	wantKind(t, "delete it again", c.DeleteComputeProject(ctx, "shop"), api.ErrNotFound)
}

func TestComponentCRUD(t *testing.T) {
	srv := servertest.New(t)
	c, ctx := srv.Client, context.Background()
	p := mustProject(t, c, "shop")
	app := mustApp(t, c, "shop", api.CreateComputeComponentRequest{Name: "web", Command: []string{"/bin/web"},
		Arguments: []string{"-v"}, Env: map[string]string{"LOG": "debug"}})
	if want := strings.TrimSuffix(p.CRN, "::") + ":application:web"; app.CRN != want {
		t.Errorf("app CRN = %s, want %s", app.CRN, want)
	}
	if app.TrustedProfilesEnabled || app.ProjectName != "shop" || app.Revision != 1 {
		t.Errorf("created app = %+v", app)
	}
	job, err := c.CreateComputeComponent(ctx, p.ID, api.ComponentJob, api.CreateComputeComponentRequest{Name: "web",
		TrustedProfile: "batch"})
	if err != nil || !job.TrustedProfilesEnabled || !strings.HasSuffix(job.CRN, ":job:web") {
		t.Errorf("job named like the app = %+v, %v; want enabled by its trusted_profile", job, err)
	}
	_, err = c.CreateComputeComponent(ctx, "shop", api.ComponentApplication, api.CreateComputeComponentRequest{Name: "web"})
	wantKind(t, "second app named web", err, api.ErrAlreadyExists)
	bad := []api.CreateComputeComponentRequest{
		{Name: "Web"}, {Name: "-x"}, {Name: "a:b"},
		{Name: "ok", Env: map[string]string{"COFFER_APIKEY": "x"}},
		{Name: "ok", Env: map[string]string{"SECRETS_MANAGER_APIKEY": "x"}},
		{Name: "ok", Env: map[string]string{"1X": "x"}},
	}
	for _, req := range bad {
		_, err := c.CreateComputeComponent(ctx, "shop", api.ComponentApplication, req)
		wantKind(t, "create "+req.Name+" with "+strings.Join(keys(req.Env), ","), err, api.ErrInvalid)
	}
	profile := "my-profile"
	upd, err := c.UpdateComputeComponent(ctx, "shop", api.ComponentApplication, "web",
		api.UpdateComputeComponentRequest{TrustedProfile: &profile, Env: &map[string]string{"A": "1"}})
	if err != nil || !upd.TrustedProfilesEnabled || upd.TrustedProfile != profile || upd.Revision != 2 ||
		!cmp.Equal(upd.Env, map[string]string{"A": "1"}) || !cmp.Equal(upd.Command, []string{"/bin/web"}) {
		t.Errorf("update with trusted_profile = %+v, %v", upd, err)
	}
	off := false
	if upd, err = c.UpdateComputeComponent(ctx, "shop", api.ComponentApplication, "web",
		api.UpdateComputeComponentRequest{TrustedProfilesEnabled: &off}); err != nil || upd.TrustedProfilesEnabled {
		t.Errorf("disable trusted profiles = %+v, %v", upd, err)
	}
	got, err := c.ComputeComponent(ctx, p.ID, api.ComponentApplication, "web")
	if err != nil || cmp.Diff(upd, got) != "" {
		t.Errorf("ComputeComponent (-want +got):\n%s %v", cmp.Diff(upd, got), err)
	}
	apps, err := c.AllComputeComponents(ctx, "shop", api.ComponentApplication)
	if err != nil || len(apps) != 1 || apps[0].Name != "web" {
		t.Errorf("AllComputeComponents(apps) = %+v, %v", apps, err)
	}
	if err := c.DeleteComputeComponent(ctx, "shop", api.ComponentApplication, "web"); err != nil {
		t.Fatal(err)
	}
	_, err = c.ComputeComponent(ctx, "shop", api.ComponentApplication, "web")
	wantKind(t, "get a deleted app", err, api.ErrNotFound)
	if _, err := c.ComputeComponent(ctx, "shop", api.ComponentJob, "web"); err != nil {
		t.Errorf("the job survives the app's deletion: %v", err)
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// jwtClaims decodes a JWT's payload without verifying it.
func jwtClaims(tb testing.TB, tok string) map[string]any {
	tb.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		tb.Fatalf("token has %d parts, want 3", len(parts))
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		tb.Fatal(err)
	}
	m := map[string]any{}
	if err := json.Unmarshal(raw, &m); err != nil {
		tb.Fatal(err)
	}
	return m
}

func TestMintToken(t *testing.T) {
	srv := servertest.New(t)
	c, ctx := srv.Client, context.Background()
	p := mustProject(t, c, "shop")
	app := mustApp(t, c, "shop", api.CreateComputeComponentRequest{Name: "web", TrustedProfilesEnabled: true})
	mustApp(t, c, "shop", api.CreateComputeComponentRequest{Name: "off"})
	start := time.Now()
	tok, err := c.MintCRToken(ctx, "shop", api.ComponentApplication, "web", api.MintCRTokenRequest{})
	if err != nil {
		t.Fatalf("MintCRToken: %v", err)
	}
	if tok.ExpiresIn != 900 || tok.CRN != app.CRN || tok.Expiration < start.Add(899*time.Second).Unix() {
		t.Errorf("MintCRToken = %+v, want 900 s for %s", tok, app.CRN)
	}
	claims := jwtClaims(t, tok.Token.Reveal())
	acct := srv.Bootstrap().AccountID
	want := map[string]any{"sub": app.CRN, "aud": "iam", "account_id": acct, "project_id": p.ID,
		"project_name": "shop", "component_type": "application", "component_name": "web", "region": "us-south",
		"iss": srv.URL + "/coffer/v1/compute/accounts/" + acct}
	for k, v := range want {
		if claims[k] != v {
			t.Errorf("claim %s = %v, want %v", k, claims[k], v)
		}
	}
	short, err := c.MintCRToken(ctx, "shop", api.ComponentApplication, "web", api.MintCRTokenRequest{TTLSeconds: 60})
	if err != nil || short.ExpiresIn != 60 {
		t.Errorf("MintCRToken(60 s) = %+v, %v", short, err)
	}
	_, err = c.MintCRToken(ctx, "shop", api.ComponentApplication, "web", api.MintCRTokenRequest{TTLSeconds: 7200})
	wantKind(t, "a two-hour token", err, api.ErrInvalid)
	_, err = c.MintCRToken(ctx, "shop", api.ComponentApplication, "off", api.MintCRTokenRequest{})
	var ae *api.Error
	if !errors.As(err, &ae) || ae.Kind != api.ErrInvalid || !strings.Contains(ae.Message, "trusted profiles are not enabled") {
		t.Errorf("token of an app without trusted profiles = %v, want a 400 saying so", err)
	}
	_, err = c.MintCRToken(ctx, "shop", api.ComponentJob, "web", api.MintCRTokenRequest{})
	wantKind(t, "token of a job that does not exist", err, api.ErrNotFound)
}

// TestOtherAccount checks that another account's administrator can neither
// see nor run the app, nor mint its token.
func TestOtherAccount(t *testing.T) {
	srv := servertest.New(t)
	c, ctx := srv.Client, context.Background()
	p := mustProject(t, c, "shop")
	mustApp(t, c, "shop", api.CreateComputeComponentRequest{Name: "web", TrustedProfilesEnabled: true})
	other, err := c.CreateAccount(ctx, api.CreateAccountRequest{Name: "other", AdminName: "bob"})
	if err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}
	oc := client.New(client.Config{URL: srv.URL, APIKey: other.APIKey.APIKey.Sensitive()})
	for _, ref := range []string{"shop", p.ID} {
		_, err := oc.MintCRToken(ctx, ref, api.ComponentApplication, "web", api.MintCRTokenRequest{})
		wantKind(t, "another account's token for project "+ref, err, api.ErrNotFound)
		_, err = oc.ComputeComponent(ctx, ref, api.ComponentApplication, "web")
		wantKind(t, "another account's get of project "+ref, err, api.ErrNotFound)
		wantKind(t, "another account's delete of project "+ref, oc.DeleteComputeProject(ctx, ref), api.ErrNotFound)
	}
	if l, err := oc.AllComputeProjects(ctx); err != nil || len(l) != 0 {
		t.Errorf("the other account's projects = %+v, %v; want none", l, err)
	}
	// Its own project of the same name is its own.
	if _, err := oc.CreateComputeProject(ctx, api.CreateComputeProjectRequest{Name: "shop"}); err != nil {
		t.Errorf("another account's project named shop: %v", err)
	}
	anon := client.New(client.Config{URL: srv.URL})
	_, err = anon.MintCRToken(ctx, "shop", api.ComponentApplication, "web", api.MintCRTokenRequest{})
	wantKind(t, "token without credentials", err, api.ErrUnauthenticated)
}

// TestTokenExchange exchanges a minted token at /identity/token for the
// access token of a profile linked to the app.
func TestTokenExchange(t *testing.T) {
	srv := servertest.New(t)
	c, ctx := srv.Client, context.Background()
	p := mustProject(t, c, "shop")
	mustApp(t, c, "shop", api.CreateComputeComponentRequest{Name: "web", TrustedProfile: "web-profile"})
	mustApp(t, c, "shop", api.CreateComputeComponentRequest{Name: "other", TrustedProfilesEnabled: true})
	acct := srv.Bootstrap().AccountID
	prof, err := c.CreateProfile(ctx, api.CreateProfileRequest{Name: "web-profile", AccountID: acct})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateProfileLink(ctx, prof.ID, api.CreateProfileLinkRequest{CRType: "CE",
		Link: api.ProfileLinkLink{CRN: p.CRN, ComponentType: "application", ComponentName: "web"}}); err != nil {
		t.Fatal(err)
	}
	exchange := func(name string) (*api.TokenResponse, error) {
		tok, err := c.MintCRToken(ctx, "shop", api.ComponentApplication, name, api.MintCRTokenRequest{})
		if err != nil {
			t.Fatal(err)
		}
		return client.New(client.Config{URL: srv.URL}).RequestToken(ctx, url.Values{"grant_type": {api.GrantCRToken},
			"cr_token": {tok.Token.Reveal()}, "profile_name": {"web-profile"}})
	}
	res, err := exchange("web")
	if err != nil {
		t.Fatalf("cr-token grant for the linked app: %v", err)
	}
	if got := jwtClaims(t, res.AccessToken.Reveal())["iam_id"]; got != prof.IAMID {
		t.Errorf("access token iam_id = %v, want %s", got, prof.IAMID)
	}
	_, err = exchange("other")
	if err == nil || !strings.Contains(err.Error(), "not eligible") {
		t.Errorf("cr-token grant for an app without a link = %v, want BXNIM0398E", err)
	}
}
