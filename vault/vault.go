// Package vault keeps Tessera's entries (OTP credentials and API tokens) in
// an encrypted folder that the stock age tool can always open.
//
// # Layout
//
// A vault is a folder:
//
//	vault.json              format version, key slot list, backups kept (not secret)
//	body.age                the entries as JSON, age-encrypted to the master key
//	slot-KIND-ID.age        one per key slot: the master key, age-encrypted to that slot's key
//	state.age               the latest save generation and the HOTP counters handed out, age-encrypted to the master key
//	backups/body-GEN.age    previous bodies, named by their save generation
//	backups/damaged-T.age   damaged bodies that a restore replaced, and files found under a backup's name (the newest 3)
//	lock                    the write lock, holding the writer's PID
//
// The master key is a random age X25519 identity. A passphrase slot is
// encrypted with age's scrypt recipient, a recovery-code slot to a random
// X25519 identity shown once at [Create]. A security key's slot is sealed
// to the identity its WebAuthn PRF output gives ([SecurityKeyIdentity],
// [Vault.AddSecurityKey]), optionally inside a passphrase's, and an age
// plugin's to its recipient ([Vault.AddPluginKey]); vault.json keeps each
// slot's public recipient, so that [Vault.Rekey] seals every slot to a new
// master key without the keys at hand. Each rekey has the old master key
// vouch for the new one (a signature), and vault.json names both by
// fingerprint, so that a vault sharing the master key through a sync folder
// takes the new key in place ([Vault.CompareKeys], [Vault.AdoptKeys]).
// README's "Recovery without Tessera" gives the age commands that open a
// vault without this package.
//
// # Using a vault
//
// [Create] makes a vault; [Open] reads its description and [Vault.Unlock]
// opens it with a passphrase, recovery code or other age identity. Changes
// ([Vault.Add], [Vault.Update], [Vault.Delete]) stay in memory until
// [Vault.Save] writes them. [Vault.Lock] forgets the key and zeroes the
// secrets.
//
// # Several writers
//
// A save takes the folder's write lock for the time of the write only, so a
// long-running holder of an open vault (the GUI) and short-lived commands
// (the CLI) can share it. Before writing, Save reads what another process
// saved in the meantime and merges entry by entry: the side that changed an
// entry last wins, and deletions are kept as tombstones. A HOTP counter
// keeps the higher value of the two sides, here as in an edit or a restore,
// and never falls below the highest counter handed out, which state.age
// keeps apart from the body, so that no code is given twice whatever body
// is put back, restored or synced in. [Vault.Changed]
// tells a holder cheaply that another process saved; [Vault.Reload] takes in
// the other process's changes, keeping unsaved local ones.
//
// # Safety
//
// Every file is written atomically and durably (temporary file, fsync,
// rename, fsync of the folder), so a crash leaves the old or the new state.
// A write refuses to replace a vault file that is a symbolic link, which it
// would cut (link the whole folder instead), and never opens one for
// writing through a link: the lock file is opened with O_NOFOLLOW (a
// reparse-point open on Windows) and refused if it is not a regular file
// of its own. Save generations never wrap: only encrypted evidence counts
// towards them, never a plain file or a file name.
// Every save keeps the previous body as a backup ([Vault.Backups],
// [Vault.Restore]). A body.age older than a save made after it (put back
// by hand or by a sync tool) opens, and [Vault.Rollback] says so and names
// the backup that holds the later state. Errors never hold secrets;
// failures are told apart by [ErrWrongKey], [ErrDamaged], [ErrBusy] and
// [*VersionError].
package vault

import (
	"bytes"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"filippo.io/age"
	"filippo.io/age/plugin"

	"github.com/tessera-auth/tessera/otp"
)

// Options adjust how a vault is created and written. The zero value (or a
// nil *Options) gives the documented defaults.
type Options struct {
	// WorkFactor is the scrypt work factor (log2 N) of the passphrase slots
	// that Create and SetPassphrase make. Zero means [TunedWorkFactor].
	// Values below [MinWorkFactor] are for tests only.
	WorkFactor int

	// LockWait is how long a write waits for another process's write to end
	// before failing with [ErrBusy]. Zero means [DefaultLockWait]; a
	// negative value means not waiting at all.
	LockWait time.Duration
}

