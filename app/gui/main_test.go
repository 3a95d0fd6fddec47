package gui

import (
	"os"
	"testing"

	"github.com/tessera-auth/tessera/vault/vaulttest"
)

// TestMain serves the fake age plugin when this test binary runs as one
// (see vaulttest).
func TestMain(m *testing.M) {
	if vaulttest.IsPlugin() {
		os.Exit(vaulttest.ServePlugin())
	}
	vaulttest.NoRaceExitSleep()
	os.Exit(m.Run())
}
