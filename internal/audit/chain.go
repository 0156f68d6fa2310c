package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"io"
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
	var tail bytes.Buffer
	writeCanonicalTail(&tail, r)
	return chainHashTail(prev, r.Seq, tail.Bytes())
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
	return h.Sum(nil)
}

// canonicalTail returns the canonical encoding, version 1, of r (see the
// package doc) without its leading sequence number.
func canonicalTail(r *store.AuditEvent) []byte {
	var b bytes.Buffer
	writeCanonicalTail(&b, r)
	return b.Bytes()
}

// writeCanonicalTail writes the canonical encoding of r after the sequence
// number to h.
func writeCanonicalTail(h io.Writer, r *store.AuditEvent) {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(r.Time.UnixMicro()))
	h.Write(b[:])
	for _, s := range []string{r.RequestID, r.InitiatorIAMID, r.InitiatorKind, r.APIKeyID, r.ProfileID,
		r.SourceAddr, r.UserAgent, r.Action, r.Target, r.AccountID, r.Outcome, r.Reason} {
		writeStr(h, s)
	}
	writeU32(h, len(r.Details))
	keys := make([]string, 0, len(r.Details))
	for k := range r.Details {
		keys = append(keys, k)
	}
	slices.Sort(keys) // Go compares strings bytewise
	for _, k := range keys {
		writeStr(h, k)
		writeStr(h, r.Details[k])
	}
}

func writeU32(h io.Writer, n int) {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], uint32(n))
	h.Write(b[:])
}

func writeStr(h io.Writer, s string) {
	writeU32(h, len(s))
	io.WriteString(h, s)
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
