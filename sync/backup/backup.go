// Package backup writes and reads Tessera's backups: the whole vault as one
// age file that the stock age tool decrypts, holding a documented,
// versioned JSON text (docs/backup-format.md) that a person can read
// without Tessera.
//
// # Writing and reading
//
// [Encode] turns entries into the backup's plaintext and [Decode] reads it
// back, checking every entry. [Write] encrypts a backup with a passphrase
// (age's scrypt recipient) or to recipients ([ParseRecipient],
// [ParseRecipients]: age X25519 keys, age plugin recipients, ssh-ed25519
// and ssh-rsa public keys, recipients files as `age -R` reads them,
// GitHub's .keys files included); [Read] decrypts and decodes one.
//
// # Restoring
//
// [Plan] compares a backup with a vault's entries and says, entry by entry,
// what a restore adds, changes and skips; [Apply] carries the plan out. A
// HOTP counter is never lowered.
//
// # Automatic backups
//
// [Folder] keeps timestamped backups in a folder: [Folder.Write] writes
// one, reads it back to verify it, and only then prunes older ones (the
// newest N and the newest of each of the last 12 months stay, see
// [Keep]).
package backup

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tessera-auth/tessera/otp"
	"github.com/tessera-auth/tessera/vault"
)

// FormatName is the "format" field of every backup's plaintext.
const FormatName = "tessera-backup"

// Version is the backup format version this package writes and the newest
// it reads. A change that older readers can skip (a new optional field)
// keeps the version; anything else raises it.
const Version = 1

// MaxSize caps the plaintext [Decode] and [Read] accept: far above any
// vault (a 10,000-entry backup is about 5 MB), far below what would hurt.
const MaxSize = 256 << 20

// ErrFormat is wrapped by every error about a backup's plaintext that is
// not a Tessera backup or is malformed.
var ErrFormat = errors.New("not a valid Tessera backup")

// VersionError says that a backup was written by a newer Tessera.
type VersionError struct {
	Version int // the backup's format version
}

func (e *VersionError) Error() string {
	return fmt.Sprintf("the backup has format version %d, and this Tessera reads up to version %d: restore it with a newer Tessera", e.Version, Version)
}

// File is the content of a backup.
type File struct {
	Created time.Time     // when the backup was made
	App     string        // the program that made it, such as "tessera 1.2.0"
	Entries []vault.Entry // live entries only, never tombstones

	// AuditLog is the login approvals' audit log, when the backup holds
	// it: a JSON array of records as app/approve writes them, kept for
	// reading (a restore does not bring it back into the vault).
	AuditLog json.RawMessage
}

// fileJSON is the plaintext's top level, as docs/backup-format.md gives it.
type fileJSON struct {
	Format  string      `json:"format"`
	Version int         `json:"version"`
	Created time.Time   `json:"created"`
	App     string      `json:"app,omitempty"`
	Entries []entryJSON `json:"entries"`

	AuditLog json.RawMessage `json:"audit_log,omitempty"`
}

// entryJSON is one entry; its field names are those of the vault's own
// body (README, "Recovery without Tessera"), plus "uri".
type entryJSON struct {
	ID         string     `json:"id"`
	Kind       string     `json:"kind"`
	Issuer     string     `json:"issuer,omitempty"`
	Account    string     `json:"account,omitempty"`
	Secret     secretText `json:"secret,omitempty"`
	Algorithm  string     `json:"algorithm,omitempty"`
	Digits     int        `json:"digits,omitempty"`
	Period     int        `json:"period,omitempty"`
	Counter    *uint64    `json:"counter,omitempty"`
	URI        secretText `json:"uri,omitempty"`
	Token      secretText `json:"token,omitempty"`
	URL        string     `json:"url,omitempty"`
	Expires    time.Time  `json:"expires,omitzero"`
	JWTIssuer  string     `json:"jwt_issuer,omitempty"`
	JWTSubject string     `json:"jwt_subject,omitempty"`
	Tags       []string   `json:"tags,omitempty"`
	Favourite  bool       `json:"favourite,omitempty"`
	Note       string     `json:"note,omitempty"`
	Icon       string     `json:"icon,omitempty"`
	Position   float64    `json:"position,omitempty"`
	Created    time.Time  `json:"created,omitzero"`
	Modified   time.Time  `json:"modified,omitzero"`
	LastUsed   time.Time  `json:"last_used,omitzero"`
	Uses       int        `json:"uses,omitempty"`
}

