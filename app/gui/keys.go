package gui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"filippo.io/age/plugin"
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tessera-auth/tessera/app/loopback/webauthn"
	"github.com/tessera-auth/tessera/sync/backup"
	"github.com/tessera-auth/tessera/vault"
)

// keyCeremony is a security-key ceremony in the browser, and the dialog
// that waits for it.
type keyCeremony struct {
	c      *webauthn.Ceremony
	dialog *dialog.CustomDialog
	link   *widget.Label
	opened *widget.Label // whether a browser opened
}

// runCeremony serves a ceremony that begin starts on a loopback port of
// its own, opens the browser on its page and shows a dialog that waits,
// with the link (for when no browser opened) and Cancel. When the
// ceremony ends (done, failed, cancelled or after 2 minutes) the dialog
// goes and then gets the outcome, on the UI goroutine.
func (u *UI) runCeremony(title string, begin func(*webauthn.Ceremonies) (*webauthn.Ceremony, error), then func(*webauthn.Result, error)) {
	cs, stop, err := webauthn.Serve(u.clock)
	if err != nil {
		then(nil, err)
		return
	}
	c, err := begin(cs)
	if err != nil {
		stop()
		then(nil, err)
		return
	}
	k := &keyCeremony{c: c}
	u.ceremony = k
	touch := widget.NewLabel("Touch your security key in the browser page that opened.")
	touch.Wrapping = fyne.TextWrapWord
	touch.TextStyle.Bold = true
	k.opened = widget.NewLabel("If no browser opened, open this link in a browser on this computer (it works once):")
	k.opened.Wrapping = fyne.TextWrapWord
	k.link = widget.NewLabel(c.URL())
	k.link.Wrapping = fyne.TextWrapBreak
	k.link.Selectable = true
	k.link.SizeName = theme.SizeNameCaptionText
	copyLink := widget.NewButtonWithIcon("Copy link", theme.ContentCopyIcon(), func() {
		u.clip.Copy(c.URL(), webauthn.Lifetime)
		u.toast.show("Link copied: paste it into a browser on this computer.", toastTime, "", nil)
	})
	cancel := widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), c.Cancel)
	body := container.NewVBox(touch, k.opened, k.link, container.NewHBox(copyLink))
	k.dialog = dialog.NewCustomWithoutButtons(title, body, u.win)
	k.dialog.SetButtons([]fyne.CanvasObject{cancel})
	k.dialog.Resize(fyne.NewSize(min(u.dialogRoom(), 440), 0))
	// Escape (or anything else that closes the dialog) ends the ceremony.
	u.showDialog(k.dialog, c.Cancel)

	if err := u.openURL(c.URL()); err != nil {
		k.opened.SetText("No browser opened (" + err.Error() + "). Open this link in a browser on this computer (it works once):")
	}
	u.await(c.Done(), func() {
		res, err := c.Wait(context.Background())
		stop()
		k.dialog.Hide()
		then(res, err)
	})
}

// await runs f on the UI goroutine once done is closed.
func (u *UI) await(done <-chan struct{}, f func()) {
	if u.cfg.Await != nil {
		u.cfg.Await(done, f)
		return
	}
	go func() {
		<-done
		u.do(f)
	}()
}

// do runs f on the UI goroutine: the work that goroutines of the security
// keys (ceremonies, age plugins, vault calls) hand back to the window.
func (u *UI) do(f func()) {
	if u.cfg.Do != nil {
		u.cfg.Do(f)
		return
	}
	fyne.Do(f)
}

// openURL opens a ceremony's page in the browser.
func (u *UI) openURL(url string) error {
	if u.cfg.OpenURL != nil {
		return u.cfg.OpenURL(url)
	}
	return webauthn.OpenBrowser(url)
}

// cancelCeremony ends the ceremony on show, if any (on lock).
func (u *UI) cancelCeremony() {
	if u.ceremony != nil {
		u.ceremony.c.Cancel()
	}
}

// dialogField returns a field for a dialog, masked if secret, that Escape
// leaves by closing the dialog, as it closes dialogs elsewhere.
func (u *UI) dialogField(secret bool) *keyEntry {
	e := newKeyEntry()
	e.Password = secret
	e.onKey = func(k *fyne.KeyEvent) bool {
		if k.Name == fyne.KeyEscape {
			u.closeTopDialog()
			return true
		}
		return false
	}
	return e
}

