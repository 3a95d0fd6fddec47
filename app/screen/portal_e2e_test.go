//go:build e2e

package screen_test

import (
	"context"
	"errors"
	"image"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tessera-auth/tessera/app/internal/wayland"
	"github.com/tessera-auth/tessera/app/screen"
	"github.com/tessera-auth/tessera/otp/qr"
)

// TestE2ECaptureWayland shows a QR code on a private headless sway desktop
// and captures the screen as on Wayland: through the real xdg-desktop-portal
// and xdg-desktop-portal-wlr on a private session bus, with no X display.
// The capture has the screen's size and the code reads back. With the
// portal's screenshot backend gone, the portal answers that it could not,
// and Capture says so at once, with what to do instead.
func TestE2ECaptureWayland(t *testing.T) {
	const uri = "otpauth://totp/GitHub:alice%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=GitHub"
	code, err := qr.Encode(uri)
	if err != nil {
		t.Fatal(err)
	}
	d := wayland.Start(t, 1280, 800, code)
	getenv := env(map[string]string{
		"WAYLAND_DISPLAY":          d.Getenv("WAYLAND_DISPLAY"),
		"XDG_SESSION_TYPE":         d.Getenv("XDG_SESSION_TYPE"),
		"DBUS_SESSION_BUS_ADDRESS": d.Getenv("DBUS_SESSION_BUS_ADDRESS"),
	})

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	imgs, err := screen.Capture(ctx, getenv)
	if err != nil {
		t.Fatal(err)
	}
	if len(imgs) != 1 || imgs[0].Bounds() != image.Rect(0, 0, 1280, 800) {
		t.Fatalf("captured %d images, the first %v; want one of 1280x800", len(imgs), imgs[0].Bounds())
	}
	if got := qr.DecodeImage(imgs[0]); !slices.Equal(got, []string{uri}) {
		t.Fatalf("the capture reads as %q, want the one URI shown", got)
	}

	d.StopScreenshotBackend(t)
	_, err = screen.Capture(ctx, getenv)
	var se *screen.Error
	if !errors.As(err, &se) || !errors.Is(err, screen.ErrRefused) {
		t.Fatalf("capture without a screenshot backend: %v, want a *screen.Error wrapping ErrRefused", err)
	}
	if ctx.Err() != nil {
		t.Fatalf("the failed capture waited for its deadline: %v", err)
	}
	if !strings.Contains(err.Error(), screen.Advice) {
		t.Errorf("error %q does not give the advice", err)
	}
}
