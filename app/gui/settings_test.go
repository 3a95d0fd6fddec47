package gui

import (
	"archive/zip"
	"bytes"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
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
