package backup_test

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/tessera-auth/tessera/sync/backup"
	"github.com/tessera-auth/tessera/vault"
)

// TestRestoreMerge restores a backup into a vault that changed since:
// entries deleted since come back, entries edited since stay (a HOTP
// counter that moved on in the vault is never lowered, one higher in the
// backup raises the vault's), entries edited in the backup after the
// vault's copy replace it, an account re-added under a new ID is not
// doubled, and what did not change is skipped.
func TestRestoreMerge(t *testing.T) {
	v, dir := newVault(t)
	orig := sampleEntries(6)
	addAll(t, v, orig)
	file := &backup.File{Created: time.Now(), Entries: v.Entries()}
	byIssuer := func(es []vault.Entry, issuer string) vault.Entry {
		for _, e := range es {
			if e.Issuer == issuer {
				return e
			}
		}
		t.Fatalf("no entry %q", issuer)
		return vault.Entry{}
	}

	// After the backup: GitHub deleted, Bank renamed, VPN's counter moved
	// on by 3, Steam deleted and added again under a new ID.
	gh := byIssuer(v.Entries(), "GitHub")
	if err := v.Delete(gh.ID); err != nil {
		t.Fatal(err)
	}
	bank := byIssuer(v.Entries(), "Bank: Ünïcode")
	bank.Account = "renamed since"
	if err := v.Update(bank); err != nil {
		t.Fatal(err)
	}
	vpn := byIssuer(v.Entries(), "VPN")
	for range 3 {
		if _, err := v.AdvanceHOTP(vpn.ID); err != nil {
			t.Fatal(err)
		}
	}
	steam := byIssuer(v.Entries(), "Steam")
	if err := v.Delete(steam.ID); err != nil {
		t.Fatal(err)
	}
	steam.ID = ""
	if _, err := v.Add(steam); err != nil {
		t.Fatal(err)
	}
	if err := v.Save(); err != nil {
		t.Fatal(err)
	}

	// In the backup, the token was edited later than the vault's copy.
	tok := byIssuer(file.Entries, "CI token")
	tok.Note = "edited in the backup"
	tok.Modified = time.Now().Add(time.Hour)
	for i := range file.Entries {
		if file.Entries[i].ID == tok.ID {
			file.Entries[i] = tok
		}
	}

	steps := backup.Plan(v.Entries(), file)
	got := map[string]backup.Action{}
	for _, s := range steps {
		got[s.Entry.Issuer] = s.Action
	}
	want := map[string]backup.Action{
		"GitHub":        backup.Add,
		"Bank: Ünïcode": backup.Skip,
		"VPN":           backup.Skip,
		"Steam":         backup.Skip,
		"CI token":      backup.Change,
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: %v, want %v", k, got[k], w)
		}
	}
	if err := backup.Apply(v, steps); err != nil {
		t.Fatal(err)
	}
	if err := v.Save(); err != nil {
		t.Fatal(err)
	}
	after := reopen(t, dir).Entries()
	if len(after) != 5 {
		t.Errorf("%d entries after the restore, want 5", len(after))
	}
	if e := byIssuer(after, "GitHub"); e.ID != gh.ID || !bytes.Equal(e.OTP.Secret, gh.OTP.Secret) || e.Note != gh.Note {
		t.Error("the deleted entry did not come back as it was")
	}
	if e := byIssuer(after, "Bank: Ünïcode"); e.Account != "renamed since" {
		t.Errorf("the vault's newer edit was lost: account %q", e.Account)
	}
	if e := byIssuer(after, "VPN"); e.OTP.Counter != 45 {
		t.Errorf("HOTP counter %d after the restore, want 45 (never lowered)", e.OTP.Counter)
	}
	if e := byIssuer(after, "CI token"); e.Note != "edited in the backup" {
		t.Errorf("the backup's newer edit was not taken: note %q", e.Note)
	}

	// A backup whose counter is higher raises the vault's, even though
	// the vault's copy is newer.
	vpnNow := byIssuer(after, "VPN")
	high := vpnNow
	high.OTP.Counter = 100
	high.Modified = vpnNow.Modified.Add(-time.Hour)
	steps = backup.Plan(after, &backup.File{Entries: []vault.Entry{high}})
	if steps[0].Action != backup.Counter || steps[0].Entry.OTP.Counter != 100 || steps[0].Entry.Modified != vpnNow.Modified {
		t.Errorf("higher counter: %v counter %d", steps[0].Action, steps[0].Entry.OTP.Counter)
	}
	// Restoring the same backup twice changes nothing the second time.
	again := backup.Plan(after, &backup.File{Entries: after})
	if n := backup.Count(again); n[backup.Skip] != len(after) {
		t.Errorf("restoring the vault's own entries: %v, want all skipped", n)
	}
}

// entries10000 returns 10,000 entries of every kind.
func entries10000() []vault.Entry {
	es := make([]vault.Entry, 0, 10000)
	for i := range 2000 {
		for _, e := range sampleEntries(i) {
			e.ID = fmt.Sprintf("%s%d", e.ID, i)
			es = append(es, e)
		}
	}
	return es
}

// BenchmarkWrite10000 writes a 10,000-entry backup to an X25519 key.
func BenchmarkWrite10000(b *testing.B) {
	file := &backup.File{Created: t0, Entries: entries10000()}
	id := mustX25519(b)
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := backup.Write(&buf, file, backup.Options{Recipients: id}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "bytes/backup")
}

// BenchmarkFolderWrite10000 is one automatic backup of 10,000 entries:
// written, synced, read back and compared, renamed into place, pruned.
func BenchmarkFolderWrite10000(b *testing.B) {
	file := &backup.File{Created: t0, Entries: entries10000()}
	id, _ := age.GenerateX25519Identity()
	f := &backup.Folder{Dir: b.TempDir(), Options: backup.Options{Recipients: []age.Recipient{id.Recipient()}}, Verify: id, Keep: 3}
	now := t0
	b.ReportAllocs()
	for b.Loop() {
		now = now.Add(time.Hour)
		if _, err := f.Write(file, now); err != nil {
			b.Fatal(err)
		}
	}
}
