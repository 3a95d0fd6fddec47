package gui

import (
	"errors"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tessera-auth/tessera/vault"
)

// showPasswd changes the vault's passphrase (tessera passwd): the current
// passphrase or the recovery code first, so that nobody passing an
// unlocked window can, then the new one twice, judged as the create screen
// judges it, and if wanted a new master key in the same step (tessera
// passwd --rekey).
func (u *UI) showPasswd() { u.askPasswd("", "", false, "") }

// askPasswd opens the passphrase dialog with the new passphrase and the
// rekey choice filled in and why, if the last try failed: a mistyped
// current passphrase loses nothing else that was typed.
func (u *UI) askPasswd(typed1, typed2 string, withRekey bool, why string) {
	u.touch()
	if !u.unlocked() {
		return
	}
	v := u.vault
	old, new1, new2 := u.dialogField(true), u.dialogField(true), u.dialogField(true)
	old.SetPlaceHolder("current passphrase or recovery code")
	new1.SetPlaceHolder("new passphrase")
	new2.SetPlaceHolder("the new passphrase again")
	meter := newStrengthMeter()
	hint := widget.NewLabel("")
	hint.Wrapping = fyne.TextWrapWord
	hint.SizeName = theme.SizeNameCaptionText
	changed := func(string) {
		score, verdict, h := passphraseStrength(new1.Text)
		meter.set(score, verdict, verdictColour(verdict))
		if new2.Text != "" && new2.Text != new1.Text {
			h = "The two passphrases differ."
		}
		hint.SetText(h)
	}
	new1.OnChanged, new2.OnChanged = changed, changed
	rekey := widget.NewCheck("Also give the vault a new master key", nil)
	rekeyHint := widget.NewLabel("Then a copy of the old passphrase's slot, kept by anyone, opens nothing written from now on. Other sync devices take the new key at their next sync.")
	rekeyHint.Wrapping = fyne.TextWrapWord
	rekeyHint.SizeName = theme.SizeNameCaptionText
	status := widget.NewLabel("")
	status.Wrapping = fyne.TextWrapWord
	status.Importance = widget.DangerImportance
	status.Hide()
	rekey.Checked = withRekey
	new1.SetText(typed1)
	new2.SetText(typed2)
	if why != "" {
		status.SetText(why)
		status.Show()
	}
	body := container.NewVBox(old, new1, new2, meter, hint, rekey, rekeyHint, status)
	var d *dialog.CustomDialog
	submit := func() {
		fail := func(msg string) {
			status.SetText(msg)
			status.Show()
			d.Resize(fyne.NewSize(min(u.dialogRoom(), 460), d.MinSize().Height))
		}
		switch {
		case old.Text == "":
			fail("Type the current passphrase, or the recovery code.")
			return
		case new1.Text != new2.Text:
			fail("The two new passphrases differ.")
			return
		}
		if err := vault.CheckPassphrase(new1.Text); err != nil {
			fail(sentence("the new passphrase: " + err.Error()))
			return
		}
		cur, pass, withRekey := old.Text, new1.Text, rekey.Checked
		d.Hide()
		prog := dialog.NewCustomWithoutButtons("Changing the passphrase…", widget.NewProgressBarInfinite(), u.win)
		u.showDialog(prog, nil)
		u.cfg.Go(func() {
			res, note, err := u.changePassphrase(v, cur, pass, withRekey)
			u.do(func() {
				prog.Hide()
				if errors.Is(err, errNotCurrent) {
					u.askPasswd(pass, pass, withRekey, sentence(err.Error()))
					return
				}
				u.passwdDone(res, note, err)
			})
		})
	}
	cancel := widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), func() { d.Hide() })
	change := widget.NewButtonWithIcon("Change", theme.ConfirmIcon(), submit)
	change.Importance = widget.HighImportance
	old.OnSubmitted = func(string) { u.win.Canvas().Focus(new1) }
	new1.OnSubmitted = func(string) { u.win.Canvas().Focus(new2) }
	new2.OnSubmitted = func(string) { submit() }
	d = dialog.NewCustomWithoutButtons("Change the passphrase", body, u.win)
	d.SetButtons([]fyne.CanvasObject{cancel, change})
	d.Resize(fyne.NewSize(min(u.dialogRoom(), 460), 0))
	u.showDialog(d, nil)
	u.win.Canvas().Focus(old)
}

// errNotCurrent is a current passphrase that does not open the vault.
var errNotCurrent = errors.New("that is not the current passphrase or the recovery code: nothing was changed")

// changePassphrase checks cur (a passphrase or the recovery code) against
// v, sets pass as its passphrase and, with withRekey, gives v a new master
// key that the new passphrase's slot opens. It runs away from the UI.
func (u *UI) changePassphrase(v *vault.Vault, cur, pass string, withRekey bool) (*vault.RekeyResult, string, error) {
	var err error
	if strings.HasPrefix(strings.ToUpper(strings.TrimSpace(cur)), "AGE-SECRET-KEY-1") {
		err = v.UnlockRecoveryCode(cur)
	} else {
		err = v.UnlockPassphrase(cur)
	}
	releaseKeyDerivation()
	if errors.Is(err, vault.ErrWrongKey) {
		return nil, "", errNotCurrent
	}
	if err != nil {
		return nil, "", err
	}
	if err := v.SetPassphrase(pass); err != nil {
		return nil, "", fmt.Errorf("the passphrase was not changed: %w", err)
	}
	if !withRekey {
		return nil, "", nil
	}
	res, note, err := u.rekeyVault(v, []string{pass})
	if err != nil {
		return nil, "", fmt.Errorf("the passphrase was changed, but the master key was not: %w", err)
	}
	return res, note, nil
}

// passwdDone says how a passphrase change went.
func (u *UI) passwdDone(res *vault.RekeyResult, note string, err error) {
	switch {
	case err != nil:
		u.showDialog(dialog.NewError(errors.New(sentence(err.Error())), u.win), nil)
	case res == nil:
		u.toast.show("Passphrase changed. The recovery code still opens the vault.", 2*toastTime, "", nil)
	default:
		u.toast.show("Passphrase changed, and the vault has a new master key."+note, 3*toastTime, "", nil)
		if res.RecoveryCode != "" {
			u.showNewRecoveryCode(res.RecoveryCode)
		}
	}
}
