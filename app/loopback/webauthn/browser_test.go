package webauthn_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/chromedp/cdproto/cdp"
	cdppage "github.com/chromedp/cdproto/page"
	cdpwa "github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"github.com/tessera-auth/tessera/app/loopback/webauthn"
	"github.com/tessera-auth/tessera/app/loopback/webauthn/webauthntest"
	"github.com/tessera-auth/tessera/vault"
)

// tab is a browser tab with its own virtual authenticator (Chromium keeps
// one virtual environment per tab).
type tab struct {
	t   *testing.T
	ctx context.Context
	key cdpwa.AuthenticatorID
}

func newTab(t *testing.T, browser context.Context, opts cdpwa.VirtualAuthenticatorOptions) *tab {
	t.Helper()
	ctx, id := webauthntest.KeyTab(t, browser, opts)
	return &tab{t: t, ctx: ctx, key: id}
}

// override makes the tab's authenticator spoil its next answers.
func (tb *tab) override(p cdpwa.SetResponseOverrideBitsParams) {
	tb.t.Helper()
	p.AuthenticatorID = tb.key
	_, err := chromedp.Run(tb.ctx, func(ctx context.Context, target *chromedp.Target) (cdp.Empty, error) {
		return cdp.Call(ctx, target, cdpwa.SetResponseOverrideBits, p)
	})
	if err != nil {
		tb.t.Fatal(err)
	}
}

// outcome is how a ceremony ended, on both sides.
type outcome struct {
	res   *webauthn.Result
	err   error
	state string // the page's final state: "done" or "failed"
	says  string // what the page finally says
}

// run opens c's page in the tab and returns the ceremony's outcome and
// what the page ended up saying.
func (tb *tab) run(c *webauthn.Ceremony) outcome {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, chromedp.Navigate(c.URL())); err != nil {
		tb.t.Fatalf("opening the page: %v", err)
	}
	return tb.finish(c)
}

// finish waits for c and for the page to show how it ended.
func (tb *tab) finish(c *webauthn.Ceremony) outcome {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var o outcome
	o.res, o.err = c.Wait(ctx)
	if errors.Is(o.err, context.DeadlineExceeded) {
		tb.t.Fatal("the ceremony did not end within a minute")
	}
	o.state, o.says = tb.pageEnd()
	return o
}

// pageEnd waits for the page to reach its end state and returns it and
// the page's visible text.
func (tb *tab) pageEnd() (state, says string) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 30*time.Second)
	defer cancel()
	got, err := chromedp.Run(ctx, chromedp.Poll[[]string](
		`['done', 'failed'].includes(document.body.dataset.state) && [document.body.dataset.state, document.body.innerText]`,
		chromedp.WithPollingMutation()))
	if err != nil || len(got) != 2 {
		tb.t.Fatalf("the page did not reach an end state: %v", err)
	}
	return got[0], got[1]
}

func (tb *tab) eval(js string) string {
	tb.t.Helper()
	v, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	if err != nil {
		tb.t.Fatalf("%s: %v", js, err)
	}
	return v
}

func (o outcome) String() string {
	return fmt.Sprintf("err=%v page=%s %q", o.err, o.state, o.says)
}

