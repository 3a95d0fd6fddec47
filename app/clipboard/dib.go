package clipboard

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/bits"
)

// Windows puts copied pictures on the clipboard as packed DIBs (CF_DIB,
// CF_DIBV5): a bitmap header, colour masks or a palette, then the pixels,
// with none of the 14-byte file header of a .bmp file. Prepending that
// header is not enough for Go's BMP decoder (golang.org/x/image/bmp), which
// refuses what Windows commonly produces there: 32-bit pixels with
// BI_BITFIELDS masks after a 40-byte header (a PrtScn screenshot), 16-bit
// and 1- or 4-bit pixels, and palettes of fewer than 256 colours; and which
// takes the unused fourth byte of a CF_DIBV5 for alpha, making the whole
// picture transparent. So dibToPNG decodes the DIB itself and writes a PNG.
//
// The code has no build tag, so that its tests and fuzz target run on every
// system; only image_windows.go calls it.

// maxDIBPixels bounds the pixels of a clipboard bitmap: as many as a 24-bit
// DIB of MaxImageBytes holds. Fewer bits a pixel would let a small DIB make
// dibToPNG allocate gigabytes.
const maxDIBPixels = MaxImageBytes / 3

// Bitmap header sizes: BITMAPCOREHEADER, BITMAPINFOHEADER, the two
// undocumented V2 and V3 headers (with RGB, then RGBA masks), BITMAPV4HEADER
// and BITMAPV5HEADER.
const (
	coreHeaderSize = 12
	infoHeaderSize = 40
	v2HeaderSize   = 52
	v3HeaderSize   = 56
	v4HeaderSize   = 108
	v5HeaderSize   = 124
)

// Compression values of BITMAPINFOHEADER.
const (
	biRGB            = 0
	biRLE8           = 1
	biRLE4           = 2
	biBitfields      = 3
	biJPEG           = 4
	biPNG            = 5
	biAlphaBitfields = 6
)

// compressionNames are the compressions dibToPNG refuses, as Windows names
// them.
var compressionNames = map[uint32]string{
	biRLE8: "BI_RLE8", biRLE4: "BI_RLE4", biJPEG: "BI_JPEG", biPNG: "BI_PNG",
}

// dib is what the header of a packed DIB says about its pixels.
type dib struct {
	width, height int
	topDown       bool
	bitCount      int
	masks         [4]uint32 // red, green, blue, alpha; for 16 and 32 bits
	palette       color.Palette
	pixels        []byte // from the first row stored, which is the bottom one unless topDown
	stride        int
}

// dibToPNG converts a packed DIB (the contents of CF_DIB or CF_DIBV5) to a
// PNG file. It reads 1, 4, 8, 16, 24 and 32 bits a pixel, bottom-up and
// top-down, with palettes and BI_BITFIELDS masks; it refuses compressed
// bitmaps. The fourth byte of 32-bit pixels is alpha only when the header has
// an alpha mask and some pixel is not fully transparent: programs that
// write no alpha leave it 0.
func dibToPNG(b []byte) ([]byte, error) {
	d, err := parseDIB(b)
	if err != nil {
		return nil, fmt.Errorf("the clipboard's bitmap (DIB): %w", err)
	}
	var out bytes.Buffer
	// The PNG is decoded once, right away, in the same process: stored
	// without compression, a 4K screenshot converts and decodes in about
	// a third of the time BestSpeed takes (BenchmarkDIBToPNG), at the cost
	// of holding its 25 MB for a moment.
	enc := png.Encoder{CompressionLevel: png.NoCompression}
	img := d.image()
	// Room for the stored pixels, a filter byte a row, and the chunk and
	// block headers, so that the buffer does not grow by copying.
	n := 3 * d.width * d.height
	switch img.(type) {
	case *image.Paletted:
		n = d.width * d.height
	case *image.NRGBA:
		n = 4 * d.width * d.height
	}
	out.Grow(n + d.height + n/256 + 4096)
	if err := enc.Encode(&out, img); err != nil {
		return nil, fmt.Errorf("the clipboard's bitmap (DIB): writing it as PNG: %w", err)
	}
	return out.Bytes(), nil
}

