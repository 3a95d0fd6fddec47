// Package folder keeps several devices' vaults in step through a folder
// that an existing sync tool (Syncthing, Nextcloud, Dropbox, a USB stick)
// replicates, with no server of Tessera's own.
//
// # The folder
//
// Each device writes only files of its own, so no two devices ever write
// the same file:
//
//	tessera-device-ID.age   everything the device knows of every entry, age-encrypted to the vault's master key
//	tessera-keys-ID.json    a copy of the vault's key slots (see [vault.Vault.Keys]), so that another device can join
//
// A device file holds, per entry, its versions: each stamped by a hybrid
// logical clock ([Stamp]) and the device that made it, with a version
// vector that tells which earlier versions it knew. [Sync] merges every
// file in the folder into the vault:
//
//   - the newest version wins (stamp, then device ID, then content);
//   - a deletion is a version too (a tombstone), kept [TombstoneAge];
//     an entry edited after its deletion comes back;
//   - a HOTP counter never goes down: the highest counter seen for the
//     secret is kept;
//   - the losing side of a concurrent change (neither device knew of the
//     other's) stays in the entry's history ([History]) and is reported
//     once ([Report.Conflicts]).
//
// The merge is a join: commutative, associative and idempotent, so
// devices that have read the same files hold the same entries whatever
// order the files came in, duplicated or late. What sync tools leave
// behind (Syncthing's .sync-conflict- copies, Dropbox's and Nextcloud's
// "conflicted copy" names, temporary files, files cut short) is read like
// any device file; a file that cannot be decrypted or read is reported
// ([Problem]) and skipped, never deleted.
//
// # Revoking a device, and a new master key
//
// [Revoke] records a device's revocation in the folder (every device
// ignores its files from then on and says so), removes its files, and
// gives the vault a new master key ([vault.Vault.Rekey]), so that nothing
// written afterwards opens with what the revoked device holds. The other
// devices find the folder's key slots sealed to a newer master key
// ([KeyChangedError]) and take it in place with what opens them
// ([vault.Vault.AdoptKeys]): same device, same history, nothing lost.
package folder

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"filippo.io/age"

	"github.com/tessera-auth/tessera/vault"
)

// stateName is the vault's sealed file that holds this device's sync state.
const stateName = "sync-state"

// File name parts in the sync folder.
const (
	devicePrefix = "tessera-device-"
	keysPrefix   = "tessera-keys-"
)

// maxFile caps a device file read from the folder.
const maxFile = maxPayload + 1<<20

// Options adjust a sync. The zero value (or nil) gives the defaults.
type Options struct {
	// Name is this device's name as other devices list it. Empty keeps
	// the name given before, or the host name on the first sync.
	Name string

	// Now is the clock; nil means time.Now (tests give a skewed one).
	Now func() time.Time

	// revoke, if set, is recorded as revoked by this device ([Revoke]).
	revoke *Device
}

func (o *Options) now() time.Time {
	if o == nil || o.Now == nil {
		return time.Now()
	}
	return o.Now()
}

// Problem is a file in the sync folder that was skipped.
type Problem struct {
	File   string // its name in the folder
	Device string // the device its name gives, if any
	Why    string

	// Behind is set for a file written under a master key that this
	// vault's replaced: its device takes the new key at its next sync.
	Behind bool
}

func (p Problem) String() string {
	if p.File == "" {
		return fmt.Sprintf("device %s: %s", p.Device, p.Why)
	}
	if p.Device != "" {
		return fmt.Sprintf("%s (device %s): %s", p.File, p.Device, p.Why)
	}
	return fmt.Sprintf("%s: %s", p.File, p.Why)
}

// Report says what a [Sync] did.
type Report struct {
	Device    Device // this device
	File      string // the device file written
	Sent      int    // changes made on this device since its last sync, now published
	Added     int    // entries the vault took in...
	Updated   int
	Deleted   int
	Conflicts []Conflict // losing sides of concurrent changes, each reported once
	Problems  []Problem  // files skipped
	Devices   []Device   // every device known, this one included

	// Cloned, if not empty, is the device ID this vault synced under
	// until this sync found another copy of the vault (a vault folder
	// copied to another computer instead of joining) writing under it
	// too. This vault continues as Device.ID.
	Cloned string
}