// Vault is an open vault folder. Its methods are safe for concurrent use.
//
// A Vault starts locked ([Open]): it knows its slots and backups but not its
// entries. [Vault.Unlock] reads the entries; [Vault.Lock] forgets them.
type Vault struct {
	dir  string
	opts Options

	mu       sync.Mutex
	man      *manifest
	manBytes []byte // vault.json as last read or written

	// Unlocked state.
	master     []byte // text of the master identity, zeroed by Lock
	recipient  *age.X25519Recipient
	entries    []Entry
	index      map[string]int   // ID -> position in entries
	gen        uint64           // generation of the body entries came from
	head       []byte           // start of body.age as last read or written
	dirty      map[string]bool  // IDs changed since the last save
	used       map[string]usage // uses recorded since the last save
	retired    [][]byte         // replaced secrets, zeroed by Lock
	bodyErr    error            // why body.age could not be read at Unlock
	rollback   *Rollback        // what Rollback returns
	unlockedBy SlotKind         // the kind of slot that opened it
}

// headSize is how much of body.age identifies one save: the age header and
// payload nonce are random for every file.
const headSize = 512

// Create makes a new vault in dir (created with mode 0700 if missing) with a
// passphrase slot and a recovery-code slot, and returns it unlocked with the
// recovery code. The code is shown to the person once: it opens the vault
// without the passphrase, with Tessera or with the stock age CLI.
//
// Create refuses a folder that already holds a vault, or other files: a
// vault gets a folder of its own.
func Create(dir, passphrase string, opts *Options) (v *Vault, recoveryCode string, err error) {
	v = &Vault{dir: dir}
	if opts != nil {
		v.opts = *opts
	}
	if passphrase == "" {
		return nil, "", errors.New("the passphrase is empty")
	}
	if err := mkdirDurable(dir, 0o700); err != nil {
		return nil, "", fmt.Errorf("creating vault folder: %w", err)
	}
	if err := checkOwnFolder(dir); err != nil {
		return nil, "", err
	}
	os.Chmod(dir, 0o700)
	l, err := lockWrite(dir, v.lockWait())
	if err != nil {
		return nil, "", err
	}
	defer l.release()
	// Under the lock, so that of two Creates at once one is refused.
	if _, err := os.Stat(filepath.Join(dir, manifestFile)); err == nil {
		return nil, "", fmt.Errorf("%s already holds a vault: %w", dir, fs.ErrExist)
	}
	if err := startOver(dir, passphrase); err != nil {
		return nil, "", err
	}

	masterID, err := age.GenerateX25519Identity()
	if err != nil {
		return nil, "", err
	}
	recID, err := age.GenerateX25519Identity()
	if err != nil {
		return nil, "", err
	}
	v.master = []byte(masterID.String())
	v.recipient = masterID.Recipient()

	now := time.Now().UTC()
	m := &manifest{Format: manifestFormat, Version: FormatVersion, BackupsKept: DefaultBackupsKept}
	passRec, err := passphraseRecipient(passphrase, v.opts.WorkFactor)
	if err != nil {
		return nil, "", err
	}
	for _, s := range []struct {
		kind SlotKind
		r    age.Recipient
	}{{SlotPassphrase, passRec}, {SlotRecoveryCode, recID.Recipient()}} {
		js, err := v.writeSlot(s.kind, s.r, now)
		if err != nil {
			return nil, "", err
		}
		if s.kind == SlotRecoveryCode {
			// Public: it lets Rekey seal the slot again without the code.
			js.Params = map[string]string{paramRecipient: recID.Recipient().String()}
		}
		m.Slots = append(m.Slots, js)
	}
	v.entries, v.index, v.dirty, v.used = nil, map[string]int{}, map[string]bool{}, map[string]usage{}
	if err := v.writeBody(&body{Generation: 1, Saved: now}, false); err != nil {
		return nil, "", err
	}
	// The manifest comes last: a folder without it is no vault yet.
	if err := v.writeManifest(m); err != nil {
		return nil, "", err
	}
	return v, recID.String(), nil
}

