//go:build e2e

package gui

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tessera-auth/tessera/app/loopback/webauthn/webauthntest"
	"github.com/tessera-auth/tessera/vault"
)

// TestE2ESecurityKeyWindow drives the real window with real headless
// Chromium and a DevTools virtual authenticator (PRF on): enrol a key in
// Settings › Security keys, lock, and unlock with the key alone. $BROWSER
// is a script that hands each page URL to the test, which opens it in the
// authenticator's tab.
func TestE2ESecurityKeyWindow(t *testing.T) {
	bin := build(t, "github.com/tessera-auth/tessera")
	d := newXdesk(t, 1024, 768)
	home := t.TempDir()
	dir := filepath.Join(home, "vault")
	makeVault(t, dir, testEntries(t))
	urls := filepath.Join(home, "urls")
	script := filepath.Join(home, "browser.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nprintf '%s\\n' \"$1\" >> "+urls+"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	browser := webauthntest.StartChromium(t)
	tab, _ := webauthntest.KeyTab(t, browser, webauthntest.SecurityKey())

	p := d.startProgram(bin, d.env(home, "TESSERA_VAULT="+dir, "TESSERA_APPROVALS_PORT=0", "BROWSER="+script))
	win := d.waitWindow("^Tessera")
	d.unlockTessera(win)

	// The page the window opens next: read from the script's file, and
	// opened in the authenticator's tab.
	seen := 0
	openNext := func(what string) {
		t.Helper()
		var url string
		waitFor(t, 20*time.Second, "the window to open the security-key page ("+what+")", func() bool {
			b, _ := os.ReadFile(urls)
			lines := strings.Fields(string(b))
			if len(lines) > seen {
				url = lines[seen]
				return true
			}
			return false
		})
		seen++
		if !strings.HasPrefix(url, "http://localhost:") {
			t.Fatalf("the window opened %q, not a page at http://localhost:PORT", redactKeyURL(url))
		}
		ctx, cancel := context.WithTimeout(tab, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
			t.Fatalf("opening the page: %v", err)
		}
	}

	// Settings › Security keys (Ctrl+Shift+K), where the keyboard starts on
	// "Add security key…": Space, a name, Enter.
	d.xdo("key", "ctrl+shift+k")
	d.xdo("key", "space")
	d.xdo("type", "--delay", "20", "virtual key")
	d.xdo("key", "Return")
	openNext("enrolment")
	waitFor(t, 30*time.Second, "the key's slot in the vault", func() bool {
		v, err := vault.Open(dir, nil)
		return err == nil && len(v.SecurityKeys()) == 1
	})
	shot := d.screenshot(win)
	savePNG(t, filepath.Join(t.ArtifactDir(), "security-keys.png"), shot)

	// Lock (Ctrl+L), then the key alone: from the passphrase field, Tab
	// twice reaches "Unlock with security key".
	d.xdo("key", "ctrl+l")
	waitFor(t, 10*time.Second, "the window to lock", func() bool { return d.windowName(win) == titleLocked })
	d.xdo("key", "Tab", "Tab", "space")
	openNext("unlock")
	waitFor(t, 30*time.Second, "the key to unlock the window", func() bool { return d.windowName(win) == titleUnlocked })

	v, err := vault.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range v.Slots() {
		if s.Kind == vault.SlotSecurityKey && (s.Label != "virtual key" || s.LastUsed().IsZero()) {
			t.Errorf("the key's slot: label %q, last used %v", s.Label, s.LastUsed())
		}
	}
	if p.cmd.ProcessState != nil {
		t.Fatalf("tessera exited: %s", p.output)
	}
}

// redactKeyURL hides the one-time token of a key page link.
func redactKeyURL(s string) string {
	if i := strings.Index(s, "#"); i >= 0 {
		return s[:i] + "#TOKEN"
	}
	return s
}
