package qr_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"golang.org/x/image/bmp"

	"github.com/tessera-auth/tessera/otp"
	"github.com/tessera-auth/tessera/otp/qr"
	"github.com/tessera-auth/tessera/otp/qr/internal/corpus"
	"github.com/tessera-auth/tessera/otp/qr/internal/peers"
)

// corpusPerVariant is the number of images of each variant TestCorpus
// decodes.
var corpusPerVariant = 2

// TestCorpus decodes a small generated corpus: two images of every variant,
// each code found exactly once and nothing else reported.
func TestCorpus(t *testing.T) {
	for _, v := range corpus.Variants() {
		for i := 0; i < corpusPerVariant; i++ {
			t.Run(fmt.Sprintf("%s-%d", v, i), func(t *testing.T) {
				t.Parallel()
				s := corpus.Generate(7, v, i)
				got, err := qr.Decode(bytes.NewReader(s.Data))
				if err != nil {
					t.Fatal(err)
				}
				want := slices.Clone(s.Texts)
				slices.Sort(want)
				slices.Sort(got)
				if !slices.Equal(got, want) {
					t.Errorf("decoded %q\nwant %q", got, want)
				}
			})
		}
	}
}

// TestCorpusDeterministic checks that a sample is a function of its seed,
// variant and index alone.
func TestCorpusDeterministic(t *testing.T) {
	a, b := corpus.Generate(3, corpus.Rotated, 2), corpus.Generate(3, corpus.Rotated, 2)
	if !bytes.Equal(a.Data, b.Data) || !slices.Equal(a.Texts, b.Texts) || a.Name != b.Name {
		t.Fatal("the same seed, variant and index gave different samples")
	}
	if c := corpus.Generate(4, corpus.Rotated, 2); slices.Equal(a.Texts, c.Texts) {
		t.Fatal("another seed gave the same texts")
	}
}

func randomCredential(r *rand.Rand) otp.Credential {
	c := otp.Credential{
		Kind: otp.Kind(r.IntN(3)), Algorithm: otp.Algorithm(r.IntN(3)),
		Digits: 6 + 2*r.IntN(2), Period: 30,
		Issuer: []string{"GitHub", "Bank & Co", "Zürich Cloud", ""}[r.IntN(4)], Account: fmt.Sprintf("user%d@example.com", r.IntN(1e6)),
		Secret: make([]byte, 10+r.IntN(54)),
	}
	if c.Kind == otp.HOTP {
		c.Period, c.Counter = 0, r.Uint64N(1e9)
	}
	for i := range c.Secret {
		c.Secret[i] = byte(r.UintN(256))
	}
	return c
}

// TestRoundTrip encodes otpauth URIs, migration batches and other texts and
// reads every one back from the image, and from its PNG file.
func TestRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var texts []string
	var creds []otp.Credential
	for i := 0; i < 30; i++ {
		c := randomCredential(r)
		texts = append(texts, otp.FormatURI(&c))
		if c.Kind != otp.Steam {
			c.Period = 0
			creds = append(creds, c)
		}
	}
	batches, err := otp.FormatMigration(creds, 42)
	if err != nil {
		t.Fatal(err)
	}
	if len(batches) < 2 {
		t.Fatalf("want several migration batches, got %d", len(batches))
	}
	texts = append(texts, batches...)
	texts = append(texts, "https://example.com/", "Grüße, 世界", strings.Repeat("x", 1500))
	for _, text := range texts {
		img, err := qr.Encode(text)
		if err != nil {
			t.Fatalf("Encode(%.40q): %v", text, err)
		}
		if got := qr.DecodeImage(img); len(got) != 1 || got[0] != text {
			t.Fatalf("Encode(%.40q) read back as %.40q", text, got)
		}
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			t.Fatal(err)
		}
		if got, err := qr.Decode(&buf); err != nil || len(got) != 1 || got[0] != text {
			t.Fatalf("PNG of %.40q read back as %.40q, %v", text, got, err)
		}
	}
	if _, err := qr.Encode(strings.Repeat("x", 8000)); err == nil {
		t.Fatal("Encode accepted a text too long for a QR code")
	}
}

// TestEncodeReadByZbar checks the drawn codes against an independent
// reader, ZBar's zbarimg.
func TestEncodeReadByZbar(t *testing.T) {
	if err := peers.Zbar.Check(); err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(3, 4))
	c := randomCredential(r)
	uri := otp.FormatURI(&c)
	img, err := qr.Encode(uri)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "code.png")
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := peers.Zbar.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != uri {
		t.Fatalf("zbarimg read %d texts, want the encoded URI", len(got))
	}
}

