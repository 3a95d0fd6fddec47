package vault

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"filippo.io/age"
)

// Save writes the vault's unsaved changes. It takes the write lock, takes in
// what other processes saved since this vault last read the folder (the
// later change of each entry wins), keeps the previous body as a backup and
// replaces the body atomically and durably. When Save returns nil the
// changes survive a crash or power cut.
//
// A failed Save keeps the changes in memory, so it can be tried again.
func (v *Vault) Save() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if err := v.usable(); err != nil {
		return err
	}
	l, err := lockWrite(v.dir, v.lockWait())
	if err != nil {
		return err
	}
	defer l.release()
	if err := v.syncLocked(); err != nil {
		return err
	}
	return v.writeLocked()
}

// writeLocked writes the unsaved changes; the caller holds the write lock
// and has synced with the disk.
func (v *Vault) writeLocked() error {
	// A save of nothing but recorded uses keeps no backup: it would push
	// real versions out of the few kept.
	return v.writeChanges(len(v.dirty) > 0)
}

// writeChanges is writeLocked, keeping a backup of the body it replaces if
// backup is set.
func (v *Vault) writeChanges(backup bool) error {
	if len(v.dirty) == 0 && len(v.used) == 0 {
		return nil
	}
	// Every save, counter moves included, clears what killed saves left.
	v.removeLeftovers()
	gen, err := v.nextGen()
	if err != nil {
		return err
	}
	b := &body{Generation: gen, Saved: time.Now().UTC(), Entries: v.entries}
	if err := v.writeBody(b, backup); err != nil {
		return err
	}
	clear(v.dirty)
	clear(v.used)
	return nil
}

// nextGen returns the generation of the next body: past the current one,
// the latest save recorded in the state file and every backup of this
// vault, so that after a body was put back by hand (an older generation)
// no two bodies share a generation. Only encrypted evidence counts: a
// backup named after a later save counts for the generation its content
// says if it opens with the vault's key, and not at all otherwise, so no
// file name can push the generation to its end. The caller holds the
// write lock.
func (v *Vault) nextGen() (uint64, error) {
	mid := v.identity()
	g := max(v.gen, v.readStateOrEmpty(mid).Generation)
	gens, _ := listBackups(v.dir)
	for _, bg := range gens {
		if bg <= g {
			break
		}
		if bg > maxGeneration {
			continue
		}
		if b, err := v.readBackup(bg, mid); err == nil {
			for i := range b.Entries {
				b.Entries[i].zero()
			}
			if b.Generation > g {
				g = b.Generation
				break
			}
		}
	}
	if g >= maxGeneration {
		// Only a body or state file encrypted with the vault's own key
		// can say so: never wrap.
		return 0, damaged(bodyFile, "save generation %d has reached its end", g)
	}
	return g + 1, nil
}

// syncLocked re-reads the manifest and, if another process saved the body
// since this vault last read it, merges that body with the unsaved changes.
func (v *Vault) syncLocked() error {
	if err := v.readManifest(); err != nil {
		return err
	}
	head, err := readHead(v.dir)
	if err != nil {
		return err
	}
	if bytes.Equal(head, v.head) {
		return nil
	}
	mid := v.identity()
	b, head, err := v.readBody(mid)
	if errors.Is(err, errNotThisKey) {
		if _, serr := v.readState(mid); errors.Is(serr, errNotThisKey) {
			return ErrRekeyed
		}
	}
	if err != nil {
		return err
	}
	v.merge(b)
	v.head = head
	v.checkRollback(b, head, mid)
	return nil
}

