//go:build wine

package screen_test

import (
	"context"
	"encoding/json"
	"image"
	"image/color"
	"os"
	"testing"

	"github.com/tessera-auth/tessera/app/screen"
)

// wantEnv names the environment variable through which the harness that
// runs this test under Wine (app/internal/wine) says what it put on screen:
// a JSON object with the fields of wineWant.
const wantEnv = "TESSERA_WINE_CAPTURE"

// wineWant is what the screen shows: a Width×Height desktop with, at X, Y,
// a row of blocks of BlockW×BlockH pixels in Colours, left to right.
type wineWant struct {
	Width, Height  int
	X, Y           int
	BlockW, BlockH int
	Colours        []color.RGBA
}

// TestWineCapture captures the screen with the GDI code and checks the
// picture the harness showed: the desktop's size, each block's colour at its
// centre, and a pixel left of the picture that is none of its colours.
func TestWineCapture(t *testing.T) {
	spec := os.Getenv(wantEnv)
	if spec == "" {
		t.Fatalf("%s is not set: this test runs under Wine from app/internal/wine's TestWineCapture (make wine)", wantEnv)
	}
	var want wineWant
	if err := json.Unmarshal([]byte(spec), &want); err != nil {
		t.Fatalf("%s: %v", wantEnv, err)
	}
	if len(want.Colours) == 0 || want.X < 5 {
		t.Fatalf("%s: want colours, and at least 5 pixels left of the picture: %s", wantEnv, spec)
	}

	imgs, err := screen.Capture(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(imgs) != 1 || imgs[0].Bounds() != image.Rect(0, 0, want.Width, want.Height) {
		t.Fatalf("captured %d images, the first %v; want one of %dx%d", len(imgs), imgs[0].Bounds(), want.Width, want.Height)
	}
	img := imgs[0]
	for i, c := range want.Colours {
		p := image.Pt(want.X+i*want.BlockW+want.BlockW/2, want.Y+want.BlockH/2)
		if got := color.RGBAModel.Convert(img.At(p.X, p.Y)); got != c {
			t.Errorf("pixel %v is %v, want %v", p, got, c)
		}
	}
	outside := color.RGBAModel.Convert(img.At(want.X-5, want.Y))
	for _, c := range want.Colours {
		if outside == c {
			t.Errorf("pixel left of the picture has the picture's colour %v", c)
		}
	}
}