// keyKindLabel says what a key slot needs, in words.
func keyKindLabel(k vault.SlotKind) string {
	switch k {
	case vault.SlotSecurityKey:
		return "Security key"
	case vault.SlotPassphraseKey:
		return "Security key + passphrase"
	case vault.SlotPlugin:
		return "age plugin"
	}
	return string(k)
}

// keySlots returns the vault's slots that need a key.
func keySlots(v *vault.Vault) []vault.Slot {
	var out []vault.Slot
	for _, s := range v.Slots() {
		if s.Kind.KeyKind() {
			out = append(out, s)
		}
	}
	return out
}

// pluginUI shows an age plugin's prompts as dialogs. Its functions are
// called by the plugin's client, off the UI goroutine, and wait for the
// person's answer.
func (u *UI) pluginUI() *plugin.ClientUI {
	return &plugin.ClientUI{
		DisplayMessage: func(name, msg string) error {
			u.do(func() { u.toast.show("age-plugin-"+name+": "+msg, 2*toastTime, "", nil) })
			return nil
		},
		RequestValue: func(name, prompt string, secret bool) (string, error) {
			type answer struct {
				v  string
				ok bool
			}
			ch := make(chan answer, 1)
			u.do(func() {
				e := u.dialogField(secret)
				d := dialog.NewForm("age-plugin-"+name, "OK", "Cancel",
					[]*widget.FormItem{{Text: prompt, Widget: e}},
					func(ok bool) { ch <- answer{e.Text, ok} }, u.win)
				d.Resize(fyne.NewSize(min(u.dialogRoom(), 420), 0))
				u.showDialog(d, nil)
				u.win.Canvas().Focus(e)
			})
			a := <-ch
			if !a.ok {
				return "", fmt.Errorf("age-plugin-%s: cancelled", name)
			}
			return a.v, nil
		},
		Confirm: func(name, prompt, yes, no string) (bool, error) {
			ch := make(chan bool, 1)
			u.do(func() {
				if no == "" {
					d := dialog.NewInformation("age-plugin-"+name, prompt, u.win)
					d.SetDismissText(yes)
					u.showDialog(d, func() { ch <- true })
					return
				}
				d := dialog.NewConfirm("age-plugin-"+name, prompt, func(ok bool) { ch <- ok }, u.win)
				d.SetConfirmText(yes)
				d.SetDismissText(no)
				u.showDialog(d, nil)
			})
			return <-ch, nil
		},
		WaitTimer: func(name string) {
			u.do(func() {
				u.toast.show("age-plugin-"+name+": touch your key if it blinks.", 2*toastTime, "", nil)
			})
		},
	}
}

// shortcutKeys opens Settings › Security keys.
var shortcutKeys = &desktop.CustomShortcut{KeyName: fyne.KeyK, Modifier: fyne.KeyModifierShortcutDefault | fyne.KeyModifierShift}

// keysScreen is Settings › Security keys: the keys that open the vault,
// adding and removing them, requiring one, and rotating the master key.
type keysScreen struct {
	ui      *UI
	rows    *fyne.Container
	require *widget.Check
	status  *widget.Label
	scroll  *container.Scroll
	content fyne.CanvasObject
	busy    bool
}

// showKeys opens Settings › Security keys.
func (u *UI) showKeys() {
	u.touch()
	if !u.unlocked() {
		return
	}
	s := &keysScreen{ui: u}
	s.rows = container.NewVBox()
	s.require = widget.NewCheck("Require a security key", nil)
	s.status = widget.NewLabel("")
	s.status.Wrapping = fyne.TextWrapWord
	s.status.Hide()
	intro := widget.NewLabel("Security keys (FIDO2 keys, Windows Hello, Touch ID, phone passkeys) unlock Tessera through the browser. " +
		"Enrol two, so that losing one never leaves only the recovery code.")
	intro.Wrapping = fyne.TextWrapWord
	requireHint := widget.NewLabel("When on, only a key or the recovery code opens the vault: the passphrase alone no longer does.")
	requireHint.Wrapping = fyne.TextWrapWord
	requireHint.SizeName = theme.SizeNameCaptionText
	add := newEscapeButton("Add security key…", theme.ContentAddIcon(), s.onAdd, u.showSettings)
	add.Importance = widget.HighImportance
	addPlugin := widget.NewButtonWithIcon("Add age plugin recipient…", theme.ContentAddIcon(), s.onAddPlugin)
	rotate := widget.NewButtonWithIcon("Rotate master key…", theme.ViewRefreshIcon(), func() { s.onRotate("") })
	back := u.newIconButton(theme.NavigateBackIcon(), "Back to the settings", u.showSettings)
	title := widget.NewLabel("Security keys")
	title.TextStyle.Bold = true
	body := container.NewVBox(intro, s.rows, container.NewGridWithColumns(1, add, addPlugin),
		widget.NewSeparator(), s.require, requireHint, widget.NewSeparator(), container.NewHBox(rotate), s.status)
	s.scroll = container.NewVScroll(container.NewPadded(body))
	s.content = container.NewBorder(container.NewBorder(nil, nil, back, nil, title), nil, nil, nil, s.scroll)
	u.keys = s
	s.load()
	// The keyboard starts on the main action: Space adds a key, Escape
	// goes back.
	u.show(s.content, add)
}

