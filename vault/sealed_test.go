package vault_test

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/tessera-auth/tessera/vault"
)

func TestSealedFiles(t *testing.T) {
	v, dir, _ := newVault(t)
	if _, err := v.ReadSealed("approvals"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("ReadSealed of nothing stored: %v, want fs.ErrNotExist", err)
	}
	plain := []byte(`{"keys":["not really secret"]}`)
	if err := v.WriteSealed("approvals", plain); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "sealed", "approvals.age"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("not really secret")) {
		t.Fatal("sealed file holds the plaintext")
	}

	// Another process opening the vault reads it back.
	w := reopen(t, dir)
	got, err := w.ReadSealed("approvals")
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("ReadSealed = %q, %v; want %q", got, err, plain)
	}

	// Seal and Unseal agree, and a file sealed by another vault is refused
	// as damaged.
	ct, err := w.Seal(plain)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := v.Unseal(ct); err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("Unseal = %q, %v", got, err)
	}
	other, _, _ := newVault(t)
	if _, err := other.Unseal(ct); !errors.Is(err, vault.ErrDamaged) {
		t.Fatalf("Unseal with another vault's key: %v, want ErrDamaged", err)
	}

	for _, bad := range []string{"", "../x", "A", "a/b", string(make([]byte, 65))} {
		if err := v.WriteSealed(bad, plain); !errors.Is(err, vault.ErrBadSealedName) {
			t.Errorf("WriteSealed(%q): %v, want ErrBadSealedName", bad, err)
		}
	}
	v.Lock()
	if _, err := v.ReadSealed("approvals"); !errors.Is(err, vault.ErrLocked) {
		t.Fatalf("ReadSealed while locked: %v", err)
	}
}
