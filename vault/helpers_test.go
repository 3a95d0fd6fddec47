package vault_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/tessera-auth/tessera/otp"
	"github.com/tessera-auth/tessera/vault"
)

// testWork is the scrypt work factor of test vaults: fast (2^10 took 40 ms
// a slot under the race detector, and the crash tests' children and
// checks open thousands), and still a real scrypt slot that age opens.
const testWork = 4

var testOpts = &vault.Options{WorkFactor: testWork}

const testPass = "correct horse battery staple"

// newVault creates a vault in a fresh temporary folder.
func newVault(t testing.TB) (*vault.Vault, string, string) {
	t.Helper()
	dir := t.TempDir() + "/v"
	v, code, err := vault.Create(dir, testPass, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	return v, dir, code
}

// totp returns a TOTP entry whose secret is derived from n.
func totp(issuer, account string, n int) vault.Entry {
	return vault.Entry{
		Kind: vault.KindOTP, Issuer: issuer, Account: account,
		OTP: otp.Credential{Kind: otp.TOTP, Digits: 6, Period: 30, Secret: []byte(fmt.Sprintf("secret-%08d-padding", n))},
	}
}

func mustAdd(t testing.TB, v *vault.Vault, e vault.Entry) vault.Entry {
	t.Helper()
	got, err := v.Add(e)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func mustSave(t testing.TB, v *vault.Vault) {
	t.Helper()
	if err := v.Save(); err != nil {
		t.Fatal(err)
	}
}

// reopen opens dir afresh with the test passphrase.
func reopen(t testing.TB, dir string) *vault.Vault {
	t.Helper()
	v, err := vault.Open(dir, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.UnlockPassphrase(testPass); err != nil {
		t.Fatal(err)
	}
	return v
}

func errorsIsDamaged(err error) bool { return errors.Is(err, vault.ErrDamaged) }
