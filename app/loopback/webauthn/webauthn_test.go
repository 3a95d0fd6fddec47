package webauthn_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tessera-auth/tessera/app/clock/clocktest"
	"github.com/tessera-auth/tessera/app/loopback/webauthn"
	"github.com/tessera-auth/tessera/app/loopback/webauthn/webauthntest"
	"github.com/tessera-auth/tessera/vault"
)

var userID = []byte("vault-handle-0123456789abcdef")

// wait returns the ceremony's outcome, failing the test if it has not
// ended: every test below ends it through the handler first.
func wait(t *testing.T, c *webauthn.Ceremony) (*webauthn.Result, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := c.Wait(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		t.Fatal("the ceremony did not end")
	}
	return res, err
}

// enrol runs an enrolment with k through the handler and returns its
// result.
func enrol(t *testing.T, s *server, k *webauthntest.SoftKey, enrolled ...vault.SecurityKey) *webauthn.Result {
	t.Helper()
	c, err := s.cs.BeginEnrol(webauthn.EnrolOptions{UserID: userID, UserName: "test vault", Enrolled: enrolled})
	if err != nil {
		t.Fatal(err)
	}
	p := s.open(t, c)
	r := p.start()
	if r.Kind != "enrol" || r.Create == nil {
		t.Fatalf("start of an enrolment gave %s", r)
	}
	code, r := p.finish(k.Create(t, r.Create, s.origin))
	if code != http.StatusOK || r.Get == nil {
		t.Fatalf("finishing the creation: %d %s", code, r)
	}
	code, r = p.finish(k.Get(t, r.Get, s.origin))
	if code != http.StatusOK || !r.Done {
		t.Fatalf("finishing the first assertion: %d %s", code, r)
	}
	res, err := wait(t, c)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// unlock runs an unlock with k answering and returns the outcome and the
// last answer the page got.
func unlock(t *testing.T, s *server, k *webauthntest.SoftKey, keys ...vault.SecurityKey) (*webauthn.Result, int, reply, error) {
	t.Helper()
	c, err := s.cs.BeginUnlock(userID, keys)
	if err != nil {
		t.Fatal(err)
	}
	p := s.open(t, c)
	r := p.start()
	if r.Kind != "unlock" || r.Get == nil {
		t.Fatalf("start of an unlock gave %s", r)
	}
	code, r := p.finish(k.Get(t, r.Get, s.origin))
	res, err := wait(t, c)
	return res, code, r, err
}

// TestEnrolThenUnlock: an enrolment gives a key record and an identity;
// unlocking with the same key gives the same identity, a higher signature
// counter, and an identity that opens what was sealed to the enrolment's.
func TestEnrolThenUnlock(t *testing.T) {
	s := newServer(t, webauthn.Config{})
	k := webauthntest.NewSoftKey(t)
	got := enrol(t, s, k)
	key := got.Key
	if !bytes.Equal(key.CredentialID, k.CredID) {
		t.Errorf("enrolled credential ID %x, want %x", key.CredentialID, k.CredID)
	}
	if len(key.PRFSalt) != vault.PRFSize || len(key.PublicKey) == 0 {
		t.Errorf("enrolled key has a %d-byte salt and a %d-byte public key", len(key.PRFSalt), len(key.PublicKey))
	}
	if key.SignCount != k.Count {
		t.Errorf("enrolled sign count %d, want the key's %d", key.SignCount, k.Count)
	}
	if key.Recipient != got.Identity.Recipient().String() {
		t.Errorf("enrolled recipient %q is not the identity's", key.Recipient)
	}
	if strings.Join(key.Transports, ",") != "usb" {
		t.Errorf("transports %q, want usb", key.Transports)
	}
	want, err := vault.SecurityKeyIdentity(k.PRF(t, b64.EncodeToString(key.PRFSalt)), k.CredID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Identity.String() != want.String() {
		t.Fatal("the enrolment's identity is not derived from the key's PRF output on the stored salt")
	}

	res, code, r, err := unlock(t, s, k, key)
	if err != nil || code != http.StatusOK || !r.Done {
		t.Fatalf("unlock: %v (%d %s)", err, code, r)
	}
	if res.Identity.String() != got.Identity.String() {
		t.Fatal("unlock gave another identity than the enrolment")
	}
	if res.Key.SignCount != k.Count || res.Key.SignCount <= key.SignCount {
		t.Errorf("sign count after unlock %d, want the key's %d (above %d)", res.Key.SignCount, k.Count, key.SignCount)
	}
	if r.Message != "Tessera is unlocked." {
		t.Errorf("the page is told %q", r.Message)
	}
}

// TestUnlockPicksKeyByCredential: with two keys enrolled, each answers
// on its own salt and the result names the key that answered.
func TestUnlockPicksKeyByCredential(t *testing.T) {
	s := newServer(t, webauthn.Config{})
	k1, k2 := webauthntest.NewSoftKey(t), webauthntest.NewSoftKey(t)
	e1 := enrol(t, s, k1)
	e2 := enrol(t, s, k2, e1.Key)
	if bytes.Equal(e1.Key.PRFSalt, e2.Key.PRFSalt) {
		t.Fatal("two enrolments share a PRF salt")
	}
	for i, tc := range []struct {
		k    *webauthntest.SoftKey
		want *webauthn.Result
	}{{k2, e2}, {k1, e1}} {
		res, _, _, err := unlock(t, s, tc.k, e1.Key, e2.Key)
		if err != nil {
			t.Fatalf("unlock %d: %v", i, err)
		}
		if !bytes.Equal(res.Key.CredentialID, tc.want.Key.CredentialID) || res.Identity.String() != tc.want.Identity.String() {
			t.Errorf("unlock %d: the result is not the answering key's", i)
		}
	}
}

// TestEnrolExcludesEnrolledKeys: the creation options list the keys
// already enrolled, and a key that creates a credential with an enrolled
// ID anyway is refused.
func TestEnrolExcludesEnrolledKeys(t *testing.T) {
	s := newServer(t, webauthn.Config{})
	k := webauthntest.NewSoftKey(t)
	first := enrol(t, s, k)
	c, err := s.cs.BeginEnrol(webauthn.EnrolOptions{UserID: userID, Enrolled: []vault.SecurityKey{first.Key}})
	if err != nil {
		t.Fatal(err)
	}
	p := s.open(t, c)
	r := p.start()
	if !strings.Contains(string(r.Create), b64.EncodeToString(k.CredID)) {
		t.Error("the creation options do not exclude the enrolled credential")
	}
	code, r := p.finish(k.Create(t, r.Create, s.origin))
	if code != http.StatusConflict {
		t.Errorf("enrolling a key twice: %d %s", code, r)
	}
	if _, err := wait(t, c); err == nil || !strings.Contains(err.Error(), "already enrolled") {
		t.Errorf("Wait = %v, want already enrolled", err)
	}
}

// TestUnlockFailsClosed: each way an assertion can be wrong ends the
// ceremony with its own error, and the page is told that error.
func TestUnlockFailsClosed(t *testing.T) {
	for _, tc := range []struct {
		name  string
		spoil func(k *webauthntest.SoftKey, key *vault.SecurityKey) *webauthntest.SoftKey // returns the key that answers
		want  error
		code  int
	}{
		{"no PRF result", func(k *webauthntest.SoftKey, _ *vault.SecurityKey) *webauthntest.SoftKey { k.NoPRF = true; return k }, webauthn.ErrNoPRF, 422},
		{"PRF result of 31 bytes", func(k *webauthntest.SoftKey, _ *vault.SecurityKey) *webauthntest.SoftKey { k.PRFLen = 31; return k }, webauthn.ErrPRFSize, 422},
		{"PRF result of 64 bytes", func(k *webauthntest.SoftKey, _ *vault.SecurityKey) *webauthntest.SoftKey { k.PRFLen = 64; return k }, webauthn.ErrPRFSize, 422},
		{"PRF result altered on the way", func(k *webauthntest.SoftKey, _ *vault.SecurityKey) *webauthntest.SoftKey { k.PRFFlip = true; return k }, webauthn.ErrWrongPRF, 403},
		{"sign count went backwards", func(k *webauthntest.SoftKey, key *vault.SecurityKey) *webauthntest.SoftKey {
			k.Count = key.SignCount - 3
			return k
		}, webauthn.ErrCloned, 403},
		{"sign count stood still", func(k *webauthntest.SoftKey, key *vault.SecurityKey) *webauthntest.SoftKey {
			k.Count = key.SignCount - 1
			return k
		}, webauthn.ErrCloned, 403},
		{"signed for another origin", func(k *webauthntest.SoftKey, _ *vault.SecurityKey) *webauthntest.SoftKey {
			k.SignedOrigin = "http://localhost:1"
			return k
		}, webauthn.ErrOrigin, 403},
		{"bad signature", func(k *webauthntest.SoftKey, _ *vault.SecurityKey) *webauthntest.SoftKey {
			k.BadSignature = true
			return k
		}, webauthn.ErrSignature, 403},
		{"user not verified", func(k *webauthntest.SoftKey, _ *vault.SecurityKey) *webauthntest.SoftKey { k.NoUV = true; return k }, webauthn.ErrUserVerification, 422},
		{"key not enrolled", func(_ *webauthntest.SoftKey, _ *vault.SecurityKey) *webauthntest.SoftKey {
			return webauthntest.NewSoftKey(t)
		}, webauthn.ErrNotEnrolled, 403},
		{"enrolled key answers with another key's signature", func(k *webauthntest.SoftKey, _ *vault.SecurityKey) *webauthntest.SoftKey {
			other := webauthntest.NewSoftKey(t)
			other.CredID = k.CredID
			return other
		}, webauthn.ErrSignature, 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, webauthn.Config{})
			k := webauthntest.NewSoftKey(t)
			key := enrol(t, s, k).Key
			res, code, r, err := unlock(t, s, tc.spoil(k, &key), key)
			if !errors.Is(err, tc.want) || res != nil {
				t.Fatalf("Wait = %v, %v; want %v", res, err, tc.want)
			}
			if code != tc.code || r.Error != err.Error() || r.Done {
				t.Errorf("the page got %d %s, want %d with %q", code, r, tc.code, err)
			}
		})
	}
}

