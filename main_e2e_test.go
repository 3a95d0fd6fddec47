//go:build e2e

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestE2ECLIUnderPOSIXLocale runs the real binary's command line under the
// locales minimal systems have: Fyne, linked in for the window, must not
// print its locale error on the way to a CLI verb.
func TestE2ECLIUnderPOSIXLocale(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "tessera")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, lang := range []string{"C", "C.UTF-8", "POSIX", ""} {
		cmd := exec.Command(bin, "version")
		cmd.Env = append(withoutLocale(os.Environ()), "LANG="+lang)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("LANG=%q: %v\n%s", lang, err, stderr.Bytes())
		}
		if !strings.HasPrefix(stdout.String(), "tessera ") || stderr.Len() != 0 {
			t.Errorf("LANG=%q: stdout %q, stderr %q; want the version and nothing on stderr", lang, stdout.String(), stderr.String())
		}
	}
}

func withoutLocale(env []string) []string {
	var out []string
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES":
			continue
		}
		out = append(out, kv)
	}
	return out
}
