//go:build e2e

package gui

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
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
	// Stdout and stderr in one stream, read line by line as a person reads
	// a terminal (the ssh wrapper prints the code on stderr).
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	r := &cliRun{cmd: cmd, lines: make(chan string, 100), done: make(chan int, 1)}
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			t.Logf("%s: %s", filepath.Base(bin), sc.Text())
			r.lines <- sc.Text()
		}
		close(r.lines)
		pr.Close()
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

// approvalDesk is the real window with a test vault, unlocked, and a
// client paired through tessera approve pair, the code typed by xdotool.
type approvalDesk struct {
	t     *testing.T
	d     *xdesk
	bin   string
	home  string
	env   []string
	win   string
	port  int
	p     *started
	creds string
}

func newApprovalDesk(t *testing.T) *approvalDesk {
	t.Helper()
	a := &approvalDesk{t: t, bin: build(t, "github.com/tessera-auth/tessera"), d: newXdesk(t, 1024, 768), home: t.TempDir()}
	dir := filepath.Join(a.home, "vault")
	makeVault(t, dir, testEntries(t))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a.port = ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	writePrefs(t, a.home, map[string]any{prefApprovalsPort: a.port})
	a.env = a.d.env(a.home, "TESSERA_VAULT="+dir)
	a.p = a.d.startProgram(a.bin, a.env)
	a.win = a.d.waitWindow("^Tessera")
	a.d.unlockTessera(a.win)

	a.creds = filepath.Join(a.home, "client.json")
	pair := startCLI(t, a.bin, a.env, "approve", "pair", "--name", "e2e deploy", "--save", a.creds)
	a.typeInto(pair.code(t), "Return")
	if c := pair.exit(t, 30*time.Second); c != 0 {
		t.Fatalf("pair exited %d; window output: %s", c, a.p.output)
	}
	return a
}

// typeInto gives the window the X focus and types: text, Return or Escape.
func (a *approvalDesk) typeInto(keys ...string) {
	a.d.xdo("mousemove", "--window", a.win, "10", "10")
	a.d.xdo("windowfocus", "--sync", a.win)
	for _, k := range keys {
		if k == "Return" || k == "Escape" {
			a.d.xdo("key", k)
		} else {
			a.d.xdo("type", "--delay", "30", k)
		}
	}
}

// example returns a copy of a docs/examples script with its TESSERA and
// CLIENT lines pointing at the test's binary and client file.
func (a *approvalDesk) example(name string) string {
	a.t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "examples", name))
	if err != nil {
		a.t.Fatal(err)
	}
	s := regexp.MustCompile(`(?m)^TESSERA=.*$`).ReplaceAllString(string(b), "TESSERA="+a.bin)
	s = regexp.MustCompile(`(?m)^CLIENT=.*$`).ReplaceAllString(s, "CLIENT="+a.creds)
	if s == string(b) {
		a.t.Fatalf("%s has no TESSERA= and CLIENT= lines", name)
	}
	path := filepath.Join(a.home, name)
	if err := os.WriteFile(path, []byte(s), 0o755); err != nil {
		a.t.Fatal(err)
	}
	return path
}

// TestE2EApprovals: the real binary's window with a test vault; tessera
// approve pair and request run against it as separate processes; xdotool
// types the codes the commands print into the dialogs: the pairing
// completes, an approved request exits 0 with a verified token, one denied
// with Escape exits 1, and one left alone exits 6.
func TestE2EApprovals(t *testing.T) {
	a := newApprovalDesk(t)

	// The discovery file: 0600, naming the configured port.
	disc := filepath.Join(a.home, ".config", "tessera", "approvals.json")
	fi, err := os.Stat(disc)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("discovery file: %v %v", fi, err)
	}
	var df approve.DiscoveryFile
	b, _ := os.ReadFile(disc)
	if json.Unmarshal(b, &df) != nil || df.Issuer != "http://127.0.0.1:"+strconv.Itoa(a.port) || len(df.KeyIDs) != 2 {
		t.Fatalf("discovery file holds %s", b)
	}

	req := func(extra ...string) *cliRun {
		return startCLI(t, a.bin, a.env, append([]string{"approve", "request", "--client", a.creds, "--message", "sudo systemctl restart web"}, extra...)...)
	}
	r := req()
	a.typeInto(r.code(t), "Return")
	if c := r.exit(t, 30*time.Second); c != 0 {
		t.Fatalf("approved request exited %d", c)
	}
	r = req()
	r.code(t)
	a.typeInto("Escape")
	if c := r.exit(t, 30*time.Second); c != 1 {
		t.Fatalf("request denied with Escape exited %d", c)
	}
	r = req("--timeout", "10s")
	r.code(t)
	if c := r.exit(t, 60*time.Second); c != 6 {
		t.Fatalf("request left alone exited %d", c)
	}
	if a.p.cmd.ProcessState != nil {
		t.Fatalf("tessera exited: %s", a.p.output)
	}
}

