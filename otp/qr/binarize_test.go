package qr

import (
	"bytes"
	"image"
	"testing"

	"github.com/tessera-auth/tessera/otp/qr/internal/corpus"
)

// TestBinarizeReference checks the word-at-a-time binarizer against its
// definition worked out one pixel at a time: dark pixels at or under
// their block's threshold, light pixels those of the negative image at or
// under the negative's, for both rules, on screenshots and photos cut to
// sizes that are not whole blocks.
func TestBinarizeReference(t *testing.T) {
	for _, v := range []string{corpus.Inverted, corpus.LowContrast, corpus.Photo, corpus.Two} {
		s := corpus.Generate(2, v, 0)
		img, err := ReadImage(bytes.NewReader(s.Data))
		if err != nil {
			t.Fatal(err)
		}
		l := toLuma(img)
		for _, r := range []image.Rectangle{image.Rect(0, 0, l.w, l.h), image.Rect(13, 7, 13+301, 7+203)} {
			c := l.crop(r)
			neg := luma{pix: make([]byte, len(c.pix)), w: c.w, h: c.h}
			for i, p := range c.pix {
				neg.pix[i] = 255 - p
			}
			for _, bz := range []binarizer{zxingRule, lowContrastRule} {
				dark, light := bz.binarize(c)
				wantDark, wantLight := bz.reference(c), bz.reference(neg)
				for y := 0; y < c.h; y++ {
					for x := 0; x < c.w; x++ {
						if dark.Get(x, y) != wantDark[y*c.w+x] || light.Get(x, y) != wantLight[y*c.w+x] {
							t.Fatalf("%s %v %+v: pixel (%d, %d) differs from the reference", v, r, bz, x, y)
						}
					}
				}
			}
		}
	}
}

// reference returns l's dark pixels as the binarizer defines them, a pixel
// and a block at a time: where blocks overlap at the right and bottom
// edges, a pixel dark by either block's threshold is dark.
func (bz binarizer) reference(l luma) []bool {
	subW, subH := (l.w+blockSize-1)/blockSize, (l.h+blockSize-1)/blockSize
	origin := func(b, n int) int { return min(b*blockSize, n-blockSize) }
	bp := make([]int, subW*subH)
	for by := 0; by < subH; by++ {
		for bx := 0; bx < subW; bx++ {
			sum, lo, hi := 0, 255, 0
			for y := origin(by, l.h); y < origin(by, l.h)+blockSize; y++ {
				for x := origin(bx, l.w); x < origin(bx, l.w)+blockSize; x++ {
					p := int(l.pix[y*l.w+x])
					sum, lo, hi = sum+p, min(lo, p), max(hi, p)
				}
			}
			bp[by*subW+bx] = bz.blackPoint(bp, subW, by, bx, sum, lo, hi)
		}
	}
	out := make([]bool, l.w*l.h)
	for by := 0; by < subH; by++ {
		for bx := 0; bx < subW; bx++ {
			top, left := min(max(by, 2), subH-3), min(max(bx, 2), subW-3)
			sum := 0
			for z := top - 2; z <= top+2; z++ {
				for k := left - 2; k <= left+2; k++ {
					sum += bp[z*subW+k]
				}
			}
			for y := origin(by, l.h); y < origin(by, l.h)+blockSize; y++ {
				for x := origin(bx, l.w); x < origin(bx, l.w)+blockSize; x++ {
					if int(l.pix[y*l.w+x]) <= sum/25 {
						out[y*l.w+x] = true
					}
				}
			}
		}
	}
	return out
}
