package loopback_test

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tessera-auth/tessera/app/approve"
	"github.com/tessera-auth/tessera/app/loopback"
)

// TestAttackHeaders sends, on raw connections to the real listener, every
// request a web page or a rebinding DNS name could make, and checks that
// the server refuses each with the status the table gives, before any
// route runs: nothing reaches the person.
func TestAttackHeaders(t *testing.T) {
	e := newEnv(t)
	p := e.port
	pairBody := `{"client_name":"x"}`
	req := func(method, host string, hdr ...string) string {
		var b strings.Builder
		fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\n", method, loopback.PathPair, host)
		for _, h := range hdr {
			b.WriteString(h + "\r\n")
		}
		if method == "POST" {
			fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n%s", len(pairBody), pairBody)
		} else {
			b.WriteString("\r\n")
		}
		return b.String()
	}
	good := []string{"Content-Type: application/json", "Sec-Tessera: 1"}
	host := fmt.Sprintf("127.0.0.1:%d", p)
	rows := []struct {
		name string
		text string
		want int
	}{
		{"host evil.com", req("POST", "evil.com", good...), 403},
		{"host localhost.evil.com", req("POST", fmt.Sprintf("localhost.evil.com:%d", p), good...), 403},
		{"host without port", req("POST", "127.0.0.1", good...), 403},
		{"host wrong port", req("POST", fmt.Sprintf("127.0.0.1:%d", p+1), good...), 403},
		{"host 0.0.0.0", req("POST", fmt.Sprintf("0.0.0.0:%d", p), good...), 403},
		{"origin", req("POST", host, append(good, "Origin: http://evil.com")...), 403},
		{"origin null", req("POST", host, append(good, "Origin: null")...), 403},
		{"origin empty", req("POST", host, append(good, "Origin:")...), 403},
		{"referer", req("POST", host, append(good, "Referer: http://127.0.0.1:1/")...), 403},
		{"sec-fetch-site", req("POST", host, append(good, "Sec-Fetch-Site: cross-site")...), 403},
		{"pair without Sec-Tessera", req("POST", host, "Content-Type: application/json"), 403},
		{"pair Sec-Tessera 0", req("POST", host, "Content-Type: application/json", "Sec-Tessera: 0"), 403},
		{"pair text/plain", req("POST", host, "Content-Type: text/plain", "Sec-Tessera: 1"), 415},
		{"pair form", req("POST", host, "Content-Type: application/x-www-form-urlencoded", "Sec-Tessera: 1"), 415},
		{"pair multipart", req("POST", host, "Content-Type: multipart/form-data; boundary=x", "Sec-Tessera: 1"), 415},
		{"pair two content types", req("POST", host, "Content-Type: application/json", "Content-Type: text/plain", "Sec-Tessera: 1"), 415},
		{"options", req("OPTIONS", host, "Access-Control-Request-Method: POST"), 403},
		{"absolute target", fmt.Sprintf("GET http://evil.com%s HTTP/1.1\r\nHost: %s\r\n\r\n", loopback.PathDiscovery, host), 403},
		{"escaped path", fmt.Sprintf("GET /.well-known/openid%%2Dconfiguration HTTP/1.1\r\nHost: %s\r\n\r\n", host), 400},
		{"query", fmt.Sprintf("GET %s?x=1 HTTP/1.1\r\nHost: %s\r\n\r\n", loopback.PathDiscovery, host), 400},
		{"secret in query", fmt.Sprintf("POST %s?client_id=a&client_secret=b HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 0\r\n\r\n", loopback.PathToken, host), 401},
		{"endless headers", fmt.Sprintf("GET %s HTTP/1.1\r\nHost: %s\r\nX-A: %s\r\n\r\n", loopback.PathDiscovery, host, strings.Repeat("a", 16<<10)), 431},
		{"oversize body", fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nSec-Tessera: 1\r\nContent-Length: %d\r\n\r\n%s", loopback.PathPair, host, 20<<10, strings.Repeat(" ", 20<<10)), 413},
		{"endless chunked body", fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nSec-Tessera: 1\r\nTransfer-Encoding: chunked\r\n\r\n%s", loopback.PathPair, host, strings.Repeat("1000\r\n"+strings.Repeat(" ", 0x1000)+"\r\n", 6)), 413},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			st, hdr := e.raw(t, r.text)
			if st != r.want {
				t.Errorf("status %d, want %d", st, r.want)
			}
			for k := range hdr {
				if strings.HasPrefix(strings.ToLower(k), "access-control-") {
					t.Errorf("CORS header %s in the answer", k)
				}
			}
		})
	}
	select {
	case pr := <-e.ask.prompts:
		t.Fatalf("a refused request reached the person: %+v", pr)
	default:
	}
	// The same, well formed, is accepted: the rows failed for their one fault.
	if st, _ := e.raw(t, req("POST", host, good...)); st != 200 {
		t.Fatalf("a good pairing request got %d", st)
	}
	e.ask.next(t)
}

