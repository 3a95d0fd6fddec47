//go:build unix

package vault_test

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/tessera-auth/tessera/vault"
)

// No write follows a link out of the vault folder: a lock file, state file
// or backup that is a symbolic link, a hard link to a file elsewhere or a
// FIFO is refused (or set aside), and the file outside is left as it was.
func TestLinkedVaultFilesAreNotFollowed(t *testing.T) {
	const notes = "my notes, not the vault's\n"
	for _, c := range []struct{ name, how string }{
		{"lock", "symlink"},
		{"lock", "hardlink"},
		{"lock", "fifo"},
		{"state.age", "symlink"},
		{"state.age", "fifo"},
	} {
		t.Run(c.name+" "+c.how, func(t *testing.T) {
			v, dir, _ := newVault(t)
			mustAdd(t, v, totp("A", "a", 1))
			mustSave(t, v)
			outside := filepath.Join(filepath.Dir(dir), "notes.txt")
			if err := os.WriteFile(outside, []byte(notes), 0o600); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, c.name)
			os.Remove(path)
			var err error
			switch c.how {
			case "symlink":
				err = os.Symlink("../notes.txt", path)
			case "hardlink":
				err = os.Link(outside, path)
			case "fifo":
				err = syscall.Mkfifo(path, 0o600)
			}
			if err != nil {
				t.Fatal(err)
			}
			mustAdd(t, v, totp("B", "b", 2))
			err = v.Save()
			if err == nil || !strings.Contains(err.Error(), c.name) {
				t.Fatalf("save with a %s %s: got %v, want an error naming it", c.how, c.name, err)
			}
			if strings.Contains(err.Error(), "notes") {
				t.Errorf("the error names the link's target: %v", err)
			}
			if b, _ := os.ReadFile(outside); string(b) != notes {
				t.Fatalf("the file outside the vault changed: %q", b)
			}
			if fi, _ := os.Lstat(path); fi.Mode().IsRegular() && c.how != "hardlink" {
				t.Errorf("%s was replaced", c.name)
			}
			if len(reopen(t, dir).Entries()) != 1 {
				t.Errorf("the vault changed")
			}
		})
	}

	t.Run("backup name taken by a link", func(t *testing.T) {
		v, dir, _ := newVault(t)
		mustAdd(t, v, totp("A", "a", 1))
		mustSave(t, v) // body 2
		outside := filepath.Join(filepath.Dir(dir), "notes.txt")
		os.WriteFile(outside, []byte(notes), 0o600)
		taken := filepath.Join(dir, "backups", "body-2.age")
		os.Remove(taken)
		if err := os.Symlink("../../notes.txt", taken); err != nil {
			t.Fatal(err)
		}
		mustAdd(t, v, totp("B", "b", 2))
		mustSave(t, v)
		if b, _ := os.ReadFile(outside); string(b) != notes {
			t.Fatalf("the file outside the vault changed: %q", b)
		}
		w := reopen(t, dir)
		if err := w.Restore("2"); err != nil {
			t.Fatal(err)
		}
		if n := len(w.Entries()); n != 1 {
			t.Fatalf("backup 2 holds %d entries, want 1", n)
		}
	})
}

// A backups or sealed folder that is a link out of the vault is refused,
// and nothing is written through it.
func TestLinkedSubfolders(t *testing.T) {
	for _, name := range []string{"backups", "sealed"} {
		t.Run(name, func(t *testing.T) {
			v, dir, _ := newVault(t)
			mustAdd(t, v, totp("A", "a", 1))
			mustSave(t, v)
			outside := t.TempDir()
			// Files out there that a save or prune would remove if it
			// followed the link.
			for _, f := range []string{".tmp-body.age-1", "body-1.age", "damaged-1.age"} {
				os.WriteFile(filepath.Join(outside, f), []byte("mine"), 0o600)
			}
			os.RemoveAll(filepath.Join(dir, name))
			if err := os.Symlink(outside, filepath.Join(dir, name)); err != nil {
				t.Fatal(err)
			}
			var err error
			if name == "backups" {
				mustAdd(t, v, totp("B", "b", 2))
				err = v.Save()
			} else {
				err = v.WriteSealed("x", []byte("data"))
			}
			if err == nil || !strings.Contains(err.Error(), name+" is a symbolic link") {
				t.Fatalf("got %v, want the linked %s refused", err, name)
			}
			if err := v.SetBackupsKept(0); err != nil {
				t.Fatal(err)
			}
			if ents, _ := os.ReadDir(outside); len(ents) != 3 {
				t.Errorf("files written or removed through the link: %v", ents)
			}
		})
	}
}

// A folder or FIFO in place of body.age is damage (exit 4 in the CLI), and
// reading it never hangs.
func TestBodyNotARegularFile(t *testing.T) {
	for _, how := range []string{"folder", "fifo"} {
		t.Run(how, func(t *testing.T) {
			_, dir, _ := newVault(t)
			body := filepath.Join(dir, "body.age")
			os.Remove(body)
			var err error
			if how == "folder" {
				err = os.Mkdir(body, 0o700)
			} else {
				err = syscall.Mkfifo(body, 0o600)
			}
			if err != nil {
				t.Fatal(err)
			}
			w, err := vault.Open(dir, testOpts)
			if err != nil {
				t.Fatal(err)
			}
			err = w.UnlockPassphrase(testPass)
			if !errorsIsDamaged(err) || !strings.Contains(err.Error(), "body.age") {
				t.Fatalf("got %v, want damage of body.age", err)
			}
		})
	}
}
