package gui

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"time"
)

// clipboardImage returns a PNG image from the clipboard, which Fyne's
// clipboard (text only) cannot read: through wl-paste on Wayland, xclip on
// X11.
func clipboardImage() ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	var cmd *exec.Cmd
	switch {
	case os.Getenv("WAYLAND_DISPLAY") != "":
		if _, err := exec.LookPath("wl-paste"); err != nil {
			return nil, errors.New("the clipboard holds no text, and reading an image from it needs wl-paste (package wl-clipboard); or save the image and open it")
		}
		cmd = exec.CommandContext(ctx, "wl-paste", "--type", "image/png")
	default:
		if _, err := exec.LookPath("xclip"); err != nil {
			return nil, errors.New("the clipboard holds no text, and reading an image from it needs xclip; or save the image and open it")
		}
		cmd = exec.CommandContext(ctx, "xclip", "-selection", "clipboard", "-t", "image/png", "-o")
	}
	out, err := cmd.Output()
	if err != nil || !bytes.HasPrefix(out, []byte("\x89PNG")) {
		return nil, errors.New("the clipboard holds neither an otpauth link nor an image")
	}
	return out, nil
}
