package vault

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"filippo.io/age"
	"filippo.io/age/plugin"
)

// ErrRekeyed is returned by a write when another program gave the vault a
// new master key ([Vault.Rekey]) since this one unlocked it.
var ErrRekeyed = errors.New("another program gave the vault a new master key (tessera rekey): lock it and unlock it again; unsaved changes are lost")

// ErrKeyRequired is returned when the vault requires a security key
// ([Vault.SetRequireKey]) and a way in without one was used or asked for.
var ErrKeyRequired = errors.New("this vault requires a security key: unlock with the key (or the recovery code)")

// Slot parameters kept in vault.json. None of them is secret.
const (
	paramRecipient      = "recipient"     // the age recipient the slot is sealed to
	paramCredentialID   = "credential_id" // base64url, security keys
	paramPublicKey      = "public_key"    // base64url COSE key
	paramPRFSalt        = "prf_salt"      // base64url
	paramSignCount      = "sign_count"    // decimal, never lowered
	paramAAGUID         = "aaguid"        // base64url
	paramBackupEligible = "backup_eligible"
	paramTransports     = "transports"      // comma-separated
	paramPluginIdentity = "plugin_identity" // AGE-PLUGIN-NAME-1..., if given
	paramLastUsed       = "last_used"       // RFC 3339, the last unlock a key's counter was recorded for
)

// LastUsed returns when the slot's security key last unlocked the vault
// (as [Vault.RecordSignCount] recorded it), or the zero time.
func (s Slot) LastUsed() time.Time {
	t, err := time.Parse(time.RFC3339, s.Params[paramLastUsed])
	if err != nil {
		return time.Time{}
	}
	return t
}

var b64 = base64.RawURLEncoding

// keyAndPassphrase is the identity of a passphrase+key slot.
type keyAndPassphrase struct {
	key  age.Identity
	pass *age.ScryptIdentity
}

// Unwrap refuses: the two layers of a passphrase+key slot are opened one
// after the other by the vault, never as one age file.
func (*keyAndPassphrase) Unwrap([]*age.Stanza) ([]byte, error) {
	return nil, age.ErrIncorrectIdentity
}

// KeyAndPassphrase returns the identity that opens a passphrase+key slot
// ([SlotPassphraseKey]) for [Vault.Unlock]: key is the security key's
// identity ([SecurityKeyIdentity]).
func KeyAndPassphrase(key age.Identity, passphrase string) (age.Identity, error) {
	p, err := age.NewScryptIdentity(passphrase)
	if err != nil {
		return nil, errors.New("the passphrase is empty")
	}
	return &keyAndPassphrase{key: key, pass: p}, nil
}

// params returns the manifest parameters of a security key's slot.
func (k *SecurityKey) params() map[string]string {
	p := map[string]string{
		paramRecipient:    k.Recipient,
		paramCredentialID: b64.EncodeToString(k.CredentialID),
		paramPublicKey:    b64.EncodeToString(k.PublicKey),
		paramPRFSalt:      b64.EncodeToString(k.PRFSalt),
		paramSignCount:    strconv.FormatUint(uint64(k.SignCount), 10),
	}
	if len(k.AAGUID) > 0 {
		p[paramAAGUID] = b64.EncodeToString(k.AAGUID)
	}
	if k.BackupEligible {
		p[paramBackupEligible] = "true"
	}
	if len(k.Transports) > 0 {
		p[paramTransports] = strings.Join(k.Transports, ",")
	}
	return p
}

// check validates a security key record before it is enrolled.
func (k *SecurityKey) check() (*age.X25519Recipient, error) {
	switch {
	case len(k.CredentialID) == 0 || len(k.CredentialID) > MaxCredentialIDSize:
		return nil, fmt.Errorf("security key: the credential ID is %d bytes, want 1 to %d", len(k.CredentialID), MaxCredentialIDSize)
	case len(k.PublicKey) == 0:
		return nil, errors.New("security key: the public key is missing")
	case len(k.PRFSalt) != PRFSize:
		return nil, fmt.Errorf("security key: the PRF salt is %d bytes, want %d", len(k.PRFSalt), PRFSize)
	}
	r, err := age.ParseX25519Recipient(k.Recipient)
	if err != nil {
		return nil, fmt.Errorf("security key: the recipient %q is not an age X25519 recipient", clip(k.Recipient))
	}
	return r, nil
}

