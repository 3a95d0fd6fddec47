//go:build unix

package cli_test

import (
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"

	"github.com/rogpeppe/go-internal/testscript"
)

// heldLocks are the lock files holdlock opened, by vault folder; scripts
// run in parallel.
var (
	heldMu    sync.Mutex
	heldLocks = map[string]*os.File{}
)

func holdLock(ts *testscript.TestScript, neg bool, args []string) {
	dir := ts.MkAbs(args[0])
	f, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_RDWR|os.O_CREATE, 0o600)
	ts.Check(err)
	ts.Check(syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB))
	ts.Check(f.Truncate(0))
	_, err = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	ts.Check(err)
	heldMu.Lock()
	heldLocks[dir] = f
	heldMu.Unlock()
	ts.Setenv("LOCKPID", strconv.Itoa(os.Getpid()))
	ts.Defer(func() { f.Close() })
}

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
