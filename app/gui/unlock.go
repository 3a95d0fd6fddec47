package gui

import (
	"bytes"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"unicode"
	"unicode/utf8"

	"filippo.io/age"
	"filippo.io/age/plugin"
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tessera-auth/tessera/app/loopback/webauthn"
	"github.com/tessera-auth/tessera/assets"
	"github.com/tessera-auth/tessera/vault"
)

// unlockScreen asks for the passphrase (or the recovery code). The keyboard
// focus starts in the passphrase field, so typing it and pressing Enter
// unlocks. A vault with security keys offers them; a vault that requires
// one offers the key first, and the recovery code.
type unlockScreen struct {
	ui *UI

	pass     *keyEntry
	button   *widget.Button
	key      *widget.Button // "Unlock with security key"
	recovery *widget.Button
	status   *widget.Label
	where    *widget.Label
	content  fyne.CanvasObject

	useRecovery bool
	busy        bool
}

func newUnlockScreen(ui *UI) *unlockScreen {
	s := &unlockScreen{ui: ui}
	s.pass = newKeyEntry()
	s.pass.Password = true
	s.pass.SetPlaceHolder("Passphrase")
	s.pass.OnSubmitted = func(string) { s.onUnlock() }
	s.button = widget.NewButton("Unlock", s.onUnlock)
	s.button.Importance = widget.HighImportance
	s.key = widget.NewButtonWithIcon("Unlock with security key", theme.LoginIcon(), s.onKeyUnlock)
	s.recovery = widget.NewButton("Use the recovery code instead", s.onToggleRecovery)
	s.recovery.Importance = widget.LowImportance
	s.status = widget.NewLabel("")
	s.status.Wrapping = fyne.TextWrapWord
	s.status.Importance = widget.DangerImportance
	s.where = widget.NewLabel("")
	s.where.SizeName = theme.SizeNameCaptionText
	s.where.Truncation = fyne.TextTruncateEllipsis
	s.where.Alignment = fyne.TextAlignCenter
	logo := canvas.NewImageFromResource(fyne.NewStaticResource("tessera.png", assets.IconPNG))
	logo.FillMode = canvas.ImageFillContain
	logo.SetMinSize(fyne.NewSquareSize(96))
	title := widget.NewLabel("Tessera is locked")
	title.Alignment = fyne.TextAlignCenter
	title.TextStyle.Bold = true
	form := container.NewVBox(logo, title, s.pass, s.button, s.key, s.status, s.recovery, s.where)
	s.content = container.NewCenter(container.New(fixedWidth(340), form))
	return s
}

// reset empties the field for the next unlock, which always starts with
// the passphrase, masked, whatever opened the vault the last time.
func (s *unlockScreen) reset() {
	s.setRecovery(false)
	s.status.SetText("")
	s.status.Hide()
	s.busy = false
	s.pass.Enable()
	s.button.Enable()
	s.key.Enable()
	s.where.SetText("Vault: " + s.ui.dir)
	s.arrange()
}

// keyFirst reports whether the key is the way in the screen offers first:
// the vault requires one (only the recovery code opens it otherwise).
func (s *unlockScreen) keyFirst() bool {
	return s.ui.vault != nil && s.ui.vault.RequireKey()
}

// arrange shows the ways in the vault has: the key button when it has key
// slots, the passphrase field unless a key is required (then the key
// button is the default and the field is for the recovery code).
func (s *unlockScreen) arrange() {
	hasKeys := s.ui.vault != nil && len(keySlots(s.ui.vault)) > 0
	s.key.Hidden = !hasKeys
	s.key.Importance = widget.MediumImportance
	s.button.Importance = widget.HighImportance
	field := true
	if hasKeys && s.keyFirst() {
		s.key.Importance = widget.HighImportance
		field = s.useRecovery
		s.key.Hidden = s.useRecovery // the toggle below goes back to it
	}
	s.pass.Hidden, s.button.Hidden = !field, !field
	s.key.Refresh()
	s.button.Refresh()
	s.pass.Refresh()
}

// focus returns the widget the keyboard starts on: the field, or the key
// button when that is the default.
func (s *unlockScreen) focus() fyne.Focusable {
	if s.pass.Hidden && !s.key.Hidden {
		return s.key
	}
	return s.pass
}

func (s *unlockScreen) onToggleRecovery() {
	s.setRecovery(!s.useRecovery)
	// A failure said of the other way in no longer applies.
	s.status.SetText("")
	s.status.Hide()
	s.ui.win.Canvas().Focus(s.focus())
}

