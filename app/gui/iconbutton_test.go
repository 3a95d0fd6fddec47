package gui

import (
	"testing"

	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"
)

// Every button that shows only an icon has a name, shown as a tooltip when
// the pointer rests on it; Lock shows a padlock.
func TestIconButtonsHaveNames(t *testing.T) {
	h := newHarness(t, "")
	h.unlock()
	screens := map[string]func(){
		"list": h.ui.showList, "add": h.ui.showAdd, "settings": h.ui.showSettings,
		"edit": func() { h.ui.showEdit(h.ui.list.entry(0).ID) },
	}
	var lock *iconButton
	for name, show := range screens {
		show()
		for _, o := range visibleObjects(h.ui.current) {
			switch b := o.(type) {
			case *iconButton:
				if b.AccessibleName() == "" {
					t.Errorf("%s: an icon button without a name", name)
				}
				if b.name == "Lock (Ctrl+L)" {
					lock = b
				}
			case *widget.Button:
				if b.Text == "" && b.Icon != nil {
					t.Errorf("%s: a plain icon button (%s) without a name or tooltip", name, b.Icon.Name())
				}
			}
		}
	}
	if lock == nil || lock.Icon != lockIcon {
		t.Fatal("no Lock button with the padlock")
	}
	h.ui.showList()
	lock.MouseIn(&desktop.MouseEvent{})
	if got := h.ui.tips.shown(); got != "" {
		t.Fatalf("tooltip %q at once, before the pointer rested", got)
	}
	h.clock.Advance(tipDelay)
	if got := h.ui.tips.shown(); got != "Lock (Ctrl+L)" {
		t.Fatalf("tooltip %q, want the button's name", got)
	}
	// Inside the window, and the keyboard stays in the search.
	pos, size := h.ui.tips.box.Position(), h.ui.tips.box.Size()
	if pos.X < 0 || pos.X+size.Width > h.win.Canvas().Size().Width {
		t.Fatalf("tooltip at %v, %v: outside the window", pos, size)
	}
	if h.focused() != h.ui.list.search {
		t.Fatal("the tooltip took the keyboard")
	}
	lock.MouseOut()
	if got := h.ui.tips.shown(); got != "" {
		t.Fatalf("tooltip %q after the pointer left", got)
	}
}
