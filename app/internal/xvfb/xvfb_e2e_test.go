//go:build e2e

package xvfb_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tessera-auth/tessera/app/internal/xvfb"
)

// geometry asks the X server on display for its screen size with xdotool.
func geometry(t *testing.T, display string) string {
	t.Helper()
	if _, err := exec.LookPath("xdotool"); err != nil {
		t.Fatalf("xdotool not found (%v): run `make test-deps` or install the Debian package xdotool", err)
	}
	cmd := exec.Command("xdotool", "getdisplaygeometry")
	cmd.Env = append(os.Environ(), "DISPLAY="+display, "LANG=en_US.UTF-8")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("xdotool getdisplaygeometry on %s: %v: %s", display, err, out)
	}
	return strings.TrimSpace(string(out))
}

// xvfbChildren lists the process IDs of the Xvfb processes this test
// process started and has not yet reaped, from /proc.
func xvfbChildren(t *testing.T) []int {
	t.Helper()
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, name := range stats {
		b, err := os.ReadFile(name)
		if err != nil {
			continue // the process has gone
		}
		// pid (comm) state ppid ...; comm may hold spaces, so split after ')'.
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 || !strings.HasSuffix(s[:i], "(Xvfb") {
			continue
		}
		fields := strings.Fields(s[i+1:])
		if len(fields) < 2 || fields[1] != strconv.Itoa(os.Getpid()) {
			continue
		}
		pid, _ := strconv.Atoi(strings.Fields(s)[0])
		pids = append(pids, pid)
	}
	return pids
}

// TestE2EStart starts two servers side by side, checks each has the screen
// size asked for, and that the servers are gone once their test has ended.
func TestE2EStart(t *testing.T) {
	var pids []int
	t.Run("sizes", func(t *testing.T) {
		first := xvfb.Start(t, 640, 480)
		second := xvfb.Start(t, 1600, 1000)
		if first == second {
			t.Fatalf("two servers share display %s", first)
		}
		for display, want := range map[string]string{first: "640 480", second: "1600 1000"} {
			if got := geometry(t, display); got != want {
				t.Errorf("display %s has geometry %q, want %q", display, got, want)
			}
		}
		pids = xvfbChildren(t)
		if len(pids) != 2 {
			t.Fatalf("found Xvfb children %v, want 2", pids)
		}
	})
	// The subtest's cleanup has stopped and reaped its servers.
	if left := xvfbChildren(t); len(left) != 0 {
		t.Errorf("Xvfb processes %v still exist after their test ended (started: %v)", left, pids)
	}
}
