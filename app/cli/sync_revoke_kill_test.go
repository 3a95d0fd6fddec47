package cli_test

import (
	"encoding/base32"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSyncRevokeKilled kills `tessera sync devices revoke` (the real
// command, a process of its own) at random moments, again and again: after
// every kill the revoking vault opens with the passphrase and the recovery
// code and holds every entry, its sync runs, and the device kept syncs too
// (taking the new key if one was made) and holds every entry. A last
// revoke that finishes leaves a folder none of whose files the revoked
// device's key opens.
func TestSyncRevokeKilled(t *testing.T) {
	t.Parallel() // mostly waiting on the revokes it kills
	tessera, work, pass, sf, run := killWork(t)
	a, b, c := filepath.Join(work, "a"), filepath.Join(work, "b"), filepath.Join(work, "c")
	code := filepath.Join(work, "code.txt")
	os.WriteFile(code, []byte(run("init", "--vault", a)), 0o600)
	want := map[string]string{}
	addTo := func(dir string, i int) {
		name := fmt.Sprintf("Issuer%03d", i)
		run("add", "--vault", dir, "--uri", fmt.Sprintf("otpauth://totp/%s:acct?secret=%s", name,
			base32.StdEncoding.EncodeToString([]byte(fmt.Sprintf("revoke-kill-secret%04d", i)))))
		want[name] = "acct"
	}
	addTo(a, 0)
	run("sync", "--vault", a, "--folder", sf, "--name", "alpha")
	run("sync", "--vault", b, "--folder", sf, "--name", "bravo")
	run("sync", "--vault", c, "--folder", sf, "--name", "charlie")
	run("sync", "--vault", a, "--folder", sf)

	revokeCmd := func() *exec.Cmd {
		cmd := exec.Command(tessera, "sync", "devices", "revoke", "charlie", "--vault", a, "--folder", sf, "--yes")
		cmd.Env = append(os.Environ(), "TESSERA_PASSPHRASE_FILE="+pass, "LANG=en_US.UTF-8")
		return cmd
	}
	start := time.Now()
	if out, err := revokeCmd().CombinedOutput(); err != nil {
		t.Fatalf("revoke: %v: %s", err, out)
	}
	span := time.Since(start)
	run("sync", "--vault", b, "--folder", sf)

	rng := rand.New(rand.NewPCG(12, 13))
	killed, finished := 0, 0
	const rounds = 16
	for i := 1; i <= rounds; i++ {
		addTo([]string{a, b}[i%2], i)
		cmd := revokeCmd()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		timer := time.AfterFunc(time.Duration(rng.Int64N(int64(span))), func() { cmd.Process.Kill() })
		err := cmd.Wait()
		timer.Stop()
		if err == nil {
			finished++
			span = span * 9 / 10
		} else {
			killed++
			span = span * 11 / 10
		}
		// The revoking vault opens both ways, with its entries.
		run("list", "--vault", a, "--recovery-code-file", code)
		for _, dir := range []string{a, b} {
			run("sync", "--vault", dir, "--folder", sf)
		}
		run("sync", "--vault", a, "--folder", sf)
		for _, dir := range []string{a, b} {
			got := accounts(t, dir)
			for name := range want {
				if _, ok := got[name]; !ok {
					t.Fatalf("round %d: %s lacks %s after a revoke was killed: %v", i, filepath.Base(dir), name, got)
				}
			}
		}
	}
	if killed < rounds/5 || finished < rounds/10 {
		t.Fatalf("%d revokes killed, %d finished: the kills did not land at varied moments", killed, finished)
	}
	t.Logf("%d revokes killed, %d finished", killed, finished)

	// A last one that finishes: the revoked device's key opens nothing.
	if out, err := revokeCmd().CombinedOutput(); err != nil {
		t.Fatalf("revoke: %v: %s", err, out)
	}
	run("sync", "--vault", b, "--folder", sf)
	cv := unlock(t, c)
	defer cv.Lock()
	ents, _ := os.ReadDir(sf)
	n := 0
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), "tessera-device-") {
			continue
		}
		n++
		ct, _ := os.ReadFile(filepath.Join(sf, e.Name()))
		if _, err := cv.Unseal(ct); err == nil {
			t.Errorf("the revoked device's key opens %s", e.Name())
		}
	}
	if n != 2 {
		t.Errorf("%d device files in the folder, want 2", n)
	}
}
