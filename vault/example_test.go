package vault_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/tessera-auth/tessera/otp"
	"github.com/tessera-auth/tessera/vault"
)

func Example() {
	tmp, _ := os.MkdirTemp("", "vault-example")
	defer os.RemoveAll(tmp)
	dir := filepath.Join(tmp, "vault")

	// Create a vault; show the recovery code to the person once.
	v, recoveryCode, err := vault.Create(dir, "correct horse battery staple", &vault.Options{WorkFactor: testWork})
	if err != nil {
		log.Fatal(err)
	}
	_ = recoveryCode
	cred, _, _ := otp.ParseURI("otpauth://totp/Example:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&digits=8")
	if _, err := v.Add(vault.Entry{Kind: vault.KindOTP, OTP: cred}); err != nil {
		log.Fatal(err)
	}
	if err := v.Save(); err != nil {
		log.Fatal(err)
	}
	v.Lock()

	// Later, or in another process: open and unlock it.
	w, err := vault.Open(dir, nil)
	if err != nil {
		log.Fatal(err)
	}
	if err := w.UnlockPassphrase("correct horse battery staple"); err != nil {
		log.Fatal(err)
	}
	defer w.Lock()
	for _, e := range w.Find("example") {
		code, _ := e.OTP.Code(time.Unix(59, 0))
		fmt.Println(e.Label(), code)
	}
	// Output: Example: alice 94287082
}
