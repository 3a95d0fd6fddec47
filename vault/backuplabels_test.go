package vault_test

import (
	"errors"
	"testing"

	"github.com/tessera-auth/tessera/otp"
	"github.com/tessera-auth/tessera/vault"
)

// A backup's labels are those of the entries it held, by ID.
func TestBackupLabels(t *testing.T) {
	dir := t.TempDir()
	v, _, err := vault.Create(dir, "correct horse battery staple", &vault.Options{WorkFactor: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Lock()
	a, err := v.Add(vault.Entry{Issuer: "A", Account: "a", OTP: otp.Credential{Secret: []byte("0123456789"), Digits: 6, Period: 30}})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Save(); err != nil {
		t.Fatal(err)
	}
	a.Issuer = "Renamed"
	if err := v.Update(a); err != nil {
		t.Fatal(err)
	}
	if err := v.Save(); err != nil {
		t.Fatal(err)
	}
	bs, err := v.Backups()
	if err != nil || len(bs) < 1 {
		t.Fatalf("backups %v, %v", bs, err)
	}
	got, err := v.BackupLabels(bs[0].ID) // the save before the rename
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[a.ID] != "A: a" {
		t.Fatalf("labels %v, want A: a", got)
	}
	if _, err := v.BackupLabels("999"); !errors.Is(err, vault.ErrNotFound) {
		t.Fatalf("missing backup: %v", err)
	}
	v.Lock()
	if _, err := v.BackupLabels(bs[0].ID); !errors.Is(err, vault.ErrLocked) {
		t.Fatalf("locked: %v", err)
	}
}
