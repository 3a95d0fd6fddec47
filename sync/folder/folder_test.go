package folder_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/tessera-auth/tessera/otp"
	"github.com/tessera-auth/tessera/sync/folder"
	"github.com/tessera-auth/tessera/vault"
)

const testPass = "correct horse battery staple"

var testOpts = &vault.Options{WorkFactor: 10}

func newVault(t testing.TB) (*vault.Vault, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "v")
	v, code, err := vault.Create(dir, testPass, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	return v, code
}

func totp(issuer string, n int) vault.Entry {
	return vault.Entry{Kind: vault.KindOTP, Issuer: issuer, Account: "me",
		OTP: otp.Credential{Kind: otp.TOTP, Digits: 6, Period: 30, Secret: []byte(fmt.Sprintf("secret-%08d-padding", n))}}
}

func hotp(issuer string, n int) vault.Entry {
	e := totp(issuer, n)
	e.OTP.Kind, e.OTP.Period = otp.HOTP, 0
	return e
}

func add(t testing.TB, v *vault.Vault, e vault.Entry) vault.Entry {
	t.Helper()
	e, err := v.Add(e)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Save(); err != nil {
		t.Fatal(err)
	}
	return e
}

func syncOK(t testing.TB, v *vault.Vault, dir string) *folder.Report {
	t.Helper()
	rep, err := folder.Sync(v, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) > 0 {
		t.Fatalf("problems: %v", rep.Problems)
	}
	return rep
}