// merge makes b (just read from disk) the vault's entries, with the unsaved
// changes applied on top where they are later than what b holds. HOTP
// counters keep the higher of the two sides.
func (v *Vault) merge(b *body) {
	old, oldIndex := v.entries, v.index
	v.setBody(b, nil)
	for i := range v.entries {
		e := &v.entries[i]
		j, ok := oldIndex[e.ID]
		if !ok {
			continue
		}
		o := &old[j]
		// Whichever side wins, a HOTP counter keeps the higher value.
		e.keepCounter(o)
		o.keepCounter(e)
		if v.dirty[e.ID] && !e.Modified.After(o.Modified) {
			// Our unsaved change is the later one.
			e.zero()
			*e = *o
			continue
		}
		if u, ok := v.used[e.ID]; ok && !e.Deleted {
			// Uses recorded here add to those on disk.
			e.Uses += u.n
			if u.last.After(e.LastUsed) {
				e.LastUsed = u.last
			}
		}
		// Share the secret slices that did not change, and retire those
		// that did, so that Lock can zero them.
		e.OTP.Secret = v.reuse(o.OTP.Secret, e.OTP.Secret)
		e.Token.Value = v.reuse(o.Token.Value, e.Token.Value)
	}
	for id := range v.dirty {
		if _, ok := v.index[id]; ok {
			continue
		}
		// Added here and not yet on disk.
		v.index[id] = len(v.entries)
		v.entries = append(v.entries, old[oldIndex[id]])
	}
	for id, j := range oldIndex {
		if _, ok := v.index[id]; !ok {
			// Gone from disk (a restore): retire its secrets.
			v.reuse(old[j].OTP.Secret, nil)
			v.reuse(old[j].Token.Value, nil)
		}
	}
}

// reuse returns old if it holds the same bytes as fresh (zeroing fresh), and
// otherwise retires old and returns fresh.
func (v *Vault) reuse(old, fresh []byte) []byte {
	if old == nil {
		return fresh
	}
	if bytes.Equal(old, fresh) {
		clear(fresh)
		return old
	}
	v.retired = append(v.retired, old)
	return fresh
}

// readHead returns the start of body.age, which differs for every save.
func readHead(dir string) ([]byte, error) {
	f, err := openFile(filepath.Join(dir, bodyFile))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, damaged(bodyFile, "is missing")
		}
		return nil, err
	}
	defer f.Close()
	buf := make([]byte, headSize)
	n, _ := f.ReadAt(buf, 0)
	return buf[:n], nil
}

// Changed reports whether another process saved the vault since this one
// last read or wrote it. It reads a few hundred bytes, so a holder of an
// open vault can call it every second; [Vault.Reload] takes the changes in.
func (v *Vault) Changed() bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	if man, err := os.ReadFile(filepath.Join(v.dir, manifestFile)); err != nil || !bytes.Equal(man, v.manBytes) {
		return true
	}
	if v.master == nil {
		return false
	}
	head, err := readHead(v.dir)
	return err != nil || !bytes.Equal(head, v.head)
}

// Reload reads what other processes saved, keeping this vault's unsaved
// changes where they are later. Entries returned before are stale after it.
func (v *Vault) Reload() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.master == nil {
		return v.readManifest()
	}
	if v.bodyErr != nil {
		return v.bodyErr
	}
	return v.syncLocked()
}

// writeBody encrypts b to the master key and writes it as body.age. With
// backup set, the current body.age first becomes a backup and old backups
// beyond the number kept are removed. On success the vault's entries are
// b's.
func (v *Vault) writeBody(b *body, backup bool) error {
	plain := encodeBody(make([]byte, 0, 256*len(b.Entries)+256), b)
	defer clear(plain)
	var ct bytes.Buffer
	ct.Grow(len(plain) + len(plain)/1024*16 + 512)
	w, err := age.Encrypt(&ct, v.recipient)
	if err != nil {
		return fmt.Errorf("encrypting vault: %w", err)
	}
	w.Write(plain)
	if err := w.Close(); err != nil {
		return fmt.Errorf("encrypting vault: %w", err)
	}
	// Refused before anything is written, not after the body.
	if err := notLinked(v.dir, stateFile); err != nil {
		return err
	}
	// Room for the temporary body and the state file beside it.
	err = v.withSpace(int64(ct.Len())+64<<10, func() error {
		if backup {
			if err := v.backupCurrent(); err != nil {
				return err
			}
		}
		return writeFile(v.dir, bodyFile, ct.Bytes())
	})
	if err != nil {
		return err
	}
	// After the body, so that a crash between the two leaves a record
	// older than the body, which warns of nothing. Best effort: the
	// record serves rollback warnings, and the marks of HOTP codes handed
	// out were written before the codes were given.
	st := v.readStateOrEmpty(v.identity())
	st.Generation = max(st.Generation, b.Generation)
	st.record(b.Entries)
	v.writeState(st)
	v.setBody(b, bytes.Clone(ct.Bytes()[:min(ct.Len(), headSize)]))
	if backup {
		v.pruneBackups()
	}
	return nil
}

