package vault_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/tessera-auth/tessera/vault"
)

// Each restore over a damaged body keeps that body aside as
// backups/damaged-*.age; the vault keeps the newest 3 of them (fewer if
// it keeps fewer backups), so that they do not pile up for ever.
func TestDamagedBodiesPruned(t *testing.T) {
	v, dir, _ := newVault(t)
	mustAdd(t, v, totp("A", "a", 1))
	mustSave(t, v)
	v.Lock()
	body := filepath.Join(dir, "body.age")
	var damaged [][]byte // the damaged bodies, oldest first
	aside := func() [][]byte {
		m, _ := filepath.Glob(filepath.Join(dir, "backups", "damaged-*.age"))
		var out [][]byte
		for _, f := range m {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, b)
		}
		return out
	}
	for round := range 5 {
		flip(t, body, -5-round)
		b, err := os.ReadFile(body)
		if err != nil {
			t.Fatal(err)
		}
		damaged = append(damaged, b)
		w, err := vault.Open(dir, testOpts)
		if err != nil {
			t.Fatal(err)
		}
		var de *vault.DamagedError
		if err := w.UnlockPassphrase(testPass); !errors.As(err, &de) || de.Backup == "" {
			t.Fatalf("round %d: got %v, want a damaged body naming a backup", round, err)
		}
		if err := w.Restore(de.Backup); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		w.Lock()
	}
	got := aside()
	if len(got) != 3 {
		t.Fatalf("%d damaged bodies kept, want the newest 3", len(got))
	}
	for _, want := range damaged[2:] {
		if !slices.ContainsFunc(got, func(b []byte) bool { return bytes.Equal(b, want) }) {
			t.Fatal("one of the 3 newest damaged bodies is gone")
		}
	}

	// Keeping fewer backups keeps fewer damaged bodies, none for none.
	w := reopen(t, dir)
	if err := w.SetBackupsKept(1); err != nil {
		t.Fatal(err)
	}
	if got := aside(); len(got) != 1 || !bytes.Equal(got[0], damaged[4]) {
		t.Fatalf("with 1 backup kept: %d damaged bodies kept, want the newest alone", len(got))
	}
	if err := w.SetBackupsKept(0); err != nil {
		t.Fatal(err)
	}
	if got := aside(); len(got) != 0 {
		t.Fatalf("with no backups kept: %d damaged bodies kept", len(got))
	}
}
