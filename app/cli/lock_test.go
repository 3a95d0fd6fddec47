//go:build unix || windows

package cli_test

import (
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/rogpeppe/go-internal/testscript"
)

// heldLocks are the lock files holdlock opened, by vault folder; scripts
// run in parallel.
var (
	heldMu    sync.Mutex
	heldLocks = map[string]*os.File{}
)

// holdLock takes the write lock of the vault in args[0] the way the vault
// package does (lockFile is the OS's file lock) and writes this process's
// PID into the lock file, as a writer in the middle of a save would.
func holdLock(ts *testscript.TestScript, neg bool, args []string) {
	dir := ts.MkAbs(args[0])
	f, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_RDWR|os.O_CREATE, 0o600)
	ts.Check(err)
	ts.Check(lockFile(f))
	ts.Check(f.Truncate(0))
	_, err = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	ts.Check(err)
	heldMu.Lock()
	heldLocks[dir] = f
	heldMu.Unlock()
	ts.Setenv("LOCKPID", strconv.Itoa(os.Getpid()))
	ts.Defer(func() { f.Close() })
}

// releaseLock drops the lock holdLock took on args[0] by closing the file,
// which drops the OS lock.
func releaseLock(ts *testscript.TestScript, neg bool, args []string) {
	dir := ts.MkAbs(args[0])
	heldMu.Lock()
	f := heldLocks[dir]
	delete(heldLocks, dir)
	heldMu.Unlock()
	if f == nil {
		ts.Fatalf("no lock held on %s", args[0])
	}
	ts.Check(f.Close())
}