// TestEnrolFailsClosed: a creation without PRF enabled, without user
// verification or signed for another origin ends the enrolment.
func TestEnrolFailsClosed(t *testing.T) {
	for _, tc := range []struct {
		name  string
		spoil func(k *webauthntest.SoftKey)
		want  error
	}{
		{"PRF not enabled", func(k *webauthntest.SoftKey) { k.NoPRF = true }, webauthn.ErrPRFNotEnabled},
		{"user not verified", func(k *webauthntest.SoftKey) { k.NoUV = true }, webauthn.ErrUserVerification},
		{"signed for another origin", func(k *webauthntest.SoftKey) { k.SignedOrigin = "http://127.0.0.1:1" }, webauthn.ErrOrigin},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, webauthn.Config{})
			k := webauthntest.NewSoftKey(t)
			tc.spoil(k)
			c, err := s.cs.BeginEnrol(webauthn.EnrolOptions{UserID: userID})
			if err != nil {
				t.Fatal(err)
			}
			p := s.open(t, c)
			r := p.start()
			code, r := p.finish(k.Create(t, r.Create, s.origin))
			if code == http.StatusOK || r.Get != nil {
				t.Fatalf("the creation was accepted: %d %s", code, r)
			}
			if _, err := wait(t, c); !errors.Is(err, tc.want) {
				t.Fatalf("Wait = %v, want %v", err, tc.want)
			}
		})
	}

	// The first assertion of an enrolment is checked like any other.
	s := newServer(t, webauthn.Config{})
	k := webauthntest.NewSoftKey(t)
	c, err := s.cs.BeginEnrol(webauthn.EnrolOptions{UserID: userID})
	if err != nil {
		t.Fatal(err)
	}
	p := s.open(t, c)
	r := p.start()
	_, r = p.finish(k.Create(t, r.Create, s.origin))
	k.NoPRF = true
	if code, r := p.finish(k.Get(t, r.Get, s.origin)); code != 422 || r.Done {
		t.Errorf("an enrolment without a PRF result: %d %s", code, r)
	}
	if _, err := wait(t, c); !errors.Is(err, webauthn.ErrNoPRF) {
		t.Errorf("Wait = %v, want %v", err, webauthn.ErrNoPRF)
	}
}

