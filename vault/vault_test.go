package vault_test

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/tessera-auth/tessera/otp"
	"github.com/tessera-auth/tessera/vault"
)

func TestCreateUnlockRoundTrip(t *testing.T) {
	v, dir, code := newVault(t)
	if !strings.HasPrefix(code, "AGE-SECRET-KEY-1") {
		t.Fatalf("recovery code %q is not an age identity", code)
	}
	a := mustAdd(t, v, totp("GitHub", "alice@example.com", 1))
	h := vault.Entry{Kind: vault.KindOTP, Issuer: "Bank", Account: "bob", Tags: []string{"money", "home"}, Favourite: true,
		Note: "line 1\nline \"2\"", Icon: "builtin:bank", Position: 2.5,
		OTP: otp.Credential{Kind: otp.HOTP, Algorithm: otp.SHA256, Digits: 8, Counter: 41, Secret: []byte("0123456789abcdef")}}
	h = mustAdd(t, v, h)
	tok := mustAdd(t, v, vault.Entry{Kind: vault.KindToken, Issuer: "deploy token", Account: "ci",
		Token: vault.Token{Value: []byte("ghp_abc\u00e9\"\\x"), URL: "https://example.com/tokens", Expires: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}})
	mustSave(t, v)

	for _, unlock := range []func(*vault.Vault) error{
		func(w *vault.Vault) error { return w.UnlockPassphrase(testPass) },
		func(w *vault.Vault) error { return w.UnlockRecoveryCode(code) },
		// Grouped, lower case, across lines: as a person may type it.
		func(w *vault.Vault) error {
			return w.UnlockRecoveryCode(strings.ToLower(code[:20]) + " \n " + code[20:])
		},
	} {
		w, err := vault.Open(dir, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !w.Locked() {
			t.Fatal("Open returned an unlocked vault")
		}
		if err := unlock(w); err != nil {
			t.Fatal(err)
		}
		got := w.Entries()
		if len(got) != 3 {
			t.Fatalf("got %d entries, want 3", len(got))
		}
		for i, want := range []vault.Entry{a, h, tok} {
			g := got[i]
			if g.ID != want.ID || g.Issuer != want.Issuer || g.Account != want.Account || g.Note != want.Note ||
				g.Icon != want.Icon || g.Position != want.Position || g.Favourite != want.Favourite ||
				strings.Join(g.Tags, ",") != strings.Join(want.Tags, ",") || !g.Created.Equal(want.Created) ||
				!g.Modified.Equal(want.Modified) || !g.OTP.Equal(&want.OTP) || !bytes.Equal(g.Token.Value, want.Token.Value) ||
				g.Token.URL != want.Token.URL || !g.Token.Expires.Equal(want.Token.Expires) || g.Kind != want.Kind {
				t.Errorf("entry %d:\n got %+v\nwant %+v", i, g, want)
			}
		}
	}
}

func TestWrongPassphrase(t *testing.T) {
	_, dir, _ := newVault(t)
	v, err := vault.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.UnlockPassphrase("wrong"); !errors.Is(err, vault.ErrWrongKey) {
		t.Fatalf("wrong passphrase: got %v, want ErrWrongKey", err)
	}
	if !v.Locked() {
		t.Fatal("vault unlocked by a wrong passphrase")
	}
	// A well-formed recovery code of another vault is a wrong key too.
	_, _, other := newVault(t)
	if err := v.UnlockRecoveryCode(other); !errors.Is(err, vault.ErrWrongKey) {
		t.Fatalf("wrong recovery code: got %v, want ErrWrongKey", err)
	}
	// A mistyped one says so, without quoting it.
	if err := v.UnlockRecoveryCode("AGE-SECRET-KEY-1QQQQ"); err == nil || errors.Is(err, vault.ErrWrongKey) || strings.Contains(err.Error(), "QQQQ") {
		t.Fatalf("mistyped recovery code: got %v", err)
	}
}

// damagedCase changes a file of a saved vault and checks what unlocking says.
func TestDamage(t *testing.T) {
	type tc struct {
		name   string
		damage func(t *testing.T, dir string)
		check  func(t *testing.T, err error)
	}
	isDamaged := func(file string) func(*testing.T, error) {
		return func(t *testing.T, err error) {
			var de *vault.DamagedError
			if !errors.As(err, &de) || !errors.Is(err, vault.ErrDamaged) {
				t.Fatalf("got %v, want a DamagedError", err)
			}
			if de.File != file {
				t.Errorf("damaged file %q, want %q", de.File, file)
			}
		}
	}
	slotFile := func(t *testing.T, dir, kind string) string {
		m, _ := filepath.Glob(filepath.Join(dir, "slot-"+kind+"-*.age"))
		if len(m) != 1 {
			t.Fatalf("want one %s slot file, found %v", kind, m)
		}
		return m[0]
	}
	cases := []tc{
		{"truncated body", func(t *testing.T, dir string) {
			truncate(t, filepath.Join(dir, "body.age"), 0.6)
		}, isDamaged("body.age")},
		{"body cut to its header", func(t *testing.T, dir string) {
			truncate(t, filepath.Join(dir, "body.age"), 0.05)
		}, isDamaged("body.age")},
		{"tampered body", func(t *testing.T, dir string) {
			flip(t, filepath.Join(dir, "body.age"), -20)
		}, isDamaged("body.age")},
		{"tampered body header", func(t *testing.T, dir string) {
			flip(t, filepath.Join(dir, "body.age"), 60)
		}, isDamaged("body.age")},
		{"missing body", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, "body.age"))
		}, isDamaged("body.age")},
		{"missing passphrase slot", func(t *testing.T, dir string) {
			os.Remove(slotFile(t, dir, "passphrase"))
		}, func(t *testing.T, err error) {
			var de *vault.DamagedError
			if !errors.As(err, &de) || !strings.HasPrefix(de.File, "slot-passphrase-") || !strings.Contains(err.Error(), "missing") {
				t.Fatalf("got %v, want a missing passphrase slot", err)
			}
		}},
		{"truncated passphrase slot", func(t *testing.T, dir string) {
			truncate(t, slotFile(t, dir, "passphrase"), 0.5)
		}, func(t *testing.T, err error) {
			if !errors.Is(err, vault.ErrDamaged) {
				t.Fatalf("got %v, want ErrDamaged", err)
			}
		}},
		{"truncated manifest", func(t *testing.T, dir string) {
			truncate(t, filepath.Join(dir, "vault.json"), 0.5)
		}, isDamaged("vault.json")},
		{"missing manifest", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, "vault.json"))
		}, isDamaged("vault.json")},
		{"newer manifest version", func(t *testing.T, dir string) {
			edit(t, filepath.Join(dir, "vault.json"), `"version": 1`, `"version": 2`)
		}, func(t *testing.T, err error) {
			var ve *vault.VersionError
			if !errors.As(err, &ve) || ve.Version != 2 || ve.Supported != vault.FormatVersion {
				t.Fatalf("got %v, want a VersionError", err)
			}
			if !strings.Contains(err.Error(), "upgrade Tessera") {
				t.Errorf("message %q does not say what to do", err)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v, dir, _ := newVault(t)
			mustAdd(t, v, totp("A", "a", 1))
			mustSave(t, v)
			mustAdd(t, v, totp("B", "b", 2))
			mustSave(t, v)
			before := snapshot(t, dir)
			c.damage(t, dir)
			damagedState := snapshot(t, dir)
			w, err := vault.Open(dir, testOpts)
			if err == nil {
				err = w.UnlockPassphrase(testPass)
			}
			c.check(t, err)
			if w != nil && !w.Locked() {
				// Nothing may be written over a damaged vault.
				if _, err := w.Add(totp("C", "c", 3)); err == nil {
					t.Error("Add succeeded on a damaged vault")
				}
				if err := w.Save(); err == nil {
					t.Error("Save succeeded on a damaged vault")
				}
			}
			if after := snapshot(t, dir); after != damagedState {
				t.Errorf("the failed open changed the folder:\n%s\nwas\n%s", after, damagedState)
			}
			_ = before
		})
	}
}

