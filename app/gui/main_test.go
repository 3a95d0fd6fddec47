package gui

import (
	"os"
	"testing"

	"github.com/tessera-auth/tessera/vault/plugintest"
)

// TestMain serves the fake age plugin when this test binary runs as one
// (see plugintest).
func TestMain(m *testing.M) {
	plugintest.Main()
	os.Exit(m.Run())
}
