package qr

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"io"
	"math/rand/v2"
	"sync/atomic"
	"testing"
)

// TestPNGGray checks the direct PNG reader against image/png on every kind
// of PNG it reads, with rows that make Go's encoder use every filter, and
// with the flat areas of screenshots, which the reader fills and converts
// by copying.
func TestPNGGray(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	const w, h = 67, 41
	patterns := map[string]func(x, y, ch int) uint8{
		// Smooth gradients with noise: the encoder then picks all five
		// filters.
		"noisy": func(x, y, ch int) uint8 {
			return uint8((x*3+y*5+ch*70)%256) ^ uint8(r.IntN(4))
		},
		// Blocks of one colour with now and then a stray pixel, so that
		// rows repeat the row above and pixels the pixel to their left
		// over stretches of every length.
		"flat": func(x, y, ch int) uint8 {
			if r.IntN(50) == 0 {
				return uint8(r.IntN(256))
			}
			return uint8((x/(5+y%13)*40 + y/7*90 + ch*70) % 256)
		},
	}
	for pname, val := range patterns {
		gray := image.NewGray(image.Rect(0, 0, w, h))
		rgba := image.NewRGBA(image.Rect(0, 0, w, h))
		nrgba := image.NewNRGBA(image.Rect(0, 0, w, h))
		pal := image.NewPaletted(image.Rect(0, 0, w, h), nil)
		for i := 0; i < 256; i++ {
			pal.Palette = append(pal.Palette, color.NRGBA{uint8(i), uint8(255 - i), uint8(i * 7), uint8(255 - i/3)})
		}
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				gray.SetGray(x, y, color.Gray{val(x, y, 0)})
				rgba.SetRGBA(x, y, color.RGBA{val(x, y, 0), val(x, y, 1), val(x, y, 2), 255})
				nrgba.SetNRGBA(x, y, color.NRGBA{val(x, y, 0), val(x, y, 1), val(x, y, 2), val(x, y, 3)})
				pal.SetColorIndex(x, y, val(x, y, 0))
			}
		}
		for kind, img := range map[string]image.Image{"gray": gray, "rgb": rgba, "rgba": nrgba, "palette+tRNS": pal} {
			name := pname + " " + kind
			var buf bytes.Buffer
			if err := png.Encode(&buf, img); err != nil {
				t.Fatal(err)
			}
			if !fastPNG(buf.Bytes()) {
				t.Fatalf("%s: not read directly", name)
			}
			got, err := decodePNGGray(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			ref, err := png.Decode(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			want := toLuma(ref)
			for i, v := range got.Pix {
				if d := int(v) - int(want.pix[i]); d < -1 || d > 1 {
					t.Fatalf("%s: pixel %d is %d, image/png says %d", name, i, v, want.pix[i])
				}
			}
		}
	}
}

// TestPNGBroken cuts a PNG at every length: an error, never a panic.
func TestPNGBroken(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 31)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	// The last 20 bytes are the zlib and chunk checksums, unchecked, and
	// IEND.
	for n := 0; n < len(data)-20; n++ {
		if _, err := decodePNGGray(bytes.NewReader(data[:n])); err == nil {
			t.Fatalf("a PNG cut at %d of %d bytes was accepted", n, len(data))
		}
	}
}

