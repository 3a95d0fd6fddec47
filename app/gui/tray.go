package gui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"

	"github.com/tessera-auth/tessera/assets"
)

// trayMenu is the system tray icon's menu: the favourites' codes to copy,
// show or hide the window, lock, quit. Closing the window hides it when a
// tray is there to bring it back, and quits otherwise.
type trayMenu struct {
	ui   *UI
	app  desktop.App // nil when the driver has no tray
	menu *fyne.Menu
	show *fyne.MenuItem
	lock *fyne.MenuItem
}

// hasTray reports whether the desktop shows tray icons; tests replace it.
var hasTray = trayAvailable

func newTrayMenu(ui *UI) *trayMenu {
	t := &trayMenu{ui: ui}
	if da, ok := ui.app.(desktop.App); ok && hasTray() {
		t.app = da
		da.SetSystemTrayIcon(fyne.NewStaticResource("tessera.png", assets.IconPNG))
		ui.win.SetCloseIntercept(t.onClose)
	} else {
		// No tray to come back from: closing quits, after saving what is
		// pending and taking a copied code off the clipboard.
		ui.win.SetCloseIntercept(ui.Quit)
	}
	t.refresh()
	return t
}

// onClose hides the window into the tray.
func (t *trayMenu) onClose() {
	t.ui.win.Hide()
	t.ui.setHidden(true)
	t.refresh()
}

func (t *trayMenu) onShowHide() {
	if t.ui.hidden {
		t.ui.win.Show()
		t.ui.setHidden(false)
		t.ui.win.RequestFocus()
	} else {
		t.onClose()
		return
	}
	t.refresh()
}

// refresh rebuilds the menu from the favourites and the window state.
func (t *trayMenu) refresh() {
	if t.app == nil {
		return
	}
	var items []*fyne.MenuItem
	if t.ui.unlocked() {
		for _, e := range t.ui.vault.Entries() {
			if !e.Favourite {
				continue
			}
			id := e.ID
			items = append(items, fyne.NewMenuItem("Copy "+e.Label(), func() { t.ui.copyEntry(id) }))
		}
		if len(items) > 0 {
			items = append(items, fyne.NewMenuItemSeparator())
		}
	}
	label := "Hide Tessera"
	if t.ui.hidden {
		label = "Show Tessera"
	}
	t.show = fyne.NewMenuItem(label, t.onShowHide)
	items = append(items, t.show)
	if t.ui.unlocked() {
		t.lock = fyne.NewMenuItem("Lock", t.ui.lock)
		items = append(items, t.lock)
	}
	// Fyne adds Quit itself; route it through UI.Quit so pending saves run.
	quit := fyne.NewMenuItem("Quit", t.ui.Quit)
	quit.IsQuit = true
	items = append(items, fyne.NewMenuItemSeparator(), quit)
	t.menu = fyne.NewMenu("Tessera", items...)
	t.app.SetSystemTrayMenu(t.menu)
}
