// Command tessera is a desktop authenticator. With no arguments it opens its
// window; with a verb (tessera code, list, add, ...) it runs the command line.
package main

import (
	"errors"
	"fmt"
	"log"
	"os"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"github.com/tessera-auth/tessera/app/cli"
	"github.com/tessera-auth/tessera/app/gui"
	"github.com/tessera-auth/tessera/app/instance"
	_ "github.com/tessera-auth/tessera/app/posixlocale" // before Fyne reads the locale
)

func main() {
	// Any argument is the command line's: a mistyped verb or flag gets the
	// usage and exit code 2, never the window.
	if len(os.Args) > 1 {
		os.Exit(cli.Run(cli.OSEnv(), os.Args[1:]))
	}
	log.SetOutput(gui.QuietLog(os.Stderr)) // Fyne's harmless reports (no Videos folder, ...) stay out of the console
	a := app.NewWithID("io.github.tessera_auth.tessera")
	cfg := gui.Config{}
	dir := gui.VaultDir(a, cfg)
	claim, err := instance.Take(dir, os.Getenv)
	switch {
	case err == instance.ErrRunning:
		fmt.Fprintf(os.Stderr, "tessera: already running on the vault %s; its window was brought forward\n", dir)
		os.Exit(cli.ExitOK)
	case errors.Is(err, instance.ErrRunning): // it did not answer
		fmt.Fprintf(os.Stderr, "tessera: %v (vault %s)\n", err, dir)
		os.Exit(cli.ExitBusy)
	case err != nil:
		// Without the claim a second window could open; say so and go on.
		fmt.Fprintf(os.Stderr, "tessera: warning: %v\n", err)
	}
	defer claim.Release()
	w := a.NewWindow("Tessera")
	u := gui.New(a, w, cfg)
	if err == nil {
		if err := claim.Serve(func() { fyne.Do(u.Raise) }); err != nil {
			fmt.Fprintf(os.Stderr, "tessera: warning: %v\n", err)
		}
	}
	w.ShowAndRun()
}
