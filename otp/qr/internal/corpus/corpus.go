// Package corpus draws realistic test images holding QR codes: desktop
// screenshots with page furniture and text, and photos of screens, in the
// variants that make codes hard to read. Every image is a pure function of a
// seed, a variant and an index, so a small corpus is a prefix of a large one
// and a failure can be reproduced from its name alone.
//
// The QR codes hold random otpauth (and some otpauth-migration) URIs made
// with the otp package; each [Sample] carries the texts it holds.
package corpus

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode/decoder"
	"github.com/makiuchi-d/gozxing/qrcode/encoder"

	"github.com/tessera-auth/tessera/otp"
)

// Variant names, in the order [Variants] returns them.
const (
	Plain       = "plain"       // 3 to 6 pixels a module, dark on light
	Small       = "small"       // 2 pixels a module in a large screenshot
	Inverted    = "inverted"    // light on dark, as dark-mode pages show it
	Rotated     = "rotated"     // turned 2 to 10 degrees, anti-aliased
	HiDPI       = "hidpi"       // scaled by 1.25 to 1.75 with bilinear filtering
	LowContrast = "lowcontrast" // 28 to 60 grey levels between modules
	Photo       = "photo"       // photo of a screen: tilt, blur, noise, JPEG
	Two         = "two"         // two codes on one page
)

// Variants returns every variant name.
func Variants() []string {
	return []string{Plain, Small, Inverted, Rotated, HiDPI, LowContrast, Photo, Two}
}

// Sample is one generated image file and the texts of the codes in it.
type Sample struct {
	Name    string   // variant-index.ext, unique within a corpus
	Variant string   // one of [Variants]
	Format  string   // "png" or "jpeg"
	Data    []byte   // the encoded file
	Texts   []string // the text of every code drawn, in no particular order
}

// Generate draws sample i of variant v from seed. It panics on an unknown
// variant, a programming mistake.
func Generate(seed uint64, v string, i int) Sample {
	vi := -1
	for k, name := range Variants() {
		if name == v {
			vi = k
		}
	}
	if vi < 0 {
		panic("corpus: unknown variant " + v)
	}
	g := &gen{r: rand.New(rand.NewPCG(seed, uint64(vi)<<32|uint64(i)))}
	s := Sample{Variant: v, Format: "png"}
	var img image.Image
	switch v {
	case Photo:
		img, s.Texts = g.photo()
		s.Format = "jpeg"
	default:
		img, s.Texts = g.screenshot(v)
	}
	var buf bytes.Buffer
	var err error
	if s.Format == "jpeg" {
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 50 + g.r.IntN(36)})
	} else {
		err = (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, img)
	}
	if err != nil {
		panic(err) // encoding to memory does not fail
	}
	s.Data = buf.Bytes()
	ext := s.Format
	if ext == "jpeg" {
		ext = "jpg"
	}
	s.Name = fmt.Sprintf("%s-%03d.%s", v, i, ext)
	return s
}

type gen struct {
	r *rand.Rand
}

var screenSizes = [][2]int{{1366, 768}, {1920, 1080}, {2560, 1440}, {3840, 2160}}

var issuers = []string{"GitHub", "Google", "Example Corp", "AWS", "Dropbox", "GitLab", "Mastodon",
	"Proton", "Bitwarden", "Fastmail", "Cloudflare", "Namecheap", "Stripe", "ACME Bank", "Zoho"}

var words = []string{"account", "security", "two-factor", "authentication", "scan", "the", "code",
	"with", "your", "app", "enter", "six-digit", "verify", "settings", "profile", "recovery",
	"keys", "save", "continue", "cancel", "help", "password", "sign", "in", "device", "trusted",
	"backup", "download", "email", "notifications", "billing", "privacy", "sessions", "tokens"}

// uri returns a random otpauth URI, or now and then a migration URI.
func (g *gen) uri(allowMigration bool) string {
	if allowMigration && g.r.IntN(6) == 0 {
		n := 1 + g.r.IntN(3)
		creds := make([]otp.Credential, n)
		for k := range creds {
			creds[k] = g.cred()
			creds[k].Period = 0
			creds[k].Digits = 6
			if creds[k].Kind == otp.Steam {
				creds[k].Kind = otp.TOTP
			}
		}
		uris, err := otp.FormatMigration(creds, int(g.r.Int32()))
		if err == nil && len(uris) == 1 {
			return uris[0]
		}
	}
	c := g.cred()
	return otp.FormatURI(&c)
}