// load lists the enrolled keys and the requirement as the vault has them.
func (s *keysScreen) load() {
	v := s.ui.vault
	s.rows.RemoveAll()
	slots := keySlots(v)
	if len(slots) == 0 {
		none := widget.NewLabel("No security key is enrolled.")
		none.Importance = widget.LowImportance
		s.rows.Add(none)
	}
	for _, sl := range slots {
		s.rows.Add(s.row(sl))
	}
	s.require.OnChanged = nil
	s.require.SetChecked(v.RequireKey())
	s.require.OnChanged = s.onRequire
	if len(slots) == 0 && !v.RequireKey() {
		s.require.Disable()
	} else {
		s.require.Enable()
	}
	s.scroll.Refresh() // a scroll does not follow its content's growth
}

// row shows one key: name, kind, created, last used, and Remove.
func (s *keysScreen) row(sl vault.Slot) fyne.CanvasObject {
	name := sl.Label
	if name == "" {
		name = "(unnamed) " + sl.ID
	}
	title := widget.NewLabel(name)
	title.TextStyle.Bold = true
	title.Truncation = fyne.TextTruncateEllipsis
	used := "never"
	if t := sl.LastUsed(); !t.IsZero() {
		used = t.Local().Format("2 Jan 2006 15:04")
	}
	detail := widget.NewLabel(fmt.Sprintf("%s · added %s · last used %s", keyKindLabel(sl.Kind), sl.Created.Local().Format("2 Jan 2006"), used))
	detail.SizeName = theme.SizeNameCaptionText
	detail.Wrapping = fyne.TextWrapWord
	rm := widget.NewButtonWithIcon("Remove", theme.DeleteIcon(), func() { s.onRemove(sl) })
	return container.NewBorder(nil, nil, nil, container.NewCenter(rm), container.NewVBox(title, detail))
}

// say shows a result or an error under the buttons; ErrRekeyed locks.
func (s *keysScreen) say(err error, ok string) {
	s.busy = false
	if err != nil && s.ui.rekeyedElsewhere(err) {
		return
	}
	if s.ui.keys == s && s.ui.unlocked() {
		s.load()
	}
	switch {
	case errors.Is(err, webauthn.ErrStopped):
		s.status.Importance = widget.MediumImportance
		s.status.SetText("Cancelled.")
	case err != nil:
		s.status.Importance = widget.DangerImportance
		s.status.SetText(sentence(err.Error()))
	default:
		s.status.Importance = widget.SuccessImportance
		s.status.SetText(ok)
	}
	s.status.Show()
	s.scroll.Refresh()
	s.scroll.ScrollToBottom()
}

// work runs f off the UI goroutine, then says what it gave.
func (s *keysScreen) work(f func() (string, error)) {
	s.busy = true
	s.ui.cfg.Go(func() {
		ok, err := f()
		s.ui.do(func() { s.say(err, ok) })
	})
}