// A damaged body names the newest backup that opens, and Restore brings it
// back, keeping the damaged body aside.
func TestDamagedBodyRestore(t *testing.T) {
	v, dir, _ := newVault(t)
	a := mustAdd(t, v, totp("A", "a", 1))
	mustSave(t, v)
	mustAdd(t, v, totp("B", "b", 2))
	mustSave(t, v) // the body of generation 2 (holding A) is now a backup
	flip(t, filepath.Join(dir, "body.age"), -5)

	w, err := vault.Open(dir, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	err = w.UnlockPassphrase(testPass)
	var de *vault.DamagedError
	if !errors.As(err, &de) {
		t.Fatalf("got %v, want DamagedError", err)
	}
	if de.Backup != "2" || !strings.Contains(err.Error(), "tessera restore 2") {
		t.Fatalf("damaged error %q names backup %q, want 2", err, de.Backup)
	}
	if err := w.Restore(de.Backup); err != nil {
		t.Fatal(err)
	}
	if got := w.Entries(); len(got) != 1 || got[0].ID != a.ID {
		t.Fatalf("after restore: %+v", got)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "backups", "damaged-*.age")); len(m) != 1 {
		t.Errorf("damaged body not kept aside: %v", m)
	}
	// The restored vault works: another process opens it and saves.
	x := reopen(t, dir)
	mustAdd(t, x, totp("C", "c", 3))
	mustSave(t, x)
}

