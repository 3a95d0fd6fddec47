package vault_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tessera-auth/tessera/vault"
)

// A folder holding what an interrupted Create leaves (slots and an empty
// body, no vault.json) is recognised, and Create with the same passphrase
// starts over; another passphrase, or a body with entries, is never
// removed.
func TestInterruptedCreate(t *testing.T) {
	_, dir, oldCode := newVault(t)
	if err := os.Remove(filepath.Join(dir, "vault.json")); err != nil {
		t.Fatal(err)
	}
	_, err := vault.Open(dir, testOpts)
	if !errors.Is(err, vault.ErrIncomplete) || !errors.Is(err, vault.ErrDamaged) {
		t.Fatalf("open: got %v, want ErrIncomplete", err)
	}
	if _, _, err := vault.Create(dir, "another passphrase", testOpts); err == nil || !strings.Contains(err.Error(), "interrupted") {
		t.Fatalf("create with another passphrase: got %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "body.age")); err != nil {
		t.Fatal("the refused create removed body.age")
	}
	v, code, err := vault.Create(dir, testPass, testOpts)
	if err != nil {
		t.Fatalf("create over an interrupted one: %v", err)
	}
	mustAdd(t, v, totp("A", "a", 1))
	mustSave(t, v)
	w, _ := vault.Open(dir, testOpts)
	if err := w.UnlockRecoveryCode(oldCode); !errors.Is(err, vault.ErrWrongKey) {
		t.Errorf("the interrupted create's recovery code: %v", err)
	}
	if err := w.UnlockRecoveryCode(code); err != nil {
		t.Fatal(err)
	}

	// A body with entries and no vault.json is never taken for one.
	mustAdd(t, v, totp("B", "b", 2))
	mustSave(t, v)
	os.RemoveAll(filepath.Join(dir, "backups"))
	os.Remove(filepath.Join(dir, "vault.json"))
	if _, _, err := vault.Create(dir, testPass, testOpts); err == nil {
		t.Fatal("create over a vault with entries that lost its vault.json")
	}
	if _, err := os.Stat(filepath.Join(dir, "body.age")); err != nil {
		t.Fatal("body.age with entries was removed")
	}
}
