package secrettype

import (
	"context"
	"fmt"
	"unicode/utf8"

	"github.com/cofferhq/coffer/api"
)

// Arbitrary is the arbitrary secret type: a string payload.
type Arbitrary struct{}

// Name returns "arbitrary".
func (Arbitrary) Name() string { return api.SecretTypeArbitrary }

// Create requires a non-empty UTF-8 payload within the size limit; the
// expiration_date, when given, is the version's.
func (a Arbitrary) Create(_ context.Context, p *api.SecretPrototype, env Env) (*Version, error) {
	if err := ValidateCommon(p, env); err != nil {
		return nil, err
	}
	v, err := a.version(p.Payload, env)
	if err != nil {
		return nil, err
	}
	v.ExpirationDate = p.ExpirationDate.Time
	return v, nil
}

// NewVersion requires a payload as Create does; the new version keeps the
// secret's expiration_date.
func (a Arbitrary) NewVersion(_ context.Context, p *api.SecretVersionPrototype, cur Current, env Env) (*Version, error) {
	if err := validateVersionCommon(p); err != nil {
		return nil, err
	}
	v, err := a.version(p.Payload, env)
	if err != nil {
		return nil, err
	}
	if cur.Metadata != nil {
		v.ExpirationDate = cur.Metadata.ExpirationDate.Time
	}
	return v, nil
}

func (Arbitrary) version(payload api.SecretString, env Env) (*Version, error) {
	s := payload.Reveal()
	if s == "" {
		return nil, invalid("payload is required and must not be empty")
	}
	if !utf8.ValidString(s) {
		return nil, invalid("payload must be valid UTF-8")
	}
	if err := ValidatePayloadSize(len(s), env); err != nil {
		return nil, err
	}
	return &Version{Payload: append([]byte{payloadFormat}, s...)}, nil
}

// Render sets Payload.
func (Arbitrary) Render(payload []byte, into *api.SecretData) error {
	if len(payload) == 0 || payload[0] != payloadFormat {
		return fmt.Errorf("malformed stored arbitrary payload: %w", api.ErrInternal)
	}
	into.Payload = api.SecretString(payload[1:])
	return nil
}