func TestNewerBodyVersionRefused(t *testing.T) {
	v, dir, _ := newVault(t)
	master := v.MasterKeyForTest()
	// Write a body of version 2 encrypted to the master key, as a newer
	// Tessera would.
	plain := bytes.Replace(vault.EncodeBodyForTest(7, nil), []byte(`"version":1`), []byte(`"version":2`), 1)
	writeAge(t, filepath.Join(dir, "body.age"), master, plain)
	before := snapshot(t, dir)

	w, err := vault.Open(dir, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	err = w.UnlockPassphrase(testPass)
	var ve *vault.VersionError
	if !errors.As(err, &ve) || ve.Version != 2 {
		t.Fatalf("got %v, want VersionError", err)
	}
	if !w.Locked() {
		t.Fatal("a vault of a newer version was left unlocked")
	}
	// The holder of the vault from before the upgrade must not overwrite it.
	mustAdd(t, v, totp("A", "a", 1))
	if err := v.Save(); !errors.As(err, &ve) {
		t.Fatalf("Save over a newer body: got %v, want VersionError", err)
	}
	if after := snapshot(t, dir); after != before {
		t.Fatal("a newer vault was written to")
	}
}

func TestDuplicateRefused(t *testing.T) {
	v, _, _ := newVault(t)
	a := mustAdd(t, v, totp("GitHub", "alice", 1))
	_, err := v.Add(totp("GitHub", "alice", 1))
	var de *vault.DuplicateError
	if !errors.As(err, &de) || de.Existing.ID != a.ID {
		t.Fatalf("got %v, want DuplicateError naming %s", err, a.ID)
	}
	if !strings.Contains(err.Error(), a.ID) || !strings.Contains(err.Error(), "GitHub: alice") {
		t.Errorf("message %q does not name the entry", err)
	}
	// Another account with the same secret is not a duplicate.
	mustAdd(t, v, totp("GitHub", "bob", 1))
	// A deleted entry does not block adding it again.
	if err := v.Delete(a.ID); err != nil {
		t.Fatal(err)
	}
	mustAdd(t, v, totp("GitHub", "alice", 1))
}

func TestJWTClaims(t *testing.T) {
	v, _, _ := newVault(t)
	// {"alg":"HS256"}.{"iss":"https://issuer.example","sub":"svc-42","exp":1900000000}.sig
	jwt := "eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJodHRwczovL2lzc3Vlci5leGFtcGxlIiwic3ViIjoic3ZjLTQyIiwiZXhwIjoxOTAwMDAwMDAwfQ.c2ln"
	e := mustAdd(t, v, vault.Entry{Kind: vault.KindToken, Issuer: "api", Token: vault.Token{Value: []byte(jwt)}})
	if e.Token.JWTIssuer != "https://issuer.example" || e.Token.JWTSubject != "svc-42" || e.Token.Expires.Unix() != 1900000000 {
		t.Fatalf("claims: %+v", e.Token)
	}
	// A given expiry wins over the claim.
	exp := time.Date(2029, 1, 1, 0, 0, 0, 0, time.UTC)
	e2 := mustAdd(t, v, vault.Entry{Kind: vault.KindToken, Issuer: "api2", Token: vault.Token{Value: []byte(jwt), Expires: exp}})
	if !e2.Token.Expires.Equal(exp) {
		t.Errorf("expires %v, want %v", e2.Token.Expires, exp)
	}
	// Not a JWT: no claims.
	e3 := mustAdd(t, v, vault.Entry{Kind: vault.KindToken, Issuer: "plain", Token: vault.Token{Value: []byte("a.b.c")}})
	if e3.Token.JWTIssuer != "" || !e3.Token.Expires.IsZero() {
		t.Errorf("claims read from a non-JWT: %+v", e3.Token)
	}
}

func TestAddValidates(t *testing.T) {
	v, _, _ := newVault(t)
	for name, e := range map[string]vault.Entry{
		"empty secret":   {Kind: vault.KindOTP, Issuer: "X"},
		"bad digits":     {Kind: vault.KindOTP, Issuer: "X", OTP: otp.Credential{Digits: 11, Secret: []byte("k")}},
		"empty token":    {Kind: vault.KindToken, Issuer: "X"},
		"nameless token": {Kind: vault.KindToken, Token: vault.Token{Value: []byte("v")}},
		"binary token":   {Kind: vault.KindToken, Issuer: "X", Token: vault.Token{Value: []byte{0xff, 0xfe}}},
	} {
		if _, err := v.Add(e); err == nil {
			t.Errorf("%s: added", name)
		}
	}
}

func TestUpdateDeleteUndo(t *testing.T) {
	v, dir, _ := newVault(t)
	a := mustAdd(t, v, totp("A", "a", 1))
	mustSave(t, v)
	a.Issuer = "A2"
	if err := v.Update(a); err != nil {
		t.Fatal(err)
	}
	got, _ := v.Entry(a.ID)
	if got.Issuer != "A2" || got.OTP.Issuer != "A2" || !got.Modified.After(a.Modified) {
		t.Fatalf("after update: %+v", got)
	}
	if err := v.Delete(a.ID); err != nil {
		t.Fatal(err)
	}
	if _, ok := v.Entry(a.ID); ok || len(v.Entries()) != 0 {
		t.Fatal("deleted entry still listed")
	}
	if err := v.Delete(a.ID); !errors.Is(err, vault.ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	mustSave(t, v)
	if got := reopen(t, dir).Entries(); len(got) != 0 {
		t.Fatal("tombstone not saved")
	}
	// Undo: update with the copy held from before.
	if err := v.Update(got); err != nil {
		t.Fatal(err)
	}
	mustSave(t, v)
	if e := reopen(t, dir).Entries(); len(e) != 1 || e[0].Issuer != "A2" || !bytes.Equal(e[0].OTP.Secret, a.OTP.Secret) {
		t.Fatalf("undo: %+v", e)
	}
	if err := v.Update(vault.Entry{ID: "nope"}); !errors.Is(err, vault.ErrNotFound) {
		t.Fatalf("update of unknown id: %v", err)
	}
}

func TestFind(t *testing.T) {
	v, _, _ := newVault(t)
	gh := mustAdd(t, v, totp("GitHub", "alice@example.com", 1))
	mustAdd(t, v, totp("GitLab", "alice", 2))
	mustAdd(t, v, totp("Bank", "Bob", 3))
	for q, want := range map[string]int{"git": 2, "GITHUB": 1, "alice": 2, "bob": 1, "zzz": 0, gh.ID: 1} {
		if got := v.Find(q); len(got) != want {
			t.Errorf("Find(%q) = %d entries, want %d", q, len(got), want)
		}
	}
}

func TestHOTPAdvance(t *testing.T) {
	v, dir, _ := newVault(t)
	h := mustAdd(t, v, vault.Entry{Kind: vault.KindOTP, Issuer: "H", OTP: otp.Credential{Kind: otp.HOTP, Counter: 5, Secret: []byte("12345678901234567890")}})
	code, err := v.AdvanceHOTP(h.ID)
	if err != nil {
		t.Fatal(err)
	}
	if code != "254676" { // RFC 4226 appendix D, count 5
		t.Fatalf("code %s, want 254676", code)
	}
	mustSave(t, v)
	got := reopen(t, dir).Entries()[0]
	if got.OTP.Counter != 6 || got.Uses != 1 || got.LastUsed.IsZero() {
		t.Fatalf("after advance: counter %d uses %d", got.OTP.Counter, got.Uses)
	}
}

func TestLockZeroes(t *testing.T) {
	v, _, _ := newVault(t)
	a := mustAdd(t, v, totp("A", "a", 1))
	mustAdd(t, v, vault.Entry{Kind: vault.KindToken, Issuer: "T", Token: vault.Token{Value: []byte("tok-value")}})
	a.OTP.Secret = []byte("a new secret, the old one retired")
	if err := v.Update(a); err != nil {
		t.Fatal(err)
	}
	secrets := v.SecretsForTest()
	nonEmpty := 0
	for _, s := range secrets {
		if len(s) > 0 {
			nonEmpty++
		}
	}
	if nonEmpty < 4 { // two entries, the master key, a retired secret
		t.Fatalf("only %d secrets held", nonEmpty)
	}
	v.Lock()
	for i, s := range secrets {
		for _, c := range s {
			if c != 0 {
				t.Fatalf("secret %d not zeroed by Lock", i)
			}
		}
	}
	if !v.Locked() || v.Entries() != nil && len(v.Entries()) != 0 {
		t.Fatal("entries visible after Lock")
	}
	if _, err := v.Add(totp("B", "b", 2)); !errors.Is(err, vault.ErrLocked) {
		t.Fatalf("Add on a locked vault: %v", err)
	}
	if err := v.UnlockPassphrase(testPass); err != nil {
		t.Fatal(err)
	}
}

func TestPermissions(t *testing.T) {
	v, dir, _ := newVault(t)
	mustAdd(t, v, totp("A", "a", 1))
	mustSave(t, v)
	mustSave(t, v)
	mustAdd(t, v, totp("B", "b", 2))
	mustSave(t, v)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		want := fs.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		}
		if runtime.GOOS == "windows" {
			// Windows keeps who may read a file in ACLs (%AppData%'s
			// are the user's own), which FileMode does not show: it
			// has only the read-only bit, which vault files must not
			// carry, as Windows neither deletes nor replaces such a
			// file. Go shows a writable file as 0666, a folder 0777.
			want = 0o666
			if d.IsDir() {
				want = 0o777
			}
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s has mode %v, want %v", p, fi.Mode().Perm(), want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestCreateRefusesExisting(t *testing.T) {
	_, dir, _ := newVault(t)
	if _, _, err := vault.Create(dir, "other", testOpts); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("Create over a vault: %v", err)
	}
	if _, err := vault.Open(t.TempDir(), nil); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Open of an empty folder: %v", err)
	}
}

