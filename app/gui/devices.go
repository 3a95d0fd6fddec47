package gui

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"filippo.io/age"
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tessera-auth/tessera/app/loopback/webauthn"
	"github.com/tessera-auth/tessera/sync/backup"
	"github.com/tessera-auth/tessera/sync/folder"
	"github.com/tessera-auth/tessera/vault"
)

// Titles of the devices dialog and the dialogs it opens.
const (
	devicesTitle = "Devices"
	newKeysTitle = "The vault has a new key"
)

// devicesDialog lists the devices that sync through the sync folder, this
// one marked, each with when it last wrote and what is wrong with its file
// in words; it renames this device and revokes another.
type devicesDialog struct {
	ui  *UI
	dir string
	box *fyne.Container
	d   dialog.Dialog
	now func() time.Time
}

// showDevices opens the devices dialog for the sync folder the settings
// name.
func (u *UI) showDevices() {
	u.touch()
	if !u.unlocked() {
		return
	}
	dir := u.syncFolder()
	if dir == "" {
		u.showDialog(dialog.NewInformation(devicesTitle, "No sync folder is set: name one in Settings › Sync folder, and Apply.", u.win), nil)
		return
	}
	dd := &devicesDialog{ui: u, dir: dir, box: container.NewVBox(), now: time.Now}
	u.sync.devices = dd
	dd.refresh()
	dd.d = dialog.NewCustom(devicesTitle, "Close", container.NewVScroll(dd.box), u.win)
	dd.d.Resize(fyne.NewSize(u.dialogRoom(), max(360, u.win.Canvas().Size().Height*4/5)))
	u.showDialog(dd.d, func() {
		if u.sync.devices == dd {
			u.sync.devices = nil
		}
	})
}

// refresh reads the folder again and lays the list out.
func (dd *devicesDialog) refresh() {
	u := dd.ui
	dd.box.RemoveAll()
	wrapped := func(s string) *widget.Label {
		l := widget.NewLabel(s)
		l.Wrapping = fyne.TextWrapWord
		return l
	}
	if !u.unlocked() {
		return
	}
	if kc := u.sync.newKeys; kc != nil {
		dd.box.Add(wrapped(fmt.Sprintf("The vault got a new master key on %s. This device syncs again once it takes it.", newKeysDevice(kc))))
		dd.box.Add(container.NewHBox(widget.NewButton("Take the new key…", func() { u.askNewKeys(kc) })))
		dd.box.Add(widget.NewSeparator())
	}
	this, list, problems, err := folder.Devices(u.vault, dd.dir)
	if err != nil {
		dd.box.Add(wrapped("Cannot read the sync folder: " + err.Error()))
		return
	}
	dd.box.Add(wrapped("Devices syncing through " + dd.dir + ":"))
	if len(list) == 0 {
		dd.box.Add(wrapped("None yet: this device joins the first time the window syncs."))
	}
	// This device first, then the others newest first, the revoked last.
	rank := func(d folder.Device) int {
		switch {
		case d.ID == this:
			return 0
		case d.Revoked != nil:
			return 2
		}
		return 1
	}
	slices.SortStableFunc(list, func(a, b folder.Device) int { return cmp.Compare(rank(a), rank(b)) })
	known := map[string]bool{}
	for _, d := range list {
		known[d.ID] = true
		title := d.Name
		if title == "" {
			title = "Unnamed device"
		}
		var lines []string
		switch {
		case d.ID == this:
			title += " (this device)"
			lines = append(lines, "Last synced "+relativeTime(d.Seen.Time(), dd.now()))
		case d.Revoked != nil:
			title += " (revoked)"
			lines = append(lines, fmt.Sprintf("Revoked %s by %s: its files are ignored, and it cannot read what is written since.",
				relativeTime(d.Revoked.At.Time(), dd.now()), dd.deviceName(list, d.Revoked.By)))
		default:
			lines = append(lines, "Last seen "+relativeTime(d.Seen.Time(), dd.now()))
		}
		for _, p := range problems {
			switch {
			case p.Device != d.ID || d.Revoked != nil:
			case p.Behind:
				lines = append(lines, "It has not taken the vault's new key yet: it asks for it at its next sync.")
			default:
				lines = append(lines, "Its file "+p.File+" could not be used: "+p.Why+".")
			}
		}
		name := wrapped(title) // a long name wraps, never widens the dialog
		name.TextStyle.Bold = true
		info := container.NewVBox(name, wrapped(strings.Join(lines, "\n")+"\nID "+d.ID))
		var action fyne.CanvasObject
		switch {
		case d.ID == this:
			action = widget.NewButton("Rename…", func() { dd.onRename(d) })
		case d.Revoked == nil:
			action = widget.NewButton("Revoke…", func() { dd.onRevoke(d) })
		}
		if action != nil {
			action = container.NewVBox(action) // its own height, at the top
		}
		dd.box.Add(container.NewBorder(nil, nil, nil, action, info))
		dd.box.Add(widget.NewSeparator())
	}
	var other []string
	for _, p := range problems {
		if !known[p.Device] {
			other = append(other, p.String())
		}
	}
	if len(other) > 0 {
		dd.box.Add(wrapped("Other files in the folder that could not be used:\n" + strings.Join(other, "\n")))
	}
}

