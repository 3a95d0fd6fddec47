package approve_test

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tessera-auth/tessera/app/approve"
	"github.com/tessera-auth/tessera/app/loopback"
	"github.com/tessera-auth/tessera/vault"
)

// promptAsker hands prompts to the test, which plays the person.
type promptAsker struct{ ch chan approve.Prompt }

func (a promptAsker) Ask(p approve.Prompt) { a.ch <- p }
func (a promptAsker) Withdraw(string)      {}

// nodeDir is the pinned openid-client install (make test-deps runs npm ci
// there).
func nodeDir(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatal("node is missing: run make test-deps (it installs Debian's nodejs and npm)")
	}
	dir, _ := filepath.Abs("testdata/node")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "openid-client", "package.json")); err != nil {
		t.Fatalf("openid-client is not installed in %s: run make test-deps (npm ci there)", dir)
	}
	return dir
}

// TestInteropOpenIDClient runs panva's openid-client, unchanged, against
// the real server: discovery, initiateBackchannelAuthentication and
// pollBackchannelAuthenticationGrant with ID-token signature checks on
// (enableNonRepudiationChecks), for both client authentication methods and
// both algorithms; then denial, expiry and slow_down as the library sees
// them.
func TestInteropOpenIDClient(t *testing.T) {
	dir := nodeDir(t)
	v, _, err := vault.Create(t.TempDir(), "correct horse", &vault.Options{WorkFactor: 10})
	if err != nil {
		t.Fatal(err)
	}
	ask := promptAsker{make(chan approve.Prompt, 10)}
	svc := approve.New(approve.Config{
		Store: func() approve.Store { return v }, Asker: ask,
		Interval: time.Second, MinExpiry: time.Second,
	})
	defer svc.Close()
	srv, _, err := loopback.StartApprovals(svc, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	iss := svc.Issuer()
	regs := map[string]approve.Registration{}
	for _, alg := range approve.Algorithms {
		start, err := svc.StartPairing(approve.PairRequest{Name: "node " + alg, Alg: alg}, approve.Caller{})
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.Approve((<-ask.ch).ID, start.UserCode); err != nil {
			t.Fatal(err)
		}
		if regs[alg], err = svc.PollPairing(start.PairingID); err != nil {
			t.Fatal(err)
		}
	}

	type event struct {
		kind string
		data map[string]any
		raw  string
	}
	// run starts one flow and returns its events as they come.
	run := func(t *testing.T, mode, auth, alg string) (<-chan event, *exec.Cmd) {
		reg := regs[alg]
		cmd := exec.Command("node", "ciba.mjs", mode, iss, reg.ClientID, reg.ClientSecret, auth, alg)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "LANG=en_US.UTF-8")
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		ch := make(chan event, 100)
		go func() {
			defer close(ch)
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				kind, rest, _ := strings.Cut(sc.Text(), " ")
				ev := event{kind: kind, raw: rest}
				json.Unmarshal([]byte(rest), &ev.data)
				ch <- ev
			}
		}()
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		return ch, cmd
	}
	next := func(t *testing.T, ch <-chan event, kinds ...string) event {
		t.Helper()
		timeout := time.After(30 * time.Second)
		for {
			select {
			case ev, ok := <-ch:
				if !ok {
					t.Fatalf("node ended before %v", kinds)
				}
				for _, k := range kinds {
					if ev.kind == k {
						return ev
					}
				}
				if ev.kind == "error" {
					t.Fatalf("node: %s", ev.raw)
				}
			case <-timeout:
				t.Fatalf("no %v from node", kinds)
			}
		}
	}
	prompt := func(t *testing.T) approve.Prompt {
		t.Helper()
		select {
		case p := <-ask.ch:
			return p
		case <-time.After(10 * time.Second):
			t.Fatal("no prompt")
			return approve.Prompt{}
		}
	}

	for _, auth := range []string{"basic", "post"} {
		for _, alg := range approve.Algorithms {
			t.Run("approve "+auth+" "+alg, func(t *testing.T) {
				ch, _ := run(t, "wait", auth, alg)
				ans := next(t, ch, "answer")
				p := prompt(t)
				if p.Message != "deploy web-3" || p.LoginHint != "alice" || len(p.Context) != 1 || p.Context[0].Value != "build-1" {
					t.Fatalf("prompt %+v", p)
				}
				if err := svc.Approve(p.ID, ans.data["match_code"].(string)); err != nil {
					t.Fatal(err)
				}
				tok := next(t, ch, "token")
				claims := tok.data["claims"].(map[string]any)
				header := tok.data["header"].(map[string]any)
				if header["alg"] != alg || header["kid"] != regs[alg].JWKS.Keys[0].Kid {
					t.Errorf("header %v", header)
				}
				if claims["iss"] != iss || claims["sub"] != "alice" || claims["aud"] != regs[alg].ClientID ||
					claims["binding_message"] != "deploy web-3" || claims["acr"] != approve.ACRMatched {
					t.Errorf("claims %v", claims)
				}
				if tok.data["token_type"] != "bearer" && tok.data["token_type"] != "Bearer" {
					t.Errorf("token_type %v", tok.data["token_type"])
				}
			})
		}
	}
	t.Run("deny", func(t *testing.T) {
		ch, _ := run(t, "wait", "post", approve.EdDSA)
		next(t, ch, "answer")
		if err := svc.Deny(prompt(t).ID, false); err != nil {
			t.Fatal(err)
		}
		ev := next(t, ch, "error", "token")
		if ev.kind != "error" || ev.data["name"] != "ResponseBodyError" || ev.data["error"] != "access_denied" {
			t.Fatalf("denial reached node as %s %s", ev.kind, ev.raw)
		}
	})
	t.Run("expire", func(t *testing.T) {
		ch, _ := run(t, "expire", "basic", approve.ES256)
		ans := next(t, ch, "answer")
		if ans.data["expires_in"].(float64) != 1 {
			t.Fatalf("expires_in %v", ans.data["expires_in"])
		}
		prompt(t) // the person leaves it
		ev := next(t, ch, "error", "token")
		if ev.kind != "error" || ev.data["name"] != "ResponseBodyError" || ev.data["error"] != "expired_token" {
			t.Fatalf("expiry reached node as %s %s", ev.kind, ev.raw)
		}
	})
	t.Run("slow_down", func(t *testing.T) {
		ch, _ := run(t, "fast", "basic", approve.EdDSA)
		ans := next(t, ch, "answer")
		p := prompt(t)
		ev := next(t, ch, "poll")
		for ev.raw != "400 slow_down" {
			ev = next(t, ch, "poll")
		}
		slowed := time.Now()
		if err := svc.Approve(p.ID, ans.data["match_code"].(string)); err != nil {
			t.Fatal(err)
		}
		next(t, ch, "token")
		// The library added 5 s to its interval after slow_down.
		if d := time.Since(slowed); d < 4*time.Second {
			t.Fatalf("token fetched %v after slow_down: the library did not back off", d)
		}
	})
}
