package vault_test

import (
	"os"
	"path/filepath"
	"testing"
)

// TestMain lets the crash and concurrency tests re-run this test binary as
// a child process that writes a vault (see child_test.go).
func TestMain(m *testing.M) {
	if filepath.Base(os.Args[0]) == "age-plugin-"+fakePlugin {
		os.Exit(serveFakePlugin())
	}
	if mode := os.Getenv(childEnv); mode != "" {
		os.Exit(runChild(mode, os.Args[len(os.Args)-3:]))
	}
	os.Exit(m.Run())
}
