package qr_test

import (
	"image"
	"math/rand/v2"
	"testing"

	"golang.org/x/image/draw"

	"github.com/tessera-auth/tessera/otp"
	"github.com/tessera-auth/tessera/otp/qr"
)

// TestScaledCodes shows codes as browsers draw small QR images: one pixel
// a module, scaled by 2.2 to 3 with bilinear, Catmull-Rom or
// nearest-neighbour filtering, dark on light and light on dark, on a page
// of the code's light or dark colour. Each must read back. (Light-on-dark
// codes whose margin merged with a dark page, and nearest-neighbour codes
// whose module size zxing estimated a few percent off, were missed.)
func TestScaledCodes(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	scalers := []struct {
		name string
		s    draw.Scaler
	}{{"bilinear", draw.BiLinear}, {"catmull-rom", draw.CatmullRom}, {"nearest", draw.NearestNeighbor}}
	for i := 0; i < 12; i++ {
		c := randomCredential(r)
		uri := otp.FormatURI(&c)
		modules := perModule(t, uri)
		px := 2.2 + 0.8*r.Float64()
		side := int(float64(modules.Rect.Dx()) * px)
		for _, inverted := range []bool{false, true} {
			src, bg := modules, uint8(245)
			if inverted {
				src, bg = negative(modules), 10
			}
			for _, sc := range scalers {
				page := image.NewGray(image.Rect(0, 0, 800, 600))
				for j := range page.Pix {
					page.Pix[j] = bg
				}
				at := image.Pt(100+r.IntN(300), 80+r.IntN(200))
				sc.s.Scale(page, image.Rectangle{at, at.Add(image.Pt(side, side))}, src, src.Bounds(), draw.Src, nil)
				if got := qr.DecodeImage(page); len(got) != 1 || got[0] != uri {
					t.Errorf("code %d, %.2f pixels a module, %s, inverted %v: read %d texts, want its URI", i, px, sc.name, inverted, len(got))
				}
			}
		}
	}
}

// perModule returns uri's code as qr.Encode draws it, one pixel a module
// (its four-module margin included), white 255 and black 0.
func perModule(t *testing.T, uri string) *image.Gray {
	t.Helper()
	code, err := qr.Encode(uri)
	if err != nil {
		t.Fatal(err)
	}
	// The first dark pixel on the diagonal is the finder pattern's corner,
	// four modules in.
	k := 0
	for code.ColorIndexAt(k, k) == 0 {
		k++
	}
	mod := k / 4
	n := code.Bounds().Dx() / mod
	g := image.NewGray(image.Rect(0, 0, n, n))
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			if code.ColorIndexAt(x*mod+mod/2, y*mod+mod/2) == 0 {
				g.Pix[y*n+x] = 255
			}
		}
	}
	return g
}

func negative(g *image.Gray) *image.Gray {
	n := image.NewGray(g.Rect)
	for i, v := range g.Pix {
		n.Pix[i] = 255 - v
	}
	return n
}