func (g *gen) cred() otp.Credential {
	c := otp.Credential{
		Kind:    otp.TOTP,
		Digits:  6,
		Period:  30,
		Issuer:  issuers[g.r.IntN(len(issuers))],
		Account: fmt.Sprintf("%s%d@example.com", words[g.r.IntN(len(words))], g.r.IntN(1000)),
		Secret:  make([]byte, 10+g.r.IntN(23)),
	}
	for k := range c.Secret {
		c.Secret[k] = byte(g.r.UintN(256))
	}
	switch g.r.IntN(8) {
	case 0:
		c.Kind = otp.HOTP
		c.Counter = uint64(g.r.IntN(100))
		c.Period = 0
	case 1:
		c.Algorithm = otp.SHA256
		c.Digits = 8
	case 2:
		c.Period = 60
	}
	return c
}

// modules encodes text as a QR module matrix: true is dark.
func (g *gen) modules(text string) [][]bool {
	ec := decoder.ErrorCorrectionLevel_L
	if g.r.IntN(2) == 0 {
		ec = decoder.ErrorCorrectionLevel_M
	}
	code, err := encoder.Encoder_encode(text, ec, map[gozxing.EncodeHintType]interface{}{})
	if err != nil {
		panic(err) // the texts drawn always fit
	}
	m := code.GetMatrix()
	out := make([][]bool, m.GetHeight())
	for y := range out {
		out[y] = make([]bool, m.GetWidth())
		for x := range out[y] {
			out[y][x] = m.Get(x, y) == 1
		}
	}
	return out
}

// theme is a page's palette.
type theme struct {
	bg, panel, bar, text, muted, accent color.RGBA
	qrDark, qrLight                     color.RGBA
}

func (g *gen) grey(lo, hi int) uint8 { return uint8(lo + g.r.IntN(hi-lo+1)) }

func (g *gen) theme(v string) theme {
	rgb := func(l uint8) color.RGBA {
		// A slight tint, as real themes have.
		t := func() uint8 { return uint8(max(0, min(255, int(l)+g.r.IntN(9)-4))) }
		return color.RGBA{t(), t(), t(), 255}
	}
	acc := color.RGBA{uint8(g.r.IntN(200)), uint8(g.r.IntN(200)), uint8(55 + g.r.IntN(200)), 255}
	switch v {
	case Inverted:
		return theme{bg: rgb(g.grey(10, 40)), panel: rgb(g.grey(25, 55)), bar: rgb(g.grey(20, 45)),
			text: rgb(g.grey(200, 240)), muted: rgb(g.grey(120, 160)), accent: acc,
			qrDark: rgb(g.grey(215, 255)), qrLight: rgb(g.grey(15, 50))}
	case LowContrast:
		light := g.grey(200, 250)
		dark := light - uint8(28+g.r.IntN(33))
		return theme{bg: rgb(light - 8), panel: rgb(light), bar: rgb(light - 20),
			text: rgb(dark), muted: rgb(light - 40), accent: acc,
			qrDark: rgb(dark), qrLight: rgb(light)}
	}
	return theme{bg: rgb(g.grey(225, 248)), panel: rgb(g.grey(245, 255)), bar: rgb(g.grey(30, 90)),
		text: rgb(g.grey(10, 60)), muted: rgb(g.grey(100, 150)), accent: acc,
		qrDark: rgb(g.grey(0, 40)), qrLight: rgb(255)}
}

// screenshot draws a desktop page with one code (two for [Two]).
func (g *gen) screenshot(v string) (image.Image, []string) {
	size := screenSizes[g.r.IntN(len(screenSizes))]
	w, h := size[0], size[1]
	th := g.theme(v)
	c := newCanvas(w, h, th.bg)
	g.furniture(c, th)

	n := 1
	if v == Two {
		n = 2
	}
	var texts []string
	var placed []image.Rectangle
	for k := 0; k < n; k++ {
		text := g.uri(v != Small)
		texts = append(texts, text)
		mods := g.modules(text)
		quiet := 2 + g.r.IntN(3)
		var pl placement
		switch v {
		case Small:
			pl = placement{scale: 2}
		case Rotated:
			pl = placement{scale: 2.5 + g.r.Float64()*2, angle: (2 + g.r.Float64()*8) * sign(g)}
		case HiDPI:
			pl = placement{scale: float64(2 + g.r.IntN(2)), resample: 1.25 + 0.25*float64(g.r.IntN(3))}
		default:
			pl = placement{scale: float64(3 + g.r.IntN(4))}
		}
		side := int(math.Ceil(pl.extent(len(mods) + 2*quiet)))
		// A card around the code, placed where it overlaps nothing drawn yet.
		var at image.Point
		for try := 0; ; try++ {
			at = image.Pt(40+g.r.IntN(max(1, w-side-120)), 80+g.r.IntN(max(1, h-side-160)))
			r := image.Rect(at.X-30, at.Y-30, at.X+side+30, at.Y+side+30)
			ok := true
			for _, p := range placed {
				if p.Overlaps(r) {
					ok = false
				}
			}
			if ok || try > 50 {
				placed = append(placed, r)
				c.fill(r, th.panel)
				c.text(r.Min.X+6, r.Max.Y+16, "Scan this code with your authenticator app", th.text)
				break
			}
		}
		pl.origin = [2]float64{float64(at.X), float64(at.Y)}
		g.drawCode(c, mods, quiet, pl, th.qrDark, th.qrLight)
	}
	return c.img, texts
}