// TestE2EApprovalsPAM: real PAM. pamtester authenticates through a service
// file whose only rule is pam_exec with docs/examples/pam_exec.sh; the
// match code reaches pamtester's conversation, xdotool types it into the
// window: authenticated; Escape: refused.
func TestE2EApprovalsPAM(t *testing.T) {
	pamtester := tool(t, "pamtester", "pamtester")
	stdbuf := tool(t, "stdbuf", "coreutils")
	a := newApprovalDesk(t)
	hook := a.example("pam_exec.sh")
	service := "tessera-e2e-" + strconv.Itoa(os.Getpid())
	pamFile := filepath.Join("/etc/pam.d", service)
	if err := os.WriteFile(pamFile, []byte("auth required pam_exec.so stdout "+hook+"\naccount required pam_permit.so\n"), 0o644); err != nil {
		t.Fatalf("writing %s (the test runs as root): %v", pamFile, err)
	}
	t.Cleanup(func() { os.Remove(pamFile) })

	auth := func() *cliRun {
		// pamtester buffers its stdout on a pipe: stdbuf makes the code
		// reach the test as the hook prints it.
		return startCLI(t, stdbuf, a.env, "-o0", pamtester, "-v", service, "alice", "authenticate")
	}
	r := auth()
	a.typeInto(r.code(t), "Return")
	if c := r.exit(t, 30*time.Second); c != 0 {
		t.Fatalf("approved: pamtester exited %d", c)
	}
	r = auth()
	r.code(t)
	a.typeInto("Escape")
	if c := r.exit(t, 30*time.Second); c == 0 {
		t.Fatal("denied: pamtester authenticated")
	}
}

