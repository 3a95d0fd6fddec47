package qr

import (
	"bufio"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"io"
)

// decodePNGGray reads the common kinds of PNG file, 8 bits a sample without
// interlacing, straight into luminance composited over white: the only
// thing QR decoding needs. It skips image/png's conversion of every pixel to
// RGBA, which costs more than inflating and unfiltering together.
// [fastPNG] tells which files it reads; image/png reads the others.
//
// The caller has checked the header's size against maxPixels.
func decodePNGGray(r io.Reader) (*image.Gray, error) {
	br := bufio.NewReader(r)
	var sig [8]byte
	if _, err := io.ReadFull(br, sig[:]); err != nil || string(sig[:]) != pngSignature {
		return nil, errors.New("not a PNG file")
	}
	p := &pngReader{r: br}
	for {
		length, typ, err := p.chunkHeader()
		if err != nil {
			return nil, err
		}
		switch typ {
		case "IHDR":
			if err := p.header(length); err != nil {
				return nil, err
			}
		case "PLTE", "tRNS":
			if p.w == 0 {
				return nil, fmt.Errorf("%s chunk before IHDR", typ)
			}
			b := make([]byte, length)
			if _, err := io.ReadFull(br, b); err != nil {
				return nil, err
			}
			if typ == "PLTE" {
				p.plte = b
			} else {
				p.trns = b
			}
			if _, err := br.Discard(4); err != nil { // CRC
				return nil, err
			}
		case "IDAT":
			if p.w == 0 {
				return nil, errors.New("IDAT chunk before IHDR")
			}
			p.idatLeft = length
			return p.pixels()
		case "IEND":
			return nil, errors.New("no IDAT chunk")
		default:
			if _, err := br.Discard(int(length) + 4); err != nil {
				return nil, err
			}
		}
	}
}

const pngSignature = "\x89PNG\r\n\x1a\n"

var errUnsupportedPNG = errors.New("PNG kind left to image/png")

// fastPNG reports whether decodePNGGray reads the PNG file that starts
// with head: 8 bits a sample, not interlaced.
func fastPNG(head []byte) bool {
	if len(head) < 29 || string(head[:8]) != pngSignature || string(head[12:16]) != "IHDR" {
		return false
	}
	depth, ctype, interlace := head[24], head[25], head[28]
	return depth == 8 && interlace == 0 && (ctype == pngGray || ctype == pngRGB || ctype == pngPalette || ctype == pngGrayAlpha || ctype == pngRGBA)
}

// PNG colour types.
const (
	pngGray      = 0
	pngRGB       = 2
	pngPalette   = 3
	pngGrayAlpha = 4
	pngRGBA      = 6
)

type pngReader struct {
	r        *bufio.Reader
	w, h     int
	ctype    byte
	bpp      int // bytes a pixel
	plte     []byte
	trns     []byte
	idatLeft uint32 // bytes of the current IDAT chunk not yet read
}

func (p *pngReader) chunkHeader() (uint32, string, error) {
	var b [8]byte
	if _, err := io.ReadFull(p.r, b[:]); err != nil {
		return 0, "", err
	}
	n := binary.BigEndian.Uint32(b[:4])
	if n > 1<<31-1 {
		return 0, "", errors.New("chunk length out of range")
	}
	return n, string(b[4:]), nil
}

func (p *pngReader) header(length uint32) error {
	if length != 13 {
		return errors.New("IHDR chunk of the wrong length")
	}
	var b [13 + 4]byte
	if _, err := io.ReadFull(p.r, b[:]); err != nil {
		return err
	}
	w, h := binary.BigEndian.Uint32(b[0:4]), binary.BigEndian.Uint32(b[4:8])
	depth, ctype, interlace := b[8], b[9], b[12]
	if depth != 8 || interlace != 0 {
		return errUnsupportedPNG
	}
	switch ctype {
	case pngGray:
		p.bpp = 1
	case pngRGB:
		p.bpp = 3
	case pngPalette:
		p.bpp = 1
	case pngGrayAlpha:
		p.bpp = 2
	case pngRGBA:
		p.bpp = 4
	default:
		return errUnsupportedPNG
	}
	if w == 0 || h == 0 || int64(w)*int64(h) > maxPixels {
		return errUnsupportedPNG // image/png gives the error
	}
	p.w, p.h, p.ctype = int(w), int(h), ctype
	return nil
}