// setRecovery switches the field between the recovery code (shown, as it
// is long and copied from paper) and the passphrase (masked), emptying it.
func (s *unlockScreen) setRecovery(on bool) {
	s.useRecovery = on
	s.pass.SetText("")
	if on {
		s.pass.Password = false
		s.pass.SetPlaceHolder("Recovery code (AGE-SECRET-KEY-1...)")
		s.recovery.SetText("Use the passphrase instead")
		if s.keyFirst() {
			s.recovery.SetText("Use the security key instead")
		}
	} else {
		s.pass.Password = true
		s.pass.SetPlaceHolder("Passphrase")
		s.recovery.SetText("Use the recovery code instead")
	}
	s.pass.Refresh()
	s.arrange()
}

// onUnlock derives the key away from the UI and then shows the list.
func (s *unlockScreen) onUnlock() {
	if s.busy || s.ui.vault == nil {
		return
	}
	if s.pass.Hidden {
		s.onKeyUnlock() // Enter with the key as the default
		return
	}
	secret := s.pass.Text
	if strings.TrimSpace(secret) == "" {
		s.fail(errors.New("type the passphrase first"))
		return
	}
	s.busy = true
	s.pass.Disable()
	s.button.Disable()
	s.status.Importance = widget.MediumImportance
	s.status.SetText("Unlocking…")
	s.status.Show()
	v, recovery := s.ui.vault, s.useRecovery
	s.ui.cfg.Go(func() {
		var err error
		if recovery {
			err = v.UnlockRecoveryCode(secret)
		} else {
			err = v.UnlockPassphrase(secret)
		}
		releaseKeyDerivation()
		fyne.Do(func() { s.done(err) })
	})
}

func (s *unlockScreen) done(err error) {
	s.busy = false
	s.pass.Enable()
	s.button.Enable()
	s.key.Enable()
	if err != nil {
		s.fail(err)
		s.pass.SetText("")
		s.ui.win.Canvas().Focus(s.focus())
		return
	}
	s.status.Hide()
	s.pass.SetText("")
	s.ui.onUnlocked()
}

// onKeyUnlock unlocks with a security key through the browser (or with an
// age plugin key), waiting in a dialog that can cancel.
func (s *unlockScreen) onKeyUnlock() {
	if s.busy || s.ui.vault == nil {
		return
	}
	s.busy = true
	s.pass.Disable()
	s.button.Disable()
	s.key.Disable()
	s.status.Importance = widget.MediumImportance
	s.status.SetText("Waiting for the security key…")
	s.status.Show()
	s.ui.unlockWithKey(s.ui.vault, "Unlock with a security key", func(err error) {
		if errors.Is(err, webauthn.ErrStopped) {
			s.done(err)
			s.status.Importance = widget.MediumImportance
			s.status.SetText("Cancelled. Tessera is still locked.")
			return
		}
		if errors.Is(err, vault.ErrWrongKey) {
			err = errors.New("that key does not open this vault (a removed key, or the wrong passphrase of the key)")
		}
		if err != nil && !errors.Is(err, vault.ErrDamaged) {
			err = errors.New(sentence(err.Error()))
		}
		s.done(err)
	})
}

// unlockWithKey unlocks v with one of its security keys, through a
// ceremony in the browser, or if none is enrolled with its age plugin
// keys, whose prompts are dialogs; a passphrase+key slot then asks for the
// key's passphrase. The key's signature counter is recorded. then gets
// the outcome on the UI goroutine. On a vault unlocked already it proves
// that the person holds a key (see vault.Vault.Unlock).
func (u *UI) unlockWithKey(v *vault.Vault, title string, then func(error)) {
	keys := v.SecurityKeys()
	if len(keys) == 0 {
		u.cfg.Go(func() { // away from the UI: the plugin's prompts wait for it
			err := unlockWithPlugins(v, u.pluginUI())
			u.do(func() { then(err) })
		})
		return
	}
	user, err := v.WebAuthnUser()
	if err != nil {
		then(err)
		return
	}
	u.keyIdentity(title, user, v.Slots(), func(id age.Identity, res *webauthn.Result, err error) {
		if err != nil {
			then(err)
			return
		}
		u.cfg.Go(func() {
			err := v.Unlock(id)
			var countErr error
			if err == nil {
				countErr = v.RecordSignCount(res.Key.CredentialID, res.Key.SignCount)
			}
			releaseKeyDerivation()
			u.do(func() {
				then(err)
				if countErr != nil {
					u.toast.show("The key's signature counter was not recorded: "+countErr.Error(), 2*toastTime, "", nil)
				}
			})
		})
	})
}

