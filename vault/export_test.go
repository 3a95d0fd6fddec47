package vault

import (
	"maps"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"

	"filippo.io/age"
)

// Hooks for the external tests.

// DecodeBodyForTest runs the body decoder on a plaintext.
func DecodeBodyForTest(plain []byte) ([]Entry, error) {
	b, err := decodeBody(plain)
	if err != nil {
		return nil, err
	}
	return b.Entries, nil
}

// EncodeBodyForTest encodes entries as a body plaintext.
func EncodeBodyForTest(gen uint64, entries []Entry) []byte {
	return encodeBody(nil, &body{Generation: gen, Entries: entries})
}

// DecodeManifestForTest runs the manifest decoder.
func DecodeManifestForTest(b []byte) error {
	_, err := decodeManifest(b)
	return err
}

// MasterKeyForTest returns the text of an unlocked vault's master identity.
func (v *Vault) MasterKeyForTest() string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return string(v.master)
}

// SecretsForTest returns the secret slices the vault holds, to check that
// Lock zeroes them.
func (v *Vault) SecretsForTest() [][]byte {
	v.mu.Lock()
	defer v.mu.Unlock()
	var out [][]byte
	for i := range v.entries {
		out = append(out, v.entries[i].OTP.Secret, v.entries[i].Token.Value)
	}
	out = append(out, v.master)
	return append(out, v.retired...)
}

// DecryptBodyForTest decrypts and decodes a body file's content with the
// master identity whose text is master.
func DecryptBodyForTest(ct []byte, master string) (int, error) {
	id, err := age.ParseX25519Identity(master)
	if err != nil {
		return 0, err
	}
	b, err := decryptBody(bodyFile, ct, id)
	if err != nil {
		return 0, err
	}
	return len(b.Entries), nil
}

// RecordDirSyncsForTest records the folders synced until the test ends,
// and returns a function that gives them.
func RecordDirSyncsForTest(t testing.TB) func() map[string]bool {
	var mu sync.Mutex
	seen := map[string]bool{}
	dirSynced = func(dir string) {
		mu.Lock()
		seen[filepath.Clean(dir)] = true
		mu.Unlock()
	}
	t.Cleanup(func() { dirSynced = nil })
	return func() map[string]bool {
		mu.Lock()
		defer mu.Unlock()
		return maps.Clone(seen)
	}
}

// BeforeSlotReadForTest has Unlock call f with the name of each slot file
// just before reading it, until the test ends.
func BeforeSlotReadForTest(t testing.TB, f func(file string)) {
	beforeSlotRead = f
	t.Cleanup(func() { beforeSlotRead = nil })
}

// FailLinksForTest makes hard links fail until the test ends, as on FAT
// and exFAT file systems, where Linux's vfat refuses link(2) with EPERM.
func FailLinksForTest(t testing.TB) {
	linkFile = func(oldname, newname string) error {
		return &os.LinkError{Op: "link", Old: oldname, New: newname, Err: syscall.EPERM}
	}
	t.Cleanup(func() { linkFile = os.Link })
}

// DecodeStateForTest runs the state.age content decoder and re-encodes
// what it read.
func DecodeStateForTest(plain []byte) ([]byte, error) {
	s, err := decodeState(plain)
	if err != nil {
		return nil, err
	}
	return s.encode(), nil
}

// ParseNamesForTest runs the parsers of the names of files in the vault
// folder: backup, damaged body and slot file names.
func ParseNamesForTest(name string) (backup uint64, isBackup bool, damagedAt int64, isDamaged, isSlot bool) {
	backup, isBackup = parseBackupName(name)
	damagedAt, isDamaged = parseDamagedName(name)
	return backup, isBackup, damagedAt, isDamaged, validSlotFile(name)
}

// BackupNameForTest and DamagedNameForTest give the names of backups and
// damaged bodies.
var (
	BackupNameForTest  = backupName
	DamagedNameForTest = damagedName
)

// ReadLockPIDForTest runs the parser of the lock file's PID.
var ReadLockPIDForTest = readLockPID

// OpenSlotForTest opens a slot file's content with id, zeroing what it
// returns.
func OpenSlotForTest(ct []byte, id age.Identity) error {
	master, _, err := openSlot(ct, id)
	clear(master)
	return err
}

// StopRekeyAfter makes the next Rekey return errStoppedForTest right after
// phase (1: files to both master keys, 2: the new slots written) until
// the returned function is called.
func StopRekeyAfter(phase int) (undo func()) {
	rekeyStop = func(p int) error {
		if p == phase {
			return errStoppedForTest
		}
		return nil
	}
	return func() { rekeyStop = nil }
}

var errStoppedForTest = errorString("stopped for the test")

type errorString string

func (e errorString) Error() string { return string(e) }
