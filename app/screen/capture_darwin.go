package screen

import (
	"context"
	"fmt"
	"image"
	_ "image/png" // screencapture writes PNG
	"os"
	"os/exec"
	"path/filepath"
)

// maxDisplays is how many displays capture asks screencapture for; it
// writes one file per display it has and ignores the rest.
const maxDisplays = 8

// capture runs macOS's screencapture, which writes one PNG per display
// into a private temporary folder, then removes them. macOS asks the
// person to allow screen recording the first time.
func capture(ctx context.Context, _ func(string) string) ([]image.Image, error) {
	dir, err := os.MkdirTemp("", "tessera-screen")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	args := []string{"-x", "-t", "png"}
	for i := 0; i < maxDisplays; i++ {
		args = append(args, filepath.Join(dir, fmt.Sprintf("%d.png", i)))
	}
	if out, err := exec.CommandContext(ctx, "screencapture", args...).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("screencapture: %v: %s (allow screen recording for your terminal in System Settings, Privacy & Security)", err, out)
	}
	var imgs []image.Image
	for i := 0; i < maxDisplays; i++ {
		f, err := os.Open(filepath.Join(dir, fmt.Sprintf("%d.png", i)))
		if err != nil {
			break
		}
		img, _, err := image.Decode(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("screencapture: display %d: %w", i+1, err)
		}
		imgs = append(imgs, img)
	}
	return imgs, nil
}
