//go:build !unix && !windows

package cli_test

import (
	"runtime"

	"github.com/rogpeppe/go-internal/testscript"
)

// holdLock and releaseLock exist for Unix and Windows only; busy.txtar,
// their one user, skips elsewhere.
func holdLock(ts *testscript.TestScript, neg bool, args []string) {
	ts.Fatalf("holdlock is not written for %s", runtime.GOOS)
}

var releaseLock = holdLock
