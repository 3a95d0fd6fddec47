package imports_test

import (
	"testing"

	"github.com/tessera-auth/tessera/sync/imports"
	"github.com/tessera-auth/tessera/sync/imports/exportgen"
)

// FuzzRead feeds every reader, sniffed or named, arbitrary bytes: an error
// or entries with valid credentials, never a panic. Key derivation bounds
// are lowered so that no input spends the run deriving keys; QR images are
// left to otp/qr's own fuzzing.
func FuzzRead(f *testing.F) {
	f.Cleanup(imports.LowerCostBounds())
	in := samples()
	low := exportgen.Options{Passphrase: pass, ScryptN: 1 << 7, PBKDF2Rounds: 100, Argon2Memory: 64 << 10, Argon2Passes: 1}
	for i, name := range exportgen.Formats {
		entries := in
		if name == "steam" {
			entries = in[5:]
		}
		if data, err := exportgen.Write(name, entries, exportgen.Options{}); err == nil {
			f.Add(uint8(i), data)
			f.Add(uint8(255), data)
		}
		if data, err := exportgen.Write(name, entries[:1], low); err == nil {
			f.Add(uint8(255), data)
		}
	}
	names := []string{""}
	for _, f := range imports.Formats() {
		if f[0] != "qr" {
			names = append(names, f[0])
		}
	}
	f.Fuzz(func(t *testing.T, sel uint8, data []byte) {
		format := names[int(sel)%len(names)]
		if format == "" && imports.Sniff("x", data) == "qr" {
			return
		}
		res, err := imports.Read("x", data, imports.Options{Format: format, Passphrase: func() ([]byte, error) { return pass, nil }})
		if err != nil {
			return
		}
		for _, it := range res.Items {
			if it.Position == "" {
				t.Fatal("an entry without a position")
			}
			if err := it.Entry.OTP.Validate(); err != nil {
				t.Fatalf("%s: an invalid credential was returned: %v", it.Position, err)
			}
		}
		for _, p := range res.Problems {
			if p.Position == "" || p.Reason == "" {
				t.Fatalf("a problem without position or reason: %+v", p)
			}
		}
	})
}
