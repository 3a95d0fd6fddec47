package gui

import (
	"image"
	"image/color"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// darkestIn returns the lowest luminance (0-255) of the pixels of img in r.
func darkestIn(img image.Image, r image.Rectangle) int {
	low := 255
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			c := color.GrayModel.Convert(img.At(x, y)).(color.Gray)
			low = min(low, int(c.Y))
		}
	}
	return low
}

// A theme switch in Settings reaches the screens not on show: the list's
// pencils were white on light, its dropdown arrows gone, the toast grey on
// dark.
func TestThemeSwitchReachesEveryScreen(t *testing.T) {
	h := newHarness(t, "")
	h.app.Preferences().SetString(prefTheme, themeDark)
	applyTheme(h.app, themeDark)
	h.unlock()
	h.ui.toast.show("Copied.", toastTime, "", nil)
	h.ui.showSettings()
	h.ui.settings.theme.SetSelected(themeLight)
	if v := fyne.CurrentApp().Settings().ThemeVariant(); v != theme.VariantLight {
		t.Fatalf("the app answers variant %v after choosing light", v)
	}
	h.ui.showList()

	img := h.win.Canvas().Capture()
	scale := float32(img.Bounds().Dx()) / h.win.Canvas().Size().Width
	d := fyne.CurrentApp().Driver()
	r := h.rowOf(1) // not selected: the row's own background
	pos := d.AbsolutePositionForObject(r.edit)
	size := r.edit.Size()
	rect := image.Rect(int(pos.X*scale), int(pos.Y*scale), int((pos.X+size.Width)*scale), int((pos.Y+size.Height)*scale))
	if low := darkestIn(img, rect); low > 128 {
		t.Fatalf("the edit pencil's darkest pixel is %d on the light theme: drawn light on light", low)
	}
	if got, want := h.ui.toast.bg.FillColor, theme.Color(theme.ColorNameOverlayBackground); got != want {
		t.Fatalf("the toast's box is %v after the switch, want the light theme's %v", got, want)
	}
	if got, want := r.code.Color, theme.Color(theme.ColorNamePrimary); got != want {
		t.Fatalf("a code is drawn in %v, want the light theme's %v", got, want)
	}
}