func (s *keysScreen) onAdd() {
	s.ui.touch()
	if s.busy {
		return
	}
	name := s.ui.dialogField(false)
	name.SetPlaceHolder("e.g. blue YubiKey")
	withPass := widget.NewCheck("Also ask for a passphrase of its own", nil)
	d := dialog.NewForm("Add a security key", "Continue", "Cancel", []*widget.FormItem{
		{Text: "Name", Widget: name, HintText: "what to call the key in this list"},
		{Text: "", Widget: withPass, HintText: "the key then opens the vault only with it"},
	}, func(ok bool) {
		if !ok {
			return
		}
		if withPass.Checked {
			s.askNewKeyPassphrase(func(pass string) { s.enrol(strings.TrimSpace(name.Text), pass) })
			return
		}
		s.enrol(strings.TrimSpace(name.Text), "")
	}, s.ui.win)
	name.OnSubmitted = func(string) { d.Submit() }
	d.Resize(fyne.NewSize(min(s.ui.dialogRoom(), 440), 0))
	s.ui.showDialog(d, nil)
	s.ui.win.Canvas().Focus(name)
}

// askNewKeyPassphrase asks twice for the passphrase of a passphrase+key
// slot, then gives it to then.
func (s *keysScreen) askNewKeyPassphrase(then func(string)) {
	p1, p2 := s.ui.dialogField(true), s.ui.dialogField(true)
	p2.Validator = func(t string) error {
		if t != p1.Text {
			return errors.New("the two passphrases differ")
		}
		return nil
	}
	p1.Validator = func(t string) error {
		if strings.TrimSpace(t) == "" {
			return errors.New("type a passphrase")
		}
		return nil
	}
	d := dialog.NewForm("Passphrase of this key", "Continue", "Cancel", []*widget.FormItem{
		{Text: "Passphrase", Widget: p1},
		{Text: "Again", Widget: p2},
	}, func(ok bool) {
		if ok {
			then(p1.Text)
		}
	}, s.ui.win)
	d.Resize(fyne.NewSize(min(s.ui.dialogRoom(), 420), 0))
	s.ui.showDialog(d, nil)
	s.ui.win.Canvas().Focus(p1)
}

// enrol runs the enrolment ceremony and adds the key's slot.
func (s *keysScreen) enrol(name, pass string) {
	v := s.ui.vault
	user, err := v.WebAuthnUser()
	if err != nil {
		s.say(err, "")
		return
	}
	s.busy = true
	host, _ := os.Hostname()
	s.ui.runCeremony("Add a security key", func(cs *webauthn.Ceremonies) (*webauthn.Ceremony, error) {
		return cs.BeginEnrol(webauthn.EnrolOptions{UserID: user, UserName: "Tessera vault (" + host + ")", Enrolled: v.SecurityKeys()})
	}, func(res *webauthn.Result, err error) {
		if err != nil {
			s.say(err, "")
			return
		}
		s.work(func() (string, error) {
			if _, err := v.AddSecurityKey(res.Key, name, pass); err != nil {
				return "", err
			}
			if len(v.SecurityKeys()) == 1 {
				return "Security key enrolled. Enrol a second key as a spare: a lost key cannot be replaced.", nil
			}
			return "Security key enrolled.", nil
		})
	})
}

func (s *keysScreen) onAddPlugin() {
	s.ui.touch()
	if s.busy {
		return
	}
	rcpt := s.ui.dialogField(false)
	rcpt.SetPlaceHolder("age1yubikey1… or age1fido2-hmac1…")
	rcpt.Validator = func(t string) error {
		if !strings.HasPrefix(strings.TrimSpace(t), "age1") {
			return errors.New("an age plugin recipient starts with age1")
		}
		return nil
	}
	ident := s.ui.dialogField(false)
	ident.SetPlaceHolder("AGE-PLUGIN-…")
	name := s.ui.dialogField(false)
	d := dialog.NewForm("Add an age plugin recipient", "Add", "Cancel", []*widget.FormItem{
		{Text: "Recipient", Widget: rcpt, HintText: "as the plugin printed it"},
		{Text: "Identity", Widget: ident, HintText: "optional; some plugins need it"},
		{Text: "Name", Widget: name},
	}, func(ok bool) {
		if !ok {
			return
		}
		r, id, n := strings.TrimSpace(rcpt.Text), strings.TrimSpace(ident.Text), strings.TrimSpace(name.Text)
		// The plugin may prompt: its prompts are dialogs that wait for
		// the UI, so this runs away from it.
		s.busy = true
		s.ui.cfg.Go(func() {
			_, err := s.ui.vault.AddPluginKey(r, id, n, s.ui.pluginUI())
			s.ui.do(func() { s.say(err, "age plugin key added.") })
		})
	}, s.ui.win)
	d.Resize(fyne.NewSize(min(s.ui.dialogRoom(), 440), 0))
	s.ui.showDialog(d, nil)
	s.ui.win.Canvas().Focus(rcpt)
}

