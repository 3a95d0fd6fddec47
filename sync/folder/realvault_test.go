package folder_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tessera-auth/tessera/otp"
	"github.com/tessera-auth/tessera/sync/folder"
	"github.com/tessera-auth/tessera/vault"
)

// TestRealVaultsConverge is the convergence property on real vaults and
// encrypted device files: seeded rounds of three devices, each syncing
// with a folder of its own, making random changes through the vault's API,
// with files copied between the folders late, stale and as conflict
// copies. (The simulation in property_test.go runs hundreds of rounds of
// the merge itself; this checks the vault and the files keep to it.)
func TestRealVaultsConverge(t *testing.T) {
	for round := range 6 {
		rng := rand.New(rand.NewPCG(uint64(round), 99))
		type device struct {
			v       *vault.Vault
			dir     string
			written [][]byte // this device's published files, oldest first
			file    string
		}
		first, _ := newVault(t)
		devs := []*device{{v: first, dir: t.TempDir()}}
		publish := func(d *device) {
			t.Helper()
			rep, err := folder.Sync(d.v, d.dir, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range rep.Problems {
				if !strings.Contains(p.Why, "temporary file") {
					t.Fatalf("round %d: %s", round, p)
				}
			}
			d.file = rep.File
			b, err := os.ReadFile(filepath.Join(d.dir, rep.File))
			if err != nil {
				t.Fatal(err)
			}
			d.written = append(d.written, b)
		}
		copyTo := func(from, to *device, b []byte, name string) {
			if err := os.WriteFile(filepath.Join(to.dir, name), b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		publish(devs[0])
		for range 2 {
			d := &device{dir: t.TempDir()}
			// The sync tool brings the first device's files.
			ents, err := os.ReadDir(devs[0].dir)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range ents {
				b, err := os.ReadFile(filepath.Join(devs[0].dir, e.Name()))
				if err != nil {
					t.Fatal(err)
				}
				copyTo(devs[0], d, b, e.Name())
			}
			d.v = join(t, d.dir)
			publish(d)
			devs = append(devs, d)
		}
		used := map[string]uint64{} // secret -> highest counter a code was given for
		n := 0
		for range 40 {
			d := devs[rng.IntN(len(devs))]
			live := d.v.Entries()
			switch op := rng.IntN(10); {
			case op < 2 || len(live) == 0:
				n++
				e := totp(fmt.Sprintf("R%dE%d", round, n), n)
				if rng.IntN(2) == 0 {
					e = hotp(e.Issuer, n)
				}
				add(t, d.v, e)
			case op < 4:
				e := live[rng.IntN(len(live))]
				e.Account = fmt.Sprintf("acct%d", rng.IntN(1000))
				if err := d.v.Update(e); err != nil {
					t.Fatal(err)
				}
				d.v.Save()
			case op < 5:
				d.v.Delete(live[rng.IntN(len(live))].ID)
				d.v.Save()
			case op < 6:
				for _, e := range live {
					if e.OTP.Kind == otp.HOTP {
						if _, err := d.v.AdvanceHOTP(e.ID); err != nil {
							t.Fatal(err)
						}
						k := string(e.OTP.Secret)
						used[k] = max(used[k], e.OTP.Counter+1)
						break
					}
				}
			case op < 8:
				publish(d)
			default:
				from, to := devs[rng.IntN(len(devs))], devs[rng.IntN(len(devs))]
				if from == to || len(from.written) == 0 {
					continue
				}
				b := from.written[len(from.written)-1]
				name := from.file
				switch rng.IntN(4) {
				case 0: // stale
					b = from.written[rng.IntN(len(from.written))]
				case 1: // the old one kept as a Syncthing conflict copy
					if old, err := os.ReadFile(filepath.Join(to.dir, name)); err == nil {
						copyTo(from, to, old, strings.TrimSuffix(name, ".age")+fmt.Sprintf(".sync-conflict-20260101-000000-%07d.age", rng.IntN(1e7)))
					}
				}
				copyTo(from, to, b, name)
			}
		}
		for range 3 {
			for _, d := range devs {
				publish(d)
			}
			for _, from := range devs {
				for _, to := range devs {
					if from != to {
						copyTo(from, to, from.written[len(from.written)-1], from.file)
					}
				}
			}
		}
		for _, d := range devs {
			publish(d)
		}
		want := dump(devs[0].v)
		for i, d := range devs[1:] {
			if got := dump(d.v); got != want {
				t.Fatalf("round %d: device %d differs from device 0:\n%s\nvs\n%s", round, i+1, got, want)
			}
		}
		for _, e := range devs[0].v.Entries() {
			if e.OTP.Kind == otp.HOTP && e.OTP.Counter < used[string(e.OTP.Secret)] {
				t.Fatalf("round %d: %s counter %d, but a code for %d was given", round, e.Label(), e.OTP.Counter, used[string(e.OTP.Secret)]-1)
			}
		}
	}
}

// dump is a vault's live entries, content only, sorted.
func dump(v *vault.Vault) string {
	var out []string
	for _, e := range v.Entries() {
		e.Modified, e.Uses, e.LastUsed = e.Created, 0, e.Created
		out = append(out, string(vault.AppendEntryJSON(nil, &e)))
	}
	slices.Sort(out)
	return strings.Join(out, "\n")
}
