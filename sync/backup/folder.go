package backup

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"filippo.io/age"
)

// DefaultKeep is how many of the newest automatic backups a [Folder]
// keeps, besides one a month for a year.
const DefaultKeep = 30

// MonthsKept is for how many months, the current one included, a [Folder]
// keeps the newest backup of each month.
const MonthsKept = 12

// Names of automatic backups: tessera-backup-20260102T150405Z.age.
const (
	folderPrefix = "tessera-backup-"
	folderSuffix = ".age"
	nameTime     = "20060102T150405Z"
	tempPrefix   = ".tmp-" + folderPrefix
)

// Folder is a folder of automatic backups, named by the time they were
// made.
type Folder struct {
	Dir string
	// Options say how each backup is encrypted.
	Options Options
	// Verify opens what Options encrypt: each new backup is decrypted and
	// decoded with it before older ones are pruned. For a passphrase, it
	// is age.NewScryptIdentity of it.
	Verify age.Identity
	// Keep is how many of the newest backups stay; zero means
	// [DefaultKeep].
	Keep int
}

// Stored is one backup in a [Folder].
type Stored struct {
	Path string
	Time time.Time // when it was made, from its name
	Size int64
}

// List returns the folder's backups, newest first. Files whose names are
// not those of automatic backups are left alone.
func (f *Folder) List() ([]Stored, error) {
	ents, err := os.ReadDir(f.Dir)
	if err != nil {
		return nil, fmt.Errorf("listing backups: %w", err)
	}
	var out []Stored
	for _, e := range ents {
		t, ok := parseFolderName(e.Name())
		if !ok || !e.Type().IsRegular() {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue
		}
		out = append(out, Stored{Path: filepath.Join(f.Dir, e.Name()), Time: t, Size: fi.Size()})
	}
	slices.SortFunc(out, func(a, b Stored) int { return b.Time.Compare(a.Time) })
	return out, nil
}

func folderName(t time.Time) string {
	return folderPrefix + t.UTC().Format(nameTime) + folderSuffix
}

func parseFolderName(name string) (time.Time, bool) {
	s, ok := strings.CutPrefix(name, folderPrefix)
	if !ok {
		return time.Time{}, false
	}
	s, ok = strings.CutSuffix(s, folderSuffix)
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(nameTime, s)
	return t, err == nil
}

// VerifyError is returned by [Folder.Write] when the backup it wrote did
// not read back; the file was removed and older backups were kept.
type VerifyError struct{ Err error }

func (e *VerifyError) Error() string {
	return "the new backup did not read back, so it was removed and older backups were kept: " + e.Err.Error()
}

func (e *VerifyError) Unwrap() error { return e.Err }

// Write writes a backup of file made at now into the folder (created with
// mode 0700 if missing), reads it back with f.Verify and checks that it
// holds the same entries, and only then removes backups that [Keep] no
// longer keeps. A backup that does not read back is removed and returned
// as a [*VerifyError], and nothing is pruned.
func (f *Folder) Write(file *File, now time.Time) (Stored, error) {
	if err := os.MkdirAll(f.Dir, 0o700); err != nil {
		return Stored{}, fmt.Errorf("backup folder: %w", err)
	}
	plain, err := Encode(file)
	if err != nil {
		return Stored{}, err
	}
	defer clear(plain)
	tmp, err := os.CreateTemp(f.Dir, tempPrefix+"*")
	if err != nil {
		return Stored{}, fmt.Errorf("backup folder: %w", err)
	}
	defer os.Remove(tmp.Name())
	werr := Encrypt(tmp, plain, f.Options)
	if werr == nil {
		werr = tmp.Sync()
	}
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return Stored{}, fmt.Errorf("writing backup: %w", werr)
	}
	if err := f.verify(tmp.Name(), plain); err != nil {
		return Stored{}, &VerifyError{Err: err}
	}
	name := folderName(now)
	for i := 2; ; i++ {
		if _, err := os.Lstat(filepath.Join(f.Dir, name)); errors.Is(err, fs.ErrNotExist) {
			break
		}
		// Two backups within one second: the later one waits a second in
		// its name, so that names keep the order.
		name = folderName(now.Add(time.Duration(i-1) * time.Second))
	}
	path := filepath.Join(f.Dir, name)
	if err := os.Rename(tmp.Name(), path); err != nil {
		return Stored{}, fmt.Errorf("writing backup: %w", err)
	}
	syncDir(f.Dir)
	fi, err := os.Stat(path)
	if err != nil {
		return Stored{}, err
	}
	t, _ := parseFolderName(name)
	if _, err := f.Prune(now); err != nil {
		return Stored{Path: path, Time: t, Size: fi.Size()}, err
	}
	return Stored{Path: path, Time: t, Size: fi.Size()}, nil
}

// verify reads the backup at path back and compares it with plain.
func (f *Folder) verify(path string, plain []byte) error {
	if f.Verify == nil {
		return errors.New("no identity to verify the backup with")
	}
	fh, err := os.Open(path)
	if err != nil {
		return err
	}
	defer fh.Close()
	got, err := Decrypt(fh, f.Verify)
	if err != nil {
		return err
	}
	defer clear(got)
	if _, err := Decode(got); err != nil {
		return err
	}
	if !bytes.Equal(got, plain) {
		return errors.New("its content differs from what was written")
	}
	return nil
}

// Prune removes the backups that [Keep] does not keep at now, and returns
// their paths.
func (f *Folder) Prune(now time.Time) ([]string, error) {
	list, err := f.List()
	if err != nil {
		return nil, err
	}
	times := make([]time.Time, len(list))
	for i := range list {
		times[i] = list[i].Time
	}
	keep := Keep(times, now, f.Keep)
	var removed []string
	for i, s := range list {
		if keep[i] {
			continue
		}
		if err := os.Remove(s.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return removed, fmt.Errorf("pruning backups: %w", err)
		}
		removed = append(removed, s.Path)
	}
	// Temporary files of writes a crash cut short are never backups.
	if ents, err := os.ReadDir(f.Dir); err == nil {
		for _, e := range ents {
			if fi, err := e.Info(); err == nil && strings.HasPrefix(e.Name(), tempPrefix) && fi.ModTime().Before(time.Now().Add(-time.Hour)) {
				os.Remove(filepath.Join(f.Dir, e.Name()))
			}
		}
	}
	if len(removed) > 0 {
		syncDir(f.Dir)
	}
	return removed, nil
}

// Keep says which backups, made at times (newest first), stay at now: the
// newest n (zero means [DefaultKeep]), and the newest of each calendar
// month (UTC) of the last [MonthsKept] months, the current one included.
func Keep(times []time.Time, now time.Time, n int) []bool {
	if n <= 0 {
		n = DefaultKeep
	}
	month := func(t time.Time) int {
		t = t.UTC()
		return t.Year()*12 + int(t.Month()) - 1
	}
	cur := month(now)
	keep := make([]bool, len(times))
	seen := map[int]bool{}
	for i, t := range times {
		m := month(t)
		if i < n {
			keep[i] = true
		}
		if !seen[m] && cur-m < MonthsKept {
			keep[i] = true
		}
		seen[m] = true
	}
	return keep
}

// syncDir makes a rename in dir durable, where the system allows it.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
