//go:build unix

package vault

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
)

// replaceFile renames tmp to path, replacing the file there atomically.
func replaceFile(tmp, path string) error {
	return os.Rename(tmp, path)
}

// openFile opens path for reading. O_NONBLOCK keeps a FIFO put in place of
// a vault file from blocking the open; readFile then refuses it.
func openFile(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}

// openLockFile opens (making it if missing) the lock file at path for
// writing, without following a symbolic link (O_NOFOLLOW: no check-then-
// open race), and refuses anything but a regular file with no other hard
// link, which writing the PID would truncate.
func openLockFile(path string) (*os.File, error) {
	name := filepath.Base(path)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0o600)
	if errors.Is(err, syscall.ELOOP) || errors.Is(err, syscall.EMLINK) {
		return nil, notRegularError(name, "a symbolic link")
	}
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, notRegularError(name, "not a regular file")
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Nlink > 1 {
		f.Close()
		return nil, notRegularError(name, "a hard link to a file elsewhere")
	}
	return f, nil
}

// isNoSpace reports whether err says the disk or the person's quota is full.
func isNoSpace(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}

// isReadOnly reports whether err says the file system is read-only.
func isReadOnly(err error) bool {
	return errors.Is(err, syscall.EROFS)
}
