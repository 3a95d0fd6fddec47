//go:build e2e

package cli_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"filippo.io/age"
	"github.com/chromedp/chromedp"

	"github.com/tessera-auth/tessera/app/cli"
	"github.com/tessera-auth/tessera/app/loopback/webauthn/webauthntest"
)

// keyTab is a headless Chromium tab with a DevTools virtual authenticator
// of its own (CTAP 2.1, resident keys, user verification, PRF, presence
// simulated): one security key.
type keyTab struct{ ctx context.Context }

func newKeyTab(t *testing.T, browser context.Context) *keyTab {
	t.Helper()
	ctx, _ := webauthntest.KeyTab(t, browser, webauthntest.SecurityKey())
	return &keyTab{ctx: ctx}
}

// keyCLI runs tessera in this process; the key page it prints is opened
// in tab (nil: no key touched, the page is never opened).
type keyCLI struct {
	t   *testing.T
	env map[string]string
}

func (c *keyCLI) run(tab *keyTab, args ...string) (code int, stdout, stderr string) {
	c.t.Helper()
	pr, pw := io.Pipe()
	var out, errs bytes.Buffer
	env := cli.Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: pw, Getenv: func(k string) string { return c.env[k] }}
	done := make(chan int, 1)
	go func() {
		code := cli.Run(env, args)
		pw.Close()
		done <- code
	}()
	var wg sync.WaitGroup
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		line := sc.Text()
		errs.WriteString(line + "\n")
		if u := strings.TrimSpace(line); strings.HasPrefix(u, "http://localhost:") && tab != nil {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := chromedp.Do(tab.ctx, chromedp.Navigate(u)); err != nil {
					c.t.Errorf("opening the key page: %v", err)
				}
			}()
		}
	}
	wg.Wait()
	return <-done, out.String(), errs.String()
}

func (c *keyCLI) ok(tab *keyTab, args ...string) string {
	c.t.Helper()
	code, out, errs := c.run(tab, args...)
	if code != 0 {
		c.t.Fatalf("tessera %s: exit %d\n%s%s", strings.Join(args, " "), code, out, redactURL(errs))
	}
	return out
}

// TestE2EKeyBrowser runs the security-key commands against real headless
// Chromium with virtual authenticators: enrol a key, unlock a vault read
// afresh from disk with the key alone and see every entry; require the key
// (the passphrase alone is refused, the recovery code opens); enrol a
// second key, remove the first (which rekeys): the first key no longer
// opens, the second does, with every entry.
func TestE2EKeyBrowser(t *testing.T) {
	t.Setenv("BROWSER", "true") // the test opens the page itself
	work := t.TempDir()
	pass := filepath.Join(work, "pass")
	os.WriteFile(pass, []byte("correct horse battery staple\n"), 0o600)
	c := &keyCLI{t: t, env: map[string]string{"TESSERA_VAULT": filepath.Join(work, "v"), "TESSERA_PASSPHRASE_FILE": pass}}
	initOut := c.ok(nil, "init")
	codeFile := filepath.Join(work, "code.txt")
	os.WriteFile(codeFile, []byte(initOut), 0o600)
	c.ok(nil, "add", "--uri", "otpauth://totp/GitHub:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
	c.ok(nil, "add", "--uri", "otpauth://hotp/Bank:bob?secret=JBSWY3DPEHPK3PXP&counter=4")
	want := c.ok(nil, "list")

	browser := webauthntest.StartChromium(t)
	one, two := newKeyTab(t, browser), newKeyTab(t, browser)
	if out := c.ok(one, "key", "add", "--name", "one"); !strings.Contains(out, "security key enrolled") {
		t.Fatalf("key add: %s", out)
	}
	if got := c.ok(one, "list", "--security-key"); got != want {
		t.Fatalf("list with the key:\n%s\nwant\n%s", got, want)
	}
	if code, _, errs := c.run(two, "list", "--security-key"); code != cli.ExitAuth || !strings.Contains(errs, "security key") {
		t.Errorf("a key not enrolled: exit %d, %s", code, redactURL(errs))
	}

	c.ok(nil, "key", "require", "on", "--yes")
	if code, _, _ := c.run(nil, "list"); code != cli.ExitAuth {
		t.Errorf("the passphrase alone while a key is required: exit %d", code)
	}
	if got := c.ok(nil, "list", "--recovery-code-file", codeFile); got != want {
		t.Errorf("the recovery code: %s", got)
	}

	c.ok(two, "key", "add", "--name", "two", "--recovery-code-file", codeFile)
	idOne := strings.TrimSpace(c.ok(one, "key", "export-identity", "--yes"))
	oneID, err := age.ParseX25519Identity(idOne)
	if err != nil {
		t.Fatal("export-identity printed no age identity")
	}
	var slotOne string
	for _, line := range strings.Split(c.ok(nil, "key", "list"), "\n") {
		if f := strings.Fields(line); len(f) > 0 && strings.HasSuffix(line, " one") {
			slotOne = f[0]
		}
	}
	dir := c.env["TESSERA_VAULT"]
	oldSlots, _ := filepath.Glob(filepath.Join(dir, "slot-security-key-*.age"))
	var oldMaster *age.X25519Identity
	for _, f := range oldSlots {
		if m := openWith(f, oneID); m != nil {
			oldMaster = m
		}
	}
	if slotOne == "" || oldMaster == nil {
		t.Fatalf("key one's slot: %q, opens with its identity: %v", slotOne, oldMaster != nil)
	}
	if out := c.ok(nil, "key", "rm", slotOne, "--recovery-code-file", codeFile); !strings.Contains(out, "new master key") {
		t.Fatalf("key rm did not rekey: %s", out)
	}
	if code, _, errs := c.run(one, "list", "--security-key"); code != cli.ExitAuth {
		t.Errorf("the removed key: exit %d, %s", code, redactURL(errs))
	}
	if got := c.ok(two, "list", "--security-key"); got != want {
		t.Errorf("the second key after the first was removed:\n%s", got)
	}
	slots, _ := filepath.Glob(filepath.Join(dir, "slot-*.age"))
	for _, f := range slots {
		if openWith(f, oneID) != nil {
			t.Errorf("the removed key's identity opens %s", filepath.Base(f))
		}
	}
	if openWith(filepath.Join(dir, "body.age"), oldMaster) != nil {
		t.Error("the master key the removed key's old slot held opens the new body")
	}
}

// openWith decrypts file with id and returns the age identity inside, or
// nil if id does not open it. Any file id opens gives a non-nil result.
func openWith(file string, id age.Identity) *age.X25519Identity {
	ct, err := os.ReadFile(file)
	if err != nil {
		return nil
	}
	r, err := age.Decrypt(bytes.NewReader(ct), id)
	if err != nil {
		return nil
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return nil
	}
	m, err := age.ParseX25519Identity(strings.TrimSpace(string(b)))
	if err != nil {
		m, _ = age.GenerateX25519Identity() // opened, but holds no identity (a body)
	}
	return m
}

var pageURL = regexp.MustCompile(`http://localhost:[0-9]+/key/#\S+`)

// redactURL hides the one-time token of key page links in output.
func redactURL(s string) string {
	return pageURL.ReplaceAllString(s, "http://localhost:PORT/key/#TOKEN")
}
