//go:build e2e

package gui

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tessera-auth/tessera/otp"
)

// TestE2EUnlockSearchCopy runs the real binary in a real window: it types
// the passphrase and Enter, part of an issuer and Enter, reads the X
// clipboard and compares it with oathtool's code, takes a screenshot, and
// checks that the clipboard is cleared after the configured 3 s.
func TestE2EUnlockSearchCopy(t *testing.T) {
	tool(t, "oathtool", "oathtool")
	bin := build(t, "github.com/tessera-auth/tessera")
	d := newXdesk(t, 1024, 768)

	home := t.TempDir()
	dir := filepath.Join(home, "vault")
	makeVault(t, dir, testEntries(t))
	writePrefs(t, home, map[string]any{prefClearAfter: 3})

	p := d.startProgram(bin, d.env(home, "TESSERA_VAULT="+dir))
	win := d.waitWindow("^Tessera")
	t.Logf("first window after %v", time.Since(p.start).Round(time.Millisecond))
	if got := d.windowName(win); got != titleLocked {
		t.Fatalf("window title %q, want %q", got, titleLocked)
	}
	d.unlockTessera(win)

	before := time.Now()
	d.xdo("type", "--delay", "20", "hub")
	d.xdo("key", "Return")
	var got string
	waitFor(t, 10*time.Second, "a code on the clipboard", func() bool {
		got = d.clipboard()
		return got != ""
	})
	after := time.Now()
	// The app copies the current code, or the next one when less than 5 s
	// are left.
	if !codeAround(t, githubSecret, got, before, after) {
		t.Fatalf("clipboard holds %q, not oathtool's code for GitHub around %v", got, before.Format(time.TimeOnly))
	}
	copied := time.Now()

	// The screenshot: the list with the search for "hub".
	shot := d.screenshot(win)
	if colours := distinctColours(shot); colours < 20 {
		t.Fatalf("the screenshot has %d colours: the window did not draw", colours)
	}
	savePNG(t, filepath.Join(t.ArtifactDir(), "tessera-main-window.png"), shot)
	readme := os.Getenv("TESSERA_SCREENSHOT")
	var full *image.RGBA
	if readme != "" {
		// For the README's picture: the whole list.
		d.xdo("key", "Escape")
		waitFor(t, 5*time.Second, "the whole list to draw", func() bool {
			full = d.screenshot(win)
			return !bytes.Equal(full.Pix, shot.Pix)
		})
	}

	waitFor(t, 10*time.Second, "the clipboard to be cleared", func() bool {
		return d.clipboard() == ""
	})
	if cleared := time.Since(copied); cleared < 2*time.Second {
		t.Fatalf("clipboard cleared %v after the copy, before the configured 3 s", cleared)
	}
	t.Logf("clipboard cleared %v after the copy was seen", time.Since(copied).Round(100*time.Millisecond))

	if readme != "" {
		// The toast goes after 3 s; the README shows the list without it.
		// The toast's text sits at the bottom of the window, so that patch
		// changes when it goes.
		b := full.Bounds()
		patch := image.Rect(b.Min.X+16, b.Max.Y-56, b.Min.X+200, b.Max.Y-16)
		var clean *image.RGBA
		waitFor(t, 10*time.Second, "the toast to go", func() bool {
			clean = d.screenshot(win)
			return !samePatch(clean, full, patch)
		})
		savePNG(t, readme, clean)
	}
	if p.cmd.ProcessState != nil {
		t.Fatalf("tessera exited: %s", p.output)
	}
}

// codeAround reports whether code is oathtool's TOTP code (30 s, SHA1, 6
// digits) of secret for a step from the one at from to the one after to.
func codeAround(t testing.TB, secret, code string, from, to time.Time) bool {
	c := otp.Credential{Period: 30}
	for s := c.Step(from); s <= c.Step(to)+1; s++ {
		if totpAt(t, secret, time.Unix(int64(s)*30, 0)) == code {
			return true
		}
	}
	return false
}

func distinctColours(img interface {
	Bounds() image.Rectangle
	At(x, y int) color.Color
}) int {
	seen := map[color.RGBA]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			seen[color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(bl >> 8), 0xff}] = true
		}
	}
	return len(seen)
}

// samePatch reports whether a and b hold the same pixels in r.
func samePatch(a, b *image.RGBA, r image.Rectangle) bool {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if a.RGBAAt(x, y) != b.RGBAAt(x, y) {
				return false
			}
		}
	}
	return true
}

func savePNG(t testing.TB, path string, img image.Image) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}