// Read returns the bytes of consecutive IDAT chunks, skipping their CRCs.
func (p *pngReader) Read(b []byte) (int, error) {
	for p.idatLeft == 0 {
		if _, err := p.r.Discard(4); err != nil {
			return 0, err
		}
		n, typ, err := p.chunkHeader()
		if err != nil {
			return 0, err
		}
		if typ != "IDAT" {
			return 0, io.ErrUnexpectedEOF
		}
		p.idatLeft = n
	}
	if uint32(len(b)) > p.idatLeft {
		b = b[:p.idatLeft]
	}
	n, err := p.r.Read(b)
	p.idatLeft -= uint32(n)
	return n, err
}

// pixels inflates the image data ([inflateAhead]), and unfilters and
// converts it to luminance row by row.
func (p *pngReader) pixels() (*image.Gray, error) {
	var lut [256]uint8 // palette index -> luminance over white
	if p.ctype == pngPalette {
		if len(p.plte) == 0 || len(p.plte)%3 != 0 {
			return nil, errors.New("palette missing or of a wrong length")
		}
		for i := 0; i < len(p.plte)/3; i++ {
			c := p.plte[3*i : 3*i+3]
			a := uint32(255)
			if i < len(p.trns) {
				a = uint32(p.trns[i])
			}
			lut[i] = overWhite(rgbLuma(c[0], c[1], c[2]), a)
		}
	}
	// A transparent colour key on a grey or RGB image (rare) is ignored:
	// its pixels keep their colour.
	// The zlib wrapper: a two-byte header, then a deflate stream. Its
	// Adler-32 checksum is not checked (a damaged image only fails to show
	// a code), which saves an eighth of the time.
	var zh [2]byte
	if _, err := io.ReadFull(p, zh[:]); err != nil {
		return nil, err
	}
	if zh[0]&0x0f != 8 || (uint16(zh[0])<<8|uint16(zh[1]))%31 != 0 || zh[1]&0x20 != 0 {
		return nil, errors.New("image data is not a zlib stream")
	}
	rowLen := p.w*p.bpp + 1 // a filter byte, then the pixels
	quit := make(chan struct{})
	batches, free := inflateAhead(flate.NewReader(p), rowLen, p.h, quit)
	defer func() {
		// Wait for the inflating goroutine to stop: it reads from the
		// caller's reader, which is the caller's again once this returns.
		close(quit)
		for range batches {
		}
	}()
	img := image.NewGray(image.Rect(0, 0, p.w, p.h))
	kept := make([]byte, rowLen) // the row above the first is zero
	prev, y := kept, 0
	for b := range batches {
		if b.err != nil {
			return nil, b.err
		}
		for rows := b.rows; len(rows) > 0; rows = rows[rowLen:] {
			cur := rows[:rowLen]
			if err := unfilter(cur[0], cur[1:], prev[1:], p.bpp); err != nil {
				return nil, fmt.Errorf("row %d: %w", y, err)
			}
			dst := img.Pix[y*img.Stride : y*img.Stride+p.w]
			if y == 0 {
				p.toLuma(dst, cur[1:], &lut)
			} else {
				p.rowLuma(dst, img.Pix[(y-1)*img.Stride:], cur[1:], prev[1:], &lut)
			}
			prev, y = cur, y+1
		}
		// The batch goes back to be refilled: keep its last row.
		prev = kept[:copy(kept, prev)]
		free <- b.rows[:cap(b.rows)]
	}
	return img, nil
}

