package folder_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/tessera-auth/tessera/sync/folder"
	"github.com/tessera-auth/tessera/vault"
)

// adopt syncs v, which must find the folder's keys newer than its own, and
// takes them with passphrase pass.
func adopt(t *testing.T, v *vault.Vault, sf, pass string) {
	t.Helper()
	_, err := folder.Sync(v, sf, nil)
	var kc *folder.KeyChangedError
	if !errors.As(err, &kc) {
		t.Fatalf("sync after the other device's rekey: %v, want a KeyChangedError", err)
	}
	id, _ := age.NewScryptIdentity(pass)
	if err := v.AdoptKeys(kc.Keys, id); err != nil {
		t.Fatalf("adopting the new key: %v", err)
	}
}

// TestRekeyedDevice: after one device gives the vault a new master key,
// the other's sync stops and says so (nothing merged, nothing written);
// it takes the new key in place with the passphrase, keeping the change it
// made meanwhile and its device ID, and the two converge. Before that, the
// rekeyed device says the other's file is of the old key.
func TestRekeyedDevice(t *testing.T) {
	sf := t.TempDir()
	a, _ := newVault(t)
	add(t, a, totp("GitHub", 1))
	syncOK(t, a, sf)
	b := join(t, sf)
	bRep := syncOK(t, b, sf)

	if _, err := a.Rekey(&vault.RekeyOptions{Passphrases: []string{testPass}}); err != nil {
		t.Fatal(err)
	}
	add(t, a, totp("After", 2))
	rep, err := folder.Sync(a, sf, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range rep.Problems {
		if p.Device == bRep.Device.ID && !strings.Contains(p.Why, "takes the new key at its next sync") {
			t.Errorf("rekeyed device: problem %v", p)
		}
	}
	add(t, b, totp("Meanwhile", 3))
	before, _ := os.ReadFile(filepath.Join(sf, folder.DeviceFile(bRep.Device.ID)))
	_, err = folder.Sync(b, sf, nil)
	var kc *folder.KeyChangedError
	if !errors.As(err, &kc) || kc.Device != rep.Device.ID || !strings.Contains(err.Error(), "new master key") {
		t.Fatalf("other device: %v, want a KeyChangedError naming device %s", err, rep.Device.ID)
	}
	if after, _ := os.ReadFile(filepath.Join(sf, folder.DeviceFile(bRep.Device.ID))); string(after) != string(before) {
		t.Error("the sync that stopped for the new key wrote its device file")
	}
	adopt(t, b, sf, testPass)
	got := syncOK(t, b, sf)
	if got.Device.ID != bRep.Device.ID {
		t.Errorf("after adopting, device %s, was %s", got.Device.ID, bRep.Device.ID)
	}
	syncOK(t, a, sf)
	if got, want := labels(b), labels(a); got != want || !strings.Contains(got, "Meanwhile") || !strings.Contains(got, "After") {
		t.Errorf("after adopting: %s and %s", got, want)
	}
	// A device joining now gets the new key, and everything.
	c := join(t, sf)
	syncOK(t, c, sf)
	if got, want := labels(c), labels(a); got != want {
		t.Errorf("joined after the rekey: %s, want %s", got, want)
	}
}

// TestRevoke: three devices; one is revoked from another in one step. The
// two kept converge after the third takes the new key; the revoked one
// reads none of the files written afterwards (its old master key opens
// none); what it writes later is reported and not merged; and a revoked
// device that learns the new passphrase-opened key is told it is revoked.
func TestRevoke(t *testing.T) {
	sf := t.TempDir()
	a, _ := newVault(t)
	add(t, a, totp("Shared", 1))
	named := func(n string) *folder.Options { return &folder.Options{Name: n} }
	syncAs := func(v *vault.Vault, n string) *folder.Report {
		t.Helper()
		rep, err := folder.Sync(v, sf, named(n))
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	syncAs(a, "alpha")
	b := join(t, sf)
	syncAs(b, "bravo")
	c := join(t, sf)
	cID := syncAs(c, "charlie").Device.ID
	add(t, c, totp("FromCharlie", 2))
	syncAs(c, "charlie")
	syncAs(a, "alpha")
	stale := t.TempDir() // the folder as charlie's sync tool still has it
	copyDir(t, sf, stale)

	if _, err := folder.Revoke(a, sf, "alpha", &folder.RevokeOptions{Rekey: vault.RekeyOptions{Passphrases: []string{testPass}}}); !errors.Is(err, folder.ErrRevokeSelf) {
		t.Fatalf("revoking this device: %v, want ErrRevokeSelf", err)
	}
	if _, err := folder.Revoke(a, sf, "nobody", &folder.RevokeOptions{Rekey: vault.RekeyOptions{Passphrases: []string{testPass}}}); !errors.Is(err, folder.ErrNoDevice) {
		t.Fatalf("revoking an unknown device: %v, want ErrNoDevice", err)
	}
	if _, err := folder.Revoke(a, sf, "Charlie", nil); err == nil || !strings.Contains(err.Error(), "give the passphrase") {
		t.Fatalf("revoking without the passphrase: %v", err)
	}
	res, err := folder.Revoke(a, sf, "Charlie", &folder.RevokeOptions{Rekey: vault.RekeyOptions{Passphrases: []string{testPass}}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Device.ID != cID || len(res.Removed) != 2 {
		t.Errorf("revoked %s, removed %v; want %s and its two files", res.Device.ID, res.Removed, cID)
	}
	if len(res.Rekey.Dropped) > 0 {
		t.Errorf("slots dropped: %v", res.Rekey.Dropped)
	}

	adopt(t, b, sf, testPass)
	syncAs(b, "bravo")
	add(t, b, totp("AfterFromBravo", 3))
	add(t, a, totp("AfterFromAlpha", 4))
	for range 2 {
		syncAs(a, "alpha")
		syncAs(b, "bravo")
	}
	if got, want := labels(b), labels(a); got != want || !strings.Contains(got, "AfterFromBravo") || !strings.Contains(got, "AfterFromAlpha") || !strings.Contains(got, "FromCharlie") {
		t.Errorf("kept devices: %s and %s", got, want)
	}
	_, list, _, err := folder.Devices(a, sf)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range list {
		if (d.ID == cID) != (d.Revoked != nil) {
			t.Errorf("device %s %q: revoked %v", d.ID, d.Name, d.Revoked)
		}
	}

	// Every file in the folder now: the revoked device's key opens none.
	ents, _ := os.ReadDir(sf)
	n := 0
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), "tessera-device-") {
			continue
		}
		n++
		ct, _ := os.ReadFile(filepath.Join(sf, e.Name()))
		if _, err := c.Unseal(ct); err == nil {
			t.Errorf("the revoked device's key opens %s", e.Name())
		}
		if _, err := a.Unseal(ct); err != nil {
			t.Errorf("the new key does not open %s: %v", e.Name(), err)
		}
	}
	if n != 2 {
		t.Errorf("%d device files in the folder, want alpha's and bravo's", n)
	}

	// The revoked device writes again, into the copy its sync tool still
	// has; the file reaches the folder: reported, not merged.
	add(t, c, totp("LateFromCharlie", 5))
	if _, err := folder.Sync(c, stale, named("charlie")); err != nil {
		t.Fatal(err)
	}
	late, _ := os.ReadFile(filepath.Join(stale, folder.DeviceFile(cID)))
	os.WriteFile(filepath.Join(sf, folder.DeviceFile(cID)), late, 0o600)
	for name, v := range map[string]*vault.Vault{"alpha": a, "bravo": b} {
		rep := syncAs(v, name)
		found := false
		for _, p := range rep.Problems {
			found = found || p.Device == cID && strings.Contains(p.Why, "was revoked by alpha")
		}
		if !found {
			t.Errorf("%s: the revoked device's file is not reported as such: %v", name, rep.Problems)
		}
		if strings.Contains(labels(v), "LateFromCharlie") {
			t.Errorf("%s merged what the revoked device wrote afterwards", name)
		}
	}

	// Its person knows the passphrase: it can take the new key (the
	// passphrase was not changed), but then learns it is revoked, and
	// writes nothing.
	os.Remove(filepath.Join(sf, folder.DeviceFile(cID)))
	adopt(t, c, sf, testPass)
	_, err = folder.Sync(c, sf, named("charlie"))
	var re *folder.RevokedError
	if !errors.As(err, &re) || !strings.Contains(err.Error(), "revoked by alpha") {
		t.Fatalf("revoked device's sync: %v, want a RevokedError", err)
	}
	if _, err := os.Stat(filepath.Join(sf, folder.DeviceFile(cID))); err == nil {
		t.Error("the revoked device wrote its file")
	}
}

// TestRevokeNewPassphrase: revoking with a new passphrase; the kept device
// takes the new key with the new passphrase, and the old one opens none of
// the folder's key slots.
func TestRevokeNewPassphrase(t *testing.T) {
	const newPass = "a new passphrase for the folder"
	sf := t.TempDir()
	a, _ := newVault(t)
	add(t, a, totp("Shared", 1))
	syncOK(t, a, sf)
	b := join(t, sf)
	syncOK(t, b, sf)
	c := join(t, sf)
	cID := syncOK(t, c, sf).Device.ID
	if _, err := folder.Revoke(a, sf, cID, &folder.RevokeOptions{NewPassphrase: newPass}); err != nil {
		t.Fatal(err)
	}
	_, err := folder.Sync(b, sf, nil)
	var kc *folder.KeyChangedError
	if !errors.As(err, &kc) {
		t.Fatalf("kept device: %v", err)
	}
	old, _ := age.NewScryptIdentity(testPass)
	if err := b.AdoptKeys(kc.Keys, old); !errors.Is(err, vault.ErrWrongKey) {
		t.Fatalf("adopting with the old passphrase: %v, want ErrWrongKey", err)
	}
	if _, err := folder.Join(sf, filepath.Join(t.TempDir(), "j"), old, testOpts); !errors.Is(err, vault.ErrWrongKey) {
		t.Errorf("joining with the old passphrase: %v, want ErrWrongKey", err)
	}
	adopt(t, b, sf, newPass)
	syncOK(t, b, sf)
	if got, want := labels(b), labels(a); got != want {
		t.Errorf("kept device: %s, want %s", got, want)
	}
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	ents, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}
