//go:build e2e

package xshot_test

import (
	"image"
	"testing"

	"github.com/tessera-auth/tessera/app/internal/xshot"
	"github.com/tessera-auth/tessera/app/internal/xvfb"
)

// Captures of a real X server have the asked size. The GUI's end-to-end
// test checks their content: its screenshot must show the window.
func TestE2ECapture(t *testing.T) {
	d := xvfb.Start(t, 320, 200)
	img, err := xshot.Capture(d, image.Rectangle{})
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds().Dx() != 320 || img.Bounds().Dy() != 200 {
		t.Fatalf("capture is %v, want 320x200", img.Bounds())
	}
	part, err := xshot.Capture(d, image.Rect(10, 20, 110, 70))
	if err != nil {
		t.Fatal(err)
	}
	if part.Bounds().Dx() != 100 || part.Bounds().Dy() != 50 {
		t.Fatalf("partial capture is %v, want 100x50", part.Bounds())
	}
	if _, err := xshot.Capture(d, image.Rect(400, 0, 500, 10)); err == nil {
		t.Fatal("a rectangle outside the screen gave no error")
	}
}
