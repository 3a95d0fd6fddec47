package vaulttest_test

import (
	"os"
	"testing"

	"github.com/tessera-auth/tessera/vault/vaulttest"
)

// TestNoRaceExitSleep: the option is added to what GORACE holds, and an
// atexit_sleep_ms set already is left alone.
func TestNoRaceExitSleep(t *testing.T) {
	for in, want := range map[string]string{
		"":                                  "atexit_sleep_ms=0",
		"halt_on_error=1":                   "halt_on_error=1 atexit_sleep_ms=0",
		"atexit_sleep_ms=50 history_size=3": "atexit_sleep_ms=50 history_size=3",
	} {
		t.Setenv("GORACE", in)
		vaulttest.NoRaceExitSleep()
		if got := os.Getenv("GORACE"); got != want {
			t.Errorf("GORACE %q became %q, want %q", in, got, want)
		}
	}
}
