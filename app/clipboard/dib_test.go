package clipboard

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/bits"
	"math/rand/v2"
	"strings"
	"testing"

	"golang.org/x/image/bmp"

	"github.com/tessera-auth/tessera/otp/qr"
)

// dibSpec says how writeDIB stores a picture as a packed DIB.
type dibSpec struct {
	name        string
	header      int // 12, 40, 52, 56, 108 or 124 bytes
	bits        int // 1, 4, 8, 16, 24 or 32
	compression uint32
	masks       [4]uint32 // red, green, blue, alpha: in the header (52+) or after it (40)
	topDown     bool
	clrUsed     int // palette colours written; 0: all 2^bits (1 to 8 bits), none above
	alpha       bool
}

// writeDIB stores img as spec says. For 1 to 8 bits img is an
// *image.Paletted and its palette is written (the first clrUsed colours);
// for more it is an *image.NRGBA whose channels keep their top bits.
func writeDIB(img image.Image, s dibSpec) []byte {
	le := binary.LittleEndian
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	var out bytes.Buffer
	put := func(v any) { binary.Write(&out, le, v) }
	height := int32(h)
	if s.topDown {
		height = -height
	}
	if s.header == coreHeaderSize {
		put([]uint16{0, 0, uint16(w), uint16(h), 1, uint16(s.bits)})
		le.PutUint32(out.Bytes(), coreHeaderSize)
	} else {
		put([]uint32{uint32(s.header), uint32(w), uint32(height)})
		put([]uint16{1, uint16(s.bits)})
		put([]uint32{s.compression, 0, 2835, 2835, uint32(s.clrUsed), 0})
		hdrMasks := (s.header - infoHeaderSize) / 4
		for i := range min(hdrMasks, 4) {
			put(s.masks[i])
		}
		out.Write(make([]byte, s.header-out.Len()))
		if s.header == infoHeaderSize && s.compression == biBitfields {
			put(s.masks[:3])
		}
		if s.header == infoHeaderSize && s.compression == biAlphaBitfields {
			put(s.masks[:])
		}
	}
	var pal color.Palette
	if p, ok := img.(*image.Paletted); ok {
		pal = p.Palette
	}
	n := s.clrUsed
	if n == 0 && s.bits <= 8 {
		n = 1 << s.bits
	}
	for i := range n {
		var c color.RGBA
		if i < len(pal) {
			c = color.RGBAModel.Convert(pal[i]).(color.RGBA)
		} else {
			c = color.RGBA{uint8(i * 7), uint8(i * 13), uint8(i * 29), 0}
		}
		if s.header == coreHeaderSize {
			out.Write([]byte{c.B, c.G, c.R})
		} else {
			out.Write([]byte{c.B, c.G, c.R, 0})
		}
	}
	masks := s.masks
	if s.compression == biRGB {
		masks = [4]uint32{0x7c00, 0x3e0, 0x1f, s.masks[3]}
		if s.bits == 32 {
			masks = [4]uint32{0xff0000, 0xff00, 0xff, s.masks[3]}
		}
	}
	stride := (w*s.bits + 31) / 32 * 4
	for i := range h {
		y := h - 1 - i
		if s.topDown {
			y = i
		}
		row := make([]byte, stride)
		for x := range w {
			switch {
			case s.bits <= 8:
				idx := img.(*image.Paletted).ColorIndexAt(x, y)
				per := 8 / s.bits
				row[x/per] |= idx << (8 - s.bits*(x%per+1))
			case s.bits == 24:
				c := img.At(x, y).(color.NRGBA)
				copy(row[3*x:], []byte{c.B, c.G, c.R})
			default:
				c := img.At(x, y).(color.NRGBA)
				var p uint32
				for ch, v := range []uint8{c.R, c.G, c.B, c.A} {
					if ch == 3 && !s.alpha {
						continue
					}
					p |= pack(v, masks[ch])
				}
				if s.bits == 16 {
					le.PutUint16(row[2*x:], uint16(p))
				} else {
					le.PutUint32(row[4*x:], p)
				}
			}
		}
		out.Write(row)
	}
	return out.Bytes()
}

// pack places the top bits of v into mask.
func pack(v uint8, mask uint32) uint32 {
	if mask == 0 {
		return 0
	}
	shift, width := 0, 0
	for mask>>shift&1 == 0 {
		shift++
	}
	for mask>>(shift+width)&1 == 1 {
		width++
	}
	if width > 8 {
		return uint32(v) << (width - 8) << shift
	}
	return uint32(v) >> (8 - width) << shift
}