// deviceName names device id as the list does.
func (dd *devicesDialog) deviceName(list []folder.Device, id string) string {
	for _, d := range list {
		if d.ID == id && d.Name != "" {
			return d.Name
		}
	}
	return "device " + id
}

// onRename asks for this device's new name and publishes it.
func (dd *devicesDialog) onRename(d folder.Device) {
	u := dd.ui
	u.touch()
	e := u.dialogField(false)
	e.SetText(d.Name)
	e.Validator = func(s string) error {
		switch s = strings.TrimSpace(s); {
		case s == "":
			return errors.New("give a name")
		case len(s) > folder.MaxName:
			return fmt.Errorf("at most %d bytes", folder.MaxName)
		}
		return nil
	}
	f := dialog.NewForm("Rename this device", "Rename", "Cancel", []*widget.FormItem{
		{Text: "Name", Widget: e, HintText: "how the other devices list this one"},
	}, func(ok bool) {
		if !ok || !u.unlocked() {
			return
		}
		if _, err := folder.Sync(u.vault, dd.dir, &folder.Options{Name: strings.TrimSpace(e.Text)}); err != nil {
			u.showDialog(dialog.NewError(fmt.Errorf("renaming this device: %w", err), u.win), nil)
			return
		}
		dd.refresh()
		u.toast.show("This device is now called "+strings.TrimSpace(e.Text)+".", toastTime, "", nil)
	}, u.win)
	e.OnSubmitted = func(string) { f.Submit() }
	f.Resize(fyne.NewSize(min(u.dialogRoom(), 420), f.MinSize().Height))
	u.showDialog(f, nil)
	u.win.Canvas().Focus(e)
}

// revokeForm is the revoke dialog's fields.
type revokeForm struct {
	pass, new1, new2 *keyEntry
}

// onRevoke confirms what revoking d does, with the passphrase (which
// seals the new master key) and, if wanted, a new one, then revokes it.
func (dd *devicesDialog) onRevoke(d folder.Device) {
	u := dd.ui
	u.touch()
	name := d.Name
	if name == "" {
		name = "device " + d.ID
	}
	intro := widget.NewLabel(fmt.Sprintf("Revoking %s removes its files from the sync folder, makes every device ignore what it writes from now on, "+
		"and gives the vault a new master key, so that it can read nothing written afterwards. Your other devices take the new key at their next sync.\n\n"+
		"It cannot take back what %s has already read. If its owner knows the passphrase and can still reach the folder, change the passphrase too.", name, name))
	intro.Wrapping = fyne.TextWrapWord
	f := &revokeForm{pass: u.dialogField(true), new1: u.dialogField(true), new2: u.dialogField(true)}
	f.pass.SetPlaceHolder("the vault's passphrase")
	f.new1.SetPlaceHolder("optional")
	f.new2.SetPlaceHolder("optional")
	form := widget.NewForm(
		widget.NewFormItem("Passphrase", f.pass),
		widget.NewFormItem("New passphrase", f.new1),
		widget.NewFormItem("Repeat it", f.new2),
	)
	c := dialog.NewCustomConfirm("Revoke "+name+"?", "Revoke", "Cancel", container.NewVBox(intro, form), func(ok bool) {
		if ok {
			dd.revoke(d, name, f)
		}
	}, u.win)
	c.Resize(fyne.NewSize(u.dialogRoom(), c.MinSize().Height))
	u.showDialog(c, nil)
	u.win.Canvas().Focus(f.pass)
}

