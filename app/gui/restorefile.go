package gui

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"filippo.io/age"
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tessera-auth/tessera/sync/backup"
)

// maxBackupFile caps the backup file the window reads.
const maxBackupFile = backup.MaxSize + 1<<20

// showRestoreFile merges a backup file (tessera backup, or an automatic
// backup) into the vault, the window's face of tessera restore-backup:
// choose the file, give its passphrase or key file, see what it adds,
// changes and skips, and confirm.
func (u *UI) showRestoreFile() {
	u.touch()
	if !u.unlocked() {
		return
	}
	u.showDialog(dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		data, err := io.ReadAll(io.LimitReader(r, maxBackupFile+1))
		r.Close()
		if err == nil && len(data) > maxBackupFile {
			err = fmt.Errorf("the file is larger than %d MB: not a Tessera backup", maxBackupFile>>20)
		}
		if err != nil {
			u.showDialog(dialog.NewError(err, u.win), nil)
			return
		}
		u.askBackupKey(r.URI().Name(), data)
	}, u.win), nil)
}

// askBackupKey asks for what opens the backup: its passphrase, or a key
// file (an age identity or an SSH private key).
func (u *UI) askBackupKey(name string, data []byte) {
	if backup.NeedsPassphrase(data) {
		pass := widget.NewPasswordEntry()
		u.showDialog(dialog.NewForm("Backup passphrase", "Open", "Cancel",
			[]*widget.FormItem{widget.NewFormItem("Passphrase of "+name, pass)}, func(ok bool) {
				if !ok {
					return
				}
				id, err := age.NewScryptIdentity(pass.Text)
				if err != nil {
					u.showDialog(dialog.NewError(backup.ErrWrongKey, u.win), nil)
					return
				}
				u.openBackup(name, data, id)
			}, u.win), nil)
		return
	}
	u.showDialog(dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		ids, err := backup.ParseIdentities(r, r.URI().Name())
		r.Close()
		if err != nil {
			u.showDialog(dialog.NewError(err, u.win), nil)
			return
		}
		u.openBackup(name, data, ids...)
	}, u.win), nil)
	u.toast.show(name+" is encrypted to keys: choose the key file (age-keygen's, or an SSH private key).", toastTime, "", nil)
}

// openBackup decrypts the backup away from the window, then shows what a
// restore would do.
func (u *UI) openBackup(name string, data []byte, ids ...age.Identity) {
	u.cfg.Go(func() {
		f, err := readBackup(data, ids...)
		fyne.Do(func() {
			if err != nil {
				u.showDialog(dialog.NewError(fmt.Errorf("%s: %w", name, err), u.win), nil)
				return
			}
			u.confirmRestore(name, f)
		})
	})
}

// readBackup decrypts and decodes a backup file's bytes.
func readBackup(data []byte, ids ...age.Identity) (*backup.File, error) {
	return backup.Read(bytes.NewReader(data), ids...)
}

// confirmRestore shows the plan of a restore and carries it out when the
// person agrees.
func (u *UI) confirmRestore(name string, f *backup.File) {
	if !u.unlocked() {
		return
	}
	steps := backup.Plan(u.vault.Entries(), f)
	n := backup.Count(steps)
	var lines []string
	for _, s := range steps {
		switch s.Action {
		case backup.Add:
			lines = append(lines, "Add "+s.Entry.Label())
		case backup.Change:
			lines = append(lines, "Change "+s.Entry.Label()+": "+s.Why)
		case backup.Counter:
			lines = append(lines, fmt.Sprintf("Raise the counter of %s to %d", s.Entry.Label(), s.Entry.OTP.Counter))
		}
	}
	summary := fmt.Sprintf("%s, made %s, holds %d entries: %d to add, %d to change, %d counters to raise, %d the vault has already.",
		name, f.Created.Local().Format(timeLayout), len(f.Entries), n[backup.Add], n[backup.Change], n[backup.Counter], n[backup.Skip])
	label := widget.NewLabel(summary)
	label.Wrapping = fyne.TextWrapWord
	if len(lines) == 0 {
		u.showDialog(dialog.NewInformation("Nothing to restore", summary, u.win), nil)
		return
	}
	list := widget.NewLabel(strings.Join(lines, "\n"))
	scroll := container.NewVScroll(list)
	scroll.SetMinSize(fyne.NewSize(u.dialogRoom()-2*theme.Padding(), 160))
	d := dialog.NewCustomConfirm("Restore from "+name, "Restore", "Cancel", container.NewBorder(label, nil, nil, nil, scroll), func(ok bool) {
		if ok {
			u.applyRestore(steps)
		}
	}, u.win)
	d.Resize(fyne.NewSize(u.dialogRoom(), 360))
	u.showDialog(d, nil)
}

// applyRestore carries out a restore's steps and saves.
func (u *UI) applyRestore(steps []backup.Step) error {
	if !u.unlocked() {
		return errors.New("the vault is locked")
	}
	if err := backup.Apply(u.vault, steps); err != nil {
		u.showDialog(dialog.NewError(err, u.win), nil)
		u.list.load(u.vault.Entries())
		return err
	}
	if !u.changed() {
		return errors.New("the vault could not be saved")
	}
	n := backup.Count(steps)
	u.toast.show(fmt.Sprintf("Restored: %d added, %d changed, %d counters raised.", n[backup.Add], n[backup.Change], n[backup.Counter]), toastTime, "", nil)
	return nil
}
