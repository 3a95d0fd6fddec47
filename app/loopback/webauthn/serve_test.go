package webauthn_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tessera-auth/tessera/app/loopback/webauthn"
	"github.com/tessera-auth/tessera/app/loopback/webauthn/webauthntest"
	"github.com/tessera-auth/tessera/vault"
)

// TestServe: the ceremony server the CLI and the window use runs an
// enrolment and an unlock over real loopback HTTP, through the loopback
// server's checks, which refuse the page at 127.0.0.1 and a post from
// another origin; once stopped it answers nothing.
func TestServe(t *testing.T) {
	cs, stop, err := webauthn.Serve(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	k := webauthntest.NewSoftKey(t)
	c, err := cs.BeginEnrol(webauthn.EnrolOptions{UserID: userID, UserName: "test vault"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(c.URL(), "http://localhost:") {
		t.Fatalf("page URL %q is not at http://localhost:PORT", c.URL())
	}
	if err := k.Answer(t, c.URL()); err != nil {
		t.Fatal(err)
	}
	res, err := wait(t, c)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(c.URL())
	get := func(host string, hdr map[string]string, method, path string, body []byte) int {
		t.Helper()
		req, _ := http.NewRequest(method, "http://"+u.Host+path, bytes.NewReader(body))
		req.Host = host
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if st := get(u.Host, nil, "GET", "/key/", nil); st != 200 {
		t.Errorf("the page at %s: %d", u.Host, st)
	}
	if st := get("127.0.0.1:"+u.Port(), nil, "GET", "/key/", nil); st != http.StatusMisdirectedRequest {
		t.Errorf("the page at 127.0.0.1: %d, want 421", st)
	}
	if st := get(u.Host, nil, "GET", "/key/?x", nil); st != http.StatusBadRequest {
		t.Errorf("the page with a query: %d, want 400", st)
	}
	// A body above the loopback default (16 KiB) reaches the handler,
	// which refuses it as JSON it does not know; above 64 KiB, the
	// loopback server refuses it.
	js := map[string]string{"Origin": "http://" + u.Host, "Content-Type": "application/json"}
	if st := get(u.Host, js, "POST", "/key/start", bytes.Repeat([]byte(" "), 40<<10)); st != http.StatusBadRequest {
		t.Errorf("a 40 KiB post: %d, want the handler's 400", st)
	}
	if st := get(u.Host, js, "POST", "/key/start", bytes.Repeat([]byte(" "), 65<<10)); st != http.StatusRequestEntityTooLarge {
		t.Errorf("a 65 KiB post: %d, want 413", st)
	}

	c, err = cs.BeginUnlock(userID, []vault.SecurityKey{res.Key})
	if err != nil {
		t.Fatal(err)
	}
	evil := &webauthntest.SoftKey{}
	*evil = *k
	evil.SignedOrigin = "http://localhost:1"
	if err := evil.Answer(t, c.URL()); err == nil {
		t.Fatal("an answer signed for another origin was taken")
	}
	if _, err := wait(t, c); !errors.Is(err, webauthn.ErrOrigin) {
		t.Fatalf("unlock with a foreign origin: %v, want ErrOrigin", err)
	}
	c, _ = cs.BeginUnlock(userID, []vault.SecurityKey{res.Key})
	if err := k.Answer(t, c.URL()); err != nil {
		t.Fatal(err)
	}
	got, err := wait(t, c)
	if err != nil || got.Identity.String() != res.Identity.String() {
		t.Fatalf("unlock through Serve: %v", err)
	}

	stop()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+u.Host+"/key/", nil)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("the server still answers after stop")
	}
}