// TestTokensAreGoodOnce: a page URL's token used a second time while the
// ceremony runs stops it; a step's token likewise; after a success, a
// reused token is refused and the success stands.
func TestTokensAreGoodOnce(t *testing.T) {
	s := newServer(t, webauthn.Config{})
	k := webauthntest.NewSoftKey(t)
	key := enrol(t, s, k).Key

	// The URL's token twice.
	c, _ := s.cs.BeginUnlock(userID, []vault.SecurityKey{key})
	p := s.open(t, c)
	first := p.token
	p.start()
	again := &page{t: t, s: s, token: first}
	code, r := again.post("start", map[string]string{"token": first})
	if code != http.StatusGone || r.Error != webauthn.ErrSessionUsed.Error() {
		t.Errorf("second start: %d %s", code, r)
	}
	if _, err := wait(t, c); !errors.Is(err, webauthn.ErrSessionUsed) {
		t.Errorf("Wait = %v, want %v", err, webauthn.ErrSessionUsed)
	}

	// A step's token twice: the second answer is refused, though valid.
	c, _ = s.cs.BeginEnrol(webauthn.EnrolOptions{UserID: userID})
	p = s.open(t, c)
	r = p.start()
	created := k.Create(t, r.Create, s.origin)
	step := p.token
	if code, r := p.finish(created); code != http.StatusOK {
		t.Fatalf("finish: %d %s", code, r)
	}
	p.token = step
	if code, r := p.finish(created); code != http.StatusGone {
		t.Errorf("second finish with one token: %d %s", code, r)
	}
	if _, err := wait(t, c); !errors.Is(err, webauthn.ErrSessionUsed) {
		t.Errorf("Wait = %v, want %v", err, webauthn.ErrSessionUsed)
	}

	// After a success.
	c, _ = s.cs.BeginUnlock(userID, []vault.SecurityKey{key})
	p = s.open(t, c)
	first = p.token
	r = p.start()
	if code, r := p.finish(k.Get(t, r.Get, s.origin)); code != http.StatusOK || !r.Done {
		t.Fatalf("unlock: %d %s", code, r)
	}
	code, r = (&page{t: t, s: s}).post("start", map[string]string{"token": first})
	if code != http.StatusGone || !strings.Contains(r.Error, "already over") {
		t.Errorf("start after success: %d %s", code, r)
	}
	if res, err := wait(t, c); err != nil || res == nil {
		t.Errorf("a late reuse changed the outcome to %v", err)
	}

	// A token never issued changes nothing.
	c, _ = s.cs.BeginUnlock(userID, []vault.SecurityKey{key})
	code, r = (&page{t: t, s: s}).post("start", map[string]string{"token": "made-up"})
	if code != http.StatusNotFound || !strings.Contains(r.Error, "unknown") {
		t.Errorf("start with a made-up token: %d %s", code, r)
	}
	p = s.open(t, c)
	r = p.start()
	if code, r := p.finish(k.Get(t, r.Get, s.origin)); code != http.StatusOK || !r.Done {
		t.Errorf("unlock after a made-up token: %d %s", code, r)
	}
}