// SecurityKey returns the security key a security-key or passphrase+key
// slot was made for. The error says which parameter is missing or wrong.
func (s Slot) SecurityKey() (SecurityKey, error) {
	if s.Kind != SlotSecurityKey && s.Kind != SlotPassphraseKey {
		return SecurityKey{}, fmt.Errorf("slot %s is a %s slot, not a security key's", s.ID, s.Kind)
	}
	var k SecurityKey
	var err error
	bin := func(name string) []byte {
		b, e := b64.DecodeString(s.Params[name])
		if e != nil && err == nil {
			err = fmt.Errorf("slot %s: parameter %s is not base64url", s.ID, name)
		}
		return b
	}
	k.CredentialID = bin(paramCredentialID)
	k.PublicKey = bin(paramPublicKey)
	k.PRFSalt = bin(paramPRFSalt)
	if s.Params[paramAAGUID] != "" {
		k.AAGUID = bin(paramAAGUID)
	}
	if err != nil {
		return SecurityKey{}, err
	}
	n, perr := strconv.ParseUint(s.Params[paramSignCount], 10, 32)
	if perr != nil {
		return SecurityKey{}, fmt.Errorf("slot %s: parameter %s is not a 32-bit count", s.ID, paramSignCount)
	}
	k.SignCount = uint32(n)
	k.BackupEligible = s.Params[paramBackupEligible] == "true"
	if t := s.Params[paramTransports]; t != "" {
		k.Transports = strings.Split(t, ",")
	}
	k.Recipient = s.Params[paramRecipient]
	if _, err := k.check(); err != nil {
		return SecurityKey{}, fmt.Errorf("slot %s: %w", s.ID, err)
	}
	return k, nil
}

// SecurityKeys returns the security keys enrolled in the vault, in the
// order of their slots, for a ceremony to allow.
func (v *Vault) SecurityKeys() []SecurityKey {
	var out []SecurityKey
	for _, s := range v.Slots() {
		if k, err := s.SecurityKey(); err == nil {
			out = append(out, k)
		}
	}
	return out
}

// AddSecurityKey enrols a security key: a new slot sealed to k.Recipient,
// the age recipient of [SecurityKeyIdentity] for the key's PRF output, so
// that the key alone opens the vault. With a passphrase, the slot needs
// both the key and that passphrase ([SlotPassphraseKey]). name labels the
// slot. The vault must be unlocked; a key enrolled already is refused.
func (v *Vault) AddSecurityKey(k SecurityKey, name, passphrase string) (Slot, error) {
	r, err := k.check()
	if err != nil {
		return Slot{}, err
	}
	if err := CheckLabel(name); err != nil {
		return Slot{}, fmt.Errorf("the key's name: %w", err)
	}
	kind := SlotSecurityKey
	var pass age.Recipient
	if passphrase != "" {
		kind = SlotPassphraseKey
		if pass, err = passphraseRecipient(passphrase, v.opts.WorkFactor); err != nil {
			return Slot{}, err
		}
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.master == nil {
		return Slot{}, ErrLocked
	}
	for _, s := range v.man.Slots {
		if p := s.Params[paramCredentialID]; p != "" && p == b64.EncodeToString(k.CredentialID) {
			return Slot{}, fmt.Errorf("this security key is enrolled already (slot %s)", s.ID)
		}
	}
	ct, err := sealKeySlot(v.master, r, pass)
	if err != nil {
		return Slot{}, err
	}
	return v.addSlot(kind, ct, name, k.params(), false)
}

// sealKeySlot seals master to a security key's recipient r and, if pass is
// not nil, that file in turn to the passphrase.
func sealKeySlot(master []byte, r, pass age.Recipient) ([]byte, error) {
	ct, err := sealSlot(master, r)
	if err != nil || pass == nil {
		return ct, err
	}
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, pass)
	if err != nil {
		return nil, fmt.Errorf("encrypting key slot: %w", err)
	}
	w.Write(ct)
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("encrypting key slot: %w", err)
	}
	return buf.Bytes(), nil
}

