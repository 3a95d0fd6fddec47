package vault_test

import (
	"encoding/base32"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tessera-auth/tessera/vault"
)

// TestRecoveryWithAge runs the shell blocks of README's "Recovery without
// Tessera" section, exactly as written, with the stock age binary: once
// with the passphrase typed on a (pseudo-)terminal, once with the recovery
// code in a file. Both must give the vault's entries in plain JSON.
func TestRecoveryWithAge(t *testing.T) {
	t.Parallel() // mostly waiting on child processes and fsync
	for _, tool := range []string{"age", "script", "sh"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not found: install it (Debian: apt-get install age util-linux dash)", tool)
		}
	}
	blocks := readmeBlocks(t, "Recovery without Tessera")
	if len(blocks) != 2 {
		t.Fatalf("README's recovery section has %d sh blocks, want 2 (passphrase, recovery code)", len(blocks))
	}

	home := t.TempDir()
	env := map[string]string{"HOME": home}
	dir, err := vault.DefaultDir(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	v, code, err := vault.Create(dir, "the old passphrase", testOpts)
	if err != nil {
		t.Fatal(err)
	}
	// A passphrase change cut short after its manifest was written leaves
	// the old slot file beside the new one: the blocks must not trip on it.
	old, _ := filepath.Glob(filepath.Join(dir, "slot-passphrase-*.age"))
	oldSlot, err := os.ReadFile(old[0])
	if err != nil {
		t.Fatal(err)
	}
	// The slot the blocks open has age's default work factor, as a real
	// vault has at least. (Only this one: scrypt at that cost takes seconds
	// under the race detector.)
	v.Lock()
	if v, err = vault.Open(dir, &vault.Options{WorkFactor: vault.MinWorkFactor}); err != nil {
		t.Fatal(err)
	}
	if err := v.UnlockRecoveryCode(code); err != nil {
		t.Fatal(err)
	}
	if err := v.SetPassphrase(testPass); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(old[0], oldSlot, 0o600); err != nil {
		t.Fatal(err)
	}
	tok := []byte("ghp_recoveryTest\"value\\")
	for _, e := range []vault.Entry{
		totp("GitHub", "alice@example.com", 1),
		{Kind: vault.KindToken, Issuer: "deploy", Token: vault.Token{Value: tok}},
	} {
		mustAdd(t, v, e)
	}
	mustSave(t, v)
	if err := os.WriteFile(filepath.Join(home, "recovery.txt"), []byte(code+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	for _, block := range blocks {
		script := filepath.Join(t.TempDir(), "recover.sh")
		if err := os.WriteFile(script, []byte(block), 0o600); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(home, "tessera-vault.json")
		os.Remove(out)
		var cmd *exec.Cmd
		if strings.Contains(block, "slot-passphrase") {
			// age reads a passphrase only from a terminal: give it one.
			cmd = exec.Command("script", "-qec", "sh "+script, "/dev/null")
			cmd.Stdin = strings.NewReader(testPass + "\n")
		} else {
			cmd = exec.Command("sh", script)
		}
		cmd.Env = append(os.Environ(), "HOME="+home, "LANG=en_US.UTF-8")
		cmd.Dir = t.TempDir()
		if msg, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("README block failed: %v\n%s\n%s", err, block, strings.ReplaceAll(string(msg), testPass, "PASS"))
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatalf("README block made no %s: %v\n%s", out, err, block)
		}
		if fi, _ := os.Stat(out); fi.Mode().Perm() != 0o600 {
			t.Errorf("plain export has mode %v, want 0600", fi.Mode().Perm())
		}
		var doc struct {
			Format  string `json:"format"`
			Version int    `json:"version"`
			Entries []struct {
				Kind, Issuer, Account, Secret, Algorithm, Token string
				Digits, Period                                  int
			} `json:"entries"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatalf("the export is not JSON: %v", err)
		}
		if doc.Format != "tessera-vault-body" || doc.Version != vault.FormatVersion || len(doc.Entries) != 2 {
			t.Fatalf("export: format %q version %d, %d entries", doc.Format, doc.Version, len(doc.Entries))
		}
		e := doc.Entries[0]
		secret, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(e.Secret)
		want := totp("GitHub", "alice@example.com", 1)
		if err != nil || string(secret) != string(want.OTP.Secret) || e.Kind != "totp" || e.Issuer != "GitHub" ||
			e.Account != "alice@example.com" || e.Algorithm != "SHA1" || e.Digits != 6 || e.Period != 30 {
			t.Errorf("export's OTP entry differs: %+v", e)
		}
		if doc.Entries[1].Kind != "token" || doc.Entries[1].Token != string(tok) {
			t.Errorf("export's token entry differs")
		}
	}

	// A wrong passphrase fails, leaving no empty file behind.
	out := filepath.Join(home, "tessera-vault.json")
	os.Remove(out)
	script := filepath.Join(t.TempDir(), "recover.sh")
	os.WriteFile(script, []byte(blocks[0]), 0o600)
	cmd := exec.Command("script", "-qec", "sh "+script, "/dev/null")
	cmd.Stdin = strings.NewReader("not the passphrase\n")
	cmd.Env = append(os.Environ(), "HOME="+home, "LANG=en_US.UTF-8")
	if msg, err := cmd.CombinedOutput(); err == nil {
		t.Errorf("the passphrase block succeeded with a wrong passphrase:\n%s", msg)
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("a failed recovery left %s behind", out)
	}

	// The next unlock (with the recovery code: the passphrase's scrypt
	// takes seconds under the race detector) removes the stale slot.
	w, err := vault.Open(dir, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.UnlockRecoveryCode(code); err != nil {
		t.Fatal(err)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "slot-passphrase-*.age")); len(m) != 1 {
		t.Errorf("passphrase slot files after an unlock: %v", m)
	}
}

// readmeBlocks returns the ```sh blocks of a README section.
func readmeBlocks(t *testing.T, section string) []string {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, text, ok := strings.Cut(string(b), "\n## "+section+"\n")
	if !ok {
		t.Fatalf("README has no section %q", section)
	}
	text, _, _ = strings.Cut(text, "\n## ")
	var blocks []string
	for {
		_, rest, ok := strings.Cut(text, "```sh\n")
		if !ok {
			return blocks
		}
		block, rest, ok := strings.Cut(rest, "```")
		if !ok {
			t.Fatal("README: unterminated code block")
		}
		blocks = append(blocks, block)
		text = rest
	}
}
