package vault_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/tessera-auth/tessera/otp"
	"github.com/tessera-auth/tessera/vault"
)

// hotpEntry is a HOTP entry with the RFC 4226 test secret.
func hotpEntry() vault.Entry {
	return vault.Entry{Kind: vault.KindOTP, Issuer: "H", Account: "h",
		OTP: otp.Credential{Kind: otp.HOTP, Digits: 6, Secret: []byte("12345678901234567890")}}
}

// takeCodes advances entry id n times and returns the codes.
func takeCodes(t *testing.T, v *vault.Vault, id string, n int) []string {
	t.Helper()
	var out []string
	for range n {
		c, err := v.AdvanceHOTP(id)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

// checkFresh fails if code is one of the codes already given.
func checkFresh(t *testing.T, given []string, code, what string) {
	t.Helper()
	for _, g := range given {
		if g == code {
			t.Fatalf("%s: HOTP code %s was given a second time: the counter went back", what, code)
		}
	}
}

// A HOTP counter never goes back, whatever stale copy of the entry another
// holder saves: a counter used twice shows a code twice.
func TestHOTPCounterNeverGoesBack(t *testing.T) {
	t.Run("stale edit from another holder", func(t *testing.T) {
		gui, dir, _ := newVault(t)
		h := mustAdd(t, gui, hotpEntry())
		mustSave(t, gui)
		// The GUI shows the entry; the CLI takes two codes meanwhile.
		stale, _ := gui.Entry(h.ID)
		cli := reopen(t, dir)
		given := takeCodes(t, cli, h.ID, 2)
		// The GUI then saves an edit of its (older) copy: a later change,
		// so it wins the merge, but its counter must not.
		stale.Note = "edited in the GUI"
		if err := gui.Update(stale); err != nil {
			t.Fatal(err)
		}
		mustSave(t, gui)
		got, _ := reopen(t, dir).Entry(h.ID)
		if got.Note != "edited in the GUI" {
			t.Errorf("the later edit was lost: note %q", got.Note)
		}
		if got.OTP.Counter != 2 {
			t.Errorf("counter %d after two codes, want 2", got.OTP.Counter)
		}
		checkFresh(t, given, takeCodes(t, gui, h.ID, 1)[0], "GUI after its edit")
	})

	t.Run("stale copy in the same process", func(t *testing.T) {
		v, _, _ := newVault(t)
		h := mustAdd(t, v, hotpEntry())
		stale, _ := v.Entry(h.ID)
		given := takeCodes(t, v, h.ID, 1)
		stale.Tags = []string{"moved"}
		if err := v.Update(stale); err != nil {
			t.Fatal(err)
		}
		checkFresh(t, given, takeCodes(t, v, h.ID, 1)[0], "after an update of a copy taken before the code")
	})

	t.Run("restore of an older backup", func(t *testing.T) {
		v, dir, _ := newVault(t)
		h := mustAdd(t, v, hotpEntry())
		mustSave(t, v) // generation 2: counter 0
		mustAdd(t, v, totp("T", "t", 1))
		mustSave(t, v) // generation 2 is a backup now
		given := takeCodes(t, v, h.ID, 3)
		if err := v.Restore("2"); err != nil {
			t.Fatal(err)
		}
		got, _ := reopen(t, dir).Entry(h.ID)
		if got.OTP.Counter != 3 {
			t.Errorf("counter %d after restoring a backup, want 3 (codes 0..2 were given)", got.OTP.Counter)
		}
		checkFresh(t, given, takeCodes(t, v, h.ID, 1)[0], "after the restore")
	})

	t.Run("restore by another process while a holder has it open", func(t *testing.T) {
		gui, dir, _ := newVault(t)
		h := mustAdd(t, gui, hotpEntry())
		mustSave(t, gui) // generation 2: counter 0
		mustAdd(t, gui, totp("T", "t", 1))
		mustSave(t, gui) // generation 2 is a backup now
		given := takeCodes(t, gui, h.ID, 2)
		// The restore's own process knows nothing of the counter but the
		// body it replaces.
		if err := reopen(t, dir).Restore("2"); err != nil {
			t.Fatal(err)
		}
		checkFresh(t, given, takeCodes(t, gui, h.ID, 1)[0], "holder after another process's restore")
	})

	t.Run("a new secret starts its own count", func(t *testing.T) {
		v, _, _ := newVault(t)
		h := mustAdd(t, v, hotpEntry())
		takeCodes(t, v, h.ID, 3)
		e, _ := v.Entry(h.ID)
		e.OTP.Secret = []byte("another secret, enrolled again")
		e.OTP.Counter = 0
		if err := v.Update(e); err != nil {
			t.Fatal(err)
		}
		if got, _ := v.Entry(h.ID); got.OTP.Counter != 0 {
			t.Errorf("counter %d after a new secret with counter 0", got.OTP.Counter)
		}
	})
}

// Taking HOTP codes keeps no backups, as taking TOTP codes keeps none: a
// few days of codes must not push the versions before a real change (an
// entry deleted by mistake) out of the few backups kept.
func TestHOTPCodesKeepNoBackups(t *testing.T) {
	v, _, _ := newVault(t)
	h := mustAdd(t, v, hotpEntry())
	mustSave(t, v)
	a := mustAdd(t, v, totp("A", "a", 1))
	mustSave(t, v)
	if err := v.Delete(a.ID); err != nil {
		t.Fatal(err)
	}
	mustSave(t, v) // the newest backup holds A
	before, err := v.Backups()
	if err != nil {
		t.Fatal(err)
	}
	takeCodes(t, v, h.ID, 2*vault.DefaultBackupsKept)
	after, err := v.Backups()
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) || after[0].ID != before[0].ID {
		t.Fatalf("backups before the codes %v, after %v: taking codes kept backups", before, after)
	}
	// The counter moves are saved all the same.
	if got, _ := v.Entry(h.ID); got.OTP.Counter != 2*vault.DefaultBackupsKept {
		t.Fatalf("counter %d", got.OTP.Counter)
	}
	// A code taken with an unsaved real change pending keeps the backup
	// that change calls for.
	mustAdd(t, v, totp("B", "b", 2))
	takeCodes(t, v, h.ID, 1)
	if bs, _ := v.Backups(); len(bs) != len(before)+1 {
		t.Errorf("a save of a real change with a code kept %d backups, want %d", len(bs), len(before)+1)
	}
}

// No HOTP code is given twice when an older body.age comes back: put back
// by hand from a backup, or restored after the body was cut short. Taking
// codes keeps no backup, so no body but the newest holds the counter: the
// vault keeps the highest counter handed out apart from the body.
func TestHOTPAfterRollbackOrRestore(t *testing.T) {
	setup := func(t *testing.T) (dir, id string, given []string) {
		v, dir, _ := newVault(t)
		h := mustAdd(t, v, hotpEntry())
		mustSave(t, v) // body 2: counter 0
		mustAdd(t, v, totp("T", "t", 1))
		mustSave(t, v) // body 3, backup 2
		given = takeCodes(t, v, h.ID, 3)
		return dir, h.ID, given
	}
	t.Run("older body put back", func(t *testing.T) {
		dir, id, given := setup(t)
		putBack(t, dir, "2")
		w := reopen(t, dir)
		next := takeCodes(t, w, id, 2)
		checkFresh(t, given, next[0], "first code after the rollback")
		checkFresh(t, given, next[1], "second code after the rollback")
	})
	t.Run("restore after a cut body", func(t *testing.T) {
		dir, id, given := setup(t)
		body := filepath.Join(dir, "body.age")
		fi, err := os.Stat(body)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Truncate(body, fi.Size()-1); err != nil {
			t.Fatal(err)
		}
		w, err := vault.Open(dir, testOpts)
		if err != nil {
			t.Fatal(err)
		}
		err = w.UnlockPassphrase(testPass)
		var de *vault.DamagedError
		if !errors.As(err, &de) || de.Backup == "" {
			t.Fatalf("cut body: got %v, want damage naming a backup", err)
		}
		if err := w.Restore(de.Backup); err != nil {
			t.Fatal(err)
		}
		next := takeCodes(t, w, id, 2)
		checkFresh(t, given, next[0], "first code after the restore")
		checkFresh(t, given, next[1], "second code after the restore")
		// And in a process that opens the restored vault afresh.
		checkFresh(t, append(given, next...), takeCodes(t, reopen(t, dir), id, 1)[0], "code after reopening")
	})
	t.Run("entry deleted, then an older body put back", func(t *testing.T) {
		dir, id, given := setup(t)
		w := reopen(t, dir)
		if err := w.Delete(id); err != nil {
			t.Fatal(err)
		}
		mustSave(t, w)
		putBack(t, dir, "2")
		checkFresh(t, given, takeCodes(t, reopen(t, dir), id, 1)[0], "code of the entry brought back")
	})
}

// Every save, a counter move alone included, removes what killed saves
// left: temporary files from killed HOTP saves do not pile up.
func TestCounterSavesRemoveLeftovers(t *testing.T) {
	v, dir, _ := newVault(t)
	h := mustAdd(t, v, hotpEntry())
	mustSave(t, v)
	left := []string{filepath.Join(dir, ".tmp-body.age-123"), filepath.Join(dir, ".tmp-state.age-9"), filepath.Join(dir, "backups", ".tmp-body-2.age-7")}
	for _, f := range left {
		if err := os.WriteFile(f, []byte("a killed save's copy"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	takeCodes(t, v, h.ID, 1)
	for _, f := range left {
		if _, err := os.Lstat(f); err == nil {
			t.Errorf("%s left after a counter save", filepath.Base(f))
		}
	}
}
