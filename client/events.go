package client

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"

	"github.com/cofferhq/coffer/api"
)

// This file holds Coffer's own API for the event destinations of a Secrets
// Manager instance (api.EventDestinationsPath): the webhooks and NATS
// subjects its event notifications go to while the instance has a
// notifications registration.

// destinationsPath is the instance's event destinations path; "default"
// names the caller's default instance.
func (s *SecretsClient) destinationsPath(id string) string {
	guid := strings.TrimPrefix(s.prefix, "/instances/")
	if guid == "" {
		guid = "default"
	}
	p := strings.Replace(api.EventDestinationsPath, "{guid}", guid, 1)
	if id != "" {
		p += "/" + url.PathEscape(id)
	}
	return p
}

// doCoffer is do for a Coffer path outside the instance's /api/v2.
func (s *SecretsClient) doCoffer(ctx context.Context, method, path string, in, out any) error {
	var raw json.RawMessage
	if err := s.c.doOpts(ctx, method, path, in, &raw, reqOpts{}); err != nil {
		return err
	}
	if s.raw != nil {
		*s.raw = append((*s.raw)[:0], raw...)
	}
	if out == nil || len(raw) == 0 {
		return nil
	}
	return json.Unmarshal(raw, out)
}

// CreateEventDestination adds a webhook or NATS destination to the
// instance (or replaces the one with the same id). For a webhook the answer
// carries the signing secret, shown this once.
func (s *SecretsClient) CreateEventDestination(ctx context.Context, req api.EventDestinationPrototype) (*api.EventDestination, error) {
	var d api.EventDestination
	return &d, s.doCoffer(ctx, "POST", s.destinationsPath(""), req, &d)
}

// EventDestinations lists the instance's event destinations.
func (s *SecretsClient) EventDestinations(ctx context.Context) (*api.EventDestinationList, error) {
	var l api.EventDestinationList
	return &l, s.doCoffer(ctx, "GET", s.destinationsPath(""), nil, &l)
}

// DeleteEventDestination removes a destination (api.ErrNotFound when the
// instance has none with that id).
func (s *SecretsClient) DeleteEventDestination(ctx context.Context, id string) error {
	return s.doCoffer(ctx, "DELETE", s.destinationsPath(id), nil, nil)
}
