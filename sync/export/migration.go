package export

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"image/png"

	"github.com/tessera-auth/tessera/otp"
	"github.com/tessera-auth/tessera/otp/qr"
	"github.com/tessera-auth/tessera/vault"
)

// MigrationCode is one QR code of a Google Authenticator export.
type MigrationCode struct {
	URI string // the otpauth-migration:// text the code holds
	PNG []byte // the code as a PNG image
}

// Migration returns Google Authenticator's "Transfer accounts" export for
// the OTP entries its payload can carry, as QR codes (several when the
// accounts do not fit one code); the others are named in the Result.
func Migration(entries []vault.Entry) ([]MigrationCode, Result, error) {
	var r Result
	var creds []otp.Credential
	for i := range entries {
		e := &entries[i]
		if e.Deleted || !otpOnly(&r, e, "Google Authenticator") {
			continue
		}
		c := credential(e)
		if _, err := otp.FormatMigration([]otp.Credential{c}, 0); err != nil {
			r.skip(e, err.Error())
			continue
		}
		creds = append(creds, c)
	}
	if len(creds) == 0 {
		return nil, r, nil
	}
	var id [4]byte
	if _, err := rand.Read(id[:]); err != nil {
		return nil, r, err
	}
	uris, err := otp.FormatMigration(creds, int(int32(binary.BigEndian.Uint32(id[:]))))
	if err != nil {
		return nil, r, err
	}
	codes := make([]MigrationCode, len(uris))
	for i, uri := range uris {
		img, err := qr.Encode(uri)
		if err != nil {
			return nil, r, err
		}
		var b bytes.Buffer
		if err := png.Encode(&b, img); err != nil {
			return nil, r, err
		}
		codes[i] = MigrationCode{URI: uri, PNG: b.Bytes()}
	}
	r.Written = len(creds)
	return codes, r, nil
}
