package gui

import (
	"image/color"
	"strings"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tessera-auth/tessera/vault"
)

// iconSize is the side of an entry's icon in the list.
const iconSize = 32

// iconView shows an entry's issuer icon, or a monogram on a coloured disc
// when there is none. It is also the row's drag handle: dragging it up or
// down moves the entry in the manual order.
type iconView struct {
	widget.BaseWidget
	s *listScreen

	id     string
	row    *row // the row it sits in, whose height is one step of a drag
	disc   *canvas.Circle
	tile   *canvas.Rectangle
	letter *canvas.Text
	image  *canvas.Image
	dragDY float32
}

func newIconView(s *listScreen) *iconView {
	v := &iconView{s: s}
	v.disc = canvas.NewCircle(color.Gray{Y: 0x80})
	v.tile = canvas.NewRectangle(color.Gray{Y: 0x80})
	v.tile.CornerRadius = iconSize / 5
	v.tile.Hide()
	v.letter = canvas.NewText("", color.White)
	v.letter.TextStyle.Bold = true
	v.letter.Alignment = fyne.TextAlignCenter
	v.image = &canvas.Image{FillMode: canvas.ImageFillContain}
	v.image.Hide()
	v.ExtendBaseWidget(v)
	return v
}

// CreateRenderer implements fyne.Widget.
func (v *iconView) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(container.NewGridWrap(fyne.NewSquareSize(iconSize),
		container.NewStack(v.disc, v.tile, container.NewCenter(v.letter), v.image)))
}

// MinSize implements fyne.CanvasObject.
func (v *iconView) MinSize() fyne.Size { return fyne.NewSquareSize(iconSize) }

func (v *iconView) bind(e *vault.Entry) {
	v.id = e.ID
	l := v.s.ui.icons.forEntry(e)
	v.image.Hide()
	v.disc.Hide()
	v.tile.Hide()
	v.letter.Hide()
	switch {
	case l.image != nil:
		v.image.Resource = l.image
		v.image.Show()
		v.image.Refresh()
		return
	case l.tile != nil:
		v.tile.FillColor = l.tile.Background
		if l.tile.Background == (color.NRGBA{0xff, 0xff, 0xff, 0xff}) {
			v.tile.StrokeColor, v.tile.StrokeWidth = color.Gray{Y: 0xc0}, 1
		} else {
			v.tile.StrokeWidth = 0
		}
		v.tile.Show()
		v.letter.Text = l.tile.Glyph
		v.letter.Color = l.tile.Foreground
		v.letter.TextSize = theme.TextSize() * [4]float32{1.2, 1.2, 1.0, 0.8}[min(len(l.tile.Glyph), 3)]
	default:
		v.disc.FillColor = monogramColour(e.Issuer + e.Account)
		v.disc.Show()
		v.letter.Text = monogram(e)
		v.letter.Color = color.White
		v.letter.TextSize = theme.TextSize() * 1.2
	}
	v.letter.Show()
	v.Refresh()
}

// Dragged implements fyne.Draggable: a line shows where the entry would
// land.
func (v *iconView) Dragged(ev *fyne.DragEvent) {
	v.dragDY += ev.Dragged.DY
	v.s.showDrop(v.row, v.dragDY)
}

// DragEnd implements fyne.Draggable: the entry takes the place of the
// entry it was dropped on, among those shown (a search or a group may hide
// some between them).
func (v *iconView) DragEnd() {
	dy := v.dragDY
	v.dragDY = 0
	s := v.s
	s.hideDrop()
	from, ok := s.bound[v.row]
	if !ok || s.entry(from) == nil || s.entry(from).ID != v.id {
		return // the list changed under the drag
	}
	to := s.dropTarget(from, dy)
	if delta := s.shown[to] - s.shown[from]; delta != 0 {
		s.ui.moveEntry(v.id, delta)
	}
}

// monogram is the first letter of the issuer (else the account), upper case.
func monogram(e *vault.Entry) string {
	for _, s := range []string{e.Issuer, e.Account} {
		for _, r := range s {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				return strings.ToUpper(string(r))
			}
		}
	}
	return "?"
}

// monogramColour picks one of a few calm colours from the name, so an entry
// keeps its colour from run to run.
func monogramColour(name string) color.Color {
	palette := []color.NRGBA{
		{0x3b, 0x6e, 0xa8, 0xff}, {0x2e, 0x8b, 0x57, 0xff}, {0xa8, 0x5c, 0x3b, 0xff},
		{0x7b, 0x4f, 0xa8, 0xff}, {0x2f, 0x85, 0x8f, 0xff}, {0xa8, 0x3b, 0x6a, 0xff},
		{0x6b, 0x7a, 0x2f, 0xff}, {0x55, 0x5f, 0x6e, 0xff},
	}
	var h uint32 = 2166136261
	for _, b := range []byte(strings.ToLower(name)) {
		h = (h ^ uint32(b)) * 16777619
	}
	return palette[h%uint32(len(palette))]
}
