package vault

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"filippo.io/age"
)

// Backup is a previous body of the vault, kept by a save.
type Backup struct {
	ID    string    // what [Vault.Restore] takes: the save generation, as decimal digits
	Saved time.Time // when that body was saved
	Size  int64     // file size in bytes
}

// Backups returns the vault's backups, newest first. It works on a locked
// vault: backups are listed, not decrypted.
func (v *Vault) Backups() ([]Backup, error) {
	gens, err := listBackups(v.dir)
	if err != nil {
		return nil, err
	}
	out := make([]Backup, 0, len(gens))
	for _, g := range gens {
		fi, err := os.Stat(filepath.Join(v.dir, backupDir, backupName(g)))
		if err != nil {
			continue
		}
		out = append(out, Backup{ID: strconv.FormatUint(g, 10), Saved: fi.ModTime(), Size: fi.Size()})
	}
	return out, nil
}

// listBackups returns the generations of the backups in dir, newest first.
func listBackups(dir string) ([]uint64, error) {
	if fi, err := os.Lstat(filepath.Join(dir, backupDir)); err == nil && !fi.IsDir() {
		// A link out of the vault: not its backups (and never pruned).
		return nil, nil
	}
	ents, err := os.ReadDir(filepath.Join(dir, backupDir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listing backups: %w", err)
	}
	var gens []uint64
	for _, e := range ents {
		if g, ok := parseBackupName(e.Name()); ok {
			gens = append(gens, g)
		}
	}
	slices.Sort(gens)
	slices.Reverse(gens)
	return gens, nil
}

func parseBackupName(name string) (uint64, bool) {
	s, ok := strings.CutPrefix(name, "body-")
	if !ok {
		return 0, false
	}
	s, ok = strings.CutSuffix(s, ".age")
	if !ok {
		return 0, false
	}
	g, err := strconv.ParseUint(s, 10, 64)
	return g, err == nil && strconv.FormatUint(g, 10) == s
}

// damagedKept is the most damaged bodies (set aside by Restore) a vault
// keeps; it keeps fewer if it keeps fewer backups.
const damagedKept = 3

// pruneBackups removes the oldest backups beyond the number kept, and the
// oldest damaged bodies beyond damagedKept.
func (v *Vault) pruneBackups() {
	gens, err := listBackups(v.dir)
	if err != nil {
		return
	}
	keep := v.man.BackupsKept
	for i := keep; i < len(gens); i++ {
		os.Remove(filepath.Join(v.dir, backupDir, backupName(gens[i])))
	}
	var ents []os.DirEntry
	if realDir(filepath.Join(v.dir, backupDir)) {
		ents, _ = os.ReadDir(filepath.Join(v.dir, backupDir))
	}
	var times []int64
	for _, e := range ents {
		if t, ok := parseDamagedName(e.Name()); ok {
			times = append(times, t)
		}
	}
	slices.Sort(times)
	slices.Reverse(times)
	for i := min(keep, damagedKept); i < len(times); i++ {
		os.Remove(filepath.Join(v.dir, backupDir, damagedName(times[i])))
	}
}

// damagedName is the name under which Restore keeps a damaged body aside,
// with the time, in Unix nanoseconds, when it did.
func damagedName(t int64) string {
	return "damaged-" + strconv.FormatInt(t, 10) + ".age"
}

func parseDamagedName(name string) (int64, bool) {
	s, ok := strings.CutPrefix(name, "damaged-")
	if !ok {
		return 0, false
	}
	s, ok = strings.CutSuffix(s, ".age")
	if !ok {
		return 0, false
	}
	t, err := strconv.ParseInt(s, 10, 64)
	return t, err == nil && damagedName(t) == name
}

// newestGoodBackup returns the ID of the newest backup that opens with mid.
func (v *Vault) newestGoodBackup(mid *age.X25519Identity) string {
	gens, _ := listBackups(v.dir)
	for _, g := range gens {
		if b, err := v.readBackup(g, mid); err == nil {
			for i := range b.Entries {
				b.Entries[i].zero()
			}
			return strconv.FormatUint(g, 10)
		}
	}
	return ""
}

func (v *Vault) readBackup(gen uint64, mid *age.X25519Identity) (*body, error) {
	name := filepath.Join(backupDir, backupName(gen))
	ct, err := readFile(v.dir, name, maxBodySize)
	if err != nil {
		return nil, err
	}
	return decryptBody(name, ct, mid)
}

// Restore makes the backup with the given ID the vault's body again. The
// body it replaces is itself kept as a backup, and unsaved changes are
// dropped. A damaged body is kept aside too, as backups/damaged-TIME.age,
// which Backups does not list; the newest 3 of those are kept (fewer if
// fewer backups are kept: none if none are). HOTP
// counters are not taken back: they keep the body's values where these are
// higher. Restore works on a vault whose body is damaged.
func (v *Vault) Restore(id string) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.master == nil {
		return ErrLocked
	}
	gen, err := strconv.ParseUint(id, 10, 64)
	if err != nil {
		return fmt.Errorf("backup %q: %w", id, ErrNotFound)
	}
	l, err := v.lockManifest()
	if err != nil {
		return err
	}
	defer l.release()
	mid := v.identity()
	b, err := v.readBackup(gen, mid)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("backup %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return err
	}
	cur, _, err := v.readBody(mid)
	var ve *VersionError
	if errors.As(err, &ve) {
		// A newer Tessera wrote the body: never write over it.
		return err
	}
	if err := notLinked(v.dir, bodyFile); err != nil {
		return err
	}
	v.removeLeftovers()
	// HOTP counters stay where they are: codes of the backup's counters
	// were given since, as the state file records even when no body does.
	v.readStateOrEmpty(mid).raise(b.Entries)
	keepCounters(b.Entries, v.entries)
	if err == nil {
		keepCounters(b.Entries, cur.Entries)
		v.gen = cur.Generation
		for i := range cur.Entries {
			cur.Entries[i].zero()
		}
		if err := v.backupCurrent(); err != nil {
			return err
		}
	} else {
		// Keep the damaged body aside rather than destroy it.
		aside := damagedName(time.Now().UnixNano())
		if err := keepFile(filepath.Join(v.dir, bodyFile), filepath.Join(v.dir, backupDir), aside); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("keeping the damaged body: %w", err)
		}
	}
	for i := range v.entries {
		v.retired = append(v.retired, v.entries[i].OTP.Secret, v.entries[i].Token.Value)
	}
	if b.Generation, err = v.nextGen(); err != nil {
		return err
	}
	b.Saved = time.Now().UTC()
	if err := v.writeBody(b, false); err != nil {
		return err
	}
	v.pruneBackups()
	clear(v.dirty)
	clear(v.used)
	v.bodyErr, v.rollback = nil, nil
	return nil
}

// BackupWith returns the newest backup that holds a live entry with the
// given ID, for advice such as "backup N still holds it": a backup counts
// only if it opens with the vault's key and the entry is in it, so the
// advice never names a file that does not hold what it promises.
func (v *Vault) BackupWith(id string) (Backup, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.master == nil {
		return Backup{}, false
	}
	mid := v.identity()
	gens, _ := listBackups(v.dir)
	for _, g := range gens {
		b, err := v.readBackup(g, mid)
		if err != nil {
			continue
		}
		found := false
		for i := range b.Entries {
			found = found || b.Entries[i].ID == id && !b.Entries[i].Deleted
			b.Entries[i].zero()
		}
		if !found {
			continue
		}
		fi, err := os.Stat(filepath.Join(v.dir, backupDir, backupName(g)))
		if err != nil {
			continue
		}
		return Backup{ID: strconv.FormatUint(g, 10), Saved: fi.ModTime(), Size: fi.Size()}, true
	}
	return Backup{}, false
}
