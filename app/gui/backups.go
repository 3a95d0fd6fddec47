package gui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tessera-auth/tessera/vault"
)

// backupsDialog lists the vault's backups, newest first, each with a
// Restore button behind a confirmation. It is opened from the settings
// screen. Each backup says when it was saved and what that save changed
// ("+2 entries, 1 renamed"), read from the backups' entry names (never
// their secrets); the backups' numbers, which have gaps as old ones go,
// are not shown.
//
// Keyboard: Tab reaches the list, the arrow keys move in it and Space
// asks to restore the backup under the focus; Tab also reaches each
// shown Restore button and the Close button.
type backupsDialog struct {
	ui *UI

	backups []vault.Backup
	labels  []map[string]string // each backup's entry labels by ID; nil if unreadable
	list    *dialogList
	empty   *widget.Label
	dialog  dialog.Dialog
	confirm dialog.Dialog // the restore confirmation on show, if any
}

// backupsTitle is the dialog's title.
const backupsTitle = "Backups"

// timeLayout is how the backups' times are shown, in local time.
const timeLayout = "2 Jan 2006 15:04"

// showBackups opens the dialog that lists the backups.
func (u *UI) showBackups() {
	u.touch()
	if !u.unlocked() {
		return
	}
	d := &backupsDialog{ui: u}
	d.list = u.newDialogList(func() int { return len(d.backups) }, d.createRow, d.updateRow)
	d.list.OnSelected = func(i widget.ListItemID) {
		d.list.UnselectAll() // so that the same backup can be chosen again
		if i >= 0 && i < len(d.backups) {
			d.onRestore(d.backups[i])
		}
	}
	d.empty = widget.NewLabel("No backups yet. Each save keeps the version of the vault it replaces, " +
		"up to the number set in Backups kept.")
	d.empty.Wrapping = fyne.TextWrapWord
	d.empty.Hide()
	intro := widget.NewLabel("Newest first. Each save keeps the version of the vault it replaces.")
	intro.Wrapping = fyne.TextWrapWord
	content := container.NewBorder(intro, nil, nil, nil, container.NewStack(d.list, d.empty))
	if !d.reload() {
		return
	}
	d.dialog = dialog.NewCustom(backupsTitle, "Close", content, u.win)
	// Room for a few rows; more scroll.
	step := d.createRow().MinSize().Height + theme.Padding()
	rows := min(max(len(d.backups), 1), 5)
	d.dialog.Resize(fyne.NewSize(min(440, u.dialogRoom()), d.dialog.MinSize().Height+float32(rows-1)*step))
	u.showDialog(d.dialog, func() {
		if u.settings != nil && u.settings.backupsDialog == d {
			u.settings.backupsDialog = nil
		}
	})
	if u.settings != nil {
		u.settings.backupsDialog = d
	}
	if len(d.backups) > 0 {
		u.win.Canvas().Focus(d.list)
	}
}

// reload reads the backups again; false if they could not be listed,
// which it says.
func (d *backupsDialog) reload() bool {
	bs, err := d.ui.vault.Backups()
	if err != nil {
		d.ui.showDialog(dialog.NewError(fmt.Errorf("listing the backups: %w", err), d.ui.win), nil)
		return false
	}
	d.backups = bs
	d.labels = make([]map[string]string, len(bs))
	for i, b := range bs {
		d.labels[i], _ = d.ui.vault.BackupLabels(b.ID) // nil: the row says it cannot be read
	}
	if len(bs) == 0 {
		d.list.Hide()
		d.empty.Show()
	} else {
		d.empty.Hide()
		d.list.Show()
	}
	d.list.Refresh()
	return true
}

// hide closes the dialog and its confirmation.
func (d *backupsDialog) hide() {
	if d.confirm != nil {
		d.confirm.Hide()
	}
	d.dialog.Hide()
}

func (d *backupsDialog) createRow() fyne.CanvasObject {
	when := widget.NewLabel("")
	detail := widget.NewLabel("")
	detail.SizeName = theme.SizeNameCaptionText
	restore := widget.NewButtonWithIcon("Restore…", theme.HistoryIcon(), nil)
	return container.NewBorder(nil, nil, nil, container.NewCenter(restore),
		container.NewVBox(when, detail))
}

func (d *backupsDialog) updateRow(i widget.ListItemID, o fyne.CanvasObject) {
	if i < 0 || i >= len(d.backups) {
		return
	}
	b := d.backups[i]
	c := o.(*fyne.Container)
	labels := c.Objects[0].(*fyne.Container).Objects
	labels[0].(*widget.Label).SetText(d.when(b))
	labels[1].(*widget.Label).SetText(d.detail(i))
	c.Objects[1].(*fyne.Container).Objects[0].(*widget.Button).OnTapped = func() { d.onRestore(b) }
}

