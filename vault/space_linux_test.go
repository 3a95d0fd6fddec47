package vault_test

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/tessera-auth/tessera/vault"
)

// tmpfs mounts a tmpfs of the given size on a new folder, unmounted when
// the test ends: a real file system that fills up, or is made read-only.
// Tests run as root; a machine that cannot mount fails the test.
func tmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+size+",mode=0700"); err != nil {
		t.Fatalf("mounting a tmpfs (tests run as root): %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	return dir
}

// fill writes a file in dir until the file system is full.
func fill(t *testing.T, dir, name string) {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 4096)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			return
		}
	}
}

func bigNote(n int) string {
	b := make([]byte, n/2)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// A save on a full disk removes the oldest backups it needs (never the
// newest one, never the body) and goes through; when nothing can free
// enough, the error wraps ErrStorage and says what happened and what to
// do, and the change stays for the next try.
func TestFullDiskPrunesBackups(t *testing.T) {
	mnt := tmpfs(t, "1m")
	dir := filepath.Join(mnt, "v")
	v, _, err := vault.Create(dir, testPass, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	e := mustAdd(t, v, totp("Big", "b", 1))
	for range 8 {
		e.Note = bigNote(40 << 10)
		if err := v.Update(e); err != nil {
			t.Fatal(err)
		}
		mustSave(t, v)
	}
	before, _ := v.Backups()
	fill(t, mnt, "filler")

	e.Note = bigNote(40 << 10)
	if err := v.Update(e); err != nil {
		t.Fatal(err)
	}
	if err := v.Save(); err != nil {
		t.Fatalf("save on a full disk with backups to spare: %v", err)
	}
	after, _ := v.Backups()
	if len(after) >= len(before)+1 || len(after) == 0 {
		t.Fatalf("backups %d before, %d after: none pruned", len(before), len(after))
	}
	if after[0].ID <= before[0].ID && len(after[0].ID) <= len(before[0].ID) {
		t.Errorf("the newest backup is %s, was %s", after[0].ID, before[0].ID)
	}
	got, _ := reopen(t, dir).Entry(e.ID)
	if got.Note != e.Note {
		t.Fatal("the save on a full disk is not in the vault")
	}

	// Nothing left to prune that frees enough: ErrStorage, said plainly.
	fill(t, mnt, "filler2")
	huge := totp("Huge", "h", 2)
	huge.Note = bigNote(400 << 10)
	mustAdd(t, v, huge)
	err = v.Save()
	if !errors.Is(err, vault.ErrStorage) || !strings.Contains(err.Error(), "full") || !strings.Contains(err.Error(), "free some space") {
		t.Fatalf("save that cannot fit: got %v, want ErrStorage saying the disk is full", err)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, ".tmp-*")); len(m) != 0 {
		t.Errorf("temporary files left: %v", m)
	}
	bs, _ := v.Backups()
	if len(bs) != 1 {
		t.Errorf("%d backups left, want the newest one kept", len(bs))
	}
	os.Remove(filepath.Join(mnt, "filler"))
	os.Remove(filepath.Join(mnt, "filler2"))
	mustSave(t, v)
	if len(reopen(t, dir).Find("Huge")) != 1 {
		t.Fatal("the change was lost after the full disk")
	}
}

// A HOTP code on a full disk: the counter's record makes room the same
// way, and no code is given unless it is recorded.
func TestFullDiskHOTP(t *testing.T) {
	mnt := tmpfs(t, "512k")
	dir := filepath.Join(mnt, "v")
	v, _, err := vault.Create(dir, testPass, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	h := mustAdd(t, v, hotpEntry())
	pad := mustAdd(t, v, totp("Pad", "p", 1))
	for range 5 {
		pad.Note = bigNote(30 << 10)
		v.Update(pad)
		mustSave(t, v)
	}
	fill(t, mnt, "filler")
	given := takeCodes(t, v, h.ID, 2)
	w := reopen(t, dir)
	checkFresh(t, given, takeCodes(t, w, h.ID, 1)[0], "code after a full disk")
}

// On a read-only file system a save fails with ErrStorage, naming the
// folder and what to do, and the vault still opens and reads.
func TestReadOnlyVault(t *testing.T) {
	mnt := tmpfs(t, "1m")
	dir := filepath.Join(mnt, "v")
	v, _, err := vault.Create(dir, testPass, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	mustAdd(t, v, totp("A", "a", 1))
	mustSave(t, v)
	if err := syscall.Mount("", mnt, "", syscall.MS_REMOUNT|syscall.MS_RDONLY, ""); err != nil {
		t.Fatal(err)
	}
	w := reopen(t, dir)
	mustAdd(t, w, totp("B", "b", 2))
	err = w.Save()
	if !errors.Is(err, vault.ErrStorage) || !strings.Contains(err.Error(), "read-only") {
		t.Fatalf("save on a read-only file system: got %v", err)
	}
	if bytes.Contains([]byte(err.Error()), []byte("secret")) {
		t.Errorf("error: %v", err)
	}
}
