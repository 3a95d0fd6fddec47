package vault

import (
	"strings"
	"testing"
)

// TestBech32Vectors encodes the data of BIP 173's valid bech32 test strings
// and must give back each string exactly. The data part is read back into
// bytes here, so only vectors whose data fills whole bytes are used.
func TestBech32Vectors(t *testing.T) {
	for _, s := range []string{
		"a12uel5l",
		"abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
		"split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
		"?1ezyfcl",
	} {
		sep := strings.LastIndexByte(s, '1')
		hrp, data := s[:sep], s[sep+1:len(s)-6]
		if len(data)*5%8 != 0 {
			t.Fatalf("%s: data part does not fill whole bytes", s)
		}
		var raw []byte
		acc, bits := 0, 0
		for _, c := range data {
			acc = acc<<5 | strings.IndexRune(bech32Charset, c)
			bits += 5
			if bits >= 8 {
				bits -= 8
				raw = append(raw, byte(acc>>bits))
				acc &= 1<<bits - 1
			}
		}
		if got := bech32Encode(hrp, raw); got != s {
			t.Errorf("bech32Encode(%q, %x) = %q, want %q", hrp, raw, got, s)
		}
	}
}