// checkOwnFolder refuses a folder that holds a vault or files other than
// those an interrupted Create leaves: a vault gets a folder of its own,
// whose mode it sets and whose leftover files its saves remove.
func checkOwnFolder(dir string) error {
	if _, err := os.Stat(filepath.Join(dir, manifestFile)); err == nil {
		return fmt.Errorf("%s already holds a vault: %w", dir, fs.ErrExist)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("reading vault folder: %w", err)
	}
	for _, e := range ents {
		name := e.Name()
		if name == lockFile || name == generationFile || name == stateFile || name == bodyFile || validSlotFile(name) || strings.HasPrefix(name, tempPrefix+"slot-") ||
			strings.HasPrefix(name, tempPrefix+bodyFile+"-") || strings.HasPrefix(name, tempPrefix+manifestFile+"-") ||
			strings.HasPrefix(name, tempPrefix+generationFile+"-") || strings.HasPrefix(name, tempPrefix+stateFile+"-") {
			continue
		}
		return fmt.Errorf("%s is not empty (it holds %s): give a new or empty folder for the vault, so that its files do not mix with others; nothing was written", dir, name)
	}
	return nil
}

// startOver removes what an interrupted Create left in dir, if it left a
// body: only once the passphrase opens one of its slots and the body it
// opens is a new vault's, empty, so that no vault that lost its vault.json
// is ever taken for one. The caller holds the write lock.
func startOver(dir, passphrase string) error {
	if _, err := os.Lstat(filepath.Join(dir, bodyFile)); err != nil {
		return nil
	}
	id, err := age.NewScryptIdentity(passphrase)
	if err != nil {
		return err
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("reading vault folder: %w", err)
	}
	fresh := false
	for _, e := range ents {
		if !validSlotFile(e.Name()) || !strings.HasPrefix(e.Name(), "slot-"+string(SlotPassphrase)+"-") {
			continue
		}
		ct, err := readFile(dir, e.Name(), maxSlotSize)
		if err != nil {
			continue
		}
		master, mid, err := openSlot(ct, id)
		if err != nil {
			continue
		}
		clear(master)
		if ct, err = readFile(dir, bodyFile, maxBodySize); err != nil {
			break
		}
		b, err := decryptBody(bodyFile, ct, mid)
		if err == nil {
			fresh = b.Generation == 1 && len(b.Entries) == 0
			for i := range b.Entries {
				b.Entries[i].zero()
			}
		}
		break
	}
	if !fresh {
		return fmt.Errorf("%s holds body.age but no vault.json: what an interrupted create leaves, but this passphrase does not open it as a new, empty vault; "+
			"create it with the passphrase given the first time, or move the folder's files away to start over; nothing was written", dir)
	}
	for _, e := range ents {
		if name := e.Name(); name != lockFile {
			if err := os.Remove(filepath.Join(dir, name)); err != nil {
				return fmt.Errorf("starting over: %w", err)
			}
		}
	}
	return syncDir(dir)
}

// Open reads the description of the vault in dir and returns it locked. An
// error wraps [fs.ErrNotExist] if dir holds no vault, and is a
// [*VersionError] if a newer Tessera wrote it.
func Open(dir string, opts *Options) (*Vault, error) {
	v := &Vault{dir: dir}
	if opts != nil {
		v.opts = *opts
	}
	if err := v.readManifest(); err != nil {
		return nil, err
	}
	return v, nil
}

// Dir returns the vault's folder.
func (v *Vault) Dir() string { return v.dir }

func (v *Vault) lockWait() time.Duration {
	switch {
	case v.opts.LockWait == 0:
		return DefaultLockWait
	case v.opts.LockWait < 0:
		return 0
	}
	return v.opts.LockWait
}

// noVaultError is what Open says of a folder that holds no vault. It wraps
// fs.ErrNotExist without repeating that error's own words.
type noVaultError struct{ dir, why string }

func (e *noVaultError) Error() string { return "no vault at " + e.dir + e.why }
func (e *noVaultError) Unwrap() error { return fs.ErrNotExist }

func (v *Vault) readManifest() error {
	b, err := readFile(v.dir, manifestFile, maxManifestSize)
	if errors.Is(err, fs.ErrNotExist) {
		if _, serr := os.Stat(v.dir); serr != nil {
			return &noVaultError{dir: v.dir, why: " (the folder does not exist)"}
		}
		if _, serr := os.Stat(filepath.Join(v.dir, bodyFile)); serr == nil {
			if _, berr := os.Lstat(filepath.Join(v.dir, backupDir)); berr != nil {
				// No save was ever made: what an interrupted Create leaves.
				return &DamagedError{File: manifestFile, Err: errIncomplete}
			}
			return damaged(manifestFile, "is missing")
		}
		return &noVaultError{dir: v.dir}
	}
	if err != nil {
		return readError(manifestFile, err)
	}
	m, err := decodeManifest(b)
	if err != nil {
		return err
	}
	v.man, v.manBytes = m, b
	return nil
}

