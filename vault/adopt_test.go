package vault_test

import (
	"errors"
	"testing"

	"filippo.io/age"

	"github.com/tessera-auth/tessera/vault"
)

// TestAdoptKeys: a vault joined from another's keys takes that vault's new
// master key after a rekey, in place: entries and sealed files kept, the
// same passphrase opening it from disk, files the rekeyed vault seals now
// readable, and the old keys document refused afterwards.
func TestAdoptKeys(t *testing.T) {
	a, _, _ := newVault(t)
	keys, err := a.Keys()
	if err != nil {
		t.Fatal(err)
	}
	pass, _ := age.NewScryptIdentity(testPass)
	bdir := t.TempDir() + "/b"
	b, err := vault.Join(bdir, keys, pass, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	mustAdd(t, b, totp("Kept", "b", 1))
	mustSave(t, b)
	if err := b.WriteSealed("kept", []byte("sealed before the adoption")); err != nil {
		t.Fatal(err)
	}
	if rel, err := b.CompareKeys(keys); err != nil || rel != vault.KeysSame {
		t.Fatalf("before the rekey: CompareKeys = %v, %v; want KeysSame", rel, err)
	}
	if _, err := a.Rekey(&vault.RekeyOptions{Passphrases: []string{testPass}}); err != nil {
		t.Fatal(err)
	}
	newKeys, err := a.Keys()
	if err != nil {
		t.Fatal(err)
	}
	if rel, _ := b.CompareKeys(newKeys); rel != vault.KeysNewer {
		t.Fatalf("CompareKeys(rekeyed) = %v, want KeysNewer", rel)
	}
	if rel, _ := a.CompareKeys(keys); rel != vault.KeysOlder {
		t.Fatalf("rekeyed vault: CompareKeys(old keys) = %v, want KeysOlder", rel)
	}
	sealedByA, err := a.Seal([]byte("written after the rekey"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Unseal(sealedByA); err == nil {
		t.Fatal("the old master key opens a file sealed after the rekey")
	}
	wrong, _ := age.NewScryptIdentity("not the passphrase")
	if err := b.AdoptKeys(newKeys, wrong); !errors.Is(err, vault.ErrWrongKey) {
		t.Fatalf("AdoptKeys(wrong passphrase) = %v, want ErrWrongKey", err)
	}
	if err := b.AdoptKeys(keys, pass); err == nil {
		t.Fatal("AdoptKeys took a document of the key it already has")
	}
	if err := b.AdoptKeys(newKeys, pass); err != nil {
		t.Fatal(err)
	}
	if got, want := b.KeyFingerprint(), a.KeyFingerprint(); got != want {
		t.Errorf("fingerprint after adoption %s, want %s", got, want)
	}
	if _, err := b.Unseal(sealedByA); err != nil {
		t.Errorf("the adopted key does not open a file the rekeyed vault sealed: %v", err)
	}
	if err := b.AdoptKeys(keys, pass); err == nil {
		t.Error("AdoptKeys went back to the replaced key")
	}
	b.Lock()
	b = reopen(t, bdir)
	defer b.Lock()
	if got := b.Entries(); len(got) != 1 || got[0].Issuer != "Kept" {
		t.Errorf("entries after adoption: %v", got)
	}
	if s, err := b.ReadSealed("kept"); err != nil || string(s) != "sealed before the adoption" {
		t.Errorf("sealed file after adoption: %q, %v", s, err)
	}
	if rel, _ := b.CompareKeys(keys); rel != vault.KeysOlder {
		t.Errorf("reopened: CompareKeys(old keys) = %v, want KeysOlder", rel)
	}
}

// TestAdoptKeysCutShort: an adoption stopped after either phase leaves a
// vault that opens (with the old slots or the new), with its entries, and
// the next unlock finishes it.
func TestAdoptKeysCutShort(t *testing.T) {
	for _, phase := range []int{1, 2} {
		a, _, _ := newVault(t)
		keys, _ := a.Keys()
		pass, _ := age.NewScryptIdentity(testPass)
		bdir := t.TempDir() + "/b"
		b, err := vault.Join(bdir, keys, pass, testOpts)
		if err != nil {
			t.Fatal(err)
		}
		mustAdd(t, b, totp("Kept", "b", 1))
		mustSave(t, b)
		if _, err := a.Rekey(&vault.RekeyOptions{Passphrases: []string{testPass}}); err != nil {
			t.Fatal(err)
		}
		newKeys, _ := a.Keys()
		undo := vault.StopRekeyAfter(phase)
		err = b.AdoptKeys(newKeys, pass)
		undo()
		if err == nil {
			t.Fatalf("phase %d: the stop did not happen", phase)
		}
		b.Lock()
		b = reopen(t, bdir)
		if got := b.Entries(); len(got) != 1 {
			t.Errorf("phase %d: entries %v", phase, got)
		}
		if phase == 2 {
			if got, want := b.KeyFingerprint(), a.KeyFingerprint(); got != want {
				t.Errorf("phase 2: fingerprint %s, want the adopted %s", got, want)
			}
		} else if err := b.AdoptKeys(newKeys, pass); err != nil {
			t.Errorf("phase 1: adopting again: %v", err)
		}
		b.Lock()
	}
}
