//go:build unix

package cli_test

import (
	"os"
	"syscall"
)

// lockFile takes the lock vault/lock_unix.go takes: flock, exclusive.
func lockFile(f *os.File) error {
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
}
