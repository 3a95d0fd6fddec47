package gui

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"filippo.io/age"
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/tessera-auth/tessera/sync/folder"
	"github.com/tessera-auth/tessera/vault"
)

// A sync that brings another device's changes refreshes the list and tells
// of a conflict once, with a way to its history; the history's Restore
// makes the losing version current again.
func TestSyncConflictAndHistory(t *testing.T) {
	h := newHarness(t, "")
	h.unlock()
	v := h.ui.vault
	sf := t.TempDir()
	if _, err := folder.Sync(v, sf, &folder.Options{Name: "laptop"}); err != nil {
		t.Fatal(err)
	}
	pass, _ := age.NewScryptIdentity(testPass)
	other, err := folder.Join(sf, t.TempDir()+"/other", pass, &vault.Options{WorkFactor: testWorkFactor})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := folder.Sync(other, sf, &folder.Options{Name: "desktop"}); err != nil {
		t.Fatal(err)
	}

	// The same entry renamed here, then on the other device, before
	// either synced.
	e := v.Entries()[0]
	mine := e
	mine.Issuer = "Mine"
	if err := v.Update(mine); err != nil {
		t.Fatal(err)
	}
	h.ui.changed()
	theirs, _ := other.Entry(e.ID)
	theirs.Issuer = "Theirs"
	if err := other.Update(theirs); err != nil {
		t.Fatal(err)
	}
	if err := other.Save(); err != nil {
		t.Fatal(err)
	}
	if _, err := folder.Sync(other, sf, nil); err != nil {
		t.Fatal(err)
	}
	rep, err := folder.Sync(v, sf, nil)
	h.ui.onSynced(rep, err)
	shown := h.shownIssuers()
	if !slices.Contains(shown, "Theirs") || slices.Contains(shown, "Mine") {
		t.Fatalf("after the sync the list shows %q", shown)
	}
	msg := h.ui.toast.message()
	if !strings.Contains(msg, "Mine: ") || !strings.Contains(msg, "changed on laptop and on desktop") || !h.ui.toast.action.Visible() {
		t.Fatalf("toast %q", msg)
	}

	h.ui.toast.onTapAction()
	top := h.topOverlay()
	if top == nil {
		t.Fatal("History opened nothing")
	}
	lines := labelTexts(top, "")
	if len(lines) < 3 || !strings.Contains(lines[0], "desktop  Theirs") || !strings.HasSuffix(lines[0], "(current)") {
		t.Fatalf("history: %q", lines)
	}
	var lost bool
	for _, l := range lines {
		lost = lost || strings.Contains(l, "laptop  Mine") && strings.HasSuffix(l, "(lost a conflict)")
	}
	if !lost {
		t.Fatalf("history shows no lost version: %q", lines)
	}
	// Restore is offered on every version but the current one; the first
	// such button belongs to the loser (the versions are newest first).
	restore := find(top, func(o fyne.CanvasObject) bool {
		b, ok := o.(*widget.Button)
		return ok && b.Text == "Restore"
	})
	if restore == nil {
		t.Fatal("no Restore button")
	}
	test.Tap(restore.(*widget.Button))
	if got, _ := v.Entry(e.ID); got.Issuer != "Mine" {
		t.Fatalf("after Restore the entry is %q", got.Issuer)
	}
	if shown := h.shownIssuers(); !slices.Contains(shown, "Mine") {
		t.Fatalf("after Restore the list shows %q", shown)
	}

	// The next sync publishes it; the other device takes it in, with no
	// second report of the conflict here.
	rep, err = folder.Sync(v, sf, nil)
	h.ui.onSynced(rep, err)
	if err != nil || rep.Sent != 1 || len(rep.Conflicts) != 0 {
		t.Fatalf("publishing the restore: %+v, %v", rep, err)
	}
	if _, err := folder.Sync(other, sf, nil); err != nil {
		t.Fatal(err)
	}
	if got, _ := other.Entry(e.ID); got.Issuer != "Mine" {
		t.Fatalf("the other device holds %q", got.Issuer)
	}

	// A failure is told once.
	h.ui.onSynced(nil, vault.ErrBusy)
	if !strings.Contains(h.ui.toast.message(), "Sync failed: vault busy") {
		t.Fatalf("toast %q", h.ui.toast.message())
	}
}

// The sync folder is a setting: applying one starts keeping the vault in
// step with it at once, a folder that cannot be used is said, and clearing
// it stops.
func TestSyncFolderSetting(t *testing.T) {
	t.Setenv("TESSERA_SYNC_FOLDER", "")
	h := newHarness(t, "")
	h.unlock()
	sf := t.TempDir()
	h.ui.list.search.TypedShortcut(ctrl(fyne.KeyComma))
	h.ui.settings.syncDir.SetText(sf)
	h.ui.settings.onApply()
	if h.ui.sync.w == nil {
		t.Fatal("no watcher after setting the sync folder")
	}
	h.ui.list.search.TypedShortcut(ctrl(fyne.KeyComma))
	if h.ui.settings.syncDir.Text != sf {
		t.Fatalf("settings show %q, want %q", h.ui.settings.syncDir.Text, sf)
	}
	h.ui.settings.syncDir.SetText("")
	h.ui.settings.onApply()
	if h.ui.sync.w != nil {
		t.Fatal("still watching after the sync folder was cleared")
	}
	missing := filepath.Join(sf, "not-there")
	h.ui.list.search.TypedShortcut(ctrl(fyne.KeyComma))
	h.ui.settings.syncDir.SetText(missing)
	h.ui.settings.onApply()
	if h.ui.sync.w != nil || h.ui.sync.lastErr == "" {
		t.Fatalf("a missing folder: watcher %v, message %q", h.ui.sync.w != nil, h.ui.sync.lastErr)
	}
}
