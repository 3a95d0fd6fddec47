//go:build e2e

package gui

import (
	"bytes"
	"encoding/json"
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
	// Fyne keeps preferences in $XDG_CONFIG_HOME/fyne/APPID/preferences.json.
	prefs := filepath.Join(home, ".config", "fyne", "io.github.tessera_auth.tessera", "preferences.json")
	if err := os.MkdirAll(filepath.Dir(prefs), 0o700); err != nil {
		t.Fatal(err)
	}
	js, _ := json.Marshal(map[string]any{prefClearAfter: 3})
	if err := os.WriteFile(prefs, js, 0o600); err != nil {
		t.Fatal(err)
	}

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
	if out := os.Getenv("TESSERA_SCREENSHOT"); out != "" {
		// Refresh the README's picture: the whole list.
		d.xdo("key", "Escape")
		var full *image.RGBA
		waitFor(t, 5*time.Second, "the whole list to draw", func() bool {
			full = d.screenshot(win)
			return !bytes.Equal(full.Pix, shot.Pix)
		})
		savePNG(t, out, full)
	}

	waitFor(t, 10*time.Second, "the clipboard to be cleared", func() bool {
		return d.clipboard() == ""
	})
	if cleared := time.Since(copied); cleared < 2*time.Second {
		t.Fatalf("clipboard cleared %v after the copy, before the configured 3 s", cleared)
	}
	t.Logf("clipboard cleared %v after the copy was seen", time.Since(copied).Round(100*time.Millisecond))
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