// join makes a second device's vault from the folder with the passphrase.
func join(t testing.TB, dir string) *vault.Vault {
	t.Helper()
	id, _ := age.NewScryptIdentity(testPass)
	v, err := folder.Join(dir, filepath.Join(t.TempDir(), "joined"), id, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// labels lists a vault's live entries as "label counter".
func labels(v *vault.Vault) string {
	var out []string
	for _, e := range v.Entries() {
		out = append(out, fmt.Sprintf("%s#%d", e.Label(), e.OTP.Counter))
	}
	return strings.Join(sorted(out), ", ")
}

func sorted(s []string) []string {
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s
}

func find(t testing.TB, v *vault.Vault, issuer string) vault.Entry {
	t.Helper()
	for _, e := range v.Entries() {
		if e.Issuer == issuer {
			return e
		}
	}
	t.Fatalf("no entry %q in %s", issuer, labels(v))
	return vault.Entry{}
}

func TestTwoDevices(t *testing.T) {
	sf := t.TempDir()
	a, _ := newVault(t)
	add(t, a, totp("GitHub", 1))
	h := add(t, a, hotp("Bank", 2))
	rep := syncOK(t, a, sf)
	if rep.Sent != 2 || rep.Added != 0 {
		t.Fatalf("first sync: %+v", rep)
	}
	raw, _ := os.ReadFile(filepath.Join(sf, rep.File))
	if bytes.Contains(raw, []byte("GitHub")) || bytes.Contains(raw, []byte("secret-")) {
		t.Fatal("device file holds plaintext")
	}

	b := join(t, sf)
	rep = syncOK(t, b, sf)
	if rep.Added != 2 || labels(b) != labels(a) {
		t.Fatalf("joined device: %+v; %s vs %s", rep, labels(b), labels(a))
	}
	if len(rep.Devices) != 2 {
		t.Fatalf("devices: %+v", rep.Devices)
	}

	// HOTP used on A, renamed on B: both survive, the counter never goes back.
	for range 3 {
		if _, err := a.AdvanceHOTP(h.ID); err != nil {
			t.Fatal(err)
		}
	}
	e := find(t, b, "Bank")
	e.Issuer = "Bank Renamed"
	if err := b.Update(e); err != nil {
		t.Fatal(err)
	}
	if err := b.Save(); err != nil {
		t.Fatal(err)
	}
	syncOK(t, a, sf)
	syncOK(t, b, sf)
	rep = syncOK(t, a, sf)
	if got := find(t, a, "Bank Renamed"); got.OTP.Counter != 3 {
		t.Fatalf("counter after rename elsewhere = %d, want 3", got.OTP.Counter)
	}
	if len(rep.Conflicts) != 0 {
		t.Fatalf("a counter move and a rename are no conflict: %+v", rep.Conflicts)
	}
	syncOK(t, b, sf)
	if labels(a) != labels(b) {
		t.Fatalf("diverged: %s vs %s", labels(a), labels(b))
	}

	// Concurrent renames: the later wins, the other is reported once and
	// kept in history.
	g := find(t, a, "GitHub")
	g.Issuer = "GitHub A"
	a.Update(g)
	a.Save()
	g2 := find(t, b, "GitHub")
	g2.Issuer = "GitHub B"
	b.Update(g2)
	b.Save()
	syncOK(t, a, sf)
	repB := syncOK(t, b, sf)
	repA := syncOK(t, a, sf)
	if labels(a) != labels(b) || !strings.Contains(labels(a), "GitHub B") {
		t.Fatalf("after concurrent renames: %s vs %s", labels(a), labels(b))
	}
	if len(repB.Conflicts) != 1 || len(repA.Conflicts) != 1 || repA.Conflicts[0].Label != "GitHub A: me" {
		t.Fatalf("conflicts: B %+v, A %+v", repB.Conflicts, repA.Conflicts)
	}
	if again := syncOK(t, a, sf); len(again.Conflicts) != 0 {
		t.Fatalf("conflict reported twice: %+v", again.Conflicts)
	}
	hist, err := folder.History(a, g.ID)
	if err != nil {
		t.Fatal(err)
	}
	var kept bool
	for _, it := range hist {
		kept = kept || it.Conflict && it.Entry.Issuer == "GitHub A" && len(it.Entry.OTP.Secret) > 0
	}
	if !kept || !hist[0].Current || hist[0].Entry.Issuer != "GitHub B" {
		t.Fatalf("history: %+v", hist)
	}

	// Delete on A, then B edits after seeing the delete: the edit survives.
	g = find(t, a, "GitHub B")
	if err := a.Delete(g.ID); err != nil {
		t.Fatal(err)
	}
	a.Save()
	syncOK(t, a, sf)
	syncOK(t, b, sf)
	if strings.Contains(labels(b), "GitHub") {
		t.Fatalf("delete did not reach B: %s", labels(b))
	}
	restored := g
	restored.Issuer = "GitHub Back"
	if err := b.Update(restored); err != nil { // Update of a tombstone brings it back
		t.Fatal(err)
	}
	b.Save()
	syncOK(t, b, sf)
	syncOK(t, a, sf)
	if !strings.Contains(labels(a), "GitHub Back") {
		t.Fatalf("edit after delete lost: %s", labels(a))
	}
}

func TestLeftoversAreReportedNotDeleted(t *testing.T) {
	sf := t.TempDir()
	a, _ := newVault(t)
	add(t, a, totp("One", 1))
	rep := syncOK(t, a, sf)
	b := join(t, sf)
	syncOK(t, b, sf)
	good, _ := os.ReadFile(filepath.Join(sf, rep.File))

	// A stale copy of A's file under a conflict name holds an entry A has
	// since deleted and a second one: reading it must bring back nothing
	// deleted after it and lose nothing.
	add(t, a, totp("Two", 2))
	syncOK(t, a, sf)
	newer, _ := os.ReadFile(filepath.Join(sf, rep.File))
	id := rep.Device.ID
	other, _ := newVault(t)
	add(t, other, totp("Stranger", 9))
	strange := syncOK(t, other, t.TempDir())
	_ = strange
	files := map[string][]byte{
		"tessera-device-" + id + ".sync-conflict-20261203-101010-ABCDEFG.age": good,
		"tessera-device-" + id + " (laptop's conflicted copy 2026-12-03).age": newer,
		".syncthing.tessera-device-" + id + ".age.tmp":                        newer[:len(newer)/2],
		"tessera-device-" + id + ".age.part":                                  newer[:100],
		"tessera-device-0000000000000000.age":                                 []byte("not age at all"),
	}
	// Another vault's device file.
	otherDir := t.TempDir()
	orep := syncOK(t, other, otherDir)
	files["tessera-device-1111111111111111.age"], _ = os.ReadFile(filepath.Join(otherDir, orep.File))
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(sf, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := folder.Sync(b, sf, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := labels(b); got != "One: me#0, Two: me#0" {
		t.Fatalf("entries = %s", got)
	}
	why := map[string]string{}
	for _, p := range rep.Problems {
		why[p.File] = p.String()
	}
	for name, want := range map[string]string{
		".syncthing.tessera-device-" + id + ".age.tmp": "temporary file",
		"tessera-device-" + id + ".age.part":           "temporary file",
		"tessera-device-0000000000000000.age":          "device 0000000000000000",
		"tessera-device-1111111111111111.age":          "another vault",
	} {
		if !strings.Contains(why[name], want) {
			t.Errorf("problem for %s = %q, want it to say %q", name, why[name], want)
		}
	}
	if len(rep.Problems) != 4 {
		t.Errorf("problems: %v", rep.Problems)
	}
	for name := range files {
		if _, err := os.Stat(filepath.Join(sf, name)); err != nil {
			t.Errorf("%s was removed: %v", name, err)
		}
	}
	for _, p := range rep.Problems {
		if strings.Contains(p.Why, "secret-") {
			t.Fatal("a problem message holds a secret")
		}
	}
}

func TestJoinErrors(t *testing.T) {
	sf := t.TempDir()
	id, _ := age.NewScryptIdentity(testPass)
	if _, err := folder.Join(sf, filepath.Join(t.TempDir(), "j"), id, testOpts); !errors.Is(err, folder.ErrNoKeys) {
		t.Fatalf("Join of an empty folder = %v", err)
	}
	a, code := newVault(t)
	syncOK(t, a, sf)
	wrong, _ := age.NewScryptIdentity("wrong")
	if _, err := folder.Join(sf, filepath.Join(t.TempDir(), "j"), wrong, testOpts); !errors.Is(err, vault.ErrWrongKey) {
		t.Fatalf("Join with a wrong passphrase = %v", err)
	}
	rec, err := vault.ParseRecoveryCode(code)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := folder.Join(sf, filepath.Join(t.TempDir(), "j"), rec, testOpts); err != nil {
		t.Fatalf("Join with the recovery code: %v", err)
	}
	if _, err := folder.Sync(a, filepath.Join(sf, "missing"), nil); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("Sync into a missing folder = %v", err)
	}
}
