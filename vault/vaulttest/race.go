package vaulttest

import (
	"os"
	"strings"
)

// NoRaceExitSleep makes the processes the test binary starts from now on
// (children it re-runs itself as, a fake plugin, a testscript's commands)
// exit at once under the race detector. A race-enabled program sleeps a
// second when it exits (GORACE atexit_sleep_ms, default 1000) so that late
// races still get reported; a test that starts hundreds of such processes
// otherwise spends most of its time in that sleep. Races during a child's
// run are reported as before. GORACE options already set are kept, and an
// atexit_sleep_ms given there wins. Call it from TestMain.
func NoRaceExitSleep() {
	opts := os.Getenv("GORACE")
	if strings.Contains(opts, "atexit_sleep_ms=") {
		return
	}
	os.Setenv("GORACE", strings.TrimSpace(opts+" atexit_sleep_ms=0"))
}
