package qr

import "github.com/makiuchi-d/gozxing"

// Block binarization after zxing's HybridBinarizer: each 8x8 block gets a
// black point, and each pixel is compared with the average black point of
// the 5x5 blocks around its own. This version reads the luminance plane
// directly and lets the caller choose how blocks without contrast are
// judged.
const (
	blockPower = 3
	blockSize  = 1 << blockPower
)

// binarizer chooses how [binarize] treats blocks whose luminance varies by
// no more than minRange.
type binarizer struct {
	minRange int
	// lowContrast judges a flat block as light with a black point just
	// under its own level, instead of zxing's half its level. On washed-out
	// pages, where dark modules are barely darker than light ones, zxing's
	// rule drags the averaged threshold under the dark modules.
	lowContrast bool
}

var (
	zxingRule       = binarizer{minRange: 24}
	lowContrastRule = binarizer{minRange: 10, lowContrast: true}
)

// binarize returns l's black pixels, or nil for an image too small to hold
// a code.
func (bz binarizer) binarize(l luma) *gozxing.BitMatrix {
	w, h := l.w, l.h
	if w < 5*blockSize || h < 5*blockSize {
		return nil
	}
	subW := (w + blockSize - 1) >> blockPower
	subH := (h + blockSize - 1) >> blockPower
	bp := bz.blackPoints(l, subW, subH)
	m, err := gozxing.NewBitMatrix(w, h)
	if err != nil {
		return nil
	}
	maxY, maxX := h-blockSize, w-blockSize
	for by := 0; by < subH; by++ {
		yo := min(by<<blockPower, maxY)
		top := min(max(by, 2), subH-3)
		for bx := 0; bx < subW; bx++ {
			xo := min(bx<<blockPower, maxX)
			left := min(max(bx, 2), subW-3)
			sum := 0
			for z := top - 2; z <= top+2; z++ {
				r := bp[z*subW+left-2 : z*subW+left+3 : z*subW+left+3]
				sum += r[0] + r[1] + r[2] + r[3] + r[4]
			}
			t := sum / 25
			for y := yo; y < yo+blockSize; y++ {
				row := l.pix[y*w+xo : y*w+xo+blockSize : y*w+xo+blockSize]
				for x, v := range row {
					if int(v) <= t {
						m.Set(xo+x, y)
					}
				}
			}
		}
	}
	return m
}

func (bz binarizer) blackPoints(l luma, subW, subH int) []int {
	w, h := l.w, l.h
	bp := make([]int, subW*subH)
	maxY, maxX := h-blockSize, w-blockSize
	for by := 0; by < subH; by++ {
		yo := min(by<<blockPower, maxY)
		for bx := 0; bx < subW; bx++ {
			xo := min(bx<<blockPower, maxX)
			sum, lo, hi := 0, 255, 0
			for y := yo; y < yo+blockSize; y++ {
				row := l.pix[y*w+xo : y*w+xo+blockSize : y*w+xo+blockSize]
				for _, v := range row {
					p := int(v)
					sum += p
					lo = min(lo, p)
					hi = max(hi, p)
				}
			}
			avg := sum >> (2 * blockPower)
			if hi-lo <= bz.minRange {
				if bz.lowContrast {
					avg = lo - bz.minRange
				} else {
					avg = lo / 2
				}
				if by > 0 && bx > 0 {
					n := (bp[(by-1)*subW+bx] + 2*bp[by*subW+bx-1] + bp[(by-1)*subW+bx-1]) / 4
					if lo < n {
						avg = n
					}
				}
			}
			bp[by*subW+bx] = avg
		}
	}
	return bp
}
