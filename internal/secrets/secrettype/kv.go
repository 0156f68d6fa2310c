package secrettype

import (
	"bytes"
	"context"
	"encoding/json"
	"strconv"

	"github.com/cofferhq/coffer/api"
)

// KV is the kv secret type: a JSON object (nesting allowed), stored in a
// canonical form (object keys sorted, insignificant space removed, numbers
// kept exactly as given).
type KV struct{}

// Name returns "kv".
func (KV) Name() string { return api.SecretTypeKV }

// Create requires data to be a JSON object within the size limit.
func (KV) Create(_ context.Context, p *api.SecretPrototype, env Env) (*Version, error) {
	if err := ValidateCommon(p, env); err != nil {
		return nil, err
	}
	return kvVersion(p.Data, env)
}

// NewVersion requires data as Create does.
func (KV) NewVersion(_ context.Context, p *api.SecretVersionPrototype, _ Current, env Env) (*Version, error) {
	if err := validateVersionCommon(p); err != nil {
		return nil, err
	}
	return kvVersion(p.Data, env)
}

func kvVersion(data api.SecretJSON, env Env) (*Version, error) {
	canon, err := CanonicalKV(data.Reveal(), env)
	if err != nil {
		return nil, err
	}
	b := make([]byte, 0, len(canon)+10)
	b = append(b, payloadFormat)
	b = append(b, `{"data":`...)
	b = append(b, canon...)
	return &Version{Payload: append(b, '}')}, nil
}

// CanonicalKV checks that data is a JSON object of at most env's payload
// limit and returns its canonical form. Anything else (an array, a string, a
// number, null, invalid JSON, trailing data) is an error wrapping
// api.ErrInvalid.
func CanonicalKV(data []byte, env Env) ([]byte, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, invalid("data is required and must be a JSON object")
	}
	if err := ValidatePayloadSize(len(data), env); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil || obj == nil {
		return nil, invalid("data must be a JSON object")
	}
	if len(bytes.TrimSpace(data[dec.InputOffset():])) != 0 {
		return nil, invalid("data must be a single JSON object")
	}
	if n, ok := hugeNumber(obj); ok {
		return nil, invalid("data holds the number %.40s, too large for a 64-bit float: clients could not read it back", n)
	}
	out, err := json.Marshal(obj)
	if err != nil {
		return nil, invalid("data must be a JSON object")
	}
	return out, nil
}

// hugeNumber returns a number in v (decoded with UseNumber) beyond the range
// of a 64-bit float, such as 1e999: valid JSON, but clients decoding data
// into their language's numbers (IBM's SDKs among them) fail on it, so the
// secret could never be read back. Numbers within range are kept exactly as
// given, however many digits they have.
func hugeNumber(v any) (json.Number, bool) {
	switch v := v.(type) {
	case json.Number:
		if _, err := strconv.ParseFloat(string(v), 64); err != nil {
			return v, true
		}
	case map[string]any:
		for _, e := range v {
			if n, ok := hugeNumber(e); ok {
				return n, true
			}
		}
	case []any:
		for _, e := range v {
			if n, ok := hugeNumber(e); ok {
				return n, true
			}
		}
	}
	return "", false
}

// Render sets Data.
func (KV) Render(payload []byte, into *api.SecretData) error {
	var p struct {
		Data json.RawMessage `json:"data"`
	}
	if err := decodeJSONPayload(payload, &p); err != nil {
		return err
	}
	into.Data = api.SecretJSON(p.Data)
	return nil
}
