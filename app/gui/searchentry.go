package gui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
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

// submitForm runs submit only when every field of f is valid, so that
// Enter never saves what the form marks wrong; the fields that are not say
// why.
func submitForm(f *widget.Form, submit func()) {
	if f == nil || submit == nil {
		return
	}
	if err := f.Validate(); err != nil {
		return
	}
	submit()
}

// newFormBar returns the buttons that end a form screen: back, and the
// submit button, which submits as Enter does. They go under the screen's
// scrolling part, always in view: as the form's own buttons, at the end of
// a long form, they were cut in half by the window's edge.
func newFormBar(backText string, onBack func(), submitText string, onSubmit func()) fyne.CanvasObject {
	back := widget.NewButton(backText, onBack)
	submit := widget.NewButton(submitText, onSubmit)
	submit.Importance = widget.HighImportance
	return container.NewPadded(container.NewGridWithColumns(2, back, submit))
}

// escapeButton is a button on which Escape does what it does on the screen
// (leave a form for the list), where a plain button ignores it.
type escapeButton struct {
	widget.Button
	onEscape func()
}

func newEscapeButton(text string, icon fyne.Resource, tapped, onEscape func()) *escapeButton {
	b := &escapeButton{onEscape: onEscape}
	b.Text, b.Icon, b.OnTapped = text, icon, tapped
	b.ExtendBaseWidget(b)
	return b
}

// TypedKey implements fyne.Focusable.
func (b *escapeButton) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape && b.onEscape != nil {
		b.onEscape()
		return
	}
	b.Button.TypedKey(k)
}
