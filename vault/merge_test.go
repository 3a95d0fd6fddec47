package vault_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/tessera-auth/tessera/otp"
	"github.com/tessera-auth/tessera/vault"
)

func hotp(issuer string, n int, counter uint64) vault.Entry {
	e := totp(issuer, "", n)
	e.OTP.Kind, e.OTP.Period, e.OTP.Counter = otp.HOTP, 0, counter
	return e
}

func TestMergeSavesEntriesAndSealed(t *testing.T) {
	v, dir, _ := newVault(t)
	a := mustAdd(t, v, totp("Alpha", "a", 1))
	h := mustAdd(t, v, hotp("Hotp", 2, 5))
	gone := mustAdd(t, v, totp("Gone", "g", 3))
	mustSave(t, v)

	// Another process saves meanwhile: Merge must see its entry.
	w := reopen(t, dir)
	other := mustAdd(t, w, totp("Other", "o", 4))
	mustSave(t, w)

	var then bool
	err := v.Merge("sync-test", func(all []vault.Entry, sealed []byte, _ func([]byte) ([]byte, error)) (vault.MergeResult, error) {
		if sealed != nil {
			t.Errorf("sealed file before any was written: %d bytes", len(sealed))
		}
		ids := map[string]bool{}
		for _, e := range all {
			ids[e.ID] = true
		}
		if !ids[other.ID] {
			t.Error("Merge did not see the other process's entry")
		}
		a2 := a
		a2.Issuer = "Alpha Renamed"
		h2 := h
		h2.OTP.Counter = 2 // lower: must not win
		n := totp("New", "n", 5)
		n.ID = "00000000000000aa"
		return vault.MergeResult{
			Entries: []vault.Entry{a2, h2, n, {ID: gone.ID, Deleted: true}},
			Sealed:  []byte("state"),
			Then: func() error {
				then = true
				return nil
			},
		}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !then {
		t.Fatal("Then was not called")
	}
	r := reopen(t, dir)
	if e, ok := r.Entry(a.ID); !ok || e.Issuer != "Alpha Renamed" || !e.Modified.After(a.Modified) {
		t.Errorf("renamed entry = %+v, %v", e.Label(), ok)
	}
	if e, _ := r.Entry(h.ID); e.OTP.Counter != 5 {
		t.Errorf("HOTP counter = %d after a merge offering 2, want 5", e.OTP.Counter)
	}
	if _, ok := r.Entry(gone.ID); ok {
		t.Error("deleted entry still live")
	}
	if e, ok := r.Entry("00000000000000aa"); !ok || e.Issuer != "New" {
		t.Error("new entry missing")
	}
	if _, ok := r.Entry(other.ID); !ok {
		t.Error("the other process's entry was lost")
	}
	if got, err := r.ReadSealed("sync-test"); err != nil || string(got) != "state" {
		t.Fatalf("sealed = %q, %v", got, err)
	}

	// Merge hands the sealed file back, tombstones included in entries.
	err = r.Merge("sync-test", func(all []vault.Entry, sealed []byte, _ func([]byte) ([]byte, error)) (vault.MergeResult, error) {
		if string(sealed) != "state" {
			t.Errorf("sealed = %q", sealed)
		}
		var tomb bool
		for _, e := range all {
			tomb = tomb || e.ID == gone.ID && e.Deleted
		}
		if !tomb {
			t.Error("tombstone missing from Merge's entries")
		}
		return vault.MergeResult{}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestMergeErrorSavesNothing(t *testing.T) {
	v, dir, _ := newVault(t)
	a := mustAdd(t, v, totp("Alpha", "a", 1))
	mustSave(t, v)
	boom := errors.New("boom")
	err := v.Merge("sync-test", func(all []vault.Entry, _ []byte, _ func([]byte) ([]byte, error)) (vault.MergeResult, error) {
		return vault.MergeResult{Entries: []vault.Entry{{ID: a.ID, Deleted: true}}, Sealed: []byte("x")}, boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Merge = %v", err)
	}
	r := reopen(t, dir)
	if _, ok := r.Entry(a.ID); !ok {
		t.Error("a failed Merge deleted an entry")
	}
	if _, err := os.Stat(filepath.Join(dir, "sealed", "sync-test.age")); err == nil {
		t.Error("a failed Merge wrote the sealed file")
	}
	// An invalid entry is refused by name.
	bad := totp("Bad", "b", 2)
	bad.ID, bad.OTP.Digits = "00000000000000bb", 3
	err = v.Merge("sync-test", func([]vault.Entry, []byte, func([]byte) ([]byte, error)) (vault.MergeResult, error) {
		return vault.MergeResult{Entries: []vault.Entry{bad}}, nil
	})
	if err == nil || !strings.Contains(err.Error(), bad.ID) {
		t.Fatalf("Merge of an invalid entry = %v", err)
	}
}

func TestEntryJSONRoundTrip(t *testing.T) {
	v, _, _ := newVault(t)
	e := mustAdd(t, v, hotp("Hotp", 1, 7))
	e.Tags, e.Note, e.Position = []string{"work"}, "note \"quoted\"", 1.5
	b := vault.AppendEntryJSON(nil, &e)
	got, err := vault.ParseEntryJSON(b)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != e.ID || !bytes.Equal(got.OTP.Secret, e.OTP.Secret) || got.OTP.Counter != 7 || got.Note != e.Note ||
		got.Position != 1.5 || len(got.Tags) != 1 || !got.Modified.Equal(e.Modified) || got.OTP.Issuer != "Hotp" {
		t.Fatalf("round trip: %+v", got)
	}
	for _, bad := range []string{``, `{}`, `{"id":"x","kind":"totp"}`, `{"id":"x","deleted":true} x`, `[1]`} {
		if _, err := vault.ParseEntryJSON([]byte(bad)); err == nil {
			t.Errorf("ParseEntryJSON(%q) succeeded", bad)
		}
	}
}

func TestJoin(t *testing.T) {
	v, _, code := newVault(t)
	mustAdd(t, v, totp("Alpha", "a", 1))
	mustSave(t, v)
	keys, err := v.Keys()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(keys, []byte("AGE-SECRET-KEY")) {
		t.Fatal("keys document holds a plaintext identity")
	}
	slots, err := vault.ParseKeys(keys)
	if err != nil || len(slots) != 2 {
		t.Fatalf("ParseKeys = %v, %v", slots, err)
	}

	wrong, _ := age.NewScryptIdentity("not it")
	dir := t.TempDir() + "/joined"
	if _, err := vault.Join(dir, keys, wrong, testOpts); !errors.Is(err, vault.ErrWrongKey) {
		t.Fatalf("Join with a wrong passphrase = %v", err)
	}
	pass, _ := age.NewScryptIdentity(testPass)
	j, err := vault.Join(dir, keys, pass, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(j.Entries()); n != 0 {
		t.Fatalf("joined vault has %d entries", n)
	}
	// Same master key: what one seals the other opens.
	ct, err := v.Seal([]byte("hello"))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := j.Unseal(ct); err != nil || string(got) != "hello" {
		t.Fatalf("Unseal in the joined vault = %q, %v", got, err)
	}
	// The joined vault opens with the passphrase and the recovery code.
	for _, unlock := range []func(*vault.Vault) error{
		func(x *vault.Vault) error { return x.UnlockPassphrase(testPass) },
		func(x *vault.Vault) error { return x.UnlockRecoveryCode(code) },
	} {
		x, err := vault.Open(dir, testOpts)
		if err != nil {
			t.Fatal(err)
		}
		if err := unlock(x); err != nil {
			t.Fatal(err)
		}
	}
	// Joining into a folder that holds a vault is refused.
	if _, err := vault.Join(dir, keys, pass, testOpts); err == nil {
		t.Fatal("Join into an existing vault succeeded")
	}
	for _, bad := range [][]byte{nil, []byte(`{}`), []byte(`{"format":"tessera-keys","version":1,"slots":[]}`),
		bytes.Replace(keys, []byte("slot-"), []byte("../x-"), 1), bytes.Replace(keys, []byte("BEGIN AGE"), []byte("BEGIN NOT"), 1)} {
		if _, err := vault.ParseKeys(bad); err == nil {
			t.Errorf("ParseKeys(%.40q) succeeded", bad)
		}
	}
}

func FuzzParseKeys(f *testing.F) {
	v, _, _ := newVault(f)
	keys, err := v.Keys()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(keys)
	f.Add([]byte(`{"format":"tessera-keys","version":1,"slots":[{"id":"a","file":"slot-a.age","age":""}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		vault.ParseKeys(b)
	})
}

func FuzzParseEntryJSON(f *testing.F) {
	e := hotp("Hotp", 1, 7)
	e.ID = "0123456789abcdef"
	f.Add(vault.AppendEntryJSON(nil, &e))
	f.Add([]byte(`{"id":"x","deleted":true,"modified":"2026-01-01T00:00:00Z"}`))
	f.Add([]byte(`{"id":"x","kind":"token","issuer":"t","token":"v"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := vault.ParseEntryJSON(b)
		if err != nil {
			return
		}
		again, err := vault.ParseEntryJSON(vault.AppendEntryJSON(nil, &e))
		if err != nil || again.ID != e.ID || again.Deleted != e.Deleted {
			t.Fatalf("re-encoded entry does not read back: %v", err)
		}
	})
}
