package vault_test

import (
	"os"
	"testing"

	"github.com/tessera-auth/tessera/vault/vaulttest"
)

// TestMain serves the fake age plugin (vaulttest) when this binary runs
// under its name, and lets the crash and concurrency tests re-run this test binary as
// a child process that writes a vault (see child_test.go).
func TestMain(m *testing.M) {
	if vaulttest.IsPlugin() {
		os.Exit(vaulttest.ServePlugin())
	}
	if mode := os.Getenv(childEnv); mode != "" {
		os.Exit(runChild(mode, os.Args[len(os.Args)-3:]))
	}
	vaulttest.NoRaceExitSleep()
	os.Exit(m.Run())
}
