package vault

import (
	"bytes"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/tessera-auth/tessera/otp"
)

// FormatVersion is the version of the vault format this package writes and
// the newest it reads. A vault with a higher version is refused with a
// [*VersionError] and never written to.
const FormatVersion = 1

// Names inside the vault folder.
const (
	manifestFile = "vault.json"
	bodyFile     = "body.age"
	lockFile     = "lock"
	backupDir    = "backups"

	// generationFile is where Tessera before state.age recorded the
	// generation of the last body saved, in plain text. It is no longer
	// read (a plain file is no evidence) and the next save removes it.
	generationFile = "generation"

	manifestFormat = "tessera-vault"
	bodyFormat     = "tessera-vault-body"
)

// Size limits of what the decoders read.
const (
	maxManifestSize = 1 << 20
	maxSlotSize     = 64 << 10
	maxBodySize     = 256 << 20
)

// DefaultBackupsKept is how many previous bodies a new vault keeps.
const DefaultBackupsKept = 10

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// manifest is vault.json: the unencrypted description of the folder.
type manifest struct {
	Format      string     `json:"format"`
	Version     int        `json:"version"`
	BackupsKept int        `json:"backups_kept"`
	Slots       []slotJSON `json:"slots"`
	// RequireKey mirrors the state's: what the UI shows. Unlock obeys
	// the encrypted state's.
	RequireKey bool `json:"require_key,omitempty"`
	// Rekeying is set while a rekey's last phase is not done: the next
	// unlock finishes it.
	Rekeying bool `json:"rekeying,omitempty"`
	// WebAuthnUser is the vault's WebAuthn user handle, base64url.
	WebAuthnUser string `json:"webauthn_user,omitempty"`
	// Replaces lists the fingerprints of the master keys this vault had
	// before ([Vault.KeyFingerprint]), oldest first: a sync peer still on
	// one of them may adopt the current key ([Vault.AdoptKeys]), and no
	// device goes back to one.
	Replaces []string `json:"replaces,omitempty"`
	// Vouches link each replaced master key to the next (vouchJSON).
	Vouches []vouchJSON `json:"vouches,omitempty"`
}

type slotJSON struct {
	ID      string            `json:"id"`
	Kind    string            `json:"kind"`
	File    string            `json:"file"`
	Label   string            `json:"label,omitempty"`
	Created time.Time         `json:"created"`
	Params  map[string]string `json:"params,omitempty"`
}

