package gui

import (
	"image/color"
	"os"
	"path/filepath"
	"slices"
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
	if s.strength.score < 0.6 {
		t.Fatalf("strength of a four-word passphrase = %v", s.strength.score)
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
	if got := s.strength.verdict; got != "Too short" {
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
	if got := s.strength.verdict; got != "Strong" {
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

// saturation is how far a colour is from grey (0-255).
func saturation(c color.Color) int {
	r, g, b, _ := c.RGBA()
	hi, lo := max(r, g, b)>>8, min(r, g, b)>>8
	return int(hi - lo)
}

// near reports whether two colours differ by at most 24 in every channel.
func near(a, b color.Color) bool {
	ar, ag, ab, _ := a.RGBA()
	br, bg, bb, _ := b.RGBA()
	d := func(x, y uint32) bool { return max(x, y)>>8-min(x, y)>>8 <= 24 }
	return d(ar, br) && d(ag, bg) && d(ab, bb)
}

// meterColumns returns the strength meter's bar as drawn in the window: for
// each column of pixels left of its word, the pixels of that column (a few
// more above and below, as drawing may round off a pixel or two).
func meterColumns(h *harness) [][]color.Color {
	img := h.win.Canvas().Capture()
	scale := float32(img.Bounds().Dx()) / h.win.Canvas().Size().Width
	m := h.ui.create.strength
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(m)
	size := m.Size()
	var out [][]color.Color
	for x := int(pos.X * scale); x < int((pos.X+size.Width*0.6)*scale); x++ {
		var col []color.Color
		for y := int((pos.Y - 4) * scale); y < int((pos.Y+size.Height+4)*scale); y++ {
			col = append(col, img.At(x, y))
		}
		out = append(out, col)
	}
	return out
}

// trackWidth is the length in pixels of the meter's track.
func trackWidth(t *testing.T, h *harness) int {
	r := test.TempWidgetRenderer(t, h.ui.create.strength).(*meterRenderer)
	img := h.win.Canvas().Capture()
	return int(r.track.Size().Width * float32(img.Bounds().Dx()) / h.win.Canvas().Size().Width)
}

// assertMeterEmpty fails unless the meter is drawn without any colour.
func assertMeterEmpty(t *testing.T, h *harness, when string) {
	t.Helper()
	for x, col := range meterColumns(h) {
		for _, c := range col {
			if saturation(c) > 40 {
				t.Fatalf("%s the meter has colour %v at column %d: it must be an empty track", when, c, x)
			}
		}
	}
}

// The strength meter is drawn empty until something is typed (it was a
// full blue bar: Fyne's progress bar tints its track with the primary
// colour), then filled in the colour of its verdict: the error colour, and
// at most a quarter full, for any passphrase vault.CheckPassphrase
// refuses. Checked on the drawn pixels, in both themes.
func TestStrengthMeterDrawn(t *testing.T) {
	for _, variant := range []string{themeLight, themeDark} {
		t.Run(variant, func(t *testing.T) {
			h := newHarness(t, filepath.Join(t.TempDir(), "vault"))
			applyTheme(h.app, variant)
			s := h.ui.create
			assertMeterEmpty(t, h, "with nothing typed")
			for _, tc := range []struct {
				pass   string
				colour fyne.ThemeColorName
			}{
				{"short", theme.ColorNameError},
				{"        ", theme.ColorNameError},          // only spaces
				{"Tab\tInside-9a7$Q", theme.ColorNameError}, // a control character
				{"abcdefgh", theme.ColorNameWarning},        // 8 lower-case letters: weak
				{testPass, theme.ColorNameSuccess},
			} {
				s.pass1.SetText(tc.pass)
				refused := vault.CheckPassphrase(tc.pass) != nil
				want := theme.Color(tc.colour)
				cols := meterColumns(h)
				filled := 0
				for _, col := range cols {
					if slices.ContainsFunc(col, func(c color.Color) bool { return near(c, want) }) {
						filled++
					}
				}
				frac := float64(filled) / float64(trackWidth(t, h))
				switch {
				case filled == 0:
					t.Errorf("%q: no pixel of the meter in %s (%v); the verdict is %q", tc.pass, tc.colour, want, s.strength.verdict)
				case refused && frac > 0.3:
					t.Errorf("%q is refused by the vault, yet fills %.0f%% of the meter", tc.pass, frac*100)
				case !refused && tc.colour == theme.ColorNameSuccess && frac < 0.5:
					t.Errorf("%q is strong, yet fills only %.0f%% of the meter", tc.pass, frac*100)
				}
				if (s.strength.colour == theme.ColorNameError) != refused {
					t.Errorf("%q: meter colour %s, vault refuses it: %v", tc.pass, s.strength.colour, refused)
				}
			}
			s.pass1.SetText("")
			assertMeterEmpty(t, h, "after clearing the field")
		})
	}
}