// TestFormats reads the same code from every supported file format.
func TestFormats(t *testing.T) {
	const text = "otpauth://totp/Formats:a?secret=GEZDGNBVGY3TQOJQ"
	code, err := qr.Encode(text)
	if err != nil {
		t.Fatal(err)
	}
	// An RGBA copy for the encoders that keep colour, on a transparent
	// background that must read as white.
	rgba := image.NewNRGBA(code.Bounds())
	for y := 0; y < code.Bounds().Dy(); y++ {
		for x := 0; x < code.Bounds().Dx(); x++ {
			if code.ColorIndexAt(x, y) == 1 {
				rgba.Set(x, y, color.NRGBA{20, 30, 40, 255})
			}
		}
	}
	encoders := map[string]func(*bytes.Buffer) error{
		"png-paletted": func(b *bytes.Buffer) error { return png.Encode(b, code) },
		"png-nrgba":    func(b *bytes.Buffer) error { return png.Encode(b, rgba) },
		"jpeg":         func(b *bytes.Buffer) error { return jpeg.Encode(b, code, nil) },
		"gif":          func(b *bytes.Buffer) error { return gif.Encode(b, code, nil) },
		"bmp":          func(b *bytes.Buffer) error { return bmp.Encode(b, code) },
	}
	for name, enc := range encoders {
		var buf bytes.Buffer
		if err := enc(&buf); err != nil {
			t.Fatal(err)
		}
		got, err := qr.Decode(&buf)
		if err != nil || len(got) != 1 || got[0] != text {
			t.Errorf("%s: got %q, %v", name, got, err)
		}
	}
	// WebP has no encoder in Go; this lossless file was written by libwebp
	// (WebPEncodeLosslessRGB) from the image above.
	data, err := os.ReadFile("testdata/code.webp")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := qr.Decode(bytes.NewReader(data)); err != nil || len(got) != 1 {
		t.Errorf("webp: got %q, %v", got, err)
	}
}

// pngHeader returns the signature and IHDR chunk of a w x h 8-bit RGBA PNG.
func pngHeader(w, h uint32) []byte {
	return pngHeaderDepth(w, h, 8, 6, 0)
}

// pngHeaderDepth returns the signature and IHDR chunk of a w x h PNG of the
// given bit depth, colour type and interlacing.
func pngHeaderDepth(w, h uint32, depth, ctype, interlace byte) []byte {
	b := []byte("\x89PNG\r\n\x1a\n")
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, depth, ctype, 0, 0, interlace)
	b = binary.BigEndian.AppendUint32(b, uint32(len(ihdr)))
	chunk := append([]byte("IHDR"), ihdr...)
	b = append(b, chunk...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(chunk))
}

// TestUntrusted checks that hostile and broken files give clear errors.
func TestUntrusted(t *testing.T) {
	var good bytes.Buffer
	code, _ := qr.Encode("otpauth://totp/A:b?secret=GEZDGNBV")
	if err := png.Encode(&good, code); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		data []byte
		want string
		is   error
	}{
		{"huge", pngHeader(20000, 20000), "20000x20000 png is larger than 100 megapixels", qr.ErrTooLarge},
		// 100 megapixels, but 16 bits a channel: 800 MB as image/png
		// decodes it (a 777 KB file of this kind took 1.6 GB and 13 s).
		{"16-bit RGBA", pngHeaderDepth(10000, 10000, 16, 6, 0), "a 10000x10000 16-bit RGBA png image takes 800 MB to decode, more than 268 MB", qr.ErrTooLarge},
		{"16-bit grey within the bound", pngHeaderDepth(12000, 8000, 16, 0, 0), "broken png image", nil}, // 192 MB
		{"interlaced RGBA", pngHeaderDepth(9000, 9000, 8, 6, 1), "8-bit RGBA png image takes 324 MB", qr.ErrTooLarge},
		{"widest", pngHeader(1<<31-1, 1<<31-1), "broken png image: png: unsupported feature: dimension overflow", nil},
		{"truncated", good.Bytes()[:good.Len()/2], "broken png image", nil},
		{"header only", pngHeader(100, 100), "broken png image", nil},
		{"text", []byte("otpauth://totp/A:b?secret=GEZDGNBV"), "not a PNG, JPEG, GIF, BMP or WebP image", qr.ErrFormat},
		{"empty", nil, "not a PNG", qr.ErrFormat},
		{"jpeg header", []byte("\xff\xd8\xff\xdb\x00\x43"), "broken jpeg image", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			texts, err := qr.Decode(bytes.NewReader(tc.data))
			if err == nil {
				t.Fatalf("no error, texts %q", texts)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %v is not %v", err, tc.is)
			}
		})
	}
}

// TestNoCode decodes images without a code: an empty result, no error.
func TestNoCode(t *testing.T) {
	for _, img := range []image.Image{
		image.NewGray(image.Rect(0, 0, 1, 1)),
		image.NewRGBA(image.Rect(0, 0, 640, 480)),
		image.NewGray(image.Rect(10, 10, 10, 10)),
	} {
		if got := qr.DecodeImage(img); len(got) != 0 {
			t.Errorf("found %q in an empty image", got)
		}
	}
}

