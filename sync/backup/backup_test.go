package backup_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/tessera-auth/tessera/sync/backup"
	"github.com/tessera-auth/tessera/vault"
)

func TestEncodeDecode(t *testing.T) {
	want := sampleEntries(1)
	plain, err := backup.Encode(&backup.File{Created: t0, App: "tessera test", Entries: want})
	if err != nil {
		t.Fatal(err)
	}
	// The documented top level and a readable URI for every OTP entry.
	var top map[string]any
	if err := json.Unmarshal(plain, &top); err != nil {
		t.Fatal(err)
	}
	if top["format"] != "tessera-backup" || top["version"] != float64(1) || top["app"] != "tessera test" {
		t.Errorf("top level = format %v version %v app %v", top["format"], top["version"], top["app"])
	}
	if n := bytes.Count(plain, []byte(`"uri": "otpauth://`)); n != 4 {
		t.Errorf("%d otpauth URIs in the plaintext, want one per OTP entry (4)", n)
	}
	f, err := backup.Decode(plain)
	if err != nil {
		t.Fatal(err)
	}
	if !f.Created.Equal(t0) || f.App != "tessera test" {
		t.Errorf("created %v app %q", f.Created, f.App)
	}
	sameEntries(t, f.Entries, want, true)
}

func TestEncodeLeavesOutTombstones(t *testing.T) {
	es := sampleEntries(1)
	es = append(es, vault.Entry{ID: "dead", Deleted: true, Modified: t0})
	plain, err := backup.Encode(&backup.File{Created: t0, Entries: es})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(plain, []byte(`"dead"`)) {
		t.Error("a tombstone is in the backup")
	}
}

func TestDecodeErrors(t *testing.T) {
	plain, err := backup.Encode(&backup.File{Created: t0, Entries: sampleEntries(1)})
	if err != nil {
		t.Fatal(err)
	}
	secret := string(sampleEntries(1)[0].OTP.Secret)
	for _, c := range []struct {
		name, old, new, want string
	}{
		{"newer version", `"version": 1`, `"version": 2`, "has format version 2, and this Tessera reads up to version 1"},
		{"other format", `"tessera-backup"`, `"aegis"`, `format is "aegis"`},
		{"bad secret", `"secret": "`, `"secret": "1`, `entry 1 (id "a000000000000001"): secret is not valid base32`},
		{"bad kind", `"kind": "hotp"`, `"kind": "motp"`, `entry 3 (id "c000000000000001"): kind "motp" unknown`},
		{"digits", `"digits": 8`, `"digits": 11`, `entry 2 (id "b000000000000001"): digits 11 out of range`},
		{"no id", `"id": "b000000000000001"`, `"id": ""`, `entry 2 (id ""): has no id`},
		{"repeated id", `"id": "b000000000000001"`, `"id": "a000000000000001"`, `entry 2 (id "a000000000000001"): repeats an earlier entry's id`},
		{"empty token", `"token": "ghp_token1\"quoted\\"`, `"token": ""`, `entry 5 (id "e000000000000001"): token value is empty`},
		{"syntax", `"entries": [`, `"entries": [,`, "JSON syntax error on line"},
		{"type", `"uses": 7`, `"uses": "seven"`, `field "entries.uses" on line`},
	} {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(string(plain), c.old) {
				t.Fatalf("plaintext lacks %q", c.old)
			}
			bad := strings.Replace(string(plain), c.old, c.new, 1)
			_, err := backup.Decode([]byte(bad))
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q, want it to hold %q", err, c.want)
			}
			var ve *backup.VersionError
			if !errors.Is(err, backup.ErrFormat) && !errors.As(err, &ve) {
				t.Errorf("error %q wraps neither ErrFormat nor is a VersionError", err)
			}
			if strings.Contains(err.Error(), secret) {
				t.Error("the error holds a secret")
			}
		})
	}
}

func TestWriteReadPassphrase(t *testing.T) {
	want := sampleEntries(2)
	var buf bytes.Buffer
	if err := backup.Write(&buf, &backup.File{Created: t0, Entries: want}, backup.Options{Passphrase: "pass phrase", WorkFactor: 10}); err != nil {
		t.Fatal(err)
	}
	if !backup.NeedsPassphrase(buf.Bytes()) {
		t.Error("NeedsPassphrase = false for a passphrase backup")
	}
	if bytes.Contains(buf.Bytes(), want[0].OTP.Secret) || bytes.Contains(buf.Bytes(), []byte("GitHub")) {
		t.Error("the backup file holds plaintext")
	}
	wrong, _ := age.NewScryptIdentity("wrong")
	if _, err := backup.Read(bytes.NewReader(buf.Bytes()), wrong); !errors.Is(err, backup.ErrWrongKey) {
		t.Errorf("wrong passphrase: %v, want ErrWrongKey", err)
	}
	id, _ := age.NewScryptIdentity("pass phrase")
	f, err := backup.Read(bytes.NewReader(buf.Bytes()), id)
	if err != nil {
		t.Fatal(err)
	}
	sameEntries(t, f.Entries, want, true)

	// Cut short or changed: damaged, not a wrong key.
	for _, bad := range [][]byte{buf.Bytes()[:buf.Len()-20], flip(buf.Bytes(), buf.Len()-5), []byte("not age at all")} {
		if _, err := backup.Read(bytes.NewReader(bad), id); !errors.Is(err, backup.ErrDamaged) {
			t.Errorf("damaged file: %v, want ErrDamaged", err)
		}
	}
}

func flip(b []byte, i int) []byte {
	b = bytes.Clone(b)
	b[i] ^= 0xff
	return b
}

