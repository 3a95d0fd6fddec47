package vault

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// DefaultLockWait is how long a write waits for another process to finish
// its own write before giving up with [ErrBusy].
const DefaultLockWait = 5 * time.Second

// errWouldBlock is returned by tryLock when another open file holds the lock.
var errWouldBlock = errors.New("lock held elsewhere")

// writeLock is the vault's single-writer lock, held for one write only: an
// OS file lock (flock, LockFileEx) on the lock file, which holds the holder's
// PID for messages. The OS drops the lock when its holder dies, so a lock
// left by a dead process is simply taken over.
type writeLock struct {
	f *os.File
}

// lockWrite takes the write lock of the vault in dir, waiting up to wait.
func lockWrite(dir string, wait time.Duration) (*writeLock, error) {
	path := filepath.Join(dir, lockFile)
	f, err := openLockFile(path)
	if err != nil && (isReadOnly(err) || isNoSpace(err)) {
		return nil, fmt.Errorf("%w: the vault's folder %s cannot be written (%v); make it writable (or free some space), or copy the vault elsewhere", ErrStorage, dir, err)
	}
	if err != nil {
		return nil, fmt.Errorf("opening lock file: %w", err)
	}
	deadline := time.Now().Add(wait)
	pause := time.Millisecond
	for {
		err := tryLock(f)
		if err == nil {
			break
		}
		if !errors.Is(err, errWouldBlock) {
			f.Close()
			return nil, fmt.Errorf("locking %s: %w", path, err)
		}
		if !time.Now().Before(deadline) {
			pid := readLockPID(path)
			f.Close()
			return nil, &BusyError{LockFile: path, PID: pid}
		}
		time.Sleep(pause)
		pause = min(2*pause, 20*time.Millisecond)
	}
	// Record our PID for the message another process may show.
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &writeLock{f: f}, nil
}

// release drops the lock. It is safe to call on a nil lock.
func (l *writeLock) release() {
	if l == nil || l.f == nil {
		return
	}
	l.f.Truncate(0)
	unlock(l.f)
	l.f.Close()
	l.f = nil
}

func readLockPID(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}
