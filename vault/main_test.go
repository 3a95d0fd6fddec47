package vault_test

import (
	"os"
	"testing"

	"github.com/tessera-auth/tessera/vault/plugintest"
)

// TestMain lets the crash and concurrency tests re-run this test binary as
// a child process that writes a vault (see child_test.go).
func TestMain(m *testing.M) {
	plugintest.Main()
	if mode := os.Getenv(childEnv); mode != "" {
		os.Exit(runChild(mode, os.Args[len(os.Args)-3:]))
	}
	os.Exit(m.Run())
}
