package secrets

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"

	"github.com/cofferhq/coffer/api"
)

// decodeStrict decodes a JSON object body of a representation without a
// field table in package api (named what): keys outside allowed are refused
// by name, required ones must be present and not null. It returns the keys
// set to null.
func decodeStrict(body []byte, what string, allowed, required []string, v any) ([]string, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil || obj == nil {
		return nil, api.Errorf(api.ErrInvalid, "the request body must be a JSON object")
	}
	var nulls []string
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range obj {
			if !yield(k) {
				return
			}
		}
	}) {
		if !slices.Contains(allowed, k) {
			return nil, api.Errorf(api.ErrInvalid, "field %q is not allowed in a %s", k, what)
		}
		if string(bytes.TrimSpace(obj[k])) == "null" {
			nulls = append(nulls, k)
		}
	}
	for _, k := range required {
		if raw, ok := obj[k]; !ok || string(bytes.TrimSpace(raw)) == "null" {
			return nil, api.Errorf(api.ErrInvalid, "field %q is required in a %s", k, what)
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, api.Errorf(api.ErrInvalid, "field %q of a %s has the wrong JSON type", te.Field, what)
		}
		return nil, api.Errorf(api.ErrInvalid, "the request body is not a valid %s", what)
	}
	return nulls, nil
}