// Slots returns the vault's key slots.
func (v *Vault) Slots() []Slot {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := make([]Slot, len(v.man.Slots))
	for i := range v.man.Slots {
		out[i] = v.man.Slots[i].slot()
	}
	return out
}

// Unlock opens the vault with an age identity: a passphrase as
// age.NewScryptIdentity gives it, a recovery code from [ParseRecoveryCode],
// or the identity of a later slot kind. It tries every slot the identity
// can open and then reads the entries.
//
// A wrong passphrase or key gives [ErrWrongKey]. A slot file or body that
// cannot be read gives a [*DamagedError] (but a slot file that another
// process's passphrase change removed after this one read the manifest is
// no damage: Unlock reads the manifest again). If the body is damaged, the
// vault is left unlocked without entries so that [Vault.Backups] and
// [Vault.Restore] can repair it, and the error names the newest backup
// that opens.
//
// On a vault that is unlocked already, Unlock checks the key all the same
// and changes nothing, except that a key's slot that opens it counts from
// then on as what unlocked it ([Vault.UnlockedWith]): the person showed
// the key, as turning off [Vault.SetRequireKey] asks.
func (v *Vault) Unlock(id age.Identity) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if err := v.readManifest(); err != nil {
		return err
	}
	for tries := 1; ; tries++ {
		missing, err := v.unlockSlots(id)
		if err == nil && v.master != nil {
			v.removeStaleSlots()
			if v.man.Rekeying {
				v.finishRekey()
			}
		}
		if !missing || tries == manifestTries {
			return err
		}
		// A slot file the manifest named is gone. Readers take no lock:
		// a passphrase change in another process may have written a new
		// slot and manifest, and removed the old slot, since this one
		// read the manifest. That is no damage if the manifest changed.
		read := v.manBytes
		if err := v.readManifest(); err != nil {
			return err
		}
		if bytes.Equal(v.manBytes, read) {
			return err
		}
	}
}

// removeStaleSlots removes slot files the manifest does not list, which a
// passphrase change cut short leaves (the old passphrase still opens
// them, and they confuse README's recovery commands). Only under the write
// lock, which a passphrase change under way holds: its new slot file is
// not listed yet. If another process writes, the lock is not waited for:
// the next unlock or save cleans up.
func (v *Vault) removeStaleSlots() {
	listed := make(map[string]bool, len(v.man.Slots))
	for _, s := range v.man.Slots {
		listed[s.File] = true
	}
	ents, _ := os.ReadDir(v.dir)
	stale := false
	for _, e := range ents {
		stale = stale || validSlotFile(e.Name()) && !listed[e.Name()]
	}
	if !stale {
		return
	}
	l, err := lockWrite(v.dir, 0)
	if err != nil {
		return
	}
	defer l.release()
	if v.readManifest() == nil {
		v.removeLeftovers()
	}
}

// manifestTries bounds how often Unlock reads the manifest again when a
// slot file it named went missing while the manifest changed.
const manifestTries = 5

