package clipboard

import (
	"context"
	"errors"
)

// MaxImageBytes is the largest clipboard image [Image] reads. A screenshot
// of a 4K screen is a few MiB as PNG and about 33 MiB as BMP.
const MaxImageBytes = 64 << 20

// ErrNoImage says the clipboard holds no image: it is empty, or holds only
// text or other data.
var ErrNoImage = errors.New("the clipboard holds no image")

// Image returns the image on the system clipboard, encoded as the program
// that put it there offered it (PNG first, then BMP, GIF, WebP or JPEG),
// for a caller that decodes images. Fyne's clipboard holds text only.
//
// On X11 it speaks the selection protocol itself, so no helper program is
// needed; on Wayland without X11 it runs wl-paste (package wl-clipboard).
// On Windows it reads the "PNG" format that browsers add, else the bitmap
// (CF_DIBV5, CF_DIB: what PrtScn, Snipping Tool and "Copy image" put
// there), which it returns converted to PNG, else "GIF" or "JFIF". Other
// systems return an error that says to save the image and open it.
// The display comes from getenv (DISPLAY, WAYLAND_DISPLAY); ctx bounds the
// wait for the program that owns the clipboard to hand the image over, and
// on Windows for another program to close the clipboard.
func Image(ctx context.Context, getenv func(string) string) ([]byte, error) {
	return readImage(ctx, getenv)
}