// decodeManifest parses vault.json, checking its version before anything
// else so that a newer vault is reported as such and not as damaged.
func decodeManifest(b []byte) (*manifest, error) {
	if len(b) > maxManifestSize {
		return nil, damaged(manifestFile, "is %d bytes long, more than %d", len(b), maxManifestSize)
	}
	var head struct {
		Format  string `json:"format"`
		Version int    `json:"version"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return nil, damaged(manifestFile, "is not valid JSON: %v", err)
	}
	if head.Format != manifestFormat {
		return nil, damaged(manifestFile, "format is %q, want %q", head.Format, manifestFormat)
	}
	if head.Version > FormatVersion {
		return nil, &VersionError{File: manifestFile, Version: head.Version, Supported: FormatVersion}
	}
	if head.Version < 1 {
		return nil, damaged(manifestFile, "version %d is not valid", head.Version)
	}
	m := new(manifest)
	if err := json.Unmarshal(b, m); err != nil {
		return nil, damaged(manifestFile, "is not valid: %v", err)
	}
	if m.BackupsKept < 0 {
		return nil, damaged(manifestFile, "backups_kept %d is negative", m.BackupsKept)
	}
	ids := make(map[string]bool)
	for i, s := range m.Slots {
		if s.ID == "" || ids[s.ID] {
			return nil, damaged(manifestFile, "slot %d has a missing or repeated id", i+1)
		}
		ids[s.ID] = true
		if !validSlotFile(s.File) {
			return nil, damaged(manifestFile, "slot %d file %q is not a slot file name", i+1, s.File)
		}
	}
	if len(m.Slots) == 0 {
		return nil, damaged(manifestFile, "lists no key slots")
	}
	return m, nil
}

func (m *manifest) encode() []byte {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		panic("vault: encoding manifest: " + err.Error())
	}
	return append(b, '\n')
}

// body is the decrypted content of body.age.
type body struct {
	Generation uint64 // counts saves; backups are named after it
	Saved      time.Time
	Entries    []Entry
}

// encodeBody appends the JSON form of b to dst. It writes the JSON by hand so
// that secrets only ever sit in dst, which the caller zeroes.
func encodeBody(dst []byte, b *body) []byte {
	dst = append(dst, `{"format":"`+bodyFormat+`","version":`...)
	dst = strconv.AppendInt(dst, FormatVersion, 10)
	dst = append(dst, `,"generation":`...)
	dst = strconv.AppendUint(dst, b.Generation, 10)
	dst = appendTimeField(dst, "saved", b.Saved)
	dst = append(dst, `,"entries":[`...)
	for i := range b.Entries {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, "\n"...)
		dst = appendEntry(dst, &b.Entries[i])
	}
	dst = append(dst, "\n]}\n"...)
	return dst
}

func appendEntry(dst []byte, e *Entry) []byte {
	dst = append(dst, `{"id":`...)
	dst = appendString(dst, e.ID)
	if e.Deleted {
		dst = append(dst, `,"deleted":true`...)
		dst = appendTimeField(dst, "modified", e.Modified)
		return append(dst, '}')
	}
	dst = append(dst, `,"kind":"`...)
	dst = append(dst, e.KindName()...)
	dst = append(dst, '"')
	dst = appendStringField(dst, "issuer", e.Issuer)
	dst = appendStringField(dst, "account", e.Account)
	switch e.Kind {
	case KindOTP:
		c := &e.OTP
		dst = append(dst, `,"secret":"`...)
		dst = b32.AppendEncode(dst, c.Secret)
		dst = append(dst, `","algorithm":"`...)
		dst = append(dst, c.Algorithm.String()...)
		dst = append(dst, `","digits":`...)
		dst = strconv.AppendInt(dst, int64(c.EffectiveDigits()), 10)
		if c.Kind == otp.HOTP {
			dst = append(dst, `,"counter":`...)
			dst = strconv.AppendUint(dst, c.Counter, 10)
		} else {
			dst = append(dst, `,"period":`...)
			dst = strconv.AppendInt(dst, int64(c.EffectivePeriod()), 10)
		}
	case KindToken:
		t := &e.Token
		dst = append(dst, `,"token":`...)
		dst = appendBytesString(dst, t.Value)
		dst = appendStringField(dst, "url", t.URL)
		dst = appendTimeField(dst, "expires", t.Expires)
		dst = appendStringField(dst, "jwt_issuer", t.JWTIssuer)
		dst = appendStringField(dst, "jwt_subject", t.JWTSubject)
	}
	if len(e.Tags) > 0 {
		dst = append(dst, `,"tags":[`...)
		for i, t := range e.Tags {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendString(dst, t)
		}
		dst = append(dst, ']')
	}
	if e.Favourite {
		dst = append(dst, `,"favourite":true`...)
	}
	dst = appendStringField(dst, "note", e.Note)
	dst = appendStringField(dst, "icon", e.Icon)
	if e.Position != 0 && !math.IsNaN(e.Position) && !math.IsInf(e.Position, 0) {
		dst = append(dst, `,"position":`...)
		dst = strconv.AppendFloat(dst, e.Position, 'g', -1, 64)
	}
	dst = appendTimeField(dst, "created", e.Created)
	dst = appendTimeField(dst, "modified", e.Modified)
	dst = appendTimeField(dst, "last_used", e.LastUsed)
	if e.Uses > 0 {
		dst = append(dst, `,"uses":`...)
		dst = strconv.AppendInt(dst, int64(e.Uses), 10)
	}
	return append(dst, '}')
}

func appendStringField(dst []byte, name, s string) []byte {
	if s == "" {
		return dst
	}
	dst = append(dst, ',', '"')
	dst = append(dst, name...)
	dst = append(dst, '"', ':')
	return appendString(dst, s)
}

func appendTimeField(dst []byte, name string, t time.Time) []byte {
	if t.IsZero() {
		return dst
	}
	dst = append(dst, ',', '"')
	dst = append(dst, name...)
	dst = append(dst, `":"`...)
	dst = t.UTC().AppendFormat(dst, time.RFC3339Nano)
	return append(dst, '"')
}

func appendString(dst []byte, s string) []byte {
	return appendJSONString(dst, s)
}

func appendBytesString(dst []byte, s []byte) []byte {
	return appendJSONString(dst, s)
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD,
// as encoding/json does.
func appendJSONString[S ~string | ~[]byte](dst []byte, s S) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := decodeRune(s, i)
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\u202`...)
			dst = append(dst, hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

func decodeRune[S ~string | ~[]byte](s S, i int) (rune, int) {
	switch v := any(s).(type) {
	case string:
		return utf8.DecodeRuneInString(v[i:])
	case []byte:
		return utf8.DecodeRune(v[i:])
	}
	panic("vault: decodeRune called with a named string type")
}

// decodeBody parses the plaintext of body.age. Errors name the entry at
// fault by position and ID, never a secret. Fields it does not know (added
// by a later minor change) are skipped.
func decodeBody(plain []byte) (*body, error) {
	if len(plain) > maxBodySize {
		return nil, damaged(bodyFile, "content is larger than %d bytes", maxBodySize)
	}
	// The version comes first in every body this package writes; look for
	// it before anything else so that a newer body is reported as such.
	r := &jsonReader{b: plain}
	b := &body{Entries: make([]Entry, 0, bytes.Count(plain, []byte(`{"id":`)))}
	var format string
	version := -1
	entry := 0
	var cur *Entry
	err := r.object(func(key []byte) error {
		var err error
		switch string(key) {
		case "format":
			format, err = r.str()
		case "version":
			version, err = r.int()
			if err == nil && version > FormatVersion {
				return &VersionError{File: bodyFile, Version: version, Supported: FormatVersion}
			}
		case "generation":
			b.Generation, err = r.uint64()
			if err == nil && b.Generation > maxGeneration {
				err = fmt.Errorf("generation %d is beyond %d", b.Generation, uint64(maxGeneration))
			}
		case "saved":
			b.Saved, err = r.time()
		case "entries":
			if format != bodyFormat || version < 1 {
				return errors.New("format and version must come before the entries")
			}
			err = r.array(func() error {
				entry++
				b.Entries = append(b.Entries, Entry{})
				cur = &b.Entries[len(b.Entries)-1]
				return r.entry(cur)
			})
		default:
			err = r.skip()
		}
		return err
	})
	if err == nil {
		err = r.end()
	}
	if err == nil {
		switch {
		case format != bodyFormat:
			err = fmt.Errorf("format is %q, want %q", clip(format), bodyFormat)
		case version < 1:
			err = fmt.Errorf("version %d is missing or not valid", version)
		}
	}
	if err == nil {
		seen := make(map[string]bool, len(b.Entries))
		for i := range b.Entries {
			cur = &b.Entries[i]
			entry = i + 1
			if err = cur.check(); err == nil && seen[cur.ID] {
				err = errors.New("repeats an earlier entry's id")
			}
			if err != nil {
				break
			}
			seen[cur.ID] = true
		}
	}
	if err != nil {
		for i := range b.Entries {
			b.Entries[i].zero()
		}
		var ve *VersionError
		if errors.As(err, &ve) {
			return nil, ve
		}
		if entry > 0 && cur != nil {
			return nil, damaged(bodyFile, "content entry %d (id %q): %v", entry, clip(cur.ID), err)
		}
		return nil, damaged(bodyFile, "content: %v", err)
	}
	return b, nil
}

// entry reads one entry object.
func (r *jsonReader) entry(e *Entry) error {
	var kind, alg []byte
	var secret []byte
	err := r.object(func(key []byte) error {
		var err error
		switch string(key) {
		case "id":
			e.ID, err = r.str()
		case "deleted":
			e.Deleted, err = r.bool()
		case "kind":
			kind, err = r.rawString()
		case "issuer":
			e.Issuer, err = r.str()
		case "account":
			e.Account, err = r.str()
		case "secret":
			clear(secret)
			secret, err = r.rawString()
			if err == nil {
				secret, err = decodeB32(secret)
			}
		case "algorithm":
			alg, err = r.rawString()
		case "digits":
			e.OTP.Digits, err = r.int()
		case "period":
			e.OTP.Period, err = r.int()
		case "counter":
			e.OTP.Counter, err = r.uint64()
		case "token":
			clear(e.Token.Value)
			e.Token.Value, err = r.secret()
		case "url":
			e.Token.URL, err = r.str()
		case "expires":
			e.Token.Expires, err = r.time()
		case "jwt_issuer":
			e.Token.JWTIssuer, err = r.str()
		case "jwt_subject":
			e.Token.JWTSubject, err = r.str()
		case "tags":
			e.Tags = e.Tags[:0]
			err = r.array(func() error {
				t, err := r.str()
				e.Tags = append(e.Tags, t)
				return err
			})
		case "favourite":
			e.Favourite, err = r.bool()
		case "note":
			e.Note, err = r.str()
		case "icon":
			e.Icon, err = r.str()
		case "position":
			e.Position, err = r.float()
		case "created":
			e.Created, err = r.time()
		case "modified":
			e.Modified, err = r.time()
		case "last_used":
			e.LastUsed, err = r.time()
		case "uses":
			e.Uses, err = r.int()
		default:
			err = r.skip()
		}
		if err != nil {
			return fmt.Errorf("field %q: %w", clip(string(key)), err)
		}
		return nil
	})
	if err != nil {
		clear(secret)
		return err
	}
	if e.Deleted {
		clear(secret)
		clear(e.Token.Value)
		*e = Entry{ID: e.ID, Deleted: true, Modified: e.Modified}
		return nil
	}
	if string(kind) == "token" {
		clear(secret)
		e.Kind = KindToken
		return nil
	}
	e.OTP.Secret = secret
	e.OTP.Issuer, e.OTP.Account = e.Issuer, e.Account
	k, err := otp.ParseKind(string(kind))
	if err != nil {
		return fmt.Errorf("kind %q unknown", clip(string(kind)))
	}
	e.OTP.Kind = k
	if e.OTP.Algorithm, err = otp.ParseAlgorithm(string(alg)); err != nil {
		return fmt.Errorf("algorithm %q unknown", clip(string(alg)))
	}
	return nil
}

// check validates a decoded entry.
func (e *Entry) check() error {
	switch {
	case e.ID == "":
		return errors.New("has no id")
	case e.Deleted:
		return nil
	case e.Kind == KindToken:
		if len(e.Token.Value) == 0 {
			return errors.New("token value is empty")
		}
		return nil
	}
	return e.OTP.Validate()
}

func (r *jsonReader) time() (time.Time, error) {
	s, err := r.rawString()
	if err != nil {
		return time.Time{}, err
	}
	t, err := time.Parse(time.RFC3339Nano, string(s))
	if err != nil {
		return time.Time{}, errors.New("not an RFC 3339 time")
	}
	return t, nil
}

// decodeB32 decodes an unpadded base32 secret into a new slice.
func decodeB32(s []byte) ([]byte, error) {
	out := make([]byte, b32.DecodedLen(len(s)))
	n, err := b32.Decode(out, s)
	if err != nil {
		clear(out)
		return nil, errors.New("not base32")
	}
	return out[:n], nil
}

// clip shortens a value quoted in an error message.
func clip(s string) string {
	const max = 40
	if len(s) > max {
		return s[:max] + "..."
	}
	return s
}
