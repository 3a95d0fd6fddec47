package qr

import (
	"encoding/binary"

	"github.com/makiuchi-d/gozxing"
)

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

// binarize returns l's dark pixels and its light pixels, or nils for an
// image too small to hold a code. The light pixels are judged as the dark
// ones of l's negative: there a block without contrast counts as dark
// background, as the margin of a light-on-dark code is, so the thresholds
// around such a code stay between its two levels. (Inverting the dark
// pixels instead would judge that margin as light and pull the thresholds
// around it under the code's dark modules.) Both come from one pass over
// the pixels.
func (bz binarizer) binarize(l luma) (dark, light *gozxing.BitMatrix) {
	w, h := l.w, l.h
	if w < 5*blockSize || h < 5*blockSize {
		return nil, nil
	}
	subW := (w + blockSize - 1) >> blockPower
	subH := (h + blockSize - 1) >> blockPower
	bpDark, bpLight := bz.blackPoints(l, subW, subH)
	dark, err := gozxing.NewBitMatrix(w, h)
	if err != nil {
		return nil, nil
	}
	light, _ = gozxing.NewBitMatrix(w, h)
	// Row scratch, copied into the matrices a row at a time.
	rowDark, rowLight := gozxing.NewBitArray(w), gozxing.NewBitArray(w)
	wd, wl := rowDark.GetBitArray(), rowLight.GetBitArray()
	// Each block's thresholds, the average black point of the 5x5 blocks
	// around it, in every byte: a pixel is dark at or under tDark, light at
	// or over uLight (its negative at or under the negative's threshold);
	// noDark and noLight mark thresholds no level meets.
	tDark, uLight := make([]uint64, subW), make([]uint64, subW)
	noDark, noLight := make([]bool, subW), make([]bool, subW)
	maxY, maxX := h-blockSize, w-blockSize
	for by := 0; by < subH; by++ {
		top := min(max(by, 2), subH-3)
		for bx := 0; bx < subW; bx++ {
			left := min(max(bx, 2), subW-3)
			sd, sl := 0, 0
			for z := top - 2; z <= top+2; z++ {
				o := z*subW + left - 2
				r := bpDark[o : o+5 : o+5]
				sd += r[0] + r[1] + r[2] + r[3] + r[4]
				r = bpLight[o : o+5 : o+5]
				sl += r[0] + r[1] + r[2] + r[3] + r[4]
			}
			t, u := sd/25, 255-sl/25
			tDark[bx], noDark[bx] = uint64(min(max(t, 0), 255))*lanes, t < 0
			uLight[bx], noLight[bx] = uint64(min(max(u, 0), 255))*lanes, u > 255
		}
		yo := min(by<<blockPower, maxY)
		for y := yo; y < yo+blockSize; y++ {
			clear(wd)
			clear(wl)
			line := l.pix[y*w : (y+1)*w]
			for bx := 0; bx < subW; bx++ {
				xo := min(bx<<blockPower, maxX)
				px := binary.LittleEndian.Uint64(line[xo : xo+blockSize])
				var md, ml uint32
				if !noDark[bx] {
					md = highBits(atLeast(tDark[bx], px))
				}
				if !noLight[bx] {
					ml = highBits(atLeast(px, uLight[bx]))
				}
				if xo&(blockSize-1) == 0 {
					wd[xo>>5] |= md << (xo & 31)
					wl[xo>>5] |= ml << (xo & 31)
					continue
				}
				// The last block of a row whose width is not a multiple of
				// the block size overlaps the one before it.
				for i := range blockSize {
					x := xo + i
					wd[x>>5] |= (md >> i & 1) << (x & 31)
					wl[x>>5] |= (ml >> i & 1) << (x & 31)
				}
			}
			dark.SetRow(y, rowDark)
			light.SetRow(y, rowLight)
		}
	}
	return dark, light
}

// lanes has a one in every byte, to repeat a byte across a word.
const lanes = 0x0101010101010101

// atLeast returns, in the high bit of each byte, whether that byte of x is
// at least that byte of y, for all eight bytes at once (SWAR: the high
// bits keep borrows from crossing bytes).
func atLeast(x, y uint64) uint64 {
	const high = 0x80 * lanes
	return (((x | high) - (y &^ high)) | x&^y) & (x | ^y) & high
}

// highBits gathers the high bits of m's bytes into one byte, that of byte i
// (in little-endian order) into bit i.
func highBits(m uint64) uint32 {
	return uint32((m >> 7) * 0x0102040810204080 >> 56)
}

// blackPoints returns every block's black point in l and in l's negative.
func (bz binarizer) blackPoints(l luma, subW, subH int) (dark, light []int) {
	w, h := l.w, l.h
	dark, light = make([]int, subW*subH), make([]int, subW*subH)
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
			i := by*subW + bx
			dark[i] = bz.blackPoint(dark, subW, by, bx, sum, lo, hi)
			light[i] = bz.blackPoint(light, subW, by, bx, blockSize*blockSize*255-sum, 255-hi, 255-lo)
		}
	}
	return dark, light
}

// blackPoint returns the black point of block (bx, by), given the sum,
// lowest and highest levels of its pixels and the black points bp of the
// blocks before it.
func (bz binarizer) blackPoint(bp []int, subW, by, bx, sum, lo, hi int) int {
	avg := sum >> (2 * blockPower)
	if hi-lo > bz.minRange {
		return avg
	}
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
	return avg
}
