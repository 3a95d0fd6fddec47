package gui

import (
	"errors"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/tessera-auth/tessera/otp/qr"
	"github.com/tessera-auth/tessera/vault"
)

// checklist is a screen that lists entries, each with a checkbox (all
// checked at first), under a title and optional notes, with "All",
// Cancel and "Add N": the person picks which entries to add.
type checklist struct {
	ui *UI

	entries []vault.Entry
	checks  []*widget.Check
	all     *widget.Check
	addBtn  *widget.Button
	content fyne.CanvasObject
	add     func([]vault.Entry)
}

// newChecklist builds a checklist of entries. notes, if not nil, stands
// between the title and the list; add gets the checked entries when the
// person taps "Add N".
func newChecklist(ui *UI, title string, notes fyne.CanvasObject, entries []vault.Entry, add func([]vault.Entry)) *checklist {
	s := &checklist{ui: ui, entries: entries, add: add}
	rows := container.NewVBox()
	for i := range entries {
		e := &entries[i]
		label := e.Label()
		if label == "" {
			label = "(no name)"
		}
		label += "  ·  " + e.KindName()
		if len(e.Tags) > 0 {
			label += "  ·  " + strings.Join(e.Tags, ", ")
		}
		c := widget.NewCheck("", func(bool) { s.onChecked() })
		c.Checked = true
		s.checks = append(s.checks, c)
		rows.Add(checkRow(c, label))
	}
	s.all = widget.NewCheck("All", s.onAll)
	s.all.Checked = true
	s.addBtn = widget.NewButton("", s.onAdd)
	s.addBtn.Importance = widget.HighImportance
	cancel := widget.NewButton("Cancel", ui.showList)
	heading := widget.NewLabel(title)
	heading.Wrapping = fyne.TextWrapWord
	heading.TextStyle.Bold = true
	top := container.NewVBox(heading)
	if notes != nil {
		top.Add(notes)
	}
	top.Add(s.all)
	top.Add(widget.NewSeparator())
	s.content = container.NewBorder(top, container.NewGridWithColumns(2, cancel, s.addBtn), nil, nil, container.NewVScroll(rows))
	s.onChecked()
	return s
}

// checkRow lays out a check box with its text cut short with an ellipsis
// where the window is narrower: a check's own text is never shortened, and
// one long account name made the window 646 px wide. Tapping the text
// toggles the box, as tapping a check's own text does.
func checkRow(c *widget.Check, text string) fyne.CanvasObject {
	l := &checkText{check: c}
	l.Text = text
	l.Truncation = fyne.TextTruncateEllipsis
	l.ExtendBaseWidget(l)
	return container.NewBorder(nil, nil, c, nil, l)
}

// checkText is the text of a checkRow.
type checkText struct {
	widget.Label
	check *widget.Check
}

// Tapped toggles the check, unless it is disabled.
func (l *checkText) Tapped(*fyne.PointEvent) {
	if !l.check.Disabled() {
		l.check.SetChecked(!l.check.Checked)
	}
}

// chosen returns the checked entries.
func (s *checklist) chosen() []vault.Entry {
	var out []vault.Entry
	for i, c := range s.checks {
		if c.Checked {
			out = append(out, s.entries[i])
		}
	}
	return out
}

func (s *checklist) onChecked() {
	n := len(s.chosen())
	s.addBtn.SetText(fmt.Sprintf("Add %d", n))
	if n == 0 {
		s.addBtn.Disable()
	} else {
		s.addBtn.Enable()
	}
}

func (s *checklist) onAll(on bool) {
	for _, c := range s.checks {
		c.Checked = on
		c.Refresh()
	}
	s.onChecked()
}

func (s *checklist) onAdd() {
	s.ui.touch()
	s.add(s.chosen())
}

// checklistScreen shows every account found in a migration QR code (or in
// several codes) in a checklist, so the person picks what to add.
type checklistScreen struct{ *checklist }

func newChecklistScreen(ui *UI, entries []vault.Entry, source string) *checklistScreen {
	title := fmt.Sprintf("%d accounts found in %s. Choose the ones to add:", len(entries), source)
	return &checklistScreen{newChecklist(ui, title, nil, entries, func(chosen []vault.Entry) {
		if len(chosen) > 0 {
			ui.addEntries(chosen)
		}
	})}
}