// TestCeremonyExpires: a ceremony whose page is never opened ends with
// ErrExpired after Lifetime (on an injected clock), and a page opened
// later is told so; a minute less is not enough.
func TestCeremonyExpires(t *testing.T) {
	clk := clocktest.New(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	s := newServer(t, webauthn.Config{Clock: clk})
	k := webauthntest.NewSoftKey(t)
	key := enrol(t, s, k).Key

	c, _ := s.cs.BeginUnlock(userID, []vault.SecurityKey{key})
	clk.Advance(webauthn.Lifetime - time.Second)
	select {
	case <-c.Done():
		t.Fatal("the ceremony ended before its lifetime")
	default:
	}
	clk.Advance(time.Second)
	if _, err := wait(t, c); !errors.Is(err, webauthn.ErrExpired) {
		t.Fatalf("Wait = %v, want %v", err, webauthn.ErrExpired)
	}
	code, r := s.open(t, c).post("start", map[string]string{"token": s.open(t, c).token})
	if code != http.StatusGone || r.Error != webauthn.ErrExpired.Error() {
		t.Errorf("start after expiry: %d %s", code, r)
	}

	// Opened in time, answered too late.
	c, _ = s.cs.BeginUnlock(userID, []vault.SecurityKey{key})
	p := s.open(t, c)
	r = p.start()
	clk.Advance(webauthn.Lifetime)
	if code, r := p.finish(k.Get(t, r.Get, s.origin)); code != http.StatusGone || r.Done {
		t.Errorf("finish after expiry: %d %s", code, r)
	}
	if _, err := wait(t, c); !errors.Is(err, webauthn.ErrExpired) {
		t.Errorf("Wait = %v, want %v", err, webauthn.ErrExpired)
	}
	if n := clk.Pending(); n != 0 {
		t.Errorf("%d timers left pending", n)
	}
}

// TestPageReportsFailure: what the page reports ends the ceremony at
// once with a *PageError holding the browser's words, cleaned.
func TestPageReportsFailure(t *testing.T) {
	s := newServer(t, webauthn.Config{})
	c, _ := s.cs.BeginEnrol(webauthn.EnrolOptions{UserID: userID})
	p := s.open(t, c)
	p.start()
	code, r := p.post("fail", map[string]string{"token": p.token, "name": "NotAllowed<Error>", "message": "The operation either timed out or was not allowed.\x1b[2J" + strings.Repeat("x", 1000)})
	if code != http.StatusOK || !r.Reported {
		t.Fatalf("fail: %d %s", code, r)
	}
	_, err := wait(t, c)
	var pe *webauthn.PageError
	if !errors.As(err, &pe) || !errors.Is(err, webauthn.ErrPageReported) {
		t.Fatalf("Wait = %v, want a *PageError", err)
	}
	if pe.Name != "NotAllowedError" || strings.ContainsRune(pe.Message, '\x1b') || len([]rune(pe.Message)) > 301 {
		t.Errorf("page error not cleaned: name %q, message %d runes %q...", pe.Name, len([]rune(pe.Message)), pe.Message[:60])
	}
	if !strings.Contains(err.Error(), "cancelled or timed out") {
		t.Errorf("error %q does not say it was cancelled or timed out", err)
	}
}

// TestWaitCancelled: a cancelled Wait stops the ceremony, and the page is
// told so at its next request.
func TestWaitCancelled(t *testing.T) {
	s := newServer(t, webauthn.Config{})
	c, _ := s.cs.BeginEnrol(webauthn.EnrolOptions{UserID: userID})
	p := s.open(t, c)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Wait(ctx); !errors.Is(err, webauthn.ErrStopped) || !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait = %v, want ErrStopped and context.Canceled", err)
	}
	code, r := p.post("start", map[string]string{"token": p.token})
	if code != http.StatusGone || !strings.Contains(r.Error, "cancelled in Tessera") {
		t.Errorf("start after cancel: %d %s", code, r)
	}
}

