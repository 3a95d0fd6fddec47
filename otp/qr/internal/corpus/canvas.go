package corpus

import (
	"image"
	"image/color"
	"image/draw"
	"math"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// canvas is an RGBA page being drawn.
type canvas struct {
	img *image.RGBA
}

func newCanvas(w, h int, bg color.RGBA) *canvas {
	c := &canvas{img: image.NewRGBA(image.Rect(0, 0, w, h))}
	c.fill(c.img.Bounds(), bg)
	return c
}

func (c *canvas) fill(r image.Rectangle, col color.RGBA) {
	draw.Draw(c.img, r, image.NewUniform(col), image.Point{}, draw.Src)
}

func (c *canvas) text(x, y int, s string, col color.RGBA) {
	d := font.Drawer{Dst: c.img, Src: image.NewUniform(col), Face: basicfont.Face7x13, Dot: fixed.P(x, y)}
	d.DrawString(s)
}

// gradient fills r with a diagonal blend from a to b, a picture placeholder.
func (c *canvas) gradient(r image.Rectangle, a, b color.RGBA) {
	r = r.Intersect(c.img.Bounds())
	span := float64(r.Dx() + r.Dy())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			t := float64(x-r.Min.X+y-r.Min.Y) / span
			c.img.SetRGBA(x, y, mix(a, b, t))
		}
	}
}

// blend sets the pixel at (x, y) to light mixed with dark by t (1 = dark).
func (c *canvas) blend(x, y int, light, dark color.RGBA, t float64) {
	if (image.Point{x, y}).In(c.img.Bounds()) {
		c.img.SetRGBA(x, y, mix(light, dark, t))
	}
}

// blendOver draws light mixed with dark by t over what is there, with
// coverage alpha.
func (c *canvas) blendOver(x, y int, light, dark color.RGBA, t, alpha float64) {
	if !(image.Point{x, y}).In(c.img.Bounds()) {
		return
	}
	c.img.SetRGBA(x, y, mix(c.img.RGBAAt(x, y), mix(light, dark, t), alpha))
}

func mix(a, b color.RGBA, t float64) color.RGBA {
	f := func(p, q uint8) uint8 { return uint8(math.Round(float64(p)*(1-t) + float64(q)*t)) }
	return color.RGBA{f(a.R, b.R), f(a.G, b.G), f(a.B, b.B), 255}
}

// blur returns src convolved with a Gaussian of the given sigma, applied as
// two separable passes.
func blur(src *image.RGBA, sigma float64) *image.RGBA {
	rad := int(math.Ceil(sigma * 3))
	k := make([]float64, 2*rad+1)
	var sum float64
	for i := range k {
		d := float64(i - rad)
		k[i] = math.Exp(-d * d / (2 * sigma * sigma))
		sum += k[i]
	}
	for i := range k {
		k[i] /= sum
	}
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	pass := func(dst, s *image.RGBA, dx, dy int) {
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				var acc [3]float64
				for i, kv := range k {
					sx := min(max(x+(i-rad)*dx, 0), w-1)
					sy := min(max(y+(i-rad)*dy, 0), h-1)
					o := s.PixOffset(sx, sy)
					acc[0] += kv * float64(s.Pix[o])
					acc[1] += kv * float64(s.Pix[o+1])
					acc[2] += kv * float64(s.Pix[o+2])
				}
				o := dst.PixOffset(x, y)
				dst.Pix[o], dst.Pix[o+1], dst.Pix[o+2], dst.Pix[o+3] = uint8(acc[0]+0.5), uint8(acc[1]+0.5), uint8(acc[2]+0.5), 255
			}
		}
	}
	tmp := image.NewRGBA(b)
	out := image.NewRGBA(b)
	pass(tmp, src, 1, 0)
	pass(out, tmp, 0, 1)
	return out
}
