//go:build e2e

package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tessera-auth/tessera/app/cli"
	"github.com/tessera-auth/tessera/app/loopback/webauthn/webauthntest"
)

// TestE2ESyncSecurityKey: a second device joins through the sync folder
// with a security key alone (the ceremony in real headless Chromium with a
// virtual authenticator), and after the first device gives the vault a new
// master key, takes it in place with the key again; a key not enrolled
// joins nothing.
func TestE2ESyncSecurityKey(t *testing.T) {
	t.Setenv("BROWSER", "true") // the test opens the page itself
	work := t.TempDir()
	pass := filepath.Join(work, "pass")
	os.WriteFile(pass, []byte("correct horse battery staple\n"), 0o600)
	sf := filepath.Join(work, "folder")
	os.Mkdir(sf, 0o700)
	a, b := filepath.Join(work, "a"), filepath.Join(work, "b")
	c := &keyCLI{t: t, env: map[string]string{"TESSERA_PASSPHRASE_FILE": pass}}
	c.ok(nil, "init", "--vault", a)
	c.ok(nil, "add", "--vault", a, "--uri", "otpauth://totp/GitHub:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
	browser := webauthntest.StartChromium(t)
	key, stranger := newKeyTab(t, browser), newKeyTab(t, browser)
	c.ok(key, "key", "add", "--vault", a, "--name", "one")
	c.ok(nil, "sync", "--vault", a, "--folder", sf, "--name", "laptop")

	code, _, errs := c.run(stranger, "sync", "--vault", filepath.Join(work, "x"), "--folder", sf, "--security-key")
	if code != cli.ExitAuth {
		t.Errorf("joining with a key not enrolled: exit %d, %s", code, redactURL(errs))
	}
	if _, err := os.Stat(filepath.Join(work, "x", "vault.json")); err == nil {
		t.Error("a key not enrolled made a vault")
	}

	if out := c.ok(key, "sync", "--vault", b, "--folder", sf, "--security-key", "--name", "desktop"); !strings.Contains(out, "joined: a new vault in") {
		t.Fatalf("join with the key: %s", out)
	}
	want := c.ok(nil, "list", "--vault", a)
	if got := c.ok(key, "list", "--vault", b, "--security-key"); got != want {
		t.Fatalf("joined with the key:\n%s\nwant\n%s", got, want)
	}

	// A new master key on the first device: the second takes it with the
	// key, and gets what was written since.
	c.ok(nil, "rekey", "--vault", a)
	c.ok(nil, "add", "--vault", a, "--uri", "otpauth://totp/After:bob?secret=JBSWY3DPEHPK3PXP")
	c.ok(nil, "sync", "--vault", a, "--folder", sf)
	code, out, errs := c.run(key, "sync", "--vault", b, "--folder", sf, "--security-key")
	if code != 0 || !strings.Contains(out, "this device took the vault's new master key") {
		t.Fatalf("sync after the rekey: exit %d\n%s%s", code, out, redactURL(errs))
	}
	if n := strings.Count(errs, "Touch your security key"); n != 2 {
		t.Errorf("%d ceremonies, want 2 (unlock, then the new keys)", n)
	}
	want = c.ok(nil, "list", "--vault", a)
	if got := c.ok(key, "list", "--vault", b, "--security-key"); got != want || !strings.Contains(got, "After") {
		t.Errorf("after taking the new key:\n%s\nwant\n%s", got, want)
	}
	// The passphrase opens the second device's vault too: its slots are
	// the folder's.
	c.ok(nil, "list", "--vault", b)
}
