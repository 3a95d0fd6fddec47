package gui

import (
	"errors"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/tessera-auth/tessera/vault"
)

// Settings › Change passphrase…: the current passphrase is checked first,
// mismatched or refused new passphrases are said in the dialog, and a
// change reaches the disk (the new passphrase opens the vault, the old one
// no longer does), and with a new master key too if asked.
func TestChangePassphrase(t *testing.T) {
	h := newHarness(t, "")
	h.unlock()
	h.ui.showSettings()
	if len(findAll(h.ui.settings.content, "Change passphrase…")) != 1 {
		t.Fatal("no Change passphrase… button in Settings")
	}
	const newPass = "a new and longer passphrase for testing"
	fill := func(cur, p1, p2 string) {
		t.Helper()
		h.ui.showPasswd()
		fields := h.overlayEntries()
		if len(fields) != 3 {
			t.Fatalf("%d fields in the dialog, want 3", len(fields))
		}
		fields[0].SetText(cur)
		fields[1].SetText(p1)
		fields[2].SetText(p2)
	}
	opens := func(pass string) bool {
		v, err := vault.Open(h.dir, &vault.Options{WorkFactor: testWorkFactor})
		if err != nil {
			t.Fatal(err)
		}
		err = v.UnlockPassphrase(pass)
		if err != nil && !errors.Is(err, vault.ErrWrongKey) {
			t.Fatal(err)
		}
		return err == nil
	}

	fill(testPass, newPass, newPass+"x")
	test.Tap(h.button("Change"))
	if msg := strings.Join(labelTexts(h.topOverlay(), ""), " "); !strings.Contains(msg, "The two new passphrases differ") {
		t.Fatalf("mismatched passphrases: %q", msg)
	}
	h.escape()
	fill(testPass, "short", "short")
	test.Tap(h.button("Change"))
	if msg := strings.Join(labelTexts(h.topOverlay(), ""), " "); !strings.Contains(msg, "The new passphrase:") {
		t.Fatalf("a refused passphrase: %q", msg)
	}
	h.escape()
	fill("not the passphrase", newPass, newPass)
	test.Tap(h.button("Change"))
	if msg := strings.Join(labelTexts(h.topOverlay(), ""), " "); !strings.Contains(msg, "not the current passphrase") {
		t.Fatalf("a wrong current passphrase: %q", msg)
	}
	if f := h.overlayEntries(); len(f) != 3 || f[0].Text != "" || f[1].Text != newPass || f[2].Text != newPass {
		t.Fatal("after a wrong current passphrase, the dialog came back without the new passphrase typed")
	}
	h.escape()
	if !opens(testPass) || opens(newPass) {
		t.Fatal("a refused change changed the passphrase")
	}

	fill(testPass, newPass, newPass)
	test.Tap(h.button("Change"))
	if h.topOverlay() != nil {
		t.Fatalf("a dialog after the change: %q", labelTexts(h.topOverlay(), ""))
	}
	if !strings.Contains(h.ui.toast.message(), "Passphrase changed") {
		t.Errorf("toast %q", h.ui.toast.message())
	}
	if opens(testPass) || !opens(newPass) {
		t.Fatal("the passphrase on disk did not change")
	}

	// Again, from the new passphrase to the first, with a new master key.
	key := h.ui.vault.KeyFingerprint()
	fill(newPass, testPass, testPass)
	find(h.topOverlay(), func(o fyne.CanvasObject) bool {
		if c, ok := o.(*widget.Check); ok && strings.HasPrefix(c.Text, "Also give the vault a new master key") {
			c.SetChecked(true)
		}
		return false
	})
	test.Tap(h.button("Change"))
	if h.ui.vault.KeyFingerprint() == key {
		t.Fatal("no new master key")
	}
	if !strings.Contains(h.ui.toast.message(), "new master key") {
		t.Errorf("toast %q", h.ui.toast.message())
	}
	if !opens(testPass) || opens(newPass) {
		t.Fatal("the passphrase after the rekey")
	}
}