// TestBrowser runs the ceremonies in real headless Chromium with DevTools
// virtual authenticators: enrolment and unlock agree on the identity, the
// stock age binary opens a file sealed to it, and each way to fail that a
// browser can produce fails closed, seen from both Tessera and the page.
func TestBrowser(t *testing.T) {
	if _, err := exec.LookPath("age"); err != nil {
		t.Fatal("age not found: install it (Debian: apt-get install age)")
	}
	browser := webauthntest.StartChromium(t)
	s := newServer(t, webauthn.Config{})
	main := newTab(t, browser, webauthntest.SecurityKey())

	c, err := s.cs.BeginEnrol(webauthn.EnrolOptions{UserID: userID, UserName: "browser test"})
	if err != nil {
		t.Fatal(err)
	}
	o := main.run(c)
	if o.err != nil || o.state != "done" || !strings.Contains(o.says, "Your security key is enrolled.") || !strings.Contains(o.says, "Return to Tessera") {
		t.Fatalf("enrolment: %s", o)
	}
	enrolled := o.res

	unlockWith := func(t *testing.T, tb *tab, keys ...vault.SecurityKey) outcome {
		t.Helper()
		c, err := s.cs.BeginUnlock(userID, keys)
		if err != nil {
			t.Fatal(err)
		}
		return tb.run(c)
	}

	t.Run("unlock gives the enrolled identity", func(t *testing.T) {
		o := unlockWith(t, main, enrolled.Key)
		if o.err != nil || o.state != "done" || !strings.Contains(o.says, "Tessera is unlocked.") {
			t.Fatalf("unlock: %s", o)
		}
		if o.res.Identity.String() != enrolled.Identity.String() {
			t.Fatal("unlock derived another identity than the enrolment")
		}
		if !bytes.Equal(o.res.Key.CredentialID, enrolled.Key.CredentialID) || o.res.Key.SignCount <= enrolled.Key.SignCount {
			t.Errorf("unlock's key record: sign count %d after %d", o.res.Key.SignCount, enrolled.Key.SignCount)
		}
		enrolled.Key.SignCount = o.res.Key.SignCount
		ageOpens(t, enrolled.Identity.Recipient(), o.res.Identity)
	})

	t.Run("the page URL works once", func(t *testing.T) {
		c, err := s.cs.BeginUnlock(userID, []vault.SecurityKey{enrolled.Key})
		if err != nil {
			t.Fatal(err)
		}
		o := main.run(c)
		if o.err != nil {
			t.Fatalf("unlock: %s", o)
		}
		enrolled.Key.SignCount = o.res.Key.SignCount
		if u := main.eval(`location.href`); strings.Contains(u, "#") {
			t.Errorf("the page left its token in the address bar: %s", u)
		}
		// The same link again, as a second tab would open it.
		if err := chromedp.Do(main.ctx, chromedp.Navigate("about:blank"), chromedp.Navigate(c.URL())); err != nil {
			t.Fatal(err)
		}
		if state, says := main.pageEnd(); state != "failed" || !strings.Contains(says, "already over") {
			t.Errorf("the link opened a second time: %s %q", state, says)
		}
	})

	t.Run("bad signature", func(t *testing.T) {
		main.override(cdpwa.SetResponseOverrideBitsParams{IsBogusSignature: ptr(true)})
		defer main.override(cdpwa.SetResponseOverrideBitsParams{})
		o := unlockWith(t, main, enrolled.Key)
		if !errors.Is(o.err, webauthn.ErrSignature) || o.state != "failed" || !strings.Contains(o.says, webauthn.ErrSignature.Error()) {
			t.Fatalf("%s, want %v", o, webauthn.ErrSignature)
		}
		enrolled.Key.SignCount++ // the key counted the spoiled assertion
	})

	t.Run("user verification not done", func(t *testing.T) {
		main.override(cdpwa.SetResponseOverrideBitsParams{IsBadUV: ptr(true)})
		defer main.override(cdpwa.SetResponseOverrideBitsParams{})
		o := unlockWith(t, main, enrolled.Key)
		if !errors.Is(o.err, webauthn.ErrUserVerification) || o.state != "failed" {
			t.Fatalf("%s, want %v", o, webauthn.ErrUserVerification)
		}
		enrolled.Key.SignCount++
	})

	t.Run("sign count behind the stored one", func(t *testing.T) {
		// As if a clone of the key had been used since: Tessera saw a
		// higher count than the key now gives.
		k := enrolled.Key
		k.SignCount += 100
		o := unlockWith(t, main, k)
		if !errors.Is(o.err, webauthn.ErrCloned) || o.state != "failed" || !strings.Contains(o.says, "cloned") {
			t.Fatalf("%s, want %v", o, webauthn.ErrCloned)
		}
	})

	t.Run("a second key not enrolled", func(t *testing.T) {
		other := newTab(t, browser, webauthntest.SecurityKey())
		o := unlockWith(t, other, enrolled.Key)
		var pe *webauthn.PageError
		if !errors.As(o.err, &pe) || o.state != "failed" {
			t.Fatalf("%s, want a page-reported failure", o)
		}
		t.Logf("the browser said %s: %s", pe.Name, pe.Message)
	})

	t.Run("a key without PRF", func(t *testing.T) {
		opts := webauthntest.SecurityKey()
		opts.HasPrf = false
		noPRF := newTab(t, browser, opts)
		c, _ := s.cs.BeginEnrol(webauthn.EnrolOptions{UserID: userID})
		o := noPRF.run(c)
		if !errors.Is(o.err, webauthn.ErrPRFNotEnabled) || o.state != "failed" || !strings.Contains(o.says, "PRF") {
			t.Fatalf("%s, want %v", o, webauthn.ErrPRFNotEnabled)
		}
	})

	t.Run("a key that cannot verify the user", func(t *testing.T) {
		opts := webauthntest.SecurityKey()
		opts.IsUserVerified = false
		noUV := newTab(t, browser, opts)
		c, _ := s.cs.BeginEnrol(webauthn.EnrolOptions{UserID: userID})
		o := noUV.run(c)
		var pe *webauthn.PageError
		if !errors.As(o.err, &pe) || o.state != "failed" {
			t.Fatalf("%s, want a page-reported failure", o)
		}
	})

	t.Run("cancel on the page", func(t *testing.T) {
		opts := webauthntest.SecurityKey()
		opts.AutomaticPresenceSimulation = false // waits for a touch that never comes
		idle := newTab(t, browser, opts)
		c, _ := s.cs.BeginUnlock(userID, []vault.SecurityKey{enrolled.Key})
		if err := chromedp.Do(idle.ctx, chromedp.Navigate(c.URL()), chromedp.WaitVisible(chromedp.ID("cancel")), chromedp.Click(chromedp.ID("cancel"))); err != nil {
			t.Fatal(err)
		}
		o := idle.finish(c)
		var pe *webauthn.PageError
		if !errors.As(o.err, &pe) || pe.Name != "AbortError" || o.state != "failed" || !strings.Contains(o.says, "Cancelled") {
			t.Fatalf("%s, want an AbortError from the page", o)
		}
	})

	t.Run("the page keeps to its CSP, which blocks inline script", func(t *testing.T) {
		tb := newTab(t, browser, webauthntest.SecurityKey())
		_, err := chromedp.Run(tb.ctx, func(ctx context.Context, target *chromedp.Target) (cdppage.AddScriptToEvaluateOnNewDocumentResult, error) {
			return cdp.Call(ctx, target, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{
				Source: `window.violations = []; document.addEventListener('securitypolicyviolation', e => window.violations.push(e.violatedDirective + ' ' + e.blockedURI));`,
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		c, _ := s.cs.BeginEnrol(webauthn.EnrolOptions{UserID: userID})
		if o := tb.run(c); o.err != nil {
			t.Fatalf("enrolment: %s", o)
		}
		if v := tb.eval(`JSON.stringify(window.violations)`); v != "[]" {
			t.Errorf("the page broke its own CSP: %s", v)
		}
		got := tb.eval(`new Promise(done => {
			const s = document.createElement('script');
			s.textContent = 'window.inlineRan = true';
			document.body.appendChild(s);
			setTimeout(() => done(String(window.inlineRan) + ' ' + JSON.stringify(window.violations)), 0);
		})`)
		if !strings.HasPrefix(got, "undefined ") || !strings.Contains(got, "script-src") {
			t.Errorf("an inline script on the page: %s, want blocked by script-src", got)
		}
	})

	t.Run("another origin holding the token", func(t *testing.T) {
		other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<!doctype html><title>another site</title>"))
		}))
		defer other.Close()
		u, _ := url.Parse(other.URL)
		evil := newTab(t, browser, webauthntest.SecurityKey())
		if err := chromedp.Do(evil.ctx, chromedp.Navigate("http://localhost:"+u.Port()+"/")); err != nil {
			t.Fatal(err)
		}
		c, _ := s.cs.BeginUnlock(userID, []vault.SecurityKey{enrolled.Key})
		cu, _ := url.Parse(c.URL())
		start := s.origin + "/key/start"
		body := fmt.Sprintf(`JSON.stringify({token: %q})`, cu.Fragment)

		// A JSON post needs a CORS preflight, which Tessera never grants:
		// the request does not even reach the ceremony.
		got := evil.eval(`fetch(` + fmt.Sprintf("%q", start) + `, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: ` + body + `}).then(() => 'read', e => 'blocked: ' + e.name)`)
		if got != "blocked: TypeError" {
			t.Errorf("a cross-origin JSON post: %s", got)
		}
		select {
		case <-c.Done():
			t.Fatal("a blocked request ended the ceremony")
		default:
		}
		// A simple (no-cors) post arrives, with its Origin: Tessera
		// refuses it and stops the ceremony whose token it carried. (The
		// page cannot read the answer; Chromium's opaque-response blocking
		// may even turn it into a network error.)
		evil.eval(`fetch(` + fmt.Sprintf("%q", start) + `, {method: 'POST', mode: 'no-cors', headers: {'Content-Type': 'text/plain'}, body: ` + body + `}).then(() => 'sent', e => 'sent: ' + e.name)`)
		if _, err := wait(t, c); !errors.Is(err, webauthn.ErrOrigin) {
			t.Fatalf("Wait = %v, want %v", err, webauthn.ErrOrigin)
		}
	})
}

// ageOpens checks with the stock age binary that a file encrypted to r
// opens with id.
func ageOpens(t *testing.T, r *age.X25519Recipient, id *age.X25519Identity) {
	t.Helper()
	dir := t.TempDir()
	var ct bytes.Buffer
	w, err := age.Encrypt(&ct, r)
	if err != nil {
		t.Fatal(err)
	}
	plain := []byte("sealed to the security key's slot\n")
	w.Write(plain)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	ctFile, idFile := filepath.Join(dir, "slot.age"), filepath.Join(dir, "key.txt")
	if err := os.WriteFile(ctFile, ct.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(idFile, []byte(id.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("age", "-d", "-i", idFile, ctFile).Output()
	if err != nil {
		t.Fatalf("age -d with the unlock's identity: %v", err)
	}
	if !bytes.Equal(out, plain) {
		t.Fatalf("age -d gave %q", out)
	}
}

func ptr[T any](v T) *T { return &v }
