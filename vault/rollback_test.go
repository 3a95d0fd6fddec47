package vault_test

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tessera-auth/tessera/vault"
)

// putBack copies backups/body-GEN.age over body.age, as a person restoring
// by hand, or a sync tool delivering an older file, does.
func putBack(t *testing.T, dir, gen string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "backups", "body-"+gen+".age"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "body.age"), b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// checkRollback checks what v says of a rolled-back body: nil for want nil.
func checkRollback(t *testing.T, v *vault.Vault, want *vault.Rollback) {
	t.Helper()
	got := v.Rollback()
	switch {
	case want == nil && got == nil:
		return
	case want == nil:
		t.Fatalf("rollback %+v (%s), want none", *got, got)
	case got == nil:
		t.Fatalf("no rollback, want %+v", *want)
	}
	if got.Generation != want.Generation || got.Latest != want.Latest || got.Backup != want.Backup {
		t.Fatalf("rollback %+v, want %+v", *got, *want)
	}
	if want.Backup != "" && got.Saved.IsZero() {
		t.Fatalf("rollback %+v: no save time of backup %s", *got, got.Backup)
	}
	msg := got.String()
	for _, s := range []string{"save " + itoa(got.Generation), "save " + itoa(got.Latest)} {
		if !strings.Contains(msg, s) {
			t.Errorf("message %q does not say %q", msg, s)
		}
	}
	if want.Backup != "" && !strings.Contains(msg, "tessera restore "+want.Backup) {
		t.Errorf("message %q does not say how to bring backup %s back", msg, want.Backup)
	}
}

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }

// A body older than a save the vault knows was made (an older body put
// back by hand or by a sync tool) opens, with a warning that names the
// newest backup of a later save; entries saved after it must not vanish
// without a word.
func TestRollbackWarning(t *testing.T) {
	v, dir, _ := newVault(t)
	for i := range 4 {
		mustAdd(t, v, totp("I", string(rune('a'+i)), i))
		mustSave(t, v)
	}
	// Bodies 2 to 5 were saved; backups 1 to 4 are kept.
	checkRollback(t, v, nil)
	checkRollback(t, reopen(t, dir), nil)

	// Two saves back: backup 4 holds the later state.
	putBack(t, dir, "3")
	w := reopen(t, dir)
	if n := len(w.Entries()); n != 2 {
		t.Fatalf("body 3 holds %d entries, want 2", n)
	}
	checkRollback(t, w, &vault.Rollback{Generation: 3, Latest: 5, Backup: "4"})
	w.Lock()
	checkRollback(t, w, nil)

	// One save back: body 5 was never a backup, but the vault recorded
	// that it was written.
	putBack(t, dir, "4")
	checkRollback(t, reopen(t, dir), &vault.Rollback{Generation: 4, Latest: 5})

	// Restore ends it.
	putBack(t, dir, "3")
	w = reopen(t, dir)
	if err := w.Restore("4"); err != nil {
		t.Fatal(err)
	}
	checkRollback(t, w, nil)
	checkRollback(t, reopen(t, dir), nil)

	// So does a save on top of the older body: that makes it the latest.
	putBack(t, dir, "3")
	w = reopen(t, dir)
	mustAdd(t, w, totp("J", "j", 9))
	mustSave(t, w)
	checkRollback(t, reopen(t, dir), nil)
}

// A vault whose last save was made by a Tessera that did not record it in
// state.age warns only of what its backups show: no false alarm from a missing
// record, and no alarm from a backup file that does not open.
func TestRollbackWithoutRecord(t *testing.T) {
	v, dir, _ := newVault(t)
	for i := range 4 {
		mustAdd(t, v, totp("I", string(rune('a'+i)), i))
		mustSave(t, v)
	}
	if err := os.Remove(filepath.Join(dir, "state.age")); err != nil {
		t.Fatal(err)
	}
	checkRollback(t, reopen(t, dir), nil)
	putBack(t, dir, "4")
	checkRollback(t, reopen(t, dir), nil)
	putBack(t, dir, "3")
	checkRollback(t, reopen(t, dir), &vault.Rollback{Generation: 3, Latest: 4, Backup: "4"})

	// A backup named after a later save that is not one of this vault's
	// bodies is no evidence.
	putBack(t, dir, "4")
	if err := os.WriteFile(filepath.Join(dir, "backups", "body-99.age"), []byte("not age"), 0o600); err != nil {
		t.Fatal(err)
	}
	checkRollback(t, reopen(t, dir), nil)
}