func TestPassphraseChange(t *testing.T) {
	v, dir, code := newVault(t)
	mustAdd(t, v, totp("A", "a", 1))
	mustSave(t, v)
	if err := v.SetPassphrase("new passphrase"); err != nil {
		t.Fatal(err)
	}
	w, _ := vault.Open(dir, nil)
	if err := w.UnlockPassphrase(testPass); !errors.Is(err, vault.ErrWrongKey) {
		t.Fatalf("old passphrase: %v", err)
	}
	if err := w.UnlockPassphrase("new passphrase"); err != nil {
		t.Fatal(err)
	}
	if err := w.UnlockRecoveryCode(code); err != nil {
		t.Fatal(err)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "slot-passphrase-*.age")); len(m) != 1 {
		t.Fatalf("passphrase slot files: %v", m)
	}
	if s := w.Slots(); len(s) != 2 || s[0].Kind != vault.SlotPassphrase || s[1].Kind != vault.SlotRecoveryCode {
		t.Fatalf("slots: %+v", s)
	}
}

func TestBackupsAndRestore(t *testing.T) {
	v, dir, _ := newVault(t)
	if err := v.SetBackupsKept(3); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := range 6 {
		ids = append(ids, mustAdd(t, v, totp("I", string(rune('a'+i)), i)).ID)
		mustSave(t, v)
	}
	bs, err := v.Backups()
	if err != nil {
		t.Fatal(err)
	}
	// Generation 1 is the empty vault; saves made 2..7; 4, 5, 6 are kept.
	if len(bs) != 3 || bs[0].ID != "6" || bs[2].ID != "4" {
		t.Fatalf("backups: %+v", bs)
	}
	// Backup 4 holds the first three entries.
	if err := v.Restore("4"); err != nil {
		t.Fatal(err)
	}
	if got := v.Entries(); len(got) != 3 || got[2].ID != ids[2] {
		t.Fatalf("restored entries: %d", len(got))
	}
	// The body before the restore (generation 7, six entries) is a backup now.
	bs, _ = v.Backups()
	if bs[0].ID != "7" {
		t.Fatalf("backups after restore: %+v", bs)
	}
	if got := reopen(t, dir).Entries(); len(got) != 3 {
		t.Fatalf("restore not saved: %d entries", len(got))
	}
	if err := v.Restore("7"); err != nil {
		t.Fatal(err)
	}
	if got := reopen(t, dir).Entries(); len(got) != 6 {
		t.Fatalf("restore of the restore: %d entries", len(got))
	}
	if err := v.Restore("99"); !errors.Is(err, vault.ErrNotFound) {
		t.Fatalf("restore of a missing backup: %v", err)
	}
}

