package qr

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/gif"  // GIF files
	_ "image/jpeg" // JPEG files and photos
	_ "image/png"  // PNG screenshots
	"io"

	_ "golang.org/x/image/bmp"  // BMP files
	_ "golang.org/x/image/webp" // WebP files
)

// MaxPixels is the largest image, in pixels, that [Decode] reads: 100
// megapixels, more than any screen, while keeping the memory an image can
// make Decode allocate to a few hundred megabytes.
const MaxPixels = 100_000_000

// maxPixels is MaxPixels, lowered by fuzz tests so that they do not spend
// their time allocating large images.
var maxPixels int64 = MaxPixels

// MaxDecodeBytes bounds the memory that decoding an image's pixels may
// allocate: 256 MiB. What a pixel takes depends on the file's bit depth
// and channels (1 byte for 8-bit grey and for the PNG files read straight
// into grey, 4 for 8-bit RGBA, 8 for 16-bit RGBA), so a 16-bit image is
// refused at fewer pixels than an 8-bit one.
const MaxDecodeBytes = 256 << 20

// maxDecodeBytes is MaxDecodeBytes, lowered by fuzz tests.
var maxDecodeBytes int64 = MaxDecodeBytes

// ErrTooLarge is returned for an image of more than [MaxPixels] pixels, or
// whose pixels would take more than [MaxDecodeBytes] to decode.
var ErrTooLarge = errors.New("image is too large to decode")

// ErrFormat is returned for data that is not an image in a format Decode
// reads.
var ErrFormat = errors.New("not a PNG, JPEG, GIF, BMP or WebP image")

// Decode reads an image file (PNG, JPEG, GIF, BMP or WebP) from r and returns
// the text of every QR code in it, each text once. It returns an empty slice
// and no error for an image without a code, and an error wrapping
// [ErrFormat] or [ErrTooLarge] for data it will not decode. The image's
// header is checked before any pixel is decoded, so hostile files cannot make
// it allocate more than MaxPixels allow.
func Decode(r io.Reader) ([]string, error) {
	img, err := ReadImage(r)
	if err != nil {
		return nil, err
	}
	return DecodeImage(img), nil
}

// ReadImage decodes an image file with the same checks as [Decode], for
// callers that scan an image more than once or time its decoding apart.
// The common kinds of PNG file (8 bits a sample, not interlaced) are read
// straight into an *image.Gray of their luminance over white, the only
// thing QR decoding uses; other files keep their colours.
func ReadImage(r io.Reader) (image.Image, error) {
	// Keep what the header check reads, to decode the whole file after it.
	var head bytes.Buffer
	br := bufio.NewReader(r)
	cfg, format, err := image.DecodeConfig(io.TeeReader(br, &head))
	if err != nil {
		if errors.Is(err, image.ErrFormat) {
			return nil, ErrFormat
		}
		return nil, fmt.Errorf("broken %s", describe(format, err))
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, fmt.Errorf("broken %s image: size %dx%d", format, cfg.Width, cfg.Height)
	}
	pixels := int64(cfg.Width) * int64(cfg.Height)
	if pixels > maxPixels {
		return nil, fmt.Errorf("%w: %dx%d %s is larger than 100 megapixels", ErrTooLarge, cfg.Width, cfg.Height, format)
	}
	fast := format == "png" && fastPNG(head.Bytes())
	per, kind := 1.0, "8-bit"
	if !fast {
		per, kind = pixelBytes(cfg.ColorModel)
	}
	if need := int64(float64(pixels) * per); need > maxDecodeBytes {
		return nil, fmt.Errorf("%w: a %dx%d %s %s image takes %d MB to decode, more than %d MB; scale it down or crop it to the QR code",
			ErrTooLarge, cfg.Width, cfg.Height, kind, format, need/1_000_000, maxDecodeBytes/1_000_000)
	}
	if fast {
		img, err := decodePNGGray(io.MultiReader(&head, br))
		if err != nil {
			return nil, fmt.Errorf("broken png image: %w", err)
		}
		return img, nil
	}
	img, _, err := image.Decode(io.MultiReader(&head, br))
	if err != nil {
		return nil, fmt.Errorf("broken %s", describe(format, err))
	}
	return img, nil
}

// pixelBytes returns what the standard decoders allocate a pixel for an
// image of colour model m, and the model's name for messages. JPEG's
// YCbCr counts as 4:4:4, the most it allocates.
func pixelBytes(m color.Model) (float64, string) {
	switch m {
	case color.GrayModel:
		return 1, "8-bit grey"
	case color.Gray16Model:
		return 2, "16-bit grey"
	case color.RGBAModel, color.NRGBAModel:
		return 4, "8-bit RGBA"
	case color.RGBA64Model, color.NRGBA64Model:
		return 8, "16-bit RGBA"
	case color.YCbCrModel:
		return 3, "YCbCr"
	case color.NYCbCrAModel, color.CMYKModel:
		return 4, "4-channel"
	case color.AlphaModel:
		return 1, "8-bit alpha"
	case color.Alpha16Model:
		return 2, "16-bit alpha"
	}
	if _, ok := m.(color.Palette); ok {
		return 1, "paletted"
	}
	return 8, "deep-colour"
}

// describe names the format of a damaged file along with the decoder's
// complaint.
func describe(format string, err error) string {
	if format == "" {
		format = "image"
	} else {
		format += " image"
	}
	return fmt.Sprintf("%s: %v", format, err)
}
