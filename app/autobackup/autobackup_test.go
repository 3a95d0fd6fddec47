package autobackup_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/tessera-auth/tessera/app/autobackup"
	"github.com/tessera-auth/tessera/app/clock/clocktest"
	"github.com/tessera-auth/tessera/otp"
	"github.com/tessera-auth/tessera/sync/backup"
	"github.com/tessera-auth/tessera/vault"
)

var start = time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC)

// setup returns an unlocked vault with entries and automatic backups on,
// encrypted to a fresh key, into a new folder; the identity opens them.
func setup(t *testing.T, keep int) (*vault.Vault, string, *age.X25519Identity) {
	t.Helper()
	v, _, err := vault.Create(filepath.Join(t.TempDir(), "v"), "pass phrase", &vault.Options{WorkFactor: 10})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(v.Lock)
	for i := range 3 {
		add(t, v, i)
	}
	id, _ := age.GenerateX25519Identity()
	dir := filepath.Join(t.TempDir(), "backups")
	if err := backup.SaveSettings(v, backup.Settings{Enabled: true, Dir: dir, Keep: keep, Recipients: []string{id.Recipient().String()}}); err != nil {
		t.Fatal(err)
	}
	return v, dir, id
}

func add(t *testing.T, v *vault.Vault, i int) {
	t.Helper()
	_, err := v.Add(vault.Entry{Kind: vault.KindOTP, Issuer: fmt.Sprintf("Issuer %d", i), Account: "me",
		OTP: otp.Credential{Secret: []byte(fmt.Sprintf("auto-backup-secret-%d", i))}})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Save(); err != nil {
		t.Fatal(err)
	}
}

// files returns the backups in dir, oldest first, as times.
func files(t *testing.T, dir string) []time.Time {
	t.Helper()
	list, err := (&backup.Folder{Dir: dir}).List()
	if err != nil {
		t.Fatal(err)
	}
	out := make([]time.Time, len(list))
	for i, s := range list {
		out[len(list)-1-i] = s.Time
	}
	return out
}

