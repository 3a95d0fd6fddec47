package loopback_test

import (
	"os"
	"os/exec"
	"testing"

	"github.com/tessera-auth/tessera/app/approve"
	"github.com/tessera-auth/tessera/app/loopback"
)

// TestPeerIsCaller: the pairing prompt names the program that asked, here
// the test binary itself, found through /proc.
func TestPeerIsCaller(t *testing.T) {
	e := newEnv(t)
	if st, m := e.post(t, loopback.PathPair, jsonPair, `{"client_name":"me"}`); st != 200 {
		t.Fatalf("pair: %d %v", st, m)
	}
	p := e.ask.next(t)
	exe, _ := os.Executable()
	want := approve.Caller{Known: true, PID: os.Getpid(), UID: os.Getuid(), Exe: exe}
	if p.Caller != want {
		t.Fatalf("caller %+v, want %+v", p.Caller, want)
	}
}

// TestPairingFromAnotherUser: a program of another user (curl run as
// nobody through setpriv; the tests run as root) cannot pair, and the
// person is not asked.
func TestPairingFromAnotherUser(t *testing.T) {
	if os.Getuid() != 0 {
		t.Fatal("this test runs a program as another user and needs root, as make test runs")
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Fatal("setpriv not found: install util-linux")
	}
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Fatal("curl not found: install curl")
	}
	e := newEnv(t)
	out, err := exec.Command(setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", curl, "-s", "-o", "/dev/null", "-w", "%{http_code}",
		"-H", "Content-Type: application/json", "-H", "Sec-Tessera: 1", "--data", `{"client_name":"other user"}`, e.iss+loopback.PathPair).Output()
	if err != nil {
		t.Fatalf("curl as nobody: %v", err)
	}
	if string(out) != "403" {
		t.Fatalf("pairing from another user answered %s, want 403", out)
	}
	select {
	case p := <-e.ask.prompts:
		t.Fatalf("the person was asked: %+v", p)
	default:
	}
	// The same request as this user is accepted.
	if st, m := e.post(t, loopback.PathPair, jsonPair, `{"client_name":"same user"}`); st != 200 {
		t.Fatalf("pairing as this user: %d %v", st, m)
	}
}
