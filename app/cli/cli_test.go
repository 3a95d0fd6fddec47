package cli_test

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/tessera-auth/tessera/app/cli"
	"github.com/tessera-auth/tessera/vault/vaulttest"
)

func TestMain(m *testing.M) {
	// The scripts run tessera, a copy of this binary, hundreds of times.
	vaulttest.NoRaceExitSleep()
	testscript.Main(m, map[string]func(){
		"tessera":      func() { os.Exit(cli.Run(cli.OSEnv(), os.Args[1:])) },
		"tessera-exit": tesseraExit,
		// A stand-in for age-plugin-yubikey: see vault/vaulttest.
		"age-plugin-" + vaulttest.PluginName: func() { os.Exit(vaulttest.ServePlugin()) },
	})
}

// TestScripts runs every testdata/script/*.txtar file: each is a session at
// the command line, with the exit code and output of every verb checked.
func TestScripts(t *testing.T) {
	testscript.RunT(redactT{t}, testscript.Params{
		Dir:  "testdata/script",
		Cmds: scriptCmds,
		Setup: func(e *testscript.Env) error {
			e.Setenv("LANG", "en_US.UTF-8")
			return nil
		},
	})
}

// ageKey matches an age identity, which is what a recovery code is.
var ageKey = regexp.MustCompile(`AGE-SECRET-KEY-1[0-9A-Z]+`)

// redact replaces every age identity in s.
func redact(s string) string {
	return ageKey.ReplaceAllString(s, "AGE-SECRET-KEY-1[redacted]")
}

// redactT is a testscript.T that keeps recovery codes out of the test log.
// A script's log holds each command's output, and `tessera init` prints the
// vault's recovery code; test vaults' keys are worthless, but the log of a
// failing run is read and kept by people and CI, so they still stay out.
type redactT struct{ *testing.T }

func (t redactT) Log(args ...any) {
	t.Helper()
	t.T.Log(redact(fmt.Sprint(args...)))
}

func (t redactT) Fatal(args ...any) {
	t.Helper()
	t.T.Fatal(redact(fmt.Sprint(args...)))
}

func (t redactT) Skip(args ...any) {
	t.Helper()
	t.T.Skip(redact(fmt.Sprint(args...)))
}

func (t redactT) Run(name string, f func(testscript.T)) {
	t.T.Run(name, func(t *testing.T) { f(redactT{t}) })
}

func (t redactT) Verbose() bool { return testing.Verbose() }

func TestRedact(t *testing.T) {
	key := "AGE-SECRET-KEY-1" + strings.Repeat("Q", 58)
	want := "[stdout]\n    AGE-SECRET-KEY-1[redacted]\n"
	if got := redact("[stdout]\n    " + key + "\n"); got != want {
		t.Fatalf("redact = %q, want %q", got, want)
	}
}
