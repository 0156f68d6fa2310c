package audit

import (
	"crypto/sha256"
	"encoding/binary"
	"slices"

	"github.com/cofferhq/coffer/internal/store"
)

// chainV1 is the version byte of the hash chain format described in the
// package doc. A new format gets a new version; rows keep the one they were
// written with only if the version is stored, so bump it with a migration.
const chainV1 = 0x01

// hashSize is the size of every hash in the chain.
const hashSize = sha256.Size

// genesis is the prev_hash of event 1.
var genesis = make([]byte, hashSize)

// headHash returns the hash an event after the head links to: the head's
// hash, or genesis when the log is empty.
func headHash(seq int64, hash []byte) []byte {
	if seq == 0 {
		return genesis
	}
	return hash
}

// chainHash returns SHA-256(0x01 || prev || canonical(r)), the hash of the
// stored event r given the hash of its predecessor.
func chainHash(prev []byte, r *store.AuditEvent) []byte {
	return chainHashTail(prev, r.Seq, canonicalTail(r, sortedKeys(r.Details)))
}

// chainHashTail is chainHash given the event's sequence number and the rest
// of its canonical encoding (canonicalTail), which writers compute before
// the event is numbered, off the serial commit path.
func chainHashTail(prev []byte, seq int64, tail []byte) []byte {
	h := sha256.New()
	h.Write([]byte{chainV1})
	h.Write(prev)
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(seq))
	h.Write(b[:])
	h.Write(tail)
	return h.Sum(make([]byte, 0, hashSize))
}

// canonicalTail returns the canonical encoding, version 1, of r (see the
// package doc) without its leading sequence number. keys are r.Details'
// keys in ascending byte order (sortedKeys).
func canonicalTail(r *store.AuditEvent, keys []string) []byte {
	fields := [...]string{r.RequestID, r.InitiatorIAMID, r.InitiatorKind, r.APIKeyID, r.ProfileID,
		r.SourceAddr, r.UserAgent, r.Action, r.Target, r.AccountID, r.Outcome, r.Reason}
	n := 8 + 4*len(fields) + 4 + 8*len(keys)
	for _, f := range fields {
		n += len(f)
	}
	for _, k := range keys {
		n += len(k) + len(r.Details[k])
	}
	b := make([]byte, 0, n)
	b = binary.BigEndian.AppendUint64(b, uint64(r.Time.UnixMicro()))
	for _, f := range fields {
		b = appendStr(b, f)
	}
	b = binary.BigEndian.AppendUint32(b, uint32(len(r.Details)))
	for _, k := range keys {
		b = appendStr(b, k)
		b = appendStr(b, r.Details[k])
	}
	return b
}

// sortedKeys returns the keys of d in ascending byte order (Go compares
// strings bytewise).
func sortedKeys(d map[string]string) []string {
	if len(d) == 0 {
		return nil
	}
	keys := make([]string, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// appendStr appends str(s): its length as a big-endian u32, then s.
func appendStr(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

// toRow returns e as a row numbered seq; PrevHash and Hash are left empty.
func toRow(e *Event, seq int64) *store.AuditEvent {
	in := &e.Initiator
	return &store.AuditEvent{Seq: seq, Time: e.Time, AccountID: e.AccountID, RequestID: e.RequestID,
		InitiatorIAMID: in.IAMID, InitiatorKind: in.Kind, APIKeyID: in.APIKeyID, ProfileID: in.ProfileID,
		SourceAddr: in.SourceAddr, UserAgent: in.UserAgent, Action: e.Action, Target: e.Target,
		Outcome: e.Outcome, Reason: e.Reason, Details: e.Details}
}

// fromRow returns the event stored as r.
func fromRow(r *store.AuditEvent) Event {
	return Event{ID: r.Seq, Time: r.Time, RequestID: r.RequestID, Action: r.Action, Target: r.Target,
		AccountID: r.AccountID, Outcome: r.Outcome, Reason: r.Reason, Details: r.Details, Hash: r.Hash,
		Initiator: Initiator{IAMID: r.InitiatorIAMID, Kind: r.InitiatorKind, APIKeyID: r.APIKeyID,
			ProfileID: r.ProfileID, SourceAddr: r.SourceAddr, UserAgent: r.UserAgent}}
}
