//go:build !unix && !windows

package vault

import "os"

// replaceFile renames tmp to path, replacing the file there atomically.
func replaceFile(tmp, path string) error {
	return os.Rename(tmp, path)
}

// openFile opens path for reading.
func openFile(path string) (*os.File, error) {
	return os.Open(path)
}

// openLockFile opens (making it if missing) the lock file at path for
// writing. This system has no file locks, so nothing is written to it.
func openLockFile(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
}

// isNoSpace reports whether err says the disk is full.
func isNoSpace(err error) bool { return false }

// isReadOnly reports whether err says the file system is read-only.
func isReadOnly(err error) bool { return false }
