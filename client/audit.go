package client

import (
	"context"
	"net/url"
	"strconv"
	"time"

	"github.com/cofferhq/coffer/api"
)

// AuditQuery selects audit events for AuditEvents. Zero fields match
// everything.
type AuditQuery struct {
	From time.Time // events at or after From
	To   time.Time // events before To
	// Initiator is the iam_id of the caller that made the requests.
	Initiator string
	// Action matches exactly, or every action with the given prefix when it
	// ends with '*' ("secrets-manager.secret.*").
	Action  string
	Target  string // a CRN
	Outcome string // success, failure or denied
	// Start is the Next token of the previous page, "" for the first page.
	Start string
	Limit int // page size; 0: the server's default
}

// values returns q as query parameters.
func (q AuditQuery) values() url.Values {
	v := url.Values{}
	set := func(name, s string) {
		if s != "" {
			v.Set(name, s)
		}
	}
	if !q.From.IsZero() {
		v.Set("from", q.From.UTC().Format(time.RFC3339Nano))
	}
	if !q.To.IsZero() {
		v.Set("to", q.To.UTC().Format(time.RFC3339Nano))
	}
	set("initiator", q.Initiator)
	set("action", q.Action)
	set("target", q.Target)
	set("outcome", q.Outcome)
	set("start", q.Start)
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	return v
}

// AuditEvents returns one page of the audit events q selects, newest first.
// Pass the answer's Next as q.Start for the next page.
func (c *Client) AuditEvents(ctx context.Context, q AuditQuery) (*api.AuditEventList, error) {
	path := "/coffer/v1/audit/events"
	if v := q.values(); len(v) > 0 {
		path += "?" + v.Encode()
	}
	var list api.AuditEventList
	return &list, c.do(ctx, "GET", path, nil, &list)
}

// VerifyAudit asks the server to recompute the whole audit hash chain and
// reports the first broken link, if any.
func (c *Client) VerifyAudit(ctx context.Context) (*api.AuditVerifyReport, error) {
	var rep api.AuditVerifyReport
	return &rep, c.do(ctx, "POST", "/coffer/v1/audit/verify", nil, &rep)
}