func (s *keysScreen) onRemove(sl vault.Slot) {
	s.ui.touch()
	if s.busy {
		return
	}
	rotate := widget.NewCheck("Then rotate the master key (recommended)", nil)
	rotate.SetChecked(true)
	name := sl.Label
	if name == "" {
		name = sl.ID
	}
	msg := widget.NewLabel(fmt.Sprintf("Remove %q? It will no longer open the vault.\n\n"+
		"Without rotating the master key, someone who copied the key's slot file before can still open the vault with that key.", name))
	msg.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustomConfirm("Remove this key?", "Remove", "Cancel", container.NewVBox(msg, rotate), func(ok bool) {
		if !ok {
			return
		}
		if !rotate.Checked {
			s.work(func() (string, error) {
				if err := s.ui.vault.RemoveSlot(sl.ID); err != nil {
					return "", err
				}
				return "Key removed. The master key is unchanged.", nil
			})
			return
		}
		s.busy = true
		s.ui.cfg.Go(func() {
			err := s.ui.vault.RemoveSlot(sl.ID)
			s.ui.do(func() {
				if err != nil {
					s.say(err, "")
					return
				}
				s.say(nil, "Key removed.")
				s.onRotate("Key removed. ")
			})
		})
	}, s.ui.win)
	d.SetConfirmImportance(widget.DangerImportance)
	d.Resize(fyne.NewSize(min(s.ui.dialogRoom(), 440), 0))
	s.ui.showDialog(d, nil)
}

// onRequire turns the requirement on (after saying that the passphrase
// slot goes) or off (which needs a key ceremony, unless the vault was
// unlocked with a key).
func (s *keysScreen) onRequire(on bool) {
	s.ui.touch()
	v := s.ui.vault
	undo := func() {
		s.require.OnChanged = nil
		s.require.SetChecked(!on)
		s.require.OnChanged = s.onRequire
	}
	if s.busy {
		undo()
		return
	}
	if on {
		d := dialog.NewConfirm("Require a security key?",
			"The passphrase slot will be removed: the passphrase alone will no longer open the vault, "+
				"only a security key or the recovery code. Keep the recovery code safe.", func(ok bool) {
				if !ok {
					undo()
					return
				}
				s.work(func() (string, error) {
					if err := v.SetRequireKey(true); err != nil {
						return "", err
					}
					return "A security key is now required; the recovery code still opens the vault.", nil
				})
			}, s.ui.win)
		d.SetConfirmText("Require a key")
		d.SetDismissText("Cancel")
		s.ui.showDialog(d, nil)
		return
	}
	off := func() {
		s.work(func() (string, error) {
			if err := v.SetRequireKey(false); err != nil {
				return "", err
			}
			return "A security key is no longer required. Set a passphrase so that one opens the vault without a key.", nil
		})
	}
	if v.UnlockedWith().KeyKind() {
		off()
		return
	}
	// Unlocked with the recovery code: the key proves itself first.
	s.proveKey(func(err error) {
		if err != nil {
			undo()
			s.say(err, "")
			return
		}
		off()
	})
}

// proveKey runs an unlock ceremony with the vault's keys (or its age
// plugins) and unlocks the vault with the key again, so that it counts as
// unlocked with a key.
func (s *keysScreen) proveKey(then func(error)) {
	u, v := s.ui, s.ui.vault
	s.busy = true
	u.unlockWithKey(v, "Confirm with your security key", func(err error) {
		s.busy = false
		then(err)
	})
}

