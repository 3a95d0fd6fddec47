package vault_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tessera-auth/tessera/otp"
	"github.com/tessera-auth/tessera/vault"
)

// childEnv names the environment variable that makes the test binary a
// writer child: its value is the mode ("crash" or "writer").
const childEnv = "TESSERA_VAULT_TEST_CHILD"

// startChild runs this test binary as a child writing the vault in dir.
// Its arguments are the vault folder, a name and a first number.
func startChild(t *testing.T, mode, dir, name string, first int) (*exec.Cmd, *bufio.Scanner) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$", dir, name, strconv.Itoa(first))
	cmd.Env = append(os.Environ(), childEnv+"="+mode, "LANG=en_US.UTF-8")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, bufio.NewScanner(out)
}

// childEntry is the entry a child adds in round i: its secret derives from
// the name and number, so a reader can check that it is whole.
func childEntry(name string, i int) vault.Entry {
	return vault.Entry{
		Kind: vault.KindOTP, Issuer: name, Account: "n" + strconv.Itoa(i),
		Note: strings.Repeat("x", i%50),
		OTP:  otp.Credential{Kind: otp.TOTP, Digits: 6, Period: 30, Secret: []byte(fmt.Sprintf("%s/%d/secret", name, i))},
	}
}

// checkChildEntry reports what is wrong with an entry a child wrote.
func checkChildEntry(e vault.Entry) error {
	i, err := strconv.Atoi(strings.TrimPrefix(e.Account, "n"))
	if err != nil {
		return fmt.Errorf("entry %s: account %q", e.ID, e.Account)
	}
	want := childEntry(e.Issuer, i)
	if string(e.OTP.Secret) != string(want.OTP.Secret) || e.Note != want.Note {
		return fmt.Errorf("entry %s (%s): content differs from what was written", e.ID, e.Label())
	}
	return nil
}

// runChild is the child process. In "hotp" mode it takes hotpRounds codes
// of the HOTP entry called name, printing each. Otherwise it opens the vault and, from round
// first on, adds an entry and saves, then reports "ok N" on stdout. In
// "crash" mode it also rewrites a shared "progress" entry each round, and
// goes on until killed; in "writer" mode it stops after writerRounds, also
// editing its own earlier entries.
func runChild(mode string, args []string) int {
	dir, name := args[0], args[1]
	first, _ := strconv.Atoi(args[2])
	v, err := vault.Open(dir, &vault.Options{WorkFactor: testWork, LockWait: time.Minute})
	if f := childModes[mode]; f != nil && err == nil {
		return f(v, first)
	}
	if err == nil {
		err = v.UnlockPassphrase(testPass)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	out := bufio.NewWriter(os.Stdout)
	if mode == "hotp" {
		for range hotpRounds {
			found := v.Find(name)
			if len(found) != 1 {
				fmt.Fprintln(os.Stderr, "child: no single entry", name)
				return 1
			}
			code, err := v.AdvanceHOTP(found[0].ID)
			if err != nil {
				fmt.Fprintln(os.Stderr, "child:", err)
				return 1
			}
			fmt.Fprintln(out, code)
			out.Flush()
		}
		return 0
	}
	for i := first; mode == "crash" || i < first+writerRounds; i++ {
		if _, err := v.Add(childEntry(name, i)); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			return 1
		}
		if mode == "crash" {
			for _, e := range v.Find("progress") {
				e.Note = strconv.Itoa(i)
				v.Update(e)
			}
		} else if i%3 == 0 {
			// Edit an entry added two rounds ago: a change that must
			// survive the other writer's merges too.
			for _, e := range v.Find(name) {
				if e.Account == "n"+strconv.Itoa(i-2) {
					e.Tags = []string{"edited"}
					if err := v.Update(e); err != nil {
						fmt.Fprintln(os.Stderr, "child:", err)
						return 1
					}
				}
			}
		}
		if err := v.Save(); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			return 1
		}
		fmt.Fprintf(out, "ok %d\n", i)
		out.Flush()
	}
	return 0
}

// childModes are further child modes, set by tests for one system; each
// gets the vault, opened and locked, and the first number, and returns the
// exit code.
var childModes = map[string]func(v *vault.Vault, first int) int{}

const (
	writerRounds = 100
	hotpRounds   = 30
)
