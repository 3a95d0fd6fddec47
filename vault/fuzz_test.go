package vault_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/tessera-auth/tessera/otp"
	"github.com/tessera-auth/tessera/vault"
)

func seedEntries() []vault.Entry {
	t0 := time.Date(2025, 1, 2, 3, 4, 5, 6, time.UTC)
	return []vault.Entry{
		{ID: "a1", Kind: vault.KindOTP, Issuer: "GitHub", Account: "alice", Tags: []string{"x", "y\"z"}, Favourite: true,
			Note: "n\u2028\t\x01", Position: 1.5, Created: t0, Modified: t0, LastUsed: t0, Uses: 3,
			OTP: otp.Credential{Kind: otp.HOTP, Algorithm: otp.SHA512, Digits: 8, Counter: 9, Secret: []byte("0123456789"),
				Issuer: "GitHub", Account: "alice"}},
		{ID: "b2", Kind: vault.KindToken, Issuer: "tok", Modified: t0,
			Token: vault.Token{Value: []byte("v\\\"al"), URL: "https://x", Expires: t0, JWTIssuer: "i", JWTSubject: "s"}},
		{ID: "c3", Deleted: true, Modified: t0},
	}
}

// FuzzDecodeBody feeds damaged body plaintexts to the decoder: it must
// return an error or entries that survive another round trip, never panic.
func FuzzDecodeBody(f *testing.F) {
	f.Add(vault.EncodeBodyForTest(3, seedEntries()))
	f.Add(vault.EncodeBodyForTest(1, nil))
	f.Add([]byte(`{"format":"tessera-vault-body","version":1,"entries":[{"id":"x","kind":"totp","secret":"GEZDGNBV","algorithm":"SHA1","digits":6,"period":30,"extra":{"a":[1,2,{"b":null}]}}]}`))
	f.Add([]byte(`{"format":"tessera-vault-body","version":2}`))
	f.Add([]byte(`{"format":"tessera-vault-body","version":1,"entries":[{"id":"\ud83d\ude00\u00e9"}]}`))
	f.Fuzz(func(t *testing.T, plain []byte) {
		got, err := vault.DecodeBodyForTest(plain)
		if err != nil {
			var ve *vault.VersionError
			if !errors.Is(err, vault.ErrDamaged) && !errors.As(err, &ve) {
				t.Fatalf("error is neither damage nor version: %v", err)
			}
			return
		}
		again, err := vault.DecodeBodyForTest(vault.EncodeBodyForTest(1, got))
		if err != nil {
			t.Fatalf("re-encoded body does not decode: %v", err)
		}
		if len(again) != len(got) {
			t.Fatalf("round trip changed the entry count: %d -> %d", len(got), len(again))
		}
	})
}

