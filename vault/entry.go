package vault

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tessera-auth/tessera/otp"
)

// Kind tells what an [Entry] holds.
type Kind uint8

// The kinds of entry. The zero value is an OTP entry.
const (
	KindOTP   Kind = iota // a TOTP, HOTP or Steam credential, in Entry.OTP
	KindToken             // an API token, in Entry.Token
)

// String returns "otp" or "token".
func (k Kind) String() string {
	switch k {
	case KindOTP:
		return "otp"
	case KindToken:
		return "token"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Entry is one item of the vault: an OTP credential or an API token, with
// what a person adds to find and sort it.
//
// Entries are values: the vault hands out copies, and changes go back through
// [Vault.Update]. The secret byte slices are shared with the vault and are
// zeroed by [Vault.Lock]; do not modify them in place.
type Entry struct {
	// ID is stable for the life of the entry and across devices. [Vault.Add]
	// assigns it.
	ID   string
	Kind Kind

	// Issuer and Account name the entry. For an OTP entry they are also the
	// credential's: the vault keeps OTP.Issuer and OTP.Account equal to
	// them. For a token, Issuer is the token's name.
	Issuer  string
	Account string

	OTP   otp.Credential // KindOTP only
	Token Token          // KindToken only

	Tags      []string
	Favourite bool
	Note      string
	Icon      string  // an icon reference chosen by the app, such as "builtin:github"
	Position  float64 // manual order: lower first; the app puts a moved entry between its neighbours

	Created  time.Time
	Modified time.Time // set by every change; the newer side wins when writers merge
	LastUsed time.Time
	Uses     int // how many codes or values were taken from it

	// Deleted marks a tombstone: the entry was removed at Modified. Its
	// secret is gone; the ID stays so that other copies of the vault learn
	// of the removal when they merge.
	Deleted bool
}

// Token is an API token kept in the vault.
type Token struct {
	Value   []byte    // the secret itself
	URL     string    // where it is used or managed, may be empty
	Expires time.Time // zero if it does not expire or nobody said

	// For a token that is a JWT, its "iss" and "sub" claims, read when it is
	// added or updated (decoded only; the signature is not checked and the
	// claims are not trusted for anything but display). Its "exp" claim
	// fills Expires when that is zero.
	JWTIssuer  string
	JWTSubject string
}

// Label returns "Issuer: account", or whichever of the two is not empty, for
// showing an entry to a person.
func (e *Entry) Label() string {
	return otp.Label(e.Issuer, e.Account)
}

// KindName returns "totp", "hotp" or "steam" for an OTP entry and "token"
// for a token, as the CLI and the file format spell them.
func (e *Entry) KindName() string {
	if e.Kind == KindToken {
		return "token"
	}
	return e.OTP.Kind.String()
}

// secret returns the bytes that make two entries duplicates.
func (e *Entry) secret() []byte {
	if e.Kind == KindToken {
		return e.Token.Value
	}
	return e.OTP.Secret
}

// sameSecret reports whether two live entries are duplicates: same kind,
// issuer, account and secret.
func (e *Entry) sameSecret(o *Entry) bool {
	return bytes.Equal(e.secret(), o.secret()) && e.KindName() == o.KindName() &&
		e.Issuer == o.Issuer && e.Account == o.Account
}

// isHOTP reports whether e is a live HOTP entry.
func (e *Entry) isHOTP() bool {
	return !e.Deleted && e.Kind == KindOTP && e.OTP.Kind == otp.HOTP
}

// keepCounter raises e's HOTP counter to o's if both hold the same HOTP
// credential (same secret): whichever copy of an entry is kept, a counter
// value whose code was given is never given again.
func (e *Entry) keepCounter(o *Entry) {
	if e.Kind == KindOTP && o.Kind == KindOTP && e.OTP.Kind == otp.HOTP && o.OTP.Kind == otp.HOTP &&
		o.OTP.Counter > e.OTP.Counter && bytes.Equal(e.OTP.Secret, o.OTP.Secret) {
		e.OTP.Counter = o.OTP.Counter
	}
}

// keepCounters raises the HOTP counters of entries to those of the entries
// of the same ID in from.
func keepCounters(entries, from []Entry) {
	at := make(map[string]int, len(from))
	for i := range from {
		at[from[i].ID] = i
	}
	for i := range entries {
		if j, ok := at[entries[i].ID]; ok {
			entries[i].keepCounter(&from[j])
		}
	}
}

// matches reports whether q (lower case) is in the entry's issuer or account,
// ignoring case.
func (e *Entry) matches(q string) bool {
	return strings.Contains(strings.ToLower(e.Issuer), q) || strings.Contains(strings.ToLower(e.Account), q)
}

// clone returns a copy of e that shares no slices with it but the secrets.
func (e Entry) clone() Entry {
	e.Tags = slices.Clone(e.Tags)
	return e
}

// zero overwrites the entry's secret bytes.
func (e *Entry) zero() {
	clear(e.OTP.Secret)
	clear(e.Token.Value)
}

// newID returns a random entry or slot ID: 16 hexadecimal digits.
func newID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
