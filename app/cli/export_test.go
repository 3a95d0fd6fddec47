package cli

import (
	"errors"
	"os"
	"time"
)

// Test vaults use a low scrypt work factor (2^10 took 40 ms an unlock
// under the race detector, and the scripts unlock hundreds of times) and a
// short lock wait. The terminal is reached only by scripts that give one
// (ttyin) and say so with TESSERA_TEST_TTY=1, never the terminal of
// whoever runs the tests.
func init() {
	vaultOpts.WorkFactor = 4
	vaultOpts.LockWait = 300 * time.Millisecond
	realTerminal := openTerminal
	openTerminal = func() (*os.File, error) {
		if os.Getenv("TESSERA_TEST_TTY") != "1" {
			return nil, errors.New("no terminal in tests")
		}
		return realTerminal()
	}
}

// TerminalSafe is terminalSafe, and Cell is cell, for the external tests.
var (
	TerminalSafe = terminalSafe
	Cell         = cell
)
