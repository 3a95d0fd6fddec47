//go:build unix

package xvfb

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jezek/xgb/xproto"

	"github.com/tessera-auth/tessera/app/internal/xconn"
)

// OwnClipboard makes the real xclip the owner of display's CLIPBOARD,
// offering the content of file as typ and nothing else, as a screenshot
// tool or a browser's "Copy Image" would. It returns once the X server
// names a new owner of the clipboard and that owner offers typ, so what a
// test reads next comes from this xclip and not an earlier owner. stop,
// also run at the end of the test, ends xclip. A missing xclip fails the
// test with what to install.
func OwnClipboard(t testing.TB, display, typ, file string) (stop func()) {
	t.Helper()
	xclip, err := exec.LookPath("xclip")
	if err != nil {
		t.Fatal("xvfb: xclip not found: run `make test-deps` or install the Debian package xclip")
	}
	conn, err := xconn.Dial(display)
	if err != nil {
		t.Fatalf("xvfb: %v", err)
	}
	defer conn.Close()
	clipboard, err := xproto.InternAtom(conn, false, uint16(len("CLIPBOARD")), "CLIPBOARD").Reply()
	if err != nil {
		t.Fatalf("xvfb: %v", err)
	}
	owner := func() xproto.Window {
		r, err := xproto.GetSelectionOwner(conn, clipboard.Atom).Reply()
		if err != nil {
			t.Fatalf("xvfb: %v", err)
		}
		return r.Owner
	}
	before := owner()

	cmd := exec.Command(xclip, "-display", display, "-quiet", "-selection", "clipboard", "-t", typ, "-i", file)
	cmd.Env = append(os.Environ(), "LANG=en_US.UTF-8")
	if err := cmd.Start(); err != nil {
		t.Fatalf("xvfb: xclip: %v", err)
	}
	stopped := false
	stop = func() {
		if !stopped {
			stopped = true
			cmd.Process.Kill()
			cmd.Wait()
		}
	}
	t.Cleanup(stop)
	poll(t, "xclip to own the clipboard and offer "+typ, func() bool {
		if o := owner(); o == xproto.WindowNone || o == before {
			return false
		}
		out, err := exec.Command(xclip, "-display", display, "-selection", "clipboard", "-o", "-t", "TARGETS").Output()
		return err == nil && slices.Contains(strings.Fields(string(out)), typ)
	})
	return stop
}

// poll checks cond every 10 ms until it holds, failing the test after 10 s.
func poll(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("xvfb: timed out after 10 s waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
