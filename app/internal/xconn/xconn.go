// Package xconn opens connections to an X server for the packages that
// speak the X protocol themselves (screen capture, the clipboard), so they
// need neither Xlib nor cgo.
package xconn

import (
	"fmt"
	"io"
	"sync"

	"github.com/jezek/xgb"
)

var quiet sync.Once

// Dial connects to display (":0", "host:1.0", ...), reading the
// authorization cookie from XAUTHORITY like any X client.
//
// xgb logs its own progress ("Could not get authority info", which is
// normal on a desktop without an Xauthority file) to stderr; Tessera says
// what went wrong through errors instead, so that log is silenced.
func Dial(display string) (*xgb.Conn, error) {
	quiet.Do(func() { xgb.Logger.SetOutput(io.Discard) })
	conn, err := xgb.NewConnDisplay(display)
	if err != nil {
		return nil, fmt.Errorf("X11 display %s: %w", display, err)
	}
	return conn, nil
}
