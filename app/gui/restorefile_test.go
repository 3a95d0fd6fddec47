package gui

import (
	"bytes"
	"strings"
	"testing"

	"filippo.io/age"
	"fyne.io/fyne/v2/test"

	"github.com/tessera-auth/tessera/sync/backup"
)

// TestRestoreFile restores a passphrase backup from the window after an
// entry was deleted: the plan shown adds it back and skips the rest, and
// applying it saves the entry again.
func TestRestoreFile(t *testing.T) {
	h := newHarness(t, "")
	h.unlock()
	var buf bytes.Buffer
	file := &backup.File{Created: t0, Entries: h.ui.vault.Entries()}
	if err := backup.Write(&buf, file, backup.Options{Passphrase: "backup pass", WorkFactor: 10}); err != nil {
		t.Fatal(err)
	}
	gone := h.ui.vault.Find("GitLab")[0]
	if err := h.ui.vault.Delete(gone.ID); err != nil {
		t.Fatal(err)
	}
	h.ui.changed()

	if _, err := readBackup(buf.Bytes(), mustScrypt(t, "wrong")); err == nil {
		t.Fatal("a wrong passphrase opened the backup")
	}
	h.ui.openBackup("b.age", buf.Bytes(), mustScrypt(t, "backup pass"))
	top := h.topOverlay()
	if top == nil {
		t.Fatal("no restore dialog")
	}
	markup := test.RenderObjectToMarkup(top)
	for _, want := range []string{"Restore from b.age", "1 to add", "Add GitLab: bob"} {
		if !strings.Contains(markup, want) {
			t.Errorf("the restore dialog lacks %q", want)
		}
	}
	f, err := readBackup(buf.Bytes(), mustScrypt(t, "backup pass"))
	if err != nil {
		t.Fatal(err)
	}
	steps := backup.Plan(h.ui.vault.Entries(), f)
	n := backup.Count(steps)
	if n[backup.Add] != 1 || n[backup.Skip] != len(f.Entries)-1 {
		t.Fatalf("plan %v, want GitLab added and the rest skipped", n)
	}
	if err := h.ui.applyRestore(steps); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(h.ui.toast.message(), "Restored: 1 added") {
		t.Errorf("toast %q", h.ui.toast.message())
	}
	v := newVaultHandle(t, h.dir)
	if e, ok := v.Entry(gone.ID); !ok || e.Issuer != "GitLab" {
		t.Error("the deleted entry is not back in the saved vault")
	}
}

func mustScrypt(t *testing.T, pass string) age.Identity {
	t.Helper()
	id, err := age.NewScryptIdentity(pass)
	if err != nil {
		t.Fatal(err)
	}
	return id
}
