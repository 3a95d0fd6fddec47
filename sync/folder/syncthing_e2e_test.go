//go:build e2e

package folder_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tessera-auth/tessera/sync/folder"
	"github.com/tessera-auth/tessera/vault"
)

// syncthing is one private Syncthing instance: its own home, a loopback
// listen address and GUI/REST port, discovery, relays, NAT and reporting
// off, sharing one folder with its peer.
type syncthing struct {
	t      *testing.T
	name   string
	home   string
	folder string
	id     string
	key    string
	listen int
	gui    int
	log    *os.File
	cmd    *exec.Cmd
}

var deviceIDLine = regexp.MustCompile(`Device ID: ([A-Z0-9-]{63})`)

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// newSyncthing generates an instance's key and certificate.
func newSyncthing(t *testing.T, name string) *syncthing {
	t.Helper()
	dir := t.TempDir()
	s := &syncthing{t: t, name: name, home: filepath.Join(dir, "home"), folder: filepath.Join(dir, "folder"),
		key: "tessera-test-key-" + name, listen: freePort(t), gui: freePort(t)}
	out, err := exec.Command("syncthing", "generate", "--home="+s.home, "--no-default-folder", "--skip-port-probing").CombinedOutput()
	if err != nil {
		t.Fatalf("syncthing generate: %v\n%s", err, out)
	}
	m := deviceIDLine.FindSubmatch(out)
	if m == nil {
		t.Fatalf("syncthing generate printed no device ID:\n%s", out)
	}
	s.id = string(m[1])
	if err := os.MkdirAll(filepath.Join(s.folder, ".stfolder"), 0o700); err != nil {
		t.Fatal(err)
	}
	s.log, err = os.Create(filepath.Join(dir, name+".log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.log.Close() })
	return s
}

// configure writes config.xml with every option that would reach beyond
// loopback set explicitly, and peer introduced.
func (s *syncthing) configure(peer *syncthing) {
	dev := func(x *syncthing) string {
		return fmt.Sprintf(`<device id="%s" name="%s" compression="metadata" introducer="false" skipIntroductionRemovals="false" introducedBy="">
        <address>tcp://127.0.0.1:%d</address><paused>false</paused><autoAcceptFolders>false</autoAcceptFolders></device>`, x.id, x.name, x.listen)
	}
	cfg := fmt.Sprintf(`<configuration version="36">
    <folder id="tessera" label="tessera" path="%s" type="sendreceive" rescanIntervalS="3600" fsWatcherEnabled="true" fsWatcherDelayS="1" ignorePerms="false" autoNormalize="true">
        <filesystemType>basic</filesystemType>
        <device id="%s" introducedBy=""></device>
        <device id="%s" introducedBy=""></device>
        <minDiskFree unit="%%">0</minDiskFree>
        <versioning></versioning>
        <maxConflicts>10</maxConflicts>
        <markerName>.stfolder</markerName>
    </folder>
    %s
    %s
    <gui enabled="true" tls="false" debugging="false"><address>127.0.0.1:%d</address><apikey>%s</apikey></gui>
    <options>
        <listenAddress>tcp://127.0.0.1:%d</listenAddress>
        <globalAnnounceServer></globalAnnounceServer>
        <globalAnnounceEnabled>false</globalAnnounceEnabled>
        <localAnnounceEnabled>false</localAnnounceEnabled>
        <relaysEnabled>false</relaysEnabled>
        <natEnabled>false</natEnabled>
        <reconnectionIntervalS>1</reconnectionIntervalS>
        <startBrowser>false</startBrowser>
        <urAccepted>-1</urAccepted>
        <urURL></urURL>
        <autoUpgradeIntervalH>0</autoUpgradeIntervalH>
        <crashReportingEnabled>false</crashReportingEnabled>
        <crashReportingURL></crashReportingURL>
        <releasesURL></releasesURL>
        <stunServer></stunServer>
        <minHomeDiskFree unit="%%">0</minHomeDiskFree>
        <setLowPriority>false</setLowPriority>
    </options>
</configuration>
`, s.folder, s.id, peer.id, dev(s), dev(peer), s.gui, s.key, s.listen)
	if err := os.WriteFile(filepath.Join(s.home, "config.xml"), []byte(cfg), 0o600); err != nil {
		s.t.Fatal(err)
	}
}

// start runs the instance as a direct child of the test and waits for its
// REST API.
func (s *syncthing) start() {
	s.t.Helper()
	s.cmd = exec.Command("syncthing", "serve", "--home="+s.home, "--no-browser", "--no-restart", "--no-upgrade")
	s.cmd.Env = append(os.Environ(), "STNOUPGRADE=1", "STMONITORED=1", "STHASHING=minio")
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("starting syncthing: %v", err)
	}
	cmd := s.cmd
	s.t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	s.waitFor("its REST API", func() bool { return s.call("GET", "/rest/system/ping", "") == nil })
}

// stop shuts the instance down and waits for its process.
func (s *syncthing) stop() {
	s.t.Helper()
	if err := s.call("POST", "/rest/system/shutdown", ""); err != nil {
		s.cmd.Process.Kill()
	}
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		<-done
	}
}

