package cli_test

import (
	"image"
	"image/draw"
	"image/png"
	"os"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/tessera-auth/tessera/otp/qr"
)

func init() {
	// qrpng FILE [TEXT...]: write a PNG holding one QR code per TEXT, side
	// by side on a white page.
	scriptCmds["qrpng"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) < 1 {
			ts.Fatalf("usage: qrpng FILE [TEXT...]")
		}
		var codes []image.Image
		w, h := 200, 200
		for _, text := range args[1:] {
			img, err := qr.Encode(text)
			ts.Check(err)
			codes = append(codes, img)
			w += img.Bounds().Dx() + 40
			h = max(h, img.Bounds().Dy()+80)
		}
		page := image.NewRGBA(image.Rect(0, 0, w, h))
		draw.Draw(page, page.Bounds(), image.White, image.Point{}, draw.Src)
		x := 40
		for _, c := range codes {
			draw.Draw(page, c.Bounds().Add(image.Pt(x, 40)), c, image.Point{}, draw.Src)
			x += c.Bounds().Dx() + 40
		}
		f, err := os.Create(ts.MkAbs(args[0]))
		ts.Check(err)
		ts.Check(png.Encode(f, page))
		ts.Check(f.Close())
	}
}