func TestWriteReadArmoredRecipients(t *testing.T) {
	id1, _ := age.GenerateX25519Identity()
	id2, _ := age.GenerateX25519Identity()
	var buf bytes.Buffer
	opts := backup.Options{Recipients: []age.Recipient{id1.Recipient(), id2.Recipient()}, Armor: true}
	if err := backup.Write(&buf, &backup.File{Created: t0, Entries: sampleEntries(3)}, opts); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), "-----BEGIN AGE ENCRYPTED FILE-----\n") {
		t.Fatal("not armored")
	}
	if backup.NeedsPassphrase(buf.Bytes()) {
		t.Error("NeedsPassphrase = true for a backup to keys")
	}
	for _, id := range []age.Identity{id1, id2} {
		f, err := backup.Read(bytes.NewReader(buf.Bytes()), id)
		if err != nil {
			t.Fatal(err)
		}
		sameEntries(t, f.Entries, sampleEntries(3), true)
	}
	other, _ := age.GenerateX25519Identity()
	if _, err := backup.Read(bytes.NewReader(buf.Bytes()), other); !errors.Is(err, backup.ErrWrongKey) {
		t.Errorf("other key: %v, want ErrWrongKey", err)
	}
	if err := backup.Write(&buf, &backup.File{}, backup.Options{Passphrase: "x", Recipients: opts.Recipients}); err == nil {
		t.Error("passphrase and recipients together: no error")
	}
	if err := backup.Write(&buf, &backup.File{}, backup.Options{}); err == nil {
		t.Error("neither passphrase nor recipients: no error")
	}
}

func TestParseRecipients(t *testing.T) {
	id, _ := age.GenerateX25519Identity()
	ed := "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHsKLqeplhpW+uObz5dvMgjz1OxfM/XXUB+VHtZ6isGN"
	ecdsa := "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBCj0RBRM9Q7yHYtSbv5Nx3szQkxxPYwEfIxW3rBXHSNRmu0/vDlJ5vMKy4uWDqG+TuSoSzXVkl4SvYj8bhXZV/0="
	file := "# my keys\n\n" + id.Recipient().String() + "\n" + ed + " alice@laptop\n" + ecdsa + "\n"
	recs, warns, err := backup.ParseRecipients(strings.NewReader(file), "keys.txt", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 {
		t.Errorf("%d recipients, want 2", len(recs))
	}
	if len(warns) != 1 || !strings.Contains(warns[0], "keys.txt line 5: skipped: ecdsa-sha2-nistp256 keys cannot be encrypted to") {
		t.Errorf("warnings %q", warns)
	}
	for _, c := range []struct{ in, want string }{
		{"# nothing\n", "keys.txt holds no recipient age can encrypt to"},
		{ed + "\nage1notakey\n", "keys.txt line 2: "},
		{"hello\n", "keys.txt line 1: not a recipient"},
		{strings.Repeat("a", 9000) + "\n", "keys.txt line 1: longer than 8192 bytes"},
	} {
		_, _, err := backup.ParseRecipients(strings.NewReader(c.in), "keys.txt", nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%.20q: error %v, want %q", c.in, err, c.want)
		}
	}
}

func FuzzDecode(f *testing.F) {
	plain, _ := backup.Encode(&backup.File{Created: t0, Entries: sampleEntries(1)})
	f.Add(plain)
	f.Add([]byte(`{"format":"tessera-backup","version":1,"entries":[{"id":"x","kind":"totp","uri":"otpauth://totp/a?secret=JBSWY3DPEHPK3PXP"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 1<<16 {
			return
		}
		got, err := backup.Decode(b)
		if err != nil {
			return
		}
		// What decodes encodes and decodes to the same entries.
		again, err := backup.Encode(got)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := backup.Decode(again); err != nil {
			t.Fatalf("re-encoded backup does not decode: %v", err)
		}
	})
}

func FuzzParseRecipients(f *testing.F) {
	f.Add("# c\nage1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p\n")
	f.Add("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHsKLqeplhpW+uObz5dvMgjz1OxfM/XXUB+VHtZ6isGN x\n")
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 1<<16 {
			return
		}
		backup.ParseRecipients(strings.NewReader(s), "f", nil)
	})
}

func FuzzNeedsPassphrase(f *testing.F) {
	var buf bytes.Buffer
	backup.Write(&buf, &backup.File{Created: t0}, backup.Options{Passphrase: "p", WorkFactor: 2, Armor: true})
	f.Add(buf.Bytes()[:min(buf.Len(), 1024)])
	f.Add([]byte("age-encryption.org/v1\n-> scrypt abc 10\n"))
	f.Fuzz(func(t *testing.T, head []byte) {
		if len(head) > 4096 {
			return
		}
		backup.NeedsPassphrase(head)
	})
}

// The approvals' audit log travels in the backup as it was given, and only
// a JSON list is read back.
func TestAuditLog(t *testing.T) {
	log := json.RawMessage(`[{"time":"2026-01-02T03:04:05Z","event":"approved","client_name":"sudo"}]`)
	plain, err := backup.Encode(&backup.File{Created: time.Now(), AuditLog: log})
	if err != nil {
		t.Fatal(err)
	}
	f, err := backup.Decode(plain)
	if err != nil {
		t.Fatal(err)
	}
	var got, want any
	json.Unmarshal(f.AuditLog, &got)
	json.Unmarshal(log, &want)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("audit log read back as %s", f.AuditLog)
	}
	if _, err := backup.Encode(&backup.File{AuditLog: json.RawMessage(`{not json`)}); err == nil {
		t.Fatal("a log that is not JSON was encoded")
	}
	bad := []byte(`{"format":"tessera-backup","version":1,"entries":[],"audit_log":{"a":1}}`)
	if _, err := backup.Decode(bad); !errors.Is(err, backup.ErrFormat) {
		t.Fatalf("audit_log as an object: %v, want ErrFormat", err)
	}
}