func (s *syncthing) call(method, path, body string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, fmt.Sprintf("http://127.0.0.1:%d%s", s.gui, path), strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("X-API-Key", s.key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, b)
	}
	return nil
}

// scan has the instance look at its folder now rather than after its
// watcher's delay.
func (s *syncthing) scan() {
	s.t.Helper()
	if err := s.call("POST", "/rest/db/scan?folder=tessera", ""); err != nil {
		s.t.Fatal(err)
	}
}

// pause pauses or resumes the instance's connection to peer.
func (s *syncthing) pause(peer *syncthing, paused bool) {
	s.t.Helper()
	if err := s.call("PATCH", "/rest/config/devices/"+peer.id, fmt.Sprintf(`{"paused":%v}`, paused)); err != nil {
		s.t.Fatal(err)
	}
}

// waitFor polls cond until it holds; a timeout fails with the logs.
func (s *syncthing) waitFor(what string, cond func() bool) {
	s.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(s.log.Name())
			s.t.Fatalf("%s: timed out waiting for %s; log:\n%s", s.name, what, tail(b, 3000))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// files returns the folder's files (not Syncthing's own) and their content.
func files(dir string) map[string][]byte {
	out := map[string][]byte{}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		n := e.Name()
		if e.IsDir() || strings.HasPrefix(n, ".syncthing.") || strings.HasPrefix(n, "~syncthing~") || strings.HasPrefix(n, ".st") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err == nil {
			out[n] = b
		}
	}
	return out
}

