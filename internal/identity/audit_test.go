package identity_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/internal/identity"
	"github.com/cofferhq/coffer/internal/servertest"
)

// Every token request, granted or refused, leaves an audit event that names
// the grant and never the credential.
func TestTokenRequestsAreAudited(t *testing.T) {
	srv := servertest.New(t)
	ctx := context.Background()
	if _, err := srv.Client.Token(ctx); err != nil {
		t.Fatalf("login: %v", err)
	}
	const wrong = "not-a-key-of-this-server-0123456789abcdef"
	form := url.Values{"grant_type": {"urn:ibm:params:oauth:grant-type:apikey"}, "apikey": {wrong}}
	resp, err := http.PostForm(srv.URL+"/identity/token", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Fatalf("a wrong key got %d, want 400", resp.StatusCode)
	}
	list, err := srv.Client.AuditEvents(ctx, client.AuditQuery{Action: identity.ActionTokenCreate})
	if err != nil {
		t.Fatal(err)
	}
	var ok, refused bool
	for _, e := range list.Events {
		if e.Details["grant_type"] != "urn:ibm:params:oauth:grant-type:apikey" {
			t.Errorf("event %d lacks the grant type: %+v", e.ID, e.Details)
		}
		if strings.Contains(e.Reason, wrong) || strings.Contains(e.Reason, srv.APIKey) {
			t.Errorf("event %d reveals a key: %q", e.ID, e.Reason)
		}
		switch e.Outcome {
		case "success":
			ok = ok || (e.Initiator.IAMID != "" && e.Initiator.APIKeyID != "" && e.AccountID != "")
		case "failure":
			refused = refused || (e.Initiator.Kind == "anonymous" && strings.Contains(e.Reason, "could not be found"))
		}
	}
	if !ok || !refused {
		t.Errorf("audit events of token requests: success recorded %t, refusal recorded %t; events %+v", ok, refused, list.Events)
	}
}
