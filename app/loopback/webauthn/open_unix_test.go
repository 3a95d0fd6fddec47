//go:build unix

package webauthn_test

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/tessera-auth/tessera/app/loopback/webauthn"
)

// TestOpenBrowser runs a real program named by $BROWSER (after one that
// does not exist) and checks that it got the URL as one argument. The
// program writes it into a FIFO, whose read waits for it.
func TestOpenBrowser(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "got")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(dir, "browser")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nprintf '%s|%s' \"$#\" \"$1\" > "+fifo+"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("BROWSER", filepath.Join(dir, "missing")+":"+script)
	const u = "http://localhost:1/key/#tok en;$(x)"
	if err := webauthn.OpenBrowser(u); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(fifo)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "1|"+u {
		t.Errorf("the browser got %q, want one argument %q", got, u)
	}

	t.Setenv("BROWSER", filepath.Join(dir, "missing"))
	t.Setenv("PATH", dir) // no xdg-open, open or rundll32 either
	err = webauthn.OpenBrowser(u)
	if err == nil || !strings.Contains(err.Error(), "open the link by hand") || !strings.Contains(err.Error(), "missing") {
		t.Errorf("OpenBrowser with no browser = %v", err)
	}
}
