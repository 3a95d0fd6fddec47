package cli_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tessera-auth/tessera/app/approve"
	"github.com/tessera-auth/tessera/app/cli"
	"github.com/tessera-auth/tessera/app/loopback"
	"github.com/tessera-auth/tessera/vault"
)

type promptAsker struct{ ch chan approve.Prompt }

func (a promptAsker) Ask(p approve.Prompt) { a.ch <- p }
func (a promptAsker) Withdraw(string)      {}

// lineWatch is a Stdout that hands each line to the test as it is written,
// as a person reads a terminal.
type lineWatch struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	lines chan string
	part  string
}

func (w *lineWatch) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	w.part += string(p)
	for {
		line, rest, ok := strings.Cut(w.part, "\n")
		if !ok {
			break
		}
		w.lines <- line
		w.part = rest
	}
	return len(p), nil
}

// runCLI starts tessera ARGS in-process and returns its stdout lines and
// exit code.
func runCLI(args ...string) (*lineWatch, <-chan int) {
	out := &lineWatch{lines: make(chan string, 100)}
	env := cli.Env{Stdin: strings.NewReader(""), Stdout: out, Stderr: io.Discard, Getenv: func(k string) string {
		if k == "USER" {
			return "alice"
		}
		return ""
	}}
	done := make(chan int, 1)
	go func() { done <- cli.Run(env, args) }()
	return out, done
}

var codeRE = regexp.MustCompile(`(?:code into Tessera's window|Match code): (\d+)`)

func waitCode(t *testing.T, out *lineWatch) string {
	t.Helper()
	for {
		select {
		case l := <-out.lines:
			if m := codeRE.FindStringSubmatch(l); m != nil {
				return m[1]
			}
		case <-time.After(15 * time.Second):
			t.Fatal("no code printed")
		}
	}
}

func exitCode(t *testing.T, done <-chan int) int {
	t.Helper()
	select {
	case c := <-done:
		return c
	case <-time.After(30 * time.Second):
		t.Fatal("the command did not end")
		return -1
	}
}

// TestApproveVerbs: pair, request (approved 0, denied 1, expired 6, not
// paired 3), clients, log and revoke, against the real server, the test
// playing the person who types the printed codes.
func TestApproveVerbs(t *testing.T) {
	t.Parallel() // mostly waiting: the expiry alone takes 10 s
	dir := t.TempDir()
	vdir := filepath.Join(dir, "vault")
	v, _, err := vault.Create(vdir, "correct horse", &vault.Options{WorkFactor: 10})
	if err != nil {
		t.Fatal(err)
	}
	pass := filepath.Join(dir, "pass")
	os.WriteFile(pass, []byte("correct horse\n"), 0o600)
	ask := promptAsker{make(chan approve.Prompt, 10)}
	svc := approve.New(approve.Config{Store: func() approve.Store { return v }, Asker: ask, Interval: time.Second, MinExpiry: time.Second})
	defer svc.Close()
	srv, _, err := loopback.StartApprovals(svc, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	prompt := func() approve.Prompt {
		select {
		case p := <-ask.ch:
			return p
		case <-time.After(10 * time.Second):
			t.Fatal("no prompt")
			return approve.Prompt{}
		}
	}

	creds := filepath.Join(dir, "client.json")
	out, done := runCLI("approve", "pair", "--name", "deploy script", "--save", creds, "--issuer", svc.Issuer())
	code := waitCode(t, out)
	if err := svc.Approve(prompt().ID, code); err != nil {
		t.Fatal(err)
	}
	if c := exitCode(t, done); c != cli.ExitOK {
		t.Fatalf("pair exited %d: %s", c, out.buf.String())
	}
	// Windows has no permission bits: the file lives in the user's
	// profile, which other users cannot read.
	if fi, err := os.Stat(creds); err != nil || runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Fatalf("client file: %v %v", fi, err)
	}

	request := func(extra ...string) (*lineWatch, <-chan int) {
		return runCLI(append([]string{"approve", "request", "--client", creds, "--message", "sudo apt upgrade", "--context", "host=web-3"}, extra...)...)
	}
	out, done = request()
	code = waitCode(t, out)
	if p := prompt(); p.LoginHint != "alice" || p.Message != "sudo apt upgrade" {
		t.Fatalf("prompt %+v", p)
	} else if err := svc.Approve(p.ID, code); err != nil {
		t.Fatal(err)
	}
	if c := exitCode(t, done); c != cli.ExitOK {
		t.Fatalf("approved request exited %d", c)
	}

	out, done = request()
	waitCode(t, out)
	svc.Deny(prompt().ID, false)
	if c := exitCode(t, done); c != cli.ExitNotFound {
		t.Fatalf("denied request exited %d", c)
	}

	// Left alone: the request expires (the service's floor is lowered to
	// 1 s for this test; the command's own floor is 10 s).
	out, done = request("--timeout", "10s")
	waitCode(t, out)
	prompt()
	if c := exitCode(t, done); c != cli.ExitExpired {
		t.Fatalf("expired request exited %d", c)
	}

	run := func(args ...string) (string, int) {
		out, done := runCLI(args...)
		c := exitCode(t, done)
		return out.buf.String(), c
	}
	svc.FlushLog() // the log writer runs beside the requests
	list, c := run("approve", "clients", "--vault", vdir, "--passphrase-file", pass)
	if c != 0 || !strings.Contains(list, "deploy script") || strings.Contains(list, "never") {
		t.Fatalf("clients (%d):\n%s", c, list)
	}
	log, c := run("approve", "log", "--vault", vdir, "--passphrase-file", pass, "--grep", "web-3")
	if c != 0 || strings.Count(log, "\n") != 6 || !strings.Contains(log, "approved") || !strings.Contains(log, "expired") {
		t.Fatalf("log (%d):\n%s", c, log)
	}
	cs, _ := svc.Clients()
	if out, c := run("approve", "revoke", "--vault", vdir, "--passphrase-file", pass, cs[0].ID); c != 0 {
		t.Fatalf("revoke (%d): %s", c, out)
	}
	if _, c := run("approve", "request", "--client", creds, "--message", "again"); c != cli.ExitAuth {
		t.Fatalf("revoked client's request exited %d, want %d", c, cli.ExitAuth)
	}
	if _, c := run("approve", "request", "--client", creds); c != cli.ExitUsage {
		t.Fatalf("request without --message exited %d", c)
	}
	if _, c := run("approve", "request", "--client", creds, "--message", "x", "--context", "colour=red"); c != cli.ExitUsage {
		t.Fatalf("unknown context key exited %d", c)
	}
}
