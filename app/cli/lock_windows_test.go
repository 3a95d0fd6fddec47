package cli_test

import (
	"os"

	"golang.org/x/sys/windows"
)

// lockFile takes the lock vault/lock_windows.go takes: one byte, exclusive,
// at offset 1 MiB (its lockOffset), beyond the PID text. Were the two to
// differ, busy.txtar would see the vault write go through and fail.
func lockFile(f *os.File) error {
	return windows.LockFileEx(windows.Handle(f.Fd()),
		windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0,
		&windows.Overlapped{Offset: 1 << 20})
}
