package gui

import (
	"archive/zip"
	"bytes"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"github.com/tessera-auth/tessera/assets/issuers"
	"github.com/tessera-auth/tessera/otp"
	"github.com/tessera-auth/tessera/vault"
)

func TestSettings(t *testing.T) {
	h := newHarness(t, "")
	h.unlock()
	h.ui.list.search.TypedShortcut(ctrl(fyne.KeyComma))
	s := h.ui.settings
	if s.autoLock.Selected != "5 minutes" || s.clearAfter.Selected != "30 seconds" || s.theme.Selected != themeSystem {
		t.Fatalf("defaults shown: lock %q, clear %q, theme %q", s.autoLock.Selected, s.clearAfter.Selected, s.theme.Selected)
	}
	s.autoLock.SetSelected("1 minute")
	s.clearAfter.SetSelected("10 seconds")
	s.theme.SetSelected(themeLight)
	s.backups.SetText("3")
	s.onApply()
	if h.ui.prefs.autoLock() != time.Minute || h.ui.prefs.clearAfter() != 10*time.Second {
		t.Fatalf("preferences: lock %v clear %v", h.ui.prefs.autoLock(), h.ui.prefs.clearAfter())
	}
	if h.ui.vault.BackupsKept() != 3 {
		t.Fatalf("vault keeps %d backups, want 3", h.ui.vault.BackupsKept())
	}
	if fv, ok := h.app.Settings().Theme().(fixedVariant); !ok || fv.v != theme.VariantLight {
		t.Fatalf("theme is %T, want the light variant", h.app.Settings().Theme())
	}
	// The new clipboard time applies to the next copy.
	h.press(h.ui.list.search, fyne.KeyReturn)
	h.clock.Advance(10 * time.Second)
	if h.clipboard() != "" {
		t.Fatal("clipboard not cleared after the new 10 s")
	}
	// And the idle lock after one minute.
	h.clock.Advance(time.Minute)
	if h.ui.unlocked() {
		t.Fatal("not locked after the new one-minute idle time")
	}
}

func TestIconPackImport(t *testing.T) {
	h := newHarness(t, "")
	h.unlock()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range map[string]string{
		"pack.json":     `{"uuid":"11111111-2222","name":"Test pack","version":1,"icons":[{"filename":"ex.svg","name":"Example","issuer":["example bank"]}]}`,
		"ex.svg":        `<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8" fill="#123456"/></svg>`,
		"unrelated.txt": "x",
	} {
		w, _ := zw.Create(name)
		w.Write([]byte(body))
	}
	zw.Close()
	h.ui.showSettings()
	h.ui.settings.importFrom(&buf)
	e := h.ui.list.entry(2)
	if e.Issuer != "Example Bank" {
		t.Fatalf("entry 2 is %q", e.Issuer)
	}
	l := h.ui.icons.forEntry(e)
	if l.image == nil || l.image.Name() != "ex.svg" {
		t.Fatalf("Example Bank's icon after the import: %+v", l)
	}
	// The pack is kept in the app's storage and read again at start.
	again := newIcons(h.app)
	if len(again.packs) != 1 || again.packs[0].Name != "Test pack" {
		t.Fatalf("packs after restart: %d", len(again.packs))
	}
}

// Bundled brand logos (simple-icons) are found by issuer, by the otpauth
// URI's issuer and by a token's URL; an installed Aegis pack that has the
// issuer wins over them; other issuers keep their coloured initials.
func TestIconChoice(t *testing.T) {
	h := newHarness(t, "")
	h.unlock()
	ic := h.ui.icons
	gh := vault.Entry{Issuer: "GitHub"}
	if l := ic.forEntry(&gh); l.image == nil || l.image.Name() != "github.svg" || !bytes.Contains(l.image.Content(), []byte("<path")) {
		t.Fatalf("GitHub's icon: %+v", l)
	}
	viaURI := vault.Entry{Issuer: "Work code", OTP: otp.Credential{Issuer: "GitLab"}}
	if l := ic.forEntry(&viaURI); l.image == nil || l.image.Name() != "gitlab.svg" {
		t.Fatalf("an entry whose URI names GitLab: %+v", l)
	}
	token := vault.Entry{Kind: vault.KindToken, Issuer: "CI", Token: vault.Token{URL: "https://ci.docker.com/tokens"}}
	if l := ic.forEntry(&token); l.image == nil || l.image.Name() != "docker.svg" {
		t.Fatalf("a token used at docker.com: %+v", l)
	}
	acme := vault.Entry{Issuer: "Acme"}
	if l := ic.forEntry(&acme); l.image != nil || l.tile != nil {
		t.Fatalf("an unknown issuer got %+v, want the initials", l)
	}

	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range map[string]string{
		"pack.json": `{"uuid":"33333333-4444","name":"GH pack","version":1,"icons":[{"filename":"gh.svg","name":"GitHub","issuer":["github"]}]}`,
		"gh.svg":    `<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8" fill="#123456"/></svg>`,
	} {
		w, _ := zw.Create(name)
		w.Write([]byte(body))
	}
	zw.Close()
	h.ui.showSettings()
	h.ui.settings.importFrom(&buf)
	if l := ic.forEntry(&gh); l.image == nil || l.image.Name() != "gh.svg" {
		t.Fatalf("with a pack that has GitHub: %+v", l)
	}
}

// Every bundled logo draws its mark, not an empty tile: the SVG reader
// Fyne uses drops paths it cannot parse.
func TestLogosDraw(t *testing.T) {
	a := test.NewTempApp(t)
	w := a.NewWindow("")
	defer w.Close()
	for _, name := range issuers.Names() {
		l := builtin(name)
		if l.image == nil {
			continue
		}
		img := canvas.NewImageFromResource(l.image)
		img.SetMinSize(fyne.NewSquareSize(64))
		w.SetContent(img)
		w.Resize(fyne.NewSquareSize(64))
		shot := w.Canvas().Capture()
		colours := map[[3]uint32]int{}
		b := shot.Bounds()
		for y := b.Min.Y + b.Dy()/4; y < b.Max.Y-b.Dy()/4; y++ {
			for x := b.Min.X + b.Dx()/4; x < b.Max.X-b.Dx()/4; x++ {
				r, g, bl, _ := shot.At(x, y).RGBA()
				colours[[3]uint32{r >> 12, g >> 12, bl >> 12}]++
			}
		}
		if len(colours) < 2 {
			t.Errorf("%s: the middle of the icon is one colour, the mark is missing", name)
		}
	}
}

// Settings opens with the keyboard nowhere (it stayed in the hidden
// search, which took what was typed), and Escape goes back to the list.
func TestEscapeLeavesSettings(t *testing.T) {
	h := newHarness(t, "")
	h.unlock()
	h.ui.showSettings()
	if f := h.focused(); f != nil {
		t.Fatalf("settings open with the keyboard on %T, a field of another screen", f)
	}
	test.TypeOnCanvas(h.win.Canvas(), "x")
	if h.ui.list.search.Text != "" {
		t.Fatalf("typing on the settings screen went into the list's search: %q", h.ui.list.search.Text)
	}
	h.escape()
	if h.ui.current != h.ui.list.content {
		t.Fatal("Escape on the settings screen did not go back to the list")
	}
}