// DeviceFile returns the name of a device's file in the sync folder.
func DeviceFile(id string) string { return devicePrefix + id + ".age" }

func keysFile(id string) string { return keysPrefix + id + ".json" }

// Sync merges the device files in dir into the unlocked vault v and writes
// this device's file (and its copy of the key slots) into dir. The first
// sync makes this vault a device with a new ID. Everything is saved under
// the vault's write lock, each file atomically: the sync state first (with
// a record of what it gives the vault), then the entries, then the device
// file, so that a crash at any point leaves nothing to mistake for a change
// made on this device.
func Sync(v *vault.Vault, dir string, opts *Options) (*Report, error) {
	if err := checkFolder(dir); err != nil {
		return nil, err
	}
	if opts != nil && (len(opts.Name) > MaxName || !utf8.ValidString(opts.Name)) {
		return nil, fmt.Errorf("the device name is not UTF-8 text of at most %d bytes", MaxName)
	}
	if err := newerKeys(v, dir); err != nil {
		return nil, err
	}
	keys, err := v.Keys()
	if err != nil {
		return nil, err
	}
	master := v.KeyFingerprint()
	rep := &Report{}
	inputs := readFolder(v, dir, &rep.Problems)
	defer func() {
		for _, in := range inputs {
			in.zero()
		}
	}()
	var mine *state
	var plain []byte // the sealed state's plaintext
	defer func() {
		if mine != nil {
			mine.zero()
		}
		clear(plain)
	}()
	now := opts.now()
	err = v.Merge(stateName, func(entries []vault.Entry, sealed []byte, seal func([]byte) ([]byte, error)) (vault.MergeResult, error) {
		s, err := loadState(sealed, opts)
		if err != nil {
			return vault.MergeResult{}, err
		}
		mine = s
		if opts != nil && opts.revoke != nil {
			s.revoke(Revocation{Device: opts.revoke.ID, Name: opts.revoke.Name, By: s.device, At: s.clock.tick(now), Master: master})
		}
		for _, in := range inputs {
			if r, ok := in.revoked[s.device]; ok && in.device != s.device {
				return vault.MergeResult{}, &RevokedError{Revocation: r, ByName: in.devices[r.By].Name}
			}
		}
		var changes []vault.Entry
		var ignored []*state
		was := s.device
		rep.Sent, rep.Conflicts, changes, ignored = s.step(entries, inputs, now)
		if s.device != was {
			rep.Cloned = was
		}
		rep.Problems = revokedProblems(s, rep.Problems, ignored, master)
		// This device's own file is written again now: whatever kept it
		// from being read (a new master key since) is over.
		rep.Problems = slices.DeleteFunc(rep.Problems, func(p Problem) bool { return p.File == DeviceFile(s.device) })
		have := make(map[string]bool, len(entries))
		for _, e := range entries {
			have[e.ID] = !e.Deleted
		}
		for _, c := range changes {
			switch {
			case c.Deleted:
				rep.Deleted++
			case have[c.ID]:
				rep.Updated++
			default:
				rep.Added++
			}
		}
		me := s.devices[s.device]
		rep.Device, rep.File = me, DeviceFile(s.device)
		rep.Devices = devices(s)
		plain = s.encode(nil, true)
		pub := s.encode(nil, false)
		defer clear(pub)
		ct, err := seal(pub)
		if err != nil {
			return vault.MergeResult{}, err
		}
		return vault.MergeResult{Entries: changes, Sealed: plain, Then: func() error {
			removeOwnTemps(dir, s.device)
			if err := writeIfChanged(dir, keysFile(s.device), keys); err != nil {
				return fmt.Errorf("writing to the sync folder: %w", err)
			}
			if err := vault.WriteFile(dir, DeviceFile(s.device), ct); err != nil {
				return fmt.Errorf("writing to the sync folder: %w", err)
			}
			return nil
		}}, nil
	})
	if err != nil {
		if errors.Is(err, vault.ErrDamaged) && strings.Contains(err.Error(), stateName) {
			err = fmt.Errorf("%w; the sync state can be rebuilt: remove %s and sync again (this vault then syncs as a new device, keeping its entries)",
				err, filepath.Join(v.Dir(), "sealed", stateName+".age"))
		}
		return nil, err
	}
	return rep, nil
}

