package assets_test

import (
	"bytes"
	"flag"
	"image"
	"image/png"
	"os"
	"testing"

	"github.com/fyne-io/oksvg"
	"github.com/srwiley/rasterx"

	"github.com/tessera-auth/tessera/assets"
)

var update = flag.Bool("update", false, "rewrite icon.png from icon.svg")

// iconSize is the width and height of icon.png in pixels.
const iconSize = 512

// render draws svg into a size×size RGBA image with the same rasterizer Fyne
// uses for SVG resources.
func render(t *testing.T, svg []byte, size int) *image.NRGBA {
	t.Helper()
	icon, err := oksvg.ReadIconStream(bytes.NewReader(svg))
	if err != nil {
		t.Fatalf("parse icon.svg: %v", err)
	}
	icon.SetTarget(0, 0, float64(size), float64(size))
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	scanner := rasterx.NewScannerGV(size, size, img, img.Bounds())
	icon.Draw(rasterx.NewDasher(size, size, scanner), 1)
	return img
}

// TestIconPNG checks that icon.png is icon.svg rendered at 512×512, so the
// two never drift apart. With -update it rewrites icon.png instead.
func TestIconPNG(t *testing.T) {
	want := render(t, assets.IconSVG, iconSize)
	if *update {
		var buf bytes.Buffer
		enc := png.Encoder{CompressionLevel: png.BestCompression}
		if err := enc.Encode(&buf, want); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile("icon.png", buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Log("wrote icon.png")
		return
	}

	got, err := png.Decode(bytes.NewReader(assets.IconPNG))
	if err != nil {
		t.Fatalf("decode icon.png: %v", err)
	}
	if b := got.Bounds(); b.Dx() != iconSize || b.Dy() != iconSize {
		t.Fatalf("icon.png is %dx%d, want %dx%d", b.Dx(), b.Dy(), iconSize, iconSize)
	}
	// Floating-point rounding may differ by a step or two between CPUs
	// (fused multiply-add), so allow that much per channel, nothing more.
	const tolerance = 3
	bad := 0
	for y := range iconSize {
		for x := range iconSize {
			gr, gg, gb, ga := got.At(x, y).RGBA()
			wr, wg, wb, wa := want.At(x, y).RGBA()
			for _, d := range []int{diff(gr, wr), diff(gg, wg), diff(gb, wb), diff(ga, wa)} {
				if d > tolerance {
					if bad < 5 {
						t.Errorf("pixel (%d,%d): icon.png %v, icon.svg renders %v", x, y, got.At(x, y), want.At(x, y))
					}
					bad++
					break
				}
			}
		}
	}
	if bad > 0 {
		t.Fatalf("%d pixels of icon.png differ from icon.svg; run: go test ./assets -run '^TestIconPNG$' -update", bad)
	}
}

// diff is the absolute difference of two 16-bit colour channels, in 8-bit
// steps.
func diff(a, b uint32) int {
	d := int(a>>8) - int(b>>8)
	if d < 0 {
		return -d
	}
	return d
}

// TestIconPNGOpaqueCentre checks that the icon is drawn where it should be:
// its centre tile is opaque and its corners, outside the rounded ground,
// transparent.
func TestIconPNGOpaqueCentre(t *testing.T) {
	img, err := png.Decode(bytes.NewReader(assets.IconPNG))
	if err != nil {
		t.Fatalf("decode icon.png: %v", err)
	}
	if _, _, _, a := img.At(iconSize/2, iconSize/2+60).RGBA(); a != 0xffff {
		t.Errorf("centre of icon.png has alpha %#x, want opaque", a)
	}
	for _, p := range []image.Point{{0, 0}, {iconSize - 1, 0}, {0, iconSize - 1}, {iconSize - 1, iconSize - 1}} {
		if _, _, _, a := img.At(p.X, p.Y).RGBA(); a != 0 {
			t.Errorf("corner %v of icon.png has alpha %#x, want transparent", p, a)
		}
	}
}
