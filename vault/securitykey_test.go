package vault_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
	xhkdf "golang.org/x/crypto/hkdf"

	"github.com/tessera-auth/tessera/vault"
)

// securityKeyVectors were computed apart from this package, by a Python
// script with hmac/hashlib's HKDF-SHA256 and BIP 173's reference bech32
// code; each recipient is what `age-keygen -y` printed for the identity.
var securityKeyVectors = []struct {
	prf, credentialID string // hex
	identity          string
	recipient         string
}{
	{
		prf:          strings.Repeat("00", 32),
		credentialID: "01",
		identity:     "AGE-SECRET-KEY-1TZGKCYNVZ4CZ40MSKYFQ5WCR95CKWHVSQD982D7GXY04KV7Z2Y3QW0ZVH7",
		recipient:    "age1x7zt694ynpxd63anw893dzc22hcet2etmvy5z7ysp4l6vpneup3qwed2u8",
	},
	{
		prf:          "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
		credentialID: "000102030405060708090a0b0c0d0e0f",
		identity:     "AGE-SECRET-KEY-1NT0NZY43YTRCZAYAACHUT9SG4NYY9X8A8TCSAFFZL2J46GG2GS6SELXE27",
		recipient:    "age1cwmaa7p556nvwzt9d7m6fpedja308nmrajargct8cvyek5jr8d6sq3z8fd",
	},
	{
		prf:          strings.Repeat("ff", 32),
		credentialID: strings.Repeat("ab", 64),
		identity:     "AGE-SECRET-KEY-1TWK3JXLLK8YC7H4YHGQG7YVHTE8DKF6KN78GTYW8ACML9UAAN6JSR6HE6G",
		recipient:    "age1xqa6cqrjdgr6rgrr9ckjq5scll8sveh3368y4xys45f07htl34zs0532q5",
	},
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSecurityKeyIdentityVectors checks the derivation against vectors
// computed by an independent implementation, and checks the HKDF step once
// more against golang.org/x/crypto/hkdf (the package uses the standard
// library's).
func TestSecurityKeyIdentityVectors(t *testing.T) {
	for i, v := range securityKeyVectors {
		prf, cid := mustHex(t, v.prf), mustHex(t, v.credentialID)
		id, err := vault.SecurityKeyIdentity(prf, cid)
		if err != nil {
			t.Fatalf("vector %d: %v", i, err)
		}
		if id.String() != v.identity {
			t.Errorf("vector %d: identity differs from the vector", i)
		}
		if got := id.Recipient().String(); got != v.recipient {
			t.Errorf("vector %d: recipient %s, want %s", i, got, v.recipient)
		}

		scalar := make([]byte, 32)
		if _, err := io.ReadFull(xhkdf.New(sha256.New, prf, cid, []byte("tessera.security-key.v1 age-x25519")), scalar); err != nil {
			t.Fatal(err)
		}
		other, err := vault.SecurityKeyIdentity(prf, cid)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(bech32Data(t, other.String()), scalar) {
			t.Errorf("vector %d: the identity's key is not x/crypto/hkdf's output", i)
		}
	}
}

// bech32Data returns the bytes an AGE-SECRET-KEY-1... string encodes
// (checksum not checked: age.ParseX25519Identity did that).
func bech32Data(t *testing.T, s string) []byte {
	t.Helper()
	const charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
	s = strings.ToLower(s)
	data := s[strings.LastIndexByte(s, '1')+1 : len(s)-6]
	var out []byte
	acc, bits := 0, 0
	for _, c := range data {
		acc = acc<<5 | strings.IndexRune(charset, c)
		bits += 5
		if bits >= 8 {
			bits -= 8
			out = append(out, byte(acc>>bits))
			acc &= 1<<bits - 1
		}
	}
	return out
}

// TestSecurityKeyIdentityInputs: every byte of either input changes the
// identity, and inputs of the wrong size are refused with a message that
// names the input and both sizes.
func TestSecurityKeyIdentityInputs(t *testing.T) {
	prf := bytes.Repeat([]byte{7}, vault.PRFSize)
	cid := []byte("credential-id")
	base, err := vault.SecurityKeyIdentity(prf, cid)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{base.String(): true}
	for i := range prf {
		p := bytes.Clone(prf)
		p[i] ^= 1
		id, err := vault.SecurityKeyIdentity(p, cid)
		if err != nil {
			t.Fatal(err)
		}
		if seen[id.String()] {
			t.Fatalf("flipping PRF byte %d gave an identity seen before", i)
		}
		seen[id.String()] = true
	}
	for i := range cid {
		c := bytes.Clone(cid)
		c[i] ^= 1
		id, err := vault.SecurityKeyIdentity(prf, c)
		if err != nil {
			t.Fatal(err)
		}
		if seen[id.String()] {
			t.Fatalf("flipping credential ID byte %d gave an identity seen before", i)
		}
		seen[id.String()] = true
	}

	for _, tc := range []struct {
		prf, cid []byte
		want     string
	}{
		{nil, cid, "the PRF output is 0 bytes, want 32"},
		{prf[:31], cid, "the PRF output is 31 bytes, want 32"},
		{append(bytes.Clone(prf), 0), cid, "the PRF output is 33 bytes, want 32"},
		{prf, nil, "the credential ID is 0 bytes, want 1 to 1023"},
		{prf, make([]byte, 1024), "the credential ID is 1024 bytes, want 1 to 1023"},
	} {
		_, err := vault.SecurityKeyIdentity(tc.prf, tc.cid)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("SecurityKeyIdentity(%d-byte PRF, %d-byte ID) = %v, want an error saying %q", len(tc.prf), len(tc.cid), err, tc.want)
		}
	}
}

