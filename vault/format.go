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

// entryJSON is the decoding form of an entry.
type entryJSON struct {
	ID         string     `json:"id"`
	Deleted    bool       `json:"deleted"`
	Kind       string     `json:"kind"`
	Issuer     string     `json:"issuer"`
	Account    string     `json:"account"`
	Secret     b32Secret  `json:"secret"`
	Algorithm  string     `json:"algorithm"`
	Digits     int        `json:"digits"`
	Period     int        `json:"period"`
	Counter    uint64     `json:"counter"`
	Token      textSecret `json:"token"`
	URL        string     `json:"url"`
	Expires    time.Time  `json:"expires"`
	JWTIssuer  string     `json:"jwt_issuer"`
	JWTSubject string     `json:"jwt_subject"`
	Tags       []string   `json:"tags"`
	Favourite  bool       `json:"favourite"`
	Note       string     `json:"note"`
	Icon       string     `json:"icon"`
	Position   float64    `json:"position"`
	Created    time.Time  `json:"created"`
	Modified   time.Time  `json:"modified"`
	LastUsed   time.Time  `json:"last_used"`
	Uses       int        `json:"uses"`
}

// b32Secret decodes a base32 JSON string straight into bytes the vault owns,
// so no copy of the secret lingers in an unreachable string.
type b32Secret []byte

func (s *b32Secret) UnmarshalJSON(b []byte) error {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return errors.New("secret is not a string")
	}
	b = b[1 : len(b)-1]
	out := make([]byte, b32.DecodedLen(len(b)))
	n, err := b32.Decode(out, b)
	if err != nil {
		clear(out)
		return errors.New("secret is not base32")
	}
	*s = out[:n]
	return nil
}

// textSecret decodes a JSON string into bytes the vault owns.
type textSecret []byte

func (s *textSecret) UnmarshalJSON(b []byte) error {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return errors.New("token is not a string")
	}
	if bytes.IndexByte(b, '\\') < 0 {
		*s = bytes.Clone(b[1 : len(b)-1])
		return nil
	}
	var str string
	if err := json.Unmarshal(b, &str); err != nil {
		return errors.New("token is not a valid string")
	}
	*s = []byte(str)
	return nil
}

// decodeBody parses the plaintext of body.age. Errors name the entry at
// fault by position and ID, never a secret.
func decodeBody(plain []byte) (*body, error) {
	var head struct {
		Format  string `json:"format"`
		Version int    `json:"version"`
	}
	if err := json.Unmarshal(plain, &head); err != nil {
		return nil, damaged(bodyFile, "content is not valid JSON")
	}
	if head.Format != bodyFormat {
		return nil, damaged(bodyFile, "content format is %q, want %q", clip(head.Format), bodyFormat)
	}
	if head.Version > FormatVersion {
		return nil, &VersionError{File: bodyFile, Version: head.Version, Supported: FormatVersion}
	}
	if head.Version < 1 {
		return nil, damaged(bodyFile, "content version %d is not valid", head.Version)
	}
	var raw struct {
		Generation uint64      `json:"generation"`
		Saved      time.Time   `json:"saved"`
		Entries    []entryJSON `json:"entries"`
	}
	if err := json.Unmarshal(plain, &raw); err != nil {
		for i := range raw.Entries {
			clear(raw.Entries[i].Secret)
			clear(raw.Entries[i].Token)
		}
		return nil, damaged(bodyFile, "content is not valid: %v", scrubJSONError(err))
	}
	b := &body{Generation: raw.Generation, Saved: raw.Saved, Entries: make([]Entry, len(raw.Entries))}
	seen := make(map[string]bool, len(raw.Entries))
	var bad error
	for i := range raw.Entries {
		r := &raw.Entries[i]
		e, err := r.entry()
		if err == nil && seen[e.ID] {
			err = errors.New("repeats an earlier entry's id")
		}
		if err != nil && bad == nil {
			bad = damaged(bodyFile, "entry %d (id %q): %v", i+1, clip(r.ID), err)
		}
		seen[e.ID] = true
		b.Entries[i] = e
	}
	if bad != nil {
		for i := range b.Entries {
			b.Entries[i].zero()
		}
		return nil, bad
	}
	return b, nil
}

func (r *entryJSON) entry() (Entry, error) {
	e := Entry{ID: r.ID, Modified: r.Modified}
	if r.ID == "" {
		return e, errors.New("has no id")
	}
	if r.Deleted {
		e.Deleted = true
		clear(r.Secret)
		clear(r.Token)
		return e, nil
	}
	e.Issuer, e.Account = r.Issuer, r.Account
	e.Tags, e.Favourite, e.Note, e.Icon, e.Position = r.Tags, r.Favourite, r.Note, r.Icon, r.Position
	e.Created, e.LastUsed, e.Uses = r.Created, r.LastUsed, r.Uses
	if r.Kind == "token" {
		e.Kind = KindToken
		e.Token = Token{Value: r.Token, URL: r.URL, Expires: r.Expires, JWTIssuer: r.JWTIssuer, JWTSubject: r.JWTSubject}
		if len(e.Token.Value) == 0 {
			return e, errors.New("token value is empty")
		}
		return e, nil
	}
	k, err := otp.ParseKind(r.Kind)
	if err != nil {
		return e, fmt.Errorf("kind %q unknown", clip(r.Kind))
	}
	alg, err := otp.ParseAlgorithm(r.Algorithm)
	if err != nil {
		return e, fmt.Errorf("algorithm %q unknown", clip(r.Algorithm))
	}
	e.OTP = otp.Credential{Kind: k, Algorithm: alg, Digits: r.Digits, Period: r.Period, Counter: r.Counter,
		Secret: r.Secret, Issuer: r.Issuer, Account: r.Account}
	if err := e.OTP.Validate(); err != nil {
		return e, err
	}
	return e, nil
}

// scrubJSONError keeps a decoding error's position and type but drops the
// value it quotes, which may be a secret.
func scrubJSONError(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("syntax error at byte %d", se.Offset)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Errorf("field %s has the wrong type (byte %d)", te.Field, te.Offset)
	}
	return errors.New("invalid field value")
}

// clip shortens a value quoted in an error message.
func clip(s string) string {
	const max = 40
	if len(s) > max {
		return s[:max] + "..."
	}
	return s
}
