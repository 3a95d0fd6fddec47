package qr

import (
	"image"
	"image/color"
)

// luma is an 8-bit luminance plane, 0 black to 255 white, row-major with no
// padding. Decoding never writes to a plane, which may be an image's own
// pixels.
type luma struct {
	pix    []byte
	w, h   int
	x0, y0 int // where the plane's origin lies in the plane it was cut from
}

// crop returns the part of l inside r, copied.
func (l luma) crop(r image.Rectangle) luma {
	r = r.Intersect(image.Rect(0, 0, l.w, l.h))
	c := luma{pix: make([]byte, r.Dx()*r.Dy()), w: r.Dx(), h: r.Dy(), x0: r.Min.X, y0: r.Min.Y}
	for y := 0; y < c.h; y++ {
		copy(c.pix[y*c.w:(y+1)*c.w], l.pix[(r.Min.Y+y)*l.w+r.Min.X:])
	}
	return c
}

// upscale2 returns l scaled up twice with bilinear interpolation.
func (l luma) upscale2() luma {
	u := luma{pix: make([]byte, 4*l.w*l.h), w: 2 * l.w, h: 2 * l.h}
	at := func(x, y int) int { return int(l.pix[min(y, l.h-1)*l.w+min(x, l.w-1)]) }
	for y := 0; y < l.h; y++ {
		for x := 0; x < l.w; x++ {
			a, b, c, d := at(x, y), at(x+1, y), at(x, y+1), at(x+1, y+1)
			o := 2*y*u.w + 2*x
			u.pix[o] = uint8(a)
			u.pix[o+1] = uint8((a + b + 1) / 2)
			u.pix[o+u.w] = uint8((a + c + 1) / 2)
			u.pix[o+u.w+1] = uint8((a + b + c + d + 2) / 4)
		}
	}
	return u
}

// Rec. 601 weights in 16.16 fixed point, as JPEG's Y channel uses.
const (
	wR = 19595
	wG = 38470
	wB = 7471
)

// toLuma converts img to luminance, reading the pixel buffers of the
// concrete types image decoders return directly: going through
// image.Image.At for every pixel costs several times the whole decoding.
// Transparent pixels count as lying on white. A grey image without
// padding between its rows, as [ReadImage] returns for PNG files, is used
// as it is, not copied: decoding only reads a plane.
func toLuma(img image.Image) luma {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	switch m := img.(type) {
	case *image.Gray:
		if m.Stride == w {
			o := m.PixOffset(b.Min.X, b.Min.Y)
			return luma{pix: m.Pix[o : o+w*h : o+w*h], w: w, h: h}
		}
	case *image.YCbCr:
		if m.YStride == w {
			o := m.YOffset(b.Min.X, b.Min.Y)
			return luma{pix: m.Y[o : o+w*h : o+w*h], w: w, h: h}
		}
	}
	l := luma{pix: make([]byte, w*h), w: w, h: h}
	switch m := img.(type) {
	case *image.YCbCr:
		for y := 0; y < h; y++ {
			o := m.YOffset(b.Min.X, b.Min.Y+y)
			copy(l.pix[y*w:(y+1)*w], m.Y[o:o+w])
		}
	case *image.Gray:
		for y := 0; y < h; y++ {
			o := m.PixOffset(b.Min.X, b.Min.Y+y)
			copy(l.pix[y*w:(y+1)*w], m.Pix[o:o+w])
		}
	case *image.RGBA:
		// Premultiplied: over white, luminance is Y + (255 - A).
		for y := 0; y < h; y++ {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			dst := l.pix[y*w : (y+1)*w]
			for x := range dst {
				p := row[4*x : 4*x+4 : 4*x+4]
				v := (wR*uint32(p[0])+wG*uint32(p[1])+wB*uint32(p[2])+1<<15)>>16 + 255 - uint32(p[3])
				dst[x] = uint8(min(v, 255))
			}
		}
	case *image.NRGBA:
		for y := 0; y < h; y++ {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			dst := l.pix[y*w : (y+1)*w]
			for x := range dst {
				p := row[4*x : 4*x+4 : 4*x+4]
				v := (wR*uint32(p[0]) + wG*uint32(p[1]) + wB*uint32(p[2]) + 1<<15) >> 16
				a := uint32(p[3])
				dst[x] = uint8((v*a + 255*(255-a) + 127) / 255)
			}
		}
	case *image.Paletted:
		var lut [256]uint8
		for i, c := range m.Palette {
			lut[i] = grayOverWhite(c)
		}
		for y := 0; y < h; y++ {
			o := m.PixOffset(b.Min.X, b.Min.Y+y)
			dst := l.pix[y*w : (y+1)*w]
			for x, i := range m.Pix[o : o+w] {
				dst[x] = lut[i]
			}
		}
	default:
		for y := 0; y < h; y++ {
			dst := l.pix[y*w : (y+1)*w]
			for x := range dst {
				dst[x] = grayOverWhite(img.At(b.Min.X+x, b.Min.Y+y))
			}
		}
	}
	return l
}

// grayOverWhite returns the luminance of c composited over white.
func grayOverWhite(c color.Color) uint8 {
	r, g, bl, a := c.RGBA() // premultiplied, 16 bits
	y := (wR*(r>>8) + wG*(g>>8) + wB*(bl>>8) + 1<<15) >> 16
	return uint8(min(y+255-a>>8, 255))
}