// RevokedError is returned by [Sync] on a device that another revoked: it
// no longer syncs (its vault stays as it is).
type RevokedError struct {
	Revocation
	ByName string // the revoking device's name, if known
}

func (e *RevokedError) Error() string {
	by := e.ByName
	if by == "" {
		by = "device " + e.By
	}
	return fmt.Sprintf("this device was revoked by %s on %s: it no longer syncs through this folder (its vault stays as it is; to sync again, join as a new device with tessera sync --folder DIR --vault NEWDIR)",
		by, e.At.Time().Local().Format("2006-01-02 15:04"))
}

// revokedProblems says of the folder's files from revoked devices that
// they were ignored, in place of whatever reading them said, and warns of
// a revocation this device made that the master key did not follow (cut
// short before the rekey).
func revokedProblems(s *state, problems []Problem, ignored []*state, master string) []Problem {
	why := func(id string) string {
		r := s.revoked[id]
		by := s.devices[r.By].Name
		if by == "" {
			by = "device " + r.By
		}
		return fmt.Sprintf("device %s was revoked by %s on %s: its file is ignored", cmp.Or(r.Name, id), by, r.At.Time().Local().Format("2006-01-02 15:04"))
	}
	for i, p := range problems {
		if _, ok := s.revoked[p.Device]; ok && p.Device != "" {
			problems[i].Why = why(p.Device)
		}
	}
	for _, in := range ignored {
		problems = append(problems, Problem{File: in.file, Device: in.device, Why: why(in.device)})
	}
	for _, id := range sortedKeys(s.revoked) {
		if r := s.revoked[id]; r.By == s.device && r.Master == master {
			problems = append(problems, Problem{Device: id, Why: fmt.Sprintf(
				"revoked, but the vault's master key was not changed since (the revocation was cut short): run tessera sync devices revoke %s again", id)})
		}
	}
	return problems
}

// KeyChangedError is returned by [Sync] when the folder holds the key
// slots of a master key that replaced this vault's: another device ran
// [Revoke] or tessera rekey. [vault.Vault.AdoptKeys] with Keys and what
// opens one of their slots (the passphrase, the recovery code, a security
// key) takes the new key in place; then Sync again.
type KeyChangedError struct {
	Device string // the device whose keys file holds the new key
	Name   string // its name, if known
	File   string // the keys file, in the folder
	Keys   []byte // its content
}

func (e *KeyChangedError) Error() string {
	return fmt.Sprintf("the vault got a new master key on %s (a device was revoked, or tessera rekey ran there): this device takes it with the passphrase, recovery code or security key that opens the new keys, and keeps its entries",
		cmp.Or(e.Name, "device "+e.Device))
}

// newerKeys returns a [*KeyChangedError] if a keys file in dir holds a
// master key that replaced v's, the newest such file if several do.
func newerKeys(v *vault.Vault, dir string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil // readFolder reports it
	}
	var found *KeyChangedError
	var foundMod time.Time
	for _, e := range ents {
		if !strings.Contains(e.Name(), keysPrefix) || e.IsDir() {
			continue
		}
		fi, err := e.Info()
		if err != nil || !fi.Mode().IsRegular() || fi.Size() > 1<<20 {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		if rel, err := v.CompareKeys(b); err != nil || rel != vault.KeysNewer {
			continue
		}
		if found == nil || fi.ModTime().After(foundMod) {
			found, foundMod = &KeyChangedError{Device: deviceOfKeys(e.Name()), File: e.Name(), Keys: b}, fi.ModTime()
		}
	}
	if found == nil {
		return nil
	}
	if found.Device != "" {
		if sealed, err := v.ReadSealed(stateName); err == nil {
			if s, err := decode(sealed, true); err == nil {
				found.Name = s.devices[found.Device].Name
				s.zero()
			}
			clear(sealed)
		}
	}
	return found
}