// TestRequestHygiene: requests that did not come from Tessera's own page
// are refused, and one that carries a live token ends its ceremony.
func TestRequestHygiene(t *testing.T) {
	s := newServer(t, webauthn.Config{})
	for _, tc := range []struct {
		name   string
		origin string
		ctype  string
		header http.Header
		code   int
		want   error
	}{
		{"another origin", "http://localhost:1", "application/json", nil, 403, webauthn.ErrOrigin},
		{"no origin", "null", "application/json", nil, 403, webauthn.ErrOrigin},
		{"cross-site fetch", "", "application/json", http.Header{"Sec-Fetch-Site": {"cross-site"}}, 403, webauthn.ErrOrigin},
		{"form post", "", "application/x-www-form-urlencoded", nil, 415, nil},
		{"text post", "", "text/plain", nil, 415, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := s.cs.BeginEnrol(webauthn.EnrolOptions{UserID: userID})
			p := s.open(t, c)
			p.origin = tc.origin
			code, r := p.postRaw("start", tc.ctype, []byte(`{"token":"`+p.token+`"}`), tc.header)
			if code != tc.code || r.Create != nil {
				t.Errorf("got %d %s, want %d", code, r, tc.code)
			}
			_, err := wait(t, c)
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Errorf("Wait = %v, want %v", err, tc.want)
			}
		})
	}

	c, _ := s.cs.BeginEnrol(webauthn.EnrolOptions{UserID: userID})
	p := s.open(t, c)
	big := `{"token":"` + p.token + `","name":"` + strings.Repeat("a", webauthn.MaxBodySize) + `"}`
	if code, _ := p.postRaw("fail", "application/json", []byte(big), nil); code != http.StatusRequestEntityTooLarge {
		t.Errorf("a body over the limit: %d", code)
	}
	if code, _ := p.postRaw("start", "application/json", []byte(`{"token":"`+p.token+`","extra":1}`), nil); code != http.StatusBadRequest {
		t.Errorf("unknown fields: %d", code)
	}
	if code, _ := p.postRaw("start", "application/json", []byte(`{"token":"`+p.token+`"}{}`), nil); code != http.StatusBadRequest {
		t.Errorf("trailing data: %d", code)
	}
	if code, r := p.post("finish", map[string]string{"token": p.token}); code != http.StatusBadRequest || !strings.Contains(r.Error, "out of turn") {
		t.Errorf("finish with the start token: %d %s", code, r)
	}
}