// keyIdentity runs an unlock ceremony in the browser for the security keys
// of slots (made for the WebAuthn user handle user) and gives then the
// age identity that opens the slot of the key that answered: the key's
// own, or for a passphrase+key slot the key's together with the
// passphrase it then asks for. then runs on the UI goroutine.
func (u *UI) keyIdentity(title string, user []byte, slots []vault.Slot, then func(age.Identity, *webauthn.Result, error)) {
	var keys []vault.SecurityKey
	for _, sl := range slots {
		if k, err := sl.SecurityKey(); err == nil {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		then(nil, nil, errors.New("no security key is enrolled"))
		return
	}
	u.runCeremony(title, func(cs *webauthn.Ceremonies) (*webauthn.Ceremony, error) {
		return cs.BeginUnlock(user, keys)
	}, func(res *webauthn.Result, err error) {
		if err != nil {
			then(nil, nil, err)
			return
		}
		for _, sl := range slots {
			k, kerr := sl.SecurityKey()
			if kerr == nil && sl.Kind == vault.SlotPassphraseKey && bytes.Equal(k.CredentialID, res.Key.CredentialID) {
				u.askKeyPassphrase(func(pass string, ok bool) {
					if !ok {
						then(nil, nil, errors.New("cancelled: this key opens the vault only together with its passphrase"))
						return
					}
					id, err := vault.KeyAndPassphrase(res.Identity, pass)
					then(id, res, err)
				})
				return
			}
		}
		then(res.Identity, res, nil)
	})
}

// askKeyPassphrase asks for the passphrase of a passphrase+key slot.
func (u *UI) askKeyPassphrase(then func(pass string, ok bool)) {
	e := u.dialogField(true)
	d := dialog.NewForm("Passphrase of this key", "Unlock", "Cancel",
		[]*widget.FormItem{{Text: "Passphrase", Widget: e, HintText: "this key opens the vault together with its own passphrase"}},
		func(ok bool) { then(e.Text, ok) }, u.win)
	e.OnSubmitted = func(string) { d.Submit() }
	d.Resize(fyne.NewSize(min(u.dialogRoom(), 420), 0))
	u.showDialog(d, nil)
	u.win.Canvas().Focus(e)
}

// unlockWithPlugins tries v's age plugin slots in turn.
func unlockWithPlugins(v *vault.Vault, ui *plugin.ClientUI) error {
	var last error
	for _, s := range v.Slots() {
		if s.Kind != vault.SlotPlugin {
			continue
		}
		id, err := vault.PluginIdentity(s, ui)
		if err == nil {
			if err = v.Unlock(id); err == nil {
				return nil
			}
		}
		last = err
	}
	if last == nil {
		return errors.New("no security key or age plugin key is enrolled in this vault")
	}
	return last
}

// fail shows why the vault did not open and what to do.
func (s *unlockScreen) fail(err error) {
	msg := sentence(err.Error())
	switch {
	case errors.Is(err, vault.ErrWrongKey):
		if s.useRecovery {
			msg = "That recovery code does not open this vault. Check it, or use the passphrase."
		} else {
			msg = "Wrong passphrase. Check Caps Lock and try again, or use the recovery code."
		}
	case errors.Is(err, vault.ErrDamaged):
		msg += fmt.Sprintf("\nYour backups are in %s/backups.", s.ui.dir)
	}
	s.status.Importance = widget.DangerImportance
	s.status.SetText(msg)
	s.status.Show()
}

// sentence makes an error's text (lower-case, no full stop, as Go errors
// are) a sentence for the window, beside the sentences it writes itself:
// the recovery code's "the recovery code is mistyped (...)" stood out.
func sentence(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	s = string(unicode.ToUpper(r)) + s[n:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

// releaseKeyDerivation gives the memory of a key derivation back to the
// system: scrypt takes 256 MiB at the tuned work factor, which Go's
// runtime would otherwise keep resident for minutes after the unlock
// (430 MiB measured with 200 entries, against 135 MiB for a bare Fyne
// window).
func releaseKeyDerivation() { debug.FreeOSMemory() }

// fixedWidth lays its objects out on top of each other, w wide and as high
// as they need at that width (which wrapped labels only know once sized).
type fixedWidth float32

func (w fixedWidth) MinSize(objs []fyne.CanvasObject) fyne.Size {
	h := float32(0)
	for _, o := range objs {
		o.Resize(fyne.NewSize(float32(w), o.Size().Height))
		h = max(h, o.MinSize().Height)
	}
	return fyne.NewSize(float32(w), h)
}

func (w fixedWidth) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}
