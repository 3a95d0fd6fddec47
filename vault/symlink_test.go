//go:build unix

package vault_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tessera-auth/tessera/vault"
)

// A vault file that is a symbolic link (say body.age linked into a synced
// folder) is refused on write, with a message saying why: a save replaces
// the file, which would silently cut the link (the linked copy then goes
// stale) and keep a backup that is a link to a file outside the vault.
// The vault folder itself may be a link.
func TestSymlinkedFiles(t *testing.T) {
	for name, write := range map[string]func(*vault.Vault) error{
		"body.age":   (*vault.Vault).Save,
		"vault.json": func(v *vault.Vault) error { return v.SetBackupsKept(3) },
	} {
		t.Run(name, func(t *testing.T) {
			v, dir, _ := newVault(t)
			mustAdd(t, v, totp("A", "a", 1))
			mustSave(t, v)
			elsewhere := filepath.Join(t.TempDir(), name)
			if err := os.Rename(filepath.Join(dir, name), elsewhere); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(elsewhere, filepath.Join(dir, name)); err != nil {
				t.Fatal(err)
			}
			target, _ := os.ReadFile(elsewhere)
			before := snapshot(t, dir)

			w := reopen(t, dir) // reading through the link is fine
			if len(w.Entries()) != 1 {
				t.Fatalf("entries: %d", len(w.Entries()))
			}
			mustAdd(t, w, totp("B", "b", 2))
			err := write(w)
			if err == nil || !strings.Contains(err.Error(), "symbolic link") || !strings.Contains(err.Error(), name) {
				t.Fatalf("write over a linked %s: got %v, want an error naming it as a symbolic link", name, err)
			}
			if fi, err := os.Lstat(filepath.Join(dir, name)); err != nil || fi.Mode()&os.ModeSymlink == 0 {
				t.Errorf("%s is no longer the link", name)
			}
			if after, _ := os.ReadFile(elsewhere); string(after) != string(target) {
				t.Errorf("the linked file changed")
			}
			if after := snapshot(t, dir); after != before {
				t.Errorf("the folder changed:\n%s\nwas\n%s", after, before)
			}
		})
	}

	t.Run("linked folder", func(t *testing.T) {
		_, dir, _ := newVault(t)
		link := filepath.Join(t.TempDir(), "link")
		if err := os.Symlink(dir, link); err != nil {
			t.Fatal(err)
		}
		w := reopen(t, link)
		mustAdd(t, w, totp("B", "b", 2))
		mustSave(t, w)
		if got := reopen(t, dir).Entries(); len(got) != 1 {
			t.Fatalf("entries through the real folder: %d", len(got))
		}
	})
}