func sign(g *gen) float64 {
	if g.r.IntN(2) == 0 {
		return -1
	}
	return 1
}

// furniture draws a top bar, a side bar, text paragraphs, buttons and image
// placeholders, the clutter around a code on a real page.
func (g *gen) furniture(c *canvas, th theme) {
	w, h := c.img.Bounds().Dx(), c.img.Bounds().Dy()
	c.fill(image.Rect(0, 0, w, 48), th.bar)
	for x := 16; x < w-200; x += 90 + g.r.IntN(60) {
		c.text(x, 30, words[g.r.IntN(len(words))], th.panel)
	}
	side := 200 + g.r.IntN(120)
	c.fill(image.Rect(0, 48, side, h), th.panel)
	for y := 80; y < h-20; y += 26 {
		c.text(20, y, words[g.r.IntN(len(words))]+" "+words[g.r.IntN(len(words))], th.muted)
	}
	// Paragraphs of text across the page.
	for y := 90; y < h-30; y += 18 + g.r.IntN(30) {
		x := side + 30 + g.r.IntN(80)
		line := ""
		for len(line)*7 < (w-x-60)*(1+g.r.IntN(3))/3 {
			line += words[g.r.IntN(len(words))] + " "
		}
		c.text(x, y, line, th.text)
	}
	// Buttons, avatars and picture placeholders.
	for k := 0; k < 6+g.r.IntN(10); k++ {
		x, y := side+g.r.IntN(max(1, w-side-200)), 60+g.r.IntN(max(1, h-140))
		switch g.r.IntN(3) {
		case 0:
			r := image.Rect(x, y, x+80+g.r.IntN(80), y+30)
			c.fill(r, th.accent)
			c.text(r.Min.X+10, r.Min.Y+20, words[g.r.IntN(len(words))], th.panel)
		case 1:
			c.gradient(image.Rect(x, y, x+60+g.r.IntN(200), y+40+g.r.IntN(140)), th.accent, th.muted)
		default:
			s := 20 + g.r.IntN(30)
			c.fill(image.Rect(x, y, x+s, y+s), th.muted)
			c.fill(image.Rect(x+s/4, y+s/4, x+s*3/4, y+s*3/4), th.panel)
		}
	}
}

// photo draws a photo of a screen showing one code: a tilted, sheared code,
// uneven lighting, blur and sensor noise. JPEG compression happens in
// [Generate].
func (g *gen) photo() (image.Image, []string) {
	w, h := 1280, 960
	if g.r.IntN(2) == 0 {
		w, h = 1600, 1200
	}
	th := g.theme(Plain)
	c := newCanvas(w, h, th.bg)
	g.furniture(c, th)
	text := g.uri(true)
	mods := g.modules(text)
	quiet := 3
	pl := placement{scale: 4 + g.r.Float64()*4, angle: g.r.Float64()*30 - 15, shear: g.r.Float64()*0.16 - 0.08}
	side := pl.extent(len(mods) + 2*quiet)
	at := [2]float64{side*0.3 + g.r.Float64()*(float64(w)-side*1.6), side*0.3 + g.r.Float64()*(float64(h)-side*1.6)}
	c.fill(image.Rect(int(at[0]-side*0.3), int(at[1]-side*0.3), int(at[0]+side*1.3), int(at[1]+side*1.3)), th.panel)
	pl.origin = at
	g.drawCode(c, mods, quiet, pl, th.qrDark, th.qrLight)

	out := blur(c.img, 0.7+g.r.Float64()*1.1)
	// Lighting falls off across the frame; the sensor adds noise.
	gx, gy := g.r.Float64()*0.5-0.25, g.r.Float64()*0.5-0.25
	noise := 3 + g.r.Float64()*6
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			f := 0.85 + gx*float64(x)/float64(w) + gy*float64(y)/float64(h)
			o := out.PixOffset(x, y)
			for ch := 0; ch < 3; ch++ {
				v := float64(out.Pix[o+ch])*f + g.r.NormFloat64()*noise
				out.Pix[o+ch] = uint8(max(0, min(255, v)))
			}
		}
	}
	return out, []string{text}
}