// secretText is a JSON string held in bytes, so that whoever owns it can
// zero it (best effort: encoding/json keeps copies of its own).
type secretText []byte

func (s secretText) MarshalJSON() ([]byte, error) {
	if !utf8.Valid(s) {
		return nil, errors.New("secret text is not UTF-8")
	}
	return json.Marshal(string(s))
}

func (s *secretText) UnmarshalJSON(b []byte) error {
	var str string
	if err := json.Unmarshal(b, &str); err != nil {
		return errors.New("not a string")
	}
	*s = []byte(str)
	return nil
}

// Encode returns the plaintext of a backup of f: indented JSON, one entry
// per line block, ending in a newline. The caller should zero it when done.
func Encode(f *File) ([]byte, error) {
	if len(f.AuditLog) > 0 && !json.Valid(f.AuditLog) {
		return nil, errors.New("encoding backup: the audit log is not JSON")
	}
	out := fileJSON{Format: FormatName, Version: Version, Created: f.Created.UTC(), App: f.App, Entries: make([]entryJSON, 0, len(f.Entries)), AuditLog: f.AuditLog}
	for i := range f.Entries {
		e := &f.Entries[i]
		if e.Deleted {
			continue
		}
		out.Entries = append(out.Entries, toJSON(e))
	}
	defer func() {
		for i := range out.Entries {
			clear(out.Entries[i].Secret)
			clear(out.Entries[i].URI)
		}
	}()
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encoding backup: %w", err)
	}
	return append(b, '\n'), nil
}

func toJSON(e *vault.Entry) entryJSON {
	j := entryJSON{
		ID: e.ID, Kind: e.KindName(), Issuer: e.Issuer, Account: e.Account,
		Tags: e.Tags, Favourite: e.Favourite, Note: e.Note, Icon: e.Icon, Position: e.Position,
		Created: e.Created.UTC(), Modified: e.Modified.UTC(), LastUsed: e.LastUsed.UTC(), Uses: e.Uses,
	}
	switch e.Kind {
	case vault.KindOTP:
		c := e.OTP
		c.Issuer, c.Account = e.Issuer, e.Account
		j.Secret = []byte(otp.EncodeSecret(c.Secret))
		j.Algorithm = c.Algorithm.String()
		j.Digits = c.EffectiveDigits()
		if c.Kind == otp.HOTP {
			n := c.Counter
			j.Counter = &n
		} else {
			j.Period = c.EffectivePeriod()
		}
		j.URI = []byte(otp.FormatURI(&c))
	case vault.KindToken:
		j.Token = secretText(e.Token.Value)
		j.URL = e.Token.URL
		j.Expires = e.Token.Expires.UTC()
		j.JWTIssuer, j.JWTSubject = e.Token.JWTIssuer, e.Token.JWTSubject
	}
	return j
}

// Decode reads a backup's plaintext, checking the format, the version
// (newer versions give a [*VersionError]) and every entry. Errors wrap
// [ErrFormat] and name the entry at fault by position and ID, never a
// secret. Fields it does not know are skipped.
func Decode(plain []byte) (*File, error) {
	if len(plain) > MaxSize {
		return nil, fmt.Errorf("%w: %d bytes is more than %d", ErrFormat, len(plain), MaxSize)
	}
	var head struct {
		Format  string `json:"format"`
		Version int    `json:"version"`
	}
	if err := json.Unmarshal(plain, &head); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrFormat, jsonProblem(plain, err))
	}
	if head.Format != FormatName {
		return nil, fmt.Errorf("%w: format is %q, want %q", ErrFormat, clip(head.Format), FormatName)
	}
	if head.Version > Version {
		return nil, &VersionError{Version: head.Version}
	}
	if head.Version < 1 {
		return nil, fmt.Errorf("%w: version %d is missing or not valid", ErrFormat, head.Version)
	}
	var in fileJSON
	if err := json.Unmarshal(plain, &in); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrFormat, jsonProblem(plain, err))
	}
	if len(in.AuditLog) > 0 && in.AuditLog[0] != '[' {
		return nil, fmt.Errorf("%w: audit_log is not a list", ErrFormat)
	}
	f := &File{Created: in.Created, App: in.App, Entries: make([]vault.Entry, 0, len(in.Entries)), AuditLog: in.AuditLog}
	seen := make(map[string]bool, len(in.Entries))
	for i := range in.Entries {
		j := &in.Entries[i]
		e, err := fromJSON(j)
		clear(j.Secret)
		clear(j.URI)
		if err == nil && seen[e.ID] {
			err = errors.New("repeats an earlier entry's id")
		}
		if err != nil {
			for k := range f.Entries {
				clear(f.Entries[k].OTP.Secret)
				clear(f.Entries[k].Token.Value)
			}
			clear(j.Token)
			return nil, fmt.Errorf("%w: entry %d (id %q): %v", ErrFormat, i+1, clip(j.ID), err)
		}
		seen[e.ID] = true
		f.Entries = append(f.Entries, e)
	}
	return f, nil
}

