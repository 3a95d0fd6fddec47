//go:build e2e

package wayland_test

import (
	"bytes"
	"errors"
	"image"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tessera-auth/tessera/app/internal/wayland"
)

// desktopProcesses lists the program names of the processes whose
// environment names runtime as XDG_RUNTIME_DIR: the desktop living there.
func desktopProcesses(t *testing.T, runtime string) []string {
	t.Helper()
	environs, err := filepath.Glob("/proc/[0-9]*/environ")
	if err != nil {
		t.Fatal(err)
	}
	want := []byte("\x00XDG_RUNTIME_DIR=" + runtime + "\x00")
	var cmds []string
	for _, name := range environs {
		env, err := os.ReadFile(name)
		if err != nil || !bytes.Contains(append([]byte{0}, env...), want) {
			continue // gone meanwhile, or not ours to read
		}
		cmd, _ := os.ReadFile(filepath.Join(filepath.Dir(name), "cmdline"))
		argv0, _, _ := bytes.Cut(cmd, []byte{0})
		cmds = append(cmds, filepath.Base(string(argv0)))
	}
	return cmds
}

// TestE2EDesktopStops checks that a desktop runs all its programs with
// their own environment, and that none of them, nor its runtime directory,
// is left once its test has ended.
func TestE2EDesktopStops(t *testing.T) {
	var runtime string
	t.Run("desktop", func(t *testing.T) {
		d := wayland.Start(t, 640, 480, image.NewGray(image.Rect(0, 0, 100, 100)))
		runtime = d.Getenv("XDG_RUNTIME_DIR")
		if runtime == "" || d.Getenv("WAYLAND_DISPLAY") == "" || !strings.HasPrefix(d.Getenv("DBUS_SESSION_BUS_ADDRESS"), "unix:path="+runtime) {
			t.Fatalf("desktop environment %q", d.Env())
		}
		cmds := desktopProcesses(t, runtime)
		for _, prog := range []string{"dbus-daemon", "sway", "swaybg", "pipewire", "xdg-permission-store", "xdg-desktop-portal-wlr", "xdg-desktop-portal"} {
			if !slices.Contains(cmds, prog) {
				t.Errorf("no %s among the desktop's processes %q", prog, cmds)
			}
		}
	})
	if runtime == "" {
		return
	}
	if left := desktopProcesses(t, runtime); len(left) > 0 {
		t.Errorf("processes left after the test: %q", left)
	}
	if _, err := os.Stat(runtime); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("runtime directory %s left after the test: %v", runtime, err)
	}
}
