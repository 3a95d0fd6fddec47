//go:build unix

// Package xvfb starts private X servers for end-to-end tests, so that a real
// Fyne window, xdotool and xclip can run on a machine without a screen.
//
// Each server is an Xvfb process on a display number of its own choosing
// (Xvfb -displayfd), reachable only through its Unix socket, and stopped
// when the test ends.
package xvfb

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// startTimeout bounds how long Xvfb may take to say it is ready, and
// stopTimeout how long it may take to exit after SIGTERM.
const (
	startTimeout = 30 * time.Second
	stopTimeout  = 10 * time.Second
)

// Start launches Xvfb with one w×h screen of 24-bit colour on a free display
// and returns that display's name (":N", the value for DISPLAY). It returns
// once the server accepts connections and stops the server in t.Cleanup.
// A missing Xvfb fails the test with what to install.
func Start(t testing.TB, w, h int) string {
	t.Helper()
	bin, err := exec.LookPath("Xvfb")
	if err != nil {
		t.Fatalf("xvfb: Xvfb not found (%v): run `make test-deps` or install the Debian package xvfb", err)
	}

	// Xvfb writes the display number it picked to this pipe once it is
	// ready to accept connections.
	r, wr, err := os.Pipe()
	if err != nil {
		t.Fatalf("xvfb: pipe: %v", err)
	}
	defer r.Close()

	stderr := new(lockedBuffer)
	cmd := exec.Command(bin,
		"-displayfd", "3", // ExtraFiles[0] is the child's fd 3
		"-screen", "0", fmt.Sprintf("%dx%dx24", w, h),
		"-nolisten", "tcp",
		"-noreset", // no server reset each time the last client leaves
	)
	cmd.ExtraFiles = []*os.File{wr}
	cmd.Stderr = stderr
	// Own process group, so a terminal's Ctrl-C reaches the test first and
	// the cleanup below decides how the server ends.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		wr.Close()
		t.Fatalf("xvfb: start %s: %v", bin, err)
	}
	wr.Close() // only the child holds the write end now: EOF if it dies

	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	stop := func() {
		select {
		case <-exited:
			return
		default:
		}
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(stopTimeout):
			cmd.Process.Kill()
			<-exited
		}
	}

	if err := r.SetReadDeadline(time.Now().Add(startTimeout)); err != nil {
		stop()
		t.Fatalf("xvfb: pipe deadline: %v", err)
	}
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil {
		stop()
		t.Fatalf("xvfb: Xvfb did not report a display (%v); its output:\n%s", err, stderr.String())
	}
	n, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		stop()
		t.Fatalf("xvfb: Xvfb reported display %q, not a number", line)
	}
	t.Cleanup(stop)
	return ":" + strconv.Itoa(n)
}

// lockedBuffer collects a child's output while it runs, for error messages.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
