// Package posixlocale keeps Fyne from logging "Error parsing user locale C"
// on systems whose locale is C or POSIX (containers, CI, minimal installs).
//
// Fyne reads the locale while its packages initialise, before main runs, and
// logs an error for "C", which is no language tag. Importing this package
// from main sets LANGUAGE=en when the effective locale is C or POSIX. Go
// initialises packages in import-path order among those whose dependencies
// are ready (the language spec, "Package initialization"); this package
// depends on os alone and sorts before golang.org/x/text, which Fyne's
// locale code needs, so it runs first. LANGUAGE only chooses the language
// of messages, so nothing else changes.
package posixlocale

import (
	"os"
	"strings"
)

func init() {
	if os.Getenv("LANGUAGE") != "" {
		return
	}
	loc := ""
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if loc = os.Getenv(name); loc != "" {
			break
		}
	}
	base, _, _ := strings.Cut(loc, ".")
	if base == "" || base == "C" || base == "POSIX" {
		os.Setenv("LANGUAGE", "en")
	}
}
