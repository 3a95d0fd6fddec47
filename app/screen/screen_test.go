package screen_test

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/tessera-auth/tessera/app/screen"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// TestNoDisplay checks that a capture without any display fails with a
// message that says what to do instead.
func TestNoDisplay(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("only Linux reads DISPLAY and WAYLAND_DISPLAY")
	}
	_, err := screen.Capture(context.Background(), env(nil))
	var se *screen.Error
	if !errors.As(err, &se) || !errors.Is(err, screen.ErrNoDisplay) {
		t.Fatalf("Capture without a display: %v, want a *screen.Error wrapping ErrNoDisplay", err)
	}
	if !strings.Contains(err.Error(), screen.Advice) {
		t.Errorf("error %q does not give the advice", err)
	}
}

// TestBadDisplay checks that an X display nobody serves gives an error
// naming it, with the advice.
func TestBadDisplay(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("X11 capture is Linux only")
	}
	_, err := screen.Capture(context.Background(), env(map[string]string{"DISPLAY": ":4093", "XAUTHORITY": "/nonexistent"}))
	if err == nil || !strings.Contains(err.Error(), ":4093") || !strings.Contains(err.Error(), screen.Advice) {
		t.Fatalf("Capture on a display nobody serves: %v", err)
	}
}
