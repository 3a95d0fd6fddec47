//go:build unix

package vault_test

import (
	"bufio"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tessera-auth/tessera/vault"
)

func init() { childModes["mixed"] = mixedChild }

// The mixed child's protocol, one line each on stdout: "do OP ARGS" before
// it starts an operation and "ok" once the operation returned, so the
// parent knows what was acknowledged and what was under way at the kill.
// A HOTP code is printed as "code C" the moment it is given.
//
//	do add K            add entry nK (issuer "I")
//	do rename K NAME    set entry nK's issuer to NAME
//	do rm K             remove entry nK
//	do undo K           remove entry nK, then restore the backup that
//	                    holds it (BackupWith), as `tessera rm` advises
//	do code             take a code of the HOTP entry
//	do passwd N         change the passphrase to numbered(N)

// mixedChild unlocks with passphrase numbered(N) (the name argument is
// "pN") and runs random operations, from entry number first on, until
// killed.
func mixedChild(v *vault.Vault, first int) int {
	fail := func(err error) int {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	pass, _ := strconv.Atoi(strings.TrimPrefix(os.Args[len(os.Args)-2], "p"))
	if err := v.UnlockPassphrase(numbered(pass)); err != nil {
		return fail(err)
	}
	out := bufio.NewWriter(os.Stdout)
	say := func(format string, args ...any) {
		fmt.Fprintf(out, format+"\n", args...)
		out.Flush()
	}
	rng := rand.New(rand.NewPCG(uint64(os.Getpid()), uint64(time.Now().UnixNano())))
	next := first
	for {
		var live []vault.Entry
		var hotp string
		for _, e := range v.Entries() {
			if e.Issuer == "H" {
				hotp = e.ID
			} else {
				live = append(live, e)
			}
		}
		op := rng.IntN(12)
		if len(live) < 3 {
			op = 0
		}
		var err error
		switch {
		case op < 4:
			say("do add %d", next)
			e := mixedEntry(next)
			next++
			if _, err = v.Add(e); err == nil {
				err = v.Save()
			}
		case op < 6:
			e := live[rng.IntN(len(live))]
			e.Issuer = "R" + strconv.Itoa(rng.IntN(1000))
			say("do rename %s %s", strings.TrimPrefix(e.Account, "n"), e.Issuer)
			if err = v.Update(e); err == nil {
				err = v.Save()
			}
		case op < 7:
			e := live[rng.IntN(len(live))]
			say("do rm %s", strings.TrimPrefix(e.Account, "n"))
			if err = v.Delete(e.ID); err == nil {
				err = v.Save()
			}
		case op < 8:
			e := live[rng.IntN(len(live))]
			say("do undo %s", strings.TrimPrefix(e.Account, "n"))
			if err = v.Delete(e.ID); err == nil {
				err = v.Save()
			}
			if err == nil {
				b, ok := v.BackupWith(e.ID)
				if !ok {
					return fail(fmt.Errorf("no backup holds entry %s just removed", e.Account))
				}
				err = v.Restore(b.ID)
			}
		case op < 11:
			say("do code")
			var code string
			if code, err = v.AdvanceHOTP(hotp); err == nil {
				say("code %s", code)
			}
		default:
			pass++
			say("do passwd %d", pass)
			err = v.SetPassphrase(numbered(pass))
		}
		if err != nil {
			return fail(err)
		}
		say("ok")
	}
}

// mixedEntry is the entry number k of the mixed test; its secret derives
// from k, so that no two are duplicates.
func mixedEntry(k int) vault.Entry {
	e := totp("I", "n"+strconv.Itoa(k), 1000+k)
	return e
}

// mixedModel is what the parent knows of the vault: the issuer of every
// live entry by number.
type mixedModel map[int]string

// apply returns the model after the operation in a "do" line.
func (m mixedModel) apply(t *testing.T, op []string) mixedModel {
	out := maps.Clone(m)
	k := -1
	if len(op) > 1 {
		k, _ = strconv.Atoi(op[1])
	}
	switch op[0] {
	case "add":
		out[k] = "I"
	case "rename":
		out[k] = op[2]
	case "rm":
		delete(out, k)
	case "undo", "code", "passwd":
		// undo ends where it began; the others change no entry.
	default:
		t.Fatalf("child said do %q", op)
	}
	return out
}

func (m mixedModel) String() string {
	keys := slices.Sorted(maps.Keys(m))
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "n%d=%s ", k, m[k])
	}
	return b.String()
}

