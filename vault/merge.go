package vault

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"time"
)

// This file holds what a sync of several devices needs from the vault
// (package sync/folder): every entry with its tombstones, and a save of
// merged entries together with the sync state, under one write lock.

// MergeResult is what a [MergeFunc] asks [Vault.Merge] to save.
type MergeResult struct {
	// Entries replace the entries of the same ID (a tombstone deletes) or
	// are added. Their Uses and LastUsed are ignored: those stay what this
	// device recorded. A HOTP counter never goes down.
	Entries []Entry

	// Sealed, if not nil, becomes the content of the sealed file named in
	// the Merge call, written before the body.
	Sealed []byte

	// Then, if not nil, is called once the entries and the sealed file are
	// durable, still under the write lock: the place to publish what was
	// saved (a sync device file), so that two syncs never publish out of
	// order.
	Then func() error
}

// MergeFunc computes what [Vault.Merge] saves from every entry of the latest
// saved state (tombstones included, copies the function may keep) and the
// content of the sealed file (nil if there is none). Seal is [Vault.Seal]
// for use inside the function and its MergeResult.Then (Seal itself would
// wait for the lock Merge holds).
type MergeFunc func(entries []Entry, sealed []byte, seal func(plain []byte) ([]byte, error)) (MergeResult, error)

// Merge runs fn under the vault's write lock on the latest saved state
// (what other processes saved is taken in first, as [Vault.Save] does) and
// saves what it returns: the sealed file first (see [Vault.WriteSealed]),
// then the entries, keeping a backup of the body they replace, then calls
// MergeResult.Then. An error from fn saves nothing.
//
// Each saved entry gets a Modified time later than the one it replaces, as
// [Vault.Update] gives it, so that a concurrent writer's merge sees it as
// the newer change.
func (v *Vault) Merge(sealed string, fn MergeFunc) error {
	if !validSealedName(sealed) {
		return ErrBadSealedName
	}
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
	state, err := v.readSealedLocked(sealed)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	all := make([]Entry, len(v.entries))
	for i := range v.entries {
		all[i] = v.entries[i].clone()
	}
	res, err := fn(all, state, v.sealLocked)
	clear(state)
	if err != nil {
		return err
	}
	for i := range res.Entries {
		if c := res.Entries[i].clone(); !c.Deleted {
			if err := prepare(&c); err != nil {
				return fmt.Errorf("entry %s: %w", c.ID, err)
			}
		}
	}
	// The sealed file first: a sync records there what it gives the
	// vault, so that after a crash before the body is written it applies
	// the change again rather than take the old entry for a new edit.
	if res.Sealed != nil {
		ct, err := v.sealLocked(res.Sealed)
		if err != nil {
			return err
		}
		dir := filepath.Join(v.dir, sealedDir)
		if err := mkdirDurable(dir, 0o700); err != nil {
			return fmt.Errorf("writing %s: %w", sealedDir, err)
		}
		if err := writeFile(dir, sealed+".age", ct); err != nil {
			return err
		}
	}
	for i := range res.Entries {
		if err := v.apply(res.Entries[i]); err != nil {
			return fmt.Errorf("entry %s: %w", res.Entries[i].ID, err)
		}
	}
	if err := v.writeChanges(len(res.Entries) > 0); err != nil {
		return err
	}
	if res.Then != nil {
		return res.Then()
	}
	return nil
}

// apply puts e in the vault in place of the entry of its ID, or adds it;
// the caller holds v.mu. The vault keeps its own copy of the secrets.
func (v *Vault) apply(e Entry) error {
	i, exists := v.index[e.ID]
	var old *Entry
	if exists {
		old = &v.entries[i]
	}
	if e.ID == "" {
		return errors.New("has no id")
	}
	if e.Deleted {
		if !exists {
			e = Entry{ID: e.ID, Deleted: true, Modified: later(time.Time{})}
			v.index[e.ID] = len(v.entries)
			v.entries = append(v.entries, e)
			v.dirty[e.ID] = true
			return nil
		}
		if !old.Deleted {
			v.retired = append(v.retired, old.OTP.Secret, old.Token.Value)
		}
		*old = Entry{ID: e.ID, Deleted: true, Modified: later(old.Modified)}
		v.dirty[e.ID] = true
		return nil
	}
	if err := prepare(&e); err != nil {
		return err
	}
	e.Tags = slices.Clone(e.Tags)
	if !exists {
		e.Uses, e.LastUsed = 0, time.Time{}
		e.Modified = later(time.Time{})
		e.OTP.Secret = clone(e.OTP.Secret)
		e.Token.Value = clone(e.Token.Value)
		v.index[e.ID] = len(v.entries)
		v.entries = append(v.entries, e)
		v.dirty[e.ID] = true
		return nil
	}
	if !old.Deleted {
		e.keepCounter(old)
		e.Uses, e.LastUsed = old.Uses, old.LastUsed
	} else {
		e.Uses, e.LastUsed = 0, time.Time{}
	}
	e.Modified = later(old.Modified)
	if e.Created.IsZero() {
		e.Created = old.Created
	}
	e.OTP.Secret = v.keepSecret(old.OTP.Secret, e.OTP.Secret)
	e.Token.Value = v.keepSecret(old.Token.Value, e.Token.Value)
	*old = e
	v.dirty[e.ID] = true
	return nil
}

// clone copies b, keeping nil as nil.
func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return slices.Clone(b)
}

// readSealedLocked is ReadSealed for a caller holding v.mu.
func (v *Vault) readSealedLocked(name string) ([]byte, error) {
	file := sealedDir + "/" + name + ".age"
	ct, err := readFile(filepath.Join(v.dir, sealedDir), name+".age", maxSealedSize+64<<10)
	if err != nil {
		var de *DamagedError
		if errors.As(err, &de) {
			de.File = file
			return nil, err
		}
		return nil, fmt.Errorf("reading %s: %w", file, err)
	}
	return v.unsealLocked(file, ct)
}

// AppendEntryJSON appends e in the JSON form the vault body uses (secrets
// included) to dst, so that other files holding entries, such as sync
// device files, share one format. Encrypt the result; zero it after use.
func AppendEntryJSON(dst []byte, e *Entry) []byte {
	return appendEntry(dst, e)
}

// ParseEntryJSON reads one entry in the form [AppendEntryJSON] writes, and
// checks it as the body's entries are checked. Unknown fields are skipped.
// Errors say what is wrong, never a secret.
func ParseEntryJSON(b []byte) (Entry, error) {
	r := &jsonReader{b: b}
	var e Entry
	err := r.entry(&e)
	if err == nil {
		err = r.end()
	}
	if err == nil {
		err = e.check()
	}
	if err != nil {
		e.zero()
		return Entry{}, err
	}
	return e, nil
}

// WriteFile writes data to dir/name atomically and durably, as every vault
// file is written (temporary file named .tmp-NAME-* beside it, fsync,
// rename, fsync of the folder), for files kept outside the vault folder
// such as a sync device file. It refuses to replace a symbolic link.
func WriteFile(dir, name string, data []byte) error {
	return writeFile(dir, name, data)
}