// rowLuma converts row, of unfiltered samples, to luminance over white in
// dst, given the row above and its luminance. Most of a screenshot repeats
// the row above (93% of the benchmark corpus's pixels): there the
// luminance is copied from the row above instead of computed, which takes
// converting from 1.1 ns a pixel to 0.5.
func (p *pngReader) rowLuma(dst, dstAbove, row, above []byte, lut *[256]uint8) {
	bpp := p.bpp
	for x := 0; x < len(dst); {
		// Pixels repeating the row above, a chunk at a time: bytes.Equal
		// compares many bytes an instruction.
		same := x
		for x < len(dst) {
			end := min(x+lumaChunk, len(dst))
			if !bytes.Equal(row[x*bpp:end*bpp], above[x*bpp:end*bpp]) {
				break
			}
			x = end
		}
		copy(dst[same:x], dstAbove[same:x])
		if x < len(dst) {
			end := min(x+lumaChunk, len(dst))
			p.toLuma(dst[x:end], row[x*bpp:end*bpp], lut)
			x = end
		}
	}
}

// lumaChunk is how many pixels rowLuma compares with the row above at once.
const lumaChunk = 32

// toLuma converts a row of unfiltered samples to luminance over white.
func (p *pngReader) toLuma(dst, row []byte, lut *[256]uint8) {
	switch p.ctype {
	case pngGray:
		copy(dst, row)
	case pngPalette:
		for x, i := range row {
			dst[x] = lut[i]
		}
	case pngGrayAlpha:
		for x := range dst {
			dst[x] = overWhite(uint32(row[2*x]), uint32(row[2*x+1]))
		}
	case pngRGB:
		for x := range dst {
			c := row[3*x : 3*x+3 : 3*x+3]
			dst[x] = uint8(rgbLuma(c[0], c[1], c[2]))
		}
	case pngRGBA:
		for x := range dst {
			c := row[4*x : 4*x+4 : 4*x+4]
			dst[x] = overWhite(rgbLuma(c[0], c[1], c[2]), uint32(c[3]))
		}
	}
}

// Inflating takes half as long as unfiltering and converting the rows it
// yields, so it runs on its own goroutine, a few batches of rows ahead:
// reading the corpus's PNG files then takes 30% less time on two cores,
// for 10% more processor time. Smaller batches cost more in hand-overs
// (64 KiB ones took 35% more processor time), larger ones gain nothing.
const (
	batchBytes   = 256 << 10 // rows a batch holds, at least one
	batchesAhead = 3         // batches in flight
)

// rowBatch is some consecutive rows of inflated image data, or the error
// that ended it.
type rowBatch struct {
	rows []byte
	err  error
}

// inflateAhead reads n rows of rowLen bytes from zr, then checks that the
// stream ends there, on a new goroutine. It sends the rows in batches, and
// last an error if any, on the first channel it returns, which it closes
// when done; the caller hands each batch back on the second once done with
// it, and closes quit when it stops reading early.
func inflateAhead(zr io.Reader, rowLen, n int, quit <-chan struct{}) (<-chan rowBatch, chan<- []byte) {
	per := min(max(1, batchBytes/rowLen), n)
	// One more than the batches in flight, for the final error: sending
	// never blocks.
	full := make(chan rowBatch, batchesAhead+1)
	free := make(chan []byte, batchesAhead)
	for range batchesAhead {
		free <- make([]byte, per*rowLen)
	}
	go func() {
		defer close(full)
		for y := 0; y < n; y += per {
			var buf []byte
			select {
			case buf = <-free:
			case <-quit:
				return
			}
			buf = buf[:min(per, n-y)*rowLen]
			if _, err := io.ReadFull(zr, buf); err != nil {
				full <- rowBatch{err: fmt.Errorf("image data: %w", err)}
				return
			}
			full <- rowBatch{rows: buf}
		}
		// The stream must end here.
		var one [1]byte
		switch _, err := io.ReadFull(zr, one[:]); err {
		case io.EOF:
		case nil:
			full <- rowBatch{err: errors.New("more image data than the image holds")}
		default:
			full <- rowBatch{err: fmt.Errorf("image data: %w", err)}
		}
	}()
	return full, free
}

func rgbLuma(r, g, b uint8) uint32 {
	return (wR*uint32(r) + wG*uint32(g) + wB*uint32(b) + 1<<15) >> 16
}

// overWhite composites luminance v with alpha a over white.
func overWhite(v, a uint32) uint8 {
	return uint8((v*a + 255*(255-a) + 127) / 255)
}

