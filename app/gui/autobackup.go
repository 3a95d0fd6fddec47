package gui

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tessera-auth/tessera/app/autobackup"
	"github.com/tessera-auth/tessera/sync/backup"
)

// appName names the window as the writer of a backup.
const appName = "tessera (window)"

// Choices of how automatic backups are encrypted.
const (
	encryptPassphrase = "A backup passphrase"
	encryptKeys       = "Public keys (age or SSH)"
)

// autoBackupUI is the automatic-backup part of the window: the scheduler
// while the vault is unlocked (app/autobackup), the dialog that sets it
// up, and the reminder when no backup succeeded for 30 days.
type autoBackupUI struct {
	ui    *UI
	sched *autobackup.Scheduler

	enabled    *widget.Check
	dir        *keyEntry
	keep       *keyEntry
	mode       *widget.RadioGroup
	pass1      *keyEntry
	pass2      *keyEntry
	recipients *keyEntry
	status     *widget.Label
	dialog     dialog.Dialog // the settings dialog on show, if any
}

// startAutoBackup starts the scheduler for the unlocked vault, and shows
// the reminder when it is due, or once the suggestion to turn automatic
// backups on.
func (u *UI) startAutoBackup() {
	if u.auto == nil {
		u.auto = &autoBackupUI{ui: u}
	}
	a := u.auto
	a.sched = autobackup.New(u.clock, u.vault, appName, func(autobackup.Status) {
		fyne.Do(a.refreshStatus)
	})
	if err := a.sched.Start(); err != nil {
		u.toast.show("Automatic backups could not start: "+err.Error(), 2*toastTime, "Settings", u.showAutoBackup)
		return
	}
	a.remind()
}

// stopAutoBackup stops the scheduler before the vault locks.
func (u *UI) stopAutoBackup() {
	if u.auto == nil || u.auto.sched == nil {
		return
	}
	u.auto.sched.Stop()
	u.auto.sched = nil
	if u.auto.dialog != nil {
		u.auto.dialog.Hide()
		u.auto.dialog = nil
	}
}

// autoBackupChanged tells the scheduler that the vault changed.
func (u *UI) autoBackupChanged() {
	if u.auto != nil && u.auto.sched != nil {
		u.auto.sched.Changed()
	}
}

// remind shows the backup reminder if it is due, or, on the first run
// (a vault just created), the suggestion to turn automatic backups on.
func (a *autoBackupUI) remind() {
	u := a.ui
	st, err := backup.LoadSettings(u.vault)
	if err != nil {
		return
	}
	now := u.clock.Now()
	firstRun := u.create != nil && !st.Enabled && !st.Suggested
	if firstRun {
		st.Suggested = true
		backup.SaveSettings(u.vault, st)
	}
	switch {
	case firstRun:
		u.toast.show("Automatic backups are off. Turn them on, so that a lost disk does not take your codes with it?",
			3*toastTime, "Set up", u.showAutoBackup)
	case st.Overdue(now):
		msg := "No backup in more than 30 days."
		if !st.LastGood.IsZero() {
			msg = fmt.Sprintf("No backup since %s (%s).", st.LastGood.Local().Format(timeLayout), st.LastPath)
		}
		if st.LastError != "" {
			msg += " The last automatic backup failed: " + st.LastError
		}
		u.toast.show(msg, 3*toastTime, "Back up", u.showAutoBackup)
	}
}