// FuzzDecode feeds arbitrary files to the decoding entry point: it must
// return texts or an error, never panic or hang.
func FuzzDecode(f *testing.F) {
	defer qr.SetMaxPixels(1 << 20)()
	code, _ := qr.Encode("otpauth://totp/A:b?secret=GEZDGNBV")
	small := image.NewPaletted(image.Rect(0, 0, 200, 200), code.Palette)
	for y := 0; y < 200; y++ {
		copy(small.Pix[y*200:(y+1)*200], code.Pix[y*2*code.Stride:])
	}
	for _, enc := range []func(*bytes.Buffer) error{
		func(b *bytes.Buffer) error { return png.Encode(b, small) },
		func(b *bytes.Buffer) error { return gif.Encode(b, small, nil) },
		func(b *bytes.Buffer) error { return jpeg.Encode(b, small, nil) },
		func(b *bytes.Buffer) error { return bmp.Encode(b, small) },
	} {
		var buf bytes.Buffer
		if err := enc(&buf); err != nil {
			f.Fatal(err)
		}
		f.Add(buf.Bytes())
	}
	f.Add(pngHeader(4000, 4000))
	f.Fuzz(func(t *testing.T, data []byte) {
		texts, err := qr.Decode(bytes.NewReader(data))
		if err != nil && len(texts) != 0 {
			t.Fatal("texts returned with an error")
		}
	})
}

// TestCrowded shows a code beside a grid of finder patterns, which would
// make zxing's detector try every triangle of them: the code is still
// found, and the call returns (a regression here shows as a test timeout).
func TestCrowded(t *testing.T) {
	const text = "otpauth://totp/Crowd:a?secret=GEZDGNBVGY3TQOJQ"
	code, err := qr.Encode(text)
	if err != nil {
		t.Fatal(err)
	}
	// The code at half size, so that it fits in a quarter of the image,
	// where a crowded image is searched.
	cb := image.Rect(0, 0, code.Bounds().Dx()/2, code.Bounds().Dy()/2)
	for _, n := range []int{5, 7, 9, 30} {
		side := max(n*24+20, 3*cb.Dy())
		img := image.NewGray(image.Rect(0, 0, side+cb.Dx()+40, side))
		for i := range img.Pix {
			img.Pix[i] = 255
		}
		for gy := 0; gy < n; gy++ {
			for gx := 0; gx < n; gx++ {
				// A finder pattern of 2-pixel modules: 7x7 with a light ring.
				ox, oy := 10+gx*24, 10+gy*24
				for y := 0; y < 14; y++ {
					for x := 0; x < 14; x++ {
						if max(abs(x/2-3), abs(y/2-3)) != 2 {
							img.Pix[(oy+y)*img.Stride+ox+x] = 0
						}
					}
				}
			}
		}
		for y := 0; y < cb.Dy(); y++ {
			for x := 0; x < cb.Dx(); x++ {
				if code.ColorIndexAt(2*x, 2*y) == 1 {
					img.Pix[(20+y)*img.Stride+side+20+x] = 0
				}
			}
		}
		if got := qr.DecodeImage(img); !slices.Equal(got, []string{text}) {
			t.Errorf("%d finder patterns: found %q", n*n, got)
		}
	}
}

func abs(a int) int {
	if a < 0 {
		return -a
	}
	return a
}

// FuzzDecodeMemory feeds arbitrary files, 16-bit and interlaced PNGs among
// the seeds, to Decode under a lowered bound (64 K pixels, 256 KiB of
// pixels) and checks what each call allocates in all: a hostile header
// must not make the decoder allocate more than the bound allows for, bit
// depth and channels included.
func FuzzDecodeMemory(f *testing.F) {
	defer qr.SetMaxPixels(1 << 16)()
	code, _ := qr.Encode("otpauth://totp/A:b?secret=GEZDGNBV")
	deep := image.NewNRGBA64(image.Rect(0, 0, 200, 200))
	for y := 0; y < 200; y++ {
		for x := 0; x < 200; x++ {
			deep.Set(x, y, code.At(x*2, y*2))
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, deep); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	for _, h := range [][]byte{pngHeaderDepth(256, 256, 16, 6, 0), pngHeaderDepth(255, 257, 16, 6, 1),
		pngHeaderDepth(400, 400, 16, 0, 0), pngHeaderDepth(128, 512, 8, 6, 1), pngHeader(1<<16, 1)} {
		f.Add(h)
	}
	const limit = 48 << 20 // the pixels' 256 KiB, many times over for QR detection
	f.Fuzz(func(t *testing.T, data []byte) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		qr.Decode(bytes.NewReader(data))
		runtime.ReadMemStats(&after)
		if n := after.TotalAlloc - before.TotalAlloc; n > limit {
			t.Fatalf("decoding %d bytes allocated %d MB", len(data), n>>20)
		}
	})
}
