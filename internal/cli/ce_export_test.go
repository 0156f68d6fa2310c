package cli

import "testing"

// SetDefaultCRTokenPath points the runner's Code Engine token path at path
// for the rest of the test.
func SetDefaultCRTokenPath(tb testing.TB, path string) {
	old := defaultCRTokenPath
	defaultCRTokenPath = path
	tb.Cleanup(func() { defaultCRTokenPath = old })
}
