package vault

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"sync"
	"time"

	"filippo.io/age"
	"filippo.io/age/plugin"
	"golang.org/x/crypto/scrypt"
)

// SlotKind is the kind of key that opens a [Slot].
type SlotKind string

// The kinds of key slot. Slots of kinds this version does not know are kept
// as they are.
const (
	SlotPassphrase   SlotKind = "passphrase" // age scrypt, opened with a passphrase
	SlotRecoveryCode SlotKind = "recovery"   // age X25519, opened with a recovery code
	// SlotSecurityKey is age X25519 to the identity [SecurityKeyIdentity]
	// derives from a WebAuthn security key's PRF output.
	SlotSecurityKey SlotKind = "security-key"
	// SlotPassphraseKey needs both a passphrase and a security key: an age
	// scrypt file whose content is a security-key slot file (two `age -d`
	// calls open it, passphrase first).
	SlotPassphraseKey SlotKind = "passphrase+key"
	// SlotPlugin is age to an age plugin recipient (age1yubikey1...,
	// age1fido2-hmac1...), opened through the plugin ([PluginIdentity]).
	SlotPlugin SlotKind = "age-plugin"
)

// KeyKind reports whether a slot of kind k needs a hardware key to open.
func (k SlotKind) KeyKind() bool {
	return k == SlotSecurityKey || k == SlotPassphraseKey || k == SlotPlugin
}

// Slot is one way to unlock a vault: a standard age file in the vault folder
// that holds the vault's master identity, encrypted to one key.
type Slot struct {
	ID      string
	Kind    SlotKind
	File    string // the slot's file name in the vault folder
	Label   string // what the person called it, may be empty
	Created time.Time

	// Params holds public, kind-specific parameters, such as a security
	// key's credential ID.
	Params map[string]string
}

func (s *slotJSON) slot() Slot {
	return Slot{ID: s.ID, Kind: SlotKind(s.Kind), File: s.File, Label: s.Label, Created: s.Created, Params: s.Params}
}

// Work factors of passphrase slots (scrypt log2 N).
const (
	// MinWorkFactor is age's own default: no passphrase slot gets less,
	// except in tests (see [Options.WorkFactor]).
	MinWorkFactor = 18
	// MaxWorkFactor bounds the tuning: 2^20 needs 1 GiB of memory to
	// unlock, and age's CLI refuses more than 2^22.
	MaxWorkFactor = 20
)

var (
	tuneOnce  sync.Once
	tunedWork int
)

// TunedWorkFactor returns the highest scrypt work factor at which one
// unlock takes at most about a second on this machine, kept between
// [MinWorkFactor] and [MaxWorkFactor]. It measures once per process, in
// about 100 ms.
func TunedWorkFactor() int {
	tuneOnce.Do(func() {
		const probe = 15
		salt := make([]byte, 16)
		start := time.Now()
		scrypt.Key([]byte("tessera tuning"), salt, 1<<probe, 8, 1, 32)
		d := time.Since(start)
		logN := MaxWorkFactor
		if d > 0 {
			// Each step doubles the time; round down so as not to overshoot.
			logN = probe + int(math.Floor(math.Log2(float64(time.Second)/float64(d))))
		}
		tunedWork = min(max(logN, MinWorkFactor), MaxWorkFactor)
	})
	return tunedWork
}

// ParseRecoveryCode reads a recovery code as [Create] printed it (an age
// identity, AGE-SECRET-KEY-1...), in any case and ignoring spaces and line
// breaks, and returns the identity for [Vault.Unlock].
func ParseRecoveryCode(code string) (age.Identity, error) {
	clean := strings.ToUpper(strings.Join(strings.Fields(code), ""))
	if !strings.HasPrefix(clean, "AGE-SECRET-KEY-1") {
		return nil, errors.New("a recovery code starts with AGE-SECRET-KEY-1")
	}
	id, err := age.ParseX25519Identity(clean)
	if err != nil {
		// age's message may quote the code: keep only that it failed.
		return nil, errors.New("the recovery code is mistyped (its checksum does not match)")
	}
	return id, nil
}

// sealSlot encrypts the master identity text to r: the content of a slot
// file. The plaintext is an age identity file, so `age -d -i -` can read it.
func sealSlot(master []byte, r age.Recipient) ([]byte, error) {
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, r)
	if err != nil {
		return nil, fmt.Errorf("encrypting key slot: %w", err)
	}
	w.Write(master)
	w.Write([]byte("\n"))
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("encrypting key slot: %w", err)
	}
	return buf.Bytes(), nil
}

// passphraseRecipient returns the scrypt recipient of a new passphrase slot.
func passphraseRecipient(pass string, workFactor int) (age.Recipient, error) {
	if pass == "" {
		return nil, errors.New("the passphrase is empty")
	}
	r, err := age.NewScryptRecipient(pass)
	if err != nil {
		return nil, err
	}
	if workFactor == 0 {
		workFactor = TunedWorkFactor()
	}
	r.SetWorkFactor(workFactor)
	return r, nil
}

// openSlot decrypts a slot file's content with id and returns the master
// identity text. It returns an error wrapping age.ErrIncorrectIdentity if
// id does not open it.
func openSlot(ct []byte, id age.Identity) ([]byte, *age.X25519Identity, error) {
	if both, ok := id.(*keyAndPassphrase); ok {
		// The passphrase opens the outer file; the key the slot inside.
		r, err := age.Decrypt(bytes.NewReader(ct), both.pass)
		if err != nil {
			return nil, nil, err
		}
		inner, err := io.ReadAll(io.LimitReader(r, maxSlotSize))
		if err != nil {
			return nil, nil, err
		}
		return openSlot(inner, both.key)
	}
	r, err := age.Decrypt(bytes.NewReader(ct), id)
	if err != nil {
		return nil, nil, err
	}
	plain, err := io.ReadAll(io.LimitReader(r, maxSlotSize))
	if err != nil {
		return nil, nil, err
	}
	defer clear(plain)
	for line := range bytes.Lines(plain) {
		line = bytes.TrimSpace(line)
		if bytes.HasPrefix(line, []byte("AGE-SECRET-KEY-1")) {
			master := bytes.Clone(line)
			mid, err := age.ParseX25519Identity(string(master))
			if err != nil {
				clear(master)
				return nil, nil, errors.New("the master key inside is malformed")
			}
			return master, mid, nil
		}
	}
	return nil, nil, errors.New("holds no master key")
}

// slotFits reports whether id can open a slot of kind k, so that a
// passphrase is not run through scrypt against recovery slots and the like.
func slotFits(id age.Identity, k SlotKind) bool {
	switch id.(type) {
	case *age.ScryptIdentity:
		return k == SlotPassphrase
	case *keyAndPassphrase:
		return k == SlotPassphraseKey
	case *plugin.Identity:
		return k == SlotPlugin
	}
	return k != SlotPassphrase && k != SlotPassphraseKey && k != SlotPlugin
}

// slotFileName is the file name of slot id of kind k.
func slotFileName(k SlotKind, id string) string {
	return "slot-" + strings.ReplaceAll(string(k), "+", "-") + "-" + id + ".age"
}
