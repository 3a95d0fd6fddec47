//go:build e2e

package gui

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runBinary runs the real binary to its end on the desktop and returns its
// exit code and output; a binary that opens its window instead of exiting
// is killed after the timeout and fails the test.
func runBinary(t *testing.T, bin string, env []string, args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("tessera %s did not exit within 20 s (it opened a window?): %s", strings.Join(args, " "), out)
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), string(out)
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0, string(out)
}

// A mistyped verb or flag exits 2 with the usage instead of opening the
// window.
func TestE2EMistypedArgumentsExit(t *testing.T) {
	bin := build(t, "github.com/tessera-auth/tessera")
	d := newXdesk(t, 800, 600)
	home := t.TempDir()
	env := d.env(home, "TESSERA_VAULT="+filepath.Join(home, "vault"))
	for _, args := range [][]string{{"lsit"}, {"--version"}, {"-x"}} {
		code, out := runBinary(t, bin, env, args...)
		if code != 2 || !strings.Contains(out, "usage: tessera") {
			t.Errorf("tessera %s: exit %d, output %q; want 2 with the usage", args[0], code, out)
		}
	}
	if w := d.findWindow("Tessera"); w != "" {
		t.Fatalf("a window %s opened", w)
	}
}

// A second start on the same vault brings the running window forward, even
// from hidden, and exits; no second window opens.
func TestE2ESecondStartRaisesTheFirst(t *testing.T) {
	bin := build(t, "github.com/tessera-auth/tessera")
	d := newXdesk(t, 1024, 768)
	home := t.TempDir()
	dir := filepath.Join(home, "vault")
	makeVault(t, dir, testEntries(t))
	env := d.env(home, "TESSERA_VAULT="+dir)

	first := d.startProgram(bin, env)
	win := d.waitWindow("^Tessera")
	d.xdo("windowunmap", "--sync", win)
	if d.findWindow("^Tessera") != "" {
		t.Fatal("the window is still visible after unmapping it")
	}

	code, out := runBinary(t, bin, env)
	if code != 0 || !strings.Contains(out, "already running on the vault") {
		t.Fatalf("second start: exit %d, output %q", code, out)
	}
	if got := d.waitWindow("^Tessera"); got != win {
		t.Fatalf("visible window %s, want the first one, %s", got, win)
	}
	waitFor(t, 10*time.Second, "the first window to have the input focus", func() bool {
		f, err := d.run(d.xdotool, "getwindowfocus")
		return err == nil && f == win
	})
	all, _ := d.run(d.xdotool, "search", "--onlyvisible", "--name", "^Tessera")
	if n := len(strings.Fields(all)); n != 1 {
		t.Fatalf("%d Tessera windows visible, want 1", n)
	}
	if first.cmd.ProcessState != nil {
		t.Fatalf("the first tessera exited: %s", first.output)
	}
}

// A normal start, unlock and "Open image…" leave the console quiet: Fyne's
// reports of a desktop without a Videos folder (xdg-user-dir answers the
// home folder) and the like are dropped.
func TestE2EQuietConsole(t *testing.T) {
	tool(t, "xdg-user-dir", "xdg-user-dirs")
	bin := build(t, "github.com/tessera-auth/tessera")
	d := newXdesk(t, 1024, 768)
	home := t.TempDir()
	dir := filepath.Join(home, "vault")
	makeVault(t, dir, testEntries(t))
	p := d.startProgram(bin, d.env(home, "TESSERA_VAULT="+dir))
	win := d.waitWindow("^Tessera")
	d.unlockTessera(win)
	d.xdo("key", "ctrl+n")
	time.Sleep(500 * time.Millisecond) // lets the add screen draw before it is compared with later frames
	before := d.screenshot(win)
	// The add screen's "Open image…" button, in the middle of the top row.
	d.xdo("mousemove", "--window", win, "230", "66", "click", "1")
	waitFor(t, 10*time.Second, "the file dialog", func() bool {
		return !bytes.Equal(d.screenshot(win).Pix, before.Pix)
	})
	time.Sleep(time.Second) // Fyne logs while it fills the dialog's places
	p.cmd.Process.Kill()
	p.cmd.Wait() // the output is complete, and no longer written to
	if strings.Contains(p.output.String(), "Fyne error") {
		t.Fatalf("the console shows:\n%s", p.output)
	}
}

// The real window keeps its size through the first minute: the create
// screen, typing, a failed attempt, the recovery code, the empty list, a
// search with no match (it grew to 2,473 px tall, and 460 -> 528 px wide).
func TestE2EWindowKeepsItsSize(t *testing.T) {
	bin := build(t, "github.com/tessera-auth/tessera")
	d := newXdesk(t, 1600, 1000)
	home := t.TempDir()
	d.startProgram(bin, d.env(home, "TESSERA_VAULT="+filepath.Join(home, "vault")))
	win := d.waitWindow("^Tessera")
	start := d.windowRect(win).Size()
	check := func(what string) {
		t.Helper()
		time.Sleep(300 * time.Millisecond) // lets the window draw (and grow, if it would) before it is measured
		if got := d.windowRect(win).Size(); got != start {
			t.Fatalf("%s: the window is %v, it started %v", what, got, start)
		}
	}
	d.xdo("mousemove", "--window", win, "10", "10")
	d.xdo("windowfocus", "--sync", win)
	d.xdo("type", "--delay", "10", "short")
	d.xdo("key", "Tab")
	d.xdo("type", "--delay", "10", "short")
	d.xdo("key", "Return")
	check("a short passphrase")
	d.xdo("key", "shift+Tab")
	d.xdo("type", "--delay", "10", " but now long enough")
	d.xdo("key", "Tab")
	d.xdo("key", "ctrl+a")
	d.xdo("type", "--delay", "10", "short but now long enough")
	d.xdo("key", "Return")
	time.Sleep(300 * time.Millisecond) // "Creating the vault…" is drawn; the screen then changes only for the recovery code
	creating := d.screenshot(win)
	waitFor(t, 30*time.Second, "the recovery code", func() bool {
		return !bytes.Equal(d.screenshot(win).Pix, creating.Pix)
	})
	check("the recovery code")
	// Check the box (Tab to it) and Continue.
	for _, k := range []string{"Tab", "Tab", "Tab", "space", "Tab", "space"} {
		d.xdo("key", k)
	}
	waitFor(t, 10*time.Second, "the empty list", func() bool { return d.windowName(win) == titleUnlocked })
	check("the empty list")
	d.xdo("type", "--delay", "10", "nothing like this at all")
	check("a search with no match")
}
