package filechooser

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/godbus/dbus/v5"
)

// The portal's answer is read without trusting it: any code and URI list
// gives one local absolute path or an error, never a panic.
func FuzzReadResponse(f *testing.F) {
	f.Add(uint32(0), "file:///home/me/a%20b.png", "")
	f.Add(uint32(0), "https://example.com/x.png", "")
	f.Add(uint32(1), "", "")
	f.Add(uint32(0), "file:///a.png", "file:///b.png")
	f.Add(uint32(2), "file://", "")
	f.Fuzz(func(t *testing.T, code uint32, a, b string) {
		uris := []string{a}
		if b != "" {
			uris = append(uris, b)
		}
		path, err := readResponse([]any{code, map[string]dbus.Variant{"uris": dbus.MakeVariant(uris)}})
		switch {
		case err == nil && (code != 0 || !filepath.IsAbs(path) || len(uris) != 1):
			t.Fatalf("code %d, uris %q gave path %q", code, uris, path)
		case code == 1 && !errors.Is(err, ErrCancelled):
			t.Fatalf("code 1 gave %v", err)
		}
	})
}
