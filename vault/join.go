package vault

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"filippo.io/age"
	"filippo.io/age/armor"
)

// keysFormat names the document [Vault.Keys] writes.
const keysFormat = "tessera-keys"

// maxKeysSize caps what [ParseKeys] and [Join] read.
const maxKeysSize = 1 << 20

// keysJSON is a copy of a vault's key slots: what vault.json says of each,
// and the slot file itself, armored.
type keysJSON struct {
	Format  string         `json:"format"`
	Version int            `json:"version"`
	Slots   []keysSlotJSON `json:"slots"`
}

type keysSlotJSON struct {
	slotJSON
	Age string `json:"age"`
}

// Keys returns a copy of the vault's key slots (each an age file that holds
// the master key, encrypted to a passphrase or other key) as one JSON
// document, for [Join] to make another vault of the same master key from:
// a second device joining through a sync folder. It holds nothing that the
// vault folder does not already keep unencrypted.
func (v *Vault) Keys() ([]byte, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if err := v.readManifest(); err != nil {
		return nil, err
	}
	doc := keysJSON{Format: keysFormat, Version: FormatVersion}
	for _, s := range v.man.Slots {
		ct, err := readFile(v.dir, s.File, maxSlotSize)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", s.File, err)
		}
		var buf bytes.Buffer
		w := armor.NewWriter(&buf)
		w.Write(ct)
		if err := w.Close(); err != nil {
			return nil, fmt.Errorf("armoring %s: %w", s.File, err)
		}
		doc.Slots = append(doc.Slots, keysSlotJSON{slotJSON: s, Age: buf.String()})
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// ParseKeys reads what [Vault.Keys] wrote and returns the slots it holds.
// The error says what is wrong with the document.
func ParseKeys(keys []byte) ([]Slot, error) {
	doc, _, err := decodeKeys(keys)
	if err != nil {
		return nil, err
	}
	out := make([]Slot, len(doc.Slots))
	for i := range doc.Slots {
		out[i] = doc.Slots[i].slot()
	}
	return out, nil
}

// decodeKeys parses and checks a keys document, returning each slot's
// age file.
func decodeKeys(keys []byte) (*keysJSON, [][]byte, error) {
	if len(keys) > maxKeysSize {
		return nil, nil, fmt.Errorf("keys: %d bytes, more than %d", len(keys), maxKeysSize)
	}
	doc := new(keysJSON)
	if err := json.Unmarshal(keys, doc); err != nil {
		return nil, nil, fmt.Errorf("keys: not valid JSON: %v", err)
	}
	if doc.Format != keysFormat {
		return nil, nil, fmt.Errorf("keys: format is %q, want %q", clip(doc.Format), keysFormat)
	}
	if doc.Version > FormatVersion {
		return nil, nil, &VersionError{File: "keys", Version: doc.Version, Supported: FormatVersion}
	}
	if doc.Version < 1 {
		return nil, nil, fmt.Errorf("keys: version %d is not valid", doc.Version)
	}
	if len(doc.Slots) == 0 {
		return nil, nil, errors.New("keys: no key slots")
	}
	ids, files := map[string]bool{}, map[string]bool{}
	cts := make([][]byte, len(doc.Slots))
	for i, s := range doc.Slots {
		if s.ID == "" || ids[s.ID] || !validSlotFile(s.File) || files[s.File] {
			return nil, nil, fmt.Errorf("keys: slot %d has a missing or repeated id or file name", i+1)
		}
		ids[s.ID], files[s.File] = true, true
		ct, err := io.ReadAll(io.LimitReader(armor.NewReader(strings.NewReader(s.Age)), maxSlotSize+1))
		if err != nil || len(ct) == 0 || len(ct) > maxSlotSize {
			return nil, nil, fmt.Errorf("keys: slot %d (%s) is not an armored age file", i+1, s.File)
		}
		cts[i] = ct
	}
	return doc, cts, nil
}

// Join makes a new vault in dir (as [Create] does: a new or empty folder)
// holding the key slots of keys, which [Vault.Keys] wrote for another
// vault, once id opens one of them: the new vault shares that vault's
// master key and ways in, and starts with no entries (a sync fills it).
// It returns the new vault unlocked.
//
// A keys document that id opens no slot of gives [ErrWrongKey].
func Join(dir string, keys []byte, id age.Identity, opts *Options) (*Vault, error) {
	doc, cts, err := decodeKeys(keys)
	if err != nil {
		return nil, err
	}
	var master []byte
	var mid *age.X25519Identity
	for i, s := range doc.Slots {
		if !slotFits(id, SlotKind(s.Kind)) {
			continue
		}
		m, x, err := openSlot(cts[i], id)
		if errors.Is(err, age.ErrIncorrectIdentity) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("keys: slot %d (%s) cannot be decrypted: %s", i+1, s.File, describeAgeErr(err))
		}
		master, mid = m, x
		break
	}
	if master == nil {
		return nil, ErrWrongKey
	}
	v := &Vault{dir: dir}
	if opts != nil {
		v.opts = *opts
	}
	v.master, v.recipient = master, mid.Recipient()
	fail := func(err error) (*Vault, error) {
		v.lock()
		return nil, err
	}
	if err := mkdirDurable(dir, 0o700); err != nil {
		return fail(fmt.Errorf("creating vault folder: %w", err))
	}
	if err := checkOwnFolder(dir); err != nil {
		return fail(err)
	}
	os.Chmod(dir, 0o700)
	l, err := lockWrite(dir, v.lockWait())
	if err != nil {
		return fail(err)
	}
	defer l.release()
	if _, err := os.Stat(filepath.Join(dir, manifestFile)); err == nil {
		return fail(fmt.Errorf("%s already holds a vault: %w", dir, fs.ErrExist))
	}
	m := &manifest{Format: manifestFormat, Version: FormatVersion, BackupsKept: DefaultBackupsKept}
	for i, s := range doc.Slots {
		if err := writeFile(dir, s.File, cts[i]); err != nil {
			return fail(err)
		}
		m.Slots = append(m.Slots, s.slotJSON)
	}
	v.entries, v.index, v.dirty, v.used = nil, map[string]int{}, map[string]bool{}, map[string]usage{}
	if err := v.writeBody(&body{Generation: 1, Saved: time.Now().UTC()}, false); err != nil {
		return fail(err)
	}
	if err := v.writeManifest(m); err != nil {
		return fail(err)
	}
	return v, nil
}
