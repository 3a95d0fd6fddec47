package vault

import (
	"errors"
	"fmt"
)

// ErrWrongKey is returned by the Unlock methods when the passphrase or key
// opens none of the vault's key slots.
var ErrWrongKey = errors.New("wrong passphrase or key")

// ErrDamaged is wrapped by every error about a vault file that cannot be read
// back: truncated, tampered with, missing or not parseable. Such errors are
// of type [*DamagedError].
var ErrDamaged = errors.New("vault damaged")

// ErrBusy is wrapped by errors of type [*BusyError], returned when another
// live process holds the vault's write lock for longer than
// [Options.LockWait].
var ErrBusy = errors.New("vault busy")

// ErrLocked is returned by methods that need the vault's contents while the
// vault is locked.
var ErrLocked = errors.New("vault is locked")

// ErrNotFound is returned for an entry ID or backup ID that does not exist.
var ErrNotFound = errors.New("not found")

// DamagedError describes a vault file that cannot be read back.
type DamagedError struct {
	File string // the file at fault, relative to the vault folder
	Err  error  // what is wrong with it

	// Backup is the ID of the newest backup that opens with the vault's
	// key, if the file at fault is the body and such a backup exists; pass
	// it to [Vault.Restore].
	Backup string
}

func (e *DamagedError) Error() string {
	msg := fmt.Sprintf("vault damaged: %s: %v", e.File, e.Err)
	if e.Backup != "" {
		msg += fmt.Sprintf(" (the newest backup that opens is %s: tessera restore %s)", e.Backup, e.Backup)
	}
	return msg
}

func (e *DamagedError) Unwrap() []error { return []error{ErrDamaged, e.Err} }

func damaged(file string, format string, args ...any) error {
	return &DamagedError{File: file, Err: fmt.Errorf(format, args...)}
}

// ErrIncomplete is wrapped by the error of [Open] for a folder that holds
// what an interrupted [Create] leaves: key slots and an empty body, but no
// vault.json. [Create] with the same passphrase starts over there.
var ErrIncomplete = errors.New("vault.json is missing, as an interrupted create leaves it")

var errIncomplete = fmt.Errorf("is missing, and no save was ever made (an interrupted create?): create the vault again, with the same passphrase, to start over: %w", ErrIncomplete)

// errNotThisKey is the damage of a body or state file that the master key
// from a slot does not open.
var errNotThisKey = errors.New("is not encrypted to this vault's key")

// asDamaged returns err, an error reading file, as a [*DamagedError]: as it
// is if it is one already (so that "vault damaged" is said once), else
// wrapped.
func asDamaged(file string, err error) error {
	var de *DamagedError
	if errors.As(err, &de) {
		return err
	}
	return &DamagedError{File: file, Err: fmt.Errorf("cannot be read: %w", err)}
}

// readError returns err, an error reading file: a [*DamagedError] as it is,
// anything else (a permission error, say: no damage) with the file named.
func readError(file string, err error) error {
	var de *DamagedError
	if errors.As(err, &de) {
		return err
	}
	return fmt.Errorf("reading %s: %w", file, err)
}

// VersionError is returned when a vault was written by a newer version of
// Tessera than this one. Such a vault is never written to.
type VersionError struct {
	File      string // the file that carries the version
	Version   int    // the vault's format version
	Supported int    // the newest format version this package reads
}

func (e *VersionError) Error() string {
	return fmt.Sprintf("%s: vault format version %d is newer than this Tessera understands (%d); upgrade Tessera to open it (the vault was left unchanged)",
		e.File, e.Version, e.Supported)
}

// BusyError names the process that holds the vault's write lock.
type BusyError struct {
	LockFile string // path of the lock file
	PID      int    // the holder's process ID, 0 if unknown
}

func (e *BusyError) Error() string {
	if e.PID > 0 {
		return fmt.Sprintf("vault busy: process %d is writing it (lock file %s); try again when it is done", e.PID, e.LockFile)
	}
	return fmt.Sprintf("vault busy: another process is writing it (lock file %s); try again when it is done", e.LockFile)
}

func (e *BusyError) Unwrap() error { return ErrBusy }

// DuplicateError is returned by [Vault.Add] for an entry of the same kind,
// issuer, account and secret as an existing one.
type DuplicateError struct {
	Existing Entry // the entry already in the vault
}

func (e *DuplicateError) Error() string {
	return fmt.Sprintf("the vault already holds this secret as entry %s (%s)", e.Existing.ID, e.Existing.Label())
}
