// Package screen captures what is on the screen, so that QR codes shown in
// a browser can be read without saving a picture first.
//
// [Capture] returns one image per monitor. How it captures depends on the
// system:
//
//   - Wayland: the xdg-desktop-portal Screenshot interface over D-Bus. The
//     desktop may ask the person to confirm or pick what to share.
//   - X11: the X protocol itself (GetImage on the root window), one image
//     per monitor as Xinerama reports them.
//   - Windows: GDI, the whole virtual desktop (every monitor) in one image.
//   - macOS: the system's screencapture tool, one image per display.
//
// When capture is impossible (no display, the portal refused, permission
// denied), the error is a [*Error] whose message says what to do instead:
// take a screenshot with the desktop's own tool and scan the file.
package screen

import (
	"context"
	"errors"
	"image"
)

// Advice is what a person can do when the screen cannot be captured.
const Advice = "take a screenshot with your desktop's own tool (Print Screen) and scan the file instead: tessera scan FILE"

// Error is a failed capture: what went wrong and what to do instead.
type Error struct {
	Err error
}

func (e *Error) Error() string {
	return "cannot capture the screen: " + e.Err.Error() + "; " + Advice
}

func (e *Error) Unwrap() error { return e.Err }

// ErrNoDisplay is wrapped by the error of [Capture] when there is no screen
// to capture.
var ErrNoDisplay = errors.New("no display (neither WAYLAND_DISPLAY nor DISPLAY is set)")

// ErrRefused is wrapped by the error of [Capture] when the person or the
// desktop declined the screenshot, or the desktop's screenshot tool failed:
// the portal answers all of these alike.
var ErrRefused = errors.New("the desktop refused, cancelled or could not take the screenshot")

// Capture returns an image of every monitor. getenv reads the environment
// (DISPLAY, WAYLAND_DISPLAY, XDG_SESSION_TYPE, DBUS_SESSION_BUS_ADDRESS);
// nil means the process's.
// The context bounds the wait for a person to confirm a portal request.
func Capture(ctx context.Context, getenv func(string) string) ([]image.Image, error) {
	if getenv == nil {
		getenv = osGetenv
	}
	imgs, err := capture(ctx, getenv)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			return nil, err
		}
		return nil, &Error{Err: err}
	}
	if len(imgs) == 0 {
		return nil, &Error{Err: errors.New("no monitor found")}
	}
	return imgs, nil
}
