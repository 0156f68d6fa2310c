package events

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/envelope"
	"github.com/cofferhq/coffer/internal/store"
)

// Destination is one place an instance's events go: exactly one of Webhook
// and NATS is set.
type Destination struct {
	// ID names the destination within the instance; "" derives a stable one
	// from the kind and address, so setting the same list again keeps the
	// ids (and the pending deliveries).
	ID      string
	Webhook *Webhook
	NATS    *NATS
}

// Webhook is an HTTP endpoint that receives signed POSTs.
type Webhook struct {
	URL string // http or https
	// Secret is the Standard Webhooks signing secret, "whsec_" + base64
	// (NewWebhookSecret makes one). Stored sealed.
	Secret api.Sensitive
}

// NATS is a NATS server and the subject events are published on.
type NATS struct {
	URL     string // nats://host:port (credentials in the URL are kept as given)
	Subject string
}

// Kinds of destination, as stored.
const (
	kindWebhook = "webhook"
	kindNATS    = "nats"
)

// destConfig is the stored config of a destination, format version 1.
type destConfig struct {
	V            int    `json:"v"`
	URL          string `json:"url"`
	Subject      string `json:"subject,omitempty"`
	SecretSealed []byte `json:"secret_sealed,omitempty"`
}

var (
	destIDRe  = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)
	subjectRe = regexp.MustCompile(`^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$`)
)

func (d *Destination) kind() string {
	if d.Webhook != nil {
		return kindWebhook
	}
	return kindNATS
}

// check validates d and fills in its ID.
func (d *Destination) check() error {
	switch {
	case (d.Webhook == nil) == (d.NATS == nil):
		return api.Errorf(api.ErrInvalid, "a destination is either a webhook or a NATS subject")
	case d.Webhook != nil:
		if err := validWebhookURL(d.Webhook.URL); err != nil {
			return err
		}
		if _, err := webhookKey(d.Webhook.Secret); err != nil {
			return err
		}
	default:
		if u, err := url.Parse(d.NATS.URL); err != nil || u.Host == "" {
			return api.Errorf(api.ErrInvalid, "NATS URL must be nats://host:port")
		}
		if !subjectRe.MatchString(d.NATS.Subject) {
			return api.Errorf(api.ErrInvalid, "NATS subject %q must be dot-separated tokens without wildcards", d.NATS.Subject)
		}
	}
	if d.ID == "" {
		addr := ""
		if d.Webhook != nil {
			addr = d.Webhook.URL
		} else {
			addr = d.NATS.URL + "\x00" + d.NATS.Subject
		}
		sum := sha256.Sum256([]byte(d.kind() + "\x00" + addr))
		d.ID = d.kind() + "-" + hex.EncodeToString(sum[:8])
	}
	if !destIDRe.MatchString(d.ID) {
		return api.Errorf(api.ErrInvalid, "destination id %q must be 1 to 64 of A-Z a-z 0-9 _ . -", d.ID)
	}
	return nil
}

func sealBinding(instance, id string) envelope.Binding {
	return envelope.Binding{Instance: instance, Secret: "coffer:event-destination", Version: id}
}

// SetDestinations replaces the instance's destinations with ds, in one
// transaction: destinations no longer listed are removed with their pending
// deliveries. Errors: api.ErrInvalid (a malformed destination, duplicate
// ids), api.ErrFailedPrecondition (no such instance), api.ErrSealed.
func (b *Bus) SetDestinations(ctx context.Context, instance string, ds []Destination) error {
	ds = slices.Clone(ds)
	rows := make([]*store.EventDestination, len(ds))
	seen := map[string]bool{}
	for i := range ds {
		if err := ds[i].check(); err != nil {
			return err
		}
		if seen[ds[i].ID] {
			return api.Errorf(api.ErrInvalid, "destination %s is listed twice", ds[i].ID)
		}
		seen[ds[i].ID] = true
		row, err := b.seal(ctx, instance, &ds[i])
		if err != nil {
			return err
		}
		rows[i] = row
	}
	return b.cfg.Store.Update(ctx, func(tx *store.Tx) error {
		old, err := tx.EventDestinations(ctx, instance)
		if err != nil {
			return err
		}
		for _, o := range old {
			if !seen[o.ID] {
				if err := tx.DeleteEventDestination(ctx, instance, o.ID); err != nil {
					return err
				}
			}
		}
		for _, r := range rows {
			if err := tx.PutEventDestination(ctx, r); err != nil {
				return err
			}
		}
		return nil
	})
}

