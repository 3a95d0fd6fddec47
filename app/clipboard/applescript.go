package clipboard

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
)

// parseAppleScriptData reads what osascript prints for `the clipboard as
// «class PNGf»`: the bytes in hex, as «data PNGf89504E47…». It is kept
// apart from the macOS code so that it is tested and fuzzed everywhere.
func parseAppleScriptData(out []byte, class string) ([]byte, error) {
	out = bytes.TrimSpace(out)
	prefix := []byte("«data " + class)
	if !bytes.HasPrefix(out, prefix) || !bytes.HasSuffix(out, []byte("»")) {
		return nil, errors.New("osascript did not answer with image data")
	}
	hexData := out[len(prefix) : len(out)-len("»")]
	if len(hexData)/2 > MaxImageBytes {
		return nil, fmt.Errorf("the clipboard image is %d MiB, more than the %d MiB read", len(hexData)>>21, MaxImageBytes>>20)
	}
	data := make([]byte, hex.DecodedLen(len(hexData)))
	if _, err := hex.Decode(data, hexData); err != nil {
		return nil, fmt.Errorf("osascript's image data: %w", err)
	}
	return data, nil
}
