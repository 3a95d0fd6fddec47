package gui

import (
	"image/color"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tessera-auth/tessera/app/clock"
)

// tipDelay is how long the pointer rests on an icon button before its
// tooltip shows.
const tipDelay = 600 * time.Millisecond

// iconButton is a button that shows only an icon, with a name: shown as a
// tooltip while the pointer rests on it, and kept as the button's
// accessible label (Fyne 2.7 has no accessibility tree yet; the name is
// where one would read it, and what tests find the button by).
type iconButton struct {
	widget.Button
	name string
	tips *tooltips
	wait clock.Timer
}

// newIconButton returns an icon button named name that calls tapped.
func (u *UI) newIconButton(icon fyne.Resource, name string, tapped func()) *iconButton {
	b := &iconButton{name: name, tips: u.tips}
	b.Icon = icon
	b.OnTapped = tapped
	b.ExtendBaseWidget(b)
	return b
}

// AccessibleName returns the button's name, for assistive technology.
func (b *iconButton) AccessibleName() string { return b.name }

// MouseIn implements desktop.Hoverable: the tooltip shows after tipDelay.
func (b *iconButton) MouseIn(e *desktop.MouseEvent) {
	b.Button.MouseIn(e)
	b.stopWait()
	b.wait = b.tips.clock.AfterFunc(tipDelay, func() { fyne.Do(func() { b.tips.show(b) }) })
}

// MouseOut implements desktop.Hoverable.
func (b *iconButton) MouseOut() {
	b.Button.MouseOut()
	b.stopWait()
	b.tips.hide(b)
}

// Tapped implements fyne.Tappable; the tooltip goes.
func (b *iconButton) Tapped(e *fyne.PointEvent) {
	b.stopWait()
	b.tips.hide(b)
	b.Button.Tapped(e)
}

func (b *iconButton) stopWait() {
	if b.wait != nil {
		b.wait.Stop()
		b.wait = nil
	}
}

// tooltips is the layer above the window's content where an icon button's
// name shows. It is not an overlay, so it never takes the keyboard from
// the search field.
type tooltips struct {
	clock clock.Clock
	layer *fyne.Container
	box   *fyne.Container
	bg    *canvas.Rectangle
	text  *canvas.Text
	owner *iconButton
}

func newTooltips(c clock.Clock) *tooltips {
	t := &tooltips{clock: c}
	t.bg = canvas.NewRectangle(color.Transparent)
	t.bg.StrokeWidth = 1
	t.text = canvas.NewText("", color.Transparent)
	t.text.TextSize = theme.CaptionTextSize()
	t.box = container.NewStack(t.bg, container.NewPadded(t.text))
	t.layer = container.NewWithoutLayout(t.box)
	t.layer.Hide()
	return t
}

// show puts b's name under b (above it near the window's bottom), inside
// the window.
func (t *tooltips) show(b *iconButton) {
	if !b.Visible() {
		return
	}
	t.owner = b
	t.bg.FillColor = theme.Color(theme.ColorNameOverlayBackground)
	t.bg.StrokeColor = theme.Color(theme.ColorNameInputBorder)
	t.bg.CornerRadius = theme.Size(theme.SizeNameInputRadius)
	t.text.Color = theme.Color(theme.ColorNameForeground)
	t.text.Text = b.name
	size := t.box.MinSize()
	d := fyne.CurrentApp().Driver()
	at := d.AbsolutePositionForObject(b).Subtract(d.AbsolutePositionForObject(t.layer))
	room := t.layer.Size()
	x := min(max(at.X+(b.Size().Width-size.Width)/2, 0), max(room.Width-size.Width, 0))
	y := at.Y + b.Size().Height + theme.Padding()
	if y+size.Height > room.Height {
		y = at.Y - size.Height - theme.Padding()
	}
	t.box.Resize(size)
	t.box.Move(fyne.NewPos(x, y))
	t.layer.Show()
	t.layer.Refresh()
}

// hide takes b's tooltip away, if it is the one on show.
func (t *tooltips) hide(b *iconButton) {
	if t.owner == b {
		t.owner = nil
		t.layer.Hide()
	}
}

// shown returns the tooltip on show, "" for none.
func (t *tooltips) shown() string {
	if !t.layer.Visible() {
		return ""
	}
	return t.text.Text
}

// lockIcon is a padlock in the theme's foreground colour, for the Lock
// button (Fyne's theme has none).
var lockIcon = theme.NewThemedResource(fyne.NewStaticResource("padlock.svg", []byte(
	`<svg xmlns="http://www.w3.org/2000/svg" width="24" height="24" viewBox="0 0 24 24">`+
		`<path fill="#000000" d="M12 2a5 5 0 0 0-5 5v3H6a2 2 0 0 0-2 2v8a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-8a2 2 0 0 0-2-2h-1V7a5 5 0 0 0-5-5zm-3 8V7a3 3 0 0 1 6 0v3H9zm3 3.5a1.5 1.5 0 0 1 .75 2.8V18h-1.5v-1.7A1.5 1.5 0 0 1 12 13.5z"/>`+
		`</svg>`)))