// A holder of an open vault (the GUI) and another writer (the CLI) change
// the vault in turn: nothing is lost, and the holder sees the other's
// changes after Changed and Reload.
func TestTwoHoldersMerge(t *testing.T) {
	gui, dir, _ := newVault(t)
	shared := mustAdd(t, gui, totp("Shared", "s", 0))
	mustSave(t, gui)
	cli := reopen(t, dir)
	if gui.Changed() {
		t.Fatal("Changed before any other save")
	}

	c1 := mustAdd(t, cli, totp("CLI", "one", 1))
	s := shared
	s.Note = "edited by the CLI"
	if err := cli.Update(s); err != nil {
		t.Fatal(err)
	}
	mustSave(t, cli)
	if !gui.Changed() {
		t.Fatal("Changed missed another process's save")
	}

	// The GUI edits without having reloaded; its save merges.
	g1 := mustAdd(t, gui, totp("GUI", "one", 2))
	mustSave(t, gui)
	if gui.Changed() {
		t.Fatal("Changed after own save")
	}
	got := reopen(t, dir)
	for _, id := range []string{shared.ID, c1.ID, g1.ID} {
		if _, ok := got.Entry(id); !ok {
			t.Fatalf("entry %s lost", id)
		}
	}
	if e, _ := got.Entry(shared.ID); e.Note != "edited by the CLI" {
		t.Fatalf("the CLI's edit was lost: %q", e.Note)
	}

	// The later of two edits of one entry wins.
	if err := cli.Reload(); err != nil {
		t.Fatal(err)
	}
	s, _ = cli.Entry(shared.ID)
	s.Note = "cli 2"
	cli.Update(s)
	s2, _ := gui.Entry(shared.ID)
	s2.Note = "gui 2" // later
	gui.Update(s2)
	mustSave(t, cli)
	mustSave(t, gui)
	if e, _ := reopen(t, dir).Entry(shared.ID); e.Note != "gui 2" {
		t.Fatalf("later edit lost: %q", e.Note)
	}
	// And a delete on one side reaches the other through Reload.
	cli.Reload()
	if err := cli.Delete(c1.ID); err != nil {
		t.Fatal(err)
	}
	mustSave(t, cli)
	if err := gui.Reload(); err != nil {
		t.Fatal(err)
	}
	if _, ok := gui.Entry(c1.ID); ok {
		t.Fatal("delete did not reach the other holder")
	}
}