// unlockSlots is Unlock with the manifest read. It also reports whether a
// slot file the manifest names was missing, when no slot opened.
func (v *Vault) unlockSlots(id age.Identity) (missing bool, err error) {
	var slotErr error
	for _, s := range v.man.Slots {
		if !slotFits(id, SlotKind(s.Kind)) {
			continue
		}
		if beforeSlotRead != nil {
			beforeSlotRead(s.File)
		}
		ct, err := readFile(v.dir, s.File, maxSlotSize)
		if errors.Is(err, fs.ErrNotExist) {
			missing = true
			slotErr = cmpErr(slotErr, damaged(s.File, "%s slot file is missing", s.Kind))
			continue
		}
		if err != nil {
			slotErr = cmpErr(slotErr, asDamaged(s.File, err))
			continue
		}
		master, mid, err := openSlot(ct, id)
		if errors.Is(err, age.ErrIncorrectIdentity) {
			continue
		}
		if err != nil && SlotKind(s.Kind) == SlotPlugin {
			// The plugin failed (missing, wrong PIN, crashed): no damage.
			name, _, _ := plugin.ParseRecipient(s.Params[paramRecipient])
			slotErr = cmpErr(slotErr, pluginError(name, err))
			continue
		}
		if err != nil {
			slotErr = cmpErr(slotErr, damaged(s.File, "%s slot cannot be decrypted: %s", s.Kind, describeAgeErr(err)))
			continue
		}
		if v.master != nil {
			// Unlocked already: the key is right if it opens the same
			// master key, and nothing changes either way.
			same := subtle.ConstantTimeCompare(master, v.master) == 1
			clear(master)
			if same {
				if SlotKind(s.Kind).KeyKind() {
					v.unlockedBy = SlotKind(s.Kind)
				}
				return false, v.bodyErr
			}
			continue
		}
		v.master, v.recipient = master, mid.Recipient()
		v.unlockedBy = SlotKind(s.Kind)
		if !v.unlockedBy.KeyKind() && v.unlockedBy != SlotRecoveryCode {
			// The encrypted record decides, not vault.json, which anyone
			// can edit to list a passphrase slot copied before.
			if st, serr := v.readState(mid); serr == nil && st.RequireKey {
				v.lock()
				return false, ErrKeyRequired
			}
		}
		err = v.loadBody(mid)
		if errors.Is(err, errNotThisKey) {
			if _, serr := v.readState(mid); errors.Is(serr, errNotThisKey) {
				// Neither body.age nor state.age opens with the key
				// this slot holds: the slot is at fault, not the body.
				v.lock()
				slotErr = cmpErr(slotErr, damaged(s.File, "%s slot opens, but holds the key of another vault, not this one's (copied from another vault?); "+
					"unlock with another way in (the recovery code) and set the passphrase again", s.Kind))
				continue
			}
		}
		return false, err
	}
	if slotErr != nil {
		return missing, slotErr
	}
	return missing, ErrWrongKey
}

// beforeSlotRead, if set, is called with the name of each slot file Unlock
// is about to read (tests).
var beforeSlotRead func(file string)

// cmpErr keeps the first error.
func cmpErr(old, new error) error {
	if old != nil {
		return old
	}
	return new
}

// UnlockPassphrase is Unlock with a passphrase.
func (v *Vault) UnlockPassphrase(passphrase string) error {
	id, err := age.NewScryptIdentity(passphrase)
	if err != nil {
		return ErrWrongKey
	}
	return v.Unlock(id)
}

// UnlockRecoveryCode is Unlock with a recovery code. A code that is not
// well-formed gives an error that says so, not [ErrWrongKey].
func (v *Vault) UnlockRecoveryCode(code string) error {
	id, err := ParseRecoveryCode(code)
	if err != nil {
		return err
	}
	return v.Unlock(id)
}

// loadBody reads body.age into the unlocked vault. On a damaged body the
// vault stays unlocked with no entries and the error is kept in bodyErr.
func (v *Vault) loadBody(mid *age.X25519Identity) error {
	b, head, err := v.readBody(mid)
	if err != nil {
		var ve *VersionError
		if errors.As(err, &ve) {
			v.lock()
			return err
		}
		var de *DamagedError
		if errors.As(err, &de) {
			de.Backup = v.newestGoodBackup(mid)
		}
		v.entries, v.index, v.dirty, v.used = nil, map[string]int{}, map[string]bool{}, map[string]usage{}
		v.bodyErr = err
		return err
	}
	v.setBody(b, head)
	v.dirty, v.used = map[string]bool{}, map[string]usage{}
	v.checkRollback(b, head, mid)
	return nil
}

// identity parses the master identity afresh, so that no long-lived copy
// sits in age's types.
func (v *Vault) identity() *age.X25519Identity {
	id, err := age.ParseX25519Identity(string(v.master))
	if err != nil {
		panic("vault: master identity became invalid")
	}
	return id
}

// readBody reads and decrypts body.age.
func (v *Vault) readBody(mid *age.X25519Identity) (*body, []byte, error) {
	ct, err := readFile(v.dir, bodyFile, maxBodySize)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, damaged(bodyFile, "is missing")
	}
	if err != nil {
		return nil, nil, readError(bodyFile, err)
	}
	b, err := decryptBody(bodyFile, ct, mid)
	if err != nil {
		return nil, nil, err
	}
	// Whatever body this is (put back, restored, synced in), no HOTP
	// counter falls below what was handed out.
	v.readStateOrEmpty(mid).raise(b.Entries)
	return b, bytes.Clone(ct[:min(len(ct), headSize)]), nil
}

