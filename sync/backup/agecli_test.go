package backup_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tessera-auth/tessera/sync/backup"
)

// TestAgeCLIDecrypts writes backups of a real vault to an age-keygen
// X25519 key and to ssh-keygen ed25519 and RSA keys (given as a
// recipients file, as `age -R` and GitHub's .keys files hold them), has
// the stock age binary decrypt each, and restores the plaintext it
// printed into a new vault, comparing every field.
func TestAgeCLIDecrypts(t *testing.T) {
	ageBin := need(t, "age", "age")
	keygen := need(t, "age-keygen", "age")
	sshKeygen := need(t, "ssh-keygen", "openssh-client")
	dir := t.TempDir()

	src, _ := newVault(t)
	addAll(t, src, sampleEntries(4))
	want := src.Entries()
	file := &backup.File{Created: t0, App: "tessera test", Entries: want}

	// age-keygen's identity file; its public key is on a comment line.
	ageKey := filepath.Join(dir, "age.txt")
	run(t, keygen, "-o", ageKey)
	pub := run(t, keygen, "-y", ageKey)

	// ssh-keygen keys, without passphrase.
	var keysFile strings.Builder
	keysFile.WriteString("# GitHub-style .keys file\n")
	sshKeys := map[string]string{}
	for _, typ := range []string{"ed25519", "rsa"} {
		k := filepath.Join(dir, "id_"+typ)
		run(t, sshKeygen, "-q", "-t", typ, "-N", "", "-C", "test@"+typ, "-f", k)
		b, err := os.ReadFile(k + ".pub")
		if err != nil {
			t.Fatal(err)
		}
		keysFile.Write(b)
		sshKeys[typ] = k
	}

	cases := []struct {
		name     string
		recs     string // the recipients, as a recipients file
		identity string
	}{
		{"x25519", pub, ageKey},
		{"ssh-ed25519", keysFile.String(), sshKeys["ed25519"]},
		{"ssh-rsa", keysFile.String(), sshKeys["rsa"]},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			recs, warns, err := backup.ParseRecipients(strings.NewReader(c.recs), "recipients", nil)
			if err != nil || len(warns) > 0 {
				t.Fatalf("recipients: %v %q", err, warns)
			}
			out := filepath.Join(t.TempDir(), "backup.age")
			fh, err := os.Create(out)
			if err != nil {
				t.Fatal(err)
			}
			if err := backup.Write(fh, file, backup.Options{Recipients: recs}); err != nil {
				t.Fatal(err)
			}
			fh.Close()

			cmd := exec.Command(ageBin, "-d", "-i", c.identity, out)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			plain, err := cmd.Output()
			if err != nil {
				t.Fatalf("age -d: %v: %s", err, stderr.Bytes())
			}
			f, err := backup.Decode(plain)
			if err != nil {
				t.Fatalf("the plaintext age printed: %v", err)
			}
			sameEntries(t, f.Entries, want, true)

			// Tessera reads it with the same identity file, too.
			idf, err := os.Open(c.identity)
			if err != nil {
				t.Fatal(err)
			}
			ids, err := backup.ParseIdentities(idf, c.identity)
			idf.Close()
			if err != nil {
				t.Fatal(err)
			}
			back, err := os.Open(out)
			if err != nil {
				t.Fatal(err)
			}
			f2, err := backup.Read(back, ids...)
			back.Close()
			if err != nil {
				t.Fatal(err)
			}
			sameEntries(t, f2.Entries, want, true)

			// Restored into a new vault: everything added, and a new
			// Tessera process reads it from disk.
			dst, dstDir := newVault(t)
			steps := backup.Plan(dst.Entries(), f)
			if n := backup.Count(steps); n[backup.Add] != len(want) {
				t.Fatalf("plan %v, want %d adds", n, len(want))
			}
			if err := backup.Apply(dst, steps); err != nil {
				t.Fatal(err)
			}
			if err := dst.Save(); err != nil {
				t.Fatal(err)
			}
			sameEntries(t, reopen(t, dstDir).Entries(), want, false)
		})
	}
}

// TestAgeCLIPassphrase has the stock age binary decrypt a passphrase
// backup, typing the passphrase on a pseudo-terminal (age reads it from
// nowhere else) through util-linux script.
func TestAgeCLIPassphrase(t *testing.T) {
	ageBin := need(t, "age", "age")
	script := need(t, "script", "util-linux")
	out := filepath.Join(t.TempDir(), "backup.age")
	var buf bytes.Buffer
	want := sampleEntries(5)
	if err := backup.Write(&buf, &backup.File{Created: t0, Entries: want}, backup.Options{Passphrase: "typed at a terminal", WorkFactor: 12}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	plainFile := filepath.Join(t.TempDir(), "plain.json")
	cmd := exec.Command(script, "-qc", ageBin+" -d -o "+plainFile+" "+out, "/dev/null")
	cmd.Stdin = strings.NewReader("typed at a terminal\n")
	if log, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("age -d through script: %v: %q", err, log)
	}
	plain, err := os.ReadFile(plainFile)
	if err != nil {
		t.Fatal(err)
	}
	f, err := backup.Decode(plain)
	if err != nil {
		t.Fatal(err)
	}
	sameEntries(t, f.Entries, want, true)
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v: %s", filepath.Base(name), strings.Join(args, " "), err, stderr.Bytes())
	}
	return string(out)
}
