//go:build e2e && linux

package clipboard_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tessera-auth/tessera/app/clipboard"
	"github.com/tessera-auth/tessera/app/internal/wayland"
)

// TestE2EImageWayland copies an image and then text with the real wl-copy
// on a private headless sway desktop (no X11: DISPLAY is not set), and
// reads the clipboard back with Image, which asks wl-paste there.
func TestE2EImageWayland(t *testing.T) {
	for _, tool := range []string{"wl-copy", "wl-paste"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing: run make test-deps (Debian package wl-clipboard)", tool)
		}
	}
	wall := image.NewRGBA(image.Rect(0, 0, 64, 64))
	for i := range wall.Pix {
		wall.Pix[i] = 0xff
	}
	wall.Set(10, 10, color.Black)
	d := wayland.Start(t, 320, 240, wall)
	read := func() ([]byte, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return clipboard.Image(ctx, d.Getenv)
	}

	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte("tessera"), 5000)...)
	copyToClipboard(t, d, "image/png", png)
	got, err := read()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, png) {
		t.Fatalf("read %d bytes, want the %d copied", len(got), len(png))
	}

	copyToClipboard(t, d, "text/plain;charset=utf-8", []byte("otpauth is text, not an image"))
	if got, err := read(); !errors.Is(err, clipboard.ErrNoImage) {
		t.Fatalf("text on the clipboard: got %d bytes, %v; want ErrNoImage", len(got), err)
	}
}

// copyToClipboard runs wl-copy in the foreground, serving data as typ
// until the test ends or another copy replaces it, and waits until
// wl-paste sees that type offered.
func copyToClipboard(t *testing.T, d *wayland.Desktop, typ string, data []byte) {
	t.Helper()
	cmd := exec.Command("wl-copy", "--foreground", "--type", typ)
	cmd.Env = append(os.Environ(), d.Env()...)
	cmd.Env = append(cmd.Env, "DISPLAY=")
	cmd.Stdin = bytes.NewReader(data)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	deadline := time.Now().Add(10 * time.Second)
	for {
		list := exec.Command("wl-paste", "--list-types")
		list.Env = cmd.Env
		out, err := list.Output()
		if err == nil && slices.Contains(strings.Split(strings.TrimSpace(string(out)), "\n"), typ) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("wl-copy did not offer %s within 10 s: %s", typ, stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
