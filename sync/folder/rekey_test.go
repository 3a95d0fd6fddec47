package folder_test

import (
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/tessera-auth/tessera/sync/folder"
	"github.com/tessera-auth/tessera/vault"
)

// TestRekeyedDevice: after one device gives the vault a new master key,
// neither device takes in the other's file silently: each sync reports
// the other's file, naming the rekey and what to do; a device joining
// again gets every entry, those written after the rekey too.
func TestRekeyedDevice(t *testing.T) {
	sf := t.TempDir()
	a, _ := newVault(t)
	add(t, a, totp("GitHub", 1))
	syncOK(t, a, sf)
	b := join(t, sf)
	syncOK(t, b, sf)

	if _, err := a.Rekey(&vault.RekeyOptions{Passphrases: []string{testPass}}); err != nil {
		t.Fatal(err)
	}
	add(t, a, totp("After", 2))
	for name, v := range map[string]*vault.Vault{"rekeyed device": a, "other device": b} {
		rep, err := folder.Sync(v, sf, nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		// The rekeyed device also reports its own file of before the
		// rekey, once: this sync writes it again.
		if len(rep.Problems) == 0 {
			t.Errorf("%s: no problem reported", name)
		}
		for _, p := range rep.Problems {
			if !strings.Contains(p.Why, "tessera rekey") || !strings.Contains(p.Why, "joins again") {
				t.Errorf("%s: problem %v", name, p)
			}
		}
	}
	id, _ := age.NewScryptIdentity(testPass)
	c, err := folder.Join(sf, filepath.Join(t.TempDir(), "again"), id, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := folder.Sync(c, sf, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := labels(c), labels(a); got != want {
		t.Errorf("joined again: %s, want %s (problems %v)", got, want, rep.Problems)
	}
}