// deviceOfKeys returns the device ID in a keys file's name, or "".
func deviceOfKeys(name string) string {
	i := strings.Index(name, keysPrefix)
	if i < 0 || len(name) < i+len(keysPrefix)+16 || !validDevice(name[i+len(keysPrefix):i+len(keysPrefix)+16]) {
		return ""
	}
	return name[i+len(keysPrefix) : i+len(keysPrefix)+16]
}

// checkFolder refuses a sync folder that does not exist: a mistyped path
// must not become a new, unreplicated folder.
func checkFolder(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("sync folder %s does not exist: create it (or let the sync tool create it) first: %w", dir, err)
		}
		return fmt.Errorf("sync folder: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("sync folder %s is not a folder", dir)
	}
	return nil
}

// removeOwnTemps removes the temporary files an interrupted write of this
// device's own files left in the folder (vault.WriteFile names them
// .tmp-NAME-*). Other devices' files are never touched.
func removeOwnTemps(dir, device string) {
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		n := e.Name()
		if strings.HasPrefix(n, ".tmp-"+DeviceFile(device)+"-") || strings.HasPrefix(n, ".tmp-"+keysFile(device)+"-") {
			os.Remove(filepath.Join(dir, n))
		}
	}
}

// writeIfChanged writes data to dir/name unless the file holds it already,
// so that an unchanged file gives the sync tool nothing to copy.
func writeIfChanged(dir, name string, data []byte) error {
	if old, err := os.ReadFile(filepath.Join(dir, name)); err == nil && bytes.Equal(old, data) {
		return nil
	}
	return vault.WriteFile(dir, name, data)
}

// loadState decodes the sealed sync state, or starts that of a new device.
func loadState(sealed []byte, opts *Options) (*state, error) {
	name := ""
	if opts != nil {
		name = opts.Name
	}
	if sealed == nil {
		s := newState()
		s.device = newDeviceID()
		s.name = name
		if s.name == "" {
			s.name, _ = os.Hostname()
		}
		if s.name == "" {
			s.name = "device " + s.device[:4]
		}
		return s, nil
	}
	s, err := decode(sealed, true)
	if err != nil {
		return nil, fmt.Errorf("vault damaged: sealed/%s.age: %v: %w", stateName, err, vault.ErrDamaged)
	}
	if name != "" {
		s.name = name
	}
	return s, nil
}

// readFolder decrypts and reads every device file in dir, conflict copies
// and temporary files included, reporting those it skips.
func readFolder(v *vault.Vault, dir string, problems *[]Problem) []*state {
	ents, err := os.ReadDir(dir)
	if err != nil {
		*problems = append(*problems, Problem{File: dir, Why: err.Error()})
		return nil
	}
	var out []*state
	for _, e := range ents {
		name := e.Name()
		if !strings.Contains(name, devicePrefix) || e.IsDir() {
			continue
		}
		s, err := readDeviceFile(v, filepath.Join(dir, name))
		if err != nil {
			err = olderKey(v, dir, name, err)
			*problems = append(*problems, Problem{File: name, Device: deviceOfName(name), Why: describe(name, err), Behind: errors.Is(err, errBehind)})
			continue
		}
		s.file = name
		out = append(out, s)
	}
	return out
}

func readDeviceFile(v *vault.Vault, path string) (*state, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	if fi.Size() > maxFile {
		return nil, fmt.Errorf("%d bytes, more than %d", fi.Size(), maxFile)
	}
	ct := make([]byte, fi.Size())
	if _, err := f.ReadAt(ct, 0); err != nil && fi.Size() > 0 {
		return nil, fmt.Errorf("cut short while read (%v)", err)
	}
	plain, err := v.Unseal(ct)
	if err != nil {
		return nil, unsealError(err)
	}
	defer clear(plain)
	return decode(plain, false)
}

// olderKey says, of a device file that is not encrypted to this vault's
// key, that it was written under a master key this vault's replaced, if
// its device's keys file tells so.
func olderKey(v *vault.Vault, dir, name string, err error) error {
	id := deviceOfName(name)
	if id == "" || !strings.Contains(err.Error(), "not encrypted to this vault's key") {
		return err
	}
	b, rerr := os.ReadFile(filepath.Join(dir, keysFile(id)))
	if rerr != nil {
		return err
	}
	if rel, _ := v.CompareKeys(b); rel == vault.KeysOlder {
		return errBehind
	}
	return err
}

