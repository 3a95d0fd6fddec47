package folder

import (
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/tessera-auth/tessera/vault"
)

// settle is how long a watcher waits after the last change it saw before
// it syncs, so that a burst of writes (a sync tool copying several files)
// makes one sync.
const settle = 250 * time.Millisecond

// Watcher keeps a vault in step with a sync folder while it runs, for a
// program that stays open (the GUI): it syncs when another device's file
// arrives or changes in the folder, about a quarter of a second after the
// last change, and when told that the vault was saved ([Watcher.Saved]).
type Watcher struct {
	v      *vault.Vault
	dir    string
	opts   *Options
	report func(*Report, error)
	fsw    *fsnotify.Watcher
	kick   chan struct{}
	stop   chan struct{}
	done   chan struct{}
	once   sync.Once

	mu   sync.Mutex
	self string // this device's ID, once the first sync told it
}

// Watch syncs v with dir once, then again on every change as [Watcher]
// says, until [Watcher.Close]. Each sync's report, or its error (such as
// [vault.ErrLocked] while the vault is locked), goes to report, called on
// the watcher's own goroutine one at a time.
func Watch(v *vault.Vault, dir string, opts *Options, report func(*Report, error)) (*Watcher, error) {
	if err := checkFolder(dir); err != nil {
		return nil, err
	}
	fsw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, err
	}
	if err := fsw.Add(dir); err != nil {
		fsw.Close()
		return nil, err
	}
	w := &Watcher{v: v, dir: dir, opts: opts, report: report, fsw: fsw,
		kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	w.Saved()
	go w.loop()
	return w, nil
}

// Saved tells the watcher that the vault was saved, so that it publishes
// the change. It does not wait for the sync.
func (w *Watcher) Saved() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// Close stops watching and waits for a sync in progress to end.
func (w *Watcher) Close() error {
	var err error
	w.once.Do(func() {
		close(w.stop)
		err = w.fsw.Close()
		<-w.done
	})
	return err
}

func (w *Watcher) loop() {
	defer close(w.done)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select {
		case <-w.stop:
			timer.Stop()
			return
		case ev, ok := <-w.fsw.Events:
			if !ok {
				return
			}
			if w.relevant(ev.Name) {
				timer.Reset(settle)
			}
		case err, ok := <-w.fsw.Errors:
			if !ok {
				return
			}
			if !errors.Is(err, fsnotify.ErrEventOverflow) {
				w.report(nil, err)
			}
			timer.Reset(settle) // events may be lost: look at everything
		case <-w.kick:
			timer.Reset(settle)
		case <-timer.C:
			rep, err := Sync(w.v, w.dir, w.opts)
			if err == nil {
				w.mu.Lock()
				w.self = rep.Device.ID
				w.mu.Unlock()
			}
			w.report(rep, err)
		}
	}
}

// relevant reports whether a change to the file at path calls for a sync:
// another device's file (or a sync tool's copy of one), not this device's
// own writes nor files still being written.
func (w *Watcher) relevant(path string) bool {
	name := filepath.Base(path)
	if !strings.Contains(name, devicePrefix) || strings.HasPrefix(name, ".tmp-") ||
		strings.HasPrefix(name, ".syncthing.") || strings.HasPrefix(name, "~syncthing~") {
		return false
	}
	w.mu.Lock()
	self := w.self
	w.mu.Unlock()
	return self == "" || name != DeviceFile(self)
}
