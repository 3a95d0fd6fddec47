// Package export writes a vault's entries in other authenticators' formats,
// so that people can leave Tessera with everything they brought: Aegis
// JSON (plain or password-encrypted, as Aegis's docs/vault.md defines
// it), 2FAS backups (plain or password-protected), a list of otpauth
// URIs, and a printable paper backup (HTML with a QR code per entry).
// Google Authenticator's export QR codes come from otp.FormatMigration
// and otp/qr.
//
// Every format but the paper backup carries OTP credentials only: API
// tokens are left out, and each writer says which entries it left out and
// why in its [Result].
//
// Plain exports hold every secret in clear: callers warn before writing
// them.
package export

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/tessera-auth/tessera/otp"
	"github.com/tessera-auth/tessera/vault"
)

// Result says what an export wrote and what it left out.
type Result struct {
	Written int    // entries written
	Skipped []Skip // entries left out, in the vault's order
}

// Skip is an entry an export left out.
type Skip struct {
	Label string // the entry's name as Tessera shows it
	Why   string
}

// skip records that e was left out.
func (r *Result) skip(e *vault.Entry, why string) {
	r.Skipped = append(r.Skipped, Skip{Label: e.Label(), Why: why})
}

// Formats are the format names the command line and the window offer.
var Formats = []string{"aegis", "2fas", "uris", "migration", "html"}

// credential returns an OTP entry's credential named as the entry is.
func credential(e *vault.Entry) otp.Credential {
	c := e.OTP
	c.Issuer, c.Account = e.Issuer, e.Account
	return c
}

// stableUUID returns a version-4-shaped UUID derived from s, so that the
// same entry or tag gets the same UUID in every export (an app that
// imports twice then sees the same item).
func stableUUID(kind, s string) string {
	h := sha256.Sum256([]byte("tessera-export\x00" + kind + "\x00" + s))
	h[6] = h[6]&0x0f | 0x40
	h[8] = h[8]&0x3f | 0x80
	x := hex.EncodeToString(h[:16])
	return strings.Join([]string{x[:8], x[8:12], x[12:16], x[16:20], x[20:32]}, "-")
}

// otpOnly records tokens as skipped and reports whether e is an OTP entry.
func otpOnly(r *Result, e *vault.Entry, format string) bool {
	if e.Kind != vault.KindOTP {
		r.skip(e, fmt.Sprintf("an API token; %s holds OTP credentials only", format))
		return false
	}
	return true
}