// TestPNGBadFilter gives a row an unknown filter type: an error naming the
// row, returned after the goroutine inflating ahead has stopped reading.
func TestPNGBadFilter(t *testing.T) {
	const w, h = 300, 2000 // several batches of rows
	for _, badRow := range []int{0, 1, h / 2, h - 1} {
		var raw bytes.Buffer
		zw := zlib.NewWriter(&raw)
		rnd := rand.New(rand.NewPCG(1, 2))
		for y := 0; y < h; y++ {
			// Grey noise, filter None: the file is long, so the
			// goroutine inflating ahead is still reading it when the
			// bad row is met.
			row := make([]byte, 1+w)
			for i := range row[1:] {
				row[1+i] = byte(rnd.Uint32())
			}
			if y == badRow {
				row[0] = 7
			}
			zw.Write(row)
		}
		zw.Close()
		var file bytes.Buffer
		file.WriteString(pngSignature)
		chunk := func(typ string, data []byte) {
			file.Write(binary.BigEndian.AppendUint32(nil, uint32(len(data))))
			c := append([]byte(typ), data...)
			file.Write(c)
			file.Write(binary.BigEndian.AppendUint32(nil, crc32.ChecksumIEEE(c)))
		}
		ihdr := binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, w), h)
		chunk("IHDR", append(ihdr, 8, pngGray, 0, 0, 0))
		chunk("IDAT", raw.Bytes())
		chunk("IEND", nil)
		// A reader that fails the test if read after decoding returned.
		r := &closingReader{r: bytes.NewReader(file.Bytes())}
		_, err := decodePNGGray(r)
		r.closed.Store(true)
		want := fmt.Sprintf("row %d: unknown filter type 7", badRow)
		if err == nil || err.Error() != want {
			t.Errorf("row %d with filter 7: got error %v, want %q", badRow, err, want)
		}
		if r.late.Load() {
			t.Errorf("row %d with filter 7: the file was read after decoding returned", badRow)
		}
	}
}

// closingReader records reads made after closed is set.
type closingReader struct {
	r            io.Reader
	closed, late atomic.Bool
}

func (c *closingReader) Read(b []byte) (int, error) {
	if c.closed.Load() {
		c.late.Store(true)
	}
	return c.r.Read(b)
}

// TestUnfilter checks unfilter against the PNG specification's definition,
// one byte at a time, on rows mixing flat stretches (zero residuals under a
// repeating row above, which unfilter fills by copying) with noise, for
// every filter and pixel size.
func TestUnfilter(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	ref := func(filter byte, cur, prev []byte, bpp int) {
		for i := range cur {
			var a, c int
			if i >= bpp {
				a, c = int(cur[i-bpp]), int(prev[i-bpp])
			}
			b := int(prev[i])
			var p int
			switch filter {
			case 1:
				p = a
			case 2:
				p = b
			case 3:
				p = (a + b) / 2
			case 4:
				pa, pb, pc := abs(b-c), abs(a-c), abs(a+b-2*c)
				switch {
				case pa <= pb && pa <= pc:
					p = a
				case pb <= pc:
					p = b
				default:
					p = c
				}
			}
			cur[i] += uint8(p)
		}
	}
	// stretches returns a row of n bytes made of random stretches, each
	// zero, one repeated pixel or noise.
	stretches := func(n, bpp int) []byte {
		row := make([]byte, 0, n)
		for len(row) < n {
			k := 1 + r.IntN(40)
			switch r.IntN(3) {
			case 0:
				row = append(row, make([]byte, k)...)
			case 1:
				px := make([]byte, bpp)
				for i := range px {
					px[i] = byte(r.IntN(256))
				}
				for range k {
					row = append(row, px...)
				}
			default:
				for range k {
					row = append(row, byte(r.IntN(256)))
				}
			}
		}
		return row[:n]
	}
	for bpp := 1; bpp <= 4; bpp++ {
		for filter := byte(0); filter <= 4; filter++ {
			for n := 1; n <= 200; n++ { // a row holds at least one pixel
				prev := stretches(n*bpp, bpp)
				cur := stretches(n*bpp, bpp)
				want := append([]byte(nil), cur...)
				ref(filter, want, prev, bpp)
				if err := unfilter(filter, cur, prev, bpp); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(cur, want) {
					t.Fatalf("filter %d, %d bytes a pixel, row of %d pixels: got %v, want %v", filter, bpp, n, cur, want)
				}
			}
		}
	}
	if err := unfilter(5, make([]byte, 3), make([]byte, 3), 1); err == nil {
		t.Error("filter type 5 was accepted")
	}
}