func fromJSON(j *entryJSON) (vault.Entry, error) {
	e := vault.Entry{
		ID: j.ID, Issuer: j.Issuer, Account: j.Account, Tags: j.Tags, Favourite: j.Favourite,
		Note: j.Note, Icon: j.Icon, Position: j.Position,
		Created: j.Created, Modified: j.Modified, LastUsed: j.LastUsed, Uses: j.Uses,
	}
	if e.ID == "" {
		return e, errors.New("has no id")
	}
	if j.Uses < 0 {
		return e, errors.New("uses is negative")
	}
	for _, s := range append([]string{e.Issuer, e.Account, e.Note, e.Icon}, e.Tags...) {
		if !utf8.ValidString(s) {
			return e, errors.New("text is not valid UTF-8")
		}
	}
	if j.Kind == "token" {
		if len(j.Token) == 0 {
			return e, errors.New("token value is empty")
		}
		if e.Issuer == "" {
			return e, errors.New("token has no name (issuer)")
		}
		e.Kind = vault.KindToken
		e.Token = vault.Token{Value: j.Token, URL: j.URL, Expires: j.Expires, JWTIssuer: j.JWTIssuer, JWTSubject: j.JWTSubject}
		return e, nil
	}
	kind, err := otp.ParseKind(j.Kind)
	if err != nil {
		return e, fmt.Errorf("kind %q unknown (want totp, hotp, steam or token)", clip(j.Kind))
	}
	alg := otp.SHA1
	if j.Algorithm != "" {
		if alg, err = otp.ParseAlgorithm(j.Algorithm); err != nil {
			return e, fmt.Errorf("algorithm %q unknown", clip(j.Algorithm))
		}
	}
	var secret []byte
	switch {
	case len(j.Secret) > 0:
		if secret, err = otp.DecodeSecret(string(j.Secret)); err != nil {
			return e, errors.New("secret is not valid base32")
		}
	case len(j.URI) > 0:
		// A hand-made backup may give only the URI.
		c, _, err := otp.ParseURI(string(j.URI))
		if err != nil {
			return e, errors.New("uri is not a valid otpauth URI and there is no secret")
		}
		secret = c.Secret
	default:
		return e, errors.New("secret is missing")
	}
	e.Kind = vault.KindOTP
	e.OTP = otp.Credential{Kind: kind, Algorithm: alg, Digits: j.Digits, Period: j.Period, Secret: secret, Issuer: e.Issuer, Account: e.Account}
	if j.Counter != nil {
		e.OTP.Counter = *j.Counter
	}
	if kind == otp.HOTP {
		e.OTP.Period = 0
	} else if j.Counter != nil && *j.Counter != 0 {
		return e, fmt.Errorf("a %s entry has a counter", kind)
	}
	if err := e.OTP.Validate(); err != nil {
		clear(secret)
		return e, errors.New(strings.TrimPrefix(err.Error(), "otp: "))
	}
	return e, nil
}

// jsonProblem describes a JSON error with the line it is on, never quoting
// the text (which holds secrets).
func jsonProblem(b []byte, err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("JSON syntax error on line %d", lineAt(b, se.Offset))
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("field %q on line %d has a %s where a %s belongs", clip(te.Field), lineAt(b, te.Offset), te.Value, te.Type)
	}
	return "not valid JSON"
}

func lineAt(b []byte, off int64) int {
	off = min(max(off, 0), int64(len(b)))
	return bytes.Count(b[:off], []byte("\n")) + 1
}

// clip shortens a value quoted in an error message.
func clip(s string) string {
	const max = 40
	if len(s) > max {
		return strings.ToValidUTF8(s[:max], "") + "..."
	}
	return s
}
