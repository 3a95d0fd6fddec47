package loopback_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tessera-auth/tessera/app/approve"
	"github.com/tessera-auth/tessera/app/clock/clocktest"
	"github.com/tessera-auth/tessera/app/loopback"
	"github.com/tessera-auth/tessera/vault"
)

// asker records prompts, as the GUI would queue them.
type asker struct {
	mu        sync.Mutex
	prompts   chan approve.Prompt
	withdrawn map[string]bool
}

func newAsker() *asker {
	return &asker{prompts: make(chan approve.Prompt, 200), withdrawn: map[string]bool{}}
}

func (a *asker) Ask(p approve.Prompt) { a.prompts <- p }
func (a *asker) Withdraw(id string) {
	a.mu.Lock()
	a.withdrawn[id] = true
	a.mu.Unlock()
}

// next returns the next prompt, failing if none comes.
func (a *asker) next(t testing.TB) approve.Prompt {
	t.Helper()
	select {
	case p := <-a.prompts:
		return p
	case <-time.After(10 * time.Second):
		t.Fatal("no prompt reached the person")
		return approve.Prompt{}
	}
}

// env is a real server on 127.0.0.1 with a real vault and a fake clock
// for the service (expiry and intervals move when the test says).
type env struct {
	srv   *loopback.Server
	svc   *approve.Service
	clk   *clocktest.Fake
	ask   *asker
	vault *vault.Vault
	port  int
	iss   string
}

func newEnv(t testing.TB) *env { return newEnvWith(t, nil) }

// newEnvWith is newEnv with the service's configuration adjusted (a real
// clock, a shorter interval).
func newEnvWith(t testing.TB, adjust func(*approve.Config)) *env {
	t.Helper()
	v, _, err := vault.Create(t.TempDir(), "correct horse", &vault.Options{WorkFactor: 10})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{vault: v, clk: clocktest.New(time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)), ask: newAsker()}
	cfg := approve.Config{
		Store: func() approve.Store { return v },
		Asker: e.ask,
		Clock: e.clk,
	}
	if adjust != nil {
		adjust(&cfg)
	}
	e.svc = approve.New(cfg)
	t.Cleanup(e.svc.Close)
	e.srv = loopback.New(loopback.ClientsOf(e.svc))
	loopback.AddApprovals(e.srv, e.svc)
	if err := e.srv.Listen(0); err != nil {
		t.Fatal(err)
	}
	for _, a := range e.srv.Addrs() {
		if ip := a.(*net.TCPAddr).IP; !ip.IsLoopback() {
			t.Fatalf("the server listens on %v, which is not loopback", a)
		}
	}
	e.port = e.srv.Port()
	e.iss = loopback.Issuer(e.port)
	e.svc.SetIssuer(e.iss)
	e.srv.Serve()
	t.Cleanup(func() { e.srv.Close() })
	return e
}

// post sends a POST with the given headers and body and returns the status
// and the decoded JSON answer.
func (e *env) post(t testing.TB, path string, hdr map[string]string, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest("POST", e.iss+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	return do(t, req)
}

func do(t testing.TB, req *http.Request) (int, map[string]any) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if len(b) > 0 {
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("answer is not JSON: %q", b)
		}
	}
	return resp.StatusCode, m
}

var jsonPair = map[string]string{"Content-Type": "application/json", "Sec-Tessera": "1"}

// pair runs a whole pairing, the person typing the right code.
func (e *env) pair(t testing.TB, name, alg string) approve.Registration {
	t.Helper()
	st, m := e.post(t, loopback.PathPair, jsonPair, fmt.Sprintf(`{"client_name":%q,"id_token_signed_response_alg":%q}`, name, alg))
	if st != 200 {
		t.Fatalf("pair: %d %v", st, m)
	}
	return e.finishPairing(t, m, name)
}

// pairNoCode pairs a client that cannot show match codes.
func (e *env) pairNoCode(t testing.TB, name string) approve.Registration {
	t.Helper()
	st, m := e.post(t, loopback.PathPair, jsonPair, fmt.Sprintf(`{"client_name":%q,"tessera_no_match_code":true}`, name))
	if st != 200 {
		t.Fatalf("pair: %d %v", st, m)
	}
	return e.finishPairing(t, m, name)
}

func (e *env) finishPairing(t testing.TB, m map[string]any, name string) approve.Registration {
	t.Helper()
	p := e.ask.next(t)
	if p.Kind != approve.PromptPairing || p.ClientName != name {
		t.Fatalf("pairing prompt = %+v", p)
	}
	if err := e.svc.Approve(p.ID, m["user_code"].(string)); err != nil {
		t.Fatalf("typing the pairing code: %v", err)
	}
	req, _ := http.NewRequest("POST", e.iss+loopback.PathPairPoll, strings.NewReader(fmt.Sprintf(`{"pairing_id":%q}`, m["pairing_id"])))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Sec-Tessera", "1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var reg approve.Registration
	if resp.StatusCode != 200 || json.NewDecoder(resp.Body).Decode(&reg) != nil {
		t.Fatalf("pair poll: %s", resp.Status)
	}
	return reg
}

// form posts a form to a Client route with Basic credentials of reg.
func (e *env) form(t testing.TB, reg approve.Registration, path string, vals url.Values) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", e.iss+path, strings.NewReader(vals.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(reg.ClientID), url.QueryEscape(reg.ClientSecret))
	return do(t, req)
}

// ask sends a backchannel request and returns its answer.
func (e *env) ask1(t testing.TB, reg approve.Registration, extra url.Values) map[string]any {
	t.Helper()
	vals := url.Values{"scope": {"openid"}, "login_hint": {"alice"}, "binding_message": {"sudo on desk"}}
	for k, v := range extra {
		vals[k] = v
	}
	st, m := e.form(t, reg, loopback.PathBackchan, vals)
	if st != 200 {
		t.Fatalf("backchannel: %d %v", st, m)
	}
	return m
}

func (e *env) token(t testing.TB, reg approve.Registration, id string) (int, map[string]any) {
	t.Helper()
	return e.form(t, reg, loopback.PathToken, url.Values{"grant_type": {approve.GrantType}, "auth_req_id": {id}})
}

// raw sends text on a fresh TCP connection and returns the status code of
// the answer, or 0 when the server closed the connection without one.
func (e *env) raw(t testing.TB, text string) (int, http.Header) {
	t.Helper()
	return rawAt(t, e.port, text)
}

// rawAt is raw to the server on port.
func rawAt(t testing.TB, port int, text string) (int, http.Header) {
	t.Helper()
	c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.WriteString(c, text); err != nil {
		return 0, nil
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return 0, nil
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header
}

func errCode(m map[string]any) string { s, _ := m["error"].(string); return s }

var _ = bytes.NewReader
