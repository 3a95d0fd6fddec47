//go:build e2e

package loopback_test

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/tessera-auth/tessera/app/approve"
	"github.com/tessera-auth/tessera/app/loopback"
	"github.com/tessera-auth/tessera/vault"
)

// attackPage runs, from another origin, every way a web page can send a
// request: fetch (simple, JSON with the pairing header, no-cors), XHR,
// images (with no Referer), and form POSTs (urlencoded, multipart, and
// text/plain shaped as JSON) into frames; then reports to its own server.
const attackPage = `<!doctype html>
<meta name="referrer" content="no-referrer">
<body>
<script>
const T = "http://127.0.0.1:%d";
const paths = %s;
const wait = (p) => Promise.race([p, new Promise(r => setTimeout(r, 3000))]);
async function attack() {
  let n = 0;
  for (const p of paths) {
    const form = "scope=openid&login_hint=victim&grant_type=urn:openid:params:grant-type:ciba&auth_req_id=x&client_id=tc_x&client_secret=s";
    const json = '{"client_name":"evil page"}';
    const tries = [
      () => fetch(T + p),
      () => fetch(T + p, {method: "POST", body: form, headers: {"Content-Type": "application/x-www-form-urlencoded"}}),
      () => fetch(T + p, {method: "POST", body: json, headers: {"Content-Type": "application/json", "Sec-Tessera": "1"}}),
      () => fetch(T + p, {method: "POST", body: json, mode: "no-cors", headers: {"Content-Type": "text/plain"}}),
      () => fetch(T + p, {method: "POST", body: form, mode: "no-cors", credentials: "include"}),
      () => new Promise(res => { const x = new XMLHttpRequest(); x.open("POST", T + p); x.setRequestHeader("Content-Type", "application/x-www-form-urlencoded"); x.onloadend = res; x.send(form); }),
      () => new Promise(res => { const i = new Image(); i.onload = i.onerror = res; i.src = T + p; }),
    ];
    for (const t of tries) { try { await wait(t()); } catch (e) {} n++; }
    for (const enc of ["application/x-www-form-urlencoded", "multipart/form-data", "text/plain"]) {
      const f = document.createElement("iframe");
      f.name = "f" + n;
      document.body.appendChild(f);
      const done = new Promise(r => f.onload = r);
      const fm = document.createElement("form");
      fm.method = "POST"; fm.action = T + p; fm.target = f.name; fm.enctype = enc;
      const i = document.createElement("input");
      i.name = enc === "text/plain" ? '{"client_name":"evil","x":"' : "login_hint";
      i.value = enc === "text/plain" ? '"}' : "victim";
      fm.appendChild(i);
      document.body.appendChild(fm);
      fm.submit();
      await wait(done);
      n++;
    }
  }
  await fetch("/done?n=" + n);
}
attack();
</script>`

// TestE2EBrowserCrossOrigin: real headless Chromium opens a page served
// from another local port that tries every request a page can make
// against every endpoint (and three probe routes, one of each access
// kind); requests reach the server, every one is refused by the checks,
// no route runs, no credential is checked, and nobody is asked anything.
func TestE2EBrowserCrossOrigin(t *testing.T) {
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("chromium not found: install it with apt-get install chromium (make test-deps)")
	}
	v, _, err := vault.Create(t.TempDir(), "correct horse", &vault.Options{WorkFactor: 10})
	if err != nil {
		t.Fatal(err)
	}
	ask := newAsker()
	svc := approve.New(approve.Config{Store: func() approve.Store { return v }, Asker: ask})
	defer svc.Close()
	var authCalls, handled, refused atomic.Int64
	s := loopback.New(func(id, secret string) (any, bool) {
		authCalls.Add(1)
		return nil, false
	})
	s.Refused = func(*http.Request, int) { refused.Add(1) }
	loopback.AddApprovals(s, svc)
	probe := func(w http.ResponseWriter, c *loopback.Call) { handled.Add(1); w.WriteHeader(200) }
	s.Handle(loopback.Route{Method: "GET", Path: "/probe-public", Access: loopback.Public, Handle: probe})
	s.Handle(loopback.Route{Method: "POST", Path: "/probe-pairing", Access: loopback.Pairing, Handle: probe})
	s.Handle(loopback.Route{Method: "POST", Path: "/probe-client", Access: loopback.Client, Handle: probe})
	if err := s.Listen(0); err != nil {
		t.Fatal(err)
	}
	s.Serve()
	defer s.Close()
	svc.SetIssuer(loopback.Issuer(s.Port()))

	paths := []string{loopback.PathDiscovery, loopback.PathJWKS, loopback.PathBackchan, loopback.PathToken,
		loopback.PathPair, loopback.PathPairPoll, "/probe-public", "/probe-pairing", "/probe-client"}
	quoted := make([]string, len(paths))
	for i, p := range paths {
		quoted[i] = `"` + p + `"`
	}
	page := fmt.Sprintf(attackPage, s.Port(), "["+strings.Join(quoted, ",")+"]")
	done := make(chan string, 1)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	pageSrv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/done" {
			select {
			case done <- r.URL.Query().Get("n"):
			default:
			}
			return
		}
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, page)
	})}
	go pageSrv.Serve(ln)
	defer pageSrv.Close()

	// The profile is not a t.TempDir: Chromium's helper processes may still
	// be writing to it for a moment after the browser is stopped.
	profile, err := os.MkdirTemp("", "tessera-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--no-first-run", "--user-data-dir="+profile, "http://"+ln.Addr().String()+"/")
	cmd.Env = append(os.Environ(), "LANG=en_US.UTF-8")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // stop its helpers with it
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
		os.RemoveAll(profile) // best effort; see above
	}()
	var n string
	select {
	case n = <-done:
	case <-time.After(120 * time.Second):
		t.Fatal("the attack page did not finish")
	}
	want := fmt.Sprint(len(paths) * 10)
	if n != want {
		t.Fatalf("the page made %s attempts, want %s", n, want)
	}
	if handled.Load() != 0 || authCalls.Load() != 0 {
		t.Fatalf("%d requests reached a route, %d credential checks", handled.Load(), authCalls.Load())
	}
	select {
	case p := <-ask.prompts:
		t.Fatalf("the page reached the person: %+v", p)
	default:
	}
	// The browser did send requests (simple ones need no preflight): each
	// was refused by the checks. At least the images, simple fetches and
	// form posts arrive: 5 per path.
	if got := refused.Load(); got < int64(5*len(paths)) {
		t.Fatalf("only %d requests reached the server and were refused; the test did not attack", got)
	}
	t.Logf("%s attempts by the page; %d reached the server, all refused", n, refused.Load())
}
