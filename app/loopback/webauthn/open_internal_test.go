package webauthn

import (
	"reflect"
	"testing"
)

// TestBrowserCommands: $BROWSER's entries come first, with the URL in
// place of %s or last, then the system's default opener.
func TestBrowserCommands(t *testing.T) {
	const u = "http://localhost:1/key/#tok"
	for _, tc := range []struct {
		browser, goos string
		want          [][]string
	}{
		{"", "linux", [][]string{{"xdg-open", u}}},
		{"", "freebsd", [][]string{{"xdg-open", u}}},
		{"", "darwin", [][]string{{"open", u}}},
		{"", "windows", [][]string{{"rundll32", "url.dll,FileProtocolHandler", u}}},
		{"firefox", "linux", [][]string{{"firefox", u}, {"xdg-open", u}}},
		{"chromium --new-window %s:w3m", "linux", [][]string{{"chromium", "--new-window", u}, {"w3m", u}, {"xdg-open", u}}},
		{"run --url=%s --pct=100%%", "linux", [][]string{{"run", "--url=" + u, "--pct=100%"}, {"xdg-open", u}}},
		{" : ::", "linux", [][]string{{"xdg-open", u}}},
		{`C:\b\edge.exe;x`, "windows", [][]string{{`C:\b\edge.exe`, u}, {"x", u}, {"rundll32", "url.dll,FileProtocolHandler", u}}},
	} {
		if got := browserCommands(u, tc.browser, tc.goos); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("BROWSER=%q on %s: %q, want %q", tc.browser, tc.goos, got, tc.want)
		}
	}
}