// AddPluginKey adds a slot sealed to an age plugin recipient (age1NAME1...,
// such as age1yubikey1... or age1fido2-hmac1...), which the plugin
// age-plugin-NAME opens. identity is the plugin identity
// (AGE-PLUGIN-NAME-1...) if the plugin needs one to unlock; leave it empty
// for plugins that find their key themselves. ui shows the plugin's
// prompts; the plugin runs to seal the slot.
func (v *Vault) AddPluginKey(recipient, identity, name string, ui *plugin.ClientUI) (Slot, error) {
	if err := CheckLabel(name); err != nil {
		return Slot{}, fmt.Errorf("the key's name: %w", err)
	}
	r, err := plugin.NewRecipient(recipient, ui)
	if err != nil {
		return Slot{}, fmt.Errorf("the age recipient: %w", err)
	}
	params := map[string]string{paramRecipient: recipient}
	if identity != "" {
		pname, _, err := plugin.ParseIdentity(identity)
		if err != nil {
			return Slot{}, errors.New("the plugin identity is not an AGE-PLUGIN-NAME-1... identity")
		}
		if pname != r.Name() {
			return Slot{}, fmt.Errorf("the identity is for plugin %s, the recipient for %s", pname, r.Name())
		}
		params[paramPluginIdentity] = identity
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.master == nil {
		return Slot{}, ErrLocked
	}
	ct, err := sealSlot(v.master, r)
	if err != nil {
		return Slot{}, pluginError(r.Name(), err)
	}
	return v.addSlot(SlotPlugin, ct, name, params, false)
}

// PluginIdentity returns the identity that opens plugin slot s through its
// age plugin, showing the plugin's prompts (PIN, touch) with ui.
func PluginIdentity(s Slot, ui *plugin.ClientUI) (age.Identity, error) {
	if s.Kind != SlotPlugin {
		return nil, fmt.Errorf("slot %s is a %s slot, not an age plugin's", s.ID, s.Kind)
	}
	if id := s.Params[paramPluginIdentity]; id != "" {
		return plugin.NewIdentity(id, ui)
	}
	name, _, err := plugin.ParseRecipient(s.Params[paramRecipient])
	if err != nil {
		return nil, fmt.Errorf("slot %s: its recipient is not an age plugin recipient", s.ID)
	}
	return plugin.NewIdentityWithoutData(name, ui)
}

// pluginError says what went wrong with age plugin name, naming the binary
// and where to get it when it is missing.
func pluginError(name string, err error) error {
	var nf *plugin.NotFoundError
	if errors.As(err, &nf) {
		where := "from the plugin's project (see https://github.com/FiloSottile/awesome-age)"
		switch name {
		case "yubikey":
			where = "from https://github.com/str4d/age-plugin-yubikey"
		case "fido2-hmac":
			where = "from https://github.com/olastor/age-plugin-fido2-hmac"
		case "tpm":
			where = "from https://github.com/Foxboron/age-plugin-tpm"
		}
		return fmt.Errorf("the age plugin binary age-plugin-%s was not found on PATH: install it %s", name, where)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || strings.HasSuffix(err.Error(), "EOF") {
		return fmt.Errorf("age plugin %s stopped without answering (it crashed or was killed): %w", name, err)
	}
	return fmt.Errorf("age plugin %s: %w", name, err)
}

// addSlot writes ct as a new slot file of kind and lists it in the
// manifest: after the other slots, or with replace in place of the slots
// of that kind and first in the list (their files then go, durably: they
// still open with their old key). A passphrase slot is refused while a key
// is required. The caller holds v.mu.
func (v *Vault) addSlot(kind SlotKind, ct []byte, label string, params map[string]string, replace bool) (Slot, error) {
	l, err := v.lockManifest()
	if err != nil {
		return Slot{}, err
	}
	defer l.release()
	if kind == SlotPassphrase && v.requireKeyLocked() {
		return Slot{}, fmt.Errorf("no passphrase-only slot while a key is required: %w", ErrKeyRequired)
	}
	s, err := v.writeSlotFile(kind, ct, time.Now().UTC())
	if err != nil {
		return Slot{}, err
	}
	s.Label, s.Params = label, params
	m := *v.man
	if replace {
		m.Slots = []slotJSON{s}
		for _, x := range v.man.Slots {
			if SlotKind(x.Kind) != kind {
				m.Slots = append(m.Slots, x)
			}
		}
	} else {
		m.Slots = append(append([]slotJSON(nil), v.man.Slots...), s)
	}
	if err := v.writeManifest(&m); err != nil {
		os.Remove(filepath.Join(v.dir, s.File))
		return Slot{}, err
	}
	if replace {
		v.removeLeftovers()
	}
	return s.slot(), nil
}

// RemoveSlot removes the key slot with the given ID. The last slot, and
// while a key is required the last slot that needs a key, are refused.
// The master key stays the same: someone who copied the slot file before
// can still open the vault with its key until [Vault.Rekey].
func (v *Vault) RemoveSlot(id string) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.master == nil {
		return ErrLocked
	}
	l, err := v.lockManifest()
	if err != nil {
		return err
	}
	defer l.release()
	m := *v.man
	m.Slots = nil
	found, keys := false, 0
	for _, s := range v.man.Slots {
		if s.ID == id {
			found = true
			continue
		}
		if SlotKind(s.Kind).KeyKind() {
			keys++
		}
		m.Slots = append(m.Slots, s)
	}
	switch {
	case !found:
		return fmt.Errorf("key slot %s: %w", id, ErrNotFound)
	case len(m.Slots) == 0:
		return errors.New("the vault's last key slot cannot be removed: nothing would open it")
	case keys == 0 && v.requireKeyLocked():
		return errors.New("the last security key cannot be removed while the vault requires one: turn that off first (tessera key require off)")
	}
	if err := v.writeManifest(&m); err != nil {
		return err
	}
	v.removeLeftovers()
	return nil
}

// RecordSignCount records the signature counter a security key's last
// assertion carried, and the time ([Slot.LastUsed]). A count is never
// lowered.
func (v *Vault) RecordSignCount(credentialID []byte, count uint32) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	l, err := v.lockManifest()
	if err != nil {
		return err
	}
	defer l.release()
	cid := b64.EncodeToString(credentialID)
	m := *v.man
	m.Slots = append([]slotJSON(nil), v.man.Slots...)
	for i := range m.Slots {
		s := &m.Slots[i]
		if s.Params[paramCredentialID] != cid {
			continue
		}
		old, _ := strconv.ParseUint(s.Params[paramSignCount], 10, 32)
		p := make(map[string]string, len(s.Params))
		for k, x := range s.Params {
			p[k] = x
		}
		if uint64(count) > old {
			p[paramSignCount] = strconv.FormatUint(uint64(count), 10)
		}
		p[paramLastUsed] = time.Now().UTC().Format(time.RFC3339)
		s.Params = p
		return v.writeManifest(&m)
	}
	return fmt.Errorf("security key: %w", ErrNotFound)
}

