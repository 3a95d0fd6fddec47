package backup_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/tessera-auth/tessera/sync/backup"
)

func mustX25519(t testing.TB) []age.Recipient {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	return []age.Recipient{id.Recipient()}
}

// TestKeep checks the pruning rule on daily backups over two years: the
// newest N stay, plus the newest of each of the last 12 months.
func TestKeep(t *testing.T) {
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	var times []time.Time
	for d := 0; d < 730; d++ {
		times = append(times, now.Add(-time.Duration(d)*24*time.Hour))
	}
	keep := backup.Keep(times, now, 30)
	var kept []time.Time
	for i, k := range keep {
		if k {
			kept = append(kept, times[i])
		}
	}
	// 30 newest (Nov 4 to Dec 3), then the newest of Oct 2026 back to
	// Jan 2026: 10 more; November and December are among the 30.
	if len(kept) != 40 {
		t.Fatalf("kept %d, want 40: %v", len(kept), kept)
	}
	for i := 0; i < 30; i++ {
		if !keep[i] {
			t.Errorf("newest backup %d not kept", i)
		}
	}
	for m := time.October; m >= time.January; m-- {
		last := time.Date(2026, m+1, 1, 10, 0, 0, 0, time.UTC).Add(-24 * time.Hour)
		found := false
		for _, k := range kept {
			found = found || k.Equal(last)
		}
		if !found {
			t.Errorf("the newest backup of %v (%v) was not kept", m, last)
		}
	}
	if oldest := kept[len(kept)-1]; oldest.Before(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("kept %v, older than a year", oldest)
	}
	// Fewer backups than N: all stay.
	if k := backup.Keep(times[:5], now, 0); len(k) != 5 || !k[4] {
		t.Error("fewer than N backups: not all kept")
	}
}

// TestFolderVerifyFailureKeepsOlder writes backups into a folder, then one
// that cannot be read back (encrypted to a key the verifier lacks): it is
// removed, an error says so, and no older backup is pruned.
func TestFolderVerifyFailureKeepsOlder(t *testing.T) {
	dir := t.TempDir()
	id, _ := age.GenerateX25519Identity()
	f := &backup.Folder{Dir: dir, Options: backup.Options{Recipients: []age.Recipient{id.Recipient()}}, Verify: id, Keep: 2}
	file := &backup.File{Created: t0, Entries: sampleEntries(7)}
	now := t0
	for range 3 {
		if _, err := f.Write(file, now); err != nil {
			t.Fatal(err)
		}
		now = now.Add(time.Hour)
	}
	list, err := f.List()
	if err != nil {
		t.Fatal(err)
	}
	// Keep 2, plus the newest of the month (which is the newest itself).
	if len(list) != 2 || !list[0].Time.Equal(t0.Add(2*time.Hour).Truncate(time.Second)) {
		t.Fatalf("after 3 writes keeping 2: %v", list)
	}

	other, _ := age.GenerateX25519Identity()
	f.Options.Recipients = []age.Recipient{other.Recipient()}
	_, err = f.Write(file, now.Add(time.Hour))
	var ve *backup.VerifyError
	if !errors.As(err, &ve) || !errors.Is(err, backup.ErrWrongKey) {
		t.Fatalf("write that cannot be verified: %v", err)
	}
	after, _ := f.List()
	if len(after) != 2 || after[0].Path != list[0].Path || after[1].Path != list[1].Path {
		t.Errorf("after a failed verification the folder holds %v, want the 2 older backups", after)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 2 {
		t.Errorf("the folder holds %d files, want 2 (no temporary left)", len(ents))
	}
	// Files that are not automatic backups are never pruned; a temporary
	// file a crash left an hour ago is.
	mine := filepath.Join(dir, "notes.txt")
	os.WriteFile(mine, []byte("x"), 0o600)
	stale := filepath.Join(dir, ".tmp-tessera-backup-123")
	os.WriteFile(stale, []byte("cut short"), 0o600)
	old := time.Now().Add(-2 * time.Hour)
	os.Chtimes(stale, old, old)
	f.Options.Recipients = []age.Recipient{id.Recipient()}
	for range 3 {
		now = now.Add(time.Hour)
		if _, err := f.Write(file, now); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(mine); err != nil {
		t.Error("pruning removed a file that is no backup")
	}
	if _, err := os.Stat(stale); err == nil {
		t.Error("pruning left a stale temporary file")
	}
}
