// Package audit is Coffer's tamper-evident audit trail: one Event per
// request decision and per security-relevant change, numbered without gaps
// and linked into a SHA-256 hash chain, committed to the store before the
// operation it records may proceed.
//
// # Model
//
// A Log owns the writing. Write hands it an event and blocks until the event
// is durably committed; Run is the group-commit loop that takes the queued
// events (up to Config.MaxBatch, lingering up to Config.MaxDelay for more
// when several writers are active) and commits them in one store
// transaction, then wakes every writer. The log fails closed: when a commit
// fails, every writer of that batch gets the error (wrapping
// api.ErrUnavailable) and must fail its own operation; Healthy reports the
// failure until a later commit succeeds.
//
// Numbering happens inside the commit transaction: the writer locks the
// one-row audit_head table (SELECT ... FOR UPDATE on PostgreSQL; SQLite runs
// one writer at a time), reads the last sequence number and hash, numbers
// and hashes its events, inserts them and moves the head. Several Coffer
// nodes on one PostgreSQL therefore extend one linear chain, without gaps or
// forks.
//
// # Hash chain, version 1
//
// Each stored event carries prev_hash, the hash of the event before it (32
// zero bytes for event 1), and
//
//	hash = SHA-256(0x01 || prev_hash || canonical(event))
//
// where 0x01 is the chain version and canonical(event) is, in this order:
//
//	u64(seq) || i64(time as unix microseconds, UTC) ||
//	str(request_id) ||
//	str(initiator.iam_id) || str(initiator.kind) || str(initiator.api_key_id) ||
//	str(initiator.profile_id) || str(initiator.source_addr) || str(initiator.user_agent) ||
//	str(action) || str(target) || str(account_id) || str(outcome) || str(reason) ||
//	u32(number of details) || for each detail in ascending byte order of keys: str(key) || str(value)
//
// with u64, i64 and u32 big-endian and str(s) = u32(len(s) in bytes) || s.
// Every field is length-prefixed, so no two different events share an
// encoding. Verify recomputes the chain and reports the first broken link:
// a row edited, deleted, reordered or given another row's hash. The chain
// proves integrity against anyone who cannot rewrite every later row and the
// head; the copies the sinks write (each with its hash) anchor it outside the
// database.
//
// # No secrets
//
// An event never holds a secret value, a token, an API key or a payload:
// only who, what, which target, the outcome and short non-secret details.
// As a guard against mistakes, Write refuses (api.ErrInvalid) an event whose
// Details has a key that names a secret (password, passphrase, apikey,
// api_key, token, secret, payload, private_key ... see api.SecretName), or any
// field or detail value that contains a word shaped like a JWT. It refuses in production as in tests rather than
// redacting: detail keys are chosen by code, not by users, so the first test
// that takes the path finds the mistake, and the code under test is the
// code that runs.
//
// # Sinks
//
// After a commit the log also hands the batch to its Sinks (a JSON-lines
// file, stdout) from a goroutine of its own. The database is the record of
// truth: a failing or slow sink is logged and counted in Stats, and never
// fails an operation; when sinks fall behind by more than a bounded queue,
// batches are dropped for them (and counted).
package audit
