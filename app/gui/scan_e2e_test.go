//go:build e2e

package gui

import (
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tessera-auth/tessera/app/internal/xvfb"
	"github.com/tessera-auth/tessera/app/internal/xwin"
	"github.com/tessera-auth/tessera/otp/qr"
)

// TestE2EScanScreen shows a QR code in another window, then adds it with
// Ctrl+N and Space (Scan screen): Tessera hides its window, captures
// the screen, adds the account, and its code matches oathtool's.
func TestE2EScanScreen(t *testing.T) {
	tool(t, "oathtool", "oathtool")
	bin := build(t, "github.com/tessera-auth/tessera")
	d := newXdesk(t, 1280, 800)
	const secret = "KVKFKRCPNZQUYMLXOVYDSQKJKZDTSRLD"
	img, err := qr.Encode("otpauth://totp/Scanned%20Inc:erin?secret=" + secret + "&issuer=Scanned%20Inc")
	if err != nil {
		t.Fatal(err)
	}
	xwin.Show(t, d.display, img, image.Pt(600, 100))

	home := t.TempDir()
	dir := filepath.Join(home, "vault")
	makeVault(t, dir, testEntries(t))
	p := d.startProgram(bin, d.env(home, "TESSERA_VAULT="+dir))
	win := d.waitWindow("^Tessera")
	d.unlockTessera(win)

	d.xdo("key", "ctrl+n")
	d.xdo("key", "space")
	waitFor(t, 30*time.Second, "the scanned entry to be added", func() bool {
		return d.findWindow("^Tessera$") != "" && entryExists(t, dir, "Scanned Inc")
	})
	d.xdo("windowfocus", "--sync", win)
	d.copyAndCheck(p, "scanned", secret)
}

// TestE2EPasteImage copies a QR code image to the clipboard with xclip, as
// a screenshot tool or a browser's "Copy Image" does, and adds it with
// Ctrl+V in the unlocked window; its code then matches oathtool's.
func TestE2EPasteImage(t *testing.T) {
	tool(t, "oathtool", "oathtool")
	bin := build(t, "github.com/tessera-auth/tessera")
	d := newXdesk(t, 1024, 768)
	const secret = "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U"
	img, err := qr.Encode("otpauth://totp/Pasted%20Image%20Ltd:hana?secret=" + secret + "&issuer=Pasted%20Image%20Ltd")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "qr.png")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	f.Close()

	home := t.TempDir()
	dir := filepath.Join(home, "vault")
	makeVault(t, dir, testEntries(t))
	p := d.startProgram(bin, d.env(home, "TESSERA_VAULT="+dir))
	win := d.waitWindow("^Tessera")
	d.unlockTessera(win)

	xvfb.OwnClipboard(t, d.display, "image/png", file)

	d.xdo("windowfocus", "--sync", win)
	d.xdo("key", "ctrl+v")
	waitFor(t, 20*time.Second, "the pasted entry to be added", func() bool { return entryExists(t, dir, "Pasted Image Ltd") })
	d.copyAndCheck(p, "pasted image", secret)
}

// copyAndCheck types search into Tessera's focused window and presses
// Enter, then wants oathtool's code for secret on the clipboard and
// Tessera still running.
func (d *xdesk) copyAndCheck(p *started, search, secret string) {
	d.t.Helper()
	d.xdo("type", "--delay", "20", search)
	before := time.Now()
	d.xdo("key", "Return")
	var got string
	waitFor(d.t, 10*time.Second, "the code of "+search+" on the clipboard", func() bool {
		got = d.clipboard()
		return len(got) == 6
	})
	if !codeAround(d.t, secret, got, before, time.Now()) {
		d.t.Fatalf("clipboard holds %q, not oathtool's code for the secret of %s", got, search)
	}
	if p.cmd.ProcessState != nil {
		d.t.Fatalf("tessera exited: %s", p.output)
	}
}

// entryExists reports whether the vault on disk holds an entry whose issuer
// contains name.
func entryExists(t testing.TB, dir, name string) bool {
	v := newVaultHandle(t, dir)
	defer v.Lock()
	for _, e := range v.Entries() {
		if strings.Contains(e.Issuer, name) {
			return true
		}
	}
	return false
}
