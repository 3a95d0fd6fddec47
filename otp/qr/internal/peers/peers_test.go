package peers

import (
	"slices"
	"testing"
)

// TestParse reads the outputs of zbarimg and ZXingReader as they print
// them for two codes.
func TestParse(t *testing.T) {
	zbar := "otpauth://totp/A:a?secret=GEZDGNBV\n\notpauth://hotp/B:b?secret=JBSWY3DP&counter=7\n"
	zxing := `Text:       "otpauth://totp/A:a?secret=GEZDGNBV"
Bytes:      6F 74 70
Format:     QRCode
Position:   10x10 80x10 80x80 10x80

Text:       "otpauth://hotp/B:b?secret=JBSWY3DP&counter=7"
Format:     QRCode
`
	want := []string{"otpauth://totp/A:a?secret=GEZDGNBV", "otpauth://hotp/B:b?secret=JBSWY3DP&counter=7"}
	for _, tc := range []struct {
		r   Reader
		out string
	}{{Zbar, zbar}, {ZXing, zxing}} {
		if got := tc.r.Parse([]byte(tc.out)); !slices.Equal(got, want) {
			t.Errorf("%s: parsed %q, want %q", tc.r.Name, got, want)
		}
	}
	if got := ZXing.Parse([]byte("No barcode found\n")); len(got) != 0 {
		t.Errorf("ZXingReader finding nothing parsed as %q", got)
	}
}