// A restore by one process is not undone by another holder's next save.
func TestRestoreSeenByHolder(t *testing.T) {
	gui, dir, _ := newVault(t)
	a := mustAdd(t, gui, totp("A", "a", 1))
	mustSave(t, gui) // generation 2
	b := mustAdd(t, gui, totp("B", "b", 2))
	mustSave(t, gui) // generation 3
	cli := reopen(t, dir)
	if err := cli.Restore("2"); err != nil {
		t.Fatal(err)
	}
	c := mustAdd(t, gui, totp("C", "c", 3))
	mustSave(t, gui)
	got := reopen(t, dir)
	if _, ok := got.Entry(b.ID); ok {
		t.Error("the restore was undone: B is back")
	}
	for _, id := range []string{a.ID, c.ID} {
		if _, ok := got.Entry(id); !ok {
			t.Errorf("entry %s lost", id)
		}
	}
}

func TestDefaultDir(t *testing.T) {
	env := map[string]string{"HOME": "/home/a", "XDG_DATA_HOME": "/data"}
	get := func(k string) string { return env[k] }
	if runtime.GOOS == "windows" {
		env["AppData"] = `C:\Users\a\AppData\Roaming`
		if d, _ := vault.DefaultDir(get); d != `C:\Users\a\AppData\Roaming\Tessera` {
			t.Errorf("with AppData: %s", d)
		}
		delete(env, "AppData")
		if d, err := vault.DefaultDir(get); err == nil {
			t.Errorf("without AppData: %s, want an error", d)
		}
	} else {
		if d, _ := vault.DefaultDir(get); d != "/data/tessera" {
			t.Errorf("with XDG_DATA_HOME: %s", d)
		}
		delete(env, "XDG_DATA_HOME")
		if d, _ := vault.DefaultDir(get); d != "/home/a/.local/share/tessera" {
			t.Errorf("without XDG_DATA_HOME: %s", d)
		}
	}
	env["TESSERA_VAULT"] = "/v"
	if d, _ := vault.DefaultDir(get); d != "/v" {
		t.Errorf("with TESSERA_VAULT: %s", d)
	}
}

// Lock zeroes the secret of an entry deleted in this session too: the
// vault owned it, and a tombstone no longer points at it.
func TestLockZeroesDeleted(t *testing.T) {
	v, _, _ := newVault(t)
	a := mustAdd(t, v, totp("A", "a", 1))
	tok := mustAdd(t, v, vault.Entry{Kind: vault.KindToken, Issuer: "T", Token: vault.Token{Value: []byte("tok-value")}})
	mustSave(t, v)
	held, _ := v.Entry(a.ID) // shares the vault's secret slice
	heldTok, _ := v.Entry(tok.ID)
	for _, id := range []string{a.ID, tok.ID} {
		if err := v.Delete(id); err != nil {
			t.Fatal(err)
		}
	}
	// Undo still works until Lock.
	if err := v.Update(held); err != nil {
		t.Fatal(err)
	}
	if err := v.Delete(a.ID); err != nil {
		t.Fatal(err)
	}
	v.Lock()
	for name, s := range map[string][]byte{"OTP secret": held.OTP.Secret, "token": heldTok.Token.Value} {
		if len(s) == 0 || bytes.Count(s, []byte{0}) != len(s) {
			t.Errorf("deleted entry's %s not zeroed by Lock", name)
		}
	}
}

