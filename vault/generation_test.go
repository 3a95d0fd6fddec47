package vault_test

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tessera-auth/tessera/vault"
)

// The save generation never wraps or goes back, whatever the folder holds:
// a forged generation record or a stray backup named after the largest
// generation must not stop saves from keeping backups, and the backup that
// a removal names must hold the removed entry.
func TestGenerationNeverWraps(t *testing.T) {
	const top = "18446744073709551615"
	for name, forge := range map[string]func(t *testing.T, dir string){
		"forged record": func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, "generation"), []byte("18446744073709551614\n"), 0o600); err != nil {
				t.Fatal(err)
			}
		},
		"stray backup": func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, "backups", "body-"+top+".age"), nil, 0o600); err != nil {
				t.Fatal(err)
			}
		},
		"both": func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "generation"), []byte(top+"\n"), 0o600)
			os.WriteFile(filepath.Join(dir, "backups", "body-"+top+".age"), []byte("x"), 0o600)
			os.WriteFile(filepath.Join(dir, "backups", "body-18446744073709551614.age"), []byte("y"), 0o600)
		},
	} {
		t.Run(name, func(t *testing.T) {
			v, dir, _ := newVault(t)
			mustAdd(t, v, totp("A", "a", 0))
			mustSave(t, v)
			forge(t, dir)
			w := reopen(t, dir)
			if r := w.Rollback(); r != nil {
				t.Fatalf("a forged file gives a rollback warning: %s", r)
			}
			var ids []string
			for i := 1; i <= 14; i++ {
				e := mustAdd(t, w, totp("A", "a"+strconv.Itoa(i), i))
				ids = append(ids, e.ID)
				mustSave(t, w)
			}
			// Every save kept a backup of the body before it: the newest
			// ones hold all but the entries added after them.
			for k := 1; k <= 3; k++ {
				removed := ids[len(ids)-k]
				if err := w.Delete(removed); err != nil {
					t.Fatal(err)
				}
				mustSave(t, w)
				b, ok := w.BackupWith(removed)
				if !ok {
					t.Fatalf("removal %d: no backup holds the removed entry", k)
				}
				r := reopen(t, dir)
				if err := r.Restore(b.ID); err != nil {
					t.Fatal(err)
				}
				if _, ok := r.Entry(removed); !ok {
					t.Fatalf("removal %d: backup %s was named as holding the removed entry, but restoring it does not bring it back", k, b.ID)
				}
				if n := len(r.Entries()); n != 15-k+1 {
					t.Fatalf("removal %d: backup %s holds %d entries, want %d", k, b.ID, n, 15-k+1)
				}
				// Back to the state before the restore, by another restore.
				if err := r.Delete(removed); err != nil {
					t.Fatal(err)
				}
				mustSave(t, r)
				w = reopen(t, dir)
			}
			bs, err := w.Backups()
			if err != nil {
				t.Fatal(err)
			}
			for _, b := range bs {
				if b.ID == top || b.ID == "18446744073709551614" {
					continue // the forged names themselves
				}
				g, _ := strconv.ParseUint(b.ID, 10, 64)
				if g > 1<<40 {
					t.Errorf("backup %s: a generation that large comes from a forged file", b.ID)
				}
			}
			if r := reopen(t, dir).Rollback(); r != nil {
				t.Fatalf("rollback warning after ordinary saves: %s", r)
			}
		})
	}
}

// A backup name that is taken (by a file another line of history or a
// person left there) never means that a save keeps no backup: the save
// keeps the body it replaces under that name, and the file that was there
// is set aside, not lost.
func TestTakenBackupName(t *testing.T) {
	v, dir, _ := newVault(t)
	mustAdd(t, v, totp("A", "a", 1))
	mustSave(t, v) // body 2
	// The next save keeps body 2 as backups/body-2.age: take that name.
	stray := filepath.Join(dir, "backups", "body-2.age")
	os.Remove(stray)
	if err := os.WriteFile(stray, []byte("not this vault's body"), 0o600); err != nil {
		t.Fatal(err)
	}
	b := mustAdd(t, v, totp("B", "b", 2))
	mustSave(t, v)
	if err := v.Delete(b.ID); err != nil {
		t.Fatal(err)
	}
	mustSave(t, v)
	w := reopen(t, dir)
	if err := w.Restore("2"); err != nil {
		t.Fatalf("restore of the backup whose name was taken: %v", err)
	}
	if n := len(w.Entries()); n != 1 {
		t.Fatalf("backup 2 holds %d entries, want 1", n)
	}
	m, _ := filepath.Glob(filepath.Join(dir, "backups", "*"))
	found := false
	for _, f := range m {
		if c, _ := os.ReadFile(f); string(c) == "not this vault's body" {
			found = true
		}
	}
	if !found {
		t.Errorf("the file that held the backup name was deleted: %v", m)
	}
}

// A body whose content claims a generation no save reaches is damage, so
// that nothing counts from it to the end of the range.
func TestHugeGenerationInBody(t *testing.T) {
	for _, gen := range []uint64{1<<53 + 1, 18446744073709551615} {
		_, err := vault.DecodeBodyForTest(vault.EncodeBodyForTest(gen, nil))
		if !errors.Is(err, vault.ErrDamaged) || !strings.Contains(err.Error(), "generation") {
			t.Errorf("generation %d: got %v, want damage naming the generation", gen, err)
		}
	}
	if _, err := vault.DecodeBodyForTest(vault.EncodeBodyForTest(1<<53, nil)); err != nil {
		t.Errorf("generation 2^53: %v", err)
	}
}
