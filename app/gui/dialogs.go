package gui

import (
	"slices"

	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
)

// showDialog shows d over the window, the one way every dialog of Tessera
// opens: Escape closes the top one, no dialog is wider than the window,
// and when the last one closes the keyboard goes back to the screen's main
// field (the search), so that typing filters again. onClosed, if not nil,
// runs first.
func (u *UI) showDialog(d dialog.Dialog, onClosed func()) {
	u.dialogs = append(u.dialogs, d)
	d.SetOnClosed(func() {
		if i := slices.Index(u.dialogs, d); i >= 0 {
			u.dialogs = slices.Delete(u.dialogs, i, i+1)
		}
		if onClosed != nil {
			onClosed()
		}
		if len(u.dialogs) == 0 {
			if p := u.primary(); p != nil {
				u.win.Canvas().Focus(p)
			}
		}
	})
	d.Show()
}

// dialogRoom is the widest a dialog's content may be laid out: the window's
// width less the margins and padding dialogs add (about 53 px; 12 paddings
// were too few, and the help ran 5 px off the smallest window).
func (u *UI) dialogRoom() float32 {
	w := u.win.Canvas().Size().Width
	if w <= 0 {
		w = startSize.Width
	}
	return w - 16*theme.Padding()
}

// dialogChrome is the height a dialog adds around its content: title,
// buttons, padding and margins.
const dialogChrome = 160

// closeTopDialog closes the dialog opened last, if any, as Escape does.
func (u *UI) closeTopDialog() bool {
	if len(u.dialogs) == 0 {
		return false
	}
	u.dialogs[len(u.dialogs)-1].Hide()
	return true
}
