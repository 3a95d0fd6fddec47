package gui

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/tessera-auth/tessera/otp"
	"github.com/tessera-auth/tessera/vault"
)

// TestRollbackWarning puts an older body back by hand, as a sync tool
// might: unlocking says so and offers the backup that holds the entry
// added since, and restoring it brings the entry back.
func TestRollbackWarning(t *testing.T) {
	dir := vaultWithLaterSaves(t)
	v, err := vault.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	backups, err := v.Backups()
	if err != nil || len(backups) < 2 {
		t.Fatalf("backups %v, %v", backups, err)
	}
	// Newest first: the body with "Later Co", then the one from before it.
	// Put the older one back.
	old, err := os.ReadFile(filepath.Join(dir, "backups", "body-"+backups[1].ID+".age"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "body.age"), old, 0o600); err != nil {
		t.Fatal(err)
	}

	h := newHarness(t, dir)
	h.unlock()
	if slices.Contains(h.shownIssuers(), "Later Co") {
		t.Fatal("the older body shows the later entry")
	}
	overlays := h.win.Canvas().Overlays().List()
	if len(overlays) == 0 {
		t.Fatal("no warning after unlocking an older body")
	}
	// Locking hides the warning; the next unlock gives it again.
	h.ui.lock()
	if top := h.win.Canvas().Overlays().Top(); top != nil && top.Visible() {
		t.Fatalf("the warning stays over the unlock screen:\n%s", test.RenderObjectToMarkup(top))
	}
	h.unlock()
	overlays = h.win.Canvas().Overlays().List()
	if len(overlays) == 0 {
		t.Fatal("no warning after unlocking the older body again")
	}
	top := overlays[len(overlays)-1]
	msg := find(top, func(o fyne.CanvasObject) bool {
		l, ok := o.(*widget.Label)
		return ok && strings.Contains(l.Text, "was made after it") && strings.Contains(l.Text, "Backup "+backups[0].ID)
	})
	if msg == nil {
		t.Fatalf("the dialog does not say the body is older and name backup %s:\n%s", backups[0].ID, test.RenderObjectToMarkup(top))
	}
	restore := find(top, func(o fyne.CanvasObject) bool {
		b, ok := o.(*widget.Button)
		return ok && b.Text == "Restore backup "+backups[0].ID
	})
	if restore == nil {
		t.Fatal("no button to restore the backup")
	}
	test.Tap(restore.(*widget.Button))
	if !slices.Contains(h.shownIssuers(), "Later Co") {
		t.Fatalf("after restoring, the list shows %v, want Later Co back", h.shownIssuers())
	}
	if !slices.Contains(h.saved(), "Later Co: ivy") {
		t.Fatalf("after restoring, the vault on disk holds %v", h.saved())
	}
	if h.ui.vault.Rollback() != nil {
		t.Fatal("the vault still reports a rollback after the restore")
	}
}

// find returns the first object under o, o included, for which match
// holds, nil if none does.
func find(o fyne.CanvasObject, match func(fyne.CanvasObject) bool) fyne.CanvasObject {
	if match(o) {
		return o
	}
	var kids []fyne.CanvasObject
	switch c := o.(type) {
	case *fyne.Container:
		kids = c.Objects
	case fyne.Widget:
		kids = test.WidgetRenderer(c).Objects()
	}
	for _, k := range kids {
		if f := find(k, match); f != nil {
			return f
		}
	}
	return nil
}

// vaultWithLaterSaves makes a vault of the test entries and then adds
// "Later Co" and "Latest Ltd", saving after each, so that its backups are,
// newest first: the body with Later Co, the test entries, and the empty
// body of the new vault.
func vaultWithLaterSaves(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	makeVault(t, dir, testEntries(t))
	v, err := vault.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.UnlockPassphrase(testPass); err != nil {
		t.Fatal(err)
	}
	defer v.Lock()
	for _, e := range []vault.Entry{
		{Issuer: "Later Co", Account: "ivy", OTP: otp.Credential{Secret: []byte("later-secret-0123456"), Digits: 6, Period: 30}},
		{Issuer: "Latest Ltd", Account: "jo", OTP: otp.Credential{Secret: []byte("latest-secret-012345"), Digits: 6, Period: 30}},
	} {
		if _, err := v.Add(e); err != nil {
			t.Fatal(err)
		}
		if err := v.Save(); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
