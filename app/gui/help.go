package gui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
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
	{"Escape", "clear the search; close a dialog"},
	{"Ctrl+C", "copy the selected entry's code"},
	{"Ctrl+F", "focus the search field"},
	{"Ctrl+N", "add an entry (then Space scans the screen)"},
	{"Ctrl+V", "add the otpauth:// link or QR image on the clipboard"},
	{"Ctrl+E", "edit the selected entry"},
	{"Ctrl+L", "lock the vault"},
	{"Ctrl+,", "settings"},
	{"Ctrl+Shift+K", "security keys"},
	{"F1", "this help"},
}

// helpScreen is the on-screen list of keyboard shortcuts.
type helpScreen struct {
	ui *UI
}

// show opens the shortcuts in a dialog as wide as the window allows: the
// keys in a column as wide as the widest, the descriptions wrapped at word
// boundaries beside them.
func (h *helpScreen) show() {
	keys := make([]*widget.Label, len(shortcuts))
	keyWidth := float32(0)
	for i, s := range shortcuts {
		keys[i] = widget.NewLabel(s[0])
		keys[i].TextStyle = fyne.TextStyle{Bold: true, Monospace: true}
		keyWidth = max(keyWidth, keys[i].MinSize().Width)
	}
	rows := container.NewVBox()
	for i, s := range shortcuts {
		what := widget.NewLabel(s[1])
		what.Wrapping = fyne.TextWrapWord
		column := canvas.NewRectangle(color.Transparent)
		column.SetMinSize(fyne.NewSize(keyWidth, 0))
		rows.Add(container.NewBorder(nil, nil, container.NewStack(column, keys[i]), nil, what))
	}
	width := min(h.ui.dialogRoom(), 480)
	body := h.ui.scrollIfTall(container.New(fixedWidth(width), rows))
	d := dialog.NewCustom("Keyboard shortcuts", "Close", body, h.ui.win)
	h.ui.showDialog(d, nil)
}