// decryptBody decrypts and decodes a body or backup file.
func decryptBody(name string, ct []byte, mid *age.X25519Identity) (*body, error) {
	r, err := age.Decrypt(bytes.NewReader(ct), mid)
	if errors.Is(err, age.ErrIncorrectIdentity) {
		return nil, &DamagedError{File: name, Err: errNotThisKey}
	}
	if err != nil {
		return nil, damaged(name, "%s", describeAgeErr(err))
	}
	plain := make([]byte, 0, len(ct))
	for {
		n, err := r.Read(plain[len(plain):cap(plain)])
		plain = plain[:len(plain)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			clear(plain)
			return nil, damaged(name, "%s", describeAgeErr(err))
		}
		if len(plain) == cap(plain) {
			plain = append(plain, 0)[:len(plain)]
		}
	}
	defer clear(plain)
	b, err := decodeBody(plain)
	if err != nil {
		var de *DamagedError
		if errors.As(err, &de) {
			de.File = name
		}
		var ve *VersionError
		if errors.As(err, &ve) {
			ve.File = name
		}
		return nil, err
	}
	return b, nil
}

// describeAgeErr says what an age decryption error means for a vault file.
func describeAgeErr(err error) string {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "bad header MAC"):
		return "its age header was changed"
	case strings.Contains(msg, "failed to read header"), strings.Contains(msg, "failed to read nonce"):
		return "its age header is cut short or changed (" + msg + ")"
	case strings.Contains(msg, "failed to decrypt and authenticate payload"), strings.Contains(msg, "unexpected EOF"),
		strings.Contains(msg, "last chunk"), strings.Contains(msg, "empty"):
		return "its content was changed or cut short (" + msg + ")"
	}
	return msg
}

// setBody makes b the vault's entries.
func (v *Vault) setBody(b *body, head []byte) {
	v.entries = b.Entries
	v.index = make(map[string]int, len(b.Entries))
	for i := range v.entries {
		v.index[v.entries[i].ID] = i
	}
	v.gen, v.head = b.Generation, head
}

// Lock forgets the master key and the entries, zeroing the secret bytes the
// vault holds (best effort: copies made by age, the Go runtime or callers
// are out of reach). A locked vault can be unlocked again.
func (v *Vault) Lock() {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.lock()
}

func (v *Vault) lock() {
	for i := range v.entries {
		v.entries[i].zero()
	}
	for _, s := range v.retired {
		clear(s)
	}
	clear(v.master)
	v.master, v.recipient, v.entries, v.index, v.dirty, v.used, v.retired = nil, nil, nil, nil, nil, nil, nil
	v.head, v.gen, v.bodyErr, v.rollback, v.unlockedBy = nil, 0, nil, nil, ""
}

// Locked reports whether the vault is locked.
func (v *Vault) Locked() bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.master == nil
}

// usable returns why the vault's entries cannot be used now, if they cannot.
func (v *Vault) usable() error {
	if v.master == nil {
		return ErrLocked
	}
	return v.bodyErr
}

// Entries returns the vault's entries, without tombstones, in the order they
// were added. It returns nil while the vault is locked.
func (v *Vault) Entries() []Entry {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := make([]Entry, 0, len(v.entries))
	for i := range v.entries {
		if !v.entries[i].Deleted {
			out = append(out, v.entries[i].clone())
		}
	}
	return out
}

// live returns the position of the live entry with the given ID; the
// caller holds v.mu.
func (v *Vault) live(id string) (int, error) {
	i, ok := v.index[id]
	if !ok || v.entries[i].Deleted {
		return 0, fmt.Errorf("entry %s: %w", id, ErrNotFound)
	}
	return i, nil
}

// Entry returns the live entry with the given ID.
func (v *Vault) Entry(id string) (Entry, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	i, err := v.live(id)
	if err != nil {
		return Entry{}, false
	}
	return v.entries[i].clone(), true
}

