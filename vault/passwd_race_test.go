package vault_test

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tessera-auth/tessera/vault"
)

func init() { childModes["repass"] = repassChild }

// repassRounds is how many passphrase changes the repass child makes.
const repassRounds = 100

// repassChild sets the test passphrase again and again, repassRounds times:
// each change writes a new passphrase slot file, then a manifest naming it,
// then removes the old slot file, as `tessera passwd` does.
func repassChild(v *vault.Vault, _ int) int {
	if err := v.UnlockPassphrase(testPass); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	out := bufio.NewWriter(os.Stdout)
	for n := range repassRounds {
		if err := v.SetPassphrase(testPass); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			return 1
		}
		fmt.Fprintf(out, "ok %d\n", n)
		out.Flush()
	}
	return 0
}

// TestUnlockDuringPasswd unlocks the vault again and again while another
// process changes the passphrase (to the same one) in a loop. Readers take
// no lock, so an unlock may read the manifest just before a change and
// find the slot file it names removed by the time it reads it: that is a
// passphrase change, not damage, and every unlock must succeed.
//
// Left alone, an unlock falls into that gap about once in 4,000 tries, so
// every other unlock here waits, between reading the manifest and reading
// the slot file, until the child has removed that slot file.
func TestUnlockDuringPasswd(t *testing.T) {
	v, dir, _ := newVault(t)
	a := mustAdd(t, v, totp("A", "a", 1))
	mustSave(t, v)
	v.Lock()

	cmd, out := startChild(t, "repass", dir, "-", 0)
	done, reported := make(chan struct{}), 0
	go func() {
		defer close(done)
		for out.Scan() {
			reported++
		}
	}()
	armed, caught := false, 0
	vault.BeforeSlotReadForTest(t, func(file string) {
		if !armed {
			return
		}
		armed = false
		deadline := time.Now().Add(time.Minute)
		for time.Now().Before(deadline) {
			if _, err := os.Stat(filepath.Join(dir, file)); errors.Is(err, fs.ErrNotExist) {
				caught++
				return
			}
			select {
			case <-done:
				return
			case <-time.After(100 * time.Microsecond):
			}
		}
		t.Errorf("slot file %s was not removed within a minute", file)
	})
	unlocks := 0
	for running := true; running; unlocks++ {
		select {
		case <-done:
			running = false
		default:
		}
		armed = unlocks%2 == 0
		w, err := vault.Open(dir, testOpts)
		if err == nil {
			err = w.UnlockPassphrase(testPass)
		}
		if err != nil {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("unlock %d, during passphrase changes: %v", unlocks+1, err)
		}
		if _, ok := w.Entry(a.ID); !ok {
			t.Fatalf("unlock %d: the entry is missing", unlocks+1)
		}
		w.Lock()
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child: %v", err)
	}
	if reported != repassRounds {
		t.Fatalf("the child reported %d passphrase changes, want %d", reported, repassRounds)
	}
	if caught < repassRounds/4 {
		t.Fatalf("only %d of %d unlocks found their slot file removed: the test did not test the race", caught, unlocks)
	}
	t.Logf("%d unlocks, %d of them found the slot file the manifest named removed", unlocks, caught)
}
