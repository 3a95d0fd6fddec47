// Command barewindow shows an empty Fyne window of Tessera's size: the
// baseline that `make bench-gui` compares Tessera's idle cost with.
package main

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

func main() {
	a := app.NewWithID("io.github.tessera_auth.barewindow")
	w := a.NewWindow("Bare Fyne window")
	w.SetContent(container.NewCenter(widget.NewLabel("bare")))
	w.Resize(fyne.NewSize(460, 640))
	w.ShowAndRun()
}
