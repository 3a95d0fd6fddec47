package gui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
)

// shortcuts lists the keyboard shortcuts of the main window, shown by the
// help screen and kept in one place with the code that dispatches them
// (listScreen.onKey and listScreen.onShortcut).
var shortcuts = [][2]string{
	{"Type", "filter by issuer, account or tag"},
	{"Enter", "copy the code of the selected (else top) entry"},
	{"Up / Down", "move the selection"},
	{"Escape", "clear the search"},
	{"Ctrl+C", "copy the selected entry's code"},
	{"Ctrl+F", "focus the search field"},
	{"Ctrl+N", "add an entry (then Space scans the screen)"},
	{"Ctrl+V", "add the otpauth:// link or QR image on the clipboard"},
	{"Ctrl+E", "edit the selected entry"},
	{"Ctrl+L", "lock the vault"},
	{"Ctrl+,", "settings"},
	{"F1", "this help"},
}

// helpScreen is the on-screen list of keyboard shortcuts.
type helpScreen struct {
	ui *UI
}

func (h *helpScreen) show() {
	rows := container.NewGridWithColumns(2)
	for _, s := range shortcuts {
		k := widget.NewLabel(s[0])
		k.TextStyle = fyne.TextStyle{Bold: true, Monospace: true}
		rows.Add(k)
		rows.Add(widget.NewLabel(s[1]))
	}
	d := dialog.NewCustom("Keyboard shortcuts", "Close", rows, h.ui.win)
	d.Show()
}
