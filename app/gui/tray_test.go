package gui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/tessera-auth/tessera/app/clock/clocktest"
)

// trayApp is the test app with a tray that records its menu.
type trayApp struct {
	fyne.App
	menu *fyne.Menu
}

func (a *trayApp) SetSystemTrayMenu(m *fyne.Menu)  { a.menu = m }
func (a *trayApp) SetSystemTrayIcon(fyne.Resource) {}
func (a *trayApp) SetSystemTrayWindow(fyne.Window) {}
func (a *trayApp) item(label string) *fyne.MenuItem {
	for _, it := range a.menu.Items {
		if it.Label == label {
			return it
		}
	}
	return nil
}

func TestTray(t *testing.T) {
	old := hasTray
	hasTray = func() bool { return true }
	t.Cleanup(func() { hasTray = old })
	t.Setenv("LANG", "en_US.UTF-8")
	dir := t.TempDir()
	makeVault(t, dir, testEntries(t))
	a := &trayApp{App: test.NewTempApp(t)}
	w := a.NewWindow("Tessera")
	// The fake clock: a real one would fire this UI's toast timers during
	// later tests, on another goroutine.
	u := New(a, w, Config{VaultDir: dir, Clock: clocktest.New(t0), Go: func(f func()) { f() }})
	if a.item("Lock") != nil || a.item("Hide Tessera") == nil {
		t.Fatalf("locked tray menu: %v", labelsOf(a.menu))
	}
	test.Type(u.unlock.pass, testPass)
	u.unlock.onUnlock()
	fav := a.item("Copy GitLab: bob")
	if fav == nil || a.item("Lock") == nil {
		t.Fatalf("unlocked tray menu lacks the favourite or Lock: %v", labelsOf(a.menu))
	}
	fav.Action()
	if c := a.Clipboard().Content(); len(c) != 8 {
		t.Fatalf("tray copy put %q on the clipboard, want the 8-digit GitLab code", c)
	}
	// Closing the window (the close intercept) hides it in the tray and
	// stops the refresh work.
	u.tray.onClose()
	if !u.hidden || u.ticking || a.item("Show Tessera") == nil {
		t.Fatalf("close with a tray: hidden %v ticking %v menu %v", u.hidden, u.ticking, labelsOf(a.menu))
	}
	a.item("Show Tessera").Action()
	if u.hidden || !u.ticking {
		t.Fatal("Show Tessera did not bring the window back with its countdown")
	}
	a.item("Lock").Action()
	if u.unlocked() {
		t.Fatal("tray Lock did not lock")
	}
}

func labelsOf(m *fyne.Menu) string {
	var out []string
	for _, it := range m.Items {
		out = append(out, it.Label)
	}
	return strings.Join(out, ", ")
}
