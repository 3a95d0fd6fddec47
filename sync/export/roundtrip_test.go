package export_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/tessera-auth/tessera/otp"
	"github.com/tessera-auth/tessera/sync/export"
	"github.com/tessera-auth/tessera/sync/imports"
	"github.com/tessera-auth/tessera/vault"
)

// TestRoundTripThroughImporters writes each export and reads it back with
// Tessera's own importer, which must give the same entries, field by field,
// for every field the format carries.
func TestRoundTripThroughImporters(t *testing.T) {
	const pass = "round trip passphrase"
	cases := []struct {
		name, format string
		encrypted    bool
		write        func(w *bytes.Buffer, es []vault.Entry) (export.Result, error)
		skip         []string // fields the format cannot carry
	}{
		{"aegis plain", "aegis", false, func(w *bytes.Buffer, es []vault.Entry) (export.Result, error) {
			return export.Aegis(w, es, "")
		}, nil},
		{"aegis encrypted", "aegis", true, func(w *bytes.Buffer, es []vault.Entry) (export.Result, error) {
			return export.Aegis(w, es, pass)
		}, nil},
		{"2fas plain", "2fas", false, func(w *bytes.Buffer, es []vault.Entry) (export.Result, error) {
			return export.TwoFAS(w, es, "", t0)
		}, []string{"note", "favourite", "tags"}},
		{"2fas encrypted", "2fas", true, func(w *bytes.Buffer, es []vault.Entry) (export.Result, error) {
			return export.TwoFAS(w, es, pass, t0)
		}, []string{"note", "favourite", "tags"}},
		{"uris", "uris", false, func(w *bytes.Buffer, es []vault.Entry) (export.Result, error) {
			return export.URIs(w, es)
		}, []string{"tags", "note", "favourite"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			r, err := tc.write(&buf, sampleEntries())
			if err != nil {
				t.Fatal(err)
			}
			checkSkippedToken(t, r)
			asked := false
			res, err := imports.Read("export", buf.Bytes(), imports.Options{Passphrase: func() ([]byte, error) {
				asked = true
				return []byte(pass), nil
			}})
			if err != nil {
				t.Fatalf("importing the %s export: %v", tc.name, err)
			}
			if asked != tc.encrypted {
				t.Errorf("passphrase asked: %v, want %v", asked, tc.encrypted)
			}
			if !strings.HasPrefix(res.Format, tc.format) {
				t.Errorf("sniffed as %q, want %s", res.Format, tc.format)
			}
			if len(res.Problems) > 0 {
				t.Errorf("importer reported problems: %v", res.Problems)
			}
			compare(t, fromEntries(res.Entries()), otpEntries(), tc.skip...)
		})
	}

	t.Run("migration", func(t *testing.T) {
		// Google Authenticator carries HOTP and TOTP of 6 or 8 digits and a
		// 30 s period only: the entries it can hold.
		var want []vault.Entry
		for _, e := range otpEntries() {
			c := e.OTP
			if c.Kind != otp.Steam && (c.Kind == otp.HOTP || c.EffectivePeriod() == 30) && (c.EffectiveDigits() == 6 || c.EffectiveDigits() == 8) {
				want = append(want, e)
			}
		}
		codes, r, err := export.Migration(sampleEntries())
		if err != nil {
			t.Fatal(err)
		}
		if r.Written != len(want) {
			t.Fatalf("wrote %d, want %d: %+v", r.Written, len(want), r)
		}
		var gots []got
		for _, c := range codes {
			// The PNG, as a person would scan or drop it.
			res, err := imports.Read("export.png", c.PNG, imports.Options{})
			if err != nil {
				t.Fatalf("importing a migration QR image: %v", err)
			}
			gots = append(gots, fromEntries(res.Entries())...)
		}
		compare(t, gots, want, "tags", "note", "favourite")
	})
}

// fromEntries turns imported entries into what compare reads.
func fromEntries(es []vault.Entry) []got {
	out := make([]got, len(es))
	for i, e := range es {
		c := e.OTP
		out[i] = got{
			kind: c.Kind.String(), issuer: e.Issuer, account: e.Account, alg: c.Algorithm.String(),
			secret: c.Secret, digits: c.EffectiveDigits(), period: c.EffectivePeriod(), counter: c.Counter,
			tags: e.Tags, note: e.Note, favourite: e.Favourite,
		}
	}
	return out
}
