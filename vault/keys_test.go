package vault_test

import (
	"crypto/rand"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/tessera-auth/tessera/vault"
)

// fakeKey returns an enrolled-key record and the identity its PRF output
// gives, as a WebAuthn ceremony would (the PRF output is random here).
func fakeKey(t testing.TB) (vault.SecurityKey, *age.X25519Identity) {
	t.Helper()
	prf, cid, salt := make([]byte, 32), make([]byte, 48), make([]byte, 32)
	rand.Read(prf)
	rand.Read(cid)
	rand.Read(salt)
	id, err := vault.SecurityKeyIdentity(prf, cid)
	if err != nil {
		t.Fatal(err)
	}
	return vault.SecurityKey{CredentialID: cid, PublicKey: []byte{0xa5, 1, 2, 3}, PRFSalt: salt,
		SignCount: 7, Transports: []string{"usb", "nfc"}, Recipient: id.Recipient().String()}, id
}

// unlockWith reports whether a fresh Open of dir unlocks with id, and the
// error if not.
func unlockWith(t testing.TB, dir string, id age.Identity) (*vault.Vault, error) {
	t.Helper()
	w, err := vault.Open(dir, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	return w, w.Unlock(id)
}

// TestSecurityKeySlots: a key slot opens with the key's identity alone, a
// passphrase+key slot with both and with neither alone, several keys may
// be enrolled, their records survive vault.json, the sign count never goes
// down, and removing a slot stops it opening.
func TestSecurityKeySlots(t *testing.T) {
	v, dir, _ := newVault(t)
	mustAdd(t, v, totp("GitHub", "alice", 1))
	mustSave(t, v)
	k1, id1 := fakeKey(t)
	k2, id2 := fakeKey(t)
	s1, err := v.AddSecurityKey(k1, "blue key", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.AddSecurityKey(k1, "again", ""); err == nil || !strings.Contains(err.Error(), "enrolled already") {
		t.Errorf("enrolling the same key twice: %v", err)
	}
	s2, err := v.AddSecurityKey(k2, "", "a second secret")
	if err != nil {
		t.Fatal(err)
	}
	if s1.Kind != vault.SlotSecurityKey || s2.Kind != vault.SlotPassphraseKey || s1.Label != "blue key" {
		t.Fatalf("slots: %+v %+v", s1, s2)
	}
	bad := k1
	bad.PRFSalt = bad.PRFSalt[:5]
	if _, err := v.AddSecurityKey(bad, "", ""); err == nil || !strings.Contains(err.Error(), "PRF salt is 5 bytes") {
		t.Errorf("a short salt: %v", err)
	}

	w, err := unlockWith(t, dir, id1)
	if err != nil {
		t.Fatalf("the key alone: %v", err)
	}
	if es := w.Entries(); len(es) != 1 || es[0].Issuer != "GitHub" {
		t.Fatalf("entries after a key unlock: %v", es)
	}
	if w.UnlockedWith() != vault.SlotSecurityKey {
		t.Errorf("unlocked with %q", w.UnlockedWith())
	}
	got := w.SecurityKeys()
	if len(got) != 2 || string(got[0].CredentialID) != string(k1.CredentialID) || string(got[1].PRFSalt) != string(k2.PRFSalt) ||
		got[0].SignCount != 7 || strings.Join(got[0].Transports, ",") != "usb,nfc" || got[0].Recipient != k1.Recipient {
		t.Fatalf("security keys read back: %+v", got)
	}
	both, _ := vault.KeyAndPassphrase(id2, "a second secret")
	if _, err := unlockWith(t, dir, both); err != nil {
		t.Fatalf("key and passphrase: %v", err)
	}
	for name, id := range map[string]age.Identity{
		"key without its passphrase":  id2,
		"passphrase with another key": must(vault.KeyAndPassphrase(id1, "a second secret")),
		"key with a wrong passphrase": must(vault.KeyAndPassphrase(id2, "wrong")),
	} {
		if _, err := unlockWith(t, dir, id); !errors.Is(err, vault.ErrWrongKey) {
			t.Errorf("%s: %v, want ErrWrongKey", name, err)
		}
	}

	if err := w.RecordSignCount(k1.CredentialID, 12); err != nil {
		t.Fatal(err)
	}
	if err := w.RecordSignCount(k1.CredentialID, 9); err != nil {
		t.Fatal(err)
	}
	if c := reopen(t, dir).SecurityKeys()[0].SignCount; c != 12 {
		t.Errorf("sign count %d after 12 then 9, want 12", c)
	}
	for _, sl := range reopen(t, dir).Slots() {
		if used := sl.LastUsed(); sl.ID == s1.ID && (used.IsZero() || time.Since(used) > time.Minute) {
			t.Errorf("the key's last use is %v, want just now", used)
		} else if sl.ID != s1.ID && !used.IsZero() {
			t.Errorf("slot %s (%s), never used, last used %v", sl.ID, sl.Kind, used)
		}
	}
	if err := w.RecordSignCount([]byte("nope"), 1); !errors.Is(err, vault.ErrNotFound) {
		t.Errorf("sign count of a key not enrolled: %v", err)
	}

	if err := w.RemoveSlot(s1.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := unlockWith(t, dir, id1); !errors.Is(err, vault.ErrWrongKey) {
		t.Errorf("a removed key: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, s1.File)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the removed slot's file is left: %v", err)
	}
	if err := w.RemoveSlot("nosuch"); !errors.Is(err, vault.ErrNotFound) {
		t.Errorf("removing a slot that does not exist: %v", err)
	}
}

func must[T any](x T, err error) T {
	if err != nil {
		panic(err)
	}
	return x
}

// TestKeySlotsWithAge runs the blocks of README's "Security keys" section
// that open key slots, as written, with the stock age binary: a
// security-key slot with the derived identity in ~/key.txt, and a
// passphrase+key slot with the passphrase typed on a (pseudo-)terminal
// and then the identity. Both must give the vault's entries in plain JSON.
func TestKeySlotsWithAge(t *testing.T) {
	for _, tool := range []string{"age", "script", "sh"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not found: install it (Debian: apt-get install age util-linux dash)", tool)
		}
	}
	blocks := readmeBlocks(t, "Security keys")
	if len(blocks) != 3 {
		t.Fatalf("README's security keys section has %d sh blocks, want 3 (commands, key slot, passphrase+key slot)", len(blocks))
	}
	home := t.TempDir()
	env := map[string]string{"HOME": home}
	dir, err := vault.DefaultDir(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	v, _, err := vault.Create(dir, testPass, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	mustAdd(t, v, totp("GitHub", "alice", 1))
	mustSave(t, v)
	for i, block := range blocks[1:] {
		k, id := fakeKey(t)
		pass := ""
		if i == 1 {
			pass = "the key's own passphrase"
		}
		if _, err := v.AddSecurityKey(k, "", pass); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(home, "key.txt"), []byte(id.String()+"\n"), 0o600)
		script := filepath.Join(t.TempDir(), "recover.sh")
		os.WriteFile(script, []byte(block), 0o600)
		out := filepath.Join(home, "tessera-vault.json")
		os.Remove(out)
		cmd := exec.Command("sh", script)
		if pass != "" {
			// age reads a passphrase only from a terminal: give it one.
			cmd = exec.Command("script", "-qec", "sh "+script, "/dev/null")
			cmd.Stdin = strings.NewReader(pass + "\n")
		}
		cmd.Env = append(os.Environ(), "HOME="+home, "LANG=en_US.UTF-8")
		cmd.Dir = t.TempDir()
		if msg, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("README block failed: %v\n%s\n%s", err, block, msg)
		}
		b, err := os.ReadFile(out)
		if err != nil || !strings.Contains(string(b), `"issuer":"GitHub"`) {
			t.Fatalf("README block made no export with the entry: %v\n%s", err, block)
		}
		if _, err := os.Stat(filepath.Join(home, "master.txt")); err == nil {
			t.Errorf("the block left the master key in a file")
		}
		os.Remove(filepath.Join(home, "key.txt"))
	}
}

// TestRequireKey: on, passphrase slots go, the passphrase (even a slot file
// put back with vault.json edited to list it) opens nothing, the key and
// the recovery code open; a passphrase cannot be set; off needs the key.
func TestRequireKey(t *testing.T) {
	v, dir, code := newVault(t)
	mustAdd(t, v, totp("GitHub", "alice", 1))
	mustSave(t, v)
	if err := v.SetRequireKey(true); err == nil || !strings.Contains(err.Error(), "no security key is enrolled") {
		t.Fatalf("requiring a key with none enrolled: %v", err)
	}
	k, id := fakeKey(t)
	if _, err := v.AddSecurityKey(k, "", ""); err != nil {
		t.Fatal(err)
	}
	manBefore, _ := os.ReadFile(filepath.Join(dir, "vault.json"))
	passSlots, _ := filepath.Glob(filepath.Join(dir, "slot-passphrase-*.age"))
	passSlot, _ := os.ReadFile(passSlots[0])
	if err := v.SetRequireKey(true); err != nil {
		t.Fatal(err)
	}
	if !reopen2(t, dir).RequireKey() {
		t.Error("RequireKey is off after turning it on")
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "slot-passphrase-*.age")); len(m) != 0 {
		t.Errorf("passphrase slots left: %v", m)
	}
	w, _ := vault.Open(dir, testOpts)
	if err := w.UnlockPassphrase(testPass); !errors.Is(err, vault.ErrWrongKey) {
		t.Errorf("the passphrase: %v", err)
	}
	// Put the old passphrase slot and vault.json back by hand.
	os.WriteFile(passSlots[0], passSlot, 0o600)
	os.WriteFile(filepath.Join(dir, "vault.json"), manBefore, 0o600)
	w, _ = vault.Open(dir, testOpts)
	if err := w.UnlockPassphrase(testPass); !errors.Is(err, vault.ErrKeyRequired) {
		t.Errorf("a passphrase slot put back: %v, want ErrKeyRequired", err)
	}
	if !w.Locked() {
		t.Error("the vault is unlocked after a refused passphrase")
	}
	w, _ = vault.Open(dir, testOpts)
	if err := w.UnlockRecoveryCode(code); err != nil {
		t.Fatalf("the recovery code: %v", err)
	}
	if err := w.SetPassphrase("new"); !errors.Is(err, vault.ErrKeyRequired) {
		t.Errorf("setting a passphrase while a key is required: %v", err)
	}
	if err := w.SetRequireKey(false); err == nil || !strings.Contains(err.Error(), "needs the key") {
		t.Errorf("turning it off with the recovery code: %v", err)
	}
	// Showing the key to the vault unlocked with the code is enough (the
	// window's Settings do so), a wrong key is not.
	other, _ := fakeKey(t)
	otherID, _ := vault.SecurityKeyIdentity(make([]byte, 32), other.CredentialID)
	if err := w.Unlock(otherID); !errors.Is(err, vault.ErrWrongKey) || w.UnlockedWith() != vault.SlotRecoveryCode {
		t.Errorf("another key on the unlocked vault: %v, unlocked with %q", err, w.UnlockedWith())
	}
	if err := w.Unlock(id); err != nil || w.UnlockedWith() != vault.SlotSecurityKey {
		t.Errorf("the key on the unlocked vault: %v, unlocked with %q", err, w.UnlockedWith())
	}
	w, err := unlockWith(t, dir, id)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.SetRequireKey(false); err != nil {
		t.Fatal(err)
	}
	if err := w.SetPassphrase("a new one"); err != nil {
		t.Fatal(err)
	}
	w, _ = vault.Open(dir, testOpts)
	if err := w.UnlockPassphrase("a new one"); err != nil {
		t.Errorf("the passphrase after turning it off: %v", err)
	}
}

// reopen2 opens dir locked.
func reopen2(t testing.TB, dir string) *vault.Vault {
	t.Helper()
	v, err := vault.Open(dir, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
