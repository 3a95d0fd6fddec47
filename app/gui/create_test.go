package gui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

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
	weak, w1, _ := passphraseStrength("passwor")
	fair, w2, _ := passphraseStrength("lowercase")
	strong, w3, hint := passphraseStrength("correct horse battery staple")
	if !(weak < fair && fair < strong) || hint != "Strong." {
		t.Fatalf("scores weak %v fair %v strong %v (%q)", weak, fair, strong, hint)
	}
	if w1 != "Too short" || w2 != "Fair" || w3 != "Strong" {
		t.Fatalf("the meter says %q, %q, %q; want Too short, Fair, Strong", w1, w2, w3)
	}
}

// The meter says in words what it thinks, the disabled button says why it
// is off, and a message of a failed attempt goes once the person types
// again (it said "needs at least 8 characters" after 21 were typed).
func TestCreateSaysWhy(t *testing.T) {
	h := newHarness(t, filepath.Join(t.TempDir(), "vault"))
	s := h.ui.create
	if !s.button.Disabled() || !s.why.Visible() || !strings.Contains(s.why.Text, "at least 8 characters") {
		t.Fatalf("empty form: button enabled %v, why %q (shown %v)", !s.button.Disabled(), s.why.Text, s.why.Visible())
	}
	test.Type(s.pass1, "short")
	if got := s.strength.TextFormatter(); got != "Too short" {
		t.Fatalf("meter says %q for a 5-character passphrase, want Too short", got)
	}
	s.onCreate() // Enter in the second field, while the button is off
	if !strings.Contains(s.status.Text, "it has 5 characters, it needs at least 8") || !s.status.Visible() {
		t.Fatalf("status after a short attempt = %q", s.status.Text)
	}
	test.Type(s.pass1, " and now much longer")
	if s.status.Visible() {
		t.Fatalf("the stale message %q stays after typing a long passphrase", s.status.Text)
	}
	if got := s.strength.TextFormatter(); got != "Strong" {
		t.Fatalf("meter says %q for a 25-character passphrase", got)
	}
	if !strings.Contains(s.why.Text, "typed a second time") {
		t.Fatalf("why = %q with the second field empty", s.why.Text)
	}
	test.Type(s.pass2, "short and")
	if !strings.Contains(s.why.Text, "match") || !strings.Contains(s.hint.Text, "differ") {
		t.Fatalf("mismatch: why %q, hint %q", s.why.Text, s.hint.Text)
	}
	test.Type(s.pass2, " now much longer")
	if s.button.Disabled() || s.why.Visible() {
		t.Fatalf("matching passphrases: button enabled %v, why %q shown", !s.button.Disabled(), s.why.Text)
	}
	// The captions have a size the theme knows (a name it does not know
	// draws them at size 0).
	for _, l := range []*widget.Label{s.hint, s.why} {
		if size := theme.Size(l.SizeName); size < 8 {
			t.Fatalf("caption %q drawn at size %v", l.Text, size)
		}
	}
	// One rule with the command line: 7 characters are refused, 8 taken.
	s.pass1.SetText("1234567")
	s.pass2.SetText("1234567")
	if !s.button.Disabled() {
		t.Fatal("a 7-character passphrase enables Create")
	}
	s.pass1.SetText("12345678")
	s.pass2.SetText("12345678")
	if s.button.Disabled() {
		t.Fatalf("an 8-character passphrase leaves Create off: %q", s.why.Text)
	}
}

// The recovery code is shown read-only in groups that wrap between groups,
// with Copy and Save to file; both give back a code that opens the vault.
func TestRecoveryCodeBlock(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "vault")
	h := newHarness(t, dir)
	s := h.ui.create
	test.Type(s.pass1, testPass)
	test.Type(s.pass2, testPass)
	test.Tap(s.button)
	shown := s.code.Text
	groups := strings.Fields(shown)
	if groups[0] != recoveryPrefix || len(groups) < 10 {
		t.Fatalf("code shown as %q", shown)
	}
	for _, g := range groups[1:] {
		if len(g) > 4 {
			t.Fatalf("group %q longer than 4", g)
		}
	}
	if s.code.Wrapping != fyne.TextWrapWord || !s.code.TextStyle.Monospace {
		t.Fatal("the code does not wrap at group boundaries in monospace")
	}
	raw := strings.Join(groups, "")
	if raw != s.secret {
		t.Fatal("the groups do not spell the code")
	}
	test.Tap(s.copyCode)
	if h.clipboard() != raw {
		t.Fatal("Copy did not put the code on the clipboard")
	}
	file := filepath.Join(t.TempDir(), "code.txt")
	if err := os.WriteFile(file, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := s.saveCodeTo(file); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(file)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("saved file mode %v, %v; want 0600", fi.Mode(), err)
	}
	b, _ := os.ReadFile(file)
	var line string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, recoveryPrefix) {
			line = l
		}
	}
	test.Tap(s.saved)
	test.Tap(s.cont)
	h.ui.lock()
	v, err := vault.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{shown, line} {
		if err := v.UnlockRecoveryCode(code); err != nil {
			t.Fatalf("%q does not open the vault: %v", code, err)
		}
		v.Lock()
	}
}
