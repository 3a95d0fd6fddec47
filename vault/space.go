package vault

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
)

// ErrStorage is wrapped by the errors of writes that failed because the
// disk holding the vault is full (or the person's quota is) or its file
// system is read-only. Nothing was written; the change stays in memory.
var ErrStorage = errors.New("storage full or read-only")

// withSpace runs write, a write of need bytes or so. If it fails for want
// of space, the oldest backups (never the newest, never the body) are
// removed until about need bytes are freed, and write is tried once more:
// without this, a full disk would refuse every write, each needing room
// for a temporary copy, until the person deleted backups by hand. Errors
// for want of space or a read-only file system wrap [ErrStorage] and say
// what to do. The caller holds the write lock.
func (v *Vault) withSpace(need int64, write func() error) error {
	err := write()
	if err == nil || !isNoSpace(err) && !isReadOnly(err) {
		return err
	}
	if isReadOnly(err) {
		return fmt.Errorf("%w: the vault's folder %s is on a read-only file system, so nothing was written (%v); make it writable, or copy the vault elsewhere", ErrStorage, v.dir, err)
	}
	removeTemps(v.dir)
	freed, n := v.pruneForSpace(need)
	if n > 0 {
		if err = write(); err == nil {
			return nil
		}
		if !isNoSpace(err) {
			return err
		}
	}
	what := "no backup could be removed to make room"
	if n > 0 {
		what = fmt.Sprintf("even after removing the %d oldest backups (%d bytes)", n, freed)
	}
	return fmt.Errorf("%w: the disk holding the vault is full: the write of about %d bytes did not fit, %s, and nothing was written (%v); free some space and try again", ErrStorage, need, what, err)
}

// pruneForSpace removes the oldest backups, and damaged bodies set aside,
// until at least need bytes are freed, keeping the newest backup. It
// returns the bytes freed and how many files it removed.
func (v *Vault) pruneForSpace(need int64) (freed int64, n int) {
	dir := filepath.Join(v.dir, backupDir)
	ents, _ := os.ReadDir(dir)
	var times []int64
	for _, e := range ents {
		if t, ok := parseDamagedName(e.Name()); ok {
			times = append(times, t)
		}
	}
	slices.Sort(times)
	// Damaged bodies set aside first, then backups, oldest first, never
	// the newest backup.
	var victims []string
	for _, t := range times {
		victims = append(victims, damagedName(t))
	}
	gens, _ := listBackups(v.dir)
	for i := len(gens) - 1; i >= 1; i-- {
		victims = append(victims, backupName(gens[i]))
	}
	for _, name := range victims {
		if freed >= need {
			break
		}
		p := filepath.Join(dir, name)
		fi, err := os.Lstat(p)
		if err != nil {
			continue
		}
		if os.Remove(p) == nil {
			freed += fi.Size()
			n++
		}
	}
	if n > 0 {
		syncDir(dir)
	}
	return freed, n
}
