//go:build unix

package vault_test

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/tessera-auth/tessera/vault"
)

func init() { childModes["passwd"] = passwdChild }

// numbered is the passphrase of the vault after n passphrase changes.
func numbered(n int) string {
	if n == 0 {
		return testPass
	}
	return "passphrase number " + strconv.Itoa(n)
}

// passwdChild unlocks with passphrase first and changes the passphrase to
// first+1, first+2, ... until killed, reporting "ok N" after each change.
func passwdChild(v *vault.Vault, first int) int {
	if err := v.UnlockPassphrase(numbered(first)); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	out := bufio.NewWriter(os.Stdout)
	for n := first + 1; ; n++ {
		if err := v.SetPassphrase(numbered(n)); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			return 1
		}
		fmt.Fprintf(out, "ok %d\n", n)
		out.Flush()
	}
}

// TestCrashPasswd kills a child that changes the passphrase in a loop, at
// random moments. After each kill, the vault opens with the passphrase of
// the last change reported (or of the one after it, done but not yet
// reported), with no other, and with the recovery code; its entries are
// whole; and once the next write is done one passphrase slot file is left.
func TestCrashPasswd(t *testing.T) {
	t.Parallel() // mostly waiting on child processes and fsync
	const kills = 100
	v, dir, code := newVault(t)
	a := mustAdd(t, v, totp("A", "a", 1))
	mustSave(t, v)
	secret := string(a.OTP.Secret) // Lock zeroes a's slice
	v.Lock()

	rng := rand.New(rand.NewPCG(2, uint64(time.Now().UnixNano())))
	current, leftover := 0, 0
	for k := range kills {
		cmd, out := startChild(t, "passwd", dir, "-", current)
		reported := current
		for n := rng.IntN(3); n > 0 && out.Scan(); n-- {
			reported = parseOK(t, out.Text())
		}
		time.Sleep(time.Duration(rng.IntN(3000)) * time.Microsecond)
		cmd.Process.Signal(syscall.SIGKILL)
		for out.Scan() {
			reported = parseOK(t, out.Text())
		}
		cmd.Wait()
		if m, _ := filepath.Glob(filepath.Join(dir, "slot-passphrase-*.age")); len(m) > 1 {
			leftover++ // killed between a slot file and the manifest
		}

		opens := func(pass string) bool {
			w, err := vault.Open(dir, testOpts)
			if err != nil {
				t.Fatalf("kill %d: %v", k, err)
			}
			return w.UnlockPassphrase(pass) == nil
		}
		switch {
		case opens(numbered(reported)):
			current = reported
		case opens(numbered(reported + 1)):
			current = reported + 1
		default:
			t.Fatalf("kill %d: neither passphrase %d (last reported) nor %d opens the vault", k, reported, reported+1)
		}
		if current > 0 && opens(numbered(current-1)) {
			t.Fatalf("kill %d: the passphrase before the change still opens the vault", k)
		}
		w, _ := vault.Open(dir, testOpts)
		if err := w.UnlockRecoveryCode(code); err != nil {
			t.Fatalf("kill %d: the recovery code: %v", k, err)
		}
		if e, ok := w.Entry(a.ID); !ok || string(e.OTP.Secret) != secret {
			t.Fatalf("kill %d: the entry is gone or changed", k)
		}
		w.Lock()
	}
	if current < kills/4 {
		t.Errorf("only %d passphrase changes over %d kills: the children barely ran", current, kills)
	}
	w := reopenWith(t, dir, numbered(current))
	mustAdd(t, w, totp("B", "b", 2))
	mustSave(t, w)
	if m, _ := filepath.Glob(filepath.Join(dir, "slot-passphrase-*.age")); len(m) != 1 {
		t.Errorf("passphrase slot files after a save: %v", m)
	}
	t.Logf("%d kills, %d passphrase changes, %d kills left a slot file the manifest does not list", kills, current, leftover)
}

func reopenWith(t *testing.T, dir, pass string) *vault.Vault {
	t.Helper()
	v, err := vault.Open(dir, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.UnlockPassphrase(pass); err != nil {
		t.Fatal(err)
	}
	return v
}
