package otp_test

import (
	"fmt"
	"time"

	"github.com/tessera-auth/tessera/otp"
)

func ExampleParseURI() {
	cred, warnings, err := otp.ParseURI("otpauth://totp/Example:alice@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Example&digits=8")
	if err != nil {
		fmt.Println(err)
		return
	}
	code, _ := cred.Code(time.Unix(59, 0))
	fmt.Println(cred.Label(), code, len(warnings))
	// Output: Example: alice@example.com 94287082 0
}

func ExampleParseURI_error() {
	_, _, err := otp.ParseURI("otpauth://totp/Example:alice?secret=GEZDGNBV&digits=12")
	fmt.Println(err)
	// Output: otpauth: digits "12" out of range 4..10
}

func ExampleFormatMigration() {
	creds := []otp.Credential{{Secret: []byte("Hello!\xde\xad\xbe\xef"), Issuer: "Example", Account: "alice@google.com"}}
	uris, _ := otp.FormatMigration(creds, 1)
	batch, _ := otp.ParseMigration(uris[0])
	fmt.Println(len(uris), batch.Credentials[0].Label(), otp.EncodeSecret(batch.Credentials[0].Secret))
	// Output: 1 Example: alice@google.com JBSWY3DPEHPK3PXP
}
