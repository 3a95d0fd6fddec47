// Package xwin shows pictures in windows of an X server, for end-to-end
// tests that need something on screen: it speaks the X protocol itself, so
// tests need no image viewer.
package xwin

import (
	"fmt"
	"image"
	"testing"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
)

// Show opens a borderless window at position at on display showing img, and
// returns once the X server has mapped it. The picture is the window's
// background, so the server repaints it by itself; the window closes when
// the test ends. It supports the 24-bit TrueColor screens Xvfb serves.
func Show(t testing.TB, display string, img image.Image, at image.Point) {
	t.Helper()
	conn, err := xgb.NewConnDisplay(display)
	if err != nil {
		t.Fatalf("xwin: connecting to %s: %v", display, err)
	}
	t.Cleanup(conn.Close)
	if err := show(conn, img, at); err != nil {
		t.Fatalf("xwin: display %s: %v", display, err)
	}
}

func show(conn *xgb.Conn, img image.Image, at image.Point) error {
	setup := xproto.Setup(conn)
	screen := setup.DefaultScreen(conn)
	if screen.RootDepth != 24 {
		return fmt.Errorf("root depth %d, want 24", screen.RootDepth)
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()

	pix, err := xproto.NewPixmapId(conn)
	if err != nil {
		return err
	}
	if err := xproto.CreatePixmapChecked(conn, 24, pix, xproto.Drawable(screen.Root), uint16(w), uint16(h)).Check(); err != nil {
		return fmt.Errorf("creating a pixmap: %w", err)
	}
	gc, err := xproto.NewGcontextId(conn)
	if err != nil {
		return err
	}
	if err := xproto.CreateGCChecked(conn, gc, xproto.Drawable(pix), 0, nil).Check(); err != nil {
		return fmt.Errorf("creating a graphics context: %w", err)
	}
	// PutImage in strips that stay under the core protocol's request size.
	rows := max(1, 200000/(4*w))
	for y := 0; y < h; y += rows {
		n := min(rows, h-y)
		data := make([]byte, 4*w*n)
		for yy := 0; yy < n; yy++ {
			for x := 0; x < w; x++ {
				r, g, bl, _ := img.At(b.Min.X+x, b.Min.Y+y+yy).RGBA()
				o := 4 * (yy*w + x)
				data[o], data[o+1], data[o+2] = byte(bl>>8), byte(g>>8), byte(r>>8) // BGRx
			}
		}
		if err := xproto.PutImageChecked(conn, xproto.ImageFormatZPixmap, xproto.Drawable(pix), gc,
			uint16(w), uint16(n), 0, int16(y), 0, 24, data).Check(); err != nil {
			return fmt.Errorf("drawing the picture: %w", err)
		}
	}

	win, err := xproto.NewWindowId(conn)
	if err != nil {
		return err
	}
	// No window manager runs under the tests, so override-redirect only
	// makes sure none would move the window.
	if err := xproto.CreateWindowChecked(conn, screen.RootDepth, win, screen.Root,
		int16(at.X), int16(at.Y), uint16(w), uint16(h), 0,
		xproto.WindowClassInputOutput, screen.RootVisual,
		xproto.CwBackPixmap|xproto.CwOverrideRedirect|xproto.CwEventMask,
		[]uint32{uint32(pix), 1, xproto.EventMaskStructureNotify | xproto.EventMaskExposure}).Check(); err != nil {
		return fmt.Errorf("creating the window: %w", err)
	}
	if err := xproto.MapWindowChecked(conn, win).Check(); err != nil {
		return fmt.Errorf("mapping the window: %w", err)
	}
	for {
		ev, err := conn.WaitForEvent()
		if err != nil {
			return fmt.Errorf("waiting for the window: %w", err)
		}
		if ev == nil {
			return fmt.Errorf("connection closed before the window was mapped")
		}
		if _, ok := ev.(xproto.ExposeEvent); ok {
			return nil
		}
	}
}
