package gui

import (
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
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
const dialogChrome = 120

// scrollIfTall returns a dialog's content as it is when the window has room
// for it, else in a scroll as tall as the window leaves: a tall dialog ran
// off the smallest window.
func (u *UI) scrollIfTall(c fyne.CanvasObject) fyne.CanvasObject {
	room := u.win.Canvas().Size().Height - dialogChrome
	min := c.MinSize()
	if room <= 0 || min.Height <= room {
		return c
	}
	s := container.NewVScroll(c)
	s.SetMinSize(fyne.NewSize(min.Width, room))
	return s
}

// closeTopDialog closes the dialog opened last, if any, as Escape does.
func (u *UI) closeTopDialog() bool {
	if len(u.dialogs) == 0 {
		return false
	}
	u.dialogs[len(u.dialogs)-1].Hide()
	return true
}

// newDialogEntry returns a field for a dialog in which Escape closes the
// dialog, as it does with nothing focused: the driver gives keys to the
// focused field, and a plain entry kept Escape to itself, so the dialog
// stayed.
func (u *UI) newDialogEntry() *keyEntry {
	e := newKeyEntry()
	e.onKey = func(k *fyne.KeyEvent) bool {
		return k.Name == fyne.KeyEscape && u.closeTopDialog()
	}
	return e
}

// newDialogPassword is newDialogEntry for a password.
func (u *UI) newDialogPassword() *keyEntry {
	e := u.newDialogEntry()
	e.Password = true
	return e
}

// dialogList is a list in a dialog in which Escape closes the dialog (see
// newDialogEntry).
type dialogList struct {
	widget.List
	ui *UI
}

func (u *UI) newDialogList(length func() int, create func() fyne.CanvasObject, update func(widget.ListItemID, fyne.CanvasObject)) *dialogList {
	l := &dialogList{ui: u}
	l.Length, l.CreateItem, l.UpdateItem = length, create, update
	l.ExtendBaseWidget(l)
	return l
}

// TypedKey implements fyne.Focusable.
func (l *dialogList) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape && l.ui.closeTopDialog() {
		return
	}
	l.List.TypedKey(k)
}
