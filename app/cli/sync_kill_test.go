package cli_test

import (
	"bytes"
	"encoding/base32"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tessera-auth/tessera/app/cli"
	"github.com/tessera-auth/tessera/sync/folder"
	"github.com/tessera-auth/tessera/vault"
)

// TestSyncKilled kills `tessera sync` (the real command, a process of its
// own) at random moments while two devices change entries between syncs:
// after every kill both vaults open with every change acknowledged to
// them, the folder's device files read back, and at the end both devices
// hold every acknowledged change.
func TestSyncKilled(t *testing.T) {
	t.Parallel() // mostly waiting on the sync processes it kills
	tessera, work, pass, sf, run := killWork(t)
	vaults := []string{filepath.Join(work, "a"), filepath.Join(work, "b")}
	run("init", "--vault", vaults[0])
	run("sync", "--vault", vaults[0], "--folder", sf)
	run("sync", "--vault", vaults[1], "--folder", sf)

	syncCmd := func(dir string) *exec.Cmd {
		cmd := exec.Command(tessera, "sync", "--vault", dir, "--folder", sf)
		cmd.Env = append(os.Environ(), "TESSERA_PASSPHRASE_FILE="+pass, "LANG=en_US.UTF-8")
		return cmd
	}
	// How long a whole sync process takes here (a race-enabled binary is
	// several times slower, and later syncs carry more): kills land
	// anywhere within span, which grows after a sync that was killed and
	// shrinks after one that finished, so that about half are killed.
	start := time.Now()
	if out, err := syncCmd(vaults[0]).CombinedOutput(); err != nil {
		t.Fatalf("tessera sync: %v: %s", err, out)
	}
	span := time.Since(start)

	// want holds, per issuer name, the account acknowledged last; each
	// device renames only entries it added, so no two changes conflict.
	want := map[string]string{}
	owner := map[string]int{}
	rng := rand.New(rand.NewPCG(13, 13))
	killed, finished := 0, 0
	const rounds = 30
	for i := range rounds {
		d := rng.IntN(2)
		var mine []string
		for name, o := range owner {
			if o == d {
				mine = append(mine, name)
			}
		}
		if len(mine) == 0 || rng.IntN(2) == 0 {
			name := fmt.Sprintf("Issuer%03dx", i)
			run("add", "--vault", vaults[d], "--uri", fmt.Sprintf("otpauth://totp/%s:acct0?secret=%s", name,
				base32.StdEncoding.EncodeToString([]byte(fmt.Sprintf("kill-test-secret%04d", i)))))
			owner[name], want[name] = d, "acct0"
		} else {
			name := mine[rng.IntN(len(mine))]
			acct := fmt.Sprintf("acct%d", i)
			run("rename", name, "--vault", vaults[d], "--account", acct)
			want[name] = acct
		}

		// A sync of a random device, killed after a random moment.
		s := rng.IntN(2)
		cmd := syncCmd(vaults[s])
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
		checkOpens(t, vaults, sf, owner, want)
	}
	if killed < rounds/5 || finished < rounds/10 {
		t.Fatalf("%d syncs killed, %d finished: the kills did not land at varied moments", killed, finished)
	}
	t.Logf("%d syncs killed, %d finished", killed, finished)

	for range 2 {
		for _, v := range vaults {
			run("sync", "--vault", v, "--folder", sf)
		}
	}
	for _, dir := range vaults {
		got := accounts(t, dir)
		for name, acct := range want {
			if got[name] != acct {
				t.Errorf("%s: %s has account %q, want %q (the last acknowledged)", filepath.Base(dir), name, got[name], acct)
			}
		}
		if len(got) != len(want) {
			t.Errorf("%s holds %d entries, want %d", filepath.Base(dir), len(got), len(want))
		}
	}
}

// checkOpens opens both vaults: each holds every change acknowledged to it
// (its own, at least), and every device file in the folder reads back.
func checkOpens(t *testing.T, vaults []string, sf string, owner map[string]int, want map[string]string) {
	t.Helper()
	for d, dir := range vaults {
		got := accounts(t, dir)
		for name, o := range owner {
			if o == d && got[name] != want[name] {
				t.Fatalf("%s lost its own change to %s: account %q, want %q", filepath.Base(dir), name, got[name], want[name])
			}
		}
	}
	v := unlock(t, vaults[0])
	defer v.Lock()
	_, _, problems, err := folder.Devices(v, sf)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		// A kill in the middle of writing leaves a temporary file,
		// which the next sync of that device removes.
		if !strings.HasPrefix(p.File, ".tmp-") {
			t.Fatalf("after a kill the folder holds a file that does not read: %s", p)
		}
	}
}

func unlock(t *testing.T, dir string) *vault.Vault {
	t.Helper()
	v, err := vault.Open(dir, &vault.Options{WorkFactor: 10})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.UnlockPassphrase("correct horse battery staple"); err != nil {
		t.Fatalf("%s does not open after a kill: %v", filepath.Base(dir), err)
	}
	return v
}

// accounts maps a vault's issuers to their accounts.
func accounts(t *testing.T, dir string) map[string]string {
	t.Helper()
	v := unlock(t, dir)
	defer v.Lock()
	out := map[string]string{}
	for _, e := range v.Entries() {
		out[e.Issuer] = e.Account
	}
	return out
}

// killWork sets up a kill test of the sync verbs: the tessera command
// that testscript installs (to start and kill), a working folder with a
// passphrase file and an empty sync folder in it, and run, which runs a
// verb in this process with that passphrase and fails t if it fails.
func killWork(t *testing.T) (tessera, work, pass, folder string, run func(args ...string) string) {
	t.Helper()
	tessera, err := exec.LookPath("tessera")
	if err != nil {
		t.Fatalf("the tessera command testscript installs is not on PATH: %v", err)
	}
	work = t.TempDir()
	pass = filepath.Join(work, "pass")
	os.WriteFile(pass, []byte("correct horse battery staple\n"), 0o600)
	folder = filepath.Join(work, "folder")
	os.Mkdir(folder, 0o700)
	env := cli.Env{Stdin: strings.NewReader(""), Getenv: func(k string) string {
		if k == "TESSERA_PASSPHRASE_FILE" {
			return pass
		}
		return ""
	}}
	run = func(args ...string) string {
		t.Helper()
		var out bytes.Buffer
		env.Stdout, env.Stderr = &out, &out
		if code := cli.Run(env, args); code != 0 {
			t.Fatalf("tessera %s: exit %d: %s", strings.Join(args, " "), code, out.String())
		}
		return out.String()
	}
	return tessera, work, pass, folder, run
}
