package clipboard

import (
	"context"
	"errors"
)

// ErrNoText says the clipboard holds no text.
var ErrNoText = errors.New("the clipboard holds no text")

// MaxTextBytes is the most text [Text] reads; an otpauth-migration link
// with many accounts is a few KiB.
const MaxTextBytes = 1 << 20

// Text returns the text on the system clipboard, for the command line,
// which has no Fyne clipboard: on X11 through the selection protocol, on
// Wayland through wl-paste, as [Image] does. Other systems return an error
// that says to pass the text another way.
func Text(ctx context.Context, getenv func(string) string) (string, error) {
	return readText(ctx, getenv)
}
