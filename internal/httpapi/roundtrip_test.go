package httpapi

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/client"
)

// Every error kind a service returns reaches a client user as the same
// kind, with the same message: the HTTP layer's table and the client's
// decoding agree.
func TestErrorKindsRoundTripThroughTheClient(t *testing.T) {
	op := &fakeOperator{}
	sealed := false
	ts := httptest.NewServer(newTestServer(t, op, &sealed))
	defer ts.Close()
	c := client.New(client.Config{URL: ts.URL})
	for _, k := range api.Kinds {
		op.err = api.Errorf(k, "the %s case", k.Code)
		_, err := c.Unseal(context.Background(), "share")
		if !errors.Is(err, k) {
			t.Errorf("kind %s came back as %v (%v)", k.Code, api.KindOf(err).Code, err)
			continue
		}
		want := "the " + k.Code + " case"
		if k == api.ErrInternal {
			continue // the message is replaced by "internal error (request id …)"
		}
		if got := api.Message(err); got != want {
			t.Errorf("kind %s: message %q, want %q", k.Code, got, want)
		}
	}
}
