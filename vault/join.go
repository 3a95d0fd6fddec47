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
	"slices"
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
	// Master is the fingerprint of the master key the slots hold, and
	// Replaces those of the master keys before it (see manifest).
	Master   string      `json:"master,omitempty"`
	Replaces []string    `json:"replaces,omitempty"`
	Vouches  []vouchJSON `json:"vouches,omitempty"`
	// WebAuthnUser is the vault's WebAuthn user handle, which a security
	// key's assertion names: a joining vault takes it.
	WebAuthnUser string `json:"webauthn_user,omitempty"`
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
	doc := keysJSON{Format: keysFormat, Version: FormatVersion, Replaces: v.man.Replaces, Vouches: v.man.Vouches, WebAuthnUser: v.man.WebAuthnUser}
	if v.recipient != nil {
		doc.Master = fingerprint(v.recipient)
	}
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
	master, mid, err := openKeys(doc, cts, id)
	if err != nil {
		return nil, err
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
	m := &manifest{Format: manifestFormat, Version: FormatVersion, BackupsKept: DefaultBackupsKept,
		Replaces: doc.Replaces, Vouches: doc.Vouches, WebAuthnUser: doc.WebAuthnUser}
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

// openKeys returns the master key of the first slot of doc that id opens,
// or [ErrWrongKey].
func openKeys(doc *keysJSON, cts [][]byte, id age.Identity) ([]byte, *age.X25519Identity, error) {
	for i, s := range doc.Slots {
		if !slotFits(id, SlotKind(s.Kind)) {
			continue
		}
		m, x, err := openSlot(cts[i], id)
		if errors.Is(err, age.ErrIncorrectIdentity) {
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("keys: slot %d (%s) cannot be decrypted: %s", i+1, s.File, describeAgeErr(err))
		}
		return m, x, nil
	}
	return nil, nil, ErrWrongKey
}

// KeysUser returns the WebAuthn user handle a keys document carries (nil
// if none): a security key enrolled in that vault names it in its
// assertions, so a ceremony for its slots runs under it.
func KeysUser(keys []byte) ([]byte, error) {
	doc, _, err := decodeKeys(keys)
	if err != nil {
		return nil, err
	}
	if doc.WebAuthnUser == "" {
		return nil, nil
	}
	b, err := b64.DecodeString(doc.WebAuthnUser)
	if err != nil {
		return nil, errors.New("keys: the WebAuthn user handle is not base64url")
	}
	return b, nil
}

// KeysFingerprints returns the fingerprint of the master key a keys
// document holds and those of the keys it replaced ([Vault.KeyFingerprint]);
// master is "" for a document that does not say.
func KeysFingerprints(keys []byte) (master string, replaces []string, err error) {
	doc, _, err := decodeKeys(keys)
	if err != nil {
		return "", nil, err
	}
	return doc.Master, doc.Replaces, nil
}

// KeysRelation says how the master key of a keys document relates to the
// vault's own ([Vault.CompareKeys]).
type KeysRelation int

const (
	// KeysUnknown: the document does not name its master key (written by
	// an older Tessera, or by a locked vault), or names one this vault
	// has no record of: another vault's, or a newer key of this vault's
	// line that was itself replaced.
	KeysUnknown KeysRelation = iota
	// KeysSame: the document holds this vault's master key.
	KeysSame
	// KeysNewer: the document's master key replaced this vault's (its
	// vault was rekeyed since): [Vault.AdoptKeys] takes it.
	KeysNewer
	// KeysOlder: this vault's master key replaced the document's.
	KeysOlder
)

// CompareKeys says how the master key of keys, a document [Vault.Keys]
// wrote, relates to the unlocked vault's own, by the fingerprints the
// document and vault.json keep: neither needs a key to tell.
func (v *Vault) CompareKeys(keys []byte) (KeysRelation, error) {
	doc, _, err := decodeKeys(keys)
	if err != nil {
		return KeysUnknown, err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.recipient == nil {
		return KeysUnknown, ErrLocked
	}
	mine := fingerprint(v.recipient)
	switch {
	case doc.Master == "":
		return KeysUnknown, nil
	case doc.Master == mine:
		return KeysSame, nil
	case slices.Contains(doc.Replaces, mine):
		return KeysNewer, nil
	case slices.Contains(v.man.Replaces, doc.Master):
		return KeysOlder, nil
	}
	return KeysUnknown, nil
}

// AdoptKeys gives the unlocked vault the master key and key slots of keys,
// a document [Vault.Keys] wrote for another vault of the same line after
// that vault was rekeyed (see [Vault.CompareKeys]), once id opens one of
// its slots: the way a sync peer takes a new master key in place, keeping
// its entries, sealed files and backups. It refuses a document whose key
// does not replace this vault's (an older or unrelated one), and gives
// [ErrWrongKey] if id opens none of its slots.
//
// It is as crash-safe as [Vault.Rekey]: a crash at any instant leaves a
// vault that opens with its old ways in or with the document's.
func (v *Vault) AdoptKeys(keys []byte, id age.Identity) error {
	rel, err := v.CompareKeys(keys)
	if err != nil {
		return err
	}
	if rel != KeysNewer {
		return errors.New("keys: their master key does not replace this vault's: nothing was changed")
	}
	doc, cts, err := decodeKeys(keys)
	if err != nil {
		return err
	}
	master, nid, err := openKeys(doc, cts, id)
	if err != nil {
		return err
	}
	defer clear(master)
	if fingerprint(nid.Recipient()) != doc.Master {
		return errors.New("keys: the slot opened holds another master key than the document names: nothing was changed")
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if err := v.usable(); err != nil {
		return err
	}
	if err := checkVouched(doc.Vouches, v.master, fingerprint(v.recipient), doc.Master, master); err != nil {
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
	v.removeLeftovers()
	keyKinds := 0
	m := *v.man
	m.Slots = nil
	for _, s := range doc.Slots {
		m.Slots = append(m.Slots, s.slotJSON)
		if SlotKind(s.Kind).KeyKind() {
			keyKinds++
		}
	}
	if m.RequireKey && keyKinds == 0 {
		return errors.New("keys: this vault requires a security key and the new keys hold none: nothing was changed")
	}
	if doc.WebAuthnUser != "" {
		m.WebAuthnUser = doc.WebAuthnUser
	}
	for _, fp := range doc.Replaces {
		if !slices.Contains(m.Replaces, fp) {
			m.Replaces = append(slices.Clip(m.Replaces), fp)
		}
	}
	for _, x := range doc.Vouches {
		if !slices.ContainsFunc(m.Vouches, func(y vouchJSON) bool { return y.From == x.From }) {
			m.Vouches = append(slices.Clip(m.Vouches), x)
		}
	}
	return v.rekeyLocked(nid, master, &m, cts)
}