// showAutoBackup opens the automatic backup settings.
func (u *UI) showAutoBackup() {
	u.touch()
	if !u.unlocked() {
		return
	}
	if u.auto == nil || u.auto.sched == nil {
		u.startAutoBackup()
	}
	a := u.auto
	st, err := backup.LoadSettings(u.vault)
	if err != nil {
		u.showDialog(dialog.NewError(err, u.win), nil)
		return
	}
	a.enabled = widget.NewCheck("Back up automatically", nil)
	a.enabled.SetChecked(st.Enabled)
	a.dir = u.newDialogEntry()
	a.dir.SetPlaceHolder("a folder") // the hint says which: a long text scrolled in the narrow field
	a.dir.SetText(st.Dir)
	choose := widget.NewButtonWithIcon("Choose…", theme.FolderOpenIcon(), a.onChooseDir)
	a.keep = u.newDialogEntry()
	a.keep.Validator = intRange("backups kept", 1, 10000)
	a.keep.SetText(strconv.Itoa(max(st.Keep, 0)))
	if st.Keep == 0 {
		a.keep.SetText(strconv.Itoa(backup.DefaultKeep))
	}
	a.pass1 = u.newDialogPassword()
	a.pass1.SetPlaceHolder("backup passphrase")
	a.pass2 = u.newDialogPassword()
	a.pass2.SetPlaceHolder("again")
	if st.Passphrase != "" {
		a.pass1.SetText(st.Passphrase)
		a.pass2.SetText(st.Passphrase)
	}
	a.recipients = u.newDialogEntry()
	a.recipients.MultiLine = true
	a.recipients.Wrapping = fyne.TextWrap(fyne.TextTruncateClip) // as widget.NewMultiLineEntry
	a.recipients.SetPlaceHolder("age1… or ssh-ed25519 AAAA…")
	a.recipients.SetText(strings.Join(st.Recipients, "\n"))
	a.mode = widget.NewRadioGroup([]string{encryptPassphrase, encryptKeys}, func(string) { a.onMode() })
	a.mode.Required = true
	if len(st.Recipients) > 0 {
		a.mode.SetSelected(encryptKeys)
	} else {
		a.mode.SetSelected(encryptPassphrase)
	}
	a.status = widget.NewLabel("")
	a.status.Wrapping = fyne.TextWrapWord
	a.refreshStatus()
	now := widget.NewButtonWithIcon("Back up now", theme.DocumentSaveIcon(), a.onBackUpNow)
	form := widget.NewForm(
		widget.NewFormItem("", a.enabled),
		widget.NewFormItem("Folder", container.NewBorder(nil, nil, nil, choose, a.dir)),
		widget.NewFormItem("Keep", a.keep),
		widget.NewFormItem("Encrypt with", a.mode),
		widget.NewFormItem("Passphrase", container.NewVBox(a.pass1, a.pass2)),
		widget.NewFormItem("Keys", a.recipients),
	)
	form.Items[0].HintText = "after changes (at most hourly) and daily"
	form.Items[1].HintText = "ideally on another disk or a synced drive"
	form.Items[2].HintText = "the newest, plus one a month for a year"
	form.Items[5].HintText = "one a line; a GitHub .keys file's lines work"
	content := container.NewVBox(form, a.status, container.NewHBox(now))
	d := dialog.NewCustomConfirm("Automatic backups", "Save", "Cancel", u.scrollIfTall(content), func(ok bool) {
		a.dialog = nil
		if ok {
			a.onSave()
		}
	}, u.win)
	d.Resize(fyne.NewSize(u.dialogRoom(), d.MinSize().Height))
	a.dialog = d
	u.showDialog(d, nil)
}

// onMode shows the fields of the chosen way to encrypt.
func (a *autoBackupUI) onMode() {
	keys := a.mode.Selected == encryptKeys
	for _, e := range []*keyEntry{a.pass1, a.pass2} {
		if keys {
			e.Disable()
		} else {
			e.Enable()
		}
	}
	if keys {
		a.recipients.Enable()
	} else {
		a.recipients.Disable()
	}
}

func (a *autoBackupUI) onChooseDir() {
	d := dialog.NewFolderOpen(func(l fyne.ListableURI, err error) {
		if err == nil && l != nil {
			a.dir.SetText(l.Path())
		}
	}, a.ui.win)
	a.ui.showDialog(d, nil)
}

// settings returns the settings the dialog's fields give, on top of old,
// or why they are not valid.
func (a *autoBackupUI) settings(old backup.Settings) (backup.Settings, error) {
	s := old
	s.Enabled = a.enabled.Checked
	s.Dir = strings.TrimSpace(a.dir.Text)
	n, err := strconv.Atoi(strings.TrimSpace(a.keep.Text))
	if err != nil || n < 1 {
		return s, fmt.Errorf("keep must be a whole number, 1 or more")
	}
	s.Keep = n
	s.Passphrase, s.Recipients = "", nil
	if a.mode.Selected == encryptKeys {
		for i, line := range strings.Split(a.recipients.Text, "\n") {
			line = strings.TrimSpace(line)
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			if _, err := backup.ParseRecipient(line, nil); err != nil {
				return s, fmt.Errorf("key on line %d: %v", i+1, err)
			}
			s.Recipients = append(s.Recipients, line)
		}
		if len(s.Recipients) == 0 {
			return s, fmt.Errorf("give at least one public key, or choose a passphrase")
		}
	} else {
		if a.pass1.Text != a.pass2.Text {
			return s, fmt.Errorf("the two passphrases differ")
		}
		if a.pass1.Text == "" {
			return s, fmt.Errorf("give a backup passphrase, or choose public keys")
		}
		s.Passphrase = a.pass1.Text
	}
	if s.Enabled {
		if _, err := s.Folder(); err != nil {
			return s, err
		}
	}
	return s, nil
}