// revoke checks the form and revokes d off the UI goroutine (a new master
// key re-encrypts the vault and its backups), then says what it did.
func (dd *devicesDialog) revoke(d folder.Device, name string, f *revokeForm) {
	u := dd.ui
	fail := func(msg string) { u.showDialog(dialog.NewError(errors.New(msg), u.win), nil) }
	pass, new1 := f.pass.Text, f.new1.Text
	if new1 != f.new2.Text {
		fail("The two new passphrases differ: nothing was revoked.")
		return
	}
	if new1 != "" {
		if err := vault.CheckPassphrase(new1); err != nil {
			fail("The new passphrase: " + err.Error() + ": nothing was revoked.")
			return
		}
	}
	opts := &folder.RevokeOptions{NewPassphrase: new1, Rekey: vault.RekeyOptions{PluginUI: u.pluginUI()}}
	if pass != "" {
		opts.Rekey.Passphrases = []string{pass}
	}
	v, dir := u.vault, dd.dir
	prog := dialog.NewCustomWithoutButtons("Revoking "+name+"…", widget.NewProgressBarInfinite(), u.win)
	u.showDialog(prog, nil)
	u.cfg.Go(func() {
		res, err := folder.Revoke(v, dir, d.ID, opts)
		rotateErr := error(nil)
		if err == nil {
			_, rotateErr = backup.RotateVerifyKey(v)
		}
		fyne.Do(func() {
			prog.Hide()
			switch {
			case errors.Is(err, vault.ErrWrongKey):
				fail("That is not the vault's passphrase: nothing was revoked.")
				return
			case err != nil:
				fail("Revoking " + name + ": " + err.Error())
				dd.refresh()
				return
			}
			dd.refresh()
			u.toast.show(fmt.Sprintf("Revoked %s. It can read nothing written from now on; your other devices take the new key at their next sync.", name), 3*toastTime, "", nil)
			if rotateErr != nil {
				u.showDialog(dialog.NewError(fmt.Errorf("automatic backups: %w", rotateErr), u.win), nil)
			}
			if res.Rekey != nil && res.Rekey.RecoveryCode != "" {
				u.showNewRecoveryCode(res.Rekey.RecoveryCode)
			}
		})
	})
}

func newKeysDevice(kc *folder.KeyChangedError) string {
	if kc.Name != "" {
		return kc.Name
	}
	return "device " + kc.Device
}

// askNewKeys asks for what opens the folder's new keys (the passphrase,
// the recovery code or a security key) and takes the new master key in
// place.
func (u *UI) askNewKeys(kc *folder.KeyChangedError) {
	u.touch()
	if !u.unlocked() || u.sync.asking {
		return
	}
	u.sync.asking = true
	slots, user := newKeysSecurityKeys(kc, u.vault)
	ways := "the recovery code"
	if user != nil {
		ways = "the recovery code, or use a security key enrolled there"
	}
	intro := widget.NewLabel(fmt.Sprintf("The vault got a new master key on %s: a device was revoked there, or the key was changed. "+
		"Sync stops until this device takes it. Give the passphrase that opens it (the new one, if it was changed there), %s. "+
		"This device keeps its entries and its history.", newKeysDevice(kc), ways))
	intro.Wrapping = fyne.TextWrapWord
	secret := u.dialogField(true)
	secret.SetPlaceHolder("passphrase or recovery code")
	content := container.NewVBox(intro, secret)
	d := dialog.NewCustomConfirm(newKeysTitle, "Take the new key", "Not now", content, func(ok bool) {
		u.sync.asking = false
		if !ok || !u.unlocked() {
			return
		}
		u.adoptKeys(kc, secret.Text)
	}, u.win)
	secret.OnSubmitted = func(string) { d.Confirm() }
	if user != nil {
		content.Add(widget.NewButtonWithIcon("Use a security key instead", theme.LoginIcon(), func() {
			d.Hide() // its callback ends the asking
			u.keyIdentity(newKeysTitle, user, slots, func(id age.Identity, _ *webauthn.Result, err error) {
				switch {
				case errors.Is(err, webauthn.ErrStopped):
					u.askNewKeys(kc)
					return
				case err != nil:
					u.showDialog(dialog.NewError(errors.New(sentence(err.Error()+": nothing was changed")), u.win), func() { u.askNewKeys(kc) })
					return
				}
				u.adoptKeysWith(kc, id)
			})
		}))
	}
	d.Resize(fyne.NewSize(u.dialogRoom(), d.MinSize().Height))
	u.showDialog(d, nil)
	u.win.Canvas().Focus(secret)
}

