package store

import (
	"errors"
	"testing"
)

// TestRetryConflict: update runs again after a reread only while it fails
// with ErrConflict, at most attempts times; other errors, and a failing
// reread, end it at once.
func TestRetryConflict(t *testing.T) {
	other, lost := errors.New("other"), errors.New("gone")
	for _, tc := range []struct {
		name       string
		attempts   int
		results    []error // update's answers, in turn
		rereadErr  error
		wantErr    error
		wantCalls  int
		wantReread int
	}{
		{"success", 10, []error{nil}, nil, nil, 1, 0},
		{"conflicts then success", 10, []error{ErrConflict, ErrConflict, nil}, nil, nil, 3, 2},
		{"bounded", 3, []error{ErrConflict, ErrConflict, ErrConflict, nil}, nil, ErrConflict, 3, 2},
		{"one attempt", 1, []error{ErrConflict, nil}, nil, ErrConflict, 1, 0},
		{"other error", 10, []error{other, nil}, nil, other, 1, 0},
		{"reread fails", 10, []error{ErrConflict, nil}, lost, lost, 1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls, rereads := 0, 0
			err := RetryConflict(tc.attempts, func() error { calls++; return tc.results[calls-1] },
				func() error { rereads++; return tc.rereadErr })
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) || calls != tc.wantCalls || rereads != tc.wantReread {
				t.Errorf("RetryConflict = %v after %d updates, %d rereads; want %v, %d, %d",
					err, calls, rereads, tc.wantErr, tc.wantCalls, tc.wantReread)
			}
		})
	}
}
