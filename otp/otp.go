// Package otp generates one-time codes and reads the forms in which people
// receive their OTP secrets.
//
// # Credentials
//
// A [Credential] holds everything needed to produce codes: its [Kind] (TOTP,
// HOTP or Steam), [Algorithm], digits, period or counter, the secret bytes,
// and the issuer and account it belongs to. [Credential.Code] produces the
// code for a given instant; the package never reads the clock itself.
//
// # Formats
//
// [ParseURI] and [FormatURI] read and write otpauth:// Key URIs (the format
// of Google Authenticator's QR codes). [ParseMigration] and [FormatMigration]
// read and write Google Authenticator's export payloads
// (otpauth-migration://offline?data=...).
//
// All functions are pure: no I/O and no clock reads.
package otp

import (
	"fmt"
	"strings"
)

// Kind is the way a credential turns its secret into codes.
type Kind uint8

// The kinds of credential. The zero value is TOTP.
const (
	TOTP  Kind = iota // time-based, RFC 6238
	HOTP              // counter-based, RFC 4226
	Steam             // Steam Guard: TOTP with a 5-character alphabet
)

// String returns the kind's name as it appears in an otpauth URI.
func (k Kind) String() string {
	switch k {
	case TOTP:
		return "totp"
	case HOTP:
		return "hotp"
	case Steam:
		return "steam"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// ParseKind reads a kind name as written by [Kind.String], in any case.
func ParseKind(s string) (Kind, error) {
	switch strings.ToLower(s) {
	case "totp":
		return TOTP, nil
	case "hotp":
		return HOTP, nil
	case "steam":
		return Steam, nil
	}
	return 0, fmt.Errorf("otp: kind %q not supported (want totp, hotp or steam)", s)
}

// Algorithm is the HMAC hash function of a credential.
type Algorithm uint8

// The supported hash functions. The zero value is SHA1.
const (
	SHA1 Algorithm = iota
	SHA256
	SHA512
)

// String returns the algorithm's name as it appears in an otpauth URI.
func (a Algorithm) String() string {
	switch a {
	case SHA1:
		return "SHA1"
	case SHA256:
		return "SHA256"
	case SHA512:
		return "SHA512"
	}
	return fmt.Sprintf("Algorithm(%d)", uint8(a))
}

// ParseAlgorithm reads an algorithm name such as "SHA256", in any case.
func ParseAlgorithm(s string) (Algorithm, error) {
	switch strings.ToUpper(s) {
	case "SHA1":
		return SHA1, nil
	case "SHA256":
		return SHA256, nil
	case "SHA512":
		return SHA512, nil
	}
	return 0, fmt.Errorf("otp: algorithm %q not supported (want SHA1, SHA256 or SHA512)", s)
}

// Limits and defaults of credential parameters.
const (
	MinDigits     = 4
	MaxDigits     = 10
	DefaultDigits = 6
	SteamDigits   = 5
	DefaultPeriod = 30    // seconds
	MaxPeriod     = 86400 // seconds; longer steps are not in use anywhere
)

// Credential holds the parameters of one OTP secret.
//
// Zero values mean the documented defaults: Kind TOTP, Algorithm SHA1,
// Digits 6 (5 for Steam), Period 30 seconds. [ParseURI] always fills them in
// explicitly.
type Credential struct {
	Kind      Kind
	Algorithm Algorithm
	Digits    int    // 4 to 10; Steam codes always have 5 characters
	Period    int    // seconds per step, TOTP and Steam only
	Counter   uint64 // next counter value, HOTP only
	Secret    []byte // the shared key, never empty
	Issuer    string // who issued the secret, may be empty
	Account   string // the account at the issuer, may be empty
}

// EffectiveDigits returns the number of characters of the credential's codes.
func (c *Credential) EffectiveDigits() int {
	switch {
	case c.Kind == Steam:
		return SteamDigits
	case c.Digits == 0:
		return DefaultDigits
	}
	return c.Digits
}

// EffectivePeriod returns the step length in seconds of a TOTP or Steam
// credential, and 0 for HOTP.
func (c *Credential) EffectivePeriod() int {
	switch {
	case c.Kind == HOTP:
		return 0
	case c.Period == 0:
		return DefaultPeriod
	}
	return c.Period
}

// Validate reports the first parameter that is out of range, naming it.
func (c *Credential) Validate() error {
	switch c.Kind {
	case TOTP, HOTP, Steam:
	default:
		return fmt.Errorf("otp: kind %d unknown", c.Kind)
	}
	switch c.Algorithm {
	case SHA1, SHA256, SHA512:
	default:
		return fmt.Errorf("otp: algorithm %d unknown", c.Algorithm)
	}
	if c.Kind != Steam && c.Digits != 0 && (c.Digits < MinDigits || c.Digits > MaxDigits) {
		return fmt.Errorf("otp: digits %d out of range %d..%d", c.Digits, MinDigits, MaxDigits)
	}
	if c.Kind != HOTP && (c.Period < 0 || c.Period > MaxPeriod) {
		return fmt.Errorf("otp: period %d out of range 1..%d", c.Period, MaxPeriod)
	}
	if len(c.Secret) == 0 {
		return fmt.Errorf("otp: secret is empty")
	}
	return nil
}

// Equal reports whether two credentials have the same parameters, secret,
// issuer and account.
func (c *Credential) Equal(o *Credential) bool {
	return c.Kind == o.Kind && c.Algorithm == o.Algorithm && c.Digits == o.Digits &&
		c.Period == o.Period && c.Counter == o.Counter && string(c.Secret) == string(o.Secret) &&
		c.Issuer == o.Issuer && c.Account == o.Account
}

// Label returns "Issuer: account", or whichever of the two is not empty, for
// showing a credential to a person.
func (c *Credential) Label() string {
	return Label(c.Issuer, c.Account)
}

// Label returns "Issuer: account", or whichever of the two is not empty: the
// one way Tessera names a credential or token to a person.
func Label(issuer, account string) string {
	switch {
	case issuer != "" && account != "":
		return issuer + ": " + account
	case issuer != "":
		return issuer
	}
	return account
}
