package vault

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// tempPrefix starts the names of files being written; a crash may leave
// them behind, and the next write removes them.
const tempPrefix = ".tmp-"

// dirSynced, if set, is told of every folder that syncDir syncs (tests).
var dirSynced func(dir string)

// writeFile writes data to dir/name atomically and durably: a temporary file
// beside the target, fsync, rename, fsync of the folder. A crash at any
// instant leaves the old file or the new one, never a mix.
func writeFile(dir, name string, data []byte) (err error) {
	if err := notLinked(dir, name); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, tempPrefix+name+"-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := f.Chmod(0o600); err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	if err := replaceFile(tmp, filepath.Join(dir, name)); err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("writing %s: syncing folder: %w", name, err)
	}
	return nil
}

// notLinked refuses to replace dir/name if it is a symbolic link (or
// anything but a regular file): a write replaces the file, which would cut
// the link and leave the linked copy stale without a word.
func notLinked(dir, name string) error {
	fi, err := os.Lstat(filepath.Join(dir, name))
	if err != nil || fi.Mode().IsRegular() {
		return nil
	}
	what := "not a regular file"
	if fi.Mode()&fs.ModeSymlink != 0 {
		what = "a symbolic link"
	}
	return fmt.Errorf("%s is %s, and a save replaces it, which would cut the link: move the file itself into the vault folder (the folder may be a link); nothing was written", name, what)
}

// notRegularError says that the vault file name is what (a symbolic link,
// a hard link, not a regular file), which a write would go through to
// reach a file outside the vault.
func notRegularError(name, what string) error {
	return fmt.Errorf("%s is %s, and Tessera never writes a vault file through a link or into anything but a file of its own: remove %s (the next write makes it anew) or put the file itself in its place; nothing was written", name, what, name)
}

// mkdirDurable makes dir and any missing parents with mode perm, and syncs
// the folder holding each folder it made, so that they survive a power cut.
func mkdirDurable(dir string, perm fs.FileMode) error {
	var made []string
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		if _, err := os.Lstat(d); err == nil || filepath.Dir(d) == d {
			break
		}
		made = append(made, d)
	}
	if err := os.MkdirAll(dir, perm); err != nil {
		return err
	}
	for _, d := range made {
		if err := syncDir(filepath.Dir(d)); err != nil {
			return err
		}
	}
	return nil
}

// realDir reports whether dir is a folder, not a link to one: the vault
// folder's own subfolders are only read and cleaned if they are.
func realDir(dir string) bool {
	fi, err := os.Lstat(dir)
	return err == nil && fi.IsDir()
}

// mkdirInVault makes dir, a folder inside the vault folder (backups,
// sealed), if missing, refusing a symbolic link or anything but a folder in
// its place: writes into it would land outside the vault.
func mkdirInVault(dir string) error {
	fi, err := os.Lstat(dir)
	if err == nil && !fi.IsDir() {
		what := "not a folder"
		if fi.Mode()&fs.ModeSymlink != 0 {
			what = "a symbolic link"
		}
		name := filepath.Base(dir)
		return fmt.Errorf("%s is %s, and Tessera never writes vault files through a link: remove %s (the next write makes it anew) or put the folder itself in its place; nothing was written", name, what, name)
	}
	return mkdirDurable(dir, 0o700)
}

// removeTemps deletes what interrupted writes left behind. Only a holder of
// the write lock may call it.
func removeTemps(dir string) {
	for _, d := range []string{dir, filepath.Join(dir, backupDir)} {
		if !realDir(d) {
			continue
		}
		ents, _ := os.ReadDir(d)
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), tempPrefix) {
				os.Remove(filepath.Join(d, e.Name()))
			}
		}
	}
}

// removeLeftovers deletes what interrupted writes left behind: temporary
// files, and slot files the manifest does not list (a passphrase change cut
// short after its manifest was written leaves the old slot, which the old
// passphrase still opens). Only a holder of the write lock, with the
// manifest just read or written, may call it.
func (v *Vault) removeLeftovers() {
	removeTemps(v.dir)
	// The plain record of older versions misleads once state.age exists.
	os.Remove(filepath.Join(v.dir, generationFile))
	listed := make(map[string]bool, len(v.man.Slots))
	for _, s := range v.man.Slots {
		listed[s.File] = true
	}
	ents, _ := os.ReadDir(v.dir)
	removed := false
	for _, e := range ents {
		if name := e.Name(); validSlotFile(name) && !listed[name] {
			removed = os.Remove(filepath.Join(v.dir, name)) == nil || removed
		}
	}
	if removed {
		syncDir(v.dir)
	}
}

// readFile reads dir/name, refusing more than max bytes.
func readFile(dir, name string, max int64) ([]byte, error) {
	f, err := openFile(filepath.Join(dir, name))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, damaged(name, "is not a regular file (a %s)", fileKind(fi.Mode()))
	}
	size := int64(512)
	if fi.Size() > 0 {
		size = fi.Size() + 1
	}
	if size > max+1 {
		return nil, damaged(name, "is larger than %d bytes", max)
	}
	b := make([]byte, 0, size)
	for {
		n, err := f.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if int64(len(b)) > max {
			return nil, damaged(name, "is larger than %d bytes", max)
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
	}
	return b, nil
}

// fileKind names what a file of mode m is, for messages.
func fileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "folder"
	case m&fs.ModeNamedPipe != 0:
		return "FIFO"
	case m&fs.ModeSymlink != 0:
		return "symbolic link"
	case m&fs.ModeDevice != 0:
		return "device"
	case m&fs.ModeSocket != 0:
		return "socket"
	}
	return "special file"
}

// validSlotFile reports whether name is a plain slot file name, with no path.
func validSlotFile(name string) bool {
	if !strings.HasPrefix(name, "slot-") || !strings.HasSuffix(name, ".age") || len(name) > 100 {
		return false
	}
	for _, c := range name {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return !strings.Contains(name, "..")
}

// linkFile is os.Link; tests make it fail as it fails on file systems
// without hard links.
var linkFile = os.Link

// keepFile makes dir/name (dir is made if missing) a durable copy of the
// file at src: a hard link, or where links fail (FAT and exFAT have none;
// Linux's vfat refuses them with EPERM) a copy written as writeFile writes.
// The error wraps fs.ErrNotExist if src does not exist.
func keepFile(src, dir, name string) error {
	if err := mkdirInVault(dir); err != nil {
		return err
	}
	if err := linkFile(src, filepath.Join(dir, name)); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return err
		}
		data, err := readFile(filepath.Dir(src), filepath.Base(src), maxBodySize)
		if err != nil {
			return err
		}
		if err := writeFile(dir, name, data); err != nil {
			return err
		}
	}
	return syncDir(dir)
}

// sameContent reports whether the regular files at a and b hold the same
// bytes (or are the same file).
func sameContent(a, b string) bool {
	fa, errA := os.Lstat(a)
	fb, errB := os.Lstat(b)
	if errA != nil || errB != nil || !fa.Mode().IsRegular() || !fb.Mode().IsRegular() || fa.Size() != fb.Size() {
		return false
	}
	if os.SameFile(fa, fb) {
		return true
	}
	ca, errA := readFile(filepath.Dir(a), filepath.Base(a), maxBodySize)
	cb, errB := readFile(filepath.Dir(b), filepath.Base(b), maxBodySize)
	return errA == nil && errB == nil && bytes.Equal(ca, cb)
}
