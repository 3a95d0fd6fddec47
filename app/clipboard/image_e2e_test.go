//go:build e2e && linux

package clipboard_test

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tessera-auth/tessera/app/clipboard"
	"github.com/tessera-auth/tessera/app/internal/xvfb"
)

// TestE2EImageX11 puts images and text on the clipboard of a private X
// server with the real xclip, as a screenshot tool or a browser's "Copy
// Image" would, and reads them back with Image, which speaks the X11
// selection protocol itself.
func TestE2EImageX11(t *testing.T) {
	display := xvfb.Start(t, 640, 480)
	env := map[string]string{"DISPLAY": display}
	read := func() ([]byte, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return clipboard.Image(ctx, func(k string) string { return env[k] })
	}

	if _, err := read(); !errors.Is(err, clipboard.ErrNoImage) {
		t.Fatalf("empty clipboard: got %v, want ErrNoImage", err)
	}

	rng := rand.New(rand.NewPCG(1, 2))
	payload := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return append([]byte("\x89PNG\r\n\x1a\n"), b...)
	}
	for _, c := range []struct {
		name, typ string
		data      []byte
	}{
		{"small PNG", "image/png", payload(3000)},
		{"JPEG only", "image/jpeg", append([]byte("\xff\xd8\xff"), payload(5000)...)},
		// Larger than an X request may carry: the owner sends it in pieces
		// (INCR).
		{"large PNG", "image/png", payload(20 << 20)},
	} {
		t.Run(c.name, func(t *testing.T) {
			xvfb.OwnClipboard(t, display, c.typ, writeFile(t, c.data))
			got, err := read()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, c.data) {
				t.Fatalf("read %d bytes, want the %d put there", len(got), len(c.data))
			}
		})
	}

	t.Run("text only", func(t *testing.T) {
		xvfb.OwnClipboard(t, display, "UTF8_STRING", writeFile(t, []byte("otpauth is text, not an image")))
		if got, err := read(); !errors.Is(err, clipboard.ErrNoImage) {
			t.Fatalf("text on the clipboard: got %d bytes, %v; want ErrNoImage", len(got), err)
		}
	})
}

// writeFile writes data to a new file and returns its name.
func writeFile(t *testing.T, data []byte) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "data")
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}