// takeTexts turns the texts of QR codes (or pasted lines) into entries: one
// credential is added at once, several (a migration export) go through the
// checklist, a token-looking text is stored under a name the person gives.
// Texts that hold no credential are reported.
func (u *UI) takeTexts(texts []string, source string) {
	var found []vault.Entry
	var problems, tokens []string
	migration := false
	for _, t := range texts {
		c := qr.Classify(t)
		switch {
		case c.Err != nil:
			problems = append(problems, c.Err.Error())
		case c.Kind == qr.Token:
			tokens = append(tokens, t)
		case c.Kind == qr.OTP || c.Kind == qr.Migration:
			migration = migration || c.Kind == qr.Migration
			for _, cr := range c.Credentials {
				found = append(found, vault.Entry{Kind: vault.KindOTP, Issuer: cr.Issuer, Account: cr.Account, OTP: cr})
			}
		default:
			problems = append(problems, c.Describe())
		}
	}
	switch {
	case len(found) == 0 && len(tokens) > 0:
		u.askTokenName(tokens[0], source)
	case len(found) == 0 && len(texts) == 0:
		u.report("No QR code found in "+source+". Make sure the whole code is visible and not too small.", true)
	case len(found) == 0:
		u.report(strings.Join(problems, "\n"), true)
	case len(found) == 1 && !migration:
		u.addEntries(found)
	default:
		u.checklist = newChecklistScreen(u, found, source)
		u.show(u.checklist.content, nil)
	}
}

// askTokenName asks what to call an API token found in a QR code or on the
// clipboard, then stores it.
func (u *UI) askTokenName(token, source string) {
	name := widget.NewEntry()
	name.SetPlaceHolder("e.g. GitHub deploy token")
	name.Validator = func(s string) error {
		if strings.TrimSpace(s) == "" {
			return errors.New("give the token a name")
		}
		return nil
	}
	d := dialog.NewForm("Store an API token?", "Store", "Cancel",
		[]*widget.FormItem{widget.NewFormItem("Name", name)}, func(ok bool) {
			if !ok {
				return
			}
			u.addEntries([]vault.Entry{{Kind: vault.KindToken, Issuer: strings.TrimSpace(name.Text), Token: vault.Token{Value: []byte(token)}}})
		}, u.win)
	u.report("What "+source+" holds looks like an API token, not an OTP secret.", false)
	u.showDialog(d, nil)
	u.win.Canvas().Focus(name)
}

// addEntries adds entries to the vault at the end of the manual order, saves,
// returns to the list and says what happened. It returns how many were
// added.
func (u *UI) addEntries(entries []vault.Entry) int {
	if !u.unlocked() {
		return 0
	}
	u.reloadIfChanged()
	pos := 0.0
	for _, e := range u.vault.Entries() {
		pos = max(pos, e.Position)
	}
	var added []vault.Entry
	var problems []string
	for _, e := range entries {
		pos++
		e.Position = pos
		got, err := u.vault.Add(e)
		var dup *vault.DuplicateError
		switch {
		case errors.As(err, &dup):
			problems = append(problems, fmt.Sprintf("%s is already in the vault.", dup.Existing.Label()))
		case err != nil:
			problems = append(problems, fmt.Sprintf("%s: %v", e.Label(), err))
		default:
			added = append(added, got)
		}
	}
	if len(added) == 0 {
		u.report(strings.Join(problems, "\n"), true)
		return 0
	}
	saved := u.changed()
	u.showList()
	u.list.reveal(added[len(added)-1].ID)
	if !saved {
		// The save failure says what went wrong; the list says the
		// change is pending. "Added" would say the opposite.
		return len(added)
	}
	msg := fmt.Sprintf("Added %s.", added[0].Label())
	if len(added) > 1 {
		msg = fmt.Sprintf("Added %d entries.", len(added))
	}
	if len(problems) > 0 {
		msg += " " + strings.Join(problems, " ")
	}
	u.toast.show(msg, 2*toastTime, "", nil)
	return len(added)
}