// FuzzDecodeManifest feeds damaged vault.json files to the manifest
// decoder.
func FuzzDecodeManifest(f *testing.F) {
	dir := f.TempDir() + "/v"
	if _, _, err := vault.Create(dir, "p", &vault.Options{WorkFactor: 2}); err != nil {
		f.Fatal(err)
	}
	m, err := os.ReadFile(filepath.Join(dir, "vault.json"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(m)
	f.Add(bytes.Replace(m, []byte(`"version": 1`), []byte(`"version": 9`), 1))
	f.Add([]byte(`{"format":"tessera-vault","version":1,"slots":[{"id":"a","kind":"x","file":"../etc/passwd"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		err := vault.DecodeManifestForTest(b)
		var ve *vault.VersionError
		if err != nil && !errors.Is(err, vault.ErrDamaged) && !errors.As(err, &ve) {
			t.Fatalf("error is neither damage nor version: %v", err)
		}
	})
}

// FuzzDecryptBody feeds damaged body.age files (header, stream, length) to
// the decryption and decoding: an error, never a panic.
func FuzzDecryptBody(f *testing.F) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		f.Fatal(err)
	}
	master := id.String()
	var buf bytes.Buffer
	w, _ := age.Encrypt(&buf, id.Recipient())
	w.Write(vault.EncodeBodyForTest(5, seedEntries()))
	w.Close()
	f.Add(buf.Bytes())
	f.Add(buf.Bytes()[:100])
	f.Fuzz(func(t *testing.T, ct []byte) {
		if _, err := vault.DecryptBodyForTest(ct, master); err != nil && !errors.Is(err, vault.ErrDamaged) {
			var ve *vault.VersionError
			if !errors.As(err, &ve) {
				t.Fatalf("error is neither damage nor version: %v", err)
			}
		}
	})
}

// The encoder and decoder agree on every field, including odd strings.
func TestBodyRoundTrip(t *testing.T) {
	want := seedEntries()
	plain := vault.EncodeBodyForTest(3, want)
	got, err := vault.DecodeBodyForTest(plain)
	if err != nil {
		t.Fatalf("decode: %v\n%s", err, plain)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, want)
	}
	if !bytes.Contains(plain, []byte(`"note":"n\u2028\t\u0001"`)) {
		t.Errorf("control characters not escaped: %s", plain)
	}
}

// FuzzDecodeState feeds damaged state.age contents to its decoder: damage
// or a version error, never a panic; what it accepts re-encodes to a
// state it accepts again.
func FuzzDecodeState(f *testing.F) {
	f.Add([]byte(`{"format":"tessera-vault-state","version":1,"generation":7,"hotp":{"00112233445566778899aabbccddeeff":4}}`))
	f.Add([]byte(`{"format":"tessera-vault-state","version":1,"generation":9007199254740993}`))
	f.Add([]byte(`{"format":"tessera-vault-state","version":2}`))
	f.Add([]byte(`{"format":"tessera-vault-state","version":1,"hotp":{"zz":1}}`))
	f.Fuzz(func(t *testing.T, plain []byte) {
		again, err := vault.DecodeStateForTest(plain)
		if err != nil {
			var ve *vault.VersionError
			if !errors.Is(err, vault.ErrDamaged) && !errors.As(err, &ve) {
				t.Fatalf("error is neither damage nor version: %v", err)
			}
			return
		}
		if _, err := vault.DecodeStateForTest(again); err != nil {
			t.Fatalf("re-encoded state does not decode: %v", err)
		}
	})
}

// FuzzVaultFileNames feeds names to the parsers of vault folder file
// names: a name read as a backup or damaged body is exactly the name
// made for that number, and a slot file name never leaves the folder.
func FuzzVaultFileNames(f *testing.F) {
	for _, s := range []string{"body-12.age", "body-012.age", "body-18446744073709551615.age", "body-18446744073709551616.age",
		"damaged-1700000000000000000.age", "damaged--1.age", "slot-passphrase-0a1b2c3d.age", "slot-../x.age", "slot-a/b.age"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		g, isBackup, at, isDamaged, isSlot := vault.ParseNamesForTest(name)
		if isBackup && vault.BackupNameForTest(g) != name {
			t.Fatalf("%q read as backup %d, named %q", name, g, vault.BackupNameForTest(g))
		}
		if isDamaged && vault.DamagedNameForTest(at) != name {
			t.Fatalf("%q read as damaged body %d", name, at)
		}
		if isSlot && (strings.ContainsAny(name, `/\`) || strings.Contains(name, "..") || filepath.Base(name) != name) {
			t.Fatalf("%q taken for a slot file name", name)
		}
	})
}

// FuzzLockPID feeds lock file contents to the PID parser: a positive PID
// or 0, never a panic.
func FuzzLockPID(f *testing.F) {
	f.Add([]byte("1234\n"))
	f.Add([]byte("-1"))
	f.Add([]byte("99999999999999999999"))
	f.Fuzz(func(t *testing.T, b []byte) {
		path := filepath.Join(t.TempDir(), "lock")
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		if pid := vault.ReadLockPIDForTest(path); pid < 0 {
			t.Fatalf("PID %d from %q", pid, b)
		}
	})
}

// FuzzOpenSlot feeds damaged slot files (the header, the payload, the
// identity text inside) to the slot reader: an error, never a panic.
func FuzzOpenSlot(f *testing.F) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		f.Fatal(err)
	}
	master, _ := age.GenerateX25519Identity()
	for _, plain := range []string{master.String() + "\n", "# comment\n" + master.String(), "AGE-SECRET-KEY-1XYZ\n", ""} {
		var buf bytes.Buffer
		w, _ := age.Encrypt(&buf, id.Recipient())
		w.Write([]byte(plain))
		w.Close()
		f.Add(buf.Bytes())
	}
	f.Fuzz(func(t *testing.T, ct []byte) {
		vault.OpenSlotForTest(ct, id)
	})
}

// FuzzSlotSecurityKey reads a security key's record from the parameters of
// a slot as vault.json, which anyone can edit, holds them: a key whose
// record reads back is well-formed, and an error never quotes more than
// the parameter's name.
func FuzzSlotSecurityKey(f *testing.F) {
	f.Add("AAEC", "pQECAw", "l7raTKm-so83SUBeK1l085KUz3o_5V2t1wMjXR7ZPeE", "7", "age1x7zt694ynpxd63anw893dzc22hcet2etmvy5z7ysp4l6vpneup3qwed2u8", "usb,nfc")
	f.Add("", "", "", "", "", "")
	f.Add("!!", "pQ", "AA", "4294967296", "age1", ",")
	f.Fuzz(func(t *testing.T, cid, pub, salt, count, recipient, transports string) {
		s := vault.Slot{ID: "s", Kind: vault.SlotSecurityKey, Params: map[string]string{
			"credential_id": cid, "public_key": pub, "prf_salt": salt, "sign_count": count,
			"recipient": recipient, "transports": transports,
		}}
		k, err := s.SecurityKey()
		if err != nil {
			return
		}
		if len(k.CredentialID) == 0 || len(k.CredentialID) > vault.MaxCredentialIDSize || len(k.PRFSalt) != vault.PRFSize || len(k.PublicKey) == 0 {
			t.Fatalf("a malformed record read back: %+v", k)
		}
	})
}
