package cli_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/tessera-auth/tessera/app/cli"
)

// A write to a vault on a read-only file system exits 7 (not 2, bad
// input), saying what happened and what to do. Tests run as root; a
// machine that cannot mount a tmpfs fails the test.
func TestExitStorage(t *testing.T) {
	mnt := t.TempDir()
	if err := syscall.Mount("tmpfs", mnt, "tmpfs", 0, "size=1m,mode=0700"); err != nil {
		t.Fatalf("mounting a tmpfs (tests run as root): %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(mnt, syscall.MNT_DETACH) })
	passFile := filepath.Join(t.TempDir(), "pass")
	if err := os.WriteFile(passFile, []byte("correct horse battery staple\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := func(stdin string) (cli.Env, *bytes.Buffer) {
		var errOut bytes.Buffer
		return cli.Env{Stdin: strings.NewReader(stdin), Stdout: &bytes.Buffer{}, Stderr: &errOut,
			Getenv: func(k string) string {
				switch k {
				case "TESSERA_VAULT":
					return filepath.Join(mnt, "v")
				case "TESSERA_PASSPHRASE_FILE":
					return passFile
				}
				return ""
			}}, &errOut
	}
	e, errOut := env("")
	if code := cli.Run(e, []string{"init"}); code != 0 {
		t.Fatalf("init: exit %d: %s", code, errOut)
	}
	if err := syscall.Mount("", mnt, "", syscall.MS_REMOUNT|syscall.MS_RDONLY, ""); err != nil {
		t.Fatal(err)
	}
	e, errOut = env("otpauth://totp/X:y?secret=GEZDGNBVGY3TQOJQ\n")
	if code := cli.Run(e, []string{"add"}); code != cli.ExitStorage {
		t.Fatalf("add on a read-only file system: exit %d, want %d: %s", code, cli.ExitStorage, errOut)
	}
	if msg := errOut.String(); !strings.Contains(msg, "read-only") || !strings.Contains(msg, "make it writable") {
		t.Errorf("message %q does not say what happened and what to do", msg)
	}
	e, errOut = env("")
	if code := cli.Run(e, []string{"list"}); code != 0 {
		t.Errorf("list on a read-only file system: exit %d: %s", code, errOut)
	}
}
