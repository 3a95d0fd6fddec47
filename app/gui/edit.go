package gui

import (
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tessera-auth/tessera/assets/issuers"
	"github.com/tessera-auth/tessera/vault"
)

// Icon choices that are not bundled icon names.
const (
	iconAuto = "Automatic"
	iconNone = "Monogram"
)

// editScreen changes one entry's names, tags, favourite flag, note and icon;
// it also deletes the entry (with undo) and shows it as a QR code.
type editScreen struct {
	ui *UI
	id string

	issuer    *keyEntry
	account   *keyEntry
	tags      *keyEntry
	favourite *widget.Check
	note      *keyEntry
	icon      *widget.Select
	form      *widget.Form
	qr        *widget.Button
	del       *widget.Button
	content   fyne.CanvasObject
}

func newEditScreen(ui *UI) *editScreen {
	s := &editScreen{ui: ui}
	submit := func() { submitForm(s.form) }
	s.issuer = newFormEntry(ui, submit, false)
	s.account = newFormEntry(ui, submit, false)
	s.tags = newFormEntry(ui, submit, false)
	s.tags.SetPlaceHolder("work, personal")
	s.favourite = widget.NewCheck("Favourite (shown in the tray menu)", nil)
	s.note = newFormEntry(ui, submit, true)
	s.note.SetMinRowsVisible(3)
	s.icon = widget.NewSelect(append([]string{iconAuto, iconNone}, issuers.Names()...), nil)
	s.form = &widget.Form{
		Items: []*widget.FormItem{
			{Text: "Issuer", Widget: s.issuer},
			{Text: "Account", Widget: s.account},
			{Text: "Tags", Widget: s.tags, HintText: "separated by commas; each tag is a group"},
			{Text: "", Widget: s.favourite},
			{Text: "Note", Widget: s.note},
			{Text: "Icon", Widget: s.icon},
		},
		SubmitText: "Save",
		OnSubmit:   s.onSave,
		CancelText: "Back",
		OnCancel:   ui.showList,
	}
	s.qr = widget.NewButtonWithIcon("Show as QR code", theme.VisibilityIcon(), s.onShowQR)
	s.del = widget.NewButtonWithIcon("Delete", theme.DeleteIcon(), s.onDelete)
	s.del.Importance = widget.DangerImportance
	back := ui.newIconButton(theme.NavigateBackIcon(), "Back to the list (Escape)", ui.showList)
	title := widget.NewLabel("Edit entry")
	title.TextStyle.Bold = true
	head := container.NewBorder(nil, nil, back, nil, title)
	s.content = container.NewBorder(head, container.NewPadded(container.NewGridWithColumns(2, s.qr, s.del)), nil, nil,
		container.NewVScroll(container.NewPadded(s.form)))
	return s
}

// showEdit opens the edit screen for entry id.
func (u *UI) showEdit(id string) {
	u.touch()
	if !u.unlocked() {
		return
	}
	e, ok := u.vault.Entry(id)
	if !ok {
		return
	}
	if u.edit == nil {
		u.edit = newEditScreen(u)
	}
	u.edit.load(&e)
	u.show(u.edit.content, u.edit.issuer)
}

func (s *editScreen) load(e *vault.Entry) {
	s.id = e.ID
	s.issuer.SetText(e.Issuer)
	s.account.SetText(e.Account)
	s.tags.SetText(strings.Join(e.Tags, ", "))
	s.favourite.SetChecked(e.Favourite)
	s.note.SetText(e.Note)
	switch {
	case e.Icon == "":
		s.icon.SetSelected(iconAuto)
	case e.Icon == iconRefNone:
		s.icon.SetSelected(iconNone)
	case strings.HasPrefix(e.Icon, iconRefBuiltin):
		s.icon.SetSelected(strings.TrimPrefix(e.Icon, iconRefBuiltin))
	default:
		s.icon.SetSelected(iconAuto)
	}
	if e.Kind == vault.KindToken {
		s.qr.Hide()
	} else {
		s.qr.Show()
	}
}

// parseTags splits a comma-separated list, trimming and dropping empty and
// repeated tags.
func parseTags(s string) []string {
	var out []string
	for _, t := range strings.Split(s, ",") {
		if t = strings.TrimSpace(t); t != "" && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

func (s *editScreen) onSave() {
	s.ui.touch()
	s.ui.reloadIfChanged()
	e, ok := s.ui.vault.Entry(s.id)
	if !ok {
		s.ui.showDialog(dialog.NewInformation("Entry gone", "This entry was deleted meanwhile (perhaps from the command line).", s.ui.win), nil)
		s.ui.showList()
		return
	}
	e.Issuer = strings.TrimSpace(s.issuer.Text)
	e.Account = strings.TrimSpace(s.account.Text)
	e.Tags = parseTags(s.tags.Text)
	e.Favourite = s.favourite.Checked
	e.Note = s.note.Text
	switch sel := s.icon.Selected; sel {
	case iconAuto, "":
		e.Icon = ""
	case iconNone:
		e.Icon = iconRefNone
	default:
		e.Icon = iconRefBuiltin + sel
	}
	if err := s.ui.vault.Update(e); err != nil {
		s.ui.showDialog(dialog.NewError(err, s.ui.win), nil)
		return
	}
	// A failed save keeps the change in memory and this screen open, so
	// nothing typed is lost.
	if s.ui.changed() {
		s.ui.showList()
		s.ui.toast.show("Saved "+e.Label()+".", toastTime, "", nil)
	}
}

func (s *editScreen) onDelete() {
	s.ui.deleteEntry(s.id)
}

func (s *editScreen) onShowQR() {
	s.ui.touch()
	e, ok := s.ui.vault.Entry(s.id)
	if !ok {
		return
	}
	d := dialog.NewConfirm("Show the secret?",
		"The QR code holds the secret of "+e.Label()+". Anyone who sees or photographs it can make your codes. Show it only to move the entry to your phone, with nobody watching.",
		func(ok bool) {
			if ok {
				s.ui.showQR(s.id)
			}
		}, s.ui.win)
	d.SetConfirmText("Show")
	d.SetDismissText("Cancel")
	s.ui.showDialog(d, nil)
}
