package gui

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/tessera-auth/tessera/sync/folder"
)

// prefSyncFolder is the folder a sync tool replicates, which the window
// keeps the vault in step with while it is unlocked. Empty means
// $TESSERA_SYNC_FOLDER, and no sync when that is empty too. Settings
// changes it.
const prefSyncFolder = "sync_folder"

// syncState is the window's side of sync/folder: the watcher that merges
// other devices' files as they arrive and publishes this device's saves.
type syncState struct {
	w       *folder.Watcher
	lastErr string // the last failure shown, so that it is shown once

	// newKeys is the folder's newer master key that stopped the syncs,
	// until this device takes it; asking is set while the dialog that
	// asks for it is open.
	newKeys *folder.KeyChangedError
	asking  bool
	asked   bool // the dialog was shown once since the watcher started

	devices *devicesDialog // the devices dialog on show, if any
}

// syncFolder returns the sync folder the settings (or the environment)
// name, or "".
func (u *UI) syncFolder() string {
	dir := u.app.Preferences().String(prefSyncFolder)
	if dir == "" {
		dir = os.Getenv("TESSERA_SYNC_FOLDER")
	}
	return dir
}

// startSync starts watching the sync folder the settings name, if any.
func (u *UI) startSync() {
	dir := u.syncFolder()
	if dir == "" || u.sync.w != nil || !u.unlocked() {
		return
	}
	w, err := folder.Watch(u.vault, dir, nil, func(rep *folder.Report, err error) {
		fyne.Do(func() { u.onSynced(rep, err) })
	})
	if err != nil {
		u.onSynced(nil, err)
		return
	}
	u.sync.w = w
}

// stopSync stops the watcher (before the vault locks).
func (u *UI) stopSync() {
	if u.sync.w != nil {
		u.sync.w.Close()
		u.sync.w = nil
	}
	u.sync.newKeys, u.sync.asked = nil, false
}

// syncSaved tells the watcher that the vault was saved, so that the
// change reaches the other devices.
func (u *UI) syncSaved() {
	if u.sync.w != nil {
		u.sync.w.Saved()
	}
}

// onSynced shows what a sync did: the list takes in what other devices
// changed, and conflicts and unreadable files are told once.
//
// A folder whose keys hold a newer master key (another device revoked one
// or changed the key) stops the syncs: the person is asked once for what
// opens it; the devices dialog offers it again.
func (u *UI) onSynced(rep *folder.Report, err error) {
	var kc *folder.KeyChangedError
	if errors.As(err, &kc) {
		u.sync.newKeys = kc
		if !u.sync.asked && u.unlocked() {
			u.sync.asked = true
			u.askNewKeys(kc)
		}
		return
	}
	if err != nil {
		if msg := err.Error(); msg != u.sync.lastErr && u.unlocked() {
			u.sync.lastErr = msg
			u.toast.show("Sync failed: "+msg, 3*toastTime, "", nil)
		}
		return
	}
	u.sync.lastErr = ""
	if !u.unlocked() {
		return
	}
	if rep.Added+rep.Updated+rep.Deleted > 0 {
		u.list.load(u.vault.Entries())
		u.tray.refresh()
	}
	switch {
	case len(rep.Conflicts) > 0:
		c := rep.Conflicts[0]
		msg := fmt.Sprintf("%s was changed on %s and on %s at the same time; %s's change was kept.",
			c.Label, changeDevice(c.Loser), changeDevice(c.Winner), changeDevice(c.Winner))
		if n := len(rep.Conflicts); n > 1 {
			msg = fmt.Sprintf("%d entries were changed on two devices at the same time; the later changes were kept.", n)
		}
		u.toast.show(msg, 3*toastTime, "History", func() { u.showHistory(c.EntryID) })
	case slices.ContainsFunc(rep.Problems, func(p folder.Problem) bool { return p.File == "" }):
		i := slices.IndexFunc(rep.Problems, func(p folder.Problem) bool { return p.File == "" })
		u.toast.show("Sync: "+rep.Problems[i].String(), 3*toastTime, "", nil)
	case slices.ContainsFunc(rep.Problems, func(p folder.Problem) bool { return !p.Behind }):
		// A device that has not taken a new master key yet is no
		// problem: Settings › Devices says so.
		var files []string
		for _, p := range rep.Problems {
			if !p.Behind {
				files = append(files, p.File)
			}
		}
		u.toast.show(fmt.Sprintf("Sync skipped %d file(s) it could not read: %s", len(files), strings.Join(files, ", ")), 3*toastTime, "", nil)
	}
}

func changeDevice(c folder.Change) string {
	if c.Name != "" {
		return c.Name
	}
	return "device " + c.Device
}

// historyTitle is the title of the history dialog.
const historyTitle = "History"

// showHistory lists the versions sync kept of an entry, each but the
// current one with a button that makes it current again.
func (u *UI) showHistory(id string) {
	if !u.unlocked() {
		return
	}
	hist, err := folder.History(u.vault, id)
	if err != nil {
		u.showDialog(dialog.NewError(fmt.Errorf("reading the history: %w", err), u.win), nil)
		return
	}
	box := container.NewVBox()
	if len(hist) == 0 {
		box.Add(widget.NewLabel("No history yet: sync keeps it from the first sync on."))
	}
	var d dialog.Dialog
	for _, h := range hist {
		what := h.Entry.Label()
		if h.Entry.Deleted {
			what = "(deleted)"
		}
		line := fmt.Sprintf("%s  %s  %s", h.Change.At.Local().Format("2006-01-02 15:04"), changeDevice(h.Change), what)
		switch {
		case h.Current:
			line += "  (current)"
		case h.Conflict:
			line += "  (lost a conflict)"
		}
		row := container.NewBorder(nil, nil, nil, nil, widget.NewLabel(line))
		if !h.Current && !h.Entry.Deleted {
			e := h.Entry
			row = container.NewBorder(nil, nil, nil, widget.NewButton("Restore", func() {
				if err := u.vault.Update(e); err != nil {
					u.showDialog(dialog.NewError(err, u.win), nil)
					return
				}
				u.changed()
				d.Hide()
				u.toast.show("Restored "+e.Label()+".", toastTime, "", nil)
			}), widget.NewLabel(line))
		}
		box.Add(row)
	}
	d = dialog.NewCustom(historyTitle, "Close", container.NewVScroll(box), u.win)
	d.Resize(fyne.NewSize(u.dialogRoom(), 360))
	u.showDialog(d, nil)
}
