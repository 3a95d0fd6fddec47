package qr

import (
	"errors"
	"image"
	"math"
	"slices"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/common"
	multidetector "github.com/makiuchi-d/gozxing/multi/qrcode/detector"
	"github.com/makiuchi-d/gozxing/qrcode/decoder"
	"github.com/makiuchi-d/gozxing/qrcode/detector"
)

// DecodeImage returns the text of every QR code found in img, each text
// once, in the order found. It returns nil when there is none.
func DecodeImage(img image.Image) []string {
	if img.Bounds().Empty() {
		return nil
	}
	return decodeLuma(toLuma(img))
}

// maxCenters bounds the finder-pattern candidates one detection pass
// considers. Real screens show a few codes, three finder patterns each; an
// image tiled with finder patterns would otherwise make detection try every
// triangle of them, which takes minutes.
const maxCenters = 48

// maxUpscalePixels is the largest image scaled up whole when nothing was
// found in it: a 4K screen. Scaling one up costs about as much as all the
// passes before; only images without a readable code pay it.
const maxUpscalePixels = 3840 * 2160

// maxRetries bounds the undecoded codes looked at again, scaled up.
const maxRetries = 4

// maxSplits is how many times a crowded image is split in four to look at
// its parts on their own.
const maxSplits = 2

// errCrowded aborts a detection pass that found more than maxCenters
// candidates.
var errCrowded = errors.New("too many finder-pattern candidates")

// scanner collects the texts found in one image across passes.
type scanner struct {
	texts []string
	seen  map[string]bool
	dec   *decoder.Decoder
	found []spot // where codes were decoded, in image coordinates
	// misses are codes whose finder patterns a pass over the whole image
	// found but whose modules did not decode: a reason to try harder.
	misses []spot
	full   bool // a pass over the whole image is running
}

// spot is a code's place: the centre of its finder patterns and a radius
// that covers them.
type spot struct {
	x, y, r float64
}

func spotOf(pts []gozxing.ResultPoint, f frame) spot {
	var sx, sy float64
	for _, p := range pts[:3] {
		sx += p.GetX()
		sy += p.GetY()
	}
	sp := spot{x: (sx/3 + f.ox) / f.scale, y: (sy/3 + f.oy) / f.scale}
	for _, p := range pts[:3] {
		d := math.Hypot((p.GetX()+f.ox)/f.scale-sp.x, (p.GetY()+f.oy)/f.scale-sp.y)
		sp.r = max(sp.r, d)
	}
	return sp
}

// frame places a luminance plane in the image: a point p of the plane is
// at (p + (ox, oy)) / scale in the image.
type frame struct {
	ox, oy, scale float64
}

func (a spot) near(b spot) bool {
	return math.Hypot(a.x-b.x, a.y-b.y) <= max(a.r, b.r)
}

func decodeLuma(l luma) []string {
	s := &scanner{seen: map[string]bool{}, dec: decoder.NewDecoder()}
	whole := frame{scale: 1}
	s.full = true
	s.scan(l, zxingRule, whole, maxSplits)
	if s.done() {
		return s.texts
	}
	s.scan(l, lowContrastRule, whole, maxSplits)
	s.full = false
	if s.done() {
		return s.texts
	}
	// Codes detected but not read: look again at each, scaled up twice,
	// which helps codes of about 2 pixels a module that were blurred or
	// resampled.
	for i, m := range s.unexplained() {
		if i == maxRetries {
			break
		}
		r := int(2*m.r) + 16
		crop := l.crop(image.Rect(int(m.x)-r, int(m.y)-r, int(m.x)+r, int(m.y)+r))
		if crop.w == 0 {
			continue
		}
		s.scan(crop.upscale2(), zxingRule, frame{ox: 2 * float64(crop.x0), oy: 2 * float64(crop.y0), scale: 2}, 0)
	}
	// Nothing at all: small codes, rotated or blurred, may show their
	// finder patterns only scaled up.
	if len(s.texts) == 0 && l.w*l.h <= maxUpscalePixels {
		s.scan(l.upscale2(), zxingRule, frame{scale: 2}, maxSplits)
	}
	return s.texts
}

// done reports whether the passes so far found a code and explained every
// code a pass over the whole image detected.
func (s *scanner) done() bool {
	return len(s.texts) > 0 && len(s.unexplained()) == 0
}

// unexplained returns the codes a whole-image pass detected but no pass has
// read.
func (s *scanner) unexplained() []spot {
	var out []spot
	for _, m := range s.misses {
		explained := false
		for _, f := range s.found {
			if f.near(m) {
				explained = true
			}
		}
		if !explained {
			out = append(out, m)
		}
	}
	return out
}

// scan binarizes l with bz and decodes the dark-on-light codes and then the
// light-on-dark ones. Coordinates in l are scale times the image's.
func (s *scanner) scan(l luma, bz binarizer, f frame, splits int) {
	dark, light := bz.binarize(l)
	if dark == nil {
		return
	}
	// The finder patterns of the two are searched on two goroutines,
	// which takes a tenth off decoding's time on two cores; what they
	// found is decoded here, in order.
	var lightFound []*common.DetectorResult
	var lightErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		lightFound, lightErr = detectBounded(light)
	}()
	darkFound, darkErr := detectBounded(dark)
	<-done
	crowded := !s.decodeFound(dark, darkFound, darkErr, f)
	crowded = !s.decodeFound(light, lightFound, lightErr, f) || crowded
	if !crowded || splits == 0 {
		return
	}
	// Too many finder-pattern candidates: look at four overlapping
	// quarters on their own.
	w, h := l.w/2, l.h/2
	pw, ph := w/4, h/4
	for _, q := range []image.Point{{0, 0}, {w, 0}, {0, h}, {w, h}} {
		r := image.Rect(q.X-pw, q.Y-ph, q.X+w+pw, q.Y+h+ph)
		c := l.crop(r)
		s.scan(c, bz, frame{ox: f.ox + float64(c.x0), oy: f.oy + float64(c.y0), scale: f.scale}, splits-1)
	}
}