// parseDIB reads a packed DIB's header, masks and palette, and checks that
// the pixels are all there.
func parseDIB(b []byte) (*dib, error) {
	le := binary.LittleEndian
	if len(b) < 4 {
		return nil, fmt.Errorf("%d bytes, too short for a bitmap header", len(b))
	}
	hdrSize := le.Uint32(b)
	if hdrSize != coreHeaderSize && hdrSize != infoHeaderSize && hdrSize != v2HeaderSize &&
		hdrSize != v3HeaderSize && hdrSize != v4HeaderSize && hdrSize != v5HeaderSize {
		return nil, fmt.Errorf("unknown header size %d", hdrSize)
	}
	if len(b) < int(hdrSize) {
		return nil, fmt.Errorf("%d bytes, too short for its %d-byte header", len(b), hdrSize)
	}
	var d dib
	var w, h int64
	var compression, clrUsed uint32
	paletteEntry := 4 // bytes a palette colour
	if hdrSize == coreHeaderSize {
		w, h = int64(le.Uint16(b[4:])), int64(le.Uint16(b[6:]))
		d.bitCount = int(le.Uint16(b[10:]))
		paletteEntry = 3
	} else {
		w, h = int64(int32(le.Uint32(b[4:]))), int64(int32(le.Uint32(b[8:])))
		if h < 0 {
			h, d.topDown = -h, true
		}
		d.bitCount = int(le.Uint16(b[14:]))
		compression = le.Uint32(b[16:])
		clrUsed = le.Uint32(b[32:])
		// V2 and later headers hold the masks, V3 and later an alpha
		// mask too.
		for i := 0; i < 4 && 40+4*i < int(hdrSize); i++ {
			d.masks[i] = le.Uint32(b[40+4*i:])
		}
	}
	if w <= 0 || h <= 0 {
		return nil, fmt.Errorf("size %dx%d", w, h)
	}
	if w*h > maxDIBPixels {
		return nil, fmt.Errorf("%dx%d pixels, more than the %d million read", w, h, maxDIBPixels/1_000_000)
	}
	d.width, d.height = int(w), int(h)
	if name, ok := compressionNames[compression]; ok {
		return nil, fmt.Errorf("compressed (%s), which is not read; save the image as PNG and open the file", name)
	}
	if compression != biRGB && compression != biBitfields && compression != biAlphaBitfields {
		return nil, fmt.Errorf("unknown compression %d", compression)
	}
	bitfields := compression != biRGB
	switch d.bitCount {
	case 1, 4, 8, 24:
		if bitfields {
			return nil, fmt.Errorf("%d bits a pixel with colour masks", d.bitCount)
		}
	case 16, 32:
		if !bitfields {
			// The fixed layouts of BI_RGB, x1r5g5b5 and x8r8g8b8. The
			// unused bits are alpha only if a V3+ header says so (as
			// CF_DIBV5 from some programs does).
			alpha := d.masks[3]
			d.masks = [4]uint32{0x7c00, 0x03e0, 0x001f, alpha & 0x8000}
			if d.bitCount == 32 {
				d.masks = [4]uint32{0xff0000, 0xff00, 0xff, alpha & 0xff000000}
			}
		}
	default:
		return nil, fmt.Errorf("%d bits a pixel", d.bitCount)
	}

	off := int64(hdrSize)
	// A BITMAPINFOHEADER is followed by its masks.
	if hdrSize == infoHeaderSize && bitfields {
		n := int64(3)
		if compression == biAlphaBitfields {
			n = 4
		}
		if int64(len(b)) < off+4*n {
			return nil, fmt.Errorf("%d bytes, too short for the colour masks after its header", len(b))
		}
		for i := range n {
			d.masks[i] = le.Uint32(b[off+4*i:])
		}
		off += 4 * n
	}
	if d.bitCount == 16 || d.bitCount == 32 {
		for i, m := range d.masks {
			if !validMask(m, d.bitCount) {
				return nil, fmt.Errorf("colour mask %d is %#x, not one run of bits within %d", i, m, d.bitCount)
			}
		}
	}

	// The palette: clrUsed colours, or with 1, 4 and 8 bits all 2^bits when
	// clrUsed is 0. With more bits a pixel it is an optional table to skip.
	colours := int64(clrUsed)
	if d.bitCount <= 8 && colours == 0 {
		colours = 1 << d.bitCount
	}
	if int64(len(b))-off < colours*int64(paletteEntry) {
		return nil, fmt.Errorf("%d bytes, too short for its %d palette colours", len(b), colours)
	}
	if d.bitCount <= 8 {
		// Indices beyond the palette show black, as on Windows.
		d.palette = make(color.Palette, 1<<d.bitCount)
		for i := range d.palette {
			d.palette[i] = color.RGBA{A: 0xff}
			if int64(i) < colours {
				p := b[off+int64(i*paletteEntry):]
				d.palette[i] = color.RGBA{p[2], p[1], p[0], 0xff}
			}
		}
	}
	off += colours * int64(paletteEntry)

	d.stride = (d.width*d.bitCount + 31) / 32 * 4
	need, have := int64(d.stride)*h, int64(len(b))-off
	if have < need {
		return nil, fmt.Errorf("%d bytes of pixels, %d short of %dx%d at %d bits", have, need-have, w, h, d.bitCount)
	}
	d.pixels = b[off : off+need]
	return &d, nil
}

