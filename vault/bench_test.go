package vault_test

import (
	"fmt"
	"testing"

	"github.com/tessera-auth/tessera/vault"
)

// bigVault makes a vault of n entries and returns its folder and recovery
// code.
func bigVault(b *testing.B, n int) (string, string) {
	b.Helper()
	v, dir, code := newVault(b)
	for i := range n {
		e := totp(fmt.Sprintf("Issuer %d", i%500), fmt.Sprintf("user%d@example.com", i), i)
		e.Tags = []string{"work"}
		e.Note = "a note"
		mustAdd(b, v, e)
	}
	mustSave(b, v)
	return dir, code
}

// BenchmarkOpen10k reads and decrypts a 10,000-entry vault, the key
// derivation left out: the recovery-code slot is an X25519 one, so opening
// it costs no scrypt.
func BenchmarkOpen10k(b *testing.B) {
	dir, code := bigVault(b, 10000)
	id, err := vault.ParseRecoveryCode(code)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w, err := vault.Open(dir, nil)
		if err != nil {
			b.Fatal(err)
		}
		if err := w.Unlock(id); err != nil {
			b.Fatal(err)
		}
		if len(w.Entries()) != 10000 {
			b.Fatal("entries lost")
		}
	}
}

// BenchmarkSave10k changes one entry of a 10,000-entry vault and saves it:
// encode, encrypt, backup link, fsync, rename, fsync of the folder.
func BenchmarkSave10k(b *testing.B) {
	dir, _ := bigVault(b, 10000)
	v := reopen(b, dir)
	e := v.Entries()[0]
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		e.Note = fmt.Sprint(i)
		if err := v.Update(e); err != nil {
			b.Fatal(err)
		}
		if err := v.Save(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkKeyDerivation unlocks a passphrase slot at age's default work
// factor (2^18), and reports the work factor tuned for this machine.
func BenchmarkKeyDerivation(b *testing.B) {
	dir := b.TempDir() + "/v"
	if _, _, err := vault.Create(dir, testPass, &vault.Options{WorkFactor: vault.MinWorkFactor}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		v, err := vault.Open(dir, nil)
		if err != nil {
			b.Fatal(err)
		}
		if err := v.UnlockPassphrase(testPass); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(vault.TunedWorkFactor()), "tuned-logN")
}

// BenchmarkRekey10k gives a 10,000-entry vault with its backups a new
// master key: every file decrypted and encrypted twice (both keys, then
// the new one), every slot sealed again, each write fsynced.
func BenchmarkRekey10k(b *testing.B) {
	dir, _ := bigVault(b, 10000)
	v := reopen(b, dir)
	for i := range 3 {
		e := v.Entries()[i]
		e.Note = "changed"
		v.Update(e)
		v.Save()
	}
	opts := &vault.RekeyOptions{Passphrases: []string{testPass}}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := v.Rekey(opts); err != nil {
			b.Fatal(err)
		}
	}
}
