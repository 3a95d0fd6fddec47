// Package autobackup makes Tessera's automatic backups while a vault is
// unlocked: after changes (at most once an hour) and once a day, into the
// folder that the vault's backup settings name (sync/backup.Settings),
// each one verified before older ones are pruned. It keeps the state the
// window shows: the last good backup, the last failure, and whether to
// remind the person that no backup succeeded for 30 days.
//
// Time comes from an [clock.Clock], so that tests run days of schedule
// with a fake clock and no sleeping.
package autobackup

import (
	"errors"
	"sync"
	"time"

	"github.com/tessera-auth/tessera/app/clock"
	"github.com/tessera-auth/tessera/sync/backup"
	"github.com/tessera-auth/tessera/vault"
)

// Intervals of the schedule.
const (
	// MinInterval is the least time between two backups made after
	// changes.
	MinInterval = time.Hour
	// Daily is the time between backups when nothing changes.
	Daily = 24 * time.Hour
	// FirstRetry is how long after a failure the next try comes; each
	// further failure doubles it, up to Daily.
	FirstRetry = time.Hour
)

// Status is what the window shows of automatic backups.
type Status struct {
	Enabled    bool
	Dir        string
	LastGood   time.Time // the last backup written and verified (automatic or not); zero if none
	LastPath   string
	LastError  string // why the last automatic backup failed; empty after a success
	LastFailed time.Time
	// Overdue is set when no backup succeeded in the last 30 days (see
	// backup.Settings.Overdue): the window reminds the person.
	Overdue bool
	// Next is when the next automatic backup is due; zero when none is.
	Next time.Time
}

// Scheduler runs the automatic backups of one unlocked vault. Start it
// when the vault is unlocked, tell it of every save with Changed, and
// Stop it before locking. Its methods are safe for concurrent use.
type Scheduler struct {
	clock    clock.Clock
	vault    *vault.Vault
	app      string
	onResult func(Status)

	runMu sync.Mutex // one backup at a time

	mu       sync.Mutex
	running  bool
	timer    clock.Timer
	gen      int       // counts timers, so that a replaced one does nothing
	next     time.Time // when timer fires
	lastRun  time.Time // the last attempt
	dirty    bool      // changes since the last backup
	failures int       // failed attempts in a row
}

// New returns a stopped scheduler for v. app names the program in each
// backup ("tessera 1.2.0"); onResult, if not nil, is called with the new
// status after each attempt, from the goroutine the clock runs it on.
func New(c clock.Clock, v *vault.Vault, app string, onResult func(Status)) *Scheduler {
	return &Scheduler{clock: c, vault: v, app: app, onResult: onResult}
}

// Start reads the vault's settings and schedules the next backup: now if
// the last good one is a day old or there is none, else a day after it.
// With automatic backups off it schedules nothing, but Status still
// reports the reminder, which counts from the first Start on a vault
// never backed up.
func (s *Scheduler) Start() error {
	st, err := backup.LoadSettings(s.vault)
	if err != nil {
		return err
	}
	if st.Since.IsZero() && st.LastGood.IsZero() {
		st.Since = s.clock.Now().UTC()
		if err := backup.SaveSettings(s.vault, st); err != nil {
			return err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.running = true
	s.lastRun = st.LastGood
	if st.Enabled {
		s.scheduleLocked(st.LastGood.Add(Daily))
	}
	return nil
}

// Stop cancels the pending backup. A backup already running finishes.
func (s *Scheduler) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.running = false
	if s.timer != nil {
		s.timer.Stop()
		s.timer, s.next = nil, time.Time{}
	}
}

// Changed tells the scheduler that the vault was saved with changes: a
// backup follows, an hour after the last one at the soonest.
func (s *Scheduler) Changed() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dirty = true
	if !s.running || s.failures > 0 {
		// After a failure the retry timer stands: changes do not make
		// a failing backup try more often.
		return
	}
	if st, err := backup.LoadSettings(s.vault); err != nil || !st.Enabled {
		return
	}
	s.scheduleLocked(s.lastRun.Add(MinInterval))
}

// SettingsChanged reads the settings again (after the window changed
// them) and reschedules: turning backups on makes one soon.
func (s *Scheduler) SettingsChanged() error {
	s.Stop()
	s.mu.Lock()
	s.failures, s.dirty = 0, true
	s.mu.Unlock()
	return s.Start()
}

