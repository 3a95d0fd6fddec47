package gui

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// trySave writes the vault, keeping the change pending (and saying so
// above the list) when that fails.
func (u *UI) trySave() error {
	if u.saveWait != nil {
		u.saveWait.Stop()
		u.saveWait = nil
	}
	if err := u.vault.Save(); err != nil {
		u.unsaved = true
		u.list.setPending(true)
		return err
	}
	u.unsaved = false
	u.list.setPending(false)
	u.syncSaved()
	return nil
}

// askQuitUnsaved asks, when quitting, whether to leave changes the vault
// could not take: quit without them, retry, or stay.
func (u *UI) askQuitUnsaved(err error) {
	if u.saveDialog != nil {
		u.saveDialog.Hide()
	}
	text := widget.NewLabel(fmt.Sprintf("%v\n\nQuitting now loses the changes made since the last save. "+
		"Make the vault folder %s writable (or free some disk space) and retry, or quit without them.", err, u.dir))
	text.Wrapping = fyne.TextWrapWord
	var d *dialog.CustomDialog
	quit := widget.NewButtonWithIcon("Quit without saving", theme.WarningIcon(), func() {
		d.Hide()
		u.quitNow()
	})
	quit.Importance = widget.DangerImportance
	retry := widget.NewButtonWithIcon("Retry", theme.ViewRefreshIcon(), func() {
		d.Hide()
		u.Quit()
	})
	retry.Importance = widget.HighImportance
	stay := widget.NewButton("Cancel", func() { d.Hide() })
	d = dialog.NewCustomWithoutButtons("Quit without saving?", text, u.win)
	d.SetButtons([]fyne.CanvasObject{stay, quit, retry})
	d.Resize(fyne.NewSize(u.dialogRoom(), 0))
	u.saveDialog = d
	u.showDialog(d, func() { u.saveDialog = nil })
}

// newPendingBar makes the line above the list that says changes are not
// saved, with a Retry button; hidden while everything is saved.
func newPendingBar(u *UI) (*fyne.Container, *widget.Label) {
	msg := widget.NewLabel("")
	msg.Wrapping = fyne.TextWrapWord
	msg.Importance = widget.DangerImportance
	retry := widget.NewButtonWithIcon("Retry", theme.ViewRefreshIcon(), func() { u.save() })
	bar := container.NewBorder(nil, nil, widget.NewIcon(theme.WarningIcon()), retry, msg)
	bar.Hide()
	return bar, msg
}

// setPending shows or hides the line that says changes are not saved.
func (s *listScreen) setPending(on bool) {
	if on == s.pending.Visible() {
		return
	}
	if on {
		s.pendingMsg.SetText("Not saved: the vault could not be written. Your changes are kept in this window until it can.")
		s.pending.Show()
	} else {
		s.pending.Hide()
	}
	s.content.Refresh()
}
