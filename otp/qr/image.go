package qr

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"image"
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

// ErrTooLarge is returned for an image of more than [MaxPixels] pixels.
var ErrTooLarge = errors.New("image is larger than 100 megapixels")

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
	if int64(cfg.Width)*int64(cfg.Height) > maxPixels {
		return nil, fmt.Errorf("%w: %dx%d %s", ErrTooLarge, cfg.Width, cfg.Height, format)
	}
	if format == "png" && fastPNG(head.Bytes()) {
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