func names(m map[string][]byte) []string {
	var out []string
	for n := range m {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// inStep scans both instances and waits until their folders hold the same
// files with the same content.
func inStep(a, b *syncthing) {
	a.t.Helper()
	a.scan()
	b.scan()
	a.waitFor("both folders to hold the same files", func() bool {
		fa, fb := files(a.folder), files(b.folder)
		if len(fa) != len(fb) {
			return false
		}
		for n, x := range fa {
			if y, ok := fb[n]; !ok || !bytes.Equal(x, y) {
				return false
			}
		}
		return true
	})
}

// syncVaults syncs each vault with its instance's folder, twice around,
// with the instances in step in between.
func syncVaults(t *testing.T, s1, s2 *syncthing, pairs ...any) []*folder.Report {
	t.Helper()
	var reps []*folder.Report
	for range 2 {
		for i := 0; i < len(pairs); i += 2 {
			reps = append(reps, syncST(t, pairs[i].(*vault.Vault), pairs[i+1].(*syncthing).folder))
		}
		inStep(s1, s2)
	}
	return reps
}

// TestE2ESyncthing keeps two vaults in step through two real Syncthing
// instances on loopback: adds, edits and deletes on both sides, changes
// made while one instance is stopped, and conflict copies Syncthing makes
// itself when two copies of one device file change while the instances
// are apart.
func TestE2ESyncthing(t *testing.T) {
	if _, err := exec.LookPath("syncthing"); err != nil {
		t.Fatal("syncthing is not installed (Debian package syncthing; make test-deps installs it)")
	}
	s1, s2 := newSyncthing(t, "one"), newSyncthing(t, "two")
	s1.configure(s2)
	s2.configure(s1)
	s1.start()
	s2.start()

	a, _ := newVault(t)
	add(t, a, totp("GitHub", 1))
	bank := add(t, a, hotp("Bank", 2))
	mail := add(t, a, totp("Mail", 3))
	syncST(t, a, s1.folder)
	inStep(s1, s2)
	b := join(t, s2.folder)
	syncST(t, b, s2.folder)
	inStep(s1, s2)
	syncST(t, a, s1.folder)
	if labels(a) != labels(b) {
		t.Fatalf("after the join: %s vs %s", labels(a), labels(b))
	}

	// Adds, edits and deletes on both sides.
	g := find(t, a, "GitHub")
	g.Issuer = "GitHub A"
	mustUpdate(t, a, g)
	if err := a.Delete(mail.ID); err != nil {
		t.Fatal(err)
	}
	a.Save()
	for range 2 {
		if _, err := a.AdvanceHOTP(bank.ID); err != nil {
			t.Fatal(err)
		}
	}
	add(t, b, totp("Cloud", 4))
	bk := find(t, b, "Bank")
	bk.Note = "card 2"
	mustUpdate(t, b, bk)
	syncVaults(t, s1, s2, a, s1, b, s2)
	want := "Bank: me#2, Cloud: me#0, GitHub A: me#0"
	if labels(a) != want || labels(b) != want || find(t, a, "Bank").Note != "card 2" {
		t.Fatalf("after changes on both sides: %s / %s, want %s", labels(a), labels(b), want)
	}

	// Changes made while instance two is stopped meet when it is back.
	s2.stop()
	c := find(t, a, "Cloud")
	c.Issuer = "Cloud A"
	mustUpdate(t, a, c)
	syncST(t, a, s1.folder)
	add(t, b, totp("Offline B", 5))
	g = find(t, b, "GitHub A")
	g.Account = "me@b"
	mustUpdate(t, b, g)
	syncST(t, b, s2.folder)
	s2.start()
	syncVaults(t, s1, s2, a, s1, b, s2)
	want = "Bank: me#2, Cloud A: me#0, GitHub A: me@b#0, Offline B: me#0"
	if labels(a) != want || labels(b) != want {
		t.Fatalf("after changes while stopped: %s / %s, want %s", labels(a), labels(b), want)
	}

	// A copy of vault a's folder (copied, not joined) syncs through
	// instance two, so both write a's device file. With the instances
	// apart, both change it: Syncthing keeps one and makes a
	// .sync-conflict- copy of the other when they meet. Every vault
	// reads the copies, the clone takes a new device ID, and nothing
	// either side did is lost.
	a2 := copyVault(t, a)
	s1.pause(s2, true)
	s1.waitFor("the pause to disconnect", func() bool { return !connected(s1, s2) })
	bk = find(t, a, "Bank")
	bk.Issuer = "Bank A"
	mustUpdate(t, a, bk)
	syncST(t, a, s1.folder)
	add(t, a2, totp("From the copy", 6))
	syncST(t, a2, s2.folder)
	s1.scan()
	s2.scan()
	s1.pause(s2, false)
	s1.waitFor("a Syncthing conflict copy", func() bool {
		for n := range files(s1.folder) {
			if strings.Contains(n, ".sync-conflict-") {
				return true
			}
		}
		return false
	})
	inStep(s1, s2)
	var cloned bool
	for range 3 {
		for _, x := range []struct {
			v *vault.Vault
			s *syncthing
		}{{a, s1}, {a2, s2}, {b, s2}} {
			rep := syncST(t, x.v, x.s.folder) // conflict copies read without problems
			cloned = cloned || rep.Cloned != ""
		}
		inStep(s1, s2)
	}
	if !cloned {
		t.Error("neither copy of vault a noticed the other")
	}
	want = "Bank A: me#2, Cloud A: me#0, From the copy: me#0, GitHub A: me@b#0, Offline B: me#0"
	for _, v := range []*vault.Vault{a, a2, b} {
		if labels(v) != want {
			t.Errorf("after Syncthing's conflict copies: %s, want %s", labels(v), want)
		}
	}
	t.Logf("files in the folder at the end: %v", names(files(s1.folder)))
}

// syncST syncs v with dir. A copy Syncthing has in progress (its
// .syncthing.NAME.tmp file) is reported and skipped; anything else that
// does not read fails the test.
func syncST(t *testing.T, v *vault.Vault, dir string) *folder.Report {
	t.Helper()
	rep, err := folder.Sync(v, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range rep.Problems {
		if !strings.HasPrefix(p.File, ".syncthing.") || !strings.Contains(p.Why, "temporary file") {
			t.Fatalf("problem: %s", p)
		}
	}
	return rep
}

func mustUpdate(t *testing.T, v *vault.Vault, e vault.Entry) {
	t.Helper()
	if err := v.Update(e); err != nil {
		t.Fatal(err)
	}
	if err := v.Save(); err != nil {
		t.Fatal(err)
	}
}

// connected reports whether s holds a connection to peer.
func connected(s, peer *syncthing) bool {
	req, _ := http.NewRequest("GET", fmt.Sprintf("http://127.0.0.1:%d/rest/system/connections", s.gui), nil)
	req.Header.Set("X-API-Key", s.key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return true
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	i := bytes.Index(b, []byte(`"`+peer.id+`"`))
	if i < 0 {
		return false
	}
	rest := b[i:]
	if j := bytes.Index(rest, []byte("}")); j >= 0 {
		rest = rest[:j]
	}
	return bytes.Contains(rest, []byte(`"connected": true`)) || bytes.Contains(rest, []byte(`"connected":true`))
}

// copyVault copies v's folder file by file, as someone moving to a new
// computer might, and opens the copy.
func copyVault(t *testing.T, v *vault.Vault) *vault.Vault {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "copy")
	err := filepath.WalkDir(v.Dir(), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(v.Dir(), p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o700)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
	c, err := vault.Open(dst, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.UnlockPassphrase(testPass); err != nil {
		t.Fatal(err)
	}
	return c
}