// TestSecurityKeyIdentityWithAge: the stock age binary decrypts, given the
// derived identity in a file, what this package encrypts to the derived
// recipient, and age-keygen -y computes the same recipient from the
// identity; and what `age -r` encrypts opens here with the derived
// identity.
func TestSecurityKeyIdentityWithAge(t *testing.T) {
	for _, tool := range []string{"age", "age-keygen"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not found: install it (Debian: apt-get install age)", tool)
		}
	}
	dir := t.TempDir()
	prf := sha256.Sum256([]byte("a PRF output"))
	id, err := vault.SecurityKeyIdentity(prf[:], []byte("a credential ID"))
	if err != nil {
		t.Fatal(err)
	}
	idFile := filepath.Join(dir, "key.txt")
	if err := os.WriteFile(idFile, []byte(id.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	out, err := exec.Command("age-keygen", "-y", idFile).CombinedOutput()
	if err != nil {
		t.Fatalf("age-keygen -y: %v: %s", err, out)
	}
	if got := strings.TrimSpace(string(out)); got != id.Recipient().String() {
		t.Fatalf("age-keygen -y gives %s, this package %s", got, id.Recipient())
	}

	plain := []byte("the vault's master identity would be here\n")
	var ct bytes.Buffer
	w, err := age.Encrypt(&ct, id.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	w.Write(plain)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	ctFile := filepath.Join(dir, "slot.age")
	if err := os.WriteFile(ctFile, ct.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := exec.Command("age", "-d", "-i", idFile, ctFile).Output()
	if err != nil {
		t.Fatalf("age -d: %v", err)
	}
	if !bytes.Equal(got, plain) {
		t.Fatalf("age -d gave %q, want %q", got, plain)
	}

	cmd := exec.Command("age", "-r", id.Recipient().String())
	cmd.Stdin = bytes.NewReader(plain)
	fromAge, err := cmd.Output()
	if err != nil {
		t.Fatalf("age -r: %v", err)
	}
	r, err := age.Decrypt(bytes.NewReader(fromAge), id)
	if err != nil {
		t.Fatalf("decrypting age's file with the derived identity: %v", err)
	}
	back, _ := io.ReadAll(r)
	if !bytes.Equal(back, plain) {
		t.Fatalf("decrypted %q, want %q", back, plain)
	}
}

// ExampleSecurityKeyIdentity derives a slot identity from a PRF output (a
// fixed one here; a security key gives its own) and prints its recipient,
// which the slot file is encrypted to.
func ExampleSecurityKeyIdentity() {
	prf := make([]byte, vault.PRFSize)
	id, err := vault.SecurityKeyIdentity(prf, []byte{1})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(id.Recipient())
	// Output: age1x7zt694ynpxd63anw893dzc22hcet2etmvy5z7ysp4l6vpneup3qwed2u8
}

// BenchmarkSecurityKeyIdentity is the derivation alone: HKDF-SHA256, the
// bech32 encoding and age's parse (which computes the recipient).
func BenchmarkSecurityKeyIdentity(b *testing.B) {
	prf := make([]byte, vault.PRFSize)
	cid := make([]byte, 64)
	for b.Loop() {
		if _, err := vault.SecurityKeyIdentity(prf, cid); err != nil {
			b.Fatal(err)
		}
	}
}
