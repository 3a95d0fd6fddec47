//go:build e2e

package cli_test

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tessera-auth/tessera/app/internal/xvfb"
	"github.com/tessera-auth/tessera/app/internal/xwin"
	"github.com/tessera-auth/tessera/otp/qr"
)

// TestE2EScanScreen shows two QR codes on a private X server, one dark on
// light and one light on dark as dark-mode pages show them, and checks that
// the real tessera binary's `scan --screen` prints both URIs.
func TestE2EScanScreen(t *testing.T) {
	bin := buildTessera(t)
	display := xvfb.Start(t, 1920, 1080)
	uris, light, dark := screenCodes(t)
	xwin.Show(t, display, light, image.Pt(200, 150))
	xwin.Show(t, display, dark, image.Pt(1100, 500))

	cmd := exec.Command(bin, "scan", "--screen")
	cmd.Env = append(os.Environ(), "DISPLAY="+display, "WAYLAND_DISPLAY=", "XDG_SESSION_TYPE=x11", "LANG=en_US.UTF-8")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("tessera scan --screen: %v\nstderr: %s", err, stderr.String())
	}
	wantBoth(t, uris, stdout.String(), stderr.String())
}

// screenCodes returns two URIs and their QR codes as browsers show them
// (4 pixels a module): the first dark on light, the second light on dark
// as dark-mode pages show it.
func screenCodes(t *testing.T) (uris [2]string, light, dark *image.Paletted) {
	t.Helper()
	uris = [2]string{
		"otpauth://totp/GitHub:alice%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=GitHub",
		"otpauth://hotp/Bank:bob?secret=JBSWY3DPEHPK3PXP&counter=7",
	}
	light, err := qr.Encode(uris[0])
	if err != nil {
		t.Fatal(err)
	}
	dark, err = qr.Encode(uris[1])
	if err != nil {
		t.Fatal(err)
	}
	dark.Palette[0], dark.Palette[1] = dark.Palette[1], dark.Palette[0]
	return uris, shrink(light), shrink(dark)
}

// wantBoth wants `tessera scan`'s standard output to be the two URIs, each
// once, in either order.
func wantBoth(t *testing.T, uris [2]string, stdout, stderr string) {
	t.Helper()
	got := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(got) != 2 || !(got[0] == uris[0] && got[1] == uris[1] || got[0] == uris[1] && got[1] == uris[0]) {
		t.Fatalf("tessera scan --screen printed %q, want the two URIs once each\nstderr: %s", got, stderr)
	}
}

// shrink halves a picture by dropping every other pixel, so the codes are
// of a size seen in browsers (4 pixels a module).
func shrink(img *image.Paletted) *image.Paletted {
	b := img.Bounds()
	out := image.NewPaletted(image.Rect(0, 0, b.Dx()/2, b.Dy()/2), img.Palette)
	for y := 0; y < out.Bounds().Dy(); y++ {
		for x := 0; x < out.Bounds().Dx(); x++ {
			out.SetColorIndex(x, y, img.ColorIndexAt(2*x, 2*y))
		}
	}
	return out
}

// TestE2EScanClipboard copies a QR code image with the real xclip on a
// private X server and checks that `scan --clipboard` prints its URI, and
// that with only text on the clipboard it says there is no image (exit 2).
func TestE2EScanClipboard(t *testing.T) {
	bin := buildTessera(t)
	display := xvfb.Start(t, 800, 600)
	uri := "otpauth://totp/Copied:carol?secret=MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U&issuer=Copied"
	img, err := qr.Encode(uri)
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
	env := append(os.Environ(), "DISPLAY="+display, "WAYLAND_DISPLAY=", "LANG=en_US.UTF-8")
	scan := func() (string, string, int) {
		cmd := exec.Command(bin, "scan", "--clipboard")
		cmd.Env = env
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		cmd.Run()
		return stdout.String(), stderr.String(), cmd.ProcessState.ExitCode()
	}

	stop := xvfb.OwnClipboard(t, display, "image/png", file)
	if out, errOut, code := scan(); code != 0 || strings.TrimSpace(out) != uri {
		t.Fatalf("scan --clipboard: exit %d, stdout %q, stderr %q; want the URI", code, out, errOut)
	}
	stop()

	text := filepath.Join(t.TempDir(), "text")
	os.WriteFile(text, []byte("just some text"), 0o600)
	stop = xvfb.OwnClipboard(t, display, "UTF8_STRING", text)
	if out, errOut, code := scan(); code != 2 || out != "" || !strings.Contains(errOut, "clipboard: the clipboard holds neither an otpauth:// link nor an image") {
		t.Fatalf("text on the clipboard: exit %d, stdout %q, stderr %q; want exit 2 saying it holds no link or image", code, out, errOut)
	}

	stop()

	// An otpauth:// link copied as text is read as the window reads it.
	link := filepath.Join(t.TempDir(), "link")
	os.WriteFile(link, []byte(uri+"\n"), 0o600)
	xvfb.OwnClipboard(t, display, "UTF8_STRING", link)
	if out, errOut, code := scan(); code != 0 || strings.TrimSpace(out) != uri {
		t.Fatalf("a link on the clipboard: exit %d, stdout %q, stderr %q; want the URI", code, out, errOut)
	}
}