// TestCrashMixed is the kill test at scale: a child runs random adds,
// renames, removals, restores (a removal undone through the backup that
// holds it), HOTP codes and passphrase changes, and is killed (SIGKILL)
// at a random moment, 500 times. After every kill the vault must open with
// the last passphrase set (or the one being set at the kill), hold exactly
// the entries of the acknowledged operations (plus, or not, those of the
// operation under way), warn of no rollback, and no HOTP code may ever
// have been given twice.
func TestCrashMixed(t *testing.T) {
	t.Parallel() // mostly waiting on child processes and fsync
	const kills = 500
	v, dir, code := newVault(t)
	mustAdd(t, v, hotpEntry())
	mustSave(t, v)
	v.Lock()

	rng := rand.New(rand.NewPCG(3, uint64(time.Now().UnixNano())))
	model := mixedModel{}
	given := map[string]int{} // code -> kill round that gave it
	pass, next := 0, 0
	ops := map[string]int{}
	inFlight := 0
	for k := range kills {
		cmd, out := startChild(t, "mixed", dir, "p"+strconv.Itoa(pass), next)
		var pending []string
		scan := func() bool {
			if !out.Scan() {
				return false
			}
			line := out.Text()
			switch f := strings.Fields(line); {
			case len(f) >= 2 && f[0] == "do":
				pending = f[1:]
				if pending[0] == "add" {
					n, _ := strconv.Atoi(pending[1])
					next = max(next, n+1)
				}
			case line == "ok":
				if pending == nil {
					t.Fatalf("kill %d: ok without an operation", k)
				}
				model = model.apply(t, pending)
				if pending[0] == "passwd" {
					pass, _ = strconv.Atoi(pending[1])
				}
				ops[pending[0]]++
				pending = nil
			case len(f) == 2 && f[0] == "code":
				if r, ok := given[f[1]]; ok {
					t.Fatalf("kill %d: HOTP code %s was given a second time (first in kill %d)", k, f[1], r)
				}
				given[f[1]] = k
			default:
				t.Fatalf("kill %d: child said %q", k, line)
			}
			return true
		}
		for n := rng.IntN(6); n > 0 && scan(); n-- {
		}
		time.Sleep(time.Duration(rng.IntN(3000)) * time.Microsecond)
		cmd.Process.Signal(syscall.SIGKILL)
		for scan() {
		}
		cmd.Wait()

		// The vault opens with the recovery code, and with the passphrase
		// last set or the one being set.
		w, err := vault.Open(dir, testOpts)
		if err != nil {
			t.Fatalf("kill %d: %v", k, err)
		}
		if err := w.UnlockRecoveryCode(code); err != nil {
			t.Fatalf("kill %d: the vault does not open: %v", k, err)
		}
		if r := w.Rollback(); r != nil {
			t.Fatalf("kill %d: rollback warning after a crash: %s", k, r)
		}
		got := mixedModel{}
		for _, e := range w.Entries() {
			if e.Issuer == "H" {
				continue
			}
			n, err := strconv.Atoi(strings.TrimPrefix(e.Account, "n"))
			if err != nil || string(e.OTP.Secret) != string(mixedEntry(n).OTP.Secret) {
				t.Fatalf("kill %d: entry %s (%s) is not whole", k, e.ID, e.Label())
			}
			got[n] = e.Issuer
		}
		w.Lock()
		switch {
		case maps.Equal(got, model):
		case pending != nil && maps.Equal(got, model.apply(t, pending)):
			model = got
			inFlight++
		case pending != nil && pending[0] == "undo" && maps.Equal(got, model.apply(t, []string{"rm", pending[1]})):
			// Killed between the removal and the restore.
			model = got
			inFlight++
		default:
			t.Fatalf("kill %d: the vault holds\n  %v\nbut the acknowledged operations give\n  %v\n(under way at the kill: %q)", k, got, model, pending)
		}
		if pending != nil && pending[0] == "passwd" {
			n, _ := strconv.Atoi(pending[1])
			if opensWith(t, dir, numbered(n)) {
				pass = n
			}
		}
		if !opensWith(t, dir, numbered(pass)) {
			t.Fatalf("kill %d: passphrase %d, the last set, does not open the vault", k, pass)
		}
	}
	if len(given) < kills/10 || ops["add"] < kills/10 || ops["undo"] < kills/50 || ops["passwd"] < kills/50 {
		t.Errorf("the children barely ran: %d codes, operations %v", len(given), ops)
	}
	t.Logf("%d kills: %d HOTP codes, none twice; operations acknowledged %v; %d kills found the operation under way done",
		kills, len(given), ops, inFlight)
}

// opensWith reports whether the passphrase opens the vault in dir.
func opensWith(t *testing.T, dir, pass string) bool {
	t.Helper()
	w, err := vault.Open(dir, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Lock()
	return w.UnlockPassphrase(pass) == nil
}
