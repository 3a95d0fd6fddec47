// Command tessera is a desktop authenticator. With no arguments it opens its
// window; with a verb (tessera code, list, add, ...) it runs the command line.
package main

import (
	"os"

	"fyne.io/fyne/v2/app"

	"github.com/tessera-auth/tessera/app/cli"
	"github.com/tessera-auth/tessera/app/gui"
	_ "github.com/tessera-auth/tessera/app/posixlocale" // before Fyne reads the locale
)

func main() {
	if len(os.Args) > 1 && cli.IsVerb(os.Args[1]) {
		os.Exit(cli.Run(cli.OSEnv(), os.Args[1:]))
	}
	a := app.NewWithID("io.github.tessera_auth.tessera")
	w := a.NewWindow("Tessera")
	gui.New(a, w, gui.Config{})
	w.ShowAndRun()
}
