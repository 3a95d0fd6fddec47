package gui

import (
	"fmt"
	"time"

	"github.com/tessera-auth/tessera/app/codeview"
	"github.com/tessera-auth/tessera/otp"
	"github.com/tessera-auth/tessera/vault"
)

// undoTime is how long a deletion can be undone.
const undoTime = 10 * time.Second

// undoLabel is the toast's button that undoes a deletion.
const undoLabel = "Undo"

// copyEntry puts the code (or token) of entry id on the clipboard, says so,
// and records the use.
func (u *UI) copyEntry(id string) {
	u.touch()
	if !u.unlocked() {
		return
	}
	u.reloadIfChanged()
	e, ok := u.vault.Entry(id)
	if !ok {
		return
	}
	now := u.clock.Now()
	clearAfter := u.prefs.clearAfter()
	var text, msg string
	switch {
	case e.Kind == vault.KindToken:
		text = string(e.Token.Value)
		msg = fmt.Sprintf("Copied the token %s.", e.Issuer)
	case e.OTP.Kind == otp.HOTP:
		u.nextHOTP(id)
		return
	default:
		c, err := codeview.Pick(&e.OTP, now)
		if err != nil {
			u.toast.show("Cannot make a code for "+e.Label()+": "+err.Error(), 2*toastTime, "", nil)
			return
		}
		text = c.Code
		msg = fmt.Sprintf("Copied %s for %s.", codeview.Group(c.Code), e.Label())
		if c.Next {
			msg = fmt.Sprintf("The current code expires in %s: copied the next one, %s, valid from then.",
				codeview.Countdown(c.ValidFrom.Sub(now)), codeview.Group(c.Code))
		}
		if err := u.vault.MarkUsed(e.ID, now); err == nil {
			if used, ok := u.vault.Entry(e.ID); ok {
				u.list.replace(used)
			}
			u.saveSoon()
		}
	}
	u.clip.Copy(text, clearAfter)
	if clearAfter > 0 {
		msg += fmt.Sprintf(" The clipboard is cleared in %d s.", int(clearAfter/time.Second))
	}
	u.toast.show(msg, toastTime, "", nil)
}

// nextHOTP advances a HOTP entry's counter and then shows and copies the
// code, so that no code is shown twice.
func (u *UI) nextHOTP(id string) {
	u.touch()
	if !u.unlocked() {
		return
	}
	// AdvanceHOTP saves the moved counter before it gives the code.
	code, err := u.vault.AdvanceHOTP(id)
	if err != nil {
		u.toast.show("Cannot make the next code: "+err.Error(), 2*toastTime, "", nil)
		return
	}
	u.list.hotpShown[id] = code
	u.list.load(u.vault.Entries())
	clearAfter := u.prefs.clearAfter()
	u.clip.Copy(code, clearAfter)
	u.toast.show(fmt.Sprintf("Copied the next code, %s.", codeview.Group(code)), toastTime, "", nil)
}

// deleteEntry removes entry id and offers to undo that for undoTime.
func (u *UI) deleteEntry(id string) {
	u.touch()
	old, ok := u.vault.Entry(id)
	if !ok {
		return
	}
	if err := u.vault.Delete(id); err != nil {
		u.toast.show("Cannot delete: "+err.Error(), 2*toastTime, "", nil)
		return
	}
	u.changed()
	u.showList()
	u.toast.show(fmt.Sprintf("Deleted %s. Ctrl+Z undoes it.", old.Label()), undoTime, undoLabel, func() {
		u.touch()
		if !u.unlocked() {
			return
		}
		if err := u.vault.Update(old); err != nil {
			u.toast.show("Cannot undo: "+err.Error(), 2*toastTime, "", nil)
			return
		}
		u.changed()
		u.toast.show(fmt.Sprintf("Restored %s.", old.Label()), toastTime, "", nil)
	})
}

// undo takes the action a toast offers, Undo of a delete, as Ctrl+Z; it
// reports whether there was one.
func (u *UI) undo() bool {
	if u.toast.message() == "" || u.toast.onAction == nil || u.toast.action.Text != undoLabel {
		return false
	}
	u.toast.onTapAction()
	return true
}

// submitCurrent submits the form on show, as Ctrl+S: the edit or the add
// form.
func (u *UI) submitCurrent() {
	switch {
	case u.edit != nil && u.current == u.edit.content:
		submitForm(u.edit.form, u.edit.onSave)
	case u.add != nil && u.current == u.add.content:
		submitForm(u.add.form, u.add.onSubmit)
	}
}

// moveEntry moves entry id by delta rows in the manual order (negative is
// up), switching the list to the manual order.
func (u *UI) moveEntry(id string, delta int) {
	u.touch()
	u.move(id, delta, false)
}

func (u *UI) move(id string, delta int, renumbered bool) {
	s := u.list
	if s.sortBy.Selected != sortManual {
		s.sortBy.SetSelected(sortManual)
	}
	all := s.all
	from := -1
	for i := range all {
		if all[i].ID == id {
			from = i
		}
	}
	if from < 0 {
		return
	}
	to := min(max(from+delta, 0), len(all)-1)
	if to == from {
		return
	}
	// The new position lies between the neighbours at the target place.
	var lo, hi float64
	if to < from {
		hi = all[to].Position
		lo = hi - 2
		if to > 0 {
			lo = all[to-1].Position
		}
	} else {
		lo = all[to].Position
		hi = lo + 2
		if to < len(all)-1 {
			hi = all[to+1].Position
		}
	}
	e := all[from]
	e.Position = (lo + hi) / 2
	if e.Position == lo || e.Position == hi {
		if !renumbered {
			u.renumber()
			u.move(id, delta, true)
		}
		return
	}
	if err := u.vault.Update(e); err != nil {
		u.toast.show("Cannot move: "+err.Error(), 2*toastTime, "", nil)
		return
	}
	u.changed()
}

// renumber spreads the manual positions evenly, when moves have made two
// of them too close to put another between.
func (u *UI) renumber() {
	for i, e := range u.list.all {
		e.Position = float64(i + 1)
		u.vault.Update(e)
	}
	u.list.load(u.vault.Entries())
}