// decodeFound decodes the codes detectBounded found in m, with err. It
// returns false when m held too many finder-pattern candidates to look at
// them all.
func (s *scanner) decodeFound(m *gozxing.BitMatrix, results []*common.DetectorResult, err error, f frame) bool {
	if err == errCrowded {
		return false
	}
	for _, r := range results {
		if len(r.GetPoints()) < 3 {
			continue
		}
		sp := spotOf(r.GetPoints(), f)
		var res *common.DecoderResult
		err := errors.New("no size estimate")
		if r.GetBits() != nil {
			res, err = s.dec.Decode(r.GetBits(), nil)
		}
		if err != nil {
			res, err = s.resample(m, r)
		}
		if err != nil {
			if s.full && !slices.ContainsFunc(s.misses, sp.near) {
				s.misses = append(s.misses, sp)
			}
			continue
		}
		s.found = append(s.found, sp)
		s.add(res.GetText())
	}
	return true
}

func (s *scanner) add(text string) {
	if !s.seen[text] {
		s.seen[text] = true
		s.texts = append(s.texts, text)
	}
}

// detectBounded runs zxing's multi-code detector on m, giving up once it
// has found more than maxCenters finder-pattern candidates. A code whose
// size zxing estimates as no QR code's (a width of 4k+3 modules, which a
// module-size estimate off by a few percent gives) is kept with its finder
// patterns and no bits, for [scanner.resample] to try the sizes around.
func detectBounded(m *gozxing.BitMatrix) (results []*common.DetectorResult, err error) {
	n := 0
	hints := map[gozxing.DecodeHintType]interface{}{
		gozxing.DecodeHintType_TRY_HARDER: true,
	}
	defer func() {
		if r := recover(); r != nil {
			if r != errCrowded {
				panic(r)
			}
			results, err = nil, errCrowded
		}
	}()
	infos, err := multidetector.NewMultiFinderPatternFinder(m, func(gozxing.ResultPoint) {
		if n++; n > maxCenters {
			panic(errCrowded)
		}
	}).FindMulti(hints)
	if err != nil {
		return nil, err
	}
	det := detector.NewDetector(m)
	for _, info := range infos {
		r, err := det.ProcessFinderPatternInfo(info)
		if err != nil {
			r = common.NewDetectorResult(nil, []gozxing.ResultPoint{info.GetBottomLeft(), info.GetTopLeft(), info.GetTopRight()})
		}
		results = append(results, r)
	}
	return results, nil
}

// resample reads a detected code again with other sampling grids: zxing
// estimates the code's size from the distances between its finder patterns
// and bends the grid towards the alignment pattern it finds, and in blurred
// or skewed photos either can be off. The grid is tried with the size one
// version smaller and larger, and without the alignment pattern (the
// fourth corner then completes a parallelogram, exact for a tilt or shear).
func (s *scanner) resample(m *gozxing.BitMatrix, r *common.DetectorResult) (*common.DecoderResult, error) {
	pts := r.GetPoints()
	bl, tl, tr := pts[0], pts[1], pts[2]
	var align []*detector.AlignmentPattern
	if len(pts) > 3 {
		if a, ok := pts[3].(*detector.AlignmentPattern); ok {
			align = append(align, a)
		}
	}
	align = append(align, nil)
	var dim int
	if r.GetBits() != nil {
		dim = r.GetBits().GetWidth()
	} else {
		dim = estimateDimension(bl, tl, tr)
	}
	err := errors.New("no grid decoded")
	for _, d := range []int{dim, dim - 4, dim + 4} {
		if d < 21 || d > 177 {
			continue
		}
		for _, a := range align {
			if d == dim && a != nil && len(align) == 2 && a == align[0] {
				continue // the grid zxing sampled already
			}
			bits, e := detector.Detector_sampleGrid(m, detector.Detector_createTransform(tl, tr, bl, a, d), d)
			if e != nil {
				continue
			}
			res, e := s.dec.Decode(bits, nil)
			if e == nil {
				return res, nil
			}
			err = e
		}
	}
	return nil, err
}

// estimateDimension returns the QR code width (17 + 4 × version modules)
// nearest to what the distances between the finder patterns bl, tl and tr
// and their module sizes give.
func estimateDimension(bl, tl, tr gozxing.ResultPoint) int {
	size := 0.0
	for _, p := range []gozxing.ResultPoint{bl, tl, tr} {
		if fp, ok := p.(*detector.FinderPattern); ok {
			size += fp.GetEstimatedModuleSize() / 3
		}
	}
	if size <= 0 {
		return 0
	}
	d := (gozxing.ResultPoint_Distance(tl, tr)+gozxing.ResultPoint_Distance(tl, bl))/(2*size) + 7
	return 17 + 4*int(math.Round((d-17)/4))
}
