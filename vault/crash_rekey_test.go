package vault_test

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/tessera-auth/tessera/vault"
)

func init() { childModes["rekey"] = rekeyChild }

// rekeyChild adds an entry, saves, reports "ok N" and gives the vault a
// new master key, in a loop until killed.
func rekeyChild(v *vault.Vault, first int) int {
	if err := v.UnlockPassphrase(testPass); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	out := bufio.NewWriter(os.Stdout)
	for n := first; ; n++ {
		if _, err := v.Add(childEntry("rekey", n)); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			return 1
		}
		if err := v.Save(); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			return 1
		}
		fmt.Fprintf(out, "ok %d\n", n)
		out.Flush()
		res, err := v.Rekey(&vault.RekeyOptions{Passphrases: []string{testPass}})
		if err != nil || len(res.Dropped) > 0 {
			fmt.Fprintln(os.Stderr, "child: rekey:", err, res)
			return 1
		}
	}
}

// TestCrashRekey kills (SIGKILL) a child that saves and rekeys in a loop,
// at random moments, for about 20 seconds. After each kill the vault opens
// with the passphrase, the recovery code and the security key alike (each
// giving the same master key, old or new), holds every entry reported
// saved, whole, and its sealed file; and the master key did change. Some
// kills must land between a rekey's first and last phase (files that both
// master keys open).
func TestCrashRekey(t *testing.T) {
	v, dir, code := newVault(t)
	if err := v.WriteSealed("kept", []byte("sealed across rekeys")); err != nil {
		t.Fatal(err)
	}
	k, kid := fakeKey(t)
	if _, err := v.AddSecurityKey(k, "key", ""); err != nil {
		t.Fatal(err)
	}
	v.Lock()
	rec, _ := vault.ParseRecoveryCode(code)
	pass, _ := age.NewScryptIdentity(testPass)

	rng := rand.New(rand.NewPCG(3, uint64(time.Now().UnixNano())))
	deadline := time.Now().Add(20 * time.Second)
	reported := map[int]bool{}
	masters := map[string]bool{}
	next, kills, midway, twoKeys := 0, 0, 0, 0
	for ; kills < 300 && time.Now().Before(deadline); kills++ {
		cmd, out := startChild(t, "rekey", dir, "-", next)
		// Once it has saved (it rekeys next), kill it within about the
		// time a rekey of this vault with its backups takes (longer
		// under the race detector).
		for n := 1 + rng.IntN(2); n > 0 && out.Scan(); n-- {
			reported[parseOK(t, out.Text())] = true
		}
		time.Sleep(time.Duration(rng.IntN(250000)) * time.Microsecond)
		cmd.Process.Kill()
		for out.Scan() {
			reported[parseOK(t, out.Text())] = true
		}
		cmd.Wait()
		if b, _ := os.ReadFile(filepath.Join(dir, "vault.json")); bytes.Contains(b, []byte(`"rekeying": true`)) {
			midway++
		}
		// A body encrypted to two master keys: killed between a rekey's
		// first and last phase.
		if b, _ := os.ReadFile(filepath.Join(dir, "body.age")); bytes.Count(b[:min(len(b), 1024)], []byte("\n-> X25519 ")) == 2 {
			twoKeys++
		}
		var master string
		for name, id := range map[string]age.Identity{"passphrase": pass, "recovery code": rec, "security key": kid} {
			w, err := unlockWith(t, dir, id)
			if err != nil {
				t.Fatalf("kill %d: the %s does not open the vault: %v", kills, name, err)
			}
			b, err := w.ReadSealed("kept")
			if err != nil || string(b) != "sealed across rekeys" {
				t.Fatalf("kill %d: sealed file with the %s: %v", kills, name, err)
			}
			held := map[int]bool{}
			for _, e := range w.Entries() {
				if err := checkChildEntry(e); err != nil {
					t.Fatalf("kill %d: %v", kills, err)
				}
				i, _ := strconv.Atoi(e.Account[1:])
				held[i] = true
				next = max(next, i+1)
			}
			for i := range reported {
				if !held[i] {
					t.Fatalf("kill %d: entry %d was reported saved but is missing (opened with the %s)", kills, i, name)
				}
			}
			m := masterOf(t, slotFile(t, dir, "recovery"), rec).String()
			if master != "" && m != master {
				t.Fatalf("kill %d: the ways in hold different master keys", kills)
			}
			master = m
			w.Lock()
		}
		masters[master] = true
	}
	if twoKeys == 0 {
		t.Errorf("no kill of %d landed between a rekey's first and last phase: the test did not test that", kills)
	}
	if len(masters) < kills/4 {
		t.Errorf("%d master keys seen over %d kills: the children barely rekeyed", len(masters), kills)
	}
	t.Logf("%d kills, %d saves reported, %d master keys seen; %d kills left a body encrypted to both master keys, %d a rekey for the next unlock to finish",
		kills, len(reported), len(masters), twoKeys, midway)
}
