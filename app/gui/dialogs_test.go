package gui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// escape sends Escape to the window as the driver does when no widget has
// the keyboard, which is the case while a dialog is open.
func (h *harness) escape() {
	h.t.Helper()
	if f := h.focused(); f != nil {
		f.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
		return
	}
	h.win.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
}

// F1's help fits in the window, its descriptions wrapped rather than cut,
// and Escape closes it and gives the keyboard back to the search.
func TestHelpFitsAndEscapeCloses(t *testing.T) {
	h := newHarness(t, "")
	h.unlock()
	h.press(h.ui.list.search, fyne.KeyF1)
	top := h.win.Canvas().Overlays().Top()
	if top == nil || len(h.ui.dialogs) != 1 {
		t.Fatal("F1 opened no dialog")
	}
	win := h.win.Canvas().Size()
	if w := h.ui.dialogs[0].MinSize().Width; w > win.Width {
		t.Fatalf("the help needs %v px, the window has %v", w, win.Width)
	}
	// Every description is whole: laid out no wider than the dialog, and
	// as tall as its wrapped lines need.
	n := 0
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch o := o.(type) {
		case *widget.Label:
			if o.Wrapping == fyne.TextWrapWord {
				n++
				if o.Size().Height < o.MinSize().Height || o.Size().Width > win.Width {
					t.Errorf("%q laid out %v, needs %v", o.Text, o.Size(), o.MinSize())
				}
			}
		case *fyne.Container:
			for _, c := range o.Objects {
				walk(c)
			}
		case *container.Scroll:
			walk(o.Content)
		}
	}
	walk(top.(*widget.PopUp).Content)
	if n != len(shortcuts) {
		t.Fatalf("found %d descriptions, want %d", n, len(shortcuts))
	}
	h.escape()
	if len(h.ui.dialogs) != 0 || h.win.Canvas().Overlays().Top() != nil {
		t.Fatal("Escape did not close the help")
	}
	if h.focused() != h.ui.list.search {
		t.Fatalf("after the help closed the focus is on %T, not the search", h.focused())
	}
	// The search still takes Escape as "clear" when no dialog is open.
	h.ui.list.search.SetText("hub")
	h.escape()
	if h.ui.list.search.Text != "" {
		t.Fatal("Escape in the search no longer clears it")
	}
}

// Escape closes the confirmations too, as their Cancel would.
func TestEscapeClosesConfirmation(t *testing.T) {
	h := newHarness(t, "")
	h.unlock()
	h.ui.list.selectRow(0)
	h.ui.list.onEdit()
	h.ui.edit.onShowQR()
	if len(h.ui.dialogs) != 1 {
		t.Fatal("no confirmation before showing the QR code")
	}
	h.escape()
	if len(h.ui.dialogs) != 0 || h.ui.qrDialog != nil {
		t.Fatal("Escape did not cancel the confirmation (or showed the QR code)")
	}
}

// Fyne's own file dialogs (the fallback when no portal serves a file
// chooser) close with Escape like every other dialog.
func TestFileDialogEscapeCloses(t *testing.T) {
	h := newHarness(t, "")
	h.unlock()
	h.ui.list.search.TypedShortcut(ctrl(fyne.KeyN))
	h.ui.add.openWithFyne()
	if len(h.ui.dialogs) != 1 {
		t.Fatalf("%d dialogs open, want the file dialog", len(h.ui.dialogs))
	}
	h.escape()
	if len(h.ui.dialogs) != 0 {
		t.Fatal("Escape left the file dialog open")
	}
}

// Escape closes every dialog whatever field or list in it has the
// keyboard: the driver gives keys to the focused widget, and a list or a
// field took Escape for itself, so the dialog stayed (the backups list has
// the keyboard as it opens). Fyne's buttons, checks, radio buttons and
// selects still keep Escape once they have the keyboard (by Tab, or a
// click on a check): see the report of this change.
func TestEscapeClosesEveryDialogFromAnyField(t *testing.T) {
	h := newHarness(t, "")
	h.unlock()
	openers := map[string]func(){
		"help":              h.ui.list.onHelp,
		"backups":           h.ui.showBackups,
		"automatic backups": h.ui.showAutoBackup,
		"export":            h.ui.showExport,
		"approvals manager": func() { h.ui.approvals.showManager() },
	}
	fields := func() []fyne.Focusable {
		var out []fyne.Focusable
		for _, o := range visibleObjects(h.win.Canvas().Overlays().Top()) {
			switch f := o.(type) {
			case *keyEntry, *dialogList, *widget.Entry, *widget.List:
				if d, ok := o.(fyne.Disableable); ok && d.Disabled() {
					continue
				}
				out = append(out, f.(fyne.Focusable))
			}
		}
		return out
	}
	for name, open := range openers {
		open()
		n := len(fields())
		h.ui.closeTopDialog()
		for i := -1; i < n; i++ { // -1: as the dialog opens
			open()
			var f fyne.Focusable
			if i >= 0 {
				f = fields()[i]
				h.win.Canvas().Focus(f)
				if h.focused() != f {
					t.Fatalf("%s: %T does not take the keyboard", name, f)
				}
			}
			h.escape()
			if len(h.ui.dialogs) != 0 {
				t.Errorf("%s: Escape with the keyboard in %T left the dialog open", name, h.focused())
				for h.ui.closeTopDialog() {
				}
			}
		}
	}
}
