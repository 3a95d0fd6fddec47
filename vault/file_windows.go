package vault

import (
	"errors"
	"os"
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
