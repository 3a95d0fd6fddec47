package loopback_test

import (
	"os"
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
