package export

import (
	"bufio"
	"io"

	"github.com/tessera-auth/tessera/otp"
	"github.com/tessera-auth/tessera/vault"
)

// URIs writes one otpauth:// URI per line for every OTP entry, the form
// nearly every authenticator imports (and `tessera add` reads).
func URIs(w io.Writer, entries []vault.Entry) (Result, error) {
	var r Result
	bw := bufio.NewWriter(w)
	for i := range entries {
		e := &entries[i]
		if e.Deleted || !otpOnly(&r, e, "an otpauth URI") {
			continue
		}
		c := credential(e)
		bw.WriteString(otp.FormatURI(&c))
		bw.WriteByte('\n')
		r.Written++
	}
	return r, bw.Flush()
}
