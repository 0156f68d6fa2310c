package audit

import (
	"encoding/hex"

	"github.com/cofferhq/coffer/api"
)

// Wire returns e in its wire shape, api.AuditEvent.
func (e Event) Wire() api.AuditEvent {
	in := e.Initiator
	return api.AuditEvent{ID: e.ID, Time: api.FormatAuditTime(e.Time), RequestID: e.RequestID,
		Initiator: api.AuditInitiator{IAMID: in.IAMID, Kind: in.Kind, APIKeyID: in.APIKeyID,
			ProfileID: in.ProfileID, SourceAddress: in.SourceAddr, UserAgent: in.UserAgent},
		Action: e.Action, Target: e.Target, AccountID: e.AccountID, Outcome: e.Outcome, Reason: e.Reason,
		Details: e.Details, Hash: hex.EncodeToString(e.Hash)}
}

// WireList returns a page of events and its next token as an
// api.AuditEventList, whose Events is never nil.
func WireList(events []Event, next string) api.AuditEventList {
	list := api.AuditEventList{Events: make([]api.AuditEvent, len(events)), Next: next}
	for i, e := range events {
		list.Events[i] = e.Wire()
	}
	return list
}

// Wire returns r in its wire shape, api.AuditVerifyReport.
func (r VerifyReport) Wire() api.AuditVerifyReport {
	return api.AuditVerifyReport{Checked: r.Checked, OK: r.OK(), FirstBroken: r.FirstBroken, Reason: r.Reason}
}
