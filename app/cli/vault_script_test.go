package cli_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/tessera-auth/tessera/app/cli"
	"github.com/tessera-auth/tessera/vault"
)

// tesseraExit runs "tessera-exit N ARGS...": tessera ARGS, which must exit
// with code N. It exits 0 if it did, so that scripts check exact exit codes
// and still match the output.
func tesseraExit() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: tessera-exit CODE ARGS...")
		os.Exit(100)
	}
	want, err := strconv.Atoi(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "tessera-exit: bad code:", err)
		os.Exit(100)
	}
	if got := cli.Run(cli.OSEnv(), os.Args[2:]); got != want {
		fmt.Fprintf(os.Stderr, "tessera-exit: tessera exited with %d, want %d\n", got, want)
		os.Exit(1)
	}
	os.Exit(0)
}

// scriptCmds are the script commands that damage vault files and hold the
// vault's lock.
var scriptCmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	// keyslot VAR: set VAR to the ID of the last key slot of $TESSERA_VAULT.
	"keyslot": func(ts *testscript.TestScript, neg bool, args []string) {
		if len(args) != 1 {
			ts.Fatalf("usage: keyslot VAR")
		}
		v, err := vault.Open(ts.Getenv("TESSERA_VAULT"), nil)
		ts.Check(err)
		for _, s := range v.Slots() {
			if s.Kind.KeyKind() {
				ts.Setenv(args[0], s.ID)
			}
		}
	},
	// truncate FILE N: keep the first N bytes of FILE.
	"truncate": func(ts *testscript.TestScript, neg bool, args []string) {
		if len(args) != 2 {
			ts.Fatalf("usage: truncate FILE N")
		}
		n, err := strconv.Atoi(args[1])
		ts.Check(err)
		b, err := os.ReadFile(ts.MkAbs(args[0]))
		ts.Check(err)
		if n > len(b) {
			ts.Fatalf("%s has only %d bytes", args[0], len(b))
		}
		ts.Check(os.WriteFile(ts.MkAbs(args[0]), b[:n], 0o600))
	},
	// flip FILE OFFSET: invert the bits of one byte (OFFSET < 0 counts
	// from the end).
	"flip": func(ts *testscript.TestScript, neg bool, args []string) {
		if len(args) != 2 {
			ts.Fatalf("usage: flip FILE OFFSET")
		}
		off, err := strconv.Atoi(args[1])
		ts.Check(err)
		b, err := os.ReadFile(ts.MkAbs(args[0]))
		ts.Check(err)
		if off < 0 {
			off += len(b)
		}
		b[off] ^= 0xff
		ts.Check(os.WriteFile(ts.MkAbs(args[0]), b, 0o600))
	},
	// replace FILE OLD NEW: replace the first OLD in FILE by NEW.
	"replace": func(ts *testscript.TestScript, neg bool, args []string) {
		if len(args) != 3 {
			ts.Fatalf("usage: replace FILE OLD NEW")
		}
		b, err := os.ReadFile(ts.MkAbs(args[0]))
		ts.Check(err)
		if !bytes.Contains(b, []byte(args[1])) {
			ts.Fatalf("%s does not hold %q", args[0], args[1])
		}
		ts.Check(os.WriteFile(ts.MkAbs(args[0]), bytes.Replace(b, []byte(args[1]), []byte(args[2]), 1), 0o600))
	},
	// rmglob PATTERN: remove the files matching PATTERN (at least one).
	"rmglob": func(ts *testscript.TestScript, neg bool, args []string) {
		m, err := filepath.Glob(ts.MkAbs(args[0]))
		ts.Check(err)
		if len(m) == 0 {
			ts.Fatalf("nothing matches %s", args[0])
		}
		for _, f := range m {
			ts.Check(os.Remove(f))
		}
	},
	// holdlock DIR / releaselock DIR: hold the write lock of the vault in
	// DIR from this live process, as a writer in the middle of a save.
	"holdlock":    holdLock,
	"releaselock": releaseLock,
}
