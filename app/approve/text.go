package approve

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// Caps on what a client may ask Tessera to show.
const (
	MaxBindingMessage = 64
	MaxLoginHint      = 128
	MaxContextValue   = 200
	MaxClientName     = 64
)

// checkText reports whether s is at most max characters of printable,
// valid UTF-8: no control, bidi or zero-width characters (format
// characters are not printable), no spaces but U+0020.
func checkText(s string, max int) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(s); n > max {
		return fmt.Errorf("has %d characters, more than %d", n, max)
	}
	for i, r := range s {
		if !unicode.IsPrint(r) {
			return fmt.Errorf("has the unprintable character %U at byte %d", r, i)
		}
	}
	return nil
}

// ContextItem is one context_* parameter as shown to the person.
type ContextItem struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	Value string `json:"value"`
}

// contextParams are the context_* parameters Tessera shows, in display
// order, with their labels.
var contextParams = []struct{ param, key, label string }{
	{"context_application", "application", "Application"},
	{"context_host", "host", "Host"},
	{"context_command", "command", "Command"},
	{"context_remote_addr", "remote_addr", "Remote address"},
}
