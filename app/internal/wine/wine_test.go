//go:build linux && wine

package wine

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/image/bmp"

	"github.com/tessera-auth/tessera/app/internal/xvfb"
	"github.com/tessera-auth/tessera/app/internal/xwin"
	"github.com/tessera-auth/tessera/otp/qr"
)

// runTimeout bounds one test binary's run under Wine; the binary's own
// -test.timeout is a little shorter, so that a hang ends with its stacks.
const (
	runTimeout  = 8 * time.Minute
	testTimeout = "7m"
)

// run builds pkg's Windows test binary with tags, runs it under Wine in a
// new prefix with env and args, and fails the test if the binary failed or
// if a test in mustPass did not pass. It returns what ran.
func run(t *testing.T, pkg string, tags []string, env []string, mustPass []string, args ...string) Result {
	t.Helper()
	exe, dir := BuildTest(t, pkg, tags...)
	return runIn(t, NewPrefix(t), exe, dir, env, mustPass, args...)
}

// runIn runs the test binary exe (of the package in dir) under Wine in the
// prefix p, as run does.
func runIn(t *testing.T, p *Prefix, exe, dir string, env []string, mustPass []string, args ...string) Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), runTimeout)
	defer cancel()
	r, err := p.RunTest(ctx, env, exe, dir, append([]string{"-test.timeout=" + testTimeout}, args...)...)
	if err != nil {
		t.Fatalf("%v; failed: %s\n%s", err, strings.Join(r.Failed, " "), r.Output)
	}
	for _, name := range mustPass {
		if !slices.Contains(r.Passed, name) {
			t.Errorf("%s did not pass under Wine; output:\n%s", name, r.Output)
		}
	}
	msg := fmt.Sprintf("%s under Wine: %d tests and subtests passed", filepath.Base(exe), len(r.Passed))
	if len(r.Skipped) > 0 {
		msg += fmt.Sprintf(", %d skipped themselves (%s)", len(r.Skipped), strings.Join(r.Skipped, " "))
	}
	t.Log(msg)
	return r
}

// TestWineVault runs the vault's whole test suite under Wine: the Windows
// write lock (LockFileEx) between real processes, 200 TerminateProcess
// kills in the middle of saves, atomic replacement by rename, and the
// Windows default folder.
func TestWineVault(t *testing.T) {
	run(t, "github.com/tessera-auth/tessera/vault", nil, nil,
		[]string{"TestCrash", "TestTwoProcesses", "TestTwoProcessesHOTP", "TestCreateRace", "TestDefaultDir"},
		// README's recovery recipes are POSIX shell scripts run under
		// script(1) with the age command, and the security-key derivation
		// is checked with age and age-keygen; a Windows program under Wine
		// finds no sh, script, age.exe or age-keygen.exe on %PATH%. The
		// fake age plugin is the test binary linked without .exe, which
		// Windows' PATH lookup does not find.
		"-test.skip=^(TestRecoveryWithAge|TestSecurityKeyIdentityWithAge|TestKeySlotsWithAge|TestPluginSlot)$",
	)
}

// TestWineCLI runs the command line's scripts under Wine, busy.txtar among
// them: a write while another process holds the LockFileEx lock exits 5
// naming that process.
func TestWineCLI(t *testing.T) {
	run(t, "github.com/tessera-auth/tessera/app/cli", nil, nil,
		[]string{"TestScripts/busy"},
		// qr.txtar reads the QR codes back with zbarimg, and backup_age.txtar
		// makes keys with age-keygen and decrypts with age: Linux programs,
		// which a Windows program under Wine cannot find on %PATH%.
		"-test.skip=^TestScripts/(qr|backup_age)$",
	)
}