// Find returns the live entries whose issuer or account contains query,
// ignoring case. An entry whose ID is query is returned alone.
func (v *Vault) Find(query string) []Entry {
	v.mu.Lock()
	defer v.mu.Unlock()
	if i, ok := v.index[query]; ok && !v.entries[i].Deleted {
		return []Entry{v.entries[i].clone()}
	}
	q := strings.ToLower(query)
	var out []Entry
	for i := range v.entries {
		if e := &v.entries[i]; !e.Deleted && e.matches(q) {
			out = append(out, e.clone())
		}
	}
	return out
}

// Add adds a new entry and returns it as stored, with its ID and times. It
// copies the secret bytes, so the caller may zero its own. An OTP entry with
// empty Issuer and Account takes them from its credential.
//
// An entry of the same kind, issuer, account and secret as a live one is
// refused with a [*DuplicateError].
func (v *Vault) Add(e Entry) (Entry, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if err := v.usable(); err != nil {
		return Entry{}, err
	}
	if e.Kind == KindOTP && e.Issuer == "" && e.Account == "" {
		e.Issuer, e.Account = e.OTP.Issuer, e.OTP.Account
	}
	if err := prepare(&e); err != nil {
		return Entry{}, err
	}
	for i := range v.entries {
		if x := &v.entries[i]; !x.Deleted && x.sameSecret(&e) {
			return Entry{}, &DuplicateError{Existing: x.clone()}
		}
	}
	if e.ID == "" {
		e.ID = newID()
	} else if _, ok := v.index[e.ID]; ok {
		return Entry{}, fmt.Errorf("an entry with id %s already exists", e.ID)
	}
	now := time.Now().UTC()
	if e.Created.IsZero() {
		e.Created = now
	}
	e.Modified, e.Deleted = now, false
	e.OTP.Secret = bytes.Clone(e.OTP.Secret)
	e.Token.Value = bytes.Clone(e.Token.Value)
	e.Tags = slices.Clone(e.Tags)
	v.index[e.ID] = len(v.entries)
	v.entries = append(v.entries, e)
	v.dirty[e.ID] = true
	return e.clone(), nil
}

// prepare validates an entry given by a caller and fills what derives from
// it (the credential's names, a JWT's claims).
func prepare(e *Entry) error {
	switch e.Kind {
	case KindOTP:
		e.OTP.Issuer, e.OTP.Account = e.Issuer, e.Account
		e.Token = Token{}
		if err := e.OTP.Validate(); err != nil {
			return err
		}
	case KindToken:
		e.OTP = otp.Credential{}
		t := &e.Token
		if len(t.Value) == 0 {
			return errors.New("the token value is empty")
		}
		if !utf8.Valid(t.Value) {
			return errors.New("the token value is not UTF-8 text")
		}
		if err := checkTokenValue(t.Value); err != nil {
			return err
		}
		if e.Issuer == "" {
			return errors.New("the token has no name")
		}
		if c, ok := decodeJWT(t.Value); ok {
			t.JWTIssuer, t.JWTSubject = c.issuer, c.subject
			if t.Expires.IsZero() {
				t.Expires = c.expires
			}
		}
	default:
		return fmt.Errorf("entry kind %d unknown", e.Kind)
	}
	for _, s := range []string{e.Issuer, e.Account, e.Note, e.Icon} {
		if !utf8.ValidString(s) {
			return errors.New("entry text is not valid UTF-8")
		}
	}
	for _, f := range []struct{ what, s string }{{"issuer", e.Issuer}, {"account", e.Account}} {
		if err := CheckLabel(f.s); err != nil {
			return fmt.Errorf("the %s: %w", f.what, err)
		}
	}
	for _, tag := range e.Tags {
		if err := CheckLabel(tag); err != nil {
			return fmt.Errorf("a tag: %w", err)
		}
	}
	return nil
}

// Update replaces the entry with e's ID by e, and records the change time.
// Updating the ID of a deleted entry brings it back (undo of a delete).
// A HOTP counter never goes back while the secret stays the same, so that
// a copy taken before [Vault.AdvanceHOTP] cannot bring a used code back.
func (v *Vault) Update(e Entry) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if err := v.usable(); err != nil {
		return err
	}
	i, ok := v.index[e.ID]
	if !ok {
		return fmt.Errorf("entry %s: %w", e.ID, ErrNotFound)
	}
	if err := prepare(&e); err != nil {
		return err
	}
	old := &v.entries[i]
	e.keepCounter(old)
	e.Deleted = false
	e.Modified = later(old.Modified)
	if e.Created.IsZero() {
		e.Created = old.Created
	}
	e.OTP.Secret = v.keepSecret(old.OTP.Secret, e.OTP.Secret)
	e.Token.Value = v.keepSecret(old.Token.Value, e.Token.Value)
	e.Tags = slices.Clone(e.Tags)
	*old = e
	v.dirty[e.ID] = true
	return nil
}

