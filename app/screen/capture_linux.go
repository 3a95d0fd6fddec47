package screen

import (
	"context"
	"errors"
	"fmt"
	"image"
)

// capture uses the portal on Wayland and the X protocol on X11. Under
// Wayland an X11 capture would only see the windows of X programs, so the
// X protocol is tried there only when no portal answers.
func capture(ctx context.Context, getenv func(string) string) ([]image.Image, error) {
	wayland := getenv("WAYLAND_DISPLAY") != "" || getenv("XDG_SESSION_TYPE") == "wayland"
	display := getenv("DISPLAY")
	if wayland {
		imgs, err := capturePortal(ctx, getenv)
		if err == nil || errors.Is(err, ErrRefused) || display == "" {
			return imgs, err
		}
		x, xerr := captureX11(display)
		if xerr != nil {
			return nil, fmt.Errorf("%w (X11: %v)", err, xerr)
		}
		return x, nil
	}
	if display == "" {
		return nil, ErrNoDisplay
	}
	return captureX11(display)
}
