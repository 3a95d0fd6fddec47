package imports_test

import (
	"crypto/rand"
	"fmt"
	"testing"

	"github.com/tessera-auth/tessera/otp"
	"github.com/tessera-auth/tessera/sync/imports"
	"github.com/tessera-auth/tessera/sync/imports/exportgen"
	"github.com/tessera-auth/tessera/vault"
)

// BenchmarkImportAegisEncrypted10000 reads a 10,000-entry encrypted Aegis
// export with Aegis's own scrypt cost (N=2^15, r=8, p=1): what moving a
// large collection in costs, key derivation included.
func BenchmarkImportAegisEncrypted10000(b *testing.B) {
	entries := make([]vault.Entry, 10000)
	for i := range entries {
		s := make([]byte, 20)
		rand.Read(s)
		entries[i] = totp(otp.SHA1, 6, 30, s, fmt.Sprintf("Issuer %d", i%300), fmt.Sprintf("user%d@example.com", i))
		entries[i].Tags = []string{fmt.Sprintf("group %d", i%20)}
		entries[i].Note = "a note"
	}
	data, err := exportgen.Write("aegis", entries, exportgen.Options{Passphrase: pass})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		res, err := imports.Read("aegis.json", data, imports.Options{Passphrase: func() ([]byte, error) { return pass, nil }})
		if err != nil || len(res.Items) != len(entries) {
			b.Fatalf("%d entries, %v", len(res.Items), err)
		}
	}
}
