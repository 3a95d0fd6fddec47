//go:build e2e

package cli_test

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/draw"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tessera-auth/tessera/app/cli"
	"github.com/tessera-auth/tessera/app/internal/wayland"
	"github.com/tessera-auth/tessera/app/screen"
)

// TestE2EScanScreenWayland shows two QR codes, one dark on light and one
// light on dark, on a private headless sway desktop, and checks that the
// real tessera binary's `scan --screen`, with WAYLAND_DISPLAY and a session
// bus but no X display, prints both URIs: it captured the screen through
// the real xdg-desktop-portal and xdg-desktop-portal-wlr. With the portal's
// screenshot backend gone, it says what to do instead and exits 2.
func TestE2EScanScreenWayland(t *testing.T) {
	bin := buildTessera(t)
	uris, a, b := screenCodes(t)
	page := image.NewRGBA(image.Rect(0, 0, a.Rect.Dx()+100+b.Rect.Dx(), max(a.Rect.Dy(), b.Rect.Dy())))
	draw.Draw(page, page.Rect, image.NewUniform(color.Gray{0xc0}), image.Point{}, draw.Src)
	draw.Draw(page, a.Rect, a, image.Point{}, draw.Src)
	draw.Draw(page, b.Rect.Add(image.Pt(a.Rect.Dx()+100, 0)), b, image.Point{}, draw.Src)
	d := wayland.Start(t, 1920, 1080, page)

	scan := func() (stdout, stderr string, err error) {
		cmd := exec.Command(bin, "scan", "--screen")
		cmd.Env = append(os.Environ(), "DISPLAY=", "LANG=en_US.UTF-8")
		cmd.Env = append(cmd.Env, d.Env()...)
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err = cmd.Run()
		return out.String(), errOut.String(), err
	}
	stdout, stderr, err := scan()
	if err != nil {
		t.Fatalf("tessera scan --screen: %v\nstderr: %s", err, stderr)
	}
	wantBoth(t, uris, stdout, stderr)

	d.StopScreenshotBackend(t)
	stdout, stderr, err = scan()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != cli.ExitUsage {
		t.Fatalf("tessera scan --screen without a screenshot backend: %v, want exit %d\nstderr: %s", err, cli.ExitUsage, stderr)
	}
	if stdout != "" || !strings.Contains(stderr, "cannot capture the screen") || !strings.Contains(stderr, screen.Advice) {
		t.Errorf("without a screenshot backend, stdout %q and stderr %q; want nothing, and the reason with the advice", stdout, stderr)
	}
}

// buildTessera builds the tessera binary for the test and returns its path.
func buildTessera(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "tessera")
	gotool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("go not found in PATH: %v", err)
	}
	build := exec.Command(gotool, "build", "-o", bin, "github.com/tessera-auth/tessera")
	build.Env = append(os.Environ(), "CGO_ENABLED=1")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building tessera: %v\n%s", err, out)
	}
	return bin
}