// detail says what backup i holds and what the save that made it changed
// from the backup before it.
func (d *backupsDialog) detail(i int) string {
	cur := d.labels[i]
	if cur == nil {
		return "cannot be read with this vault's key · " + sizeText(d.backups[i].Size)
	}
	count := plural(len(cur), "entry")
	if i+1 >= len(d.backups) || d.labels[i+1] == nil {
		return count
	}
	return changeText(d.labels[i+1], cur, false) + " · " + count
}

// changeText says how the entries went from labels from to labels to:
// counts ("+2 entries, 1 removed, 1 renamed"), or with names, for a
// confirmation, ("brings back GitHub: alice; removes Later Co").
func changeText(from, to map[string]string, named bool) string {
	var added, removed, renamed []string
	for id, l := range to {
		switch old, ok := from[id]; {
		case !ok:
			added = append(added, l)
		case old != l:
			renamed = append(renamed, old+" → "+l)
		}
	}
	for id, l := range from {
		if _, ok := to[id]; !ok {
			removed = append(removed, l)
		}
	}
	slices.Sort(added)
	slices.Sort(removed)
	slices.Sort(renamed)
	var parts []string
	if named {
		say := func(verb string, names []string) {
			if len(names) == 0 {
				return
			}
			shown := names[:min(len(names), 3)]
			s := verb + " " + strings.Join(shown, ", ")
			if len(names) > 3 {
				s += fmt.Sprintf(" and %d more", len(names)-3)
			}
			parts = append(parts, s)
		}
		say("brings back", added)
		say("removes", removed)
		say("renames", renamed)
		if len(parts) == 0 {
			return "changes no entry's name (other details may differ)"
		}
		return strings.Join(parts, "; ")
	}
	if len(added) > 0 {
		parts = append(parts, "+"+plural(len(added), "entry"))
	}
	if len(removed) > 0 {
		parts = append(parts, fmt.Sprintf("%d removed", len(removed)))
	}
	if len(renamed) > 0 {
		parts = append(parts, fmt.Sprintf("%d renamed", len(renamed)))
	}
	if len(parts) == 0 {
		return "other changes"
	}
	return strings.Join(parts, ", ")
}

// when says when backup b was saved, in local time and, where the file's
// time is not ahead of the clock, how long ago.
func (d *backupsDialog) when(b vault.Backup) string {
	s := b.Saved.Local().Format(timeLayout)
	if a := ago(d.ui.clock.Now().Sub(b.Saved)); a != "" {
		s += " (" + a + ")"
	}
	return s
}

// onRestore asks whether to restore b, saying what happens, and does.
func (d *backupsDialog) onRestore(b vault.Backup) {
	d.ui.touch()
	msg := fmt.Sprintf("The vault goes back to how it was on %s; what it holds now is kept as a backup, "+
		"so this can be undone the same way.", d.when(b))
	if d.ui.vault.BackupsKept() == 0 {
		msg = fmt.Sprintf("The vault goes back to how it was on %s. No backups are kept (see Backups kept), "+
			"so what it holds now is not kept and this cannot be undone.", d.when(b))
	}
	if i := slices.IndexFunc(d.backups, func(x vault.Backup) bool { return x.ID == b.ID }); i >= 0 && d.labels[i] != nil {
		now := map[string]string{}
		for _, e := range d.ui.vault.Entries() {
			now[e.ID] = e.Label()
		}
		msg += "\n\nThis " + changeText(now, d.labels[i], true) + "."
	}
	text := widget.NewLabel(msg)
	text.Wrapping = fyne.TextWrapWord
	c := dialog.NewCustomConfirm("Restore the vault as it was?", "Restore", "Cancel", text, func(ok bool) {
		d.confirm = nil
		if !ok {
			return
		}
		d.ui.touch()
		d.ui.restoreBackup(b.ID)
		if d.ui.unlocked() {
			d.reload()
		}
	}, d.ui.win)
	c.Resize(fyne.NewSize(min(400, d.ui.dialogRoom()), 0))
	d.confirm = c
	d.ui.showDialog(c, nil)
}

// ago says how long ago d was, roughly: "just now", "5 minutes ago",
// "3 days ago". It is empty for a time more than a minute ahead, which a
// file's time can be after the clock was set back.
func ago(d time.Duration) string {
	const day = 24 * time.Hour
	switch {
	case d < -time.Minute:
		return ""
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute") + " ago"
	case d < day:
		return plural(int(d/time.Hour), "hour") + " ago"
	case d < 60*day:
		return plural(int(d/day), "day") + " ago"
	case d < 365*day:
		return plural(int(d/(30*day)), "month") + " ago"
	}
	return plural(int(d/(365*day)), "year") + " ago"
}

// plural returns "1 day", "3 days", "2 entries".
func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	if stem, ok := strings.CutSuffix(unit, "ry"); ok {
		return fmt.Sprintf("%d %sries", n, stem)
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// sizeText says how big a file of n bytes is: "812 bytes", "4.3 kB".
func sizeText(n int64) string {
	switch {
	case n < 1000:
		return plural(int(n), "byte")
	case n < 1000_000:
		return fmt.Sprintf("%.1f kB", float64(n)/1000)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/1000_000)
}