// TestWineCapture shows a row of coloured blocks on a private X server and
// has app/screen's TestWineCapture capture the screen with the GDI code
// under Wine, whose X11 driver draws the Windows desktop on that server.
func TestWineCapture(t *testing.T) {
	const w, h = 1280, 800
	display := xvfb.Start(t, w, h)
	colours := []color.RGBA{{250, 20, 30, 255}, {20, 240, 40, 255}, {10, 30, 230, 255}, {200, 200, 20, 255}}
	const bw, bh = 50, 100
	pic := image.NewRGBA(image.Rect(0, 0, bw*len(colours), bh))
	for i, c := range colours {
		draw.Draw(pic, image.Rect(i*bw, 0, i*bw+bw, bh), image.NewUniform(c), image.Point{}, draw.Src)
	}
	at := image.Pt(300, 200)
	xwin.Show(t, display, pic, at)

	want, err := json.Marshal(map[string]any{
		"Width": w, "Height": h, "X": at.X, "Y": at.Y, "BlockW": bw, "BlockH": bh, "Colours": colours,
	})
	if err != nil {
		t.Fatal(err)
	}
	run(t, "github.com/tessera-auth/tessera/app/screen", []string{"wine"},
		[]string{"DISPLAY=" + display, "TESSERA_WINE_CAPTURE=" + string(want)},
		[]string{"TestWineCapture"})
}

// TestWineClipboard runs app/clipboard's Windows tests under Wine on a
// private X server. First those that copy through Windows calls: a GDI
// bitmap, as PrtScn does, read back as the DIB Wine makes of it, and a
// clipboard another thread holds open. Then TestWineClipboardX11 once for
// each X target the real xclip offers, which Wine's X11 driver turns into
// Windows formats: image/png ("PNG"), image/bmp (CF_DIB), image/jpeg
// ("JFIF") and text (CF_UNICODETEXT, no image).
func TestWineClipboard(t *testing.T) {
	display := xvfb.Start(t, 800, 600)
	exe, dir := BuildTest(t, "github.com/tessera-auth/tessera/app/clipboard", "wine")
	p := NewPrefix(t)
	env := []string{"DISPLAY=" + display}

	logTests(t, runIn(t, p, exe, dir, env, []string{"TestWineClipboardBitmap", "TestWineClipboardBusy"},
		"-test.run=^TestWineClipboard(Bitmap|Busy)$"))

	const text = "otpauth://totp/Wine:x11@example.com?secret=JBSWY3DPEHPK3PXP&issuer=Wine"
	code, err := qr.Encode(text)
	if err != nil {
		t.Fatal(err)
	}
	var pngFile, bmpFile, jpegFile bytes.Buffer
	if err := png.Encode(&pngFile, code); err != nil {
		t.Fatal(err)
	}
	if err := bmp.Encode(&bmpFile, code); err != nil {
		t.Fatal(err)
	}
	if err := jpeg.Encode(&jpegFile, code, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		typ  string
		data []byte
	}{
		{"image/png", pngFile.Bytes()},
		{"image/bmp", bmpFile.Bytes()},
		{"image/jpeg", jpegFile.Bytes()},
		{"UTF8_STRING", []byte("otpauth is text, not an image")},
	} {
		t.Run(c.typ, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "clipboard")
			if err := os.WriteFile(file, c.data, 0o600); err != nil {
				t.Fatal(err)
			}
			xvfb.OwnClipboard(t, display, c.typ, file)
			// Too large for the environment; Wine's drive Z: is /.
			want, err := json.Marshal(map[string]any{"Type": c.typ, "File": `Z:` + strings.ReplaceAll(file, "/", `\`), "QR": text})
			if err != nil {
				t.Fatal(err)
			}
			logTests(t, runIn(t, p, exe, dir, append(env, "TESSERA_WINE_CLIPBOARD="+string(want)),
				[]string{"TestWineClipboardX11"}, "-test.run=^TestWineClipboardX11$"))
		})
	}
}

// logTests logs what the Windows tests logged (the DIBs Wine made, ...).
func logTests(t *testing.T, r Result) {
	t.Helper()
	for _, line := range strings.Split(r.Output, "\n") {
		if strings.Contains(line, "_test.go:") {
			t.Log(strings.TrimSpace(line))
		}
	}
}
