package qr_test

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
	"github.com/makiuchi-d/gozxing/qrcode/decoder"

	"github.com/tessera-auth/tessera/otp/qr"
)

// TestStyled reads codes drawn the way some services style them: round
// dots instead of square modules, a brand logo over the middle (which high
// error correction pays for), and both, at 3 to 10 pixels a module.
func TestStyled(t *testing.T) {
	const uri = "otpauth://totp/Example%20Corp:alice%40example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Example%20Corp"
	hints := map[gozxing.EncodeHintType]any{
		gozxing.EncodeHintType_ERROR_CORRECTION: decoder.ErrorCorrectionLevel_H,
		gozxing.EncodeHintType_MARGIN:           0,
	}
	bm, err := qrcode.NewQRCodeWriter().Encode(uri, gozxing.BarcodeFormat_QR_CODE, 1, 1, hints)
	if err != nil {
		t.Fatal(err)
	}
	for _, style := range []struct {
		name       string
		dots, logo bool
	}{{"dots", true, false}, {"logo", false, true}, {"dots and logo", true, true}} {
		for _, mod := range []int{3, 6, 10} {
			t.Run(fmt.Sprintf("%s/%dpx", style.name, mod), func(t *testing.T) {
				img := drawStyled(bm, mod, style.dots, style.logo)
				texts := qr.DecodeImage(img)
				if len(texts) != 1 || texts[0] != uri {
					t.Fatalf("read %q, want the one URI", texts)
				}
			})
		}
	}
}

// drawStyled draws bm at mod pixels a module on a light page, dark navy on
// near-white, with round dots for the modules outside the finder patterns
// and an orange logo on a white pad covering 22% of the code's width.
func drawStyled(bm *gozxing.BitMatrix, mod int, dots, logo bool) image.Image {
	n := bm.GetWidth()
	side := n*mod + 2*(4*mod) + 200
	img := image.NewRGBA(image.Rect(0, 0, side, side))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.RGBA{245, 245, 250, 255}), image.Point{}, draw.Src)
	dark := color.RGBA{20, 30, 60, 255}
	o := 100 + 4*mod
	finder := func(x, y int) bool { return x < 7 && y < 7 || x >= n-7 && y < 7 || x < 7 && y >= n-7 }
	for y := range n {
		for x := range n {
			if !bm.Get(x, y) {
				continue
			}
			r := image.Rect(o+x*mod, o+y*mod, o+(x+1)*mod, o+(y+1)*mod)
			if !dots || finder(x, y) {
				draw.Draw(img, r, image.NewUniform(dark), image.Point{}, draw.Src)
				continue
			}
			c := float64(mod) / 2
			rad := float64(mod) * 0.42
			for py := range mod {
				for px := range mod {
					dx, dy := float64(px)+0.5-c, float64(py)+0.5-c
					if dx*dx+dy*dy <= rad*rad {
						img.Set(r.Min.X+px, r.Min.Y+py, dark)
					}
				}
			}
		}
	}
	if logo {
		half := n * mod * 11 / 100
		mid := o + n*mod/2
		r := image.Rect(mid-half, mid-half, mid+half, mid+half)
		draw.Draw(img, r.Inset(-mod/2), image.NewUniform(color.White), image.Point{}, draw.Src)
		draw.Draw(img, r, image.NewUniform(color.RGBA{230, 80, 30, 255}), image.Point{}, draw.Src)
	}
	return img
}
