package gui

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tessera-auth/tessera/assets/issuers"
	"github.com/tessera-auth/tessera/otp"
	"github.com/tessera-auth/tessera/vault"
)

// Icon choices that are not bundled icon names.
const (
	iconAuto = "Automatic"
	iconNone = "Monogram"
)

// editScreen changes everything an entry has: its names, its secret
// (masked, with a reveal) and parameters (validated as the add form does),
// tags, favourite flag, note and icon; it also deletes the entry (with
// undo) and shows it as a QR code.
type editScreen struct {
	ui *UI
	id string

	issuer    *keyEntry
	account   *keyEntry
	tags      *keyEntry
	favourite *widget.Check
	note      *keyEntry
	icon      *widget.Select
	secret    *keyEntry // OTP: the base32 secret; token: its value
	algorithm *widget.Select
	digits    *keyEntry
	period    *keyEntry
	counter   *keyEntry
	url       *keyEntry
	expires   *keyEntry
	kind      string // what the form was made for: vault.KindToken, or the OTP kind's name
	form      *widget.Form
	formBox   *fyne.Container
	qr        *widget.Button
	del       *widget.Button
	content   fyne.CanvasObject
}

func newEditScreen(ui *UI) *editScreen {
	s := &editScreen{ui: ui}
	submit := func() { submitForm(s.form, s.onSave) }
	s.issuer = newFormEntry(ui, submit, false)
	s.account = newFormEntry(ui, submit, false)
	s.tags = newFormEntry(ui, submit, false)
	s.tags.SetPlaceHolder("work, personal")
	s.favourite = widget.NewCheck("Favourite (shown in the tray menu)", nil)
	s.note = newFormEntry(ui, submit, true)
	s.note.SetMinRowsVisible(3)
	s.icon = widget.NewSelect(append([]string{iconAuto, iconNone}, issuers.Names()...), nil)
	s.secret = newFormEntry(ui, submit, false)
	s.secret.Password = true
	s.algorithm = widget.NewSelect([]string{"SHA1", "SHA256", "SHA512"}, nil)
	s.digits = newFormEntry(ui, submit, false)
	s.digits.Validator = intRange("digits", otp.MinDigits, otp.MaxDigits)
	s.period = newFormEntry(ui, submit, false)
	s.period.Validator = intRange("period", 1, otp.MaxPeriod)
	s.counter = newFormEntry(ui, submit, false)
	s.counter.Validator = intRange("counter", 0, 1<<53)
	s.url = newFormEntry(ui, submit, false)
	s.expires = newFormEntry(ui, submit, false)
	s.expires.SetPlaceHolder("YYYY-MM-DD, empty if it does not expire")
	s.expires.Validator = validateDate
	s.formBox = container.NewStack()
	s.qr = widget.NewButtonWithIcon("Show as QR code", theme.VisibilityIcon(), s.onShowQR)
	s.del = widget.NewButtonWithIcon("Delete", theme.DeleteIcon(), s.onDelete)
	s.del.Importance = widget.DangerImportance
	back := ui.newIconButton(theme.NavigateBackIcon(), "Back to the list (Escape)", ui.showList)
	title := widget.NewLabel("Edit entry")
	title.TextStyle.Bold = true
	head := container.NewBorder(nil, nil, back, nil, title)
	// Back and Save stay in view; the entry's other actions end the form.
	bar := newFormBar("Back", ui.showList, "Save", submit)
	s.content = container.NewBorder(head, bar, nil, nil,
		container.NewVScroll(container.NewPadded(container.NewVBox(s.formBox, widget.NewSeparator(), container.NewGridWithColumns(2, s.qr, s.del)))))
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

// makeForm lays out the fields of e's kind. Fyne's Form keeps the widgets
// it first laid out when its items change, so each kind gets a new form.
func (s *editScreen) makeForm(e *vault.Entry) {
	items := []*widget.FormItem{
		{Text: "Issuer", Widget: s.issuer},
		{Text: "Account", Widget: s.account},
	}
	switch {
	case e.Kind == vault.KindToken:
		s.kind = string(vault.KindToken)
		items[0].Text = "Name"
		s.secret.Validator = func(v string) error {
			if strings.TrimSpace(v) == "" {
				return errors.New("required")
			}
			return nil
		}
		items = append(items,
			&widget.FormItem{Text: "Token", Widget: s.secret, HintText: "the token's value; the eye shows it"},
			&widget.FormItem{Text: "URL", Widget: s.url, HintText: "optional: where the token is used or managed"},
			&widget.FormItem{Text: "Expires", Widget: s.expires, HintText: "optional: YYYY-MM-DD"})
	default:
		s.kind = e.KindName()
		s.secret.Validator = func(v string) error {
			if strings.TrimSpace(v) == "" {
				return errors.New("required")
			}
			_, err := otp.DecodeSecret(v)
			return fieldError(err)
		}
		items = append(items, &widget.FormItem{Text: "Secret", Widget: s.secret, HintText: "base32; the eye shows it"})
		switch e.OTP.Kind {
		case otp.Steam:
		case otp.HOTP:
			items = append(items,
				&widget.FormItem{Text: "Algorithm", Widget: s.algorithm},
				&widget.FormItem{Text: "Digits", Widget: s.digits},
				&widget.FormItem{Text: "Counter", Widget: s.counter, HintText: "the counter of the next code"})
		default:
			items = append(items,
				&widget.FormItem{Text: "Algorithm", Widget: s.algorithm},
				&widget.FormItem{Text: "Digits", Widget: s.digits},
				&widget.FormItem{Text: "Period (s)", Widget: s.period})
		}
	}
	items = append(items,
		&widget.FormItem{Text: "Tags", Widget: s.tags, HintText: "separated by commas; each tag is a group"},
		&widget.FormItem{Text: "", Widget: s.favourite},
		&widget.FormItem{Text: "Note", Widget: s.note},
		&widget.FormItem{Text: "Icon", Widget: s.icon})
	s.form = &widget.Form{Items: items} // its buttons are the screen's bar
	s.formBox.Objects = []fyne.CanvasObject{s.form}
	s.formBox.Refresh()
}

// forget empties the secret's field, as on lock.
func (s *editScreen) forget() {
	s.secret.SetText("")
	s.id = ""
}

func (s *editScreen) load(e *vault.Entry) {
	s.id = e.ID
	if e.Kind == vault.KindToken {
		s.secret.SetText(string(e.Token.Value))
		s.url.SetText(e.Token.URL)
		s.expires.SetText("")
		if !e.Token.Expires.IsZero() {
			s.expires.SetText(e.Token.Expires.Format(time.DateOnly))
		}
	} else {
		s.secret.SetText(otp.EncodeSecret(e.OTP.Secret))
		s.algorithm.SetSelected(e.OTP.Algorithm.String())
		s.digits.SetText(strconv.Itoa(e.OTP.EffectiveDigits()))
		s.period.SetText(strconv.Itoa(max(e.OTP.EffectivePeriod(), 1)))
		s.counter.SetText(strconv.FormatUint(e.OTP.Counter, 10))
	}
	s.secret.Password = true
	s.secret.Refresh()
	s.makeForm(e)
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
	if err := s.form.Validate(); err != nil {
		return // the form marks the field
	}
	e.Issuer = strings.TrimSpace(s.issuer.Text)
	e.Account = strings.TrimSpace(s.account.Text)
	if err := s.applyFields(&e); err != nil {
		s.ui.showDialog(dialog.NewError(err, s.ui.win), nil)
		return
	}
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

// applyFields puts the secret and parameters of the form into e, checked
// as the add form checks them.
func (s *editScreen) applyFields(e *vault.Entry) error {
	if e.Kind == vault.KindToken {
		e.Token.Value = []byte(strings.TrimSpace(s.secret.Text))
		e.Token.URL = strings.TrimSpace(s.url.Text)
		e.Token.Expires = time.Time{}
		if d := strings.TrimSpace(s.expires.Text); d != "" {
			t, err := time.Parse(time.DateOnly, d)
			if err != nil {
				return fmt.Errorf("expires: %w", err)
			}
			e.Token.Expires = t
		}
		return nil
	}
	key, err := otp.DecodeSecret(s.secret.Text)
	if err != nil {
		return fmt.Errorf("secret: %w", err)
	}
	c := e.OTP
	c.Secret = key
	c.Issuer, c.Account = e.Issuer, e.Account
	if c.Kind != otp.Steam {
		if c.Algorithm, err = otp.ParseAlgorithm(s.algorithm.Selected); err != nil {
			return fmt.Errorf("algorithm: %w", err)
		}
		c.Digits, _ = strconv.Atoi(strings.TrimSpace(s.digits.Text))
	}
	switch c.Kind {
	case otp.HOTP:
		c.Counter, _ = strconv.ParseUint(strings.TrimSpace(s.counter.Text), 10, 64)
	case otp.Steam:
	default:
		c.Period, _ = strconv.Atoi(strings.TrimSpace(s.period.Text))
	}
	if err := c.Validate(); err != nil {
		return err
	}
	e.OTP = c
	return nil
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
