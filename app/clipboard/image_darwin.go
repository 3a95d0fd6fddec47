package clipboard

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
)

// readImage asks AppleScript for the clipboard as PNG, which is how macOS
// screenshots (Cmd+Ctrl+Shift+4) and browsers' "Copy Image" offer it.
// osascript is part of every macOS. Not yet run on a real Mac: only the
// parsing of its answer is tested.
func readImage(ctx context.Context, _ func(string) string) ([]byte, error) {
	out, err := exec.CommandContext(ctx, "osascript", "-e", "the clipboard as «class PNGf»").Output()
	if err != nil {
		if ctx.Err() != nil {
			return nil, errors.New("osascript did not answer in time; save the image and open the file")
		}
		// osascript fails (error -1700) when the clipboard cannot be
		// had as an image.
		return nil, ErrNoImage
	}
	return parseAppleScriptData(bytes.TrimSpace(out), "PNGf")
}
