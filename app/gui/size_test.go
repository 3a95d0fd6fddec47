package gui

import (
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/tessera-auth/tessera/app/loopback/webauthn/webauthntest"
)

// No screen may need more room than the window has at start: a screen's
// minimum size is what the window grows to (2,473 px tall for the empty
// list's wrapped text in a centring container; 460 -> 528 px wide).
func TestScreensFitTheWindow(t *testing.T) {
	check := func(t *testing.T, h *harness, what string) {
		t.Helper()
		min := h.ui.root.MinSize()
		if min.Width > startSize.Width || min.Height > startSize.Height {
			t.Errorf("%s needs %vx%v, more than the window's %vx%v", what, min.Width, min.Height, startSize.Width, startSize.Height)
		}
		if got := h.win.Canvas().Size(); got.Width > startSize.Width || got.Height > startSize.Height {
			t.Errorf("%s: the window grew to %vx%v", what, got.Width, got.Height)
		}
	}

	t.Run("new vault", func(t *testing.T) {
		h := newHarness(t, filepath.Join(t.TempDir(), "vault"))
		s := h.ui.create
		check(t, h, "the create screen")
		test.Type(s.pass1, "short")
		s.onCreate()
		check(t, h, "the create screen with a failure")
		test.Type(s.pass1, " but now long enough")
		test.Type(s.pass2, "short but now long enough")
		test.Tap(s.button)
		check(t, h, "the recovery code")
		test.Tap(s.saved)
		test.Tap(s.cont)
		check(t, h, "the empty list")
		test.Type(h.ui.list.search, "nothing like this at all, not even close to anything")
		check(t, h, "the list with no match")
	})

	t.Run("vault", func(t *testing.T) {
		h := newHarness(t, "")
		check(t, h, "the unlock screen")
		test.Type(h.ui.unlock.pass, "not the passphrase")
		h.press(h.ui.unlock.pass, fyne.KeyReturn)
		check(t, h, "the unlock screen after a failure")
		h.unlock()
		check(t, h, "the list")
		test.Type(h.ui.list.search, "no such entry anywhere in this vault at all")
		check(t, h, "the list with no match")
		h.ui.list.search.SetText("")
		h.ui.showAdd()
		for _, k := range h.ui.add.kind.Options {
			h.ui.add.kind.SetSelected(k)
			check(t, h, "the add screen for "+k)
		}
		h.ui.showList()
		h.ui.list.selectRow(0)
		h.ui.list.onEdit()
		check(t, h, "the edit screen")
		h.ui.showSettings()
		check(t, h, "the settings")
	})

	t.Run("security keys", func(t *testing.T) {
		h := newHarness(t, "")
		b := h.browser()
		h.unlock()
		h.ui.showKeys()
		check(t, h, "the security keys without a key")
		h.enrolKey(b, webauthntest.NewSoftKey(t), "Blue YubiKey 5C NFC on the keyring, the one with the red tag", "")
		h.enrolKey(b, webauthntest.NewSoftKey(t), "Spare key in the drawer", "its own words")
		check(t, h, "the security keys with two keys")
		test.Tap(h.ui.keys.addButton())
		test.Tap(h.button("Continue"))
		check(t, h, "the waiting dialog")
		test.Tap(h.button("Cancel"))
		b.ended()
		check(t, h, "the security keys after a cancel")
		h.ui.lock()
		test.Tap(h.ui.unlock.key)
		check(t, h, "the waiting dialog on the lock screen")
		test.Tap(h.button("Cancel"))
		b.ended()
		check(t, h, "the unlock screen after a cancelled key")
	})
}
