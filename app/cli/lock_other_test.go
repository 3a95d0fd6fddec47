//go:build !unix

package cli_test

import "github.com/rogpeppe/go-internal/testscript"

func holdLock(ts *testscript.TestScript, neg bool, args []string) {
	ts.Skip("holding a lock from a script is only written for Unix")
}

var releaseLock = holdLock
