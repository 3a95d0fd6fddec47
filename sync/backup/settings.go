package backup

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"filippo.io/age"

	"github.com/tessera-auth/tessera/vault"
)

// settingsName is the sealed vault file that holds the automatic backup
// settings: encrypted to the vault's key, since they may hold the backup
// passphrase, and shared by every program that opens the vault.
const settingsName = "backup-settings"

// ReminderAfter is how long without a good backup before Tessera reminds
// the person.
const ReminderAfter = 30 * 24 * time.Hour

// Settings are the automatic backup settings of a vault, and what the last
// backups did.
type Settings struct {
	// Enabled turns automatic backups on. The default is off; the first
	// run suggests turning them on.
	Enabled bool `json:"enabled"`
	// Dir is the folder automatic backups go to.
	Dir string `json:"dir,omitempty"`
	// Keep is how many of the newest backups stay (besides one a month
	// for a year); zero means [DefaultKeep].
	Keep int `json:"keep,omitempty"`
	// Recipients are the public keys backups are encrypted to, in
	// [ParseRecipient]'s forms. When empty, Passphrase encrypts them.
	Recipients []string `json:"recipients,omitempty"`
	// Passphrase encrypts backups when there are no recipients.
	Passphrase string `json:"passphrase,omitempty"`
	// Suggested records that the window has suggested turning automatic
	// backups on, which it does once.
	Suggested bool `json:"suggested,omitempty"`
	// VerifyKey is an age identity that every backup made to Recipients
	// is also encrypted to, so that Tessera can read each one back before
	// pruning older ones. It lives only here, inside the vault.
	VerifyKey string `json:"verify_key,omitempty"`

	// Since is when Tessera first kept these settings: with no backup
	// ever made, the reminder counts 30 days from it rather than nagging
	// on the first day.
	Since time.Time `json:"since,omitzero"`
	// LastGood is when the last backup (automatic or not) was written and
	// verified; LastPath is where.
	LastGood time.Time `json:"last_good,omitzero"`
	LastPath string    `json:"last_path,omitempty"`
	// LastError is why the last automatic backup failed, at LastFailed;
	// empty after a success.
	LastError  string    `json:"last_error,omitempty"`
	LastFailed time.Time `json:"last_failed,omitzero"`
}

// LoadSettings reads the vault's automatic backup settings; a vault that
// has none gives the defaults (off).
func LoadSettings(v *vault.Vault) (Settings, error) {
	b, err := v.ReadSealed(settingsName)
	if errors.Is(err, fs.ErrNotExist) {
		return Settings{}, nil
	}
	if err != nil {
		return Settings{}, fmt.Errorf("reading backup settings: %w", err)
	}
	defer clear(b)
	var s Settings
	if err := json.Unmarshal(b, &s); err != nil {
		return Settings{}, fmt.Errorf("reading backup settings: %w", vault.ErrDamaged)
	}
	return s, nil
}

// SaveSettings stores s as the vault's automatic backup settings, after
// checking them. A passphrase-less recipients setting gets its VerifyKey.
func SaveSettings(v *vault.Vault, s Settings) error {
	if s.Enabled {
		if _, err := s.Folder(); err != nil {
			return err
		}
	}
	if len(s.Recipients) > 0 && s.VerifyKey == "" {
		id, err := age.GenerateX25519Identity()
		if err != nil {
			return err
		}
		s.VerifyKey = id.String()
	}
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	defer clear(b)
	return v.WriteSealed(settingsName, b)
}

// Folder returns the backup folder that the settings describe.
func (s *Settings) Folder() (*Folder, error) {
	if strings.TrimSpace(s.Dir) == "" {
		return nil, errors.New("automatic backups need a folder")
	}
	f := &Folder{Dir: s.Dir, Keep: s.Keep}
	if s.Keep < 0 {
		return nil, fmt.Errorf("backups kept %d is negative", s.Keep)
	}
	if len(s.Recipients) == 0 {
		if s.Passphrase == "" {
			return nil, errors.New("automatic backups need a passphrase or a recipient to encrypt to")
		}
		id, err := age.NewScryptIdentity(s.Passphrase)
		if err != nil {
			return nil, err
		}
		f.Options = Options{Passphrase: s.Passphrase}
		f.Verify = id
		return f, nil
	}
	for i, r := range s.Recipients {
		rec, err := ParseRecipient(r, nil)
		if err != nil {
			return nil, fmt.Errorf("backup recipient %d: %w", i+1, err)
		}
		f.Options.Recipients = append(f.Options.Recipients, rec)
	}
	if s.VerifyKey != "" {
		id, err := age.ParseX25519Identity(s.VerifyKey)
		if err != nil {
			return nil, fmt.Errorf("backup settings: the verify key is damaged: %w", vault.ErrDamaged)
		}
		f.Options.Recipients = append(f.Options.Recipients, id.Recipient())
		f.Verify = id
	}
	return f, nil
}

// Overdue reports whether no backup succeeded within [ReminderAfter]
// before now: counted from the last good backup, or when there was none
// from Since (and never, when Since is unknown too).
func (s *Settings) Overdue(now time.Time) bool {
	ref := s.LastGood
	if ref.IsZero() {
		ref = s.Since
	}
	return !ref.IsZero() && now.Sub(ref) >= ReminderAfter
}

// RotateVerifyKey gives the automatic backup settings a new VerifyKey, if
// they have one, after the vault got a new master key ([vault.Vault.Rekey]):
// whoever learnt the old master key, and so the old VerifyKey, cannot read
// the backups written from now on. Backups written before stay readable
// with the old one. It reports whether there was a key to rotate.
func RotateVerifyKey(v *vault.Vault) (bool, error) {
	s, err := LoadSettings(v)
	if err != nil || s.VerifyKey == "" {
		return false, err
	}
	s.VerifyKey = ""
	if err := SaveSettings(v, s); err != nil {
		return false, fmt.Errorf("backup settings: a new verify key: %w", err)
	}
	return true, nil
}
