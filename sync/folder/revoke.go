package folder

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/tessera-auth/tessera/vault"
)

// ErrNoDevice is returned by [FindDevice] and [Revoke] for a name or ID
// that no device in the folder has.
var ErrNoDevice = errors.New("no device of that name or ID syncs through the folder (tessera sync devices lists them)")

// ErrRevokeSelf is returned by [Revoke] for this device itself.
var ErrRevokeSelf = errors.New("that is this device: revoke it from another device")

// FindDevice returns the device syncing through dir whose ID or name is
// who (a name matched without regard to case; several devices of that
// name are an error listing their IDs), and this device's ID.
func FindDevice(v *vault.Vault, dir, who string) (d Device, this string, err error) {
	this, list, _, err := Devices(v, dir)
	if err != nil {
		return Device{}, "", err
	}
	var named []Device
	for _, d := range list {
		if d.ID == who {
			return d, this, nil
		}
		if strings.EqualFold(d.Name, who) {
			named = append(named, d)
		}
	}
	switch len(named) {
	case 0:
		return Device{}, this, fmt.Errorf("%q: %w", who, ErrNoDevice)
	case 1:
		return named[0], this, nil
	}
	ids := make([]string, len(named))
	for i, d := range named {
		ids[i] = d.ID
	}
	return Device{}, this, fmt.Errorf("%d devices are named %q: give one of their IDs (%s)", len(named), who, strings.Join(ids, ", "))
}

// RevokeOptions say how [Revoke] seals the vault's slots to the new master
// key.
type RevokeOptions struct {
	Options
	// Rekey gives the passphrase that seals the passphrase slot again
	// (and an age plugin's prompts): see [vault.RekeyOptions]. A vault
	// with a passphrase slot needs it, or NewPassphrase.
	Rekey vault.RekeyOptions
	// NewPassphrase, if not empty, replaces the passphrase before the new
	// master key is made: for a device whose person knows the old one.
	NewPassphrase string
}

// RevokeResult says what [Revoke] did.
type RevokeResult struct {
	Device  Device   // the device revoked
	Removed []string // its files removed from the folder
	Rekey   *vault.RekeyResult
	Sync    *Report // the sync that published the new key
}

// Revoke revokes the device who (its ID or name, as [FindDevice] takes)
// in one step: it records the revocation in this device's file (every
// device ignores the revoked one's files from then on, and says so),
// removes the revoked device's files from dir, gives the vault a new
// master key ([vault.Vault.Rekey]), after a new passphrase if one is
// given, and syncs, which writes this device's file and the folder's key
// slots for the new key. The other devices take the new key at their next
// sync ([KeyChangedError]).
//
// What it protects: nothing written afterwards opens with what the revoked
// device holds. What it cannot: what that device already read stays
// readable to it, and if its person knows the passphrase and still reaches
// the folder, the passphrase opens the new key slots too: change it
// (NewPassphrase) in the same step.
//
// Every step is crash-safe: cut short, the vault and the folder open, the
// revocation already recorded is kept, and the next [Sync] says that it was
// not finished; Revoke again finishes it.
func Revoke(v *vault.Vault, dir, who string, opts *RevokeOptions) (*RevokeResult, error) {
	if opts == nil {
		opts = &RevokeOptions{}
	}
	d, this, err := FindDevice(v, dir, who)
	if err != nil {
		return nil, err
	}
	if d.ID == this {
		return nil, ErrRevokeSelf
	}
	passes := opts.Rekey.Passphrases
	if opts.NewPassphrase != "" {
		if err := vault.CheckPassphrase(opts.NewPassphrase); err != nil {
			return nil, err
		}
		passes = []string{opts.NewPassphrase}
	}
	if err := checkPassphrases(v, opts.Rekey.Passphrases, opts.NewPassphrase != ""); err != nil {
		return nil, err
	}
	res := &RevokeResult{Device: d}

	// 1. The revocation, in this device's sync state and file.
	sopts := opts.Options
	sopts.revoke = &d
	if _, err := Sync(v, dir, &sopts); err != nil {
		return nil, err
	}
	// 2. Its files leave the folder (copies a sync tool made included).
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	for _, e := range ents {
		n := e.Name()
		if strings.Contains(n, devicePrefix+d.ID) || strings.Contains(n, keysPrefix+d.ID) {
			if err := os.Remove(filepath.Join(dir, n)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("removing the revoked device's file: %w", err)
			}
			res.Removed = append(res.Removed, n)
		}
	}
	// 3. A new passphrase, if asked for, then a new master key.
	if opts.NewPassphrase != "" {
		if err := v.SetPassphrase(opts.NewPassphrase); err != nil {
			return nil, fmt.Errorf("the device is revoked, but the passphrase was not changed (revoke again to finish): %w", err)
		}
	}
	ropts := opts.Rekey
	ropts.Passphrases = passes
	if res.Rekey, err = v.Rekey(&ropts); err != nil {
		return nil, fmt.Errorf("the device is revoked, but the vault's master key was not changed (revoke again to finish): %w", err)
	}
	// 4. This device's file and the key slots, for the new key.
	if res.Sync, err = Sync(v, dir, &opts.Options); err != nil {
		return nil, fmt.Errorf("the device is revoked and the vault has a new master key, but writing to the sync folder failed (the next sync does it): %w", err)
	}
	return res, nil
}

// checkPassphrases makes sure that a vault with a passphrase slot has a
// passphrase given that opens it, so that the rekey does not drop it.
// With newPass, the slot is replaced before the rekey: one passphrase is
// enough, if any opens the vault at all (the unlocked vault vouches).
func checkPassphrases(v *vault.Vault, passes []string, newPass bool) error {
	has := false
	for _, s := range v.Slots() {
		has = has || s.Kind == vault.SlotPassphrase
	}
	if !has || newPass {
		return nil
	}
	if len(passes) == 0 {
		return errors.New("revoking gives the vault a new master key: give the passphrase, to seal it to the new key")
	}
	for _, p := range passes {
		// On an unlocked vault, Unlock checks the key and changes nothing.
		err := v.UnlockPassphrase(p)
		if err == nil {
			return nil
		}
		if !errors.Is(err, vault.ErrWrongKey) {
			return err
		}
	}
	return fmt.Errorf("the passphrase given does not open the vault: %w", vault.ErrWrongKey)
}
