package screen

import (
	"errors"
	"image"
	"image/png"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/godbus/dbus/v5"
)

// TestPortalResponse reads the portal's answers: refusal, a screenshot
// file (read, then removed), and a URI that is no local file.
func TestPortalResponse(t *testing.T) {
	if _, err := readPortalResponse([]any{uint32(1), map[string]dbus.Variant{}}); !errors.Is(err, ErrRefused) {
		t.Errorf("response 1 (cancelled): %v, want ErrRefused", err)
	}
	if _, err := readPortalResponse([]any{"x"}); err == nil {
		t.Error("a malformed answer was accepted")
	}

	path := filepath.Join(t.TempDir(), "Screenshot from today.png")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, image.NewGray(image.Rect(0, 0, 30, 20))); err != nil {
		t.Fatal(err)
	}
	f.Close()
	u := url.URL{Scheme: "file", Path: path}
	imgs, err := readPortalResponse([]any{uint32(0), map[string]dbus.Variant{"uri": dbus.MakeVariant(u.String())}})
	if err != nil || len(imgs) != 1 || imgs[0].Bounds().Dx() != 30 {
		t.Fatalf("reading the screenshot: %v, %d images", err, len(imgs))
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the screenshot file was left behind: %v", err)
	}

	if _, err := readPortalResponse([]any{uint32(0), map[string]dbus.Variant{"uri": dbus.MakeVariant("https://example.com/x.png")}}); err == nil {
		t.Error("a remote URI was accepted")
	}
}
