package vault_test

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tessera-auth/tessera/vault"
)

// TestCrash kills a child process that saves in a loop, at random moments,
// 200 times, without warning (SIGKILL; TerminateProcess on Windows). After
// each kill the vault must open, hold every entry whose save the child had
// reported, hold only whole entries, and not take itself for a body put
// back (Rollback).
func TestCrash(t *testing.T) {
	t.Parallel() // mostly waiting on child processes and fsync
	const kills = 200
	v, dir, code := newVault(t)
	mustAdd(t, v, vault.Entry{Kind: vault.KindToken, Issuer: "progress", Note: "-1", Token: vault.Token{Value: []byte("p")}})
	mustSave(t, v)
	v.Lock()

	rng := rand.New(rand.NewPCG(1, uint64(time.Now().UnixNano())))
	reported := map[int]bool{}
	next := 0
	unreported, torn := 0, 0
	for k := range kills {
		cmd, out := startChild(t, "crash", dir, "crash", next)
		// Let it report a few saves (none, sometimes), then kill it at a
		// random instant, most often in the middle of the next save.
		wait := rng.IntN(3)
		for n := 0; n < wait && out.Scan(); n++ {
			reported[parseOK(t, out.Text())] = true
		}
		time.Sleep(time.Duration(rng.IntN(4000)) * time.Microsecond)
		cmd.Process.Kill()
		// Lines written before the kill still count.
		for out.Scan() {
			reported[parseOK(t, out.Text())] = true
		}
		cmd.Wait()
		if m, _ := filepath.Glob(filepath.Join(dir, ".tmp-*")); len(m) > 0 {
			torn++ // killed in the middle of writing a file
		}

		w, err := vault.Open(dir, testOpts)
		if err != nil {
			t.Fatalf("kill %d: %v", k, err)
		}
		if err := w.UnlockRecoveryCode(code); err != nil {
			t.Fatalf("kill %d: vault does not open: %v", k, err)
		}
		if r := w.Rollback(); r != nil {
			t.Fatalf("kill %d: the vault after a crash warns of a rollback: %s", k, r)
		}
		held := map[int]bool{}
		progress := -1
		for _, e := range w.Entries() {
			if e.Issuer == "progress" {
				progress, _ = strconv.Atoi(e.Note)
				continue
			}
			if err := checkChildEntry(e); err != nil {
				t.Fatalf("kill %d: %v", k, err)
			}
			i, _ := strconv.Atoi(strings.TrimPrefix(e.Account, "n"))
			held[i] = true
		}
		for i := range reported {
			if !held[i] {
				t.Fatalf("kill %d: entry %d was reported saved but is missing", k, i)
			}
		}
		// The progress entry changed in the same save as the newest entry.
		newest := -1
		for i := range held {
			newest = max(newest, i)
		}
		if progress != newest {
			t.Fatalf("kill %d: progress says %d, newest entry is %d: a save was half applied", k, progress, newest)
		}
		for i := range held {
			if !reported[i] {
				// Saved but killed before reporting it: it must stay
				// from now on all the same.
				unreported++
				reported[i] = true
			}
		}
		next = newest + 1
		w.Lock()
	}
	if len(reported) < kills/2 {
		t.Errorf("only %d saves reported over %d kills: the children barely ran", len(reported), kills)
	}
	// Leftover temporary files are cleaned by the next write.
	v2 := reopen(t, dir)
	mustAdd(t, v2, totp("final", "f", 1))
	mustSave(t, v2)
	if m, _ := filepath.Glob(filepath.Join(dir, ".tmp-*")); len(m) != 0 {
		t.Errorf("temporary files left after a save: %v", m)
	}
	if ents, _ := os.ReadDir(filepath.Join(dir, "backups")); len(ents) != vault.DefaultBackupsKept {
		t.Errorf("%d backups kept, want %d", len(ents), vault.DefaultBackupsKept)
	}
	t.Logf("%d kills: %d saves, %d of them done but not reported, %d kills in the middle of writing a file",
		kills, len(reported), unreported, torn)
}

func parseOK(t *testing.T, line string) int {
	s, ok := strings.CutPrefix(line, "ok ")
	i, err := strconv.Atoi(s)
	if !ok || err != nil {
		t.Fatalf("child said %q", line)
	}
	return i
}
