package gui

import (
	"strings"
	"testing"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
)

func TestUnlockFocusAndEnter(t *testing.T) {
	h := newHarness(t, "")
	if h.focused() != h.ui.unlock.pass {
		t.Fatalf("focus is on %T, want the passphrase field", h.focused())
	}
	// Typing goes straight into the focused field.
	test.Type(h.focused(), testPass)
	h.press(h.ui.unlock.pass, fyne.KeyReturn)
	if !h.ui.unlocked() {
		t.Fatalf("Enter did not unlock: %q", h.ui.unlock.status.Text)
	}
	if h.ui.current != h.ui.list.content || h.focused() != h.ui.list.search {
		t.Fatal("after unlock the list is not shown with the focus in the search field")
	}
	if got := len(h.ui.list.shown); got != 5 {
		t.Fatalf("list shows %d entries, want 5", got)
	}
}

func TestUnlockWrongPassphrase(t *testing.T) {
	h := newHarness(t, "")
	test.Type(h.ui.unlock.pass, "not the passphrase")
	h.press(h.ui.unlock.pass, fyne.KeyReturn)
	if h.ui.unlocked() {
		t.Fatal("a wrong passphrase unlocked the vault")
	}
	if !strings.Contains(h.ui.unlock.status.Text, "Wrong passphrase") {
		t.Fatalf("status = %q, want a wrong-passphrase message", h.ui.unlock.status.Text)
	}
	if h.ui.unlock.pass.Text != "" || h.focused() != h.ui.unlock.pass {
		t.Fatal("after a failure the field is not emptied and focused for another try")
	}
	h.unlock()
}

func TestLockAndUnlockAgain(t *testing.T) {
	h := newHarness(t, "")
	h.unlock()
	test.Type(h.ui.list.search, "hub")
	h.press(h.ui.list.search, fyne.KeyReturn)
	if h.clipboard() == "" {
		t.Fatal("nothing copied")
	}
	h.ui.list.onShortcut(ctrl(fyne.KeyL))
	if h.ui.unlocked() || h.ui.current != h.ui.unlock.content {
		t.Fatal("Ctrl+L did not lock")
	}
	if h.clipboard() != "" {
		t.Fatal("locking left the copied code on the clipboard")
	}
	if len(h.ui.list.all) != 0 || h.ui.list.search.Text != "" {
		t.Fatal("locking left entries or the search in the list")
	}
	if h.ui.ticking {
		t.Fatal("the countdown still ticks while locked")
	}
	h.unlock()
	if len(h.ui.list.shown) != 5 {
		t.Fatalf("after unlocking again the list shows %d entries", len(h.ui.list.shown))
	}
}

func TestRecoveryCodeUnlock(t *testing.T) {
	h := newHarness(t, t.TempDir()+"/new")
	s := h.ui.create
	test.Type(s.pass1, testPass)
	test.Type(s.pass2, testPass)
	test.Tap(s.button)
	code := s.code.Text
	test.Tap(s.saved)
	test.Tap(s.cont)
	h.ui.lock()
	test.Tap(h.ui.unlock.recovery)
	test.Type(h.ui.unlock.pass, code)
	h.press(h.ui.unlock.pass, fyne.KeyReturn)
	if !h.ui.unlocked() {
		t.Fatalf("the recovery code did not unlock: %q", h.ui.unlock.status.Text)
	}
}

// After an unlock with the recovery code the lock screen returns to the
// passphrase, masked; a failure's message goes when the person switches to
// the other way in; the vault folder line has a size the theme knows.
func TestUnlockReturnsToPassphrase(t *testing.T) {
	h := newHarness(t, t.TempDir()+"/new")
	s := h.ui.create
	test.Type(s.pass1, testPass)
	test.Type(s.pass2, testPass)
	test.Tap(s.button)
	code := s.code.Text
	test.Tap(s.saved)
	test.Tap(s.cont)
	h.ui.lock()

	u := h.ui.unlock
	test.Type(u.pass, "not the passphrase")
	h.press(u.pass, fyne.KeyReturn)
	if !u.status.Visible() || !strings.Contains(u.status.Text, "Wrong passphrase") {
		t.Fatalf("status %q after a wrong passphrase", u.status.Text)
	}
	test.Tap(u.recovery)
	if u.status.Visible() {
		t.Fatalf("%q still shown after switching to the recovery code", u.status.Text)
	}
	test.Type(u.pass, code)
	h.press(u.pass, fyne.KeyReturn)
	if !h.ui.unlocked() {
		t.Fatalf("the recovery code did not unlock: %q", u.status.Text)
	}
	h.ui.lock()
	if u.useRecovery || !u.pass.Password || !strings.Contains(u.recovery.Text, "recovery code") {
		t.Fatalf("after a recovery unlock and lock: recovery mode %v, masked %v, link %q",
			u.useRecovery, u.pass.Password, u.recovery.Text)
	}
	if size := theme.Size(u.where.SizeName); size < 8 {
		t.Fatalf("the vault folder line is drawn at size %v", size)
	}
	h.unlock()
}

// A mistyped recovery code is said in a sentence, as the window's own
// messages are ("the recovery code is mistyped (...)" was shown as the
// error had it).
func TestUnlockSaysErrorsInSentences(t *testing.T) {
	h := newHarness(t, "")
	test.Tap(h.ui.unlock.recovery)
	test.Type(h.ui.unlock.pass, "AGE-SECRET-KEY-1WRONG")
	h.press(h.ui.unlock.pass, fyne.KeyReturn)
	msg := h.ui.unlock.status.Text
	if msg == "" || !unicode.IsUpper([]rune(msg)[0]) || !strings.HasSuffix(msg, ".") {
		t.Fatalf("status %q is not a sentence", msg)
	}
}