var errBehind = errors.New("it was written before this vault got its new master key: that device takes the new key at its next sync (it asks for the passphrase), then writes its file again")

// unsealError says what a failed decryption means for a device file.
func unsealError(err error) error {
	var de *vault.DamagedError
	if !errors.As(err, &de) {
		return err
	}
	if strings.Contains(de.Err.Error(), "not encrypted to this vault's key") {
		return errors.New("it is not encrypted to this vault's key: it belongs to another vault (a device that made its own vault instead of joining with --vault NEWDIR), " +
			"or one of the two devices gave the vault a new master key since and the other has not taken it yet (its next sync asks for what opens the new keys)")
	}
	return de.Err
}

// describe names what a sync tool left behind, for a skipped file.
func describe(name string, err error) string {
	var what string
	switch {
	case strings.Contains(name, ".sync-conflict-"):
		what = "a Syncthing conflict copy"
	case strings.Contains(name, "conflicted copy") || strings.Contains(name, "conflict"):
		what = "a conflicted copy left by the sync tool"
	case strings.HasPrefix(name, ".") || strings.HasPrefix(name, "~") || strings.HasSuffix(name, ".tmp") ||
		strings.Contains(name, ".~") || strings.HasSuffix(name, ".part") || strings.HasSuffix(name, ".partial"):
		what = "a temporary file (a copy in progress, or an interrupted one)"
	}
	if what != "" {
		return what + ": " + err.Error()
	}
	return err.Error()
}

// deviceOfName returns the device ID in a device file's name, or "".
func deviceOfName(name string) string {
	i := strings.Index(name, devicePrefix)
	if i < 0 || len(name) < i+len(devicePrefix)+16 {
		return ""
	}
	id := name[i+len(devicePrefix) : i+len(devicePrefix)+16]
	if !validDevice(id) {
		return ""
	}
	return id
}

func devices(s *state) []Device {
	out := make([]Device, 0, len(s.devices))
	for _, d := range s.devices {
		if r, ok := s.revoked[d.ID]; ok {
			d.Revoked = &r
		}
		out = append(out, d)
	}
	for id, r := range s.revoked {
		if _, ok := s.devices[id]; !ok {
			out = append(out, Device{ID: id, Name: r.Name, Revoked: &r})
		}
	}
	slices.SortFunc(out, func(a, b Device) int { return b.Seen.Compare(a.Seen) })
	return out
}

// Devices lists the devices that sync through dir, newest first, as their
// files and this vault's sync state tell, with the files it had to skip.
// It writes nothing.
func Devices(v *vault.Vault, dir string) (this string, list []Device, problems []Problem, err error) {
	if err := checkFolder(dir); err != nil {
		return "", nil, nil, err
	}
	s := newState()
	sealed, err := v.ReadSealed(stateName)
	switch {
	case err == nil:
		s, err = decode(sealed, true)
		clear(sealed)
		if err != nil {
			return "", nil, nil, fmt.Errorf("vault damaged: sealed/%s.age: %v: %w", stateName, err, vault.ErrDamaged)
		}
		defer s.zero()
	case !errors.Is(err, fs.ErrNotExist):
		return "", nil, nil, err
	}
	inputs := readFolder(v, dir, &problems)
	for _, in := range inputs {
		for _, r := range in.revoked {
			s.revoke(r)
		}
	}
	var ignored []*state
	for _, in := range inputs {
		if _, gone := s.revoked[in.device]; gone {
			ignored = append(ignored, in)
			in.zero()
			continue
		}
		for id, d := range in.devices {
			if old, ok := s.devices[id]; !ok || d.Seen.Compare(old.Seen) > 0 {
				s.devices[id] = d
			}
		}
		in.zero()
	}
	return s.device, devices(s), revokedProblems(s, problems, ignored, v.KeyFingerprint()), nil
}

