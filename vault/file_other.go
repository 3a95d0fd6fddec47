//go:build !windows

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
