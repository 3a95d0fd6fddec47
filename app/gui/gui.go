// Package gui is Tessera's Fyne interface: one file per screen, each screen
// a struct holding its widgets and what it depends on.
package gui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// New builds Tessera's interface in w. Tests pass the app and window of
// fyne.io/fyne/v2/test.
func New(a fyne.App, w fyne.Window) {
	w.SetContent(container.NewCenter(widget.NewLabel("Tessera")))
	w.Resize(fyne.NewSize(420, 640))
}