// History returns the kept versions of entry id, newest first, from this
// vault's sync state: the current one, earlier ones, and the losing sides
// of concurrent changes. It returns nil for an entry sync never saw.
func History(v *vault.Vault, id string) ([]HistoryItem, error) {
	sealed, err := v.ReadSealed(stateName)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer clear(sealed)
	s, err := decode(sealed, true)
	if err != nil {
		return nil, fmt.Errorf("vault damaged: sealed/%s.age: %v: %w", stateName, err, vault.ErrDamaged)
	}
	h := s.history(id)
	for i := range h {
		// The caller gets secrets of its own; s is zeroed below.
		h[i].Entry.OTP.Secret = bytes.Clone(h[i].Entry.OTP.Secret)
		h[i].Entry.Token.Value = bytes.Clone(h[i].Entry.Token.Value)
	}
	s.zero()
	return h, nil
}

// ErrNoKeys is returned by [Join] for a folder that holds no keys file.
var ErrNoKeys = errors.New("the sync folder holds no tessera-keys file: run tessera sync --folder DIR on a device that has the vault first")

// Join makes a new vault in vaultDir from the key slots another device
// left in the sync folder dir, once id (a passphrase or recovery code
// identity) opens one of them, and returns it unlocked; a [Sync] then
// fills it. It gives [vault.ErrWrongKey] if id opens no keys file's slot.
func Join(dir, vaultDir string, id age.Identity, opts *vault.Options) (*vault.Vault, error) {
	docs, keysErr, err := currentKeys(dir)
	if err != nil {
		return nil, err
	}
	wrong := false
	for _, d := range docs {
		v, err := vault.Join(vaultDir, d.keys, id, opts)
		var ve *vault.VersionError
		switch {
		case err == nil:
			return v, nil
		case errors.Is(err, vault.ErrWrongKey):
			wrong = true
		case strings.HasPrefix(err.Error(), "keys:"), errors.As(err, &ve):
			// A damaged or newer keys file: another may serve.
			keysErr = cmp.Or(keysErr, fmt.Errorf("%s: %w", d.name, err))
		default:
			return nil, err // the new vault folder is at fault
		}
	}
	if wrong || keysErr == nil {
		return nil, vault.ErrWrongKey
	}
	return nil, keysErr
}

// CurrentKeys returns the keys file (its content) that [Join] tries first:
// the newest one whose master key no other keys file in dir replaced. A
// device that joins with a security key runs the key's ceremony for the
// slots it holds ([vault.ParseKeys], [vault.KeysUser]).
func CurrentKeys(dir string) ([]byte, error) {
	docs, keysErr, err := currentKeys(dir)
	if err != nil {
		return nil, err
	}
	if len(docs) == 0 {
		return nil, keysErr
	}
	return docs[0].keys, nil
}

type keysDoc struct {
	name string
	keys []byte
}

// currentKeys reads the keys files in dir, newest first (it has the latest
// passphrase), leaving out those of a master key another replaced (a device
// that has not taken the new key yet). keysErr tells of files that could
// not be read.
func currentKeys(dir string) (docs []keysDoc, keysErr error, err error) {
	if err := checkFolder(dir); err != nil {
		return nil, nil, err
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, err
	}
	type cand struct {
		name string
		mod  time.Time
	}
	var cands []cand
	for _, e := range ents {
		if !strings.Contains(e.Name(), keysPrefix) || e.IsDir() {
			continue
		}
		if fi, err := e.Info(); err == nil && fi.Mode().IsRegular() {
			cands = append(cands, cand{e.Name(), fi.ModTime()})
		}
	}
	if len(cands) == 0 {
		return nil, nil, ErrNoKeys
	}
	slices.SortFunc(cands, func(a, b cand) int { return b.mod.Compare(a.mod) })
	replaced := map[string]bool{}
	for _, c := range cands {
		b, err := os.ReadFile(filepath.Join(dir, c.name))
		if err != nil {
			keysErr = cmp.Or(keysErr, fmt.Errorf("%s: %w", c.name, err))
			continue
		}
		docs = append(docs, keysDoc{c.name, b})
		if _, older, err := vault.KeysFingerprints(b); err == nil {
			for _, fp := range older {
				replaced[fp] = true
			}
		}
	}
	docs = slices.DeleteFunc(docs, func(d keysDoc) bool {
		master, _, err := vault.KeysFingerprints(d.keys)
		return err == nil && replaced[master]
	})
	return docs, keysErr, nil
}