// testPicture returns a w×h picture of varied colours and, for alpha, varied
// transparency; its colours use every bit, so rounding shows.
func testPicture(w, h int, alpha bool) *image.NRGBA {
	rng := rand.New(rand.NewPCG(3, 4))
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		v := rng.Uint32()
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = byte(v), byte(v>>8), byte(v>>16), 0xff
		if alpha {
			img.Pix[i+3] = byte(v >> 24)
		}
	}
	return img
}

// testPaletted returns a w×h picture using all n colours of a palette.
func testPaletted(w, h, n int) *image.Paletted {
	pal := make(color.Palette, n)
	for i := range pal {
		pal[i] = color.RGBA{uint8(i * 37), uint8(255 - i*11), uint8(i * 5), 0xff}
	}
	img := image.NewPaletted(image.Rect(0, 0, w, h), pal)
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7 % n)
	}
	return img
}

// bitsOf is how many bits mask has set.
func bitsOf(mask uint32) int {
	n := 0
	for ; mask != 0; mask &= mask - 1 {
		n++
	}
	return n
}

// TestDIBToPNG stores pictures as the DIBs Windows programs put on the
// clipboard, converts them, and compares the PNG's pixels with the
// picture's. Widths are odd so that rows are padded.
func TestDIBToPNG(t *testing.T) {
	const w, h = 13, 7
	bgr := [4]uint32{0xff0000, 0xff00, 0xff, 0}
	for _, s := range []dibSpec{
		{name: "1-bit palette", header: 40, bits: 1},
		{name: "4-bit palette", header: 40, bits: 4},
		{name: "4-bit palette of 11 colours", header: 40, bits: 4, clrUsed: 11},
		{name: "8-bit palette", header: 40, bits: 8},
		{name: "8-bit palette of 200 colours top-down", header: 40, bits: 8, clrUsed: 200, topDown: true},
		{name: "8-bit core header", header: 12, bits: 8},
		{name: "8-bit V5 header", header: 124, bits: 8},
		{name: "16-bit x1r5g5b5", header: 40, bits: 16},
		{name: "16-bit r5g6b5 bitfields", header: 40, bits: 16, compression: biBitfields, masks: [4]uint32{0xf800, 0x7e0, 0x1f}},
		{name: "16-bit a1r5g5b5 V5", header: 124, bits: 16, compression: biBitfields, masks: [4]uint32{0x7c00, 0x3e0, 0x1f, 0x8000}, alpha: true},
		{name: "16-bit a4r4g4b4 alphabitfields", header: 40, bits: 16, compression: biAlphaBitfields, masks: [4]uint32{0xf00, 0xf0, 0xf, 0xf000}, alpha: true},
		{name: "24-bit", header: 40, bits: 24},
		{name: "24-bit top-down", header: 40, bits: 24, topDown: true},
		{name: "24-bit with an optional palette", header: 40, bits: 24, clrUsed: 5},
		{name: "24-bit core header", header: 12, bits: 24},
		{name: "32-bit x8r8g8b8", header: 40, bits: 32},
		// PrtScn: Windows makes CF_DIB from the screen's CF_BITMAP thus.
		{name: "32-bit bitfields after a 40-byte header", header: 40, bits: 32, compression: biBitfields, masks: bgr},
		{name: "32-bit bitfields top-down", header: 40, bits: 32, compression: biBitfields, masks: bgr, topDown: true},
		{name: "32-bit x8b8g8r8 bitfields", header: 40, bits: 32, compression: biBitfields, masks: [4]uint32{0xff, 0xff00, 0xff0000}},
		{name: "32-bit r10g10b10 bitfields", header: 40, bits: 32, compression: biBitfields, masks: [4]uint32{0x3ff00000, 0xffc00, 0x3ff}},
		{name: "32-bit V2 header masks", header: 52, bits: 32, compression: biBitfields, masks: bgr},
		{name: "32-bit V3 header with alpha", header: 56, bits: 32, compression: biBitfields, masks: [4]uint32{0xff0000, 0xff00, 0xff, 0xff000000}, alpha: true},
		{name: "32-bit V4 header with alpha", header: 108, bits: 32, compression: biBitfields, masks: [4]uint32{0xff0000, 0xff00, 0xff, 0xff000000}, alpha: true},
		{name: "32-bit V5 with alpha", header: 124, bits: 32, compression: biBitfields, masks: [4]uint32{0xff0000, 0xff00, 0xff, 0xff000000}, alpha: true},
		{name: "32-bit V5 BI_RGB with alpha", header: 124, bits: 32, masks: [4]uint32{0, 0, 0, 0xff000000}, alpha: true},
		// A CF_DIBV5 made from a 32-bit CF_DIB: an alpha mask, but the
		// alpha bytes GDI left 0. Taken for alpha, it would be invisible.
		{name: "32-bit V5 alpha mask over zeros", header: 124, bits: 32, compression: biBitfields, masks: [4]uint32{0xff0000, 0xff00, 0xff, 0xff000000}},
		{name: "32-bit alphabitfields", header: 40, bits: 32, compression: biAlphaBitfields, masks: [4]uint32{0xff, 0xff00, 0xff0000, 0xff000000}, alpha: true},
	} {
		t.Run(s.name, func(t *testing.T) {
			var src image.Image
			if s.bits <= 8 {
				n := 1 << s.bits
				if s.clrUsed > 0 {
					n = s.clrUsed
				}
				src = testPaletted(w, h, n)
			} else {
				src = testPicture(w, h, s.alpha)
			}
			out, err := dibToPNG(writeDIB(src, s))
			if err != nil {
				t.Fatal(err)
			}
			got, err := png.Decode(bytes.NewReader(out))
			if err != nil {
				t.Fatalf("the PNG does not decode: %v", err)
			}
			if got.Bounds() != src.Bounds() {
				t.Fatalf("PNG of %v, want %v", got.Bounds(), src.Bounds())
			}
			masks := s.masks
			switch {
			case s.bits == 16 && s.compression == biRGB:
				masks = [4]uint32{0x7c00, 0x3e0, 0x1f, s.masks[3]}
			case s.bits == 24 || s.bits == 32 && s.compression == biRGB:
				masks = [4]uint32{0xff0000, 0xff00, 0xff, s.masks[3]}
			}
			for y := range h {
				for x := range w {
					want := color.NRGBAModel.Convert(src.At(x, y)).(color.NRGBA)
					if s.bits > 8 {
						// What the DIB's masks keep of each channel.
						want = color.NRGBA{stored(want.R, masks[0]), stored(want.G, masks[1]), stored(want.B, masks[2]), stored(want.A, masks[3])}
					}
					if !s.alpha {
						want.A = 0xff
					}
					if g := color.NRGBAModel.Convert(got.At(x, y)).(color.NRGBA); g != want {
						t.Fatalf("pixel %d,%d is %v, want %v", x, y, g, want)
					}
				}
			}
		})
	}
}

