package gui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"fyne.io/fyne/v2/test"

	"github.com/tessera-auth/tessera/sync/backup"
)

// TestAutoBackupDialog turns automatic backups on from the dialog, to a
// public key: the first backup follows at once on the window's clock, a
// change makes another an hour later, the dialog shows the last good one,
// and locking stops the schedule.
func TestAutoBackupDialog(t *testing.T) {
	h := newHarness(t, "")
	h.app.Preferences().SetInt(prefAutoLock, 0) // the clock moves an hour here
	h.unlock()
	h.ui.showAutoBackup()
	a := h.ui.auto
	if a.dialog == nil {
		t.Fatal("no dialog")
	}
	id, _ := age.GenerateX25519Identity()
	dir := filepath.Join(t.TempDir(), "auto")
	a.enabled.SetChecked(true)
	test.Type(a.dir, dir)
	a.mode.SetSelected(encryptKeys)
	if !a.pass1.Disabled() || a.recipients.Disabled() {
		t.Error("choosing keys did not switch the fields")
	}
	test.Type(a.recipients, "# my key\n"+id.Recipient().String())
	a.onSave()
	st, err := backup.LoadSettings(h.ui.vault)
	if err != nil || !st.Enabled || st.Dir != dir || len(st.Recipients) != 1 || st.Keep != backup.DefaultKeep {
		t.Fatalf("settings saved %+v, %v", st, err)
	}
	h.clock.Advance(0)
	list, _ := (&backup.Folder{Dir: dir}).List()
	if len(list) != 1 {
		t.Fatalf("%d backups after turning them on, want 1", len(list))
	}
	fh, err := os.Open(list[0].Path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := backup.Read(fh, id)
	fh.Close()
	if err != nil || len(f.Entries) != len(testEntries(t)) {
		t.Fatalf("the backup: %v, %d entries", err, len(f.Entries))
	}
	if !strings.Contains(a.status.Text, "Last good backup") || !strings.Contains(a.status.Text, list[0].Path) {
		t.Errorf("status %q", a.status.Text)
	}

	// A change: backed up an hour after the first.
	e := h.ui.vault.Entries()[0]
	e.Note = "changed"
	if err := h.ui.vault.Update(e); err != nil {
		t.Fatal(err)
	}
	h.ui.changed()
	h.clock.Advance(59 * time.Minute)
	if list, _ := (&backup.Folder{Dir: dir}).List(); len(list) != 1 {
		t.Fatalf("%d backups 59 minutes later, want 1", len(list))
	}
	h.clock.Advance(time.Minute)
	if list, _ := (&backup.Folder{Dir: dir}).List(); len(list) != 2 {
		t.Fatalf("%d backups an hour after a change, want 2", len(list))
	}

	// Back up now, with the schedule on and then off: each writes one
	// backup and records it.
	a.onBackUpNow()
	if list, _ := (&backup.Folder{Dir: dir}).List(); len(list) != 3 || !strings.Contains(h.ui.toast.message(), "Backed up to") {
		t.Fatalf("Back up now: %d backups, toast %q", len(list), h.ui.toast.message())
	}
	h.clock.Advance(time.Minute)
	a.enabled.SetChecked(false)
	a.onBackUpNow()
	list, _ = (&backup.Folder{Dir: dir}).List()
	if st, _ := backup.LoadSettings(h.ui.vault); len(list) != 4 || st.Enabled || !st.LastGood.Equal(h.clock.Now()) || st.LastPath != list[0].Path {
		t.Fatalf("Back up now with the schedule off: %d backups, settings %+v", len(list), st)
	}
	if st := a.sched.Status(); !st.Next.IsZero() || st.LastError != "" {
		t.Errorf("with the schedule turned off: next backup %v, last error %q; want none", st.Next, st.LastError)
	}
	a.enabled.SetChecked(true)

	// Bad input is refused with a reason.
	a.recipients.SetText("not a key")
	if _, err := a.settings(st); err == nil || !strings.Contains(err.Error(), "key on line 1") {
		t.Errorf("a bad key: %v", err)
	}
	a.mode.SetSelected(encryptPassphrase)
	a.pass1.SetText("one")
	a.pass2.SetText("two")
	if _, err := a.settings(st); err == nil || !strings.Contains(err.Error(), "differ") {
		t.Errorf("passphrases that differ: %v", err)
	}

	h.ui.lock()
	if h.ui.auto.sched != nil {
		t.Error("the scheduler was not stopped at lock")
	}
	h.clock.Advance(25 * time.Hour)
	if list, _ := (&backup.Folder{Dir: dir}).List(); len(list) != 4 {
		t.Errorf("%d backups a day after locking, want still 4", len(list))
	}
}

// TestBackupReminder opens a vault whose last backup is 31 days old: the
// window says so at unlock, and the toast's button opens the dialog.
func TestBackupReminder(t *testing.T) {
	dir := t.TempDir()
	makeVault(t, dir, testEntries(t))
	v := newVaultHandle(t, dir)
	if err := backup.SaveSettings(v, backup.Settings{LastGood: t0.Add(-31 * 24 * time.Hour), LastPath: "/media/usb/old.age"}); err != nil {
		t.Fatal(err)
	}
	v.Lock()
	h := newHarness(t, dir)
	h.unlock()
	msg := h.ui.toast.message()
	if !strings.Contains(msg, "No backup since") || !strings.Contains(msg, "/media/usb/old.age") {
		t.Fatalf("toast %q, want the reminder naming the last backup", msg)
	}
	h.ui.toast.onTapAction()
	if h.ui.auto.dialog == nil {
		t.Fatal("the reminder's button did not open the backup settings")
	}
	if !strings.Contains(h.ui.auto.status.Text, "No backup succeeded in the last 30 days") {
		t.Errorf("status %q", h.ui.auto.status.Text)
	}
}

// TestFirstRunSuggestsBackups makes a new vault in the window: after the
// recovery code, the window suggests turning automatic backups on, and
// its button opens the dialog; a later start of the window does not
// suggest it again.
func TestFirstRunSuggestsBackups(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "vault")
	h := newHarness(t, dir)
	s := h.ui.create
	s.pass1.SetText(testPass)
	s.pass2.SetText(testPass)
	test.Tap(s.button)
	test.Tap(s.saved)
	test.Tap(s.cont)
	if !h.ui.unlocked() {
		t.Fatal("not unlocked after creating the vault")
	}
	if msg := h.ui.toast.message(); !strings.Contains(msg, "Automatic backups are off") {
		t.Fatalf("toast %q, want the suggestion to turn automatic backups on", msg)
	}
	h.ui.toast.onTapAction()
	if h.ui.auto.dialog == nil {
		t.Fatal("the suggestion's button did not open the backup settings")
	}
	h.ui.lock()

	h2 := newHarness(t, dir)
	h2.unlock()
	if msg := h2.ui.toast.message(); strings.Contains(msg, "Automatic backups") {
		t.Errorf("the suggestion came again at a later start: %q", msg)
	}
}