// TestPages: the page, its script and its style sheet are served with a
// strict CSP and the right types, the page has no inline script, and the
// handler answers only on the origin's host.
func TestPages(t *testing.T) {
	s := newServer(t, webauthn.Config{})
	get := func(path, host string) (*http.Response, string) {
		req, _ := http.NewRequest("GET", s.srv.URL+path, nil)
		req.Host = host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	host := strings.TrimPrefix(s.origin, "http://")
	for path, ctype := range map[string]string{
		"/key/":         "text/html; charset=utf-8",
		"/key/page.js":  "text/javascript; charset=utf-8",
		"/key/page.css": "text/css; charset=utf-8",
	} {
		resp, body := get(path, host)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != ctype {
			t.Errorf("%s: %d %s", path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		csp := resp.Header.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'none'", "script-src 'self'", "frame-ancestors 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe") || resp.Header.Get("Referrer-Policy") != "no-referrer" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: weak headers %v", path, resp.Header)
		}
		if path == "/key/" {
			for _, m := range regexp.MustCompile(`<script[^>]*>`).FindAllString(body, -1) {
				if !strings.Contains(m, `src="page.js"`) {
					t.Errorf("the page has an inline script: %s", m)
				}
			}
			if regexp.MustCompile(`(?i)(src|href)="(https?:)?//`).MatchString(body) || strings.Contains(body, " on") && regexp.MustCompile(`\son[a-z]+=`).MatchString(body) {
				t.Error("the page loads something from elsewhere or has an inline handler")
			}
			for _, words := range []string{"Tessera", "Return to Tessera"} {
				if !strings.Contains(body, words) {
					t.Errorf("the page does not say %q", words)
				}
			}
		}
	}
	if resp, _ := get("/key/", "127.0.0.1"+host[strings.IndexByte(host, ':'):]); resp.StatusCode != http.StatusMisdirectedRequest {
		t.Errorf("the page on 127.0.0.1: %d", resp.StatusCode)
	}
	if resp, _ := get("/key/nothing", host); resp.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown path: %d", resp.StatusCode)
	}
	if resp, _ := get("/key/start", host); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET of an endpoint: %d", resp.StatusCode)
	}
}

// TestNewChecksOrigin: only http://localhost:PORT is an origin.
func TestNewChecksOrigin(t *testing.T) {
	for _, o := range []string{"", "http://127.0.0.1:8080", "https://localhost:8080", "http://localhost", "http://localhost:8080/key", "http://user@localhost:1"} {
		if _, err := webauthn.New(webauthn.Config{Origin: o}); err == nil {
			t.Errorf("New accepted origin %q", o)
		}
	}
	if _, err := webauthn.New(webauthn.Config{Origin: "http://localhost:8080", Prefix: "key"}); err == nil {
		t.Error("New accepted prefix \"key\"")
	}
	cs, err := webauthn.New(webauthn.Config{Origin: "http://localhost:8080"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.BeginUnlock(userID, nil); err == nil {
		t.Error("BeginUnlock accepted no keys")
	}
	if _, err := cs.BeginEnrol(webauthn.EnrolOptions{UserID: make([]byte, 65)}); err == nil {
		t.Error("BeginEnrol accepted a 65-byte user handle")
	}
}

// BenchmarkUnlock is Tessera's side of an unlock over loopback HTTP:
// begin, the page's start, and checking a software key's assertion
// (signature, counter, PRF) down to the derived identity.
func BenchmarkUnlock(b *testing.B) {
	s := newServer(b, webauthn.Config{})
	k := webauthntest.NewSoftKey(b)
	key := vault.SecurityKey{CredentialID: k.CredID, PRFSalt: make([]byte, vault.PRFSize)}
	pub, err := k.Priv.PublicKey.Bytes()
	if err != nil {
		b.Fatal(err)
	}
	key.PublicKey = webauthntest.COSEKey(b, pub)
	for b.Loop() {
		c, err := s.cs.BeginUnlock(userID, []vault.SecurityKey{key})
		if err != nil {
			b.Fatal(err)
		}
		p := s.open(b, c)
		r := p.start()
		if code, r := p.finish(k.Get(b, r.Get, s.origin)); code != http.StatusOK {
			b.Fatalf("unlock: %d %s", code, r)
		}
		key.SignCount = k.Count
	}
}
