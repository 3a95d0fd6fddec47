package gui

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
)

// warnRollback tells the person when the vault's body is of an older save
// than one made after it (a copy put back by hand or by a sync tool), once
// for each such state, and offers the newest backup that holds what the
// later saves added. Keeping what is there is a choice too: the next save
// makes it the latest.
func (u *UI) warnRollback() {
	r := u.vault.Rollback()
	if r == nil {
		u.rollbackShown = 0
		return
	}
	if r.Generation == u.rollbackShown {
		return
	}
	u.rollbackShown = r.Generation
	msg := fmt.Sprintf("The vault holds the entries of save %d, but save %d was made after it: "+
		"perhaps an older copy was put back by hand or by a sync or backup tool. "+
		"Entries added or changed since save %d are not shown.", r.Generation, r.Latest, r.Generation)
	if r.Backup == "" {
		msg += "\n\nNo backup of a later save opens, so they cannot be brought back here."
	} else {
		msg += fmt.Sprintf("\n\nBackup %s, saved %s, holds them. Restoring it keeps what is there now as a backup too.",
			r.Backup, r.Saved.Local().Format("2 January 2006 15:04"))
	}
	text := widget.NewLabel(msg)
	text.Wrapping = fyne.TextWrapWord
	var d dialog.Dialog
	if r.Backup == "" {
		d = dialog.NewCustom(rollbackTitle, "Keep what is there", text, u.win)
	} else {
		d = dialog.NewCustomConfirm(rollbackTitle, "Restore backup "+r.Backup, "Keep what is there", text, func(restore bool) {
			if restore {
				u.restoreBackup(r.Backup)
			}
		}, u.win)
	}
	d.Resize(fyne.NewSize(min(420, u.dialogRoom()), 0))
	u.showDialog(d, nil)
	u.rollbackDialog = d
}

const rollbackTitle = "Older vault contents"

// restoreBackup brings back backup id, saving pending changes first so
// that the backup Restore keeps of the current body holds them.
func (u *UI) restoreBackup(id string) {
	if !u.unlocked() || u.unsaved && !u.save() {
		return
	}
	if err := u.vault.Restore(id); err != nil {
		u.showDialog(dialog.NewError(fmt.Errorf("backup %s could not be restored: %w", id, err), u.win), nil)
		return
	}
	u.list.load(u.vault.Entries())
	u.tray.refresh()
	u.toast.show("Backup "+id+" restored.", toastTime, "", nil)
}