// A holder of the open vault (the GUI) hears of a body put back under it
// when it reloads.
func TestRollbackOnReload(t *testing.T) {
	v, dir, _ := newVault(t)
	for i := range 3 {
		mustAdd(t, v, totp("I", string(rune('a'+i)), i))
		mustSave(t, v)
	}
	putBack(t, dir, "2")
	if !v.Changed() {
		t.Fatal("the holder did not notice the body put back")
	}
	if err := v.Reload(); err != nil {
		t.Fatal(err)
	}
	checkRollback(t, v, &vault.Rollback{Generation: 2, Latest: 4, Backup: "3"})
}

// Unlocks while another process saves read a body that the next save
// replaces, and may then find a backup or record of that later save: a
// stale read, not a rollback, and no warning.
func TestNoRollbackWhileSaving(t *testing.T) {
	_, dir, _ := newVault(t)
	cmd, out := startChild(t, "writer", dir, "w", 0)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for out.Scan() {
		}
	}()
	unlocks := 0
	for running := true; running; unlocks++ {
		select {
		case <-done:
			running = false
		default:
		}
		w := reopen(t, dir)
		if r := w.Rollback(); r != nil {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("unlock %d, during saves: %s", unlocks+1, r)
		}
		w.Lock()
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child: %v", err)
	}
	t.Logf("%d unlocks during %d saves", unlocks, writerRounds)
}

// The plain generation file of older versions, forged or not, is no
// evidence of a later save: no warning rests on it.
func TestRollbackNotFromPlainRecord(t *testing.T) {
	v, dir, _ := newVault(t)
	mustAdd(t, v, totp("I", "a", 1))
	mustSave(t, v)
	if err := os.WriteFile(filepath.Join(dir, "generation"), []byte("999\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	checkRollback(t, reopen(t, dir), nil)
}

// A passphrase slot copied from another vault (same passphrase) is blamed,
// not body.age; the recovery code still opens the vault. Errors say
// "vault damaged" once.
func TestForeignSlotBlamed(t *testing.T) {
	_, dir, code := newVault(t)
	_, other, _ := newVault(t)
	mine, _ := filepath.Glob(filepath.Join(dir, "slot-passphrase-*.age"))
	theirs, _ := filepath.Glob(filepath.Join(other, "slot-passphrase-*.age"))
	b, err := os.ReadFile(theirs[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(mine[0], b, 0o600); err != nil {
		t.Fatal(err)
	}
	w, err := vault.Open(dir, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	err = w.UnlockPassphrase(testPass)
	var de *vault.DamagedError
	if !errors.As(err, &de) || de.File != filepath.Base(mine[0]) || !strings.Contains(err.Error(), "another vault") {
		t.Fatalf("got %v, want the slot file blamed as another vault's", err)
	}
	if n := strings.Count(err.Error(), "vault damaged"); n != 1 {
		t.Errorf("%q says vault damaged %d times", err, n)
	}
	if err := w.UnlockRecoveryCode(code); err != nil {
		t.Fatalf("recovery code: %v", err)
	}

	// An oversized slot file: damage, said once.
	if err := os.WriteFile(mine[0], make([]byte, 1<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	w, _ = vault.Open(dir, testOpts)
	err = w.UnlockPassphrase(testPass)
	if !errors.Is(err, vault.ErrDamaged) || strings.Count(err.Error(), "vault damaged") != 1 {
		t.Errorf("oversized slot: %v", err)
	}
}