func (b *Bus) seal(ctx context.Context, instance string, d *Destination) (*store.EventDestination, error) {
	c := destConfig{V: 1}
	if d.Webhook != nil {
		sealed, err := b.cfg.Keys.Encrypt(ctx, sealBinding(instance, d.ID), []byte(d.Webhook.Secret.Reveal()))
		if err != nil {
			return nil, fmt.Errorf("seal the secret of destination %s: %w", d.ID, err)
		}
		c.URL, c.SecretSealed = d.Webhook.URL, sealed
	} else {
		c.URL, c.Subject = d.NATS.URL, d.NATS.Subject
	}
	raw, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	return &store.EventDestination{InstanceGUID: instance, ID: d.ID, Kind: d.kind(), Config: raw}, nil
}

// Destinations returns the instance's destinations, oldest first, webhook
// secrets unsealed (they print as REDACTED; never echo them). Errors:
// api.ErrSealed, or an error about a corrupt row.
func (b *Bus) Destinations(ctx context.Context, instance string) ([]Destination, error) {
	rows, err := b.cfg.Store.EventDestinations(ctx, instance)
	if err != nil {
		return nil, err
	}
	out := make([]Destination, 0, len(rows))
	for _, r := range rows {
		d, err := b.open(ctx, r)
		if err != nil {
			return nil, err
		}
		out = append(out, *d)
	}
	return out, nil
}

// open decodes a stored destination and unseals its secret.
func (b *Bus) open(ctx context.Context, r *store.EventDestination) (*Destination, error) {
	var c destConfig
	if err := json.Unmarshal(r.Config, &c); err != nil || c.V != 1 {
		return nil, fmt.Errorf("event destination %s: config is not format version 1", r.ID)
	}
	switch r.Kind {
	case kindWebhook:
		secret, err := b.cfg.Keys.Decrypt(ctx, sealBinding(r.InstanceGUID, r.ID), c.SecretSealed)
		if err != nil {
			return nil, fmt.Errorf("unseal the secret of destination %s: %w", r.ID, err)
		}
		return &Destination{ID: r.ID, Webhook: &Webhook{URL: c.URL, Secret: api.Sensitive(secret)}}, nil
	case kindNATS:
		return &Destination{ID: r.ID, NATS: &NATS{URL: c.URL, Subject: c.Subject}}, nil
	}
	return nil, fmt.Errorf("event destination %s: unknown kind %q", r.ID, r.Kind)
}

// PutDestination adds d to the instance's destinations, or replaces the
// destination with the same id, and returns it with its ID filled in.
// Errors: api.ErrInvalid (a malformed destination),
// api.ErrFailedPrecondition (no such instance), api.ErrSealed.
func (b *Bus) PutDestination(ctx context.Context, instance string, d Destination) (Destination, error) {
	if err := d.check(); err != nil {
		return Destination{}, err
	}
	row, err := b.seal(ctx, instance, &d)
	if err != nil {
		return Destination{}, err
	}
	return d, b.cfg.Store.PutEventDestination(ctx, row)
}

// DeleteDestination removes one destination of the instance with its
// pending deliveries. Errors: api.ErrNotFound.
func (b *Bus) DeleteDestination(ctx context.Context, instance, id string) error {
	err := b.cfg.Store.DeleteEventDestination(ctx, instance, id)
	if errors.Is(err, store.ErrNotFound) {
		return api.Errorf(api.ErrNotFound, "event destination %s not found", id)
	}
	return err
}
