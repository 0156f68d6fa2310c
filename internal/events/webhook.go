package events

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cofferhq/coffer/api"
)

// secretPrefix starts a Standard Webhooks signing secret.
const secretPrefix = "whsec_"

// NewWebhookSecret returns a fresh signing secret: "whsec_" and the base64
// of 32 random bytes.
func NewWebhookSecret() api.Sensitive {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return api.Sensitive(secretPrefix + base64.StdEncoding.EncodeToString(b))
}

// webhookKey returns the HMAC key of a "whsec_<base64>" secret (the prefix
// is optional, as in the reference libraries). Errors wrap api.ErrInvalid.
func webhookKey(secret api.Sensitive) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret.Reveal(), secretPrefix))
	if err != nil || len(key) < 16 {
		return nil, api.Errorf(api.ErrInvalid, "webhook secret must be \"whsec_\" and the base64 of at least 16 bytes")
	}
	return key, nil
}

// Sign returns the webhook-signature header value for a message:
// "v1," and the base64 HMAC-SHA256 of "id.timestamp.body" under the
// secret's key. Errors wrap api.ErrInvalid (a malformed secret).
func Sign(secret api.Sensitive, id string, timestamp int64, body []byte) (string, error) {
	key, err := webhookKey(secret)
	if err != nil {
		return "", err
	}
	return "v1," + base64.StdEncoding.EncodeToString(signature(key, id, timestamp, body)), nil
}

func signature(key []byte, id string, timestamp int64, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	fmt.Fprintf(m, "%s.%d.", id, timestamp)
	m.Write(body)
	return m.Sum(nil)
}

// VerifyTolerance is how far a webhook's timestamp may be from now.
const VerifyTolerance = 5 * time.Minute

// Verify checks a received webhook as a receiver should: the timestamp is
// within VerifyTolerance of now and one of the space-separated "v1,<sig>"
// entries of the signature header matches (compared in constant time).
// Errors wrap api.ErrUnauthenticated.
func Verify(secret api.Sensitive, h http.Header, body []byte, now time.Time) error {
	key, err := webhookKey(secret)
	if err != nil {
		return err
	}
	id, ts, sigs := h.Get("webhook-id"), h.Get("webhook-timestamp"), h.Get("webhook-signature")
	t, err := strconv.ParseInt(ts, 10, 64)
	if id == "" || err != nil || sigs == "" {
		return api.Errorf(api.ErrUnauthenticated, "webhook: missing or malformed webhook-id, -timestamp or -signature")
	}
	if d := now.Sub(time.Unix(t, 0)); d > VerifyTolerance || d < -VerifyTolerance {
		return api.Errorf(api.ErrUnauthenticated, "webhook: timestamp too far from now")
	}
	want := signature(key, id, t, body)
	for _, s := range strings.Fields(sigs) {
		version, sig, ok := strings.Cut(s, ",")
		got, err := base64.StdEncoding.DecodeString(sig)
		if ok && version == "v1" && err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return api.Errorf(api.ErrUnauthenticated, "webhook: no matching signature")
}

// postWebhook sends one signed delivery. Any 2xx is success.
func (b *Bus) postWebhook(ctx context.Context, w *Webhook, id string, body []byte) error {
	ts := b.now().Unix()
	sig, err := Sign(w.Secret, id, ts, body)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, b.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return api.Errorf(api.ErrInvalid, "webhook URL does not parse")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Coffer-Webhooks/1")
	req.Header.Set("webhook-id", id)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("webhook-signature", sig)
	resp, err := b.http.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) { // its message repeats the URL, which may hold a token
			err = ue.Err
		}
		return fmt.Errorf("webhook: %v: %w", err, api.ErrUnavailable)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("webhook: HTTP %d: %w", resp.StatusCode, api.ErrUnavailable)
	}
	return nil
}

func validWebhookURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return api.Errorf(api.ErrInvalid, "webhook URL must be an absolute http or https URL")
	}
	return nil
}
