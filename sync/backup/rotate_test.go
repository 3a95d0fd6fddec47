package backup_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"filippo.io/age"

	"github.com/tessera-auth/tessera/sync/backup"
	"github.com/tessera-auth/tessera/vault"
)

// TestRotateVerifyKey: after a rekey, rotating the verify key makes the
// next automatic backup unreadable with the old verify key (which the old
// master key exposed) and still readable with the person's own key; a
// passphrase setting has no key to rotate.
func TestRotateVerifyKey(t *testing.T) {
	v, _ := newVault(t)
	mine, _ := age.GenerateX25519Identity()
	dir := t.TempDir()
	if err := backup.SaveSettings(v, backup.Settings{Enabled: true, Dir: dir, Recipients: []string{mine.Recipient().String()}}); err != nil {
		t.Fatal(err)
	}
	s, err := backup.LoadSettings(v)
	if err != nil || s.VerifyKey == "" {
		t.Fatalf("settings: %v, verify key set: %v", err, s.VerifyKey != "")
	}
	oldKey, _ := age.ParseX25519Identity(s.VerifyKey)
	if _, err := v.Rekey(&vault.RekeyOptions{Passphrases: []string{testPass}}); err != nil {
		t.Fatal(err)
	}
	if ok, err := backup.RotateVerifyKey(v); !ok || err != nil {
		t.Fatalf("rotate: %v, %v", ok, err)
	}
	s, _ = backup.LoadSettings(v)
	if s.VerifyKey == "" || s.VerifyKey == oldKey.String() {
		t.Fatal("the verify key did not change")
	}
	f, err := s.Folder()
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.Write(&backup.File{Created: t0, Entries: sampleEntries(3)}, t0)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(st.Path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := backup.Read(bytes.NewReader(b), oldKey); err == nil {
		t.Error("the old verify key reads a backup written after the rotation")
	}
	if _, err := backup.Read(bytes.NewReader(b), mine); err != nil {
		t.Errorf("the person's own key: %v", err)
	}

	w, _ := newVault(t)
	backup.SaveSettings(w, backup.Settings{Dir: filepath.Join(dir, "p"), Passphrase: "backup pass"})
	if ok, err := backup.RotateVerifyKey(w); ok || err != nil {
		t.Errorf("passphrase settings: %v, %v", ok, err)
	}
}