// TestE2EApprovalsSSH: a remote server's command, then its sudo (PAM),
// approved at the desk through ssh -R. The "server" is a private sshd in its own network
// namespace (so the forward can use the same port on both ends, as
// docs/examples/ssh-reverse.md says), reached through ProxyCommand, with
// docs/examples/ssh-forcecommand.sh as its ForceCommand; the request
// crosses the forward to the real window, where xdotool types the code.
func TestE2EApprovalsSSH(t *testing.T) {
	sshd := tool(t, "sshd", "openssh-server")
	ssh := tool(t, "ssh", "openssh-client")
	keygen := tool(t, "ssh-keygen", "openssh-client")
	unshare := tool(t, "unshare", "util-linux")
	nsenter := tool(t, "nsenter", "util-linux")
	a := newApprovalDesk(t)
	force := a.example("ssh-forcecommand.sh")
	dir := filepath.Join(a.home, "sshd")
	os.MkdirAll(dir, 0o700)
	os.MkdirAll("/run/sshd", 0o755)
	for _, k := range []string{"host", "user"} {
		if out, err := exec.Command(keygen, "-q", "-t", "ed25519", "-N", "", "-f", filepath.Join(dir, k)).CombinedOutput(); err != nil {
			t.Fatalf("ssh-keygen: %v %s", err, out)
		}
	}
	pub, _ := os.ReadFile(filepath.Join(dir, "user.pub"))
	os.WriteFile(filepath.Join(dir, "authorized_keys"), pub, 0o600)
	cfg := filepath.Join(dir, "sshd_config")
	os.WriteFile(cfg, []byte(strings.Join([]string{
		"HostKey " + filepath.Join(dir, "host"),
		"AuthorizedKeysFile " + filepath.Join(dir, "authorized_keys"),
		"UsePAM no", "StrictModes no", "PasswordAuthentication no", "KbdInteractiveAuthentication no",
		"PermitRootLogin prohibit-password", "AllowTcpForwarding remote", "GatewayPorts no",
		"Match User root", "    ForceCommand " + force, "",
	}, "\n")), 0o600)

	// The server's network namespace, held by a process of the test.
	holder := exec.Command(unshare, "--net", "sh", "-c", "ip link set lo up && exec sleep 600")
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { holder.Process.Kill(); holder.Wait() })
	netns := fmt.Sprintf("/proc/%d/ns/net", holder.Process.Pid)
	waitFor(t, 5*time.Second, "the namespace's loopback", func() bool {
		out, _ := exec.Command(nsenter, "--net="+netns, "ip", "-o", "addr", "show", "lo").Output()
		return strings.Contains(string(out), "127.0.0.1")
	})

	fwd := fmt.Sprintf("127.0.0.1:%d:127.0.0.1:%d", a.port, a.port)
	r := startCLI(t, ssh, a.env, "-F", "/dev/null", "-i", filepath.Join(dir, "user"),
		"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
		"-o", "BatchMode=yes", "-o", "ExitOnForwardFailure=yes",
		"-o", "ProxyCommand="+nsenter+" --net="+netns+" "+sshd+" -i -f "+cfg,
		"-R", fwd, "root@server", "echo ran-on-server")
	a.typeInto(r.code(t), "Return")
	ran := false
	for l := range r.lines {
		ran = ran || l == "ran-on-server"
	}
	if c := r.exit(t, 30*time.Second); c != 0 || !ran {
		t.Fatalf("approved ssh command: ssh exited %d, command ran: %v", c, ran)
	}
	r = startCLI(t, ssh, a.env, "-F", "/dev/null", "-i", filepath.Join(dir, "user"),
		"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
		"-o", "BatchMode=yes", "-o", "ExitOnForwardFailure=yes",
		"-o", "ProxyCommand="+nsenter+" --net="+netns+" "+sshd+" -i -f "+cfg,
		"-R", fwd, "root@server", "echo ran-on-server")
	r.code(t)
	a.typeInto("Escape")
	if c := r.exit(t, 30*time.Second); c == 0 {
		t.Fatal("denied ssh command: ssh exited 0")
	}

	// The server's sudo: with no ForceCommand, the remote command is a PAM
	// authentication (pamtester standing in for sudo) whose pam_exec hook
	// is docs/examples/pam_exec.sh; it reaches the desk over the forward.
	pamtester := tool(t, "pamtester", "pamtester")
	stdbuf := tool(t, "stdbuf", "coreutils")
	hook := a.example("pam_exec.sh")
	service := "tessera-e2e-ssh-" + strconv.Itoa(os.Getpid())
	pamFile := filepath.Join("/etc/pam.d", service)
	if err := os.WriteFile(pamFile, []byte("auth required pam_exec.so stdout "+hook+"\naccount required pam_permit.so\n"), 0o644); err != nil {
		t.Fatalf("writing %s (the test runs as root): %v", pamFile, err)
	}
	t.Cleanup(func() { os.Remove(pamFile) })
	plain := filepath.Join(dir, "sshd_config_plain")
	b, _ := os.ReadFile(cfg)
	os.WriteFile(plain, []byte(strings.Split(string(b), "Match User root")[0]), 0o600)
	r = startCLI(t, ssh, a.env, "-F", "/dev/null", "-i", filepath.Join(dir, "user"),
		"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
		"-o", "BatchMode=yes", "-o", "ExitOnForwardFailure=yes",
		"-o", "ProxyCommand="+nsenter+" --net="+netns+" "+sshd+" -i -f "+plain,
		"-R", fwd, "root@server", stdbuf+" -o0 "+pamtester+" "+service+" alice authenticate")
	a.typeInto(r.code(t), "Return")
	authed := false
	for l := range r.lines {
		authed = authed || strings.Contains(l, "successfully authenticated")
	}
	if c := r.exit(t, 30*time.Second); c != 0 || !authed {
		t.Fatalf("the server's PAM authentication: ssh exited %d, authenticated: %v", c, authed)
	}
}
