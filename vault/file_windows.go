package vault

import (
	"errors"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/windows"
)

// shareWait bounds how long replaceFile and openFile keep trying while
// another process is in the way.
const shareWait = 2 * time.Second

// Windows does not let one process replace a file that another holds open
// (unless it was opened with FILE_SHARE_DELETE, which os.Open does not
// do), nor open a file while another is replacing it. Readers of a vault
// take no lock, so a `tessera list` reading body.age for a moment would
// make the GUI's save fail with "Access is denied", and a save would make
// the reader fail with "The process cannot access the file because it is
// being used by another process". Both sides hold a file for the time of
// one read or rename, so they try again until shareWait has passed.

// replaceFile renames tmp to path, replacing the file there.
func replaceFile(tmp, path string) error {
	return retryShared(func() error { return os.Rename(tmp, path) })
}

// openFile opens path for reading.
func openFile(path string) (f *os.File, err error) {
	err = retryShared(func() error {
		f, err = os.Open(path)
		return err
	})
	return f, err
}

// retryShared calls op until it succeeds, fails otherwise than by another
// process's use of the file, or shareWait has passed.
func retryShared(op func() error) error {
	deadline := time.Now().Add(shareWait)
	pause := time.Millisecond
	for {
		err := op()
		if err == nil || !time.Now().Before(deadline) ||
			!errors.Is(err, windows.ERROR_ACCESS_DENIED) && !errors.Is(err, windows.ERROR_SHARING_VIOLATION) {
			return err
		}
		time.Sleep(pause)
		pause = min(2*pause, 20*time.Millisecond)
	}
}

// openLockFile opens (making it if missing) the lock file at path for
// writing without following a symbolic link or junction
// (FILE_FLAG_OPEN_REPARSE_POINT opens the link itself, which is then
// refused), and refuses anything but a regular file with no other hard
// link, which writing the PID would truncate.
func openLockFile(path string) (*os.File, error) {
	name := filepath.Base(path)
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return nil, err
	}
	var h windows.Handle
	err = retryShared(func() error {
		h, err = windows.CreateFile(p, windows.GENERIC_READ|windows.GENERIC_WRITE,
			windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE, nil, windows.OPEN_ALWAYS,
			windows.FILE_ATTRIBUTE_NORMAL|windows.FILE_FLAG_OPEN_REPARSE_POINT, 0)
		return err
	})
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	var info windows.ByHandleFileInformation
	if err := windows.GetFileInformationByHandle(h, &info); err != nil {
		windows.CloseHandle(h)
		return nil, &os.PathError{Op: "stat", Path: path, Err: err}
	}
	switch {
	case info.FileAttributes&windows.FILE_ATTRIBUTE_REPARSE_POINT != 0:
		windows.CloseHandle(h)
		return nil, notRegularError(name, "a symbolic link")
	case info.FileAttributes&windows.FILE_ATTRIBUTE_DIRECTORY != 0:
		windows.CloseHandle(h)
		return nil, notRegularError(name, "not a regular file")
	case info.NumberOfLinks > 1:
		windows.CloseHandle(h)
		return nil, notRegularError(name, "a hard link to a file elsewhere")
	}
	return os.NewFile(uintptr(h), path), nil
}

// isNoSpace reports whether err says the disk or the person's quota is full.
func isNoSpace(err error) bool {
	return errors.Is(err, windows.ERROR_DISK_FULL) || errors.Is(err, windows.ERROR_HANDLE_DISK_FULL) ||
		errors.Is(err, windows.ERROR_DISK_QUOTA_EXCEEDED)
}

// isReadOnly reports whether err says the medium is read-only.
func isReadOnly(err error) bool {
	return errors.Is(err, windows.ERROR_WRITE_PROTECT)
}