// onSave stores the settings and reschedules.
func (a *autoBackupUI) onSave() {
	u := a.ui
	u.touch()
	old, err := backup.LoadSettings(u.vault)
	if err != nil {
		u.showDialog(dialog.NewError(err, u.win), nil)
		return
	}
	s, err := a.settings(old)
	if err == nil {
		err = backup.SaveSettings(u.vault, s)
	}
	if err != nil {
		u.showDialog(dialog.NewError(fmt.Errorf("automatic backups: %w", err), u.win), nil)
		return
	}
	if a.sched != nil {
		a.sched.SettingsChanged()
	}
	if s.Enabled {
		u.toast.show("Automatic backups are on: "+s.Dir, toastTime, "", nil)
	} else {
		u.toast.show("Automatic backups are off.", toastTime, "", nil)
	}
}

// onBackUpNow saves the dialog's settings and makes a backup at once.
func (a *autoBackupUI) onBackUpNow() {
	u := a.ui
	u.touch()
	old, err := backup.LoadSettings(u.vault)
	if err != nil {
		u.showDialog(dialog.NewError(err, u.win), nil)
		return
	}
	s, err := a.settings(old)
	if err == nil && !s.Enabled {
		// A backup now needs the folder and key even with the schedule off.
		s.Enabled = true
		_, err = s.Folder()
		s.Enabled = false
	}
	if err != nil {
		u.showDialog(dialog.NewError(err, u.win), nil)
		return
	}
	a.status.SetText("Backing up…")
	sched := a.sched
	u.cfg.Go(func() {
		err := backup.SaveSettings(u.vault, s)
		if err == nil && sched != nil {
			err = sched.SettingsChanged()
		}
		var stored backup.Stored
		if err == nil {
			stored, err = backupOnce(u, sched, s)
		}
		fyne.Do(func() {
			a.refreshStatus()
			if err != nil {
				u.showDialog(dialog.NewError(fmt.Errorf("the backup failed: %w", err), u.win), nil)
				return
			}
			u.toast.show("Backed up to "+stored.Path, toastTime, "", nil)
		})
	})
}

// backupOnce makes one backup now: through the scheduler when automatic
// backups are on, else directly into the folder, recording it for the
// reminder.
func backupOnce(u *UI, sched *autobackup.Scheduler, s backup.Settings) (backup.Stored, error) {
	if s.Enabled && sched != nil {
		return sched.RunNow()
	}
	s.Enabled = true
	f, err := s.Folder()
	if err != nil {
		return backup.Stored{}, err
	}
	now := u.clock.Now()
	entries := u.vault.Entries()
	if u.vault.Locked() {
		return backup.Stored{}, errors.New("the vault locked before the backup was made")
	}
	stored, err := f.Write(&backup.File{Created: now, App: appName, Entries: entries}, now)
	if err != nil {
		return stored, err
	}
	s.Enabled = false
	s.LastGood, s.LastPath = now.UTC(), stored.Path
	return stored, backup.SaveSettings(u.vault, s)
}

// refreshStatus shows the last good backup, the last failure and the next
// backup in the dialog.
func (a *autoBackupUI) refreshStatus() {
	if a.status == nil || a.sched == nil {
		return
	}
	st := a.sched.Status()
	var b strings.Builder
	if st.LastGood.IsZero() {
		b.WriteString("No backup yet.")
	} else {
		fmt.Fprintf(&b, "Last good backup: %s", st.LastGood.Local().Format(timeLayout))
		if st.LastPath != "" {
			b.WriteString(", " + st.LastPath)
		}
		b.WriteString(".")
	}
	if st.LastError != "" {
		fmt.Fprintf(&b, "\nThe last try failed (%s): %s", st.LastFailed.Local().Format(timeLayout), st.LastError)
	}
	if !st.Next.IsZero() {
		fmt.Fprintf(&b, "\nNext backup: %s.", st.Next.Local().Format(timeLayout))
	}
	if st.Overdue {
		b.WriteString("\nNo backup succeeded in the last 30 days.")
	}
	a.status.SetText(b.String())
}
