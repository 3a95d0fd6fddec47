package imports

import (
	"bytes"
	"fmt"

	"github.com/tessera-auth/tessera/otp/qr"
)

// readQR reads every QR code in an image, such as a screenshot of Google
// Authenticator's export screen or a saved QR code.
func readQR(data []byte, _ *Options, r *Result) error {
	texts, err := qr.Decode(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("qr: %w", err)
	}
	if len(texts) == 0 {
		return fmt.Errorf("qr: no QR code found in the image")
	}
	for i, t := range texts {
		r.addURI(fmt.Sprintf("QR code %d", i+1), t)
	}
	return nil
}
