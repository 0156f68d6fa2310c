package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/cofferhq/coffer/api"
)

// decodeJSON reads one JSON value from the request body into v. It refuses a
// body that is not JSON, has unknown fields (naming them), has anything after
// the value, or is larger than the server's cap (the cap is applied by the
// middleware with http.MaxBytesReader).
func decodeJSON(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || !(mt == "application/json" || mt == "application/merge-patch+json" ||
			strings.HasPrefix(mt, "application/vnd.") && strings.HasSuffix(mt, "+json")) {
			return api.Errorf(api.ErrInvalid, "unsupported Content-Type %q: send application/json", ct)
		}
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return api.Errorf(api.ErrInvalid, "request body must hold a single JSON value")
	}
	return nil
}

// jsonError turns a decoding error into a clear ErrInvalid, keeping
// MaxBytesError so it is answered with 413.
func jsonError(err error) error {
	var mbe *http.MaxBytesError
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &mbe):
		return err
	case errors.Is(err, io.EOF):
		return api.Errorf(api.ErrInvalid, "request body is empty: a JSON object is required")
	case errors.As(err, &se):
		return api.Errorf(api.ErrInvalid, "request body is not valid JSON (at byte %d)", se.Offset)
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "(body)"
		}
		return api.Errorf(api.ErrInvalid, "field %q must be of type %s, not %s", field, te.Type, te.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return api.Errorf(api.ErrInvalid, "unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
	}
	return api.Errorf(api.ErrInvalid, "request body is not valid JSON")
}

// writeJSON answers v as JSON with an explicit Content-Type.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Only a programming error (an unencodable type) gets here.
		http.Error(w, fmt.Sprintf(`{"errors":[{"code":"internal","message":"internal error"}],"status_code":500}`), 500)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}