// unfilter undoes a row's PNG filter in place, given the unfiltered row
// above and the bytes a pixel.
//
// Screenshots are mostly flat: in the rows Go's and libpng's encoders
// filter with Sub or Paeth, most bytes hold a zero residual, and for Paeth
// the row above repeats its pixels there too, so both predict the pixel to
// the left. Such stretches ([flatLen]) are filled by copying that pixel,
// which takes the Paeth rows of the benchmark corpus from 2.2 ns a byte to
// 1.2 and its Sub rows from 0.9 to 0.3; only the bytes around them go
// through the predictor.
func unfilter(filter byte, cur, prev []byte, bpp int) error {
	switch filter {
	case 0:
	case 1: // Sub
		for i := bpp; i < len(cur); {
			if n := flatLen(cur, nil, i, bpp); n > 0 {
				repeatPixel(cur[i-bpp:i+n], bpp)
				i += n
			}
			for end := min(i+8, len(cur)); i < end; i++ {
				cur[i] += cur[i-bpp]
			}
		}
	case 2: // Up, eight bytes at a time: add the low seven bits of each
		// byte, then put back each byte's top bit without carrying it on.
		const high = 0x8080808080808080
		i := 0
		for ; i+8 <= len(cur); i += 8 {
			x, y := binary.LittleEndian.Uint64(cur[i:]), binary.LittleEndian.Uint64(prev[i:])
			binary.LittleEndian.PutUint64(cur[i:], ((x&^high)+(y&^high))^((x^y)&high))
		}
		for ; i < len(cur); i++ {
			cur[i] += prev[i]
		}
	case 3: // Average
		for i := 0; i < bpp; i++ {
			cur[i] += prev[i] / 2
		}
		for i := bpp; i < len(cur); i++ {
			cur[i] += uint8((int(cur[i-bpp]) + int(prev[i])) / 2)
		}
	case 4: // Paeth
		for i := 0; i < bpp; i++ {
			cur[i] += prev[i] // the left and upper-left pixels are zero
		}
		for i := bpp; i < len(cur); {
			if n := flatLen(cur, prev, i, bpp); n > 0 {
				repeatPixel(cur[i-bpp:i+n], bpp)
				i += n
			}
			for end := min(i+8, len(cur)); i < end; i++ {
				cur[i] += paeth(cur[i-bpp], prev[i], prev[i-bpp])
			}
		}
	default:
		return fmt.Errorf("unknown filter type %d", filter)
	}
	return nil
}

// flatLen returns how many bytes of cur from i on, in whole words, hold a
// zero residual over which the row above, unless prev is nil, repeats the
// pixel to its left: bytes that Sub (prev nil) and Paeth predict from the
// pixel to their left, unchanged. i is at least bpp.
func flatLen(cur, prev []byte, i, bpp int) int {
	k := i
	for k+8 <= len(cur) && binary.LittleEndian.Uint64(cur[k:]) == 0 &&
		(prev == nil || binary.LittleEndian.Uint64(prev[k:]) == binary.LittleEndian.Uint64(prev[k-bpp:])) {
		k += 8
	}
	return k - i
}

// repeatPixel fills b by repeating its first bpp bytes, doubling the
// stretch copied each time.
func repeatPixel(b []byte, bpp int) {
	for k := bpp; k < len(b); k += copy(b[k:], b[:k]) {
	}
}

// paeth returns PNG's Paeth prediction from the left (a), upper (b) and
// upper-left (c) bytes: whichever is closest to a + b - c.
func paeth(a, b, c uint8) uint8 {
	pa, pb := int(b)-int(c), int(a)-int(c) // |p-a| and |p-b|, signed
	pc := abs(pa + pb)
	pa, pb = abs(pa), abs(pb)
	switch {
	case pa <= pb && pa <= pc:
		return a
	case pb <= pc:
		return b
	}
	return c
}

// abs returns |x| without a branch, which the Paeth predictor's unforeseeable
// signs would mispredict.
func abs(x int) int {
	m := x >> 63
	return (x ^ m) - m
}
