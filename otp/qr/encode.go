package qr

import (
	"fmt"
	"image"
	"image/color"
	"unicode/utf8"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode/decoder"
	"github.com/makiuchi-d/gozxing/qrcode/encoder"
)

// quietZone is the light margin around an encoded code, in modules, as the
// QR specification asks.
const quietZone = 4

// Encode draws text as a QR code at error correction level M, black on
// white with a four-module margin, sized for a phone to read off a screen:
// about 600 pixels across and at least 4 pixels a module. It fails for a text
// too long for any QR code.
func Encode(text string) (*image.Paletted, error) {
	hints := map[gozxing.EncodeHintType]interface{}{}
	for _, r := range text {
		if r >= utf8.RuneSelf {
			// Mark the bytes as UTF-8 (an ECI segment); plain ASCII, such as
			// every otpauth URI, needs no mark.
			hints[gozxing.EncodeHintType_CHARACTER_SET] = "UTF-8"
			break
		}
	}
	code, err := encoder.Encoder_encode(text, decoder.ErrorCorrectionLevel_M, hints)
	if err != nil {
		return nil, fmt.Errorf("qr: %d bytes do not fit in a QR code: %w", len(text), err)
	}
	m := code.GetMatrix()
	n := m.GetWidth()
	scale := max(4, 600/(n+2*quietZone))
	side := (n + 2*quietZone) * scale
	img := image.NewPaletted(image.Rect(0, 0, side, side), color.Palette{color.White, color.Black})
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			if m.Get(x, y) != 1 {
				continue
			}
			for py := 0; py < scale; py++ {
				row := img.Pix[((y+quietZone)*scale+py)*img.Stride:]
				for px := 0; px < scale; px++ {
					row[(x+quietZone)*scale+px] = 1
				}
			}
		}
	}
	return img, nil
}