// backupCurrent keeps the current body.age in the backups folder under
// its generation. A crash after this leaves a backup equal to the body,
// which is harmless. A name taken by another file (or a link, or a
// folder) does not mean the body is kept: that file is set aside as
// backups/damaged-TIME.age and the body kept under its name.
func (v *Vault) backupCurrent() error {
	if err := notLinked(v.dir, bodyFile); err != nil {
		return err
	}
	dir := filepath.Join(v.dir, backupDir)
	taken := filepath.Join(dir, backupName(v.gen))
	if fi, err := os.Lstat(taken); err == nil {
		if fi.Mode().IsRegular() && sameContent(taken, filepath.Join(v.dir, bodyFile)) {
			return nil
		}
		aside := filepath.Join(dir, damagedName(time.Now().UnixNano()))
		if err := os.Rename(taken, aside); err != nil {
			return fmt.Errorf("keeping backup: setting aside the file named %s: %w", backupName(v.gen), err)
		}
	}
	if err := keepFile(filepath.Join(v.dir, bodyFile), dir, backupName(v.gen)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("keeping backup: %w", err)
	}
	return nil
}

func backupName(gen uint64) string {
	return "body-" + strconv.FormatUint(gen, 10) + ".age"
}

// writeSlot seals the master key to r in a new slot file.
func (v *Vault) writeSlot(kind SlotKind, r age.Recipient, now time.Time) (slotJSON, error) {
	ct, err := sealSlot(v.master, r)
	if err != nil {
		return slotJSON{}, err
	}
	return v.writeSlotFile(kind, ct, now)
}

// writeSlotFile writes ct as a new slot file of kind.
func (v *Vault) writeSlotFile(kind SlotKind, ct []byte, now time.Time) (slotJSON, error) {
	s := slotJSON{ID: newID()[:8], Kind: string(kind), Created: now}
	s.File = slotFileName(kind, s.ID)
	if err := writeFile(v.dir, s.File, ct); err != nil {
		return slotJSON{}, err
	}
	return s, nil
}

// lockManifest takes the write lock and reads the manifest afresh, as
// every change of the manifest or the key slots begins: another process
// may have changed it since this one read it. The caller releases the
// lock.
func (v *Vault) lockManifest() (*writeLock, error) {
	l, err := lockWrite(v.dir, v.lockWait())
	if err != nil {
		return nil, err
	}
	if err := v.readManifest(); err != nil {
		l.release()
		return nil, err
	}
	return l, nil
}

func (v *Vault) writeManifest(m *manifest) error {
	b := m.encode()
	if err := writeFile(v.dir, manifestFile, b); err != nil {
		return err
	}
	v.man, v.manBytes = m, b
	return nil
}

// SetPassphrase replaces the vault's passphrase slot by one for a new
// passphrase. The vault must be unlocked (with the old passphrase or the
// recovery code).
func (v *Vault) SetPassphrase(passphrase string) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.master == nil {
		return ErrLocked
	}
	r, err := passphraseRecipient(passphrase, v.opts.WorkFactor)
	if err != nil {
		return err
	}
	ct, err := sealSlot(v.master, r)
	if err != nil {
		return err
	}
	_, err = v.addSlot(SlotPassphrase, ct, "", nil, true)
	return err
}

// BackupsKept returns how many previous bodies the vault keeps.
func (v *Vault) BackupsKept() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.man.BackupsKept
}

// SetBackupsKept sets how many previous bodies the vault keeps (0 keeps
// none), for every program that writes it, and removes backups beyond that,
// and damaged bodies set aside by [Vault.Restore] beyond that or 3.
func (v *Vault) SetBackupsKept(n int) error {
	if n < 0 {
		return fmt.Errorf("backups kept %d is negative", n)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	l, err := v.lockManifest()
	if err != nil {
		return err
	}
	defer l.release()
	m := *v.man
	m.BackupsKept = n
	if err := v.writeManifest(&m); err != nil {
		return err
	}
	v.pruneBackups()
	return nil
}
