package gui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"
)

// keyEntry is a one-line entry that offers keys and shortcuts to a handler
// before treating them itself, so the search field can move the list
// selection with the arrow keys and the unlock field can react to Escape.
type keyEntry struct {
	widget.Entry
	onKey      func(*fyne.KeyEvent) bool // true: handled, the entry ignores it
	onShortcut func(fyne.Shortcut) bool
}

func newKeyEntry() *keyEntry {
	e := &keyEntry{}
	e.ExtendBaseWidget(e)
	return e
}

// TypedKey implements fyne.Focusable.
func (e *keyEntry) TypedKey(k *fyne.KeyEvent) {
	if e.onKey != nil && e.onKey(k) {
		return
	}
	e.Entry.TypedKey(k)
}

// TypedShortcut implements fyne.Shortcutable.
func (e *keyEntry) TypedShortcut(s fyne.Shortcut) {
	if e.onShortcut != nil && e.onShortcut(s) {
		return
	}
	e.Entry.TypedShortcut(s)
}

// newFormEntry returns a field of a form that Enter submits (through
// submit, which validates) and Ctrl+S saves, and that Escape leaves for the
// list. A multi-line field keeps Enter for new lines.
func newFormEntry(u *UI, submit func(), multiLine bool) *keyEntry {
	e := newKeyEntry()
	e.MultiLine = multiLine
	if multiLine {
		e.Wrapping = fyne.TextWrapWord
	} else {
		e.OnSubmitted = func(string) { submit() }
	}
	e.onKey = func(k *fyne.KeyEvent) bool {
		if k.Name == fyne.KeyEscape {
			u.showList()
			return true
		}
		return false
	}
	e.onShortcut = func(s fyne.Shortcut) bool {
		if isCtrl(s, fyne.KeyS) {
			submit()
			return true
		}
		return false
	}
	return e
}

// isCtrl reports whether s is Ctrl (Cmd on macOS) with key k.
func isCtrl(s fyne.Shortcut, k fyne.KeyName) bool {
	c, ok := s.(*desktop.CustomShortcut)
	return ok && c.KeyName == k && c.Modifier == fyne.KeyModifierShortcutDefault
}

// submitForm submits f as its Submit button would: only when every field
// is valid, so that Enter never saves what the form marks wrong.
func submitForm(f *widget.Form) {
	if f == nil || f.OnSubmit == nil {
		return
	}
	if err := f.Validate(); err != nil {
		return
	}
	f.OnSubmit()
}