// TestSchedule runs the schedule on a fake clock: a first backup at
// start, one after changes but no sooner than an hour after the last, one
// a day when nothing changes, and each backup opens with the key it was
// made for and holds the vault's entries.
func TestSchedule(t *testing.T) {
	v, dir, id := setup(t, 0)
	clk := clocktest.New(start)
	var results []autobackup.Status
	s := autobackup.New(clk, v, "tessera test", func(st autobackup.Status) { results = append(results, st) })
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	clk.Advance(0)
	if got := files(t, dir); len(got) != 1 || !got[0].Equal(start) {
		t.Fatalf("after start: backups at %v, want one at %v", got, start)
	}
	if st := s.Status(); !st.LastGood.Equal(start) || st.Overdue || st.LastError != "" || !st.Next.Equal(start.Add(24*time.Hour)) {
		t.Errorf("status %+v", st)
	}

	// A change 10 minutes later: backed up an hour after the last one.
	clk.Advance(10 * time.Minute)
	add(t, v, 10)
	s.Changed()
	clk.Advance(49 * time.Minute)
	if n := len(files(t, dir)); n != 1 {
		t.Fatalf("%d backups 59 minutes after the first, want 1 (at most one an hour)", n)
	}
	clk.Advance(time.Minute)
	got := files(t, dir)
	if len(got) != 2 || !got[1].Equal(start.Add(time.Hour)) {
		t.Fatalf("backups at %v, want the second at %v", got, start.Add(time.Hour))
	}
	// Many changes within the hour make one backup.
	for i := range 5 {
		clk.Advance(5 * time.Minute)
		add(t, v, 20+i)
		s.Changed()
	}
	clk.Advance(35 * time.Minute)
	if got := files(t, dir); len(got) != 3 || !got[2].Equal(start.Add(2*time.Hour)) {
		t.Fatalf("after 5 changes in an hour: backups at %v, want a third at %v", got, start.Add(2*time.Hour))
	}
	// Nothing changes: one a day.
	clk.Advance(3 * 24 * time.Hour)
	got = files(t, dir)
	if len(got) != 6 || !got[5].Equal(start.Add(2*time.Hour+72*time.Hour)) {
		t.Fatalf("after 3 quiet days: backups at %v", got)
	}
	if len(results) != 6 {
		t.Errorf("onResult called %d times, want 6", len(results))
	}

	// The newest opens with the key, and holds every entry.
	list, _ := (&backup.Folder{Dir: dir}).List()
	fh, err := os.Open(list[0].Path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	f, err := backup.Read(fh, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Entries) != len(v.Entries()) || f.App != "tessera test" {
		t.Errorf("the backup holds %d entries by %q, want %d", len(f.Entries), f.App, len(v.Entries()))
	}

	// Stopped: nothing more.
	s.Stop()
	clk.Advance(3 * 24 * time.Hour)
	if n := len(files(t, dir)); n != 6 {
		t.Errorf("%d backups after Stop, want still 6", n)
	}
}

// TestPruning finds a folder of daily backups of 14 months (copies of a
// real one, named by day) and keeps 5: after its next backup, the folder
// holds the newest 5 and the newest of each month of the last 12.
func TestPruning(t *testing.T) {
	v, dir, _ := setup(t, 5)
	clk := clocktest.New(start)
	s := autobackup.New(clk, v, "tessera test", nil)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	clk.Advance(0)
	list, _ := (&backup.Folder{Dir: dir}).List()
	one, err := os.ReadFile(list[0].Path)
	if err != nil {
		t.Fatal(err)
	}
	end := start.AddDate(0, 14, 0)
	for d := start.AddDate(0, 0, 1); d.Before(end); d = d.AddDate(0, 0, 1) {
		name := filepath.Join(dir, "tessera-backup-"+d.Format("20060102T150405Z")+".age")
		if err := os.WriteFile(name, one, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// Stopped, so that only the backup below runs.
	s.Stop()
	clk.Set(end)
	if _, err := s.RunNow(); err != nil {
		t.Fatal(err)
	}
	got := files(t, dir)
	// Newest 5: Mar 6 to Mar 10, 2027 (March's newest among them);
	// monthly: Feb 2027 back to Apr 2026, the newest of each (11).
	if len(got) != 16 {
		t.Fatalf("%d backups kept, want 16: %v", len(got), got)
	}
	for _, m := range got[:11] {
		last := time.Date(m.Year(), m.Month()+1, 1, 9, 0, 0, 0, time.UTC).AddDate(0, 0, -1)
		if !m.Equal(last) {
			t.Errorf("monthly backup %v is not its month's newest (%v)", m, last)
		}
	}
	if first := got[0]; first.Before(time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("kept %v, older than 12 months", first)
	}
	if !got[15].Equal(end) {
		t.Errorf("newest %v, want %v", got[15], end)
	}
}

// TestFailureKeepsBackupsAndReminds makes the backup folder unusable
// after two good backups: the failures are recorded, retried after 1, 2,
// 4... hours up to a day, the good backups stay, and 30 days after the
// last good one the reminder is due; a good backup ends it.
func TestFailureKeepsBackupsAndReminds(t *testing.T) {
	v, dir, _ := setup(t, 0)
	clk := clocktest.New(start)
	s := autobackup.New(clk, v, "tessera test", nil)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	clk.Advance(0)
	clk.Advance(24 * time.Hour)
	good := files(t, dir)
	if len(good) != 2 {
		t.Fatalf("%d backups, want 2", len(good))
	}
	lastGood := start.Add(24 * time.Hour)

	// The folder's place is taken by a file: every try fails.
	moved := dir + ".moved"
	if err := os.Rename(dir, moved); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir, []byte("not a folder"), 0o600); err != nil {
		t.Fatal(err)
	}
	clk.Advance(24 * time.Hour)
	st := s.Status()
	if st.LastError == "" || !st.LastFailed.Equal(start.Add(48*time.Hour)) || !st.LastGood.Equal(lastGood) {
		t.Fatalf("after a failure: %+v", st)
	}
	if want := start.Add(49 * time.Hour); !st.Next.Equal(want) {
		t.Errorf("next try %v, want an hour later (%v)", st.Next, want)
	}
	clk.Advance(time.Hour)
	if want := start.Add(51 * time.Hour); !s.Status().Next.Equal(want) {
		t.Errorf("after a second failure the next try is %v, want two hours later (%v)", s.Status().Next, want)
	}
	clk.Set(lastGood.Add(30*24*time.Hour - time.Minute))
	if s.Status().Overdue {
		t.Error("reminder due before 30 days without a good backup")
	}
	clk.Set(lastGood.Add(30 * 24 * time.Hour))
	st = s.Status()
	if !st.Overdue || !strings.Contains(st.LastError, "backup folder") {
		t.Errorf("30 days after the last good backup: %+v, want the reminder and the error", st)
	}
	if next := st.Next.Sub(st.LastFailed); next != autobackup.Daily {
		t.Errorf("retry interval after many failures %v, want a day", next)
	}

	// The good backups were never pruned by the failing ones.
	os.Remove(dir)
	if err := os.Rename(moved, dir); err != nil {
		t.Fatal(err)
	}
	if got := files(t, dir); len(got) != 2 || !got[1].Equal(lastGood) {
		t.Fatalf("the good backups are %v, want the 2 made before the failures", got)
	}
	if _, err := s.RunNow(); err != nil {
		t.Fatal(err)
	}
	if st := s.Status(); st.Overdue || st.LastError != "" || !st.LastGood.Equal(clk.Now()) {
		t.Errorf("after a good backup: %+v", st)
	}
}

// TestOffRemindsToo: with automatic backups off nothing is written, and
// the reminder comes 30 days after the last backup (here, one made with
// tessera backup, which records its time).
func TestOffRemindsToo(t *testing.T) {
	v, dir, _ := setup(t, 0)
	st, _ := backup.LoadSettings(v)
	st.Enabled, st.LastGood = false, start
	if err := backup.SaveSettings(v, st); err != nil {
		t.Fatal(err)
	}
	clk := clocktest.New(start)
	s := autobackup.New(clk, v, "tessera test", nil)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	s.Changed()
	clk.Advance(29 * 24 * time.Hour)
	if _, err := os.Stat(dir); err == nil {
		t.Error("a backup folder was made with automatic backups off")
	}
	if s.Status().Overdue {
		t.Error("reminder before 30 days")
	}
	clk.Advance(24 * time.Hour)
	if !s.Status().Overdue {
		t.Error("no reminder after 30 days without a backup")
	}
	if clk.Pending() != 0 {
		t.Errorf("%d timers pending with backups off", clk.Pending())
	}
}

// TestReminderCountsFromFirstStart: a vault never backed up is not
// overdue at once; the reminder comes 30 days after the scheduler first
// saw it, and survives a restart of the scheduler (a new window).
func TestReminderCountsFromFirstStart(t *testing.T) {
	v, _, _ := setup(t, 0)
	st, _ := backup.LoadSettings(v)
	st.Enabled = false
	if err := backup.SaveSettings(v, st); err != nil {
		t.Fatal(err)
	}
	clk := clocktest.New(start)
	s := autobackup.New(clk, v, "tessera test", nil)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	if st := s.Status(); st.Overdue || !st.LastGood.IsZero() {
		t.Fatalf("a vault seen for the first time: %+v, want no reminder", st)
	}
	s.Stop()
	clk.Advance(20 * 24 * time.Hour)
	s = autobackup.New(clk, v, "tessera test", nil)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	clk.Advance(10*24*time.Hour - time.Second)
	if s.Status().Overdue {
		t.Error("reminder before 30 days")
	}
	clk.Advance(time.Second)
	if !s.Status().Overdue {
		t.Error("no reminder 30 days after the vault was first seen without a backup")
	}
}

// TestLockedVaultWritesNothing: a backup due while the vault is locked
// writes nothing (an empty backup would pass for the newest good one) and
// records no failure.
func TestLockedVaultWritesNothing(t *testing.T) {
	v, dir, _ := setup(t, 0)
	clk := clocktest.New(start)
	s := autobackup.New(clk, v, "tessera test", nil)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	v.Lock()
	clk.Advance(0)
	if _, err := s.RunNow(); err == nil {
		t.Error("a backup of a locked vault reported success")
	}
	if _, err := os.Stat(dir); err == nil {
		t.Error("a backup was written while the vault was locked")
	}
}