// onRotate asks, then gives the vault a new master key. done is said
// before the result (a removal that came first).
func (s *keysScreen) onRotate(done string) {
	s.ui.touch()
	v := s.ui.vault
	pass := s.ui.dialogField(true)
	needPass := false
	for _, sl := range v.Slots() {
		if sl.Kind == vault.SlotPassphrase || sl.Kind == vault.SlotPassphraseKey {
			needPass = true
		}
	}
	text := widget.NewLabel("A new master key encrypts the vault, its backups and every way in from now on; the old one is gone.\n\n" +
		"It protects against a copy of a removed key's slot, or a leaked master key, opening what is written from now on. " +
		"It cannot make copies of the vault folder made before (backup drives, other devices) unreadable with what opened them then. " +
		"Other sync devices take the new key at their next sync, with the passphrase, the recovery code or a key.")
	text.Wrapping = fyne.TextWrapWord
	items := container.NewVBox(text)
	if needPass {
		pass.SetPlaceHolder("Passphrase (to keep its slot)")
		hint := widget.NewLabel("Type the passphrase (or a key's own passphrase) to keep its slot: a slot with a passphrase cannot be sealed again without it, and is removed otherwise.")
		hint.Wrapping = fyne.TextWrapWord
		hint.SizeName = theme.SizeNameCaptionText
		items.Add(pass)
		items.Add(hint)
	}
	d := dialog.NewCustomConfirm("Rotate the master key?", "Rotate", "Not now", items, func(ok bool) {
		if !ok {
			return
		}
		var passes []string
		if p := pass.Text; p != "" {
			passes = []string{p}
		}
		s.busy = true
		s.ui.cfg.Go(func() { // away from the UI: age plugins' prompts wait for it
			res, note, err := s.ui.rekeyVault(v, passes)
			s.ui.do(func() { s.rotated(done, res, err, note) })
		})
	}, s.ui.win)
	d.Resize(fyne.NewSize(min(s.ui.dialogRoom(), 460), 0))
	s.ui.showDialog(d, nil)
	if needPass {
		s.ui.win.Canvas().Focus(pass)
	}
}

// rotated says what a rotation did: the slots it had to drop, and a new
// recovery code, shown once.
func (s *keysScreen) rotated(done string, res *vault.RekeyResult, err error, note string) {
	if err != nil {
		s.say(fmt.Errorf("%sthe master key was not changed: %w", done, err), "")
		return
	}
	msg := done + "The vault has a new master key."
	for _, d := range res.Dropped {
		msg += fmt.Sprintf("\nRemoved %s %q: %s", keyKindLabel(d.Slot.Kind), d.Slot.Label, d.Why)
	}
	s.say(nil, msg+note)
	if res.RecoveryCode != "" {
		s.ui.showNewRecoveryCode(res.RecoveryCode)
	}
}

// rekeyVault gives v a new master key (tessera rekey), keeping the
// passphrase slots that passes open, and as tessera rekey gives automatic
// backups a new verify key; note says how that went. It runs away from the
// UI: age plugins' prompts wait for it.
func (u *UI) rekeyVault(v *vault.Vault, passes []string) (res *vault.RekeyResult, note string, err error) {
	res, err = v.Rekey(&vault.RekeyOptions{Passphrases: passes, PluginUI: u.pluginUI()})
	if err != nil {
		return nil, "", err
	}
	switch ok, verr := backup.RotateVerifyKey(v); {
	case verr != nil:
		note = "\nThe automatic backups' verify key was not changed: " + verr.Error()
	case ok:
		note = "\nAutomatic backups get a new verify key too."
	}
	return res, note, nil
}

// showNewRecoveryCode shows the recovery code a new master key came with,
// once, in groups as the create screen shows it.
func (u *UI) showNewRecoveryCode(rc string) {
	code := widget.NewLabel(groupRecoveryCode(rc))
	code.Selectable = true
	code.Wrapping = fyne.TextWrapWord
	code.TextStyle.Monospace = true
	note := widget.NewLabel("The old recovery code no longer opens the vault. Write this one down or print it, and keep it away from this computer. It is shown only now.")
	note.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustom("New recovery code", "I wrote it down", container.NewVBox(note, code), u.win)
	d.Resize(fyne.NewSize(min(u.dialogRoom(), 460), 0))
	u.showDialog(d, nil)
}

// rekeyedElsewhere handles a write that failed because another program
// gave the vault a new master key: it says so and locks, dropping what
// could not be saved; the person unlocks again with the new keys. It
// reports whether err was that.
func (u *UI) rekeyedElsewhere(err error) bool {
	if !errors.Is(err, vault.ErrRekeyed) {
		return false
	}
	u.unsaved = false
	u.list.setPending(false)
	if u.saveDialog != nil {
		u.saveDialog.Hide()
	}
	u.lock()
	d := dialog.NewInformation("The vault has a new master key",
		"Another program (tessera rekey, or Tessera on another window) gave the vault a new master key, so this window could not save. "+
			"It is locked now: unlock again with your passphrase, key or recovery code. Changes not yet saved here are lost.", u.win)
	d.Resize(fyne.NewSize(min(u.dialogRoom(), 440), 0))
	u.showDialog(d, nil)
	return true
}
