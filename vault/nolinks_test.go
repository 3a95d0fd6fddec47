package vault_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/tessera-auth/tessera/vault"
)

// On a file system without hard links (FAT, exFAT: a vault on a USB stick
// or an SD card; Linux's vfat refuses link(2) with EPERM), saves keep
// their backups and Restore keeps a damaged body aside as durable copies.
func TestNoHardLinks(t *testing.T) {
	v, dir, _ := newVault(t)
	vault.FailLinksForTest(t)
	synced := vault.RecordDirSyncsForTest(t)
	backups := filepath.Join(dir, "backups")

	a := mustAdd(t, v, totp("A", "a", 1))
	mustSave(t, v)
	mustAdd(t, v, totp("B", "b", 2))
	before, err := os.ReadFile(filepath.Join(dir, "body.age"))
	if err != nil {
		t.Fatal(err)
	}
	mustSave(t, v)
	kept, err := os.ReadFile(filepath.Join(backups, "body-2.age"))
	if err != nil {
		t.Fatalf("the save kept no backup without hard links: %v", err)
	}
	if !bytes.Equal(kept, before) {
		t.Fatal("backup 2 differs from the body it keeps")
	}

	flip(t, filepath.Join(dir, "body.age"), -5)
	bad, err := os.ReadFile(filepath.Join(dir, "body.age"))
	if err != nil {
		t.Fatal(err)
	}
	w, err := vault.Open(dir, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.UnlockPassphrase(testPass); !errors.Is(err, vault.ErrDamaged) {
		t.Fatalf("damaged body: got %v", err)
	}
	if err := w.Restore("2"); err != nil {
		t.Fatalf("restore without hard links: %v", err)
	}
	if got := w.Entries(); len(got) != 1 || got[0].ID != a.ID {
		t.Fatalf("after restore: %+v", got)
	}
	m, _ := filepath.Glob(filepath.Join(backups, "damaged-*.age"))
	if len(m) != 1 {
		t.Fatalf("damaged bodies kept aside: %v, want one", m)
	}
	if aside, err := os.ReadFile(m[0]); err != nil || !bytes.Equal(aside, bad) {
		t.Fatalf("the damaged body kept aside differs from it (%v)", err)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(backups, ".tmp-*")); len(leftovers) > 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
	// Windows cannot sync a folder (NTFS journals renames).
	if runtime.GOOS != "windows" && !synced()[filepath.Clean(backups)] {
		t.Errorf("the backups folder was not synced")
	}
}
