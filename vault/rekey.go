package vault

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"filippo.io/age"
	"filippo.io/age/plugin"
)

// RekeyOptions say how [Vault.Rekey] seals the slots that need more than
// the unlocked vault to seal again.
type RekeyOptions struct {
	// Passphrases are tried on each passphrase and passphrase+key slot:
	// such a slot is sealed again only if one of them opens it (an scrypt
	// file cannot be made without its passphrase); the others are
	// dropped.
	Passphrases []string
	// PluginUI shows the prompts of the age plugins that seal plugin
	// slots again.
	PluginUI *plugin.ClientUI
}

// DroppedSlot is a slot [Vault.Rekey] could not seal to the new master key
// and so removed.
type DroppedSlot struct {
	Slot Slot
	Why  string
}

// RekeyResult says what [Vault.Rekey] did besides the new master key.
type RekeyResult struct {
	Dropped []DroppedSlot
	// RecoveryCode is a new recovery code, made when the old one's slot
	// could not be sealed again (a vault made before Tessera kept the
	// code's public half): show it to the person once, as at Create.
	RecoveryCode string
}

// Rekey gives the vault a new master key: body.age, its backups, state.age
// and the sealed files are encrypted to it, every slot is sealed to it
// again from what vault.json keeps (security keys', age plugins' and the
// recovery code's recipients; the passphrase from opts), and the old slots
// and master key are gone. The vault must be unlocked.
//
// It protects against a copy of a removed slot, or a leaked master key,
// opening what is written from now on. It cannot make old copies of the
// folder (backups elsewhere, a sync peer's copy) unreadable with what
// opened them then. Sync peers hold the old master key: they must join
// the vault again (their keys file copy opens with the same ways in).
//
// A crash at any instant leaves a vault that opens with the old slots or
// the new ones: the files are first encrypted to both master keys, then
// the new slots replace the old in one write of vault.json, then the files
// are encrypted to the new key alone; an unlock finishes that last step if
// it was cut short.
func (v *Vault) Rekey(opts *RekeyOptions) (*RekeyResult, error) {
	if opts == nil {
		opts = &RekeyOptions{}
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if err := v.usable(); err != nil {
		return nil, err
	}
	l, err := lockWrite(v.dir, v.lockWait())
	if err != nil {
		return nil, err
	}
	defer l.release()
	if err := v.syncLocked(); err != nil {
		return nil, err
	}
	v.removeLeftovers()

	nid, err := age.GenerateX25519Identity()
	if err != nil {
		return nil, err
	}
	newMaster := []byte(nid.String())
	defer clear(newMaster)
	res := &RekeyResult{}
	type sealed struct {
		s  slotJSON
		ct []byte
	}
	var slots []sealed
	newRecovery := false
	keys := 0
	for _, s := range v.man.Slots {
		ct, why, err := v.resealSlot(s, newMaster, opts)
		if err != nil {
			return nil, err
		}
		if why != "" {
			res.Dropped = append(res.Dropped, DroppedSlot{Slot: s.slot(), Why: why})
			newRecovery = newRecovery || SlotKind(s.Kind) == SlotRecoveryCode
			continue
		}
		if SlotKind(s.Kind).KeyKind() {
			keys++
		}
		slots = append(slots, sealed{s, ct})
	}
	if newRecovery {
		rid, err := age.GenerateX25519Identity()
		if err != nil {
			return nil, err
		}
		ct, err := sealSlot(newMaster, rid.Recipient())
		if err != nil {
			return nil, err
		}
		slots = append(slots, sealed{slotJSON{Kind: string(SlotRecoveryCode), Created: time.Now().UTC(),
			Params: map[string]string{paramRecipient: rid.Recipient().String()}}, ct})
		res.RecoveryCode = rid.String()
	}
	if kept := len(slots); newRecovery && kept == 1 || kept == 0 {
		return nil, errors.New("no slot could be sealed to the new master key (give the passphrase): nothing was changed")
	}
	if v.man.RequireKey && keys == 0 {
		return nil, errors.New("no security key slot could be sealed to the new master key while one is required: nothing was changed")
	}

	m := *v.man
	m.Slots = nil
	for _, x := range slots {
		s := x.s
		if s.ID == "" {
			s.ID = newID()[:8]
		}
		m.Slots = append(m.Slots, s)
	}
	cts := make([][]byte, len(slots))
	for i, x := range slots {
		cts[i] = x.ct
	}
	if err := v.rekeyLocked(nid, newMaster, &m, cts); err != nil {
		return res, err
	}
	return res, nil
}

// rekeyLocked moves the vault to the master key nid (whose text is
// newMaster) with the manifest m, whose slots, sealed to it, are cts. The
// caller holds the write lock and has synced the vault.
//
// Phase 1 encrypts every file to the old and the new master key; phase 2
// writes the new slot files and, in one write, the manifest that lists
// them (marked rekeying); phase 3 encrypts the files to the new key alone
// and clears the mark. A crash at any instant leaves a vault that opens
// with the old slots or the new ones; an unlock finishes phase 3.
func (v *Vault) rekeyLocked(nid *age.X25519Identity, newMaster []byte, m *manifest, cts [][]byte) error {
	// Phase 1: every file opens with the old and the new master key.
	old := v.identity()
	if err := v.reencryptAll(old, old.Recipient(), nid.Recipient()); err != nil {
		return err
	}
	if rekeyStop != nil {
		if err := rekeyStop(1); err != nil {
			return err
		}
	}
	// Phase 2: the new slots replace the old ones in one manifest write.
	m.Rekeying = true
	if fp, nfp := fingerprint(old.Recipient()), fingerprint(nid.Recipient()); fp != nfp {
		if !slices.Contains(m.Replaces, fp) {
			m.Replaces = append(slices.Clip(m.Replaces), fp)
		}
		if !slices.ContainsFunc(m.Vouches, func(x vouchJSON) bool { return x.From == fp }) {
			m.Vouches = append(slices.Clip(m.Vouches), vouch(v.master, newMaster, fp, nfp))
		}
		if n := len(m.Replaces); n > maxReplaces {
			m.Replaces = m.Replaces[n-maxReplaces:]
		}
		if n := len(m.Vouches); n > maxReplaces {
			m.Vouches = m.Vouches[n-maxReplaces:]
		}
	}
	for i := range m.Slots {
		s := &m.Slots[i]
		// The slot keeps its ID (what the person names it by), in a
		// new file: the old one stays until the manifest no longer
		// lists it.
		s.File = slotFileName(SlotKind(s.Kind), s.ID+newID()[:4])
		if err := writeFile(v.dir, s.File, cts[i]); err != nil {
			return err
		}
	}
	if err := v.writeManifest(m); err != nil {
		return err
	}
	v.removeLeftovers()
	clear(v.master)
	v.master, v.recipient = bytes.Clone(newMaster), nid.Recipient()
	if rekeyStop != nil {
		if err := rekeyStop(2); err != nil {
			return err
		}
	}
	// Phase 3: the old master key opens nothing from now on.
	if err := v.finishRekeyLocked(); err != nil {
		return fmt.Errorf("the new master key is in place, but encrypting the files to it alone failed (the next unlock tries again): %w", err)
	}
	return nil
}

// maxReplaces caps the former master keys vault.json remembers.
const maxReplaces = 64

// fingerprint names a master key by its recipient without giving the
// recipient away (whoever knows it could encrypt files to the vault).
func fingerprint(r *age.X25519Recipient) string {
	h := sha256.Sum256([]byte("tessera master key fingerprint\x00" + r.String()))
	return hex.EncodeToString(h[:12])
}

// KeyFingerprint returns a name of the vault's current master key that
// gives nothing of it away: two vaults with the same fingerprint share a
// master key. It is "" while the vault is locked.
func (v *Vault) KeyFingerprint() string {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.recipient == nil {
		return ""
	}
	return fingerprint(v.recipient)
}

// resealSlot returns slot s sealed to newMaster, or why it cannot be.
func (v *Vault) resealSlot(s slotJSON, newMaster []byte, opts *RekeyOptions) (ct []byte, why string, err error) {
	kind := SlotKind(s.Kind)
	switch kind {
	case SlotPassphrase, SlotPassphraseKey:
		if len(opts.Passphrases) == 0 {
			return nil, "sealing it again needs its passphrase, which was not given", nil
		}
		old, err := readFile(v.dir, s.File, maxSlotSize)
		if err != nil {
			return nil, "", fmt.Errorf("reading %s: %w", s.File, err)
		}
		opened := ""
		for _, p := range opts.Passphrases {
			id, err := age.NewScryptIdentity(p)
			if err != nil {
				continue
			}
			if r, err := age.Decrypt(bytes.NewReader(old), id); err == nil {
				plain, _ := io.ReadAll(io.LimitReader(r, maxSlotSize))
				clear(plain)
				opened = p
				break
			}
		}
		if opened == "" {
			return nil, "no passphrase given opens it", nil
		}
		pass, err := passphraseRecipient(opened, v.opts.WorkFactor)
		if err != nil {
			return nil, "", err
		}
		if kind == SlotPassphrase {
			ct, err = sealSlot(newMaster, pass)
			return ct, "", err
		}
		k, err := s.slot().SecurityKey()
		if err != nil {
			return nil, err.Error(), nil
		}
		kr, _ := k.check()
		ct, err = sealKeySlot(newMaster, kr, pass)
		return ct, "", err
	case SlotRecoveryCode, SlotSecurityKey:
		r, err := age.ParseX25519Recipient(s.Params[paramRecipient])
		if err != nil {
			return nil, "vault.json keeps no recipient to seal it to", nil
		}
		ct, err = sealSlot(newMaster, r)
		return ct, "", err
	case SlotPlugin:
		r, err := plugin.NewRecipient(s.Params[paramRecipient], opts.PluginUI)
		if err != nil {
			return nil, "vault.json keeps no age plugin recipient to seal it to", nil
		}
		ct, err = sealSlot(newMaster, r)
		if err != nil {
			return nil, "", pluginError(r.Name(), err)
		}
		return ct, "", nil
	}
	return nil, "this version of Tessera does not know how to seal a " + s.Kind + " slot", nil
}

// rekeyStop, if set, is called after each phase of Rekey and stops it
// there if it returns an error (tests).
var rekeyStop func(phase int) error

// finishRekeyLocked encrypts every file to the master key alone and clears
// the manifest's rekeying mark. The caller holds the write lock.
func (v *Vault) finishRekeyLocked() error {
	mid := v.identity()
	if err := v.reencryptAll(mid, v.recipient); err != nil {
		return err
	}
	m := *v.man
	m.Rekeying = false
	if err := v.writeManifest(&m); err != nil {
		return err
	}
	head, err := readHead(v.dir)
	if err == nil {
		v.head = head
	}
	return nil
}

// finishRekey finishes a rekey cut short after its new slots were written,
// if no other process is writing. Best effort: the vault opens either way.
func (v *Vault) finishRekey() {
	l, err := lockWrite(v.dir, 0)
	if err != nil {
		return
	}
	defer l.release()
	if v.readManifest() == nil && v.man.Rekeying {
		v.finishRekeyLocked()
	}
}

// reencryptAll encrypts each file that from opens to the recipients to:
// state.age, the sealed files, the backups and body.age, last. Files from
// does not open (damaged ones, set aside) are left as they are. Each
// write is atomic.
func (v *Vault) reencryptAll(from *age.X25519Identity, to ...age.Recipient) error {
	type file struct {
		dir, name string
		max       int64
	}
	files := []file{{v.dir, stateFile, maxStateSize + 64<<10}}
	sd := filepath.Join(v.dir, sealedDir)
	if ents, err := os.ReadDir(sd); err == nil {
		for _, e := range ents {
			if n := e.Name(); filepath.Ext(n) == ".age" && validSealedName(n[:len(n)-4]) && e.Type().IsRegular() {
				files = append(files, file{sd, n, maxSealedSize + 64<<10})
			}
		}
	}
	gens, _ := listBackups(v.dir)
	for _, g := range gens {
		files = append(files, file{filepath.Join(v.dir, backupDir), backupName(g), maxBodySize})
	}
	files = append(files, file{v.dir, bodyFile, maxBodySize})
	for _, f := range files {
		if err := reencrypt(f.dir, f.name, f.max, from, to); err != nil {
			return err
		}
	}
	return nil
}

// reencrypt decrypts dir/name with from and writes it again encrypted to
// to. A missing file, or one from does not open, is left alone.
func reencrypt(dir, name string, max int64, from *age.X25519Identity, to []age.Recipient) error {
	ct, err := readFile(dir, name, max)
	if err != nil {
		return nil
	}
	r, err := age.Decrypt(bytes.NewReader(ct), from)
	if err != nil {
		return nil
	}
	plain, err := io.ReadAll(r)
	defer clear(plain)
	if err != nil {
		return nil
	}
	var buf bytes.Buffer
	buf.Grow(len(ct) + 256)
	w, err := age.Encrypt(&buf, to...)
	if err != nil {
		return fmt.Errorf("encrypting %s: %w", name, err)
	}
	w.Write(plain)
	if err := w.Close(); err != nil {
		return fmt.Errorf("encrypting %s: %w", name, err)
	}
	if err := writeFile(dir, name, buf.Bytes()); err != nil {
		return fmt.Errorf("rekeying %s: %w", name, err)
	}
	return nil
}
