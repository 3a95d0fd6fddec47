package cli_test

import (
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/tessera-auth/tessera/app/cli"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"tessera":      func() { os.Exit(cli.Run(cli.OSEnv(), os.Args[1:])) },
		"tessera-exit": tesseraExit,
	})
}

// TestScripts runs every testdata/script/*.txtar file: each is a session at
// the command line, with the exit code and output of every verb checked.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:  "testdata/script",
		Cmds: scriptCmds,
		Setup: func(e *testscript.Env) error {
			e.Setenv("LANG", "en_US.UTF-8")
			return nil
		},
	})
}
