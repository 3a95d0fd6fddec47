package vault_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/tessera-auth/tessera/vault"
)

// masterOf reads the master identity out of slot file with id, as the
// stock age CLI would.
func masterOf(t testing.TB, file string, id age.Identity) *age.X25519Identity {
	t.Helper()
	ct, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	r, err := age.Decrypt(bytes.NewReader(ct), id)
	if err != nil {
		t.Fatalf("%s: %v", filepath.Base(file), err)
	}
	b, _ := io.ReadAll(r)
	m, err := age.ParseX25519Identity(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// slotFile returns the one slot file of kind in dir.
func slotFile(t testing.TB, dir, kind string) string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(dir, "slot-"+kind+"-*.age"))
	if len(m) != 1 {
		t.Fatalf("%s slot files: %v", kind, m)
	}
	return m[0]
}

// vaultFiles returns the files encrypted to the master key.
func vaultFiles(t testing.TB, dir string) []string {
	t.Helper()
	files := []string{filepath.Join(dir, "body.age"), filepath.Join(dir, "state.age")}
	for _, g := range []string{"backups/body-*.age", "sealed/*.age"} {
		m, _ := filepath.Glob(filepath.Join(dir, g))
		files = append(files, m...)
	}
	return files
}

func decrypts(file string, id age.Identity) bool {
	ct, err := os.ReadFile(file)
	if err != nil {
		return false
	}
	r, err := age.Decrypt(bytes.NewReader(ct), id)
	if err != nil {
		return false
	}
	_, err = io.ReadAll(r)
	return err == nil
}

