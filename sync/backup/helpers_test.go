package backup_test

import (
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tessera-auth/tessera/otp"
	"github.com/tessera-auth/tessera/vault"
)

const testPass = "correct horse battery staple"

var testOpts = &vault.Options{WorkFactor: 10}

// newVault creates a vault in a fresh temporary folder.
func newVault(t testing.TB) (*vault.Vault, string) {
	t.Helper()
	dir := t.TempDir() + "/v"
	v, _, err := vault.Create(dir, testPass, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	return v, dir
}

// reopen opens dir afresh with the test passphrase.
func reopen(t testing.TB, dir string) *vault.Vault {
	t.Helper()
	v, err := vault.Open(dir, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.UnlockPassphrase(testPass); err != nil {
		t.Fatal(err)
	}
	return v
}

var t0 = time.Date(2026, 3, 14, 15, 9, 26, 535897000, time.UTC)

// sampleEntries returns one entry of every kind and feature the backup
// format carries: TOTP with every algorithm, digit counts and periods,
// HOTP with a counter, Steam, an API token with URL and expiry, tags,
// favourite, note, icon, position, times and uses. Secrets derive from n.
func sampleEntries(n int) []vault.Entry {
	sec := func(i int) []byte { return []byte(fmt.Sprintf("secret-%d-%d-0123456789", n, i)) }
	return []vault.Entry{
		{ID: fmt.Sprintf("a%015d", n), Kind: vault.KindOTP, Issuer: "GitHub", Account: "alice@example.com",
			OTP:  otp.Credential{Kind: otp.TOTP, Algorithm: otp.SHA1, Digits: 6, Period: 30, Secret: sec(1)},
			Tags: []string{"work", "code"}, Favourite: true, Note: "recovery codes in the safe\nsecond line", Icon: "builtin:github",
			Position: 1.5, Created: t0, Modified: t0.Add(time.Hour), LastUsed: t0.Add(2 * time.Hour), Uses: 7},
		{ID: fmt.Sprintf("b%015d", n), Kind: vault.KindOTP, Issuer: "Bank: Ünïcode", Account: "a:b",
			OTP:     otp.Credential{Kind: otp.TOTP, Algorithm: otp.SHA512, Digits: 8, Period: 60, Secret: sec(2)},
			Created: t0, Modified: t0},
		{ID: fmt.Sprintf("c%015d", n), Kind: vault.KindOTP, Issuer: "VPN", Account: "bob",
			OTP:     otp.Credential{Kind: otp.HOTP, Algorithm: otp.SHA256, Digits: 7, Counter: 42, Secret: sec(3)},
			Created: t0, Modified: t0},
		{ID: fmt.Sprintf("d%015d", n), Kind: vault.KindOTP, Issuer: "Steam", Account: "gamer",
			OTP:     otp.Credential{Kind: otp.Steam, Period: 30, Secret: sec(4)},
			Created: t0, Modified: t0},
		{ID: fmt.Sprintf("e%015d", n), Kind: vault.KindToken, Issuer: "CI token", Account: "deploy",
			Token:   vault.Token{Value: []byte(fmt.Sprintf("ghp_token%d\"quoted\\", n)), URL: "https://ci.example.com", Expires: t0.Add(90 * 24 * time.Hour)},
			Created: t0, Modified: t0},
	}
}

// addAll adds entries to v (keeping their IDs) and saves.
func addAll(t testing.TB, v *vault.Vault, es []vault.Entry) {
	t.Helper()
	for _, e := range es {
		if _, err := v.Add(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := v.Save(); err != nil {
		t.Fatal(err)
	}
}

// sameEntries compares what a backup must carry, field by field, in order.
// Modified is compared only if withModified (a restore sets its own).
func sameEntries(t *testing.T, got, want []vault.Entry, withModified bool) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d entries, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		var diffs []string
		check := func(name string, ok bool) {
			if !ok {
				diffs = append(diffs, name)
			}
		}
		check("id", g.ID == w.ID)
		check("kind", g.KindName() == w.KindName())
		check("issuer", g.Issuer == w.Issuer)
		check("account", g.Account == w.Account)
		check("secret", string(g.OTP.Secret) == string(w.OTP.Secret))
		check("algorithm", g.OTP.Algorithm == w.OTP.Algorithm)
		check("digits", g.OTP.EffectiveDigits() == w.OTP.EffectiveDigits())
		check("period", g.OTP.EffectivePeriod() == w.OTP.EffectivePeriod())
		check("counter", g.OTP.Counter == w.OTP.Counter)
		check("token", string(g.Token.Value) == string(w.Token.Value))
		check("url", g.Token.URL == w.Token.URL)
		check("expires", g.Token.Expires.Equal(w.Token.Expires))
		check("tags", slices.Equal(g.Tags, w.Tags))
		check("favourite", g.Favourite == w.Favourite)
		check("note", g.Note == w.Note)
		check("icon", g.Icon == w.Icon)
		check("position", g.Position == w.Position)
		check("created", g.Created.Equal(w.Created))
		check("last_used", g.LastUsed.Equal(w.LastUsed))
		check("uses", g.Uses == w.Uses)
		if withModified {
			check("modified", g.Modified.Equal(w.Modified))
		}
		if len(diffs) > 0 {
			t.Errorf("entry %d (%s): differs in %s", i+1, w.Label(), strings.Join(diffs, ", "))
		}
	}
}

// need returns the path of a program the test runs, failing (never
// skipping) with what to install when it is missing.
func need(t testing.TB, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s not found: install Debian's %s package (make test-deps)", name, pkg)
	}
	return p
}
