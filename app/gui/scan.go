package gui

import (
	"context"
	"time"

	"github.com/tessera-auth/tessera/app/screen"
	"github.com/tessera-auth/tessera/otp/qr"
)

// scanTimeout bounds a screen capture, including the time a person takes
// to confirm the desktop portal's prompt on Wayland.
const scanTimeout = 2 * time.Minute

// scanScreen captures every monitor and returns the texts of the QR codes
// on them, each once. A capture failure says what to do instead.
func scanScreen() ([]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), scanTimeout)
	defer cancel()
	images, err := screen.Capture(ctx, nil)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var texts []string
	for _, img := range images {
		for _, t := range qr.DecodeImage(img) {
			if !seen[t] {
				seen[t] = true
				texts = append(texts, t)
			}
		}
	}
	return texts, nil
}
