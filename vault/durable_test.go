//go:build unix

package vault_test

import (
	"path/filepath"
	"testing"

	"github.com/tessera-auth/tessera/vault"
)

// Create makes the vault folder (and missing parents) durable too: the
// folder holding each new folder is synced, so that a power cut after
// `tessera init` reported success does not take the new vault away.
func TestCreateSyncsNewFolders(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "a", "b", "vault")
	synced := vault.RecordDirSyncsForTest(t)
	v, _, err := vault.Create(dir, testPass, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	v.Lock()
	got := synced()
	for _, d := range []string{base, filepath.Join(base, "a"), filepath.Join(base, "a", "b"), dir} {
		if !got[d] {
			t.Errorf("%s was not synced after Create made a folder in it; synced: %v", d, got)
		}
	}
}