// validMask reports whether m is 0 or one run of set bits within the low
// bitCount bits.
func validMask(m uint32, bitCount int) bool {
	if m == 0 {
		return true
	}
	run := m >> bits.TrailingZeros32(m)
	return bits.Len32(m) <= bitCount && run&(run+1) == 0
}

// row returns the stored pixels of image row y (0 at the top).
func (d *dib) row(y int) []byte {
	if !d.topDown {
		y = d.height - 1 - y
	}
	return d.pixels[y*d.stride : (y+1)*d.stride]
}

// image returns the DIB's pixels as an *image.Paletted (1 to 8 bits), an
// *image.NRGBA when alpha is used, or an opaque *image.RGBA.
func (d *dib) image() image.Image {
	r := image.Rect(0, 0, d.width, d.height)
	if d.palette != nil {
		img := image.NewPaletted(r, d.palette)
		per := 8 / d.bitCount
		mask := byte(1<<d.bitCount - 1)
		for y := range d.height {
			src, dst := d.row(y), img.Pix[y*img.Stride:]
			for x := range d.width {
				shift := 8 - d.bitCount*(x%per+1)
				dst[x] = src[x/per] >> shift & mask
			}
		}
		return img
	}
	if d.bitCount == 24 {
		img := image.NewRGBA(r)
		for y := range d.height {
			src, dst := d.row(y), img.Pix[y*img.Stride:]
			for x := range d.width {
				s, o := src[3*x:3*x+3], dst[4*x:4*x+4]
				o[0], o[1], o[2], o[3] = s[2], s[1], s[0], 0xff
			}
		}
		return img
	}

	// 16 and 32 bits through masks, with a fast path for the usual BGRA.
	alpha := d.masks[3] != 0 && !d.alphaAllZero()
	pix := make([]byte, 4*d.width*d.height)
	bgra := d.bitCount == 32 && d.masks == [4]uint32{0xff0000, 0xff00, 0xff, d.masks[3]} &&
		(d.masks[3] == 0 || d.masks[3] == 0xff000000)
	var ch [4]channel
	for i, m := range d.masks {
		ch[i] = newChannel(m)
	}
	bpp := d.bitCount / 8
	for y := range d.height {
		src, dst := d.row(y), pix[4*d.width*y:]
		for x := range d.width {
			o := dst[4*x : 4*x+4]
			if bgra {
				s := src[4*x : 4*x+4]
				o[0], o[1], o[2], o[3] = s[2], s[1], s[0], s[3]
			} else {
				var p uint32
				if bpp == 2 {
					p = uint32(src[2*x]) | uint32(src[2*x+1])<<8
				} else {
					p = binary.LittleEndian.Uint32(src[4*x:])
				}
				o[0], o[1], o[2], o[3] = ch[0].value(p), ch[1].value(p), ch[2].value(p), ch[3].value(p)
			}
			if !alpha {
				o[3] = 0xff
			}
		}
	}
	if alpha {
		return &image.NRGBA{Pix: pix, Stride: 4 * d.width, Rect: r}
	}
	return &image.RGBA{Pix: pix, Stride: 4 * d.width, Rect: r}
}

// alphaAllZero reports whether every pixel's alpha bits are 0, as GDI and
// most programs leave the fourth byte of 32-bit pixels.
func (d *dib) alphaAllZero() bool {
	bpp := d.bitCount / 8
	for y := range d.height {
		src := d.row(y)
		for x := range d.width {
			var p uint32
			if bpp == 2 {
				p = uint32(src[2*x]) | uint32(src[2*x+1])<<8
			} else {
				p = binary.LittleEndian.Uint32(src[4*x:])
			}
			if p&d.masks[3] != 0 {
				return false
			}
		}
	}
	return true
}

// channel extracts one colour from a 16- or 32-bit pixel through its mask,
// scaled to 8 bits.
type channel struct {
	mask  uint32
	shift int
	max   uint32 // the largest value of the masked bits, shifted down
}

func newChannel(mask uint32) channel {
	if mask == 0 {
		return channel{}
	}
	shift := bits.TrailingZeros32(mask)
	return channel{mask: mask, shift: shift, max: mask >> shift}
}

// value returns the channel of pixel p, 0 to 255.
func (c channel) value(p uint32) byte {
	if c.max == 0 {
		return 0
	}
	v := (p & c.mask) >> c.shift
	if c.max == 0xff {
		return byte(v)
	}
	return byte((uint64(v)*255 + uint64(c.max)/2) / uint64(c.max))
}
