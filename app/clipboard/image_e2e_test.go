//go:build e2e && linux

package clipboard_test

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
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
	if _, err := exec.LookPath("xclip"); err != nil {
		t.Fatal("xclip is missing: run make test-deps (Debian package xclip)")
	}
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
			own(t, display, c.typ, c.data)
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
		own(t, display, "UTF8_STRING", []byte("otpauth is text, not an image"))
		if got, err := read(); !errors.Is(err, clipboard.ErrNoImage) {
			t.Fatalf("text on the clipboard: got %d bytes, %v; want ErrNoImage", len(got), err)
		}
	})
}

// own makes xclip the owner of the clipboard, offering data as typ, until
// the test ends, and waits until the X server says so.
func own(t *testing.T, display, typ string, data []byte) {
	t.Helper()
	targets := func() (string, error) {
		out, err := exec.Command("xclip", "-display", display, "-selection", "clipboard", "-o", "-t", "TARGETS").Output()
		return string(out), err
	}
	// The previous owner was killed; wait until the server has let go of
	// its selection, so what is read next cannot come from it.
	waitUntil(t, "the clipboard to have no owner", func() bool { _, err := targets(); return err != nil })

	file := filepath.Join(t.TempDir(), "data")
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("xclip", "-display", display, "-quiet", "-selection", "clipboard", "-t", typ, "-i", file)
	cmd.Env = append(os.Environ(), "LANG=en_US.UTF-8")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	waitUntil(t, "xclip to offer "+typ, func() bool {
		list, err := targets()
		return err == nil && slices.Contains(strings.Fields(list), typ)
	})
}

// waitUntil polls cond until it holds, failing the test after 10 s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after 10 s waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