// keepSecret returns the vault's slice for a secret that did not change, or
// a copy of the new one, retiring the old.
func (v *Vault) keepSecret(old, new []byte) []byte {
	if bytes.Equal(old, new) {
		return old
	}
	if old != nil {
		v.retired = append(v.retired, old)
	}
	return bytes.Clone(new)
}

// later returns now, or just after t if the clock reads earlier, so that
// every change of an entry has a later time than the one before.
func later(t time.Time) time.Time {
	now := time.Now().UTC()
	if !now.After(t) {
		return t.Add(time.Nanosecond)
	}
	return now
}

// usage is what this process recorded of an entry's use since its last save.
type usage struct {
	n    int
	last time.Time
}

// MarkUsed records that a code or value was taken from entry id at t: it
// raises Uses and LastUsed for sorting by use. Unlike [Vault.Update] it is
// not a change of the entry: it does not move Modified, so it never wins a
// merge over another writer's edit, and a save of nothing but uses keeps no
// backup, so copying codes does not push real versions out of the backups.
func (v *Vault) MarkUsed(id string, t time.Time) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if err := v.usable(); err != nil {
		return err
	}
	i, err := v.live(id)
	if err != nil {
		return err
	}
	t = t.UTC()
	u := v.used[id]
	u.n++
	if t.After(u.last) {
		u.last = t
	}
	v.used[id] = u
	e := &v.entries[i]
	e.Uses++
	if t.After(e.LastUsed) {
		e.LastUsed = t
	}
	return nil
}

// Delete removes the entry with the given ID, leaving a tombstone. The
// entry's secret is zeroed at [Vault.Lock], not now, since copies the
// caller holds share it: until then an undo can pass such a copy to
// [Vault.Update].
func (v *Vault) Delete(id string) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if err := v.usable(); err != nil {
		return err
	}
	i, err := v.live(id)
	if err != nil {
		return err
	}
	old := &v.entries[i]
	v.retired = append(v.retired, old.OTP.Secret, old.Token.Value)
	v.entries[i] = Entry{ID: id, Deleted: true, Modified: later(old.Modified)}
	v.dirty[id] = true
	return nil
}

// AdvanceHOTP returns the code of a HOTP entry's current counter, after
// saving the counter moved on (and any other unsaved change): under the
// write lock and on the latest saved state, so that no two callers, in this
// process or another, ever get the same code. On error no code is given.
func (v *Vault) AdvanceHOTP(id string) (string, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if err := v.usable(); err != nil {
		return "", err
	}
	l, err := lockWrite(v.dir, v.lockWait())
	if err != nil {
		return "", err
	}
	defer l.release()
	if err := v.syncLocked(); err != nil {
		return "", err
	}
	i, err := v.live(id)
	if err != nil {
		return "", err
	}
	e := &v.entries[i]
	if e.Kind != KindOTP || e.OTP.Kind != otp.HOTP {
		return "", fmt.Errorf("entry %s is not a HOTP credential", id)
	}
	// The highest counter handed out is kept apart from the body, and
	// durably before the code is given: no body put back or restored
	// later brings this code back. A crash after this and before the body
	// is written skips one code, which HOTP servers' look-ahead allows.
	st := v.readStateOrEmpty(v.identity())
	st.raise(v.entries[i : i+1])
	code, err := e.OTP.Code(time.Time{})
	if err != nil {
		return "", err
	}
	st.HOTP[hotpFingerprint(e.OTP.Secret)] = e.OTP.Counter + 1
	if err := v.withSpace(64<<10, func() error { return v.writeState(st) }); err != nil {
		return "", err
	}
	// A counter move alone keeps no backup, as uses keep none: taking
	// codes must not push real versions out of the few backups kept.
	backup := len(v.dirty) > 0
	e.OTP.Counter++
	e.Uses++
	e.LastUsed = time.Now().UTC()
	e.Modified = later(e.Modified)
	v.dirty[id] = true
	if err := v.writeChanges(backup); err != nil {
		return "", err
	}
	return code, nil
}
