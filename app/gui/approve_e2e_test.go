//go:build e2e

package gui

import (
	"bufio"
	"encoding/json"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/tessera-auth/tessera/app/approve"
)

// cliRun is a tessera command line run beside the window.
type cliRun struct {
	cmd   *exec.Cmd
	lines chan string
	done  chan int
}

func startCLI(t *testing.T, bin string, env []string, args ...string) *cliRun {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := &cliRun{cmd: cmd, lines: make(chan string, 100), done: make(chan int, 1)}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			r.lines <- sc.Text()
		}
		close(r.lines)
		err := cmd.Wait()
		var ee *exec.ExitError
		switch {
		case err == nil:
			r.done <- 0
		case errors.As(err, &ee):
			r.done <- ee.ExitCode()
		default:
			r.done <- -1
		}
	}()
	t.Cleanup(func() { cmd.Process.Kill() })
	return r
}

var printedCode = regexp.MustCompile(`(?:code into Tessera's window|Match code): (\d+)`)

func (r *cliRun) code(t *testing.T) string {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case l, ok := <-r.lines:
			if !ok {
				t.Fatal("the command ended without printing a code")
			}
			if m := printedCode.FindStringSubmatch(l); m != nil {
				return m[1]
			}
		case <-timeout:
			t.Fatal("no code printed")
		}
	}
}

func (r *cliRun) exit(t *testing.T, within time.Duration) int {
	t.Helper()
	select {
	case c := <-r.done:
		return c
	case <-time.After(within):
		t.Fatal("the command did not end")
		return -1
	}
}

// TestE2EApprovals: the real binary's window with a test vault; tessera
// approve pair and request run against it as separate processes; xdotool
// types the codes the commands print into the dialogs: the pairing
// completes, an approved request exits 0 with a verified token, one denied
// with Escape exits 1, and one left alone exits 6.
func TestE2EApprovals(t *testing.T) {
	bin := build(t, "github.com/tessera-auth/tessera")
	d := newXdesk(t, 1024, 768)
	home := t.TempDir()
	dir := filepath.Join(home, "vault")
	makeVault(t, dir, testEntries(t))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	writePrefs(t, home, map[string]any{prefApprovalsPort: port})
	env := d.env(home, "TESSERA_VAULT="+dir)
	p := d.startProgram(bin, env)
	win := d.waitWindow("^Tessera")
	d.unlockTessera(win)

	// The discovery file: 0600, naming the configured port.
	disc := filepath.Join(home, ".config", "tessera", "approvals.json")
	fi, err := os.Stat(disc)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("discovery file: %v %v", fi, err)
	}
	var df approve.DiscoveryFile
	b, _ := os.ReadFile(disc)
	if json.Unmarshal(b, &df) != nil || df.Issuer != "http://127.0.0.1:"+strconv.Itoa(port) {
		t.Fatalf("discovery file holds %s", b)
	}

	typeInto := func(keys ...string) {
		d.xdo("mousemove", "--window", win, "10", "10")
		d.xdo("windowfocus", "--sync", win)
		for _, k := range keys {
			if k == "Return" || k == "Escape" {
				d.xdo("key", k)
			} else {
				d.xdo("type", "--delay", "30", k)
			}
		}
	}

	creds := filepath.Join(home, "client.json")
	pair := startCLI(t, bin, env, "approve", "pair", "--name", "e2e deploy", "--save", creds)
	typeInto(pair.code(t), "Return")
	if c := pair.exit(t, 30*time.Second); c != 0 {
		t.Fatalf("pair exited %d; window output: %s", c, p.output)
	}

	req := func(extra ...string) *cliRun {
		return startCLI(t, bin, env, append([]string{"approve", "request", "--client", creds, "--message", "sudo systemctl restart web"}, extra...)...)
	}
	r := req()
	typeInto(r.code(t), "Return")
	if c := r.exit(t, 30*time.Second); c != 0 {
		t.Fatalf("approved request exited %d", c)
	}
	r = req()
	r.code(t)
	typeInto("Escape")
	if c := r.exit(t, 30*time.Second); c != 1 {
		t.Fatalf("request denied with Escape exited %d", c)
	}
	r = req("--timeout", "10s")
	r.code(t)
	if c := r.exit(t, 60*time.Second); c != 6 {
		t.Fatalf("request left alone exited %d", c)
	}
	if p.cmd.ProcessState != nil {
		t.Fatalf("tessera exited: %s", p.output)
	}
}
