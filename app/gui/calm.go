package gui

import "fyne.io/fyne/v2"

// calmApp is the app as Fyne's widgets see it: the same app, with
// animations turned off. A focused Fyne 2.7 Entry blinks its cursor through
// an animation that runs at the frame rate for as long as the focus stays,
// and every frame of it redraws the whole window (several percent of a core
// on a software-rendered desktop). Without animations the Entry draws a
// steady cursor and a highlighted border instead, so the search and
// passphrase fields keep the focus, and show it, at no cost while nothing
// changes. Buttons lose their tap ripple, which is all else that animates.
type calmApp struct{ fyne.App }

// Settings implements fyne.App.
func (a calmApp) Settings() fyne.Settings { return calmSettings{a.App.Settings()} }

type calmSettings struct{ fyne.Settings }

// ShowAnimations implements fyne.Settings.
func (calmSettings) ShowAnimations() bool { return false }

// ThemeVariant implements fyne.Settings: the variant the Theme setting
// fixed, if any, else the desktop's. Widgets and Fyne's icon cache ask the
// current app for the variant; answering the desktop's while the theme
// draws the other one left icons white on light after a switch.
func (s calmSettings) ThemeVariant() fyne.ThemeVariant {
	if f, ok := s.Settings.Theme().(fixedVariant); ok {
		return f.v
	}
	return s.Settings.ThemeVariant()
}

// calm makes a the current app with animations off; the widgets ask the
// current app whether to animate.
func calm(a fyne.App) {
	if _, ok := a.(calmApp); !ok {
		fyne.SetCurrentApp(calmApp{a})
	}
}
