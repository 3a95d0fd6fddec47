package gui

import (
	"image/color"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tessera-auth/tessera/app/clock"
)

// toastTime is how long a plain confirmation stays visible.
const toastTime = 3 * time.Second

// toast is a short message at the bottom of the window, optionally with one
// action button (Undo). It never takes the keyboard focus.
type toast struct {
	clock clock.Clock

	text   *widget.Label
	action *widget.Button
	bg     *canvas.Rectangle
	box    *fyne.Container
	layer  *fyne.Container // what the window stacks over its content

	// onHeight, if set, is told the room the toast takes at the bottom of
	// the window when it shows, and 0 when it goes.
	onHeight func(float32)

	onAction func()
	timer    clock.Timer
}

func newToast(c clock.Clock) *toast {
	t := &toast{clock: c}
	t.text = widget.NewLabel("")
	t.text.Wrapping = fyne.TextWrapWord
	t.action = widget.NewButton("", t.onTapAction)
	t.action.Importance = widget.HighImportance
	t.bg = canvas.NewRectangle(color.Transparent)
	t.bg.StrokeWidth = 1
	t.recolour()
	t.box = container.NewStack(t.bg, container.NewPadded(container.NewBorder(nil, nil, nil, t.action, t.text)))
	t.layer = container.NewVBox(layout.NewSpacer(), container.NewPadded(t.box))
	t.layer.Hide()
	return t
}

// recolour takes the theme's colours, after a theme switch.
func (t *toast) recolour() {
	t.bg.FillColor = theme.Color(theme.ColorNameOverlayBackground)
	t.bg.StrokeColor = theme.Color(theme.ColorNameInputBorder)
	t.bg.CornerRadius = theme.Size(theme.SizeNameInputRadius)
	t.bg.Refresh()
}

// show displays msg for d; with a non-empty action label, a button that
// calls onAction (at most once) stays beside it for that time.
func (t *toast) show(msg string, d time.Duration, action string, onAction func()) {
	if t.timer != nil {
		t.timer.Stop()
	}
	t.text.SetText(msg)
	t.onAction = onAction
	if action != "" {
		t.action.SetText(action)
		t.action.Show()
	} else {
		t.action.Hide()
	}
	t.layer.Show()
	t.layer.Refresh()
	if t.onHeight != nil {
		t.onHeight(t.box.Size().Height + 2*theme.Padding())
	}
	var tm clock.Timer
	tm = t.clock.AfterFunc(d, func() {
		fyne.Do(func() {
			if t.timer == tm {
				t.hide()
			}
		})
	})
	t.timer = tm
}

// message returns the text on show, or "" when hidden.
func (t *toast) message() string {
	if !t.layer.Visible() {
		return ""
	}
	return t.text.Text
}

func (t *toast) hide() {
	if t.timer != nil {
		t.timer.Stop()
		t.timer = nil
	}
	t.onAction = nil
	t.layer.Hide()
	if t.onHeight != nil {
		t.onHeight(0)
	}
}

func (t *toast) onTapAction() {
	f := t.onAction
	t.hide()
	if f != nil {
		f()
	}
}