// scheduleLocked makes sure a backup runs at t (or now, if t has passed)
// or earlier. The caller holds s.mu.
func (s *Scheduler) scheduleLocked(t time.Time) {
	now := s.clock.Now()
	if t.Before(now) {
		t = now
	}
	if s.timer != nil && !s.next.After(t) {
		return
	}
	if s.timer != nil {
		s.timer.Stop()
	}
	s.next = t
	s.gen++
	gen := s.gen
	s.timer = s.clock.AfterFunc(t.Sub(now), func() { s.fire(gen) })
}

// fire runs a backup for the timer numbered gen, unless it was replaced
// or stopped.
func (s *Scheduler) fire(gen int) {
	s.mu.Lock()
	if !s.running || s.timer == nil || s.gen != gen {
		s.mu.Unlock()
		return
	}
	s.timer, s.next = nil, time.Time{}
	s.mu.Unlock()
	s.run()
}

// RunNow makes a backup now, whatever the schedule ("Back up now" in the
// settings), and reschedules after it.
func (s *Scheduler) RunNow() (backup.Stored, error) {
	s.mu.Lock()
	if s.timer != nil {
		s.timer.Stop()
		s.timer, s.next = nil, time.Time{}
	}
	s.mu.Unlock()
	return s.run()
}

// errLocked is returned when the vault locked before a backup could run.
var errLocked = errors.New("the vault is locked")

// errOff is returned by RunNow when automatic backups are off.
var errOff = errors.New("automatic backups are off")

// run makes one backup, records the outcome in the settings, and
// schedules the next one.
func (s *Scheduler) run() (backup.Stored, error) {
	s.runMu.Lock()
	defer s.runMu.Unlock()
	if s.vault.Locked() {
		return backup.Stored{}, errLocked
	}
	st, err := backup.LoadSettings(s.vault)
	if err != nil {
		return backup.Stored{}, err
	}
	if !st.Enabled {
		// Turned off since this backup was scheduled: nothing failed.
		return backup.Stored{}, errOff
	}
	now := s.clock.Now()
	stored, err := s.write(&st, now)
	if errors.Is(err, errLocked) {
		// Locked meanwhile: nothing was written, nothing failed.
		return stored, err
	}
	if err == nil {
		st.LastGood, st.LastPath, st.LastError, st.LastFailed = now.UTC(), stored.Path, "", time.Time{}
	} else {
		st.LastError, st.LastFailed = err.Error(), now.UTC()
	}
	saveErr := backup.SaveSettings(s.vault, st)

	s.mu.Lock()
	s.lastRun = now
	if err == nil {
		s.failures, s.dirty = 0, false
	} else {
		s.failures++
	}
	if s.running && st.Enabled {
		s.scheduleLocked(now.Add(s.waitLocked()))
	}
	s.mu.Unlock()
	if s.onResult != nil {
		s.onResult(s.Status())
	}
	if err == nil {
		err = saveErr
	}
	return stored, err
}

// write writes a backup of the vault's entries as the settings say.
func (s *Scheduler) write(st *backup.Settings, now time.Time) (backup.Stored, error) {
	f, err := st.Folder()
	if err != nil {
		return backup.Stored{}, err
	}
	entries := s.vault.Entries()
	if s.vault.Locked() {
		// Entries gave nothing because the vault locked: an empty backup
		// would count as the newest good one.
		return backup.Stored{}, errLocked
	}
	file := &backup.File{Created: now, App: s.app, Entries: entries}
	return f.Write(file, now)
}

// waitLocked is the time until the next backup after one just ran.
func (s *Scheduler) waitLocked() time.Duration {
	if s.failures == 0 {
		return Daily
	}
	d := FirstRetry
	for i := 1; i < s.failures && d < Daily; i++ {
		d *= 2
	}
	return min(d, Daily)
}

// Status returns what the window shows: the settings' record of the last
// backups, the reminder, and the next backup due.
func (s *Scheduler) Status() Status {
	st, err := backup.LoadSettings(s.vault)
	now := s.clock.Now()
	out := Status{Enabled: st.Enabled, Dir: st.Dir, LastGood: st.LastGood, LastPath: st.LastPath,
		LastError: st.LastError, LastFailed: st.LastFailed, Overdue: st.Overdue(now)}
	if err != nil {
		out.LastError = err.Error()
	}
	s.mu.Lock()
	out.Next = s.next
	s.mu.Unlock()
	return out
}
