package vault_test

import (
	"testing"
	"time"
)

// Recording uses is not an edit: it keeps no backup and never wins a merge
// over another writer's change, and uses from two holders add up.
func TestMarkUsed(t *testing.T) {
	v, dir, _ := newVault(t)
	e := mustAdd(t, v, totp("GitHub", "alice", 1))
	mustSave(t, v)
	before, err := v.Backups()
	if err != nil {
		t.Fatal(err)
	}

	other := reopen(t, dir)
	at := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	for i := range 3 {
		if err := v.MarkUsed(e.ID, at.Add(time.Duration(i)*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := v.Entry(e.ID)
	if got.Uses != 3 || !got.LastUsed.Equal(at.Add(2*time.Second)) || !got.Modified.Equal(e.Modified) {
		t.Fatalf("after 3 uses: uses %d, last used %v, modified %v (was %v)", got.Uses, got.LastUsed, got.Modified, e.Modified)
	}

	// Another holder renames the entry and records a use of its own.
	renamed, _ := other.Entry(e.ID)
	renamed.Account = "alice@work"
	if err := other.Update(renamed); err != nil {
		t.Fatal(err)
	}
	if err := other.MarkUsed(e.ID, at.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	mustSave(t, other)
	mustSave(t, v)

	after, err := v.Backups()
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before)+1 {
		t.Errorf("backups: %d before, %d after one edit and one save of uses; want one more", len(before), len(after))
	}
	final, _ := reopen(t, dir).Entry(e.ID)
	if final.Account != "alice@work" {
		t.Errorf("the rename was lost to a save of uses: account %q", final.Account)
	}
	if final.Uses != 4 || !final.LastUsed.Equal(at.Add(time.Minute)) {
		t.Errorf("uses %d, last used %v; want 4 and %v", final.Uses, final.LastUsed, at.Add(time.Minute))
	}
	if err := v.MarkUsed("nope", at); err == nil {
		t.Error("MarkUsed of an unknown ID succeeded")
	}
}