// stored returns v as it reads back after a DIB kept it in the bits of
// mask: its top bits (or v widened), scaled back to 0-255 and rounded.
func stored(v uint8, mask uint32) uint8 {
	n := bitsOf(mask)
	if n == 0 || n == 8 {
		return v
	}
	q := float64(pack(v, mask) >> bits.TrailingZeros32(mask))
	return uint8(math.Round(q * 255 / float64(uint32(1)<<n-1)))
}

// TestDIBFromBMPEncoder reads the DIBs inside BMP files of another encoder,
// golang.org/x/image/bmp (8-bit palette, 24-bit, 32-bit), and compares
// them with its decoder's reading of the whole file: the pixels, and that
// the file header's pixel offset is where the DIB's pixels begin.
func TestDIBFromBMPEncoder(t *testing.T) {
	pal := testPaletted(17, 9, 256)
	opaque := testPicture(17, 9, false)
	translucent := testPicture(17, 9, true)
	for name, img := range map[string]image.Image{"paletted": pal, "opaque": opaque, "translucent": translucent} {
		t.Run(name, func(t *testing.T) {
			var file bytes.Buffer
			if err := bmp.Encode(&file, img); err != nil {
				t.Fatal(err)
			}
			want, err := bmp.Decode(bytes.NewReader(file.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			dibBytes := file.Bytes()[14:]
			d, err := parseDIB(dibBytes)
			if err != nil {
				t.Fatal(err)
			}
			if off := len(dibBytes) - len(d.pixels); 14+off != int(binary.LittleEndian.Uint32(file.Bytes()[10:])) {
				t.Errorf("pixels at %d in the DIB; the file header says %d in the file", off, binary.LittleEndian.Uint32(file.Bytes()[10:]))
			}
			out, err := dibToPNG(dibBytes)
			if err != nil {
				t.Fatal(err)
			}
			got, err := png.Decode(bytes.NewReader(out))
			if err != nil {
				t.Fatal(err)
			}
			for y := range 9 {
				for x := range 17 {
					g, w := color.RGBAModel.Convert(got.At(x, y)), color.RGBAModel.Convert(want.At(x, y))
					if g != w {
						t.Fatalf("pixel %d,%d is %v; x/image/bmp reads %v", x, y, g, w)
					}
				}
			}
		})
	}
}

// TestDIBQR converts a QR code stored as a PrtScn screenshot stores it (32
// bits, BI_BITFIELDS masks after a 40-byte header, bottom-up) and reads it
// back with otp/qr, as the scan screens do.
func TestDIBQR(t *testing.T) {
	const text = "otpauth://totp/Example:alice@example.com?secret=JBSWY3DPEHPK3PXP&issuer=Example"
	code, err := qr.Encode(text)
	if err != nil {
		t.Fatal(err)
	}
	screen := image.NewNRGBA(image.Rect(0, 0, code.Bounds().Dx()+40, code.Bounds().Dy()+30))
	for i := range screen.Pix {
		screen.Pix[i] = 0xff
	}
	for y := range code.Bounds().Dy() {
		for x := range code.Bounds().Dx() {
			screen.Set(x+20, y+10, code.At(x, y))
		}
	}
	b := writeDIB(screen, dibSpec{header: 40, bits: 32, compression: biBitfields, masks: [4]uint32{0xff0000, 0xff00, 0xff}})
	out, err := dibToPNG(b)
	if err != nil {
		t.Fatal(err)
	}
	texts, err := qr.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if len(texts) != 1 || texts[0] != text {
		t.Fatalf("decoded %q, want the one code", texts)
	}
}

// TestDIBErrors gives dibToPNG DIBs it must refuse, and checks that the
// error says what is wrong.
func TestDIBErrors(t *testing.T) {
	good := writeDIB(testPicture(5, 4, false), dibSpec{header: 40, bits: 24})
	with := func(off int, v uint32) []byte {
		b := bytes.Clone(good)
		binary.LittleEndian.PutUint32(b[off:], v)
		return b
	}
	with16 := func(off int, v uint16) []byte {
		b := bytes.Clone(good)
		binary.LittleEndian.PutUint16(b[off:], v)
		return b
	}
	for _, c := range []struct {
		name string
		dib  []byte
		want string
	}{
		{"empty", nil, "0 bytes, too short for a bitmap header"},
		{"header cut", good[:30], "too short for its 40-byte header"},
		{"unknown header", with(0, 64), "unknown header size 64"},
		{"zero width", with(4, 0), "size 0x4"},
		{"negative width", with(4, 0xfffffffb), "size -5x4"},
		{"too many pixels", with(8, 10_000_000), "more than the 22 million read"},
		{"RLE8", with(16, biRLE8), "compressed (BI_RLE8)"},
		{"JPEG", with(16, biJPEG), "compressed (BI_JPEG)"},
		{"unknown compression", with(16, 9), "unknown compression 9"},
		{"2 bits", with16(14, 2), "2 bits a pixel"},
		{"24 bits with masks", with(16, biBitfields), "24 bits a pixel with colour masks"},
		{"pixels cut", good[:len(good)-1], "1 short of 5x4 at 24 bits"},
		{"palette cut", with(32, 1000), "too short for its 1000 palette colours"},
		{"masks cut", writeDIB(testPicture(1, 1, false), dibSpec{header: 40, bits: 32, compression: biBitfields})[:44], "too short for the colour masks"},
		{"mask not a run", writeDIB(testPicture(1, 1, false), dibSpec{header: 40, bits: 32, compression: biBitfields, masks: [4]uint32{0xf0f, 0xf0, 0xf000}}), "colour mask 0 is 0xf0f"},
		{"mask too wide", writeDIB(testPicture(1, 1, false), dibSpec{header: 40, bits: 16, compression: biBitfields, masks: [4]uint32{0xff0000, 0xff00, 0xff}}), "colour mask 0 is 0xff0000, not one run of bits within 16"},
	} {
		t.Run(c.name, func(t *testing.T) {
			b, err := dibToPNG(c.dib)
			if err == nil {
				t.Fatalf("converted to %d bytes of PNG, want an error", len(b))
			}
			if !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "the clipboard's bitmap (DIB): ") {
				t.Fatalf("error %q, want it to say %q", err, c.want)
			}
		})
	}
}

// FuzzDIBToPNG gives dibToPNG arbitrary clipboard data: it must not panic,
// and what it converts must be a PNG of the size the header says.
func FuzzDIBToPNG(f *testing.F) {
	f.Add(writeDIB(testPaletted(3, 2, 2), dibSpec{header: 40, bits: 1}))
	f.Add(writeDIB(testPaletted(3, 2, 16), dibSpec{header: 12, bits: 4}))
	f.Add(writeDIB(testPicture(3, 2, false), dibSpec{header: 40, bits: 16, compression: biBitfields, masks: [4]uint32{0xf800, 0x7e0, 0x1f}}))
	f.Add(writeDIB(testPicture(3, 2, false), dibSpec{header: 40, bits: 24, topDown: true}))
	f.Add(writeDIB(testPicture(3, 2, true), dibSpec{header: 124, bits: 32, compression: biBitfields, masks: [4]uint32{0xff0000, 0xff00, 0xff, 0xff000000}, alpha: true}))
	f.Fuzz(func(t *testing.T, b []byte) {
		out, err := dibToPNG(b)
		if err != nil {
			return
		}
		d, err := parseDIB(b)
		if err != nil {
			t.Fatalf("dibToPNG converted what parseDIB refuses: %v", err)
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(out))
		if err != nil {
			t.Fatalf("the PNG does not decode: %v", err)
		}
		if cfg.Width != d.width || cfg.Height != d.height {
			t.Fatalf("PNG of %dx%d from a %dx%d DIB", cfg.Width, cfg.Height, d.width, d.height)
		}
	})
}

// screenshotDIB returns a 3840x2160 screen as PrtScn puts it on the
// clipboard (32 bits, BI_BITFIELDS masks after a 40-byte header): flat
// window backgrounds with lines of text-like noise, and a QR code.
func screenshotDIB(b *testing.B) []byte {
	b.Helper()
	const w, h = 3840, 2160
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(5, 6))
	fill := func(r image.Rectangle, c color.NRGBA) {
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				img.SetNRGBA(x, y, c)
			}
		}
	}
	fill(img.Bounds(), color.NRGBA{40, 60, 90, 255})
	fill(image.Rect(100, 80, 2000, 1800), color.NRGBA{250, 250, 250, 255})
	fill(image.Rect(2100, 200, 3700, 2000), color.NRGBA{30, 30, 30, 255})
	for y := 120; y < 1780; y += 24 {
		for x := 140; x < 1960; x++ {
			for dy := range 14 {
				if rng.IntN(4) == 0 {
					img.SetNRGBA(x, y+dy, color.NRGBA{20, 20, 20, 255})
				}
			}
		}
	}
	code, err := qr.Encode("otpauth://totp/Bench:alice@example.com?secret=JBSWY3DPEHPK3PXP&issuer=Bench")
	if err != nil {
		b.Fatal(err)
	}
	for y := range code.Bounds().Dy() {
		for x := range code.Bounds().Dx() {
			img.Set(2500+x, 600+y, code.At(x, y))
		}
	}
	return writeDIB(img, dibSpec{header: 40, bits: 32, compression: biBitfields, masks: [4]uint32{0xff0000, 0xff00, 0xff}})
}

// BenchmarkDIBToPNG converts a 4K screenshot's DIB, as Image does on
// Windows when the clipboard holds no PNG, and then reads the PNG as the
// scan screens do (otp/qr.ReadImage).
func BenchmarkDIBToPNG(b *testing.B) {
	dib := screenshotDIB(b)
	b.Run("convert", func(b *testing.B) {
		b.SetBytes(int64(len(dib)))
		var n int
		for b.Loop() {
			out, err := dibToPNG(dib)
			if err != nil {
				b.Fatal(err)
			}
			n = len(out)
		}
		b.ReportMetric(float64(n)/(1<<20), "PNG-MiB")
	})
	b.Run("convert+read", func(b *testing.B) {
		b.SetBytes(int64(len(dib)))
		for b.Loop() {
			out, err := dibToPNG(dib)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := qr.ReadImage(bytes.NewReader(out)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
