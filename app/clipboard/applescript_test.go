package clipboard

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
)

func TestParseAppleScriptData(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\nrest")
	out := []byte("«data PNGf" + strings.ToUpper(hex.EncodeToString(png)) + "»\n")
	got, err := parseAppleScriptData(out, "PNGf")
	if err != nil || !bytes.Equal(got, png) {
		t.Fatalf("got %q, %v; want the PNG bytes", got, err)
	}
	for _, bad := range []string{
		"",
		"text on the clipboard",
		"«data TIFF4D4D»",     // another class
		"«data PNGf89504E4»",  // odd number of digits
		"«data PNGf89504EZZ»", // not hex
		"«data PNGf89504E47",  // cut short
	} {
		if _, err := parseAppleScriptData([]byte(bad), "PNGf"); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func FuzzParseAppleScriptData(f *testing.F) {
	f.Add([]byte("«data PNGf89504E470D0A1A0A»"))
	f.Add([]byte("«data PNGf»"))
	f.Fuzz(func(t *testing.T, out []byte) {
		data, err := parseAppleScriptData(out, "PNGf")
		if err == nil && len(data) > MaxImageBytes {
			t.Fatalf("accepted %d bytes", len(data))
		}
	})
}
