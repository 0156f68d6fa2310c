package identity

import (
	"testing"
	"time"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/authz"
)

func refreshForm(rt string) map[string]string {
	return map[string]string{"grant_type": GrantRefreshToken, "refresh_token": rt}
}

func TestRefreshRotation(t *testing.T) {
	f := newFixture(t)
	first := f.apiKeyToken(t, f.boot.APIKey.Reveal())
	f.clock.Add(time.Minute)
	second, err := f.token(t, refreshForm(first.RefreshToken))
	if err != nil {
		t.Fatalf("refresh grant: %v", err)
	}
	if second.RefreshToken == "" || second.RefreshToken == first.RefreshToken {
		t.Fatalf("refresh grant gave refresh token %q, want a new one", second.RefreshToken)
	}
	if c := payload(t, second.AccessToken); c["iam_id"] != f.boot.AdminIAMID || c["apikey_id"] != f.boot.APIKeyID {
		t.Errorf("refreshed claims = %v", c)
	}
	// Replaying the first token fails and revokes the family: the second
	// refresh token dies with it.
	_, err = f.token(t, refreshForm(first.RefreshToken))
	wantTokenError(t, "replayed refresh token", err, CodeRefreshTokenInvalid)
	_, err = f.token(t, refreshForm(second.RefreshToken))
	wantTokenError(t, "refresh token of a revoked family", err, CodeRefreshTokenInvalid)
}

func TestRefreshRefusals(t *testing.T) {
	f := newFixture(t)
	_, k, value := f.addServiceIDKey(t, "refresher")
	deleted := f.apiKeyToken(t, value)
	if err := f.st.DeleteAPIKey(f.ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	_, err := f.token(t, refreshForm(deleted.RefreshToken))
	wantTokenError(t, "refresh token of a deleted key", err, CodeRefreshTokenInvalid)

	_, k2, value2 := f.addServiceIDKey(t, "to disable")
	disabled := f.apiKeyToken(t, value2)
	k2.Disabled = true
	if err := f.st.UpdateAPIKey(f.ctx, k2); err != nil {
		t.Fatal(err)
	}
	_, err = f.token(t, refreshForm(disabled.RefreshToken))
	wantTokenError(t, "refresh token of a disabled key", err, CodeRefreshTokenInvalid)

	old := f.apiKeyToken(t, f.boot.APIKey.Reveal())
	f.clock.Add(RefreshTokenLifetime + time.Second)
	_, err = f.token(t, refreshForm(old.RefreshToken))
	wantTokenError(t, "expired refresh token", err, CodeRefreshTokenInvalid)

	_, err = f.token(t, refreshForm("never-issued"))
	wantTokenError(t, "unknown refresh token", err, CodeRefreshTokenInvalid)
}

func TestDeletedKeyEndsAccessTokens(t *testing.T) {
	f := newFixture(t)
	sid, k, value := f.addServiceIDKey(t, "short-lived")
	resp := f.apiKeyToken(t, value)
	cred := authz.Credential{Bearer: api.Sensitive(resp.AccessToken)}
	if _, err := f.svc.Authenticate(f.ctx, cred); err != nil {
		t.Fatalf("Authenticate before delete = %v", err)
	}
	if err := f.st.DeleteAPIKey(f.ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	// Cached for up to 30 s on other nodes; invalidateSubject makes it
	// immediate on this one.
	f.svc.invalidateSubject(sid.IAMID)
	if _, err := f.svc.Authenticate(f.ctx, cred); err == nil {
		t.Error("Authenticate after the key was deleted = nil, want an error")
	}
}