// TestRekey: after a rekey every way in (passphrase, recovery code, key,
// key with passphrase) still opens the vault with every entry, sealed file
// and backup; the old master key opens none of the files, the new one all;
// the old slot files are gone; a removed key's old slot file gives a
// master key that opens nothing new; and a process holding the old key is
// told to unlock again rather than taking the vault for damaged.
func TestRekey(t *testing.T) {
	v, dir, code := newVault(t)
	for i := range 4 {
		mustAdd(t, v, totp("GitHub", "alice", i))
		mustSave(t, v)
	}
	if err := v.WriteSealed("sync-state", []byte("sealed content")); err != nil {
		t.Fatal(err)
	}
	k1, id1 := fakeKey(t)
	k2, id2 := fakeKey(t)
	k3, id3 := fakeKey(t)
	if _, err := v.AddSecurityKey(k1, "one", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := v.AddSecurityKey(k2, "two", "key pin"); err != nil {
		t.Fatal(err)
	}
	s3, err := v.AddSecurityKey(k3, "lost", "")
	if err != nil {
		t.Fatal(err)
	}
	lostSlot, _ := os.ReadFile(filepath.Join(dir, s3.File))
	if err := v.RemoveSlot(s3.ID); err != nil {
		t.Fatal(err)
	}
	rec, _ := vault.ParseRecoveryCode(code)
	oldMaster := masterOf(t, slotFile(t, dir, "recovery"), rec)
	oldSlots, _ := filepath.Glob(filepath.Join(dir, "slot-*.age"))
	other := reopen(t, dir) // holds the old master key

	res, err := v.Rekey(&vault.RekeyOptions{Passphrases: []string{testPass + " wrong"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Dropped) != 2 || res.RecoveryCode != "" {
		t.Fatalf("rekey with a wrong passphrase: %+v", res)
	}
	for _, d := range res.Dropped {
		if d.Why != "no passphrase given opens it" {
			t.Errorf("dropped %s: %s", d.Slot.Kind, d.Why)
		}
	}
	// Put the passphrase back for the rest (the recovery code opens).
	w, err := unlockWith(t, dir, rec)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.SetPassphrase(testPass); err != nil {
		t.Fatal(err)
	}
	if _, err := w.AddSecurityKey(k2, "two", "key pin"); err != nil {
		t.Fatal(err)
	}
	res, err = w.Rekey(&vault.RekeyOptions{Passphrases: []string{testPass, "key pin"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Dropped) != 0 || res.RecoveryCode != "" {
		t.Fatalf("rekey with the passphrase dropped %+v", res)
	}
	newMaster := masterOf(t, slotFile(t, dir, "recovery"), rec)
	if newMaster.String() == oldMaster.String() {
		t.Fatal("the master key did not change")
	}
	for _, f := range vaultFiles(t, dir) {
		if decrypts(f, oldMaster) {
			t.Errorf("the old master key opens %s", f)
		}
		if !decrypts(f, newMaster) {
			t.Errorf("the new master key does not open %s", f)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "vault.json")); bytes.Contains(b, []byte("rekeying")) {
		t.Error("vault.json still says rekeying")
	}
	for _, f := range oldSlots {
		if _, err := os.Stat(f); err == nil {
			t.Errorf("old slot file %s is left", filepath.Base(f))
		}
	}
	lostMaster := masterOf(t, writeTemp(t, lostSlot), id3)
	if lostMaster.String() != oldMaster.String() || decrypts(filepath.Join(dir, "body.age"), lostMaster) {
		t.Error("a removed key's old slot file opens the new body")
	}

	both, _ := vault.KeyAndPassphrase(id2, "key pin")
	pass, _ := age.NewScryptIdentity(testPass)
	for name, id := range map[string]age.Identity{"passphrase": pass, "recovery code": rec, "key": id1, "key and passphrase": both} {
		x, err := unlockWith(t, dir, id)
		if err != nil {
			t.Fatalf("%s after rekey: %v", name, err)
		}
		if n := len(x.Entries()); n != 4 {
			t.Errorf("%s: %d entries, want 4", name, n)
		}
		if b, err := x.ReadSealed("sync-state"); err != nil || string(b) != "sealed content" {
			t.Errorf("%s: sealed file: %q, %v", name, b, err)
		}
		bs, err := x.Backups()
		if err != nil || len(bs) < 3 {
			t.Fatalf("%s: backups %v, %v", name, bs, err)
		}
	}
	x, _ := unlockWith(t, dir, id1)
	if bs, _ := x.Backups(); len(bs) == 0 || x.Restore(bs[0].ID) != nil || len(x.Entries()) != 3 {
		t.Errorf("restoring the newest backup after rekey: %d entries", len(x.Entries()))
	}
	if _, err := unlockWith(t, dir, id3); !errors.Is(err, vault.ErrWrongKey) {
		t.Errorf("the removed key: %v", err)
	}

	mustAdd(t, other, totp("late", "x", 9))
	if err := other.Save(); !errors.Is(err, vault.ErrRekeyed) {
		t.Errorf("a save with the old master key: %v, want ErrRekeyed", err)
	}
}

// TestRekeyNewRecoveryCode: a recovery slot whose recipient vault.json does
// not keep (vaults made before it did) is replaced by a new code, which
// Rekey returns; the old code opens nothing.
func TestRekeyNewRecoveryCode(t *testing.T) {
	v, dir, code := newVault(t)
	mustAdd(t, v, totp("A", "a", 1))
	mustSave(t, v)
	man := filepath.Join(dir, "vault.json")
	b, _ := os.ReadFile(man)
	var m map[string]any
	json.Unmarshal(b, &m)
	for _, s := range m["slots"].([]any) {
		delete(s.(map[string]any), "params")
	}
	b, _ = json.Marshal(m)
	os.WriteFile(man, b, 0o600)
	v = reopen(t, dir)
	if _, err := v.Rekey(nil); err == nil || !strings.Contains(err.Error(), "nothing was changed") {
		t.Errorf("rekey that would leave only a new recovery code: %v", err)
	}
	res, err := v.Rekey(&vault.RekeyOptions{Passphrases: []string{testPass, "key pin"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.RecoveryCode == "" || len(res.Dropped) != 1 || res.Dropped[0].Slot.Kind != vault.SlotRecoveryCode {
		t.Fatalf("result: dropped %+v, new code given: %v", res.Dropped, res.RecoveryCode != "")
	}
	w, _ := vault.Open(dir, testOpts)
	if err := w.UnlockRecoveryCode(code); !errors.Is(err, vault.ErrWrongKey) {
		t.Errorf("the old code: %v", err)
	}
	if err := w.UnlockRecoveryCode(res.RecoveryCode); err != nil || len(w.Entries()) != 1 {
		t.Errorf("the new code: %v", err)
	}
}

func writeTemp(t testing.TB, b []byte) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "f.age")
	if err := os.WriteFile(f, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// TestRekeyCutShort: a rekey stopped after its first phase leaves the old
// master key in use, every file opening with it; one stopped after its
// new slots were written leaves the new key in use and files that both
// keys open, until the next unlock encrypts them to the new key alone.
func TestRekeyCutShort(t *testing.T) {
	v, dir, code := newVault(t)
	mustAdd(t, v, totp("A", "a", 1))
	mustSave(t, v)
	mustAdd(t, v, totp("B", "b", 2))
	mustSave(t, v)
	rec, _ := vault.ParseRecoveryCode(code)
	oldMaster := masterOf(t, slotFile(t, dir, "recovery"), rec)
	opts := &vault.RekeyOptions{Passphrases: []string{testPass}}

	undo := vault.StopRekeyAfter(1)
	if _, err := v.Rekey(opts); err == nil {
		t.Fatal("the rekey was not stopped")
	}
	undo()
	if m := masterOf(t, slotFile(t, dir, "recovery"), rec); m.String() != oldMaster.String() {
		t.Error("a rekey stopped before its slots changed the master key")
	}
	for _, f := range vaultFiles(t, dir) {
		if !decrypts(f, oldMaster) {
			t.Errorf("after phase 1 the old master key does not open %s", f)
		}
	}
	if w := reopen(t, dir); len(w.Entries()) != 2 {
		t.Errorf("%d entries after phase 1", len(w.Entries()))
	}

	v = reopen(t, dir)
	undo = vault.StopRekeyAfter(2)
	if _, err := v.Rekey(opts); err == nil {
		t.Fatal("the rekey was not stopped")
	}
	undo()
	newMaster := masterOf(t, slotFile(t, dir, "recovery"), rec)
	if newMaster.String() == oldMaster.String() {
		t.Fatal("a rekey stopped after its slots kept the old master key")
	}
	for _, f := range vaultFiles(t, dir) {
		if !decrypts(f, oldMaster) || !decrypts(f, newMaster) {
			t.Errorf("after phase 2 %s does not open with both master keys", f)
		}
	}
	if w := reopen(t, dir); len(w.Entries()) != 2 {
		t.Errorf("%d entries after phase 2", len(w.Entries()))
	}
	for _, f := range vaultFiles(t, dir) {
		if decrypts(f, oldMaster) || !decrypts(f, newMaster) {
			t.Errorf("after the unlock that finishes the rekey, %s still opens with the old master key (or not with the new)", f)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "vault.json")); bytes.Contains(b, []byte("rekeying")) {
		t.Error("vault.json still says rekeying")
	}
}
