package httpapi

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/authz"
	"github.com/cofferhq/coffer/internal/secrets"
)

// Secrets Manager v2 routing. Every route is registered twice: under
// /api/v2/... and under /instances/{instance}/api/v2/.... The first form
// addresses the instance whose GUID is the first label of the Host header
// ({guid}.host:port), else the caller's account's default instance; the
// second always the instance in the path. Patterns stay static, so the
// metrics' route labels (r.Pattern) stay bounded.

// smHandler is a Secrets Manager handler: instance is the GUID the request
// addresses, "" for the caller's default instance.
type smHandler func(w http.ResponseWriter, r *http.Request, c authz.Credential, instance string) error

// smRoute registers h for "METHOD /path" (path relative to /api/v2) in both
// forms.
func (s *Server) smRoute(method, path string, h smHandler) {
	fn := func(w http.ResponseWriter, r *http.Request) error {
		cred, err := Credential(r)
		if err != nil {
			return err
		}
		err = h(w, r, cred, instanceOf(r))
		if errors.Is(err, secrets.ErrAmbiguous) {
			rid := RequestID(r.Context())
			writeJSON(w, http.StatusMultipleChoices, errorsBody{Trace: rid, StatusCode: http.StatusMultipleChoices,
				Errors: []errorItem{{Code: "ambiguous_configuration_name", Message: api.Message(err)}}})
			return nil
		}
		return err
	}
	s.Handle(method+" /api/v2"+path, fn)
	s.Handle(method+" /instances/{instance}/api/v2"+path, fn)
}

// instanceOf returns the instance a request addresses: the path's
// {instance}, else a GUID first label of the Host, else "" (the default).
func instanceOf(r *http.Request) string {
	if g := r.PathValue("instance"); g != "" {
		return g
	}
	host := r.Host
	if h, _, err := splitHostPort(host); err == nil {
		host = h
	}
	if label, _, ok := strings.Cut(host, "."); ok && looksLikeGUID(label) {
		return strings.ToLower(label)
	}
	return ""
}

func splitHostPort(h string) (string, string, error) {
	if i := strings.LastIndexByte(h, ':'); i >= 0 && !strings.Contains(h[i:], "]") {
		return h[:i], h[i+1:], nil
	}
	return h, "", nil
}

// looksLikeGUID reports whether s has the 8-4-4-4-12 hex form.
func looksLikeGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// smJSON answers the result of fn as JSON with status.
func smJSON[T any](status int, fn func(r *http.Request, c authz.Credential, instance string) (*T, error)) smHandler {
	return func(w http.ResponseWriter, r *http.Request, c authz.Credential, instance string) error {
		v, err := fn(r, c, instance)
		if err != nil {
			return err
		}
		writeJSON(w, status, v)
		return nil
	}
}

// smNoContent answers 204 after fn.
func smNoContent(fn func(r *http.Request, c authz.Credential, instance string) error) smHandler {
	return func(w http.ResponseWriter, r *http.Request, c authz.Credential, instance string) error {
		if err := fn(r, c, instance); err != nil {
			return err
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

// readBody returns the request body (capped by the server) after checking
// its Content-Type: JSON or JSON merge patch.
func readBody(r *http.Request) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && mt != "application/merge-patch+json") {
			return nil, api.Errorf(api.ErrInvalid, "unsupported Content-Type %q: send application/json", ct)
		}
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, err
		}
		return nil, api.Errorf(api.ErrInvalid, "reading the request body failed")
	}
	if len(b) == 0 {
		return nil, api.Errorf(api.ErrInvalid, "request body is empty: a JSON object is required")
	}
	return b, nil
}

// listOptions parses the paging, sorting and filter query parameters.
// Arrays are comma-joined single values, as IBM's SDK sends them.
func listOptions(r *http.Request) (secrets.ListOptions, error) {
	q := r.URL.Query()
	o := secrets.ListOptions{Sort: q.Get("sort"), Search: q.Get("search"), Groups: commaList(q.Get("groups")),
		Types: commaList(q.Get("secret_types")), Labels: commaList(q.Get("match_all_labels")), Path: r.URL.Path,
		Query: url.Values{}}
	for k, v := range q {
		if k != "offset" && k != "limit" {
			o.Query[k] = v
		}
	}
	var err error
	if o.Offset, err = intParam(q, "offset"); err != nil {
		return o, err
	}
	o.Limit, err = intParam(q, "limit")
	return o, err
}

func intParam(q url.Values, name string) (int64, error) {
	v := q.Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, api.Errorf(api.ErrInvalid, "%s must be an integer", name)
	}
	if name == "limit" && n == 0 {
		return 0, api.Errorf(api.ErrInvalid, "limit must be between 1 and %d", secrets.MaxListLimit)
	}
	return n, nil
}

func commaList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// configType returns the X-Sm-Accept-Configuration-Type header.
func configType(r *http.Request) string { return r.Header.Get("X-Sm-Accept-Configuration-Type") }

// routeSecrets registers the 41 Secrets Manager v2 operations.
func (s *Server) routeSecrets() {
	if s.cfg.Secrets == nil {
		return
	}
	s.routeSecretGroups()
	s.routeSecretsCore()
	s.routeSecretVersions()
	s.routeSecretLocks()
	s.routeSecretConfigurations()
	s.routeSecretNotifications()
	s.routeSecretTasks()
}