// After a passphrase change, no file of the vault opens with the old
// passphrase, even when a change cut short (killed after writing the
// manifest, or a power cut undoing the removal) left the old slot file:
// the next write removes slot files the manifest does not list. That also
// keeps one slot-passphrase-*.age for README's age commands.
func TestPassphraseChangeLeavesNoOldSlot(t *testing.T) {
	v, dir, _ := newVault(t)
	mustAdd(t, v, totp("A", "a", 1))
	mustSave(t, v)
	oldSlots, _ := filepath.Glob(filepath.Join(dir, "slot-passphrase-*.age"))
	if len(oldSlots) != 1 {
		t.Fatalf("passphrase slots: %v", oldSlots)
	}
	oldSlot, err := os.ReadFile(oldSlots[0])
	if err != nil {
		t.Fatal(err)
	}
	checkNoOldSlot := func(when string) {
		t.Helper()
		id, err := age.NewScryptIdentity(testPass)
		if err != nil {
			t.Fatal(err)
		}
		files, _ := filepath.Glob(filepath.Join(dir, "slot-*.age"))
		for _, f := range files {
			b, _ := os.ReadFile(f)
			if _, err := age.Decrypt(bytes.NewReader(b), id); err == nil {
				t.Errorf("%s: %s still opens with the old passphrase", when, filepath.Base(f))
			}
		}
		if m, _ := filepath.Glob(filepath.Join(dir, "slot-passphrase-*.age")); len(m) != 1 {
			t.Errorf("%s: passphrase slot files %v, want one", when, m)
		}
	}
	if err := v.SetPassphrase("new passphrase"); err != nil {
		t.Fatal(err)
	}
	checkNoOldSlot("after passwd")

	// The old slot file back, as a cut-short change leaves it.
	if err := os.WriteFile(oldSlots[0], oldSlot, 0o600); err != nil {
		t.Fatal(err)
	}
	w, err := vault.Open(dir, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.UnlockPassphrase(testPass); !errors.Is(err, vault.ErrWrongKey) {
		t.Fatalf("old passphrase with the leftover slot: %v", err)
	}
	if err := w.UnlockPassphrase("new passphrase"); err != nil {
		t.Fatal(err)
	}
	mustAdd(t, w, totp("B", "b", 2))
	mustSave(t, w)
	checkNoOldSlot("after the next save")
}

// Two Creates of one folder at once (two `tessera init`): one makes the
// vault, the other is refused, and the vault opens with the recovery code
// that the one that succeeded gave.
func TestCreateRace(t *testing.T) {
	for round := range 20 {
		dir := filepath.Join(t.TempDir(), "v")
		type result struct {
			code string
			err  error
		}
		res := make(chan result, 2)
		start := make(chan struct{})
		for range 2 {
			go func() {
				<-start
				v, code, err := vault.Create(dir, testPass, testOpts)
				if err == nil {
					v.Lock()
				}
				res <- result{code, err}
			}()
		}
		close(start)
		var codes []string
		for range 2 {
			r := <-res
			if r.err == nil {
				codes = append(codes, r.code)
			} else if !errors.Is(r.err, fs.ErrExist) {
				t.Fatalf("round %d: %v", round, r.err)
			}
		}
		if len(codes) != 1 {
			t.Fatalf("round %d: %d Creates of one folder succeeded, want 1", round, len(codes))
		}
		v, err := vault.Open(dir, testOpts)
		if err != nil {
			t.Fatal(err)
		}
		if err := v.UnlockRecoveryCode(codes[0]); err != nil {
			t.Fatalf("round %d: the recovery code given does not open the vault: %v", round, err)
		}
	}
}

// A holder that opened the vault before a newer Tessera wrote it does not
// restore a backup over the newer body, as it does not save over it.
func TestRestoreRefusesNewerBody(t *testing.T) {
	v, dir, _ := newVault(t)
	mustAdd(t, v, totp("A", "a", 1))
	mustSave(t, v)
	plain := bytes.Replace(vault.EncodeBodyForTest(9, nil), []byte(`"version":1`), []byte(`"version":2`), 1)
	writeAge(t, filepath.Join(dir, "body.age"), v.MasterKeyForTest(), plain)
	before := snapshot(t, dir)
	var ve *vault.VersionError
	if err := v.Restore("1"); !errors.As(err, &ve) {
		t.Fatalf("Restore over a newer body: got %v, want VersionError", err)
	}
	if after := snapshot(t, dir); after != before {
		t.Fatalf("a newer vault was written to:\n%s\nwas\n%s", after, before)
	}
}

// Unlock checks the key even when the vault is unlocked already: a vault
// left unlocked by a damaged body (kept so that it can be restored) or by
// a caller that forgot to lock must not take any passphrase as right.
func TestUnlockWhileUnlockedChecksKey(t *testing.T) {
	v, dir, code := newVault(t)
	mustAdd(t, v, totp("A", "a", 1))
	mustSave(t, v)
	if err := v.UnlockPassphrase("wrong"); !errors.Is(err, vault.ErrWrongKey) {
		t.Fatalf("wrong passphrase on an unlocked vault: got %v, want ErrWrongKey", err)
	}
	if v.Locked() || len(v.Entries()) != 1 {
		t.Fatal("a wrong passphrase changed the unlocked vault")
	}
	for _, unlock := range []func() error{
		func() error { return v.UnlockPassphrase(testPass) },
		func() error { return v.UnlockRecoveryCode(code) },
	} {
		if err := unlock(); err != nil {
			t.Fatalf("right key on an unlocked vault: %v", err)
		}
	}

	// A damaged body leaves the vault unlocked, for Restore.
	mustAdd(t, v, totp("B", "b", 2))
	mustSave(t, v)
	flip(t, filepath.Join(dir, "body.age"), -5)
	w, err := vault.Open(dir, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.UnlockPassphrase(testPass); !errors.Is(err, vault.ErrDamaged) {
		t.Fatalf("damaged body: %v", err)
	}
	if err := w.UnlockPassphrase("wrong"); !errors.Is(err, vault.ErrWrongKey) {
		t.Fatalf("wrong passphrase on a vault left open by a damaged body: got %v, want ErrWrongKey", err)
	}
	if err := w.UnlockPassphrase(testPass); !errors.Is(err, vault.ErrDamaged) {
		t.Fatalf("right passphrase again on the damaged vault: got %v, want the damage again", err)
	}
}

// A body put back by hand, as README says backups open (cp
// backups/body-N.age body.age), or by a sync tool delivering an older
// file, carries an older generation than the backups already kept. The
// saves after it still keep each body they replace, instead of finding a
// backup of that generation number (of the other line of history) there
// and keeping nothing.
func TestSavesAfterRollbackKeepBackups(t *testing.T) {
	v, dir, _ := newVault(t)
	for i := range 5 {
		mustAdd(t, v, totp("I", string(rune('a'+i)), i))
		mustSave(t, v)
	}
	old, err := os.ReadFile(filepath.Join(dir, "backups", "body-3.age"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "body.age"), old, 0o600); err != nil {
		t.Fatal(err)
	}
	w := reopen(t, dir)
	for k := range 3 {
		replaced, err := os.ReadFile(filepath.Join(dir, "body.age"))
		if err != nil {
			t.Fatal(err)
		}
		mustAdd(t, w, totp("J", string(rune('a'+k)), 10+k))
		mustSave(t, w)
		kept := false
		files, _ := filepath.Glob(filepath.Join(dir, "backups", "body-*.age"))
		for _, f := range files {
			if b, _ := os.ReadFile(f); bytes.Equal(b, replaced) {
				kept = true
			}
		}
		if !kept {
			t.Fatalf("save %d after the rollback kept no backup of the body it replaced", k+1)
		}
	}
	bs, err := w.Backups()
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Restore(bs[0].ID); err != nil {
		t.Fatal(err)
	}
	// The newest backup is the body before the last save: 2 entries from
	// body-3 and the first two added after.
	if n := len(w.Entries()); n != 4 {
		t.Errorf("newest backup holds %d entries, want 4", n)
	}
}

// Create makes a vault only in a new or empty folder: a vault created in a
// folder of other files (--vault ~ by mistake) would change that folder's
// mode and have later saves clean up files there (.tmp-*). It refuses,
// changing nothing.
func TestCreateRefusesNonEmptyFolder(t *testing.T) {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"notes.txt", ".tmp-draft"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("mine"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	before := snapshot(t, dir)
	// The mode as the system shows it: Windows has no 0755.
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	mode := fi.Mode().Perm()
	_, _, err = vault.Create(dir, testPass, testOpts)
	if err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("Create in a folder of other files: got %v, want a refusal saying it is not empty", err)
	}
	if after := snapshot(t, dir); after != before {
		t.Errorf("the refused Create changed the folder:\n%s\nwas\n%s", after, before)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 2 {
		t.Errorf("the refused Create left files: %v", ents)
	}
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != mode {
		t.Errorf("the refused Create changed the folder's mode to %v", fi.Mode().Perm())
	}
	// An existing empty folder is fine.
	empty := t.TempDir()
	v, _, err := vault.Create(empty, testPass, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	v.Lock()
}
