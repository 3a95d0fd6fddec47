//go:build e2e

package screen_test

import (
	"context"
	"image"
	"image/color"
	"image/draw"
	"testing"

	"github.com/tessera-auth/tessera/app/internal/xvfb"
	"github.com/tessera-auth/tessera/app/internal/xwin"
	"github.com/tessera-auth/tessera/app/screen"
)

// TestE2ECaptureX11 shows a window of four coloured blocks on a private X
// server and checks that the capture has the screen's size and the blocks'
// colours where the window is.
func TestE2ECaptureX11(t *testing.T) {
	display := xvfb.Start(t, 1280, 800)
	colours := []color.RGBA{{250, 20, 30, 255}, {20, 240, 40, 255}, {10, 30, 230, 255}, {200, 200, 20, 255}}
	pic := image.NewRGBA(image.Rect(0, 0, 200, 100))
	for i, c := range colours {
		draw.Draw(pic, image.Rect(i*50, 0, i*50+50, 100), image.NewUniform(c), image.Point{}, draw.Src)
	}
	at := image.Pt(300, 200)
	xwin.Show(t, display, pic, at)

	imgs, err := screen.Capture(context.Background(), env(map[string]string{"DISPLAY": display}))
	if err != nil {
		t.Fatal(err)
	}
	if len(imgs) != 1 || imgs[0].Bounds() != image.Rect(0, 0, 1280, 800) {
		t.Fatalf("captured %d images, the first %v; want one of 1280x800", len(imgs), imgs[0].Bounds())
	}
	for i, want := range colours {
		p := at.Add(image.Pt(i*50+25, 50))
		if got := color.RGBAModel.Convert(imgs[0].At(p.X, p.Y)); got != want {
			t.Errorf("pixel %v is %v, want %v", p, got, want)
		}
	}
	if got := color.RGBAModel.Convert(imgs[0].At(at.X-5, at.Y)); got == colours[0] {
		t.Errorf("pixel left of the window has the window's colour")
	}
}