// TestSlowHeadersClosed: a client that never finishes its headers is cut
// off by the read-header timeout (5 s), without an answer.
func TestSlowHeadersClosed(t *testing.T) {
	e := newEnv(t)
	c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", e.port))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nX-Slow: ", loopback.PathDiscovery, e.port)
	c.SetReadDeadline(time.Now().Add(4 * loopback.ReadHeaderTimeout))
	start := time.Now()
	buf := make([]byte, 512)
	n, err := c.Read(buf)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("connection still open after %v", time.Since(start))
	}
	if n > 0 && strings.HasPrefix(string(buf[:n]), "HTTP/1.1 200") {
		t.Fatalf("unfinished headers answered: %q", buf[:n])
	}
}

// TestClientAuthentication: every way of getting credentials wrong is 401
// (or 400 for two methods at once), and both methods work.
func TestClientAuthentication(t *testing.T) {
	e := newEnv(t)
	a := e.pair(t, "alpha", approve.ES256)
	b := e.pair(t, "beta", approve.EdDSA)
	form := url.Values{"scope": {"openid"}, "login_hint": {"alice"}}
	send := func(user, pass string, vals url.Values) (int, map[string]any) {
		req, _ := http.NewRequest("POST", e.iss+loopback.PathBackchan, strings.NewReader(vals.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		return do(t, req)
	}
	with := func(kv ...string) url.Values {
		v := url.Values{}
		for k, x := range form {
			v[k] = x
		}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	cases := []struct {
		name       string
		user, pass string
		vals       url.Values
		want       int
	}{
		{"missing", "", "", form, 401},
		{"wrong secret", a.ClientID, a.ClientSecret + "x", form, 401},
		{"unknown client", "tc_nobody", a.ClientSecret, form, 401},
		{"another client's secret", a.ClientID, b.ClientSecret, form, 401},
		{"post wrong secret", "", "", with("client_id", a.ClientID, "client_secret", "nope"), 401},
		{"both methods", a.ClientID, a.ClientSecret, with("client_id", a.ClientID, "client_secret", a.ClientSecret), 400},
		{"basic", a.ClientID, a.ClientSecret, form, 200},
		{"post", "", "", with("client_id", b.ClientID, "client_secret", b.ClientSecret), 200},
	}
	for _, c := range cases {
		st, m := send(c.user, c.pass, c.vals)
		if st != c.want {
			t.Errorf("%s: status %d %v, want %d", c.name, st, m, c.want)
		}
		if st == 401 && errCode(m) != "invalid_client" {
			t.Errorf("%s: error %q, want invalid_client", c.name, errCode(m))
		}
	}
	// Revoked by another process: the secret stops working within
	// ClientsReload.
	if _, err := approve.Revoke(e.vault, a.ClientID); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(approve.ClientsReload)
	if st, _ := send(a.ClientID, a.ClientSecret, form); st != 401 {
		t.Errorf("revoked client: status %d, want 401", st)
	}
}

// TestMalformedBodies: each way a form or JSON body can be malformed is a
// 400 naming the fault.
func TestMalformedBodies(t *testing.T) {
	e := newEnv(t)
	reg := e.pair(t, "alpha", approve.ES256)
	forms := map[string]string{
		"duplicate":  "scope=openid&login_hint=a&login_hint=b",
		"bad escape": "scope=openid&login_hint=%zz",
		"stray &":    "scope=openid&&login_hint=a",
		"no name":    "scope=openid&=a&login_hint=a",
		"bad utf-8":  "scope=openid&login_hint=%ff",
	}
	for name, body := range forms {
		req, _ := http.NewRequest("POST", e.iss+loopback.PathBackchan, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(reg.ClientID, reg.ClientSecret)
		if st, m := do(t, req); st != 400 || errCode(m) != "invalid_request" {
			t.Errorf("form %s: %d %v", name, st, m)
		}
	}
	jsons := map[string]string{
		"duplicate":   `{"client_name":"a","client_name":"b"}`,
		"case twin":   `{"client_name":"a","Client_Name":"b"}`,
		"unknown":     `{"client_name":"a","redirect_uris":[]}`,
		"trailing":    `{"client_name":"a"} {}`,
		"wrong type":  `{"client_name":1}`,
		"null":        `{"client_name":null}`,
		"not object":  `["client_name"]`,
		"truncated":   `{"client_name":"a"`,
		"bad utf-8":   "{\"client_name\":\"\xff\"}",
		"bool as str": `{"client_name":"a","tessera_no_match_code":"yes"}`,
	}
	for name, body := range jsons {
		if st, m := e.post(t, loopback.PathPair, jsonPair, body); st != 400 || errCode(m) != "invalid_request" {
			t.Errorf("json %s: %d %v", name, st, m)
		}
	}
}

// TestBindingMessages: control, bidi and zero-width characters and
// over-long messages are invalid_binding_message.
func TestBindingMessages(t *testing.T) {
	e := newEnv(t)
	reg := e.pair(t, "alpha", approve.ES256)
	for _, msg := range []string{
		strings.Repeat("a", 65), "line\nbreak", "tab\there", "bell\a", "rtl \u202e override",
		"isolate \u2066x\u2069", "zero\u200bwidth", "joiner\u200d", "bom\ufeff", "nbsp\u00a0", "del\x7f",
	} {
		st, m := e.form(t, reg, loopback.PathBackchan, url.Values{"scope": {"openid"}, "login_hint": {"alice"}, "binding_message": {msg}})
		if st != 400 || errCode(m) != "invalid_binding_message" {
			t.Errorf("%q: %d %v", msg, st, m)
		}
	}
	// 64 characters, not bytes: accented text is fine.
	ok := strings.Repeat("é", 64)
	if st, m := e.form(t, reg, loopback.PathBackchan, url.Values{"scope": {"openid"}, "login_hint": {"alice"}, "binding_message": {ok}}); st != 200 {
		t.Errorf("64 accented characters: %d %v", st, m)
	}
}

// TestFlood: a client sending 100 requests gets 3 pending, then 429; the
// overall cap holds across clients.
func TestFlood(t *testing.T) {
	e := newEnv(t)
	regs := make([]approve.Registration, 5)
	for i := range regs {
		regs[i] = e.pair(t, fmt.Sprintf("client %d", i), approve.ES256)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	counts := map[int]int{}
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, _ := e.form(t, regs[0], loopback.PathBackchan, url.Values{"scope": {"openid"}, "login_hint": {"alice"}})
			mu.Lock()
			counts[st]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if counts[200] != approve.MaxPendingClient || counts[429] != 100-approve.MaxPendingClient {
		t.Fatalf("answers %v, want %d accepted and the rest 429", counts, approve.MaxPendingClient)
	}
	total := approve.MaxPendingClient
	for _, r := range regs[1:] {
		for j := 0; j < approve.MaxPendingClient; j++ {
			st, _ := e.form(t, r, loopback.PathBackchan, url.Values{"scope": {"openid"}, "login_hint": {"alice"}})
			if total < approve.MaxPendingTotal && st != 200 || total >= approve.MaxPendingTotal && st != 429 {
				t.Fatalf("request with %d pending: %d", total, st)
			}
			if st == 200 {
				total++
			}
		}
	}
	if total != approve.MaxPendingTotal {
		t.Fatalf("%d pending in all, want %d", total, approve.MaxPendingTotal)
	}
}

// TestTokenGrants: unknown, foreign, expired and delivered IDs.
func TestTokenGrants(t *testing.T) {
	e := newEnv(t)
	a := e.pair(t, "alpha", approve.ES256)
	b := e.pair(t, "beta", approve.ES256)
	ans := e.ask1(t, a, nil)
	p := e.ask.next(t)
	id := ans["auth_req_id"].(string)
	if len(id) < 27 { // 160 bits of base64url
		t.Fatalf("auth_req_id %q is too short", id)
	}
	if _, m := e.token(t, a, "random-"+id); errCode(m) != "invalid_grant" {
		t.Errorf("random id: %v", m)
	}
	if _, m := e.token(t, b, id); errCode(m) != "invalid_grant" {
		t.Errorf("another client's id: %v", m)
	}
	if _, m := e.token(t, a, id); errCode(m) != "authorization_pending" {
		t.Errorf("pending: %v", m)
	}
	if _, m := e.token(t, a, id); errCode(m) != "slow_down" {
		t.Errorf("poll at once again: %v, want slow_down", m)
	}
	e.clk.Advance(approve.DefaultInterval + 5*time.Second)
	if _, m := e.token(t, a, id); errCode(m) != "authorization_pending" {
		t.Errorf("after the longer interval: %v", m)
	}
	if err := e.svc.Approve(p.ID, p.ID); !errors.Is(err, approve.ErrWrongCode) {
		t.Errorf("wrong code: %v", err)
	}
	if err := e.svc.Approve(p.ID, ans["match_code"].(string)); err != nil {
		t.Fatal(err)
	}
	if st, m := e.token(t, a, id); st != 200 || m["token_type"] != "Bearer" || m["id_token"] == nil || m["access_token"] == nil {
		t.Fatalf("approved: %d %v", st, m)
	}
	if _, m := e.token(t, a, id); errCode(m) != "invalid_grant" {
		t.Errorf("second fetch: %v", m)
	}

	// Expiry: the person approves too late.
	ans = e.ask1(t, a, url.Values{"requested_expiry": {"10"}})
	p = e.ask.next(t)
	if ans["expires_in"].(float64) != 10 {
		t.Errorf("expires_in %v, want 10", ans["expires_in"])
	}
	e.clk.Advance(11 * time.Second)
	if err := e.svc.Approve(p.ID, ans["match_code"].(string)); !errors.Is(err, approve.ErrNoPrompt) {
		t.Errorf("approve after expiry: %v", err)
	}
	e.ask.mu.Lock()
	withdrawn := e.ask.withdrawn[p.ID]
	e.ask.mu.Unlock()
	if !withdrawn {
		t.Error("the expired prompt was not withdrawn")
	}
	if _, m := e.token(t, a, ans["auth_req_id"].(string)); errCode(m) != "expired_token" {
		t.Errorf("after expiry: %v", m)
	}

	// Denial is delivered once, then invalid_grant.
	ans = e.ask1(t, a, nil)
	p = e.ask.next(t)
	if err := e.svc.Deny(p.ID, false); err != nil {
		t.Fatal(err)
	}
	if st, m := e.token(t, a, ans["auth_req_id"].(string)); st != 400 || errCode(m) != "access_denied" {
		t.Errorf("denied: %d %v", st, m)
	}
	if _, m := e.token(t, a, ans["auth_req_id"].(string)); errCode(m) != "invalid_grant" {
		t.Errorf("second fetch of a denial: %v", m)
	}
	// Token endpoint hygiene.
	if st, m := e.form(t, a, loopback.PathToken, url.Values{"grant_type": {"password"}, "auth_req_id": {"x"}}); st != 400 || errCode(m) != "unsupported_grant_type" {
		t.Errorf("wrong grant type: %d %v", st, m)
	}
}

// TestApproveDenyRace: the person's approve and deny (or expiry) racing
// leave exactly one outcome, under -race.
func TestApproveDenyRace(t *testing.T) {
	e := newEnv(t)
	a := e.pair(t, "alpha", approve.ES256)
	for i := 0; i < 3; i++ { // the per-client cap; denials below mute at 3
		ans := e.ask1(t, a, nil)
		p := e.ask.next(t)
		var wg sync.WaitGroup
		var errA, errD error
		wg.Add(3)
		go func() { defer wg.Done(); errA = e.svc.Approve(p.ID, ans["match_code"].(string)) }()
		go func() { defer wg.Done(); errD = e.svc.Deny(p.ID, false) }()
		go func() { defer wg.Done(); e.clk.Advance(0) }()
		wg.Wait()
		if (errA == nil) == (errD == nil) {
			t.Fatalf("approve: %v, deny: %v: want exactly one to win", errA, errD)
		}
		e.clk.Advance(approve.DefaultInterval)
		st, m := e.token(t, a, ans["auth_req_id"].(string))
		if errA == nil && st != 200 || errD == nil && errCode(m) != "access_denied" {
			t.Fatalf("approve won: %v, deny won: %v, token answer %d %v", errA == nil, errD == nil, st, m)
		}
	}
}

// TestMute: "This wasn't me" refuses the client's requests for 20 minutes.
func TestMute(t *testing.T) {
	e := newEnv(t)
	a := e.pair(t, "alpha", approve.ES256)
	e.ask1(t, a, nil)
	if err := e.svc.Deny(e.ask.next(t).ID, true); err != nil {
		t.Fatal(err)
	}
	st, m := e.form(t, a, loopback.PathBackchan, url.Values{"scope": {"openid"}, "login_hint": {"alice"}})
	if st != 403 || errCode(m) != "access_denied" {
		t.Fatalf("muted client: %d %v", st, m)
	}
	e.clk.Advance(approve.MuteFor)
	e.ask1(t, a, nil)
}

// TestDiscovery: the document a stock client reads.
func TestDiscovery(t *testing.T) {
	e := newEnv(t)
	req, _ := http.NewRequest("GET", e.iss+loopback.PathDiscovery, nil)
	st, m := do(t, req)
	if st != 200 || m["issuer"] != e.iss || m["token_endpoint"] != e.iss+loopback.PathToken {
		t.Fatalf("discovery: %d %v", st, m)
	}
	algs := m["id_token_signing_alg_values_supported"].([]any)
	if algs[0] != "ES256" {
		t.Errorf("first algorithm %v, want ES256", algs[0])
	}
	for _, host := range []string{"localhost", "[::1]"} {
		if host == "[::1]" && len(e.srv.Addrs()) < 2 {
			continue // no IPv6 loopback on this machine
		}
		req, _ := http.NewRequest("GET", fmt.Sprintf("http://%s:%d%s", host, e.port, loopback.PathDiscovery), nil)
		if st, _ := do(t, req); st != 200 {
			t.Errorf("through %s: %d", host, st)
		}
	}
}

// TestPortTaken: a taken port is reported as such, and StartApprovals
// falls back to a free port with a notice naming both.
func TestPortTaken(t *testing.T) {
	e := newEnv(t)
	s := loopback.New(loopback.ClientsOf(e.svc))
	if err := s.Listen(e.port); !errors.Is(err, loopback.ErrPortTaken) {
		t.Fatalf("listening on a taken port: %v", err)
	}
	svc := approve.New(approve.Config{})
	defer svc.Close()
	srv, notice, err := loopback.StartApprovals(svc, e.port, "")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if srv.Port() == e.port || !strings.Contains(notice, fmt.Sprint(e.port)) || !strings.Contains(notice, fmt.Sprint(srv.Port())) {
		t.Fatalf("fallback port %d, notice %q", srv.Port(), notice)
	}
	if svc.Issuer() != loopback.Issuer(srv.Port()) {
		t.Fatalf("issuer %s", svc.Issuer())
	}
}

// TestApproveExpiryRace: the person approving just as the request expires
// leaves one outcome, the same for the person and the client.
func TestApproveExpiryRace(t *testing.T) {
	e := newEnv(t)
	a := e.pairNoCode(t, "alpha")
	for i := 0; i < 3; i++ {
		ans := e.ask1(t, a, url.Values{"requested_expiry": {"10"}})
		p := e.ask.next(t)
		var wg sync.WaitGroup
		var errA error
		wg.Add(2)
		go func() { defer wg.Done(); errA = e.svc.Approve(p.ID, "") }()
		go func() { defer wg.Done(); e.clk.Advance(10 * time.Second) }()
		wg.Wait()
		_, m := e.token(t, a, ans["auth_req_id"].(string))
		switch {
		case errA == nil && m["id_token"] == nil:
			t.Fatalf("approved, but the client got %v", m)
		case errA != nil && errCode(m) != "expired_token":
			t.Fatalf("approval failed (%v), but the client got %v", errA, m)
		}
	}
}
