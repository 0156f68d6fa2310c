package httpapi

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/audit"
	"github.com/cofferhq/coffer/internal/authz"
)

// routeAudit registers Coffer's audit API: GET /coffer/v1/audit/events
// (coffer-audit.events.read) and POST /coffer/v1/audit/verify
// (coffer-audit.chain.verify).
func (s *Server) routeAudit() {
	g := s.cfg.Gate
	if g == nil {
		return
	}
	s.Handle("GET /coffer/v1/audit/events", serveJSON(http.StatusOK, func(r *http.Request, c authz.Credential) (api.AuditEventList, error) {
		f, err := parseAuditFilter(r.URL.Query())
		if err != nil {
			return api.AuditEventList{}, err
		}
		return g.AuditEvents(r.Context(), c, f)
	}))
	s.Handle("POST /coffer/v1/audit/verify", serveJSON(http.StatusOK, func(r *http.Request, c authz.Credential) (api.AuditVerifyReport, error) {
		return g.VerifyAudit(r.Context(), c)
	}))
}

// parseAuditFilter reads the query parameters of GET /coffer/v1/audit/events:
// from and to (RFC 3339), initiator, action, target, outcome, start (the
// page token) and limit.
func parseAuditFilter(q url.Values) (audit.Filter, error) {
	f := audit.Filter{InitiatorIAMID: q.Get("initiator"), Action: q.Get("action"), Target: q.Get("target"),
		Outcome: q.Get("outcome"), PageToken: q.Get("start")}
	for _, t := range []struct {
		name string
		dst  *time.Time
	}{{"from", &f.From}, {"to", &f.To}} {
		if v := q.Get(t.name); v != "" {
			tm, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				return f, api.Errorf(api.ErrInvalid, "%s must be an RFC 3339 time such as 2024-04-12T19:00:00Z", t.name)
			}
			*t.dst = tm
		}
	}
	switch f.Outcome {
	case "", api.OutcomeSuccess, api.OutcomeFailure, api.OutcomeDenied:
	default:
		return f, api.Errorf(api.ErrInvalid, "outcome must be success, failure or denied")
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return f, api.Errorf(api.ErrInvalid, "limit must be a number from 1 to 1000")
		}
		f.Limit = n
	}
	return f, nil
}
