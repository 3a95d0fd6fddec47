package otp_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tessera-auth/tessera/otp"
)

// FuzzParseURI: no input panics, and every accepted URI formats to one that
// parses back to the same credential and yields codes.
func FuzzParseURI(f *testing.F) {
	for _, s := range []string{
		"otpauth://totp/Example:alice@google.com?secret=JBSWY3DPEHPK3PXP&issuer=Example",
		"otpauth://hotp/Bank:me?secret=GEZDGNBVGY3TQOJQ&counter=42&algorithm=SHA512&digits=10",
		"otpauth://steam/Steam:gaben?secret=GEZDGNBVGY3TQOJQ",
		"otpauth://totp/Valve:me?secret=GEZDGNBV&encoder=steam",
		"otpauth://totp/A%3AB:c%3Ad?secret=gezd-gnbv%20gy3t&issuer=A%3AB&period=60",
		"otpauth://totp/:a:b?secret=GE",
		"otpauth://totp/Old:bob?secret=GEZDGNBV====&issuer=New",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, _, err := otp.ParseURI(s)
		if err != nil {
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("accepted an invalid credential: %v", err)
		}
		formatted := otp.FormatURI(&c)
		back, _, err := otp.ParseURI(formatted)
		if err != nil {
			t.Fatalf("%q formats to %q, which does not parse: %v", s, formatted, err)
		}
		if !back.Equal(&c) {
			t.Fatalf("%q: round trip through %q gave\n%+v, want\n%+v", s, formatted, back, c)
		}
		code, err := c.Code(time.Unix(1700000000, 0))
		if err != nil || len(code) != c.EffectiveDigits() {
			t.Fatalf("code %q, %v", code, err)
		}
	})
}

// FuzzParseMigration: no input panics, and every accepted payload exports
// back to batches that decode to the same accounts.
func FuzzParseMigration(f *testing.F) {
	f.Add("otpauth-migration://offline?data=CjEKCkhlbGxvId6tvu8SGEV4YW1wbGU6YWxpY2VAZ29vZ2xlLmNvbRoHRXhhbXBsZTAC")
	f.Add("otpauth-migration://offline?data=CkMKFD3GyqSCSm0oh2eyMx4gtDFmy4XZEhxBQ01FIENvOmpvaG4uZG9lQGV4YW1wbGUuY29tGgdBQ01FIENvIAEoATACCjUKCkhlbGxvId6tvu8SGEV4YW1wbGU6YWxpY2VAZ29vZ2xlLmNvbRoHRXhhbXBsZSABKAEwAhABGAEgACjn4Pv4Ag==")
	f.Add(payload(param(1, 0)))
	f.Fuzz(func(t *testing.T, s string) {
		b, err := otp.ParseMigration(s)
		if err != nil {
			return
		}
		uris, err := otp.FormatMigration(b.Credentials, b.BatchID)
		if err != nil {
			if strings.Contains(err.Error(), "too large") {
				return
			}
			t.Fatalf("accepted accounts do not export: %v", err)
		}
		var back []otp.Credential
		for _, u := range uris {
			bb, err := otp.ParseMigration(u)
			if err != nil {
				t.Fatalf("exported %q does not parse: %v", u, err)
			}
			back = append(back, bb.Credentials...)
		}
		if len(back) != len(b.Credentials) {
			t.Fatalf("%d accounts back, want %d", len(back), len(b.Credentials))
		}
		for i := range back {
			if !back[i].Equal(&b.Credentials[i]) {
				t.Fatalf("account %d: got %+v, want %+v", i, back[i], b.Credentials[i])
			}
		}
	})
}

// FuzzDecodeSecret: no panic, and what decodes re-encodes to the same bytes.
func FuzzDecodeSecret(f *testing.F) {
	f.Add("GEZDGNBVGY3TQOJQ")
	f.Add("gezd-gnbv gy3t====")
	f.Fuzz(func(t *testing.T, s string) {
		b, err := otp.DecodeSecret(s)
		if err != nil {
			return
		}
		again, err := otp.DecodeSecret(otp.EncodeSecret(b))
		if err != nil || string(again) != string(b) {
			t.Fatalf("%q: %x re-encodes to %x, %v", s, b, again, err)
		}
	})
}