// placement maps module coordinates onto the page: origin is where the
// top-left corner of the quiet zone lands, scale the pixels a module, angle
// a rotation in degrees, shear a horizontal skew. With resample set, the
// code is first drawn crisp at scale and then scaled by resample with
// bilinear filtering, as a browser does on a HiDPI screen.
type placement struct {
	origin   [2]float64
	scale    float64
	angle    float64
	shear    float64
	resample float64
}

// extent returns the side in pixels of the bounding box of n modules.
func (p placement) extent(n int) float64 {
	s := p.scale * float64(n)
	if p.resample > 0 {
		s *= p.resample
	}
	a := p.angle * math.Pi / 180
	return s * (math.Abs(math.Cos(a)) + math.Abs(math.Sin(a)) + math.Abs(p.shear))
}

// drawCode renders the code's modules with a quiet zone in colours dark
// and light.
func (g *gen) drawCode(c *canvas, mods [][]bool, quiet int, p placement, dark, light color.RGBA) {
	n := len(mods)
	total := n + 2*quiet
	isDark := func(u, v float64) bool {
		x, y := int(math.Floor(u))-quiet, int(math.Floor(v))-quiet
		return x >= 0 && y >= 0 && x < n && y < n && mods[y][x]
	}
	side := int(math.Ceil(p.extent(total))) + 2
	ox, oy := int(p.origin[0]), int(p.origin[1])
	if p.resample > 0 {
		// Crisp source pixels, then bilinear scaling to the screen.
		k := int(p.scale)
		src := func(sx, sy int) float64 {
			if sx < 0 || sy < 0 || sx >= total*k || sy >= total*k {
				return -1
			}
			if isDark(float64(sx/k), float64(sy/k)) {
				return 1
			}
			return 0
		}
		for y := 0; y < side; y++ {
			for x := 0; x < side; x++ {
				fx, fy := (float64(x)+0.5)/p.resample-0.5, (float64(y)+0.5)/p.resample-0.5
				x0, y0 := int(math.Floor(fx)), int(math.Floor(fy))
				ax, ay := fx-float64(x0), fy-float64(y0)
				var cov, wsum float64
				for _, q := range [4][3]float64{{0, 0, (1 - ax) * (1 - ay)}, {1, 0, ax * (1 - ay)}, {0, 1, (1 - ax) * ay}, {1, 1, ax * ay}} {
					v := src(x0+int(q[0]), y0+int(q[1]))
					if v >= 0 {
						cov += v * q[2]
						wsum += q[2]
					}
				}
				if wsum > 0.5 {
					c.blend(ox+x, oy+y, light, dark, cov/wsum)
				}
			}
		}
		return
	}
	// Inverse of: pixel = origin + R(angle) * Shear * (u, v) * scale.
	a := p.angle * math.Pi / 180
	cos, sin := math.Cos(a), math.Sin(a)
	// Forward matrix M = R * [[1, shear], [0, 1]] * scale.
	m00, m01 := cos*p.scale, (cos*p.shear-sin)*p.scale
	m10, m11 := sin*p.scale, (sin*p.shear+cos)*p.scale
	det := m00*m11 - m01*m10
	i00, i01, i10, i11 := m11/det, -m01/det, -m10/det, m00/det
	// The box of the transformed square.
	corners := [4][2]float64{{0, 0}, {float64(total), 0}, {0, float64(total)}, {float64(total), float64(total)}}
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, q := range corners {
		x, y := m00*q[0]+m01*q[1], m10*q[0]+m11*q[1]
		minX, minY, maxX, maxY = math.Min(minX, x), math.Min(minY, y), math.Max(maxX, x), math.Max(maxY, y)
	}
	const ss = 4 // supersampling per axis
	// Shift so the box's corner lands on the origin.
	ox -= int(math.Floor(minX))
	oy -= int(math.Floor(minY))
	for py := int(math.Floor(minY)); py <= int(math.Ceil(maxY)); py++ {
		for px := int(math.Floor(minX)); px <= int(math.Ceil(maxX)); px++ {
			var inside, darkN int
			for sy := 0; sy < ss; sy++ {
				for sx := 0; sx < ss; sx++ {
					x := float64(px) + (float64(sx)+0.5)/ss
					y := float64(py) + (float64(sy)+0.5)/ss
					u, v := i00*x+i01*y, i10*x+i11*y
					if u < 0 || v < 0 || u >= float64(total) || v >= float64(total) {
						continue
					}
					inside++
					if isDark(u, v) {
						darkN++
					}
				}
			}
			if inside == 0 {
				continue
			}
			// Pixels on the quiet zone's edge mix with the page behind.
			c.blendOver(ox+px, oy+py, light, dark, float64(darkN)/float64(inside), float64(inside)/ss/ss)
		}
	}
}
