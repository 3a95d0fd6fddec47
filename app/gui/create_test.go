package gui

import (
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/tessera-auth/tessera/vault"
)

func TestFirstRunCreatesVault(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "vault")
	h := newHarness(t, dir)
	s := h.ui.create
	if h.ui.current != s.content || h.focused() != s.pass1 {
		t.Fatal("first run does not show the create screen with the focus in the passphrase field")
	}
	test.Type(s.pass1, "short")
	if !s.button.Disabled() || !strings.Contains(s.hint.Text, "Too short") {
		t.Fatalf("short passphrase: button enabled %v, hint %q", !s.button.Disabled(), s.hint.Text)
	}
	s.pass1.SetText(testPass)
	test.Type(s.pass2, "correct horse")
	if !s.button.Disabled() || !strings.Contains(s.hint.Text, "differ") {
		t.Fatalf("mismatch: button enabled %v, hint %q", !s.button.Disabled(), s.hint.Text)
	}
	s.pass2.SetText(testPass)
	if s.button.Disabled() {
		t.Fatal("matching strong passphrases leave the button disabled")
	}
	if s.strength.Value < 0.6 {
		t.Fatalf("strength of a four-word passphrase = %v", s.strength.Value)
	}
	test.Tap(s.button)
	if h.ui.current != s.recovered {
		t.Fatalf("no recovery code shown: %q", s.status.Text)
	}
	code := s.code.Text
	if !strings.HasPrefix(code, "AGE-SECRET-KEY-1") {
		t.Fatalf("recovery code %q does not look like an age identity", code)
	}
	if !s.cont.Disabled() {
		t.Fatal("Continue is enabled before the person confirms saving the code")
	}
	test.Tap(s.saved)
	test.Tap(s.cont)
	if !h.ui.unlocked() || h.ui.current != h.ui.list.content {
		t.Fatal("Continue does not lead to the (empty) list")
	}
	if s.code.Text != "" {
		t.Fatal("the recovery code stays in the widget after Continue")
	}
	if !strings.Contains(h.ui.list.empty.Text, "No entries yet") {
		t.Fatalf("empty vault message = %q", h.ui.list.empty.Text)
	}
	// The vault on disk opens with the passphrase and with the code.
	v, err := vault.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.UnlockPassphrase(testPass); err != nil {
		t.Fatalf("created vault does not open with the passphrase: %v", err)
	}
	if err := v.UnlockRecoveryCode(code); err != nil {
		t.Fatalf("created vault does not open with the recovery code: %v", err)
	}
}

func TestPassphraseStrength(t *testing.T) {
	weak, _ := passphraseStrength("password")
	fair, _ := passphraseStrength("Tr0ub4dor&3")
	strong, hint := passphraseStrength("correct horse battery staple")
	if !(weak < fair && fair < strong) || hint != "Strong." {
		t.Fatalf("scores weak %v fair %v strong %v (%q)", weak, fair, strong, hint)
	}
}
