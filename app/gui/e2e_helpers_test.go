//go:build e2e

package gui

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/draw"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tessera-auth/tessera/app/internal/xvfb"
	"github.com/tessera-auth/tessera/app/screen"
)

// tool returns the path of a program the end-to-end tests need, failing the
// test with what to install if it is missing.
func tool(t testing.TB, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s not found: install it with apt-get install %s", name, pkg)
	}
	return p
}

var (
	buildOnce sync.Map // package path -> *builtBinary
)

type builtBinary struct {
	once sync.Once
	path string
	err  error
	out  []byte
}

// build compiles a main package once per test process, into a folder that
// outlives single tests. The Go build cache makes repeated runs quick.
func build(t testing.TB, pkg string) string {
	t.Helper()
	v, _ := buildOnce.LoadOrStore(pkg, &builtBinary{})
	b := v.(*builtBinary)
	b.once.Do(func() {
		dir, err := os.MkdirTemp("", "tessera-e2e-bin-")
		if err != nil {
			b.err = err
			return
		}
		b.path = filepath.Join(dir, filepath.Base(pkg))
		gotool, err := exec.LookPath("go")
		if err != nil {
			b.err = fmt.Errorf("the go command is not on PATH: %w", err)
			return
		}
		cmd := exec.Command(gotool, "build", "-o", b.path, pkg)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
		b.out, b.err = cmd.CombinedOutput()
	})
	if b.err != nil {
		t.Fatalf("building %s: %v\n%s", pkg, b.err, b.out)
	}
	return b.path
}

// xdesk is a private X server with the tools that drive it.
type xdesk struct {
	t       testing.TB
	display string
	xdotool string
	xclip   string
}

func newXdesk(t testing.TB, w, h int) *xdesk {
	t.Helper()
	d := &xdesk{t: t, xdotool: tool(t, "xdotool", "xdotool"), xclip: tool(t, "xclip", "xclip")}
	d.display = xvfb.Start(t, w, h)
	return d
}

// env returns the environment for programs on this desktop, with home and
// configuration in home.
func (d *xdesk) env(home string, extra ...string) []string {
	env := []string{
		"DISPLAY=" + d.display,
		"HOME=" + home,
		"XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"XDG_DATA_HOME=" + filepath.Join(home, ".local", "share"),
		"XDG_RUNTIME_DIR=" + home,
		"LANG=en_US.UTF-8",
		"PATH=" + os.Getenv("PATH"),
	}
	return append(env, extra...)
}

// run runs a tool on the desktop and returns its trimmed output.
func (d *xdesk) run(name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = d.env(os.TempDir())
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if err != nil {
		return "", fmt.Errorf("%s %s: %v: %s", filepath.Base(name), strings.Join(args, " "), err, errb.String())
	}
	return strings.TrimSpace(out.String()), nil
}

// xdo runs xdotool and fails the test on error.
func (d *xdesk) xdo(args ...string) string {
	d.t.Helper()
	out, err := d.run(d.xdotool, args...)
	if err != nil {
		d.t.Fatal(err)
	}
	return out
}

// clipboard returns the text on the CLIPBOARD selection ("" when none).
func (d *xdesk) clipboard() string {
	out, err := d.run(d.xclip, "-o", "-selection", "clipboard")
	if err != nil {
		return ""
	}
	return out
}

// waitFor polls cond every 50 ms until it holds or timeout passes.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// findWindow returns the ID of the visible window whose name matches the
// regular expression name, or "".
func (d *xdesk) findWindow(name string) string {
	out, err := d.run(d.xdotool, "search", "--onlyvisible", "--name", name)
	if err != nil || out == "" {
		return ""
	}
	return strings.Fields(out)[0]
}

// waitWindow waits for a visible window whose name matches name.
func (d *xdesk) waitWindow(name string) string {
	d.t.Helper()
	var win string
	waitFor(d.t, 30*time.Second, "a window named "+name, func() bool {
		win = d.findWindow(name)
		return win != ""
	})
	return win
}

// unlockTessera types the test passphrase and Enter into Tessera's window
// and waits for the unlocked title.
func (d *xdesk) unlockTessera(win string) {
	d.t.Helper()
	// No window manager: give the window the input focus; the passphrase
	// field already has Fyne's focus.
	d.xdo("mousemove", "--window", win, "10", "10")
	d.xdo("windowfocus", "--sync", win)
	d.xdo("type", "--delay", "20", testPass)
	d.xdo("key", "Return")
	waitFor(d.t, 20*time.Second, "the vault to unlock (window title "+titleUnlocked+")", func() bool {
		return d.windowName(win) == titleUnlocked
	})
}

// windowName returns a window's title.
func (d *xdesk) windowName(id string) string {
	out, _ := d.run(d.xdotool, "getwindowname", id)
	return out
}

// windowRect returns a window's position and size on the screen.
func (d *xdesk) windowRect(id string) image.Rectangle {
	d.t.Helper()
	out := d.xdo("getwindowgeometry", "--shell", id)
	v := map[string]int{}
	for _, line := range strings.Split(out, "\n") {
		k, val, ok := strings.Cut(line, "=")
		if ok {
			v[k], _ = strconv.Atoi(val)
		}
	}
	return image.Rect(v["X"], v["Y"], v["X"]+v["WIDTH"], v["Y"]+v["HEIGHT"])
}

// screenshot captures a window, through the app's own screen capture.
func (d *xdesk) screenshot(id string) *image.RGBA {
	d.t.Helper()
	r := d.windowRect(id)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	shots, err := screen.Capture(ctx, func(k string) string {
		if k == "DISPLAY" {
			return d.display
		}
		return ""
	})
	if err != nil {
		d.t.Fatal(err)
	}
	img := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	draw.Draw(img, img.Bounds(), shots[0], r.Min, draw.Src)
	return img
}

// started is a program started on the desktop.
type started struct {
	cmd    *exec.Cmd
	start  time.Time
	output *bytes.Buffer
}

// startProgram starts bin with args on the desktop and stops it when the
// test ends.
func (d *xdesk) startProgram(bin string, env []string, args ...string) *started {
	d.t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	s := &started{cmd: cmd, output: &out, start: time.Now()}
	if err := cmd.Start(); err != nil {
		d.t.Fatalf("starting %s: %v", bin, err)
	}
	d.t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return s
}

// writePrefs writes Fyne preferences for Tessera under home, where Fyne
// looks for them ($XDG_CONFIG_HOME/fyne/APPID/preferences.json).
func writePrefs(tb testing.TB, home string, prefs map[string]any) {
	tb.Helper()
	path := filepath.Join(home, ".config", "fyne", "io.github.tessera_auth.tessera", "preferences.json")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		tb.Fatal(err)
	}
	js, err := json.Marshal(prefs)
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(path, js, 0o600); err != nil {
		tb.Fatal(err)
	}
}