// RequireKey reports whether the vault requires a security key.
func (v *Vault) RequireKey() bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.requireKeyLocked()
}

// requireKeyLocked reports whether vault.json or, while unlocked, the
// encrypted state says a key is required.
func (v *Vault) requireKeyLocked() bool {
	if v.man.RequireKey {
		return true
	}
	if v.master == nil {
		return false
	}
	st, err := v.readState(v.identity())
	return err == nil && st.RequireKey
}

// SetRequireKey turns "require security key" on or off. On, it needs an
// enrolled key (a security-key, passphrase+key or age plugin slot) and
// removes the passphrase-only slots: then no slot opens the vault without
// a key except the recovery code. The setting is kept in vault.json and,
// where editing that file cannot undo it, in the encrypted state.age: a
// passphrase slot put back opens nothing while it is on. Turning it off
// needs the vault to have been unlocked with a key.
func (v *Vault) SetRequireKey(on bool) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.master == nil {
		return ErrLocked
	}
	if !on && !v.unlockedBy.KeyKind() {
		return fmt.Errorf("turning off the security key requirement needs the key: unlock with it first (this vault was unlocked with its %s)", v.unlockedBy)
	}
	l, err := v.lockManifest()
	if err != nil {
		return err
	}
	defer l.release()
	m := *v.man
	m.RequireKey = on
	m.Slots = nil
	keys := 0
	for _, s := range v.man.Slots {
		if on && SlotKind(s.Kind) == SlotPassphrase {
			continue
		}
		if SlotKind(s.Kind).KeyKind() {
			keys++
		}
		m.Slots = append(m.Slots, s)
	}
	if on && keys == 0 {
		return errors.New("no security key is enrolled: enrol one (tessera key add) before requiring it")
	}
	mid := v.identity()
	st, err := v.readState(mid)
	if err != nil {
		return err
	}
	st.RequireKey = on
	// On: the encrypted record first, so that a crash leaves it on. Off:
	// the manifest first, for the same reason.
	if on {
		if err := v.writeState(st); err != nil {
			return err
		}
	}
	if err := v.writeManifest(&m); err != nil {
		return err
	}
	if !on {
		if err := v.writeState(st); err != nil {
			return err
		}
	}
	v.removeLeftovers()
	return nil
}

// UnlockedWith returns the kind of slot the vault was unlocked with, or ""
// while it is locked.
func (v *Vault) UnlockedWith() SlotKind {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.unlockedBy
}

// WebAuthnUser returns the vault's WebAuthn user handle: 16 random bytes,
// the same for every security key of this vault, made and kept in
// vault.json the first time it is asked for.
func (v *Vault) WebAuthnUser() ([]byte, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if b, err := b64.DecodeString(v.man.WebAuthnUser); err == nil && len(b) > 0 {
		return b, nil
	}
	l, err := v.lockManifest()
	if err != nil {
		return nil, err
	}
	defer l.release()
	if b, err := b64.DecodeString(v.man.WebAuthnUser); err == nil && len(b) > 0 {
		return b, nil
	}
	b := make([]byte, 16)
	rand.Read(b)
	m := *v.man
	m.WebAuthnUser = b64.EncodeToString(b)
	if err := v.writeManifest(&m); err != nil {
		return nil, err
	}
	return b, nil
}
