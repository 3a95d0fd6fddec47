// Package filechooser asks the desktop's own file chooser for a file to
// open, through xdg-desktop-portal's FileChooser (GNOME, KDE and others
// serve it, sandboxed or not), so that the person gets the dialog they
// know. Where no portal serves it, [Open] says so with [ErrNoPortal] and
// the caller shows its own dialog.
package filechooser

import "errors"

// ErrNoPortal says no desktop portal with a file chooser is running; the
// caller falls back to its own dialog.
var ErrNoPortal = errors.New("no desktop file chooser portal")

// ErrCancelled says the person closed the chooser without choosing.
var ErrCancelled = errors.New("no file chosen")

// Filter names a group of files the chooser offers, by glob patterns such
// as "*.png".
type Filter struct {
	Name     string
	Patterns []string
}
