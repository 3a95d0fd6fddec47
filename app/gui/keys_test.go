package gui

import (
	"slices"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"

	"github.com/tessera-auth/tessera/otp"
)

func ctrlS() fyne.Shortcut {
	return &desktop.CustomShortcut{KeyName: fyne.KeyS, Modifier: fyne.KeyModifierShortcutDefault}
}

// Enter submits the add form when it is valid, and not otherwise; after
// the add the list selects the new entry, even past a search that hid it.
func TestEnterSubmitsAddForm(t *testing.T) {
	h := newHarness(t, "")
	h.unlock()
	test.Type(h.ui.list.search, "hub")
	h.ui.showAdd()
	s := h.ui.add
	test.Type(s.issuer, "Keyboard Co")
	test.Type(s.account, "kim")
	test.Type(s.secret, "not base32!")
	h.press(s.secret, fyne.KeyReturn)
	if h.ui.current != s.content || slices.Contains(h.saved(), "Keyboard Co: kim") {
		t.Fatal("Enter saved a form with a bad secret")
	}
	s.secret.SetText("JBSWY3DPEHPK3PXK")
	h.press(s.account, fyne.KeyReturn)
	if !slices.Contains(h.saved(), "Keyboard Co: kim") {
		t.Fatalf("Enter did not add; status %q", s.status.Text)
	}
	if e := h.ui.list.entry(h.ui.list.selected); e == nil || e.Issuer != "Keyboard Co" {
		t.Fatalf("after the add the selection is on %v, not the new entry", e)
	}
	if h.focused() != h.ui.list.search {
		t.Fatal("after the add the keyboard is not in the search")
	}
	// Escape leaves a form for the list.
	h.ui.showAdd()
	h.press(s.issuer, fyne.KeyEscape)
	if h.ui.current != h.ui.list.content || h.focused() != h.ui.list.search {
		t.Fatal("Escape in the add form did not return to the search")
	}
}

// Enter and Ctrl+S save an edit; Ctrl+Z undoes a delete within its 10 s.
func TestEditKeysAndUndo(t *testing.T) {
	h := newHarness(t, "")
	h.unlock()
	h.ui.list.selectRow(0)
	h.ui.list.onEdit()
	h.ui.edit.issuer.SetText("Renamed")
	h.press(h.ui.edit.issuer, fyne.KeyReturn)
	if !slices.Contains(h.saved(), "Renamed: alice@example.com") {
		t.Fatalf("Enter did not save the edit: %v", h.saved())
	}
	h.ui.list.selectRow(0)
	h.ui.list.onEdit()
	test.Type(h.ui.edit.note, "line one")
	h.ui.edit.note.TypedShortcut(ctrlS())
	if h.ui.current != h.ui.list.content {
		t.Fatal("Ctrl+S in the note did not save")
	}
	h.ui.list.selectRow(0)
	id := h.ui.list.entry(0).ID
	h.ui.deleteEntry(id)
	if _, ok := h.ui.vault.Entry(id); ok {
		t.Fatal("not deleted")
	}
	h.ui.list.search.TypedShortcut(&fyne.ShortcutUndo{})
	if _, ok := h.ui.vault.Entry(id); !ok {
		t.Fatal("Ctrl+Z did not undo the delete")
	}
	// With no delete on offer, Ctrl+Z is the search's own undo.
	if h.ui.undo() {
		t.Fatal("a second Ctrl+Z undid something")
	}
}

// Enter confirms the migration chooser; choosing a group gives the
// keyboard back to the search.
func TestEnterConfirmsChecklistAndSelectsReturnFocus(t *testing.T) {
	h := newHarness(t, "")
	h.unlock()
	var creds []otp.Credential
	for i, name := range []string{"One", "Two"} {
		creds = append(creds, otp.Credential{Issuer: name, Account: "me", Secret: []byte{byte(i + 1), 2, 3, 4, 5, 6, 7, 8, 9, 10}, Digits: 6, Period: 30})
	}
	uris, err := otp.FormatMigration(creds, 7)
	if err != nil {
		t.Fatal(err)
	}
	h.ui.showAdd()
	h.app.Clipboard().SetContent(uris[0])
	test.Tap(h.ui.add.paste)
	if h.ui.checklist == nil || h.ui.current != h.ui.checklist.content {
		t.Fatal("no checklist")
	}
	h.win.Canvas().Unfocus()
	h.win.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if got := h.saved(); !slices.Contains(got, "One: me") || !slices.Contains(got, "Two: me") {
		t.Fatalf("Enter did not add the chosen accounts: %v", got)
	}
	h.win.Canvas().Focus(h.ui.list.group)
	h.ui.list.group.SetSelected(groupFavourites)
	if h.focused() != h.ui.list.search {
		t.Fatalf("after choosing a group the focus is on %T", h.focused())
	}
}