// newKeysSecurityKeys returns the security-key slots of kc's keys and the
// WebAuthn user handle they were made for, or a nil handle when no key
// can open them (none enrolled, or keys written by an older Tessera and
// a vault that does not know the handle either).
func newKeysSecurityKeys(kc *folder.KeyChangedError, v *vault.Vault) ([]vault.Slot, []byte) {
	slots, err := vault.ParseKeys(kc.Keys)
	if err != nil {
		return nil, nil
	}
	var keyed []vault.Slot
	for _, sl := range slots {
		if _, err := sl.SecurityKey(); err == nil {
			keyed = append(keyed, sl)
		}
	}
	user, err := vault.KeysUser(kc.Keys)
	if err == nil && user == nil && v != nil {
		user, err = v.WebAuthnUser()
	}
	if len(keyed) == 0 || err != nil {
		return nil, nil
	}
	return keyed, user
}

// adoptKeys takes the new master key of kc with secret, a passphrase or
// the recovery code.
func (u *UI) adoptKeys(kc *folder.KeyChangedError, secret string) {
	var id age.Identity
	var err error
	if strings.HasPrefix(strings.ToUpper(strings.TrimSpace(secret)), "AGE-SECRET-KEY-1") {
		id, err = vault.ParseRecoveryCode(secret)
	} else {
		id, err = age.NewScryptIdentity(secret)
	}
	if err != nil {
		u.showDialog(dialog.NewError(fmt.Errorf("%w: nothing was changed", err), u.win), func() { u.askNewKeys(kc) })
		return
	}
	u.adoptKeysWith(kc, id)
}

// adoptKeysWith takes the new master key of kc with id, off the UI
// goroutine, and asks again if id does not open it.
func (u *UI) adoptKeysWith(kc *folder.KeyChangedError, id age.Identity) {
	v := u.vault
	prog := dialog.NewCustomWithoutButtons("Taking the new key…", widget.NewProgressBarInfinite(), u.win)
	u.showDialog(prog, nil)
	u.cfg.Go(func() {
		err := v.AdoptKeys(kc.Keys, id)
		fyne.Do(func() {
			prog.Hide()
			switch {
			case errors.Is(err, vault.ErrWrongKey):
				u.showDialog(dialog.NewError(errors.New("that opens none of the new keys: nothing was changed"), u.win), func() { u.askNewKeys(kc) })
				return
			case err != nil:
				u.showDialog(dialog.NewError(fmt.Errorf("taking the new key: %w", err), u.win), nil)
				return
			}
			u.sync.newKeys, u.sync.lastErr = nil, ""
			u.toast.show("This device took the vault's new key; it opens with what opened the new key from now on.", 3*toastTime, "", nil)
			u.syncSaved()
			if u.sync.devices != nil {
				u.sync.devices.refresh()
			}
		})
	})
}

// relativeTime says when t was, seen at now, as a person would: "just
// now", "3 minutes ago", "yesterday", or the date for long ago.
func relativeTime(t, now time.Time) string {
	d := now.Sub(t)
	plural := func(n int, unit string) string {
		if n == 1 {
			return "1 " + unit + " ago"
		}
		return fmt.Sprintf("%d %ss ago", n, unit)
	}
	switch {
	case t.IsZero():
		return "never"
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute")
	case d < 24*time.Hour:
		return plural(int(d/time.Hour), "hour")
	case d < 48*time.Hour:
		return "yesterday"
	case d < 30*24*time.Hour:
		return plural(int(d/(24*time.Hour)), "day")
	}
	return "on " + t.Local().Format("2 January 2006")
}
